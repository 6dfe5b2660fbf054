"""What a daily run of the score history costs at scale, against a full rebuild.

    .venv/bin/python benchmarks/history_scale.py --customers 100000 --work /tmp/scale
    .venv/bin/python benchmarks/history_scale.py --customers 2000 --work /tmp/small

Generates the sample (unless `--work` already holds it), holds back the last day of product
usage, ingests the rest and builds the sources and facts, then measures:

1. a backfill of `--backfill-days` days in one run, up to the day before the held-back day;
2. a daily run: the sources and facts for the held-back day's load (incremental), the scores of
   that one day (`int_score_dates+` up to `customer_health_daily`, as the Dagster daily
   partition runs it), and the current marts over the history; the backfill against that many
   daily scorings;
3. a full rebuild of the facts (`--full-refresh`) from every event;
4. plain DuckDB SQL doing the facts' work: one `group by` of every raw event into customer, day,
   user and feature, on the same warehouse in the same session: the ratio is the facts build
   over that.

Times are the models' own, as dbt reports them in `target/run_results.json` (dbt's start-up of a
few seconds per command is left out). Prints a table and writes the figures to
`<work>/history_scale.json`. Not a test: timings depend on the machine, and the design forbids
timed assertions.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def run(cmd: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def dbt(env: dict[str, str], *args: str) -> float:
    """Seconds the models took, as dbt reports them (without dbt's own start-up)."""
    target = Path(env["CHS_DATA_DIR"]) / "target"
    run([str(BIN / "dbt"), "--quiet", *args, "--target-path", str(target)], env)
    results = json.loads((target / "run_results.json").read_text())["results"]
    return sum(result["execution_time"] for result in results)


def day_vars(first: str, last: str) -> str:
    return json.dumps({"score_from_date": first, "as_of_date": last})


def hold_back_last_day(landing: Path, held: Path, end_date: str) -> int:
    """Moves the events of `end_date` out of the landing folder, into a file of their own."""
    target = held / "product_usage"
    target.mkdir(parents=True, exist_ok=True)
    month_file = landing / "product_usage" / f"product_usage_{end_date[:7]}.csv"
    with duckdb.connect() as con:
        con.execute(f"create table t as select * from read_csv('{month_file}', all_varchar = true)")
        con.execute(
            f"copy (select * from t where occurred_at < '{end_date}') to '{month_file}' (header)"
        )
        con.execute(
            f"copy (select * from t where occurred_at >= '{end_date}') "
            f"to '{target / f'product_usage_{end_date}.csv'}' (header)"
        )
        held_back = f"select count(*) from t where occurred_at >= '{end_date}'"
        return con.execute(held_back).fetchone()[0]


def plain_facts_seconds(warehouse: Path) -> float:
    """The facts' aggregation as one plain DuckDB statement over the raw events."""
    with duckdb.connect(str(warehouse)) as con:
        started = time.perf_counter()
        con.execute(
            """
            create or replace temp table plain_facts as
            select
                customer_id,
                cast(occurred_at as date) as activity_date,
                coalesce(user_id, '(unknown)') as user_id,
                lower(trim(feature)) as feature,
                count(*) as event_count,
                sum(coalesce(quantity, 1)) as quantity
            from raw.product_usage
            group by all
            """
        )
        return time.perf_counter() - started


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--end-date", default="2026-09-30")
    parser.add_argument("--backfill-days", type=int, default=7)
    parser.add_argument("--work", type=Path, default=Path("/tmp/chs-history-scale"))
    args = parser.parse_args(argv)

    work = args.work.resolve()
    landing, held, warehouse = work / "landing", work / "held_back", work / "warehouse.duckdb"
    env = {
        **os.environ,
        "CHS_DATA_DIR": str(work),
        "CHS_WAREHOUSE_PATH": str(warehouse),
        "CHS_LANDING_DIR": str(landing),
        "DBT_PROFILES_DIR": str(ROOT),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    figures: dict[str, float] = {}
    if not (held / "product_usage").exists():
        shutil.rmtree(landing, ignore_errors=True)
        figures["generate_s"] = run(
            [
                str(BIN / "python"), "-m", "orchestration.sample_data",
                "--customers", str(args.customers), "--days", str(args.days),
                "--end-date", args.end_date, "--out", str(landing),
            ],
            env,
        )  # fmt: skip
        figures["held_back_events"] = hold_back_last_day(landing, held, args.end_date)
    last = args.end_date
    day_before = str(date.fromisoformat(last) - timedelta(days=1))
    warehouse.unlink(missing_ok=True)
    ingest = [str(BIN / "python"), "-m", "orchestration.ingestion", "--warehouse", str(warehouse)]
    figures["ingest_s"] = run([*ingest, "--landing", str(landing)], env)
    dbt(env, "seed")
    figures["sources_and_facts_first_build_s"] = dbt(env, "run", "--exclude", "int_score_dates+")
    daily = ["run", "--select", "int_score_dates+,+customer_health_daily"]
    marts = ["run", "--select", "customer_health_daily+", "--exclude", "customer_health_daily"]

    # A backfill of N days in one run, up to the day before the held-back day: it is also the
    # history the marts of the daily run read.
    first = str(date.fromisoformat(day_before) - timedelta(days=args.backfill_days - 1))
    figures["backfill_days"] = args.backfill_days
    figures["backfill_s"] = dbt(env, *daily, "--vars", day_vars(first, day_before))

    # The daily run: the new day's load, its facts and touchpoints (incremental), its scores,
    # and the current marts (customer_health, segments, alerts, backtest) over the history.
    figures["ingest_new_day_s"] = run([*ingest, "--landing", str(held)], env)
    figures["facts_incremental_s"] = dbt(env, "run", "--select", "int_usage__daily_facts")
    figures["other_sources_incremental_s"] = dbt(
        env, "run", "--exclude", "int_score_dates+", "int_usage__daily_facts"
    )
    figures["score_new_day_s"] = dbt(env, *daily, "--vars", day_vars(last, last))
    figures["current_marts_s"] = dbt(env, *marts)
    figures["daily_run_s"] = sum(
        figures[step]
        for step in (
            "facts_incremental_s",
            "other_sources_incremental_s",
            "score_new_day_s",
            "current_marts_s",
        )
    )
    figures["backfill_over_daily_runs"] = figures["backfill_s"] / (
        args.backfill_days * figures["score_new_day_s"]
    )
    facts = "intermediate.int_usage__daily_facts"
    with duckdb.connect(str(warehouse)) as con:
        con.execute(f"create or replace table main.bench_incremental_facts as from {facts}")

    # The full rebuild of the facts, and the same work as one plain statement.
    figures["facts_full_refresh_s"] = dbt(
        env, "run", "--select", "int_usage__daily_facts", "--full-refresh"
    )
    figures["plain_duckdb_facts_s"] = plain_facts_seconds(warehouse)
    with duckdb.connect(str(warehouse)) as con:
        # The incremental facts must equal the full rebuild, row for row.
        figures["facts_incremental_rows_differing"] = con.execute(
            f"""
            select count(*) from (
                (select * from main.bench_incremental_facts except all select * from {facts})
                union all
                (select * from {facts} except all select * from main.bench_incremental_facts)
            )
            """
        ).fetchone()[0]
        con.execute("drop table main.bench_incremental_facts")

    figures["facts_incremental_over_full"] = (
        figures["facts_incremental_s"] / figures["facts_full_refresh_s"]
    )
    figures["facts_full_over_plain_duckdb"] = (
        figures["facts_full_refresh_s"] / figures["plain_duckdb_facts_s"]
    )
    with duckdb.connect(str(warehouse), read_only=True) as con:
        figures["facts_rows"] = con.execute(f"select count(*) from {facts}").fetchone()[0]
        figures["history_rows"] = con.execute(
            "select count(*) from main.customer_health_daily"
        ).fetchone()[0]
    (work / "history_scale.json").write_text(json.dumps(figures, indent=2) + "\n")
    for name, value in figures.items():
        print(f"{name:36} {value:12,.2f}")
    return figures


if __name__ == "__main__":
    main()
