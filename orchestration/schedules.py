"""The daily run: ingest new landing files and rebuild every model."""

from __future__ import annotations

from dagster import AssetSelection, ScheduleDefinition, define_asset_job

daily_refresh_job = define_asset_job(
    name="daily_refresh",
    selection=AssetSelection.all(),
    description="Load new landing files, rebuild the models, run every check.",
)

daily_refresh_schedule = ScheduleDefinition(
    name="daily_refresh_schedule",
    job=daily_refresh_job,
    cron_schedule="0 6 * * *",
    execution_timezone="UTC",
)
