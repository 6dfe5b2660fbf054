"""The daily run: ingest new landing files, score the day that just ended, refresh the marts."""

from dagster import AssetSelection, build_schedule_from_partitioned_job, define_asset_job

from orchestration.defs.assets.calibration import calibration_selection
from orchestration.defs.partitions import daily_partitions

daily_refresh_job = define_asset_job(
    name="daily_refresh",
    # Calibration is monthly, on its own schedule (orchestration/defs/assets/calibration.py).
    selection=AssetSelection.all() - calibration_selection,
    partitions_def=daily_partitions,
    description="Load new landing files, score the partition's day, rebuild the current marts, "
    "run every check. A backfill over a range of days scores them in one run.",
)

# Runs at 06:00 UTC for the day that ended at midnight.
daily_refresh_schedule = build_schedule_from_partitioned_job(
    daily_refresh_job, name="daily_refresh_schedule", hour_of_day=6
)
