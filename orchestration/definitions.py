"""The one Definitions object of the project."""

# The imports below follow start_manifest_parse(), on purpose.
# ruff: noqa: E402

from __future__ import annotations

from orchestration.project import start_manifest_parse

# Before Dagster's imports: dbt parses the project (when this load needs it) while they run.
start_manifest_parse()

from dagster import Definitions, in_process_executor

from orchestration.defs.assets.alerts import alerts_outbox
from orchestration.defs.assets.calibration import (
    calibration_proposal,
    calibration_staleness,
    monthly_calibration_job,
    monthly_calibration_schedule,
)
from orchestration.defs.assets.dbt import health_dbt_assets
from orchestration.defs.assets.ingestion import ingestion_assets
from orchestration.defs.assets.publish import serving_copy
from orchestration.defs.checks import (
    backtest_auc_floor,
    data_quality_findings,
    fx_rates_cover_every_currency,
    mart_expectation_checks,
    reconciliation_checks,
)
from orchestration.defs.instance import apply_speed_settings
from orchestration.defs.resources import build_resources
from orchestration.defs.schedules import daily_refresh_job, daily_refresh_schedule

# Batched per-day events of a range run, in any process that loads this code (run workers too).
apply_speed_settings()

defs = Definitions(
    assets=[
        *ingestion_assets,
        *health_dbt_assets,
        alerts_outbox,
        serving_copy,
        calibration_proposal,
    ],
    asset_checks=[
        *mart_expectation_checks,
        backtest_auc_floor,
        data_quality_findings,
        calibration_staleness,
        fx_rates_cover_every_currency,
        *reconciliation_checks,
    ],
    jobs=[daily_refresh_job, monthly_calibration_job],
    schedules=[daily_refresh_schedule, monthly_calibration_schedule],
    resources=build_resources(),
    # DuckDB lets one process write the file at a time: run steps one after another in-process.
    executor=in_process_executor,
)
