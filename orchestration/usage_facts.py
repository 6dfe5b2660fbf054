"""The daily usage facts over a long landing, built in steps of days that fit in memory.

`int_usage__daily_facts` keeps the latest delivery of each usage event and groups the events by
customer, day, user and feature: almost one fact per event, so its build holds about as many
rows as it reads. Over a whole landing in one statement that outgrows memory at scale: at
1,000,000 customers a year's landing is 523 million events, and the one statement spilled more
than the 45 GB of free disk (docs/performance.md, "1,000,000 customers, a year's landing and its
last build"). Its incremental run by load did no better over two monthly loads (74 million
events): it holds the new events, their days and their keys in hash tables beside the window,
and ran out of memory.

The environment variable `CHS_USAGE_FACTS_DAYS=FIRST..LAST` makes a build rebuild those days
from every delivery: the latest version of each event with a version on those days, kept when
it lies on them. When the next build would read more than `CHS_MAX_USAGE_EVENTS_PER_BUILD`
events (a first build or a full refresh: every event; an incremental run: its new loads), the
days of every delivered event are grouped into consecutive ranges of at most that many events
(one day at least), and each range is built in turn, the first a full refresh when asked. An
event whose latest version moved to another day is counted on that day only, so the facts
equal one build from every delivery (`tests/test_history.py`). After the last range the facts
hold every load, and the next incremental run reads only the loads after it.

Unset, the budget is one event per `BYTES_PER_EVENT` bytes of DuckDB's memory limit: about 76
million under the default limit of 60% of this 24 GiB machine, so the 52 million events of a year
at 100,000 customers stay one build, as before. Under that limit, with every one of the year's
523 million events read to find the versions, a month of the year at 1,000,000 customers (50
million events) took 96 s without spilling, and 46 days (73 million) 105 s, spilling 0.65 GB.

`python -m orchestration.history` (the bench's rebuild) and the Dagster sources step call this
before their build; `python -m orchestration.usage_facts` runs it alone.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

import duckdb

FACTS_MODEL = "int_usage__daily_facts"
FACTS_TABLE = f"intermediate.{FACTS_MODEL}"
RAW_EVENTS = "raw.product_usage"
DAYS_ENV = "CHS_USAGE_FACTS_DAYS"
BUDGET_ENV = "CHS_MAX_USAGE_EVENTS_PER_BUILD"
BYTES_PER_EVENT = 200
DEFAULT_BUDGET = 75_000_000
# Beside the builds `python -m orchestration.history --results` keeps: the days of each step.
STEPS_FILE = "usage_facts_steps.json"
# dbt flags (with their value) a step keeps from the build it precedes: where dbt finds the
# project and writes its files.
_KEPT_FLAGS = ("--target-path", "--project-dir", "--profiles-dir", "--target", "-t")
_KEPT_SWITCHES = ("--quiet", "-q")


def events_budget() -> int:
    """`CHS_MAX_USAGE_EVENTS_PER_BUILD`, a whole number of events; unset, one per
    `BYTES_PER_EVENT` bytes of DuckDB's memory limit (`DEFAULT_BUDGET` when that is not a size)."""
    from orchestration.duckdb_settings import budget_per_build

    return budget_per_build(
        BUDGET_ENV, "usage events", BYTES_PER_EVENT, DEFAULT_BUDGET, most=sys.maxsize
    )


def group_days(events_per_day: Sequence[tuple[date, int]], budget: int) -> list[tuple[date, date]]:
    """Consecutive ranges of days (first, last) over days (day, events) in order, each holding at
    most `budget` events; a day above the budget is a range of its own."""
    ranges: list[tuple[date, date]] = []
    held = 0
    for day, events in events_per_day:
        if ranges and held + events <= budget:
            ranges[-1] = (ranges[-1][0], day)
            held += events
        else:
            ranges.append((day, day))
            held = events
    return ranges


def day_steps(
    warehouse: Path, full_refresh: bool = False, budget: int | None = None
) -> list[tuple[date, date]]:
    """The ranges of days of the facts' next build, in order, or [] when one build holds it: no
    warehouse or events yet, few enough events to read (every one for a full refresh or a first
    build, the loads after the facts' latest `last_load_id` otherwise), or the Spark target."""
    if not Path(warehouse).exists() or os.environ.get("CHS_TARGET", "").strip().lower() == "spark":
        # On Spark the facts are not in this file (and a landing there is the sample's size).
        return []
    budget = events_budget() if budget is None else budget
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.IOException as error:
        # Another process writes the warehouse (its lock): the build itself will say so.
        print(f"[usage facts] could not read {warehouse} to plan the steps: {error}", flush=True)
        return []
    with con:
        tables = {
            row[0]
            for row in con.execute(
                "select table_schema || '.' || table_name from information_schema.tables"
            ).fetchall()
        }
        if RAW_EVENTS not in tables:
            return []
        after = -1
        if not full_refresh and FACTS_TABLE in tables:
            after = con.execute(
                f"select coalesce(max(last_load_id), -1) from {FACTS_TABLE}"
            ).fetchone()[0]
        (new,) = con.execute(
            f"select count(*) from {RAW_EVENTS} where _load_id > ?", [after]
        ).fetchone()
        if new <= budget:
            return []
        # The day as the model reads it (base_product__usage_event_deliveries).
        events_per_day = con.execute(
            f"select cast(occurred_at as date) as day, count(*) from {RAW_EVENTS}"
            " group by day order by day"
        ).fetchall()
    return group_days(events_per_day, budget)


