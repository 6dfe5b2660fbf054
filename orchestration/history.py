"""A long range of score days built in pieces that fit in memory.

Every model of the daily chain holds a row per customer and score day of its build, so a build's
memory grows with customers x days. At 100,000 customers a year in one build (36M
customer-days) ran DuckDB out of memory under its 14 GB limit. A range of days is therefore
scored in consecutive builds of at most `CHS_MAX_CUSTOMER_DAYS_PER_BUILD` customer-days each.
Its default follows DuckDB's memory limit (`CHS_DUCKDB_MEMORY_LIMIT`): a customer-day per 1,200
bytes of it, at most 10 million (the default sample's whole year at once, 100 days at 100,000
customers, 10 at a million). Under the default limit of 60% of 24 GiB that is 10 million: a year
at 100,000 customers in four builds of 91-92 days, which completed under that limit once
`int_health__combined` no longer looked up the driver's sentence (it had run out of memory in
the last of four such builds before). Under `3GB` it is 2.5 million, 25 days at 100,000
customers. The widest model peaks at about 1.3 KB per customer-day without a limit
(`int_health__scored`: 5.2 GB for 3.9 million) and spills the rest under one. The rows are the
same as one build's: a range scored in one build gives the rows that day-by-day builds give
(`tests/test_history.py`), and each piece is such a range, scored in order so that the segment
hysteresis of a piece starts from the history of the one before.

    .venv/bin/python -m orchestration.history 2025-10-01 2026-09-30 --full-refresh

runs `dbt build` of the daily chain (the Dagster daily step's selection, no unit tests) once per
piece, the days passed as the daily step passes them (`CHS_SCORE_FROM_DATE`,
`CHS_AS_OF_DATE`); dbt arguments after `--` replace that build (the bench runs
`--upstream-once -- run --select +customer_health_daily`). `--full-refresh` applies to the
first piece only; with `--upstream-once` the later pieces leave out the models that read no
score day (staging, the daily usage facts), which the first built.
The Dagster daily step splits a backfill the same way (`orchestration/defs/assets/dbt.py`).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import duckdb

from orchestration import usage_facts
from orchestration.project import warehouse_path

BUDGET_ENV = "CHS_MAX_CUSTOMER_DAYS_PER_BUILD"
DEFAULT_BUDGET = 10_000_000
# Bytes of DuckDB's memory limit per customer-day of a build, when the budget is not set.
BYTES_PER_CUSTOMER_DAY = 1_200

# dbt selection of the daily chain (the Dagster daily step's): it lies between the score dates
# and the history. The metric history is scored with the day too (calibration reads it), and the
# list of currencies without a rate on the days scored (nothing downstream reads it).
DAILY_SELECT = (
    "int_score_dates+,+customer_health_daily int_score_dates+,+int_health__metric_history"
    " int_fx__missing_rates"
)
# The pipeline's `dbt build`: models, seeds and data tests, not unit tests. A unit test checks
# the SQL on fixed rows, so it passes or fails the same on every run and every warehouse; it
# belongs where the SQL changes (`make test`, `dbt build` or `dbt test` run by hand). In the
# pipeline the 43 unit tests cost about 40 s of dbt's time on the default sample, a third of it.
PIPELINE_BUILD = ["build", "--exclude-resource-type", "unit_test"]
# The model that reads the score days; the models that depend on it are scored per piece.
SCORE_DATES_MODEL = "int_score_dates"

# The score dates reach dbt as environment variables (the `date_var` macro), not `--vars`: a var
# that changes between runs makes dbt re-parse the whole project, an environment variable only
# the files that read it.
SCORE_DATE_ENV = {"as_of_date": "CHS_AS_OF_DATE", "score_from_date": "CHS_SCORE_FROM_DATE"}


def customer_days_budget() -> int:
    """`CHS_MAX_CUSTOMER_DAYS_PER_BUILD`, a whole number of customer-days; unset, one per
    `BYTES_PER_CUSTOMER_DAY` of DuckDB's memory limit, at most `DEFAULT_BUDGET` (10 million)."""
    from orchestration.duckdb_settings import budget_per_build

    return budget_per_build(
        BUDGET_ENV, "customer-days", BYTES_PER_CUSTOMER_DAY, DEFAULT_BUDGET, most=DEFAULT_BUDGET
    )


