"""Every dbt model, seed and test as Dagster assets and checks, in three parts:

- sources and facts (seeds, staging, customer-day facts): unpartitioned, built every run;
- daily scores (the intermediate scoring chain and `customer_health_daily`): partitioned by
  day; a run over a range of days scores them all in one `dbt build` (single-run backfills);
- current marts (customer_health, segments, alerts, backtest): unpartitioned, read the history.
"""

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

from dagster import AssetExecutionContext, BackfillPolicy
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration.defs.assets.dbt_stdout import drain_stdout
from orchestration.defs.partitions import daily_partitions, score_date_range
from orchestration.defs.translator import HealthDbtTranslator
from orchestration.project import dbt_project

# dbt selections of the three parts; the daily part lies between the score dates and the history.
# The metric history is scored with the day too (calibration reads it), and the list of currencies
# without a rate on the days scored (nothing downstream reads it).
DAILY_SELECT = (
    "int_score_dates+,+customer_health_daily int_score_dates+,+int_health__metric_history"
    " int_fx__missing_rates"
)
CURRENT_SELECT = "customer_health_daily+"
CURRENT_EXCLUDE = "customer_health_daily"


def dbt_build_args(
    first_score_date: date | str | None = None, last_score_date: date | str | None = None
) -> list[str]:
    """`dbt build`, scoring the days from first to last when given (one day when only last)."""
    args = ["build"]
    dbt_vars: dict[str, str] = {}
    if last_score_date:
        dbt_vars["as_of_date"] = str(last_score_date)
    if first_score_date:
        dbt_vars["score_from_date"] = str(first_score_date)
    if dbt_vars:
        args += ["--vars", json.dumps(dbt_vars)]
    return args


def _stream(context: AssetExecutionContext, dbt: DbtCliResource, args: list[str]) -> Iterator[Any]:
    invocation = dbt.cli(args, context=context)
    # dbt never waits for Dagster to store the events of its earlier lines (dbt_stdout.py).
    drain_stdout(invocation.process)
    yield from invocation.stream()


@dbt_assets(
    manifest=dbt_project().manifest_path,
    project=dbt_project(),
    dagster_dbt_translator=HealthDbtTranslator(),
    exclude="int_score_dates+",
    name="dbt_sources_and_facts",
    backfill_policy=BackfillPolicy.single_run(),
)
def dbt_sources_and_facts(context: AssetExecutionContext, dbt: DbtCliResource):
    yield from _stream(context, dbt, dbt_build_args())


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
    yield from _stream(context, dbt, dbt_build_args(first, last))


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
    yield from _stream(context, dbt, dbt_build_args())


health_dbt_assets = [dbt_sources_and_facts, dbt_daily_scores, dbt_current_marts]
