"""Daily partitions of the score history: one partition per score date."""

import os
from datetime import date, datetime, timedelta

from dagster import DailyPartitionsDefinition, TimeWindow

# First day of history; the sample generator's default year starts here.
DEFAULT_HISTORY_START = "2025-10-01"


def history_start_date() -> str:
    return os.environ.get("CHS_HISTORY_START_DATE", DEFAULT_HISTORY_START)


daily_partitions = DailyPartitionsDefinition(start_date=history_start_date(), timezone="UTC")


def score_date_range(window: TimeWindow) -> tuple[date, date]:
    """First and last score date of a partition window (Dagster's window end is exclusive)."""
    first = _as_date(window.start)
    last = _as_date(window.end) - timedelta(days=1)
    return first, max(first, last)


def _as_date(value: datetime) -> date:
    return value.date() if isinstance(value, datetime) else value
