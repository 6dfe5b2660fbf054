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

from orchestration.defs.assets.dbt_stdout import drain_stdout
from orchestration.defs.assets.dbt_targets import keep_targets, prune_target_folders
from orchestration.defs.partitions import daily_partitions, score_date_range
from orchestration.defs.resources import DBT_TARGETS, dbt_target
from orchestration.defs.translator import HealthDbtTranslator
from orchestration.project import dbt_project, warehouse_path
from orchestration.validation.gx_runner import import_gx

# dbt selections of the three parts; the daily part lies between the score dates and the history.
# The metric history is scored with the day too (calibration reads it), and the list of currencies
# without a rate on the days scored (nothing downstream reads it).
DAILY_SELECT = (
    "int_score_dates+,+customer_health_daily int_score_dates+,+int_health__metric_history"
    " int_fx__missing_rates"
)
CURRENT_SELECT = "customer_health_daily+"
CURRENT_EXCLUDE = "customer_health_daily"


# The score dates reach dbt as environment variables (the `date_var` macro), not `--vars`: a var
# that changes between runs makes dbt re-parse the whole project, an environment variable only
# the files that read it.
SCORE_DATE_ENV = {"as_of_date": "CHS_AS_OF_DATE", "score_from_date": "CHS_SCORE_FROM_DATE"}

# The pipeline's `dbt build`: models, seeds and data tests, not unit tests. A unit test checks
# the SQL on fixed rows, so it passes or fails the same on every run and every warehouse; it
# belongs where the SQL changes (`make test`, `dbt build` or `dbt test` run by hand). In the
# pipeline the 43 unit tests cost about 40 s of dbt's time on the default sample, a third of it.
PIPELINE_BUILD = ["build", "--exclude-resource-type", "unit_test"]


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
) -> Iterator[Any]:
    """The step's `dbt build`, its lines turned into Dagster events. `while_dbt_starts` runs in
    this process once dbt's own process has started (and spends its first seconds parsing),
    before the first line is read: time the run would otherwise spend later, waiting."""
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
        copied = mirror_tables(warehouse_path(), spark_warehouse_dir(), tables, days)
        context.log.info(
            f"copied {len(copied)} Spark tables into {warehouse_path()}: "
            + ", ".join(f"{name} {rows}" for name, rows in copied.items())
        )


@dbt_assets(
    manifest=dbt_project().manifest_path,
    project=dbt_project(),
    dagster_dbt_translator=HealthDbtTranslator(),
    exclude="int_score_dates+",
    name="dbt_sources_and_facts",
    backfill_policy=BackfillPolicy.single_run(),
)
def dbt_sources_and_facts(context: AssetExecutionContext, dbt: DbtCliResource):
    yield from _stream(context, dbt)


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
    context.log.info(f"scoring {first} to {last}")
    # The Great Expectations suites come next: the first one would wait ~3 s for the import.
    yield from _stream(context, dbt, days=(first, last), while_dbt_starts=import_gx)


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
