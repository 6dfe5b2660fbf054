"""Are the marts of a sample identical on two commits? A refactoring's check (issue 13).

    .venv/bin/python benchmarks/compare_marts.py --base e9785c5 --work /tmp/compare
    .venv/bin/python benchmarks/compare_marts.py --skip-build --work /tmp/compare

Generates one sample (the default one unless told: 2,000 customers, 365 days, seed 42) into
`<work>/landing`, exports the base commit (`git archive`) into `<work>/base_tree`, and builds the
same landing data with the same vars twice: with the base tree into `<work>/base/` and with this
working tree into `<work>/head/` (ingest, `dbt seed`, `dbt run` over the whole history). Then
compares every mart and `customer_health_daily` row for row with `EXCEPT ALL` both ways, and
exits with 1 when a table differs in columns or rows. `--skip-build` only compares.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from datetime import date, timedelta
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# Each mart with its primary key, to say which columns of a differing row differ.
TABLES: dict[str, tuple[str, ...]] = {
    "customer_health": ("customer_id",),
    "customer_health_daily": ("customer_id", "score_date"),
    "customer_segments": ("segment",),
    "health_alerts": ("alert_id",),
    "health_backtest": ("analysis", "score_date", "subject"),
}


def build(tree: Path, warehouse: Path, landing: Path, start: date, end: date) -> None:
    """Ingests `landing` into `warehouse` and builds every model of `tree` over the history."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "CHS_DATA_DIR": str(warehouse.parent),
        "CHS_WAREHOUSE_PATH": str(warehouse),
        "CHS_LANDING_DIR": str(landing),
        "CHS_HISTORY_START_DATE": start.isoformat(),
        "DBT_PROFILES_DIR": str(tree),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    dbt_vars = json.dumps({"score_from_date": start.isoformat(), "as_of_date": end.isoformat()})
    # `python -m` from the tree imports the tree's own orchestration package first.
    # The ingestion CLI is `orchestration.ingestion` since the layout of issue 13, before it
    # `orchestration.ingest`: each tree runs its own.
    ingestion = (
        "orchestration.ingestion"
        if (tree / "orchestration" / "ingestion").is_dir()
        else "orchestration.ingest"
    )
    steps = (
        [str(BIN / "python"), "-m", ingestion],
        [str(BIN / "dbt"), "seed", "--quiet"],
        [str(BIN / "dbt"), "run", "--quiet", "--vars", dbt_vars],
    )
    for step in steps:
        subprocess.run(step, cwd=tree, env=env, check=True)


def export_tree(ref: str, target: Path) -> None:
    """Writes the files of commit `ref` into `target`."""
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile() as archive:
        subprocess.run(["git", "archive", ref], cwd=ROOT, stdout=archive, check=True)
        archive.seek(0)
        with tarfile.open(fileobj=archive) as tar:
            tar.extractall(target, filter="data")


def columns(con: duckdb.DuckDBPyConnection, catalog: str, table: str) -> list[str]:
    rows = con.execute(
        "select column_name from information_schema.columns"
        " where table_catalog = ? and table_schema = 'main' and table_name = ?"
        " order by ordinal_position",
        [catalog, table],
    ).fetchall()
    return [name for (name,) in rows]


def column_differences(
    con: duckdb.DuckDBPyConnection, table: str, key: tuple[str, ...], names: list[str]
) -> list[str]:
    """For rows of one key that differ: each differing column, rows, and largest difference."""
    on = " and ".join(f"b.{k} is not distinct from h.{k}" for k in key)
    lines = []
    for name in names:
        if name in key:
            continue
        differing = f"b.{name} is distinct from h.{name}"
        rows, largest = con.execute(
            f"select count(*), max(try_cast(abs(try_cast(b.{name} as double)"
            f" - try_cast(h.{name} as double)) as double))"
            f" from base.main.{table} as b inner join head.main.{table} as h on {on}"
            f" where {differing}"
        ).fetchone()
        if rows:
            lines.append(f"    {name}: {rows} rows differ, largest difference {largest}")
    return lines


def compare(base: Path, head: Path) -> list[str]:
    """One line per table; a line starting with DIFFERS for each difference."""
    con = duckdb.connect()
    con.execute(f"attach '{base}' as base (read_only)")
    con.execute(f"attach '{head}' as head (read_only)")
    lines = []
    for table, key in TABLES.items():
        base_columns, head_columns = columns(con, "base", table), columns(con, "head", table)
        if base_columns != head_columns:
            lines.append(f"DIFFERS {table}: columns {base_columns} != {head_columns}")
            continue
        select = ", ".join(f'"{name}"' for name in base_columns)
        counts = {}
        for left, right in (("base", "head"), ("head", "base")):
            counts[left] = con.execute(
                f"select count(*) from (select {select} from {left}.main.{table}"
                f" except all select {select} from {right}.main.{table})"
            ).fetchone()[0]
        rows = con.execute(f"select count(*) from base.main.{table}").fetchone()[0]
        verdict = "DIFFERS" if any(counts.values()) else "identical"
        lines.append(
            f"{verdict} {table}: {rows} rows, {len(base_columns)} columns;"
            f" only in base {counts['base']}, only in head {counts['head']}"
        )
        if any(counts.values()):
            lines += column_differences(con, table, key, base_columns)
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="e9785c5", help="commit to compare this tree with")
    parser.add_argument("--work", type=Path, required=True, help="folder for samples and builds")
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--end-date", type=date.fromisoformat, default=date(2026, 9, 30))
    parser.add_argument("--skip-build", action="store_true", help="compare existing builds")
    args = parser.parse_args()
    work = args.work.resolve()
    base_warehouse, head_warehouse = work / "base/warehouse.duckdb", work / "head/warehouse.duckdb"
    if not args.skip_build:
        start = args.end_date - timedelta(days=args.days - 1)
        landing = work / "landing"
        if not landing.exists():
            subprocess.run(
                [
                    str(BIN / "python"), "-m", "orchestration.sample_data",
                    "--customers", str(args.customers), "--days", str(args.days),
                    "--seed", str(args.seed), "--end-date", args.end_date.isoformat(),
                    "--out", str(landing),
                ],
                cwd=ROOT,
                check=True,
            )  # fmt: skip
        export_tree(args.base, work / "base_tree")
        for warehouse in (base_warehouse, head_warehouse):
            warehouse.unlink(missing_ok=True)
        build(work / "base_tree", base_warehouse, landing, start, args.end_date)
        build(ROOT, head_warehouse, landing, start, args.end_date)
    lines = compare(base_warehouse, head_warehouse)
    print("\n".join(lines))
    return 1 if any(line.startswith("DIFFERS") for line in lines) else 0


if __name__ == "__main__":
    sys.exit(main())