def day_ranges(
    first: date, last: date, customers: int, budget: int | None = None
) -> list[tuple[date, date]]:
    """`first` to `last` (inclusive) as consecutive ranges of at most `budget` customer-days
    each, as few as that allows and of even lengths (a year at 100,000 customers: four of 91-92
    days, not three of 100 and one of 65). Always at least one day per range."""
    if last < first:
        raise ValueError(f"the last score day {last} is before the first {first}")
    budget = customer_days_budget() if budget is None else budget
    days = (last - first).days + 1
    days_per_build = max(1, budget // max(customers, 1))
    builds = math.ceil(days / days_per_build)
    length, longer = divmod(days, builds)
    ranges = []
    start = first
    for index in range(builds):
        end = start + timedelta(days=length + (1 if index < longer else 0) - 1)
        ranges.append((start, end))
        start = end + timedelta(days=1)
    return ranges


def customers_in(warehouse: Path) -> int:
    """Customers the CRM delivered (the staged customers), an upper bound of those scored on a
    day; 0 before the first load."""
    if not Path(warehouse).exists():
        return 0
    with duckdb.connect(str(warehouse), read_only=True) as con:
        try:
            return con.execute("select count(*) from staging.stg_crm__customers").fetchone()[0]
        except duckdb.CatalogException:
            return 0


def score_date_env(
    first_score_date: date | str | None = None, last_score_date: date | str | None = None
) -> dict[str, str]:
    """The days to score, from first to last when given (one day when only last); both empty
    (the latest usage day) when neither is."""
    last = str(last_score_date or "")
    return {
        SCORE_DATE_ENV["as_of_date"]: last,
        SCORE_DATE_ENV["score_from_date"]: str(first_score_date or "") if last else "",
    }


def score_dated(dbt_args: list[str]) -> list[str]:
    """`dbt_args` with each term of its `--select` narrowed to the models that read the score
    days (`int_score_dates` and what follows from it). The others (staging, the daily usage
    facts) read no score day: built once, a later piece would only write them again."""
    for flag in ("--select", "-s"):
        if flag in dbt_args and dbt_args.index(flag) + 1 < len(dbt_args):
            at = dbt_args.index(flag) + 1
            terms = dbt_args[at].split()
            narrowed = " ".join(f"{SCORE_DATES_MODEL}+,{term}" for term in terms)
            return [*dbt_args[:at], narrowed, *dbt_args[at + 1 :]]
    raise ValueError(f"dbt {' '.join(dbt_args)}: no --select to narrow to the score days")


def build_history(
    first: date,
    last: date,
    dbt_args: list[str],
    customers: int,
    full_refresh: bool = False,
    dbt: Path | None = None,
    results: Path | None = None,
    upstream_once: bool = False,
) -> list[tuple[date, date]]:
    """Runs `dbt <dbt_args>` once per range of `day_ranges`, in order, and stops at the first
    that fails (CalledProcessError naming its days). With `upstream_once`, the builds after
    the first select only the models that read the score days (`score_dated`), as the Dagster
    run does (its sources step builds the rest once). With `results`, each build's
    `run_results.json` and statements are kept there (`keep_build`). When `dbt_args` build the
    usage facts and the warehouse (CHS_WAREHOUSE_PATH) holds more new usage events than one
    build should read, the facts are built first, in steps of days (`usage_facts.py`), kept as
    the first builds; the first piece then leaves them out.
    Returns the ranges built."""
    if dbt is None:
        from orchestration.project import dbt_executable

        dbt = dbt_executable()
    ranges = day_ranges(first, last, customers)
    later_args = score_dated(dbt_args) if upstream_once else dbt_args
    first_args = dbt_args
    # The usage facts over many new events, first, in steps that fit in memory (usage_facts.py);
    # their steps are kept as the first builds, before the pieces.
    steps = usage_facts.day_steps(warehouse_path(), full_refresh=full_refresh)
    if steps and usage_facts.selects_facts(dbt, dbt_args):
        usage_facts.build_in_steps(
            steps, dbt_args, dbt, full_refresh=full_refresh,
            after_step=None if results is None else (
                lambda n: keep_build(target_path(dbt_args), results, n)
            ),
        )  # fmt: skip
        if results is not None:
            days = [[str(first_day), str(last_day)] for first_day, last_day in steps]
            (results / usage_facts.STEPS_FILE).write_text(json.dumps({"days": days}))
        # Built from every load: the first piece must not build them again.
        first_args = usage_facts.without_facts(dbt_args)
    else:
        steps = []
    for number, (start, end) in enumerate(ranges, start=1):
        refresh = ["--full-refresh"] if full_refresh and number == 1 else []
        print(
            f"[history] days {start} to {end} ({number} of {len(ranges)}, {customers:,} customers)",
            flush=True,
        )
        args = first_args if number == 1 else later_args
        result = subprocess.run(
            [str(dbt), *args, *refresh], env=os.environ | score_date_env(start, end)
        )
        if results is not None:
            keep_build(target_path(dbt_args), results, len(steps) + number)
        if result.returncode != 0:
            raise subprocess.CalledProcessError(
                result.returncode, f"dbt {' '.join(dbt_args)} for the days {start} to {end}"
            )
    return ranges


def keep_build(target: Path, results: Path, number: int) -> None:
    """What build `number` left in dbt's `target` folder, before the next overwrites it: its
    `run_results.json` as `run_results-<n>.json`, and the statements it ran (`target/run`) and
    the compiled queries behind them (`target/compiled`: an incremental model's `target/run`
    holds its delete and insert, not the query of the new rows) as `run-<n>` and `compiled-<n>`,
    from which the bench replays a rebuild in several builds."""
    results.mkdir(parents=True, exist_ok=True)
    run_results = target / "run_results.json"
    if run_results.exists():
        shutil.copy(run_results, results / f"run_results-{number}.json")
    for folder in ("run", "compiled"):
        kept = results / f"{folder}-{number}"
        shutil.rmtree(kept, ignore_errors=True)
        if (target / folder).is_dir():
            shutil.copytree(target / folder, kept)


def target_path(dbt_args: list[str]) -> Path:
    """dbt's target folder for these arguments: `--target-path`, else DBT_TARGET_PATH, else
    `target` in the current folder."""
    if "--target-path" in dbt_args:
        return Path(dbt_args[dbt_args.index("--target-path") + 1])
    return Path(os.environ.get("DBT_TARGET_PATH", "target"))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    dbt_args = []
    if "--" in argv:
        split = argv.index("--")
        argv, dbt_args = argv[:split], argv[split + 1 :]
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.history",
        description="Scores the days FIRST to LAST in builds of at most "
        f"{BUDGET_ENV} customer-days (default: one per {BYTES_PER_CUSTOMER_DAY:,} bytes of"
        f" CHS_DUCKDB_MEMORY_LIMIT, at most {DEFAULT_BUDGET:,}). dbt arguments after --"
        " replace the daily chain's build.",
    )
    parser.add_argument("first", type=date.fromisoformat, help="first score day (YYYY-MM-DD)")
    parser.add_argument("last", type=date.fromisoformat, help="last score day (YYYY-MM-DD)")
    parser.add_argument(
        "--full-refresh", action="store_true", help="rebuild the history from the first day"
    )
    parser.add_argument(
        "--customers", type=int, help="customers to plan for (default: the warehouse's)"
    )
    parser.add_argument(
        "--results",
        type=Path,
        help="keep each build's run_results.json and statements (target/run, target/compiled)"
        " in this folder",
    )
    parser.add_argument(
        "--upstream-once",
        action="store_true",
        help="the builds after the first select only the models that read the score days"
        f" ({SCORE_DATES_MODEL} and what depends on it): staging and the daily usage facts are"
        " built once, by the first",
    )
    args = parser.parse_args(argv)
    try:
        if args.customers is None:
            args.customers = customers_in(warehouse_path())
        build_history(
            args.first,
            args.last,
            dbt_args or [*PIPELINE_BUILD, "--select", DAILY_SELECT],
            args.customers,
            full_refresh=args.full_refresh,
            results=args.results,
            upstream_once=args.upstream_once,
        )
    except (ValueError, subprocess.CalledProcessError) as error:
        print(f"[history] failed: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
