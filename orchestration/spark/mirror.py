"""With `CHS_TARGET=spark`, the tables dbt built on Spark, copied into the DuckDB warehouse.

Everything that reads the warehouse after dbt reads it through DuckDB: the Great Expectations
and reconciliation checks, the backtest floor, the alerts outbox, the serving copy (and through
it the dashboard and BI tools) and the calibration. On the Spark target each dbt step of the
Dagster pipeline therefore ends by copying the tables that step built, from Spark's warehouse
into the same schema and table of the DuckDB warehouse. The readers keep one code path, and they
check and publish Spark's rows, not an older DuckDB build.

Spark's tables are the Parquet files of its warehouse folder (`<warehouse>/<schema>.db/<table>/`,
day partitions as `score_date=<day>/` folders), read by DuckDB: no second Spark session. A table
partitioned by `score_date` gets only the days the step scored (deleted, then inserted by column
name); any other table is replaced whole. Each table is copied in one transaction, so a reader
never sees half of it. Views hold no files and are skipped (nothing downstream of dbt reads the
staging views). A real cluster's warehouse is not a local folder: there the copy needs a DuckDB
that reads the cluster's storage (README "Scaling out").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from orchestration.duckdb_settings import connect
from orchestration.project import data_dir
from orchestration.spark.marts import spark_table_dir

DAY_COLUMN = "score_date"
# What dbt materialises as files in Spark's warehouse.
COPIED_MATERIALIZATIONS = ("table", "incremental", "seed")
PARTITION_FOLDER = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=")


@dataclass(frozen=True)
class BuiltTable:
    schema: str
    table: str
    # The documented column order (the model's YAML), used when it names every column.
    columns: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.schema}.{self.table}"


def spark_warehouse_dir() -> Path:
    """Spark's `spark.sql.warehouse.dir` of the local target (profiles.yml)."""
    return data_dir() / "spark" / "warehouse"


def built_tables(run_results: Mapping[str, Any], manifest: Mapping[str, Any]) -> list[BuiltTable]:
    """The tables and seeds a dbt invocation built successfully, from its run_results.json."""
    tables = []
    for result in run_results.get("results", []):
        node = manifest.get("nodes", {}).get(result.get("unique_id", ""))
        if result.get("status") != "success" or node is None:
            continue
        if node["resource_type"] not in ("model", "seed"):
            continue
        if node["config"].get("materialized") not in COPIED_MATERIALIZATIONS:
            continue
        tables.append(
            BuiltTable(
                schema=node["schema"],
                table=node.get("alias") or node["name"],
                columns=tuple(node.get("columns", {})),
            )
        )
    return tables


def _partition_column(folder: Path) -> str | None:
    for child in folder.iterdir():
        match = PARTITION_FOLDER.match(child.name)
        if child.is_dir() and match:
            return match.group(1)
    return None


def _exists(con: duckdb.DuckDBPyConnection, table: BuiltTable) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables"
            " where table_schema = ? and table_name = ?",
            [table.schema, table.table],
        ).fetchone()[0]
    )


def _copy_table(
    con: duckdb.DuckDBPyConnection,
    table: BuiltTable,
    folder: Path,
    days: tuple[date, date] | None,
) -> int:
    """Copies one Spark table into DuckDB; returns the rows written."""
    target = f'"{table.schema}"."{table.table}"'
    if not folder.is_dir():
        raise FileNotFoundError(f"{table.name}: Spark built it, but {folder} does not exist")
    partition = _partition_column(folder)
    by_day = days is not None and partition == DAY_COLUMN and _exists(con, table)
    if not any(folder.rglob("*.parquet")):
        # A partitioned table without rows has no file to read its columns from.
        if _exists(con, table):
            where = f" where {DAY_COLUMN} between ? and ?" if by_day else ""
            con.execute(f"delete from {target}{where}", list(days) if by_day else [])
        return 0
    source = (
        f"read_parquet('{folder}/**/*.parquet', hive_partitioning = {partition is not None},"
        " union_by_name = true)"
    )
    stored = [row[0] for row in con.execute(f"describe select * from {source}").fetchall()]
    # Spark stores a partition column last: put the columns back in their documented order.
    names = list(table.columns) if sorted(table.columns) == sorted(stored) else stored
    select = ", ".join(f'"{name}"' for name in names)
    con.execute(f'create schema if not exists "{table.schema}"')
    con.execute("begin")
    try:
        if by_day:
            con.execute(f"delete from {target} where {DAY_COLUMN} between ? and ?", list(days))
            written = con.execute(
                f"insert into {target} by name select {select} from {source}"
                f" where {DAY_COLUMN} between ? and ?",
                list(days),
            ).fetchone()[0]
        else:
            con.execute(f"create or replace table {target} as select {select} from {source}")
            written = con.execute(f"select count(*) from {target}").fetchone()[0]
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return written


def mirror_tables(
    duckdb_warehouse: Path,
    spark_warehouse: Path,
    tables: list[BuiltTable],
    days: tuple[date, date] | None = None,
) -> dict[str, int]:
    """Copies `tables` from Spark's warehouse into the DuckDB one; returns rows per table.

    `days` (first, last): a table partitioned by `score_date` gets only these days.
    """
    copied: dict[str, int] = {}
    with connect(duckdb_warehouse) as con:
        for table in tables:
            folder = spark_table_dir(spark_warehouse, table.table, table.schema)
            copied[table.name] = _copy_table(con, table, folder, days)
    return copied
