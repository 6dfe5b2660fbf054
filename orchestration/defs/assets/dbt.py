"""Every dbt model, seed and test as Dagster assets and checks, in three parts:

- sources and facts (seeds, staging, customer-day facts): unpartitioned, built every run;
- daily scores (the intermediate scoring chain and `customer_health_daily`): partitioned by
  day; a run over a range of days scores them all in one `dbt build` (single-run backfills);
- current marts (customer_health, segments, alerts, backtest): unpartitioned, read the history.
"""

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext, BackfillPolicy
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration import usage_facts
from orchestration.defs.assets.dbt_stdout import drain_stdout
from orchestration.defs.assets.dbt_targets import keep_targets, prune_target_folders
from orchestration.defs.partitions import daily_partitions, score_date_range
from orchestration.defs.resources import DBT_TARGETS, dbt_target
from orchestration.defs.translator import HealthDbtTranslator
from orchestration.history import (
    DAILY_SELECT,
    PIPELINE_BUILD,
    customers_in,
    day_ranges,
    score_date_env,
)
from orchestration.project import dbt_project, warehouse_path
from orchestration.validation.gx_runner import import_gx

# dbt selections of the three parts; the daily one (DAILY_SELECT) lives with the history's
# pieces, which build it too (orchestration/history.py).
CURRENT_SELECT = "customer_health_daily+"
CURRENT_EXCLUDE = "customer_health_daily"
# The sources step: everything the score days do not read, without the tests tagged
# `whole_history` (those of a view that re-reads every event ever delivered, at 1,000,000
# customers a quarter of an hour a run; `make dbt-test` and `dbt test --select
# tag:whole_history` run them).
SOURCES_EXCLUDE = "int_score_dates+ tag:whole_history"


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """`values` in os.environ while dbt starts (dagster-dbt passes this process's environment)."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _stream(
    context: AssetExecutionContext,
    dbt: DbtCliResource,
    days: tuple[date, date] | None = None,
    while_dbt_starts: Callable[[], None] | None = None,
    scored_days: tuple[date, date] | None = None,
) -> Iterator[Any]:
    """The step's `dbt build`, its lines turned into Dagster events. `while_dbt_starts` runs in
    this process once dbt's own process has started (and spends its first seconds parsing),
    before the first line is read: time the run would otherwise spend later, waiting.
    `scored_days`: the days the step scored, when earlier builds scored some (Spark's copy)."""
    # dagster-dbt's own root of the run folders (DBT_TARGET_PATH, else target/ in the project).
    target_root = Path(os.environ.get("DBT_TARGET_PATH", "target"))
    if not target_root.is_absolute():
        target_root = Path(dbt.project_dir) / target_root
    keep = keep_targets()
    if keep > 0:
        # Before the build, leaving room for this run's folder, whatever its outcome.
        pruned = prune_target_folders(target_root, context.op_execution_context.op.name, keep - 1)
        if pruned:
            context.log.debug(f"removed {len(pruned)} old dbt target folders of this step")
    # Every step sets both (empty outside the daily one), so none inherits another's days.
    with environment(score_date_env(*(days or (None, None)))):
        invocation = dbt.cli(PIPELINE_BUILD, context=context)
    # dbt never waits for Dagster to store the events of its earlier lines (dbt_stdout.py).
    drain_stdout(invocation.process)
    if while_dbt_starts is not None:
        while_dbt_starts()
    yield from invocation.stream()
    if dbt_target() == DBT_TARGETS["spark"]:
        # The checks, alerts, serving copy and calibration read DuckDB: give them Spark's rows
        # (orchestration/spark/mirror.py). Reached only when the build and its tests passed.
        from orchestration.spark.mirror import built_tables, mirror_tables, spark_warehouse_dir

        tables = built_tables(invocation.get_artifact("run_results.json"), invocation.manifest)
        copied = mirror_tables(warehouse_path(), spark_warehouse_dir(), tables, scored_days or days)
        context.log.info(
            f"copied {len(copied)} Spark tables into {warehouse_path()}: "
            + ", ".join(f"{name} {rows}" for name, rows in copied.items())
        )


@dbt_assets(
    manifest=dbt_project().manifest_path,
    project=dbt_project(),
    dagster_dbt_translator=HealthDbtTranslator(),
    exclude=SOURCES_EXCLUDE,
    name="dbt_sources_and_facts",
    backfill_policy=BackfillPolicy.single_run(),
)
def dbt_sources_and_facts(context: AssetExecutionContext, dbt: DbtCliResource):
    _usage_facts_in_steps(context, dbt)
    yield from _stream(context, dbt)


def _usage_facts_in_steps(context: AssetExecutionContext, dbt: DbtCliResource) -> None:
    """More new usage events than one build holds (a first run over a long landing): the usage
    facts built first, in steps of days that fit in memory (orchestration/usage_facts.py). The
    step's build then finds no new load for them, and reports and tests them as usual."""
    if not any(name.endswith(usage_facts.FACTS_MODEL) for name in context.selected_output_names):
        return
    ranges = usage_facts.day_steps(warehouse_path())
    for number, days in enumerate(ranges, start=1):
        context.log.info(f"usage facts: days {days[0]} to {days[1]} ({number} of {len(ranges)})")
        with environment(usage_facts.days_env(days)):
            invocation = dbt.cli(
                usage_facts.step_args([], first=number == 1), manifest=dbt_project().manifest_path
            )
        drain_stdout(invocation.process)
        invocation.wait()


@dbt_assets(
    manifest=dbt_project().manifest_path,
    project=dbt_project(),
    dagster_dbt_translator=HealthDbtTranslator(),
    select=DAILY_SELECT,
    name="dbt_daily_scores",
    partitions_def=daily_partitions,
    backfill_policy=BackfillPolicy.single_run(),
)
def dbt_daily_scores(context: AssetExecutionContext, dbt: DbtCliResource):
    first, last = score_date_range(context.partition_time_window)
    # A long range at many customers is built in pieces that fit in memory (history.py).
    pieces = day_ranges(first, last, customers_in(warehouse_path()))
    context.log.info(
        f"scoring {first} to {last}"
        + (f" in {len(pieces)} builds, oldest first" if len(pieces) > 1 else "")
    )
    for piece in pieces[:-1]:
        _build_piece(context, dbt, piece)
    # The Great Expectations suites come next: the first one would wait ~3 s for the import.
    yield from _stream(
        context, dbt, days=pieces[-1], while_dbt_starts=import_gx, scored_days=(first, last)
    )


def _build_piece(context: AssetExecutionContext, dbt: DbtCliResource, days: tuple[date, date]):
    """An earlier piece of a range scored in several builds. Its events are not reported: the
    last piece's build reports each model's materialization for every day of the run (as one
    build of the whole range does) and the data tests of the tables as they end. A failed model
    or error test stops the step here, naming the days; a test warning is logged."""
    with environment(score_date_env(*days)):
        invocation = dbt.cli(PIPELINE_BUILD, context=context)
    drain_stdout(invocation.process)
    try:
        invocation.wait()
    except Exception:
        # dbt's error names the model or test; this says which days it was building.
        context.log.error(f"the build of the days {days[0]} to {days[1]} failed")
        raise
    results = invocation.get_artifact("run_results.json")["results"]
    for result in results:
        if result["status"] in ("warn", "fail"):
            context.log.warning(
                f"days {days[0]} to {days[1]}: {result['unique_id']} {result['status']}:"
                f" {result.get('message')}"
            )
    context.log.info(f"scored {days[0]} to {days[1]}: {len(results)} dbt nodes")


@dbt_assets(
    manifest=dbt_project().manifest_path,
    project=dbt_project(),
    dagster_dbt_translator=HealthDbtTranslator(),
    select=CURRENT_SELECT,
    exclude=CURRENT_EXCLUDE,
    name="dbt_current_marts",
    backfill_policy=BackfillPolicy.single_run(),
)
def dbt_current_marts(context: AssetExecutionContext, dbt: DbtCliResource):
    yield from _stream(context, dbt)


health_dbt_assets = [dbt_sources_and_facts, dbt_daily_scores, dbt_current_marts]
