"""The raw tables dbt reads, as Parquet for Spark: `python -m orchestration.spark.landing`.

Ingestion stays DuckDB's (typing, dedupe, quarantine, the load ledger); after it, each dbt
source table (`raw.<table>`) is copied with DuckDB's own `COPY ... (FORMAT parquet)` into
`<spark landing>/<schema>/<table>/`, where the `create_landing_tables` on-run-start macro points a
Spark table at it. Timestamps are written as UTC instants, which Spark reads as its TIMESTAMP
type (a naive Parquet timestamp would be TIMESTAMP_NTZ there). A table is written beside the old
one and swapped in, so a re-run replaces it whole and a reader never sees half a table.
"""

from __future__ import annotations

import argparse
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import yaml

from orchestration.project import REPO_ROOT, data_dir, warehouse_path

SOURCES_GLOB = "dbt_project/models/staging/*/_*__sources.yml"
LANDING_ENV = "CHS_SPARK_LANDING_DIR"


@dataclass(frozen=True)
class SourceTable:
    schema: str
    table: str


def spark_landing_dir() -> Path:
    """Where Spark reads the landing Parquet (`CHS_SPARK_LANDING_DIR`), as the macro does."""
    default = data_dir() / "spark" / "landing"
    return Path(os.environ.get(LANDING_ENV, default)).resolve()


def source_tables(root: Path = REPO_ROOT) -> list[SourceTable]:
    """Every table declared in the dbt sources YAML, in file order."""
    tables = []
    for path in sorted(root.glob(SOURCES_GLOB)):
        for source in yaml.safe_load(path.read_text())["sources"]:
            schema = source.get("schema", source["name"])
            for table in source["tables"]:
                tables.append(SourceTable(schema, table.get("identifier", table["name"])))
    return tables


def _select_list(con: duckdb.DuckDBPyConnection, table: SourceTable) -> str:
    rows = con.execute(
        "select column_name, data_type from information_schema.columns"
        " where table_schema = ? and table_name = ? order by ordinal_position",
        [table.schema, table.table],
    ).fetchall()
    if not rows:
        raise ValueError(f"{table.schema}.{table.table}: no such table in the warehouse")
    return ", ".join(
        f'cast("{name}" as timestamptz) as "{name}"' if kind == "TIMESTAMP" else f'"{name}"'
        for name, kind in rows
    )


def export_tables(
    con: duckdb.DuckDBPyConnection, tables: list[SourceTable], out: Path
) -> dict[str, int]:
    """Writes `tables` of the warehouse `con` holds open under `out`; returns rows per table."""
    rows: dict[str, int] = {}
    # The stored timestamps are UTC: cast them to instants as such, whatever the machine's zone.
    con.execute("set TimeZone = 'UTC'")
    for table in tables:
        folder = out / table.schema / table.table
        staging = folder.with_name(f".{table.table}.writing")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        con.execute(
            f"copy (select {_select_list(con, table)} from {table.schema}.{table.table})"
            f" to '{staging / 'part-0.parquet'}' (format parquet)"
        )
        count = con.execute(f"select count(*) from {table.schema}.{table.table}").fetchone()
        rows[f"{table.schema}.{table.table}"] = count[0]
        shutil.rmtree(folder, ignore_errors=True)
        staging.rename(folder)
    return rows


def export_landing(warehouse: Path, out: Path) -> dict[str, int]:
    """Writes every source table of `warehouse` under `out`; returns rows per table."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return export_tables(con, source_tables(), out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, default=warehouse_path())
    parser.add_argument("--out", type=Path, default=spark_landing_dir())
    args = parser.parse_args(argv)
    for table, count in export_landing(args.warehouse, args.out).items():
        print(f"{table}: {count} rows -> {args.out / table.replace('.', '/')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