def step_args(dbt_args: Sequence[str], first: bool) -> list[str]:
    """`dbt run` of the facts (with the models they read on the first step: a new warehouse has
    no staging views yet), keeping where `dbt_args` find the project and write their files."""
    args = ["run", "--select", f"+{FACTS_MODEL}" if first else FACTS_MODEL]
    for index, arg in enumerate(dbt_args):
        if arg in _KEPT_SWITCHES:
            args.append(arg)
        elif arg in _KEPT_FLAGS and index + 1 < len(dbt_args):
            args += [arg, dbt_args[index + 1]]
    return args


def without_facts(dbt_args: Sequence[str]) -> list[str]:
    """`dbt_args` with the facts left out (`--exclude`), for a build after every step."""
    args = list(dbt_args)
    if "--exclude" in args and args.index("--exclude") + 1 < len(args):
        at = args.index("--exclude") + 1
        args[at] = f"{args[at]} {FACTS_MODEL}"
        return args
    return [*args, "--exclude", FACTS_MODEL]


def selects_facts(dbt: Path, dbt_args: Sequence[str]) -> bool:
    """Whether the models `dbt_args` select include the facts (`dbt ls` of the same selection)."""
    selection: list[str] = []
    for flag in ("--select", "-s", "--exclude"):
        if flag in dbt_args and dbt_args.index(flag) + 1 < len(dbt_args):
            selection += [flag, dbt_args[dbt_args.index(flag) + 1]]
    listed = subprocess.run(
        [str(dbt), "ls", "--resource-type", "model", "--output", "name", "--quiet",
         *selection, *step_args(dbt_args, first=False)[3:]],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return FACTS_MODEL in listed.stdout.split()


def days_env(days: tuple[date, date]) -> dict[str, str]:
    return {DAYS_ENV: f"{days[0].isoformat()}..{days[1].isoformat()}"}


def build_in_steps(
    ranges: Sequence[tuple[date, date]],
    dbt_args: Sequence[str],
    dbt: Path,
    full_refresh: bool = False,
    after_step: Callable[[int], None] | None = None,
) -> None:
    """Runs the facts' build once per range of days, in order; `full_refresh` on the first.
    `after_step(n)` after step n (1, 2...), e.g. to keep its run_results. Stops at the first that
    fails (CalledProcessError naming its days)."""
    for number, days in enumerate(ranges, start=1):
        print(f"[usage facts] days {days[0]} to {days[1]} ({number} of {len(ranges)})", flush=True)
        args = step_args(dbt_args, first=number == 1)
        if full_refresh and number == 1:
            args.append("--full-refresh")
        result = subprocess.run([str(dbt), *args], env=os.environ | days_env(days))
        if after_step is not None:
            after_step(number)
        if result.returncode != 0:
            raise subprocess.CalledProcessError(
                result.returncode, f"dbt {' '.join(args)} for the usage days {days[0]} to {days[1]}"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.usage_facts",
        description=f"Builds {FACTS_MODEL} in steps of days of at most {BUDGET_ENV}"
        f" events (default: one per {BYTES_PER_EVENT} bytes of CHS_DUCKDB_MEMORY_LIMIT).",
    )
    parser.add_argument("--full-refresh", action="store_true", help="rebuild from every load")
    parser.add_argument(
        "--steps-only",
        action="store_true",
        help="build only when the build is split in steps; otherwise do nothing, and leave the"
        " facts to the build that follows (as the Dagster sources step does)",
    )
    parser.add_argument("--target-path", help="dbt's target folder (dbt's default otherwise)")
    options = parser.parse_args(argv)
    from orchestration.project import dbt_executable, warehouse_path

    dbt_args = ["--target-path", options.target_path] if options.target_path else []

    dbt = dbt_executable()
    try:
        ranges = day_steps(warehouse_path(), full_refresh=options.full_refresh)
        if ranges:
            build_in_steps(ranges, dbt_args, dbt, full_refresh=options.full_refresh)
        elif options.steps_only:
            print("[usage facts] one build holds the new events: no steps", flush=True)
        else:
            # One build holds what is new: the model's own run.
            refresh = ["--full-refresh"] if options.full_refresh else []
            subprocess.run([str(dbt), *step_args(dbt_args, first=True), *refresh], check=True)
    except (ValueError, subprocess.CalledProcessError) as error:
        print(f"[usage facts] failed: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
