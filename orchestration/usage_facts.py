"""The daily usage facts built over many loads in steps of loads that fit in memory.

`int_usage__daily_facts` keeps the latest delivery of each usage event and groups the events by
customer, day, user and feature: almost one fact per event, so its build holds about as many
rows as it reads. Built over a whole landing in one statement, that outgrows memory at scale: at
1,000,000 customers a year's landing is 523 million events in 12 monthly loads, and the one
statement spilled more than the 45 GB of free disk (docs/performance.md, "1,000,000 customers, a
year's landing and its last build").

The model is incremental by load, and the environment variable `CHS_USAGE_FACTS_THROUGH_LOAD`
makes a build read the loads up to that one only, as if the later ones had not arrived. When the
loads the next build would read hold more than `CHS_MAX_USAGE_EVENTS_PER_BUILD` events, the
build is run in steps: consecutive loads are grouped up to that many events (one load at least),
and each group is built on top of the one before, the model's own incremental run. A load's
events therefore meet every earlier version of themselves, and the facts equal one build from
every delivery (`tests/test_history.py`). A single load larger than the budget is built whole.

Unset, the budget is one event per `BYTES_PER_EVENT` bytes of DuckDB's memory limit: 77 million
under the default limit of 60% of 24 GiB. The one-statement build took about 150 bytes per event,
in memory and spilled, at 100,000 customers (52 million events, one build, as before); the
incremental steps hold a few hash tables of the new events beside it.

`python -m orchestration.history` (the bench's rebuild) and the Dagster sources step call this
before their build; `python -m orchestration.usage_facts` runs it alone.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import duckdb

FACTS_MODEL = "int_usage__daily_facts"
FACTS_TABLE = f"intermediate.{FACTS_MODEL}"
RAW_EVENTS = "raw.product_usage"
THROUGH_LOAD_ENV = "CHS_USAGE_FACTS_THROUGH_LOAD"
BUDGET_ENV = "CHS_MAX_USAGE_EVENTS_PER_BUILD"
BYTES_PER_EVENT = 200
DEFAULT_BUDGET = 75_000_000
# dbt flags (with their value) a step keeps from the build it precedes: where dbt finds the
# project and writes its files.
_KEPT_FLAGS = ("--target-path", "--project-dir", "--profiles-dir", "--target", "-t")
_KEPT_SWITCHES = ("--quiet", "-q")


def events_budget() -> int:
    """`CHS_MAX_USAGE_EVENTS_PER_BUILD`, a whole number of events; unset, one per
    `BYTES_PER_EVENT` bytes of DuckDB's memory limit (`DEFAULT_BUDGET` when that is not a size)."""
    text = os.environ.get(BUDGET_ENV, "").strip().replace("_", "")
    if not text:
        from orchestration.duckdb_settings import memory_limit_bytes

        limit = memory_limit_bytes()
        return DEFAULT_BUDGET if limit is None else max(1, limit // BYTES_PER_EVENT)
    try:
        budget = int(text)
    except ValueError:
        budget = 0
    if budget < 1:
        raise ValueError(
            f"{BUDGET_ENV}={os.environ[BUDGET_ENV]!r}: expected a whole number of usage events"
            " per build of at least 1"
        )
    return budget


def group_loads(events_per_load: Sequence[tuple[int, int]], budget: int) -> list[int]:
    """The last load of each step: consecutive loads (id, events), in order, grouped while their
    events stay within `budget`; a load above the budget is a step of its own."""
    bounds: list[int] = []
    held = 0
    for load_id, events in events_per_load:
        if bounds and held + events <= budget:
            bounds[-1] = load_id
            held += events
        else:
            bounds.append(load_id)
            held = events
    return bounds


def load_steps(warehouse: Path, full_refresh: bool = False, budget: int | None = None) -> list[int]:
    """The last load of each step of the facts' next build (its last step reads every load), or
    [] when one build holds them: no warehouse or events yet, few enough new events, or the
    Spark target. The new
    loads are those after the facts' latest (`last_load_id`), every load for a full refresh or
    before the first build."""
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
        events_per_load = con.execute(
            f"select _load_id, count(*) from {RAW_EVENTS} where _load_id > ?"
            " group by _load_id order by _load_id",
            [after],
        ).fetchall()
    bounds = group_loads(events_per_load, budget)
    return bounds if len(bounds) > 1 else []


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


def build_in_steps(
    bounds: Sequence[int],
    dbt_args: Sequence[str],
    dbt: Path,
    full_refresh: bool = False,
    after_step: Callable[[int], None] | None = None,
) -> None:
    """Runs the facts' build once per bound, reading the loads up to it (the last reads every
    load); `full_refresh` on the first. `after_step(n)` after step n (1, 2...), e.g. to keep its
    run_results. Stops at the first that fails (CalledProcessError naming its loads)."""
    for number, bound in enumerate(bounds, start=1):
        last = number == len(bounds)
        through = "" if last else str(bound)
        print(
            f"[usage facts] loads through {'the latest' if last else bound}"
            f" ({number} of {len(bounds)})",
            flush=True,
        )
        args = step_args(dbt_args, first=number == 1)
        if full_refresh and number == 1:
            args.append("--full-refresh")
        result = subprocess.run([str(dbt), *args], env=os.environ | {THROUGH_LOAD_ENV: through})
        if after_step is not None:
            after_step(number)
        if result.returncode != 0:
            raise subprocess.CalledProcessError(
                result.returncode, f"dbt {' '.join(args)} for the usage loads through {bound}"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.usage_facts",
        description=f"Builds {FACTS_MODEL} over its new loads in steps of at most {BUDGET_ENV}"
        f" events (default: one per {BYTES_PER_EVENT} bytes of CHS_DUCKDB_MEMORY_LIMIT).",
    )
    parser.add_argument("--full-refresh", action="store_true", help="rebuild from every load")
    args = parser.parse_args(argv)
    from orchestration.project import dbt_executable, warehouse_path

    try:
        bounds = load_steps(warehouse_path(), full_refresh=args.full_refresh)
        if not bounds:
            # One build holds the new loads: the model's own run.
            bounds = [0]
        build_in_steps(bounds, [], dbt_executable(), full_refresh=args.full_refresh)
    except (ValueError, subprocess.CalledProcessError) as error:
        print(f"[usage facts] failed: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
