"""Are Spark's marts the same as DuckDB's? Every table of the DuckDB build's `main` schema (the
marts) is compared row for row with the Spark table of the same name, floats rounded to
`DECIMALS` places.

Spark's tables are read back as the Parquet files they are stored in
(`<spark warehouse>/main.db/<table>/`, day partitions as `score_date=.../` folders), by DuckDB:
no second Spark session, so the comparison takes seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

DECIMALS = 4
MART_SCHEMA = "main"
# Rows shown per differing table; the counts say how many more there are.
SHOWN_ROWS = 5
FLOAT_TYPES = ("DOUBLE", "FLOAT", "REAL", "DECIMAL")


@dataclass
class TableComparison:
    table: str
    rows: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        return not self.problems


def spark_table_dir(spark_warehouse: Path, table: str, schema: str = MART_SCHEMA) -> Path:
    """Where Spark's Hive catalog keeps a managed table of `schema`."""
    return spark_warehouse / f"{schema}.db" / table


def _duckdb_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "select table_name from information_schema.tables where table_catalog = 'duck'"
        " and table_schema = ? and table_type = 'BASE TABLE' order by 1",
        [MART_SCHEMA],
    ).fetchall()
    return [name for (name,) in rows]


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> dict[str, str]:
    return {name: kind for name, kind, *_ in con.execute(f"describe {relation}").fetchall()}


def _projection(columns: dict[str, str], names: list[str]) -> str:
    """The columns in one order, floats rounded: what `except all` compares."""
    return ", ".join(
        f'round(cast("{name}" as double), {DECIMALS}) as "{name}"'
        if columns[name].startswith(FLOAT_TYPES)
        else f'"{name}"'
        for name in names
    )


def _spark_relation(con: duckdb.DuckDBPyConnection, folder: Path, table: str) -> str | None:
    """A view over the table's Parquet files; None when Spark wrote no file (no rows)."""
    files = sorted(folder.rglob("*.parquet"))
    if not files:
        return None
    view = f"spark_{table}"
    con.execute(
        f"create or replace temp view {view} as select * from read_parquet("
        f"'{folder}/**/*.parquet', hive_partitioning = true, union_by_name = true)"
    )
    return view


def compare_table(
    con: duckdb.DuckDBPyConnection, table: str, spark_warehouse: Path
) -> TableComparison:
    result = TableComparison(table)
    duck = f'duck.{MART_SCHEMA}."{table}"'
    result.rows = con.execute(f"select count(*) from {duck}").fetchone()[0]
    folder = spark_table_dir(spark_warehouse, table)
    if not folder.is_dir():
        result.problems.append(f"no Spark table at {folder}")
        return result
    spark = _spark_relation(con, folder, table)
    if spark is None:
        if result.rows:
            result.problems.append(f"Spark has no rows, DuckDB {result.rows}")
        return result
    duck_columns, spark_columns = _columns(con, duck), _columns(con, spark)
    # A partition column is stored last on Spark: compare the columns by name.
    if sorted(duck_columns) != sorted(spark_columns):
        only_duck = sorted(set(duck_columns) - set(spark_columns))
        only_spark = sorted(set(spark_columns) - set(duck_columns))
        result.problems.append(f"columns only in DuckDB {only_duck}, only in Spark {only_spark}")
        return result
    names = list(duck_columns)
    # Round both sides as the side that holds a float does: a column may be a decimal on one.
    kinds = {
        name: duck_columns[name]
        if duck_columns[name].startswith(FLOAT_TYPES)
        else spark_columns[name]
        for name in names
    }
    duck_rows = f"select {_projection(kinds, names)} from {duck}"
    spark_rows = f"select {_projection(kinds, names)} from {spark}"
    spark_count = con.execute(f"select count(*) from {spark}").fetchone()[0]
    if spark_count != result.rows:
        result.problems.append(f"rows: DuckDB {result.rows}, Spark {spark_count}")
    for label, left, right in (
        ("only in DuckDB", duck_rows, spark_rows),
        ("only in Spark", spark_rows, duck_rows),
    ):
        query = f"select * from ({left} except all {right})"
        count = con.execute(f"select count(*) from ({query})").fetchone()[0]
        if count:
            result.problems.append(f"{count} rows {label}, for example:")
            shown = con.execute(f"{query} order by all limit {SHOWN_ROWS}").fetchall()
            result.problems += [f"    {dict(zip(names, row, strict=True))}" for row in shown]
    return result


def compare_marts(duckdb_warehouse: Path, spark_warehouse: Path) -> list[TableComparison]:
    """Compares every mart of the DuckDB build with Spark's."""
    with duckdb.connect() as con:
        con.execute(f"attach '{duckdb_warehouse}' as duck (read_only)")
        return [compare_table(con, table, spark_warehouse) for table in _duckdb_tables(con)]


def report(comparisons: list[TableComparison]) -> str:
    lines = []
    for comparison in comparisons:
        verdict = "identical" if comparison.identical else "DIFFERS"
        lines.append(f"{verdict} {comparison.table}: {comparison.rows} rows")
        lines += [f"  {problem}" for problem in comparison.problems]
    if comparisons and all(c.identical for c in comparisons):
        lines.append(f"marts identical ({len(comparisons)} tables, floats to {DECIMALS} decimals)")
    elif not comparisons:
        lines.append("no marts to compare")
    return "\n".join(lines)
