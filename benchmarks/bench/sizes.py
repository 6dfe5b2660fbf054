"""The benchmark sizes: customers of the project's generator, which draws about 500 usage
events per customer over a year (`orchestration.sample_data`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

# The generator's default window end: the same days as `make run`.
END_DATE = date(2026, 9, 30)
DEFAULT_DAYS = 365
SEED = 42


@dataclass(frozen=True)
class Size:
    name: str
    customers: int
    # What the generator gives for a year, for the table (the JSON records the real count).
    approximate_events: str


SIZES: dict[str, Size] = {
    # `make run`'s default sample: where Dagster's share of the pipeline is measured.
    "sample": Size("sample", 2_000, "~1M"),
    "small": Size("small", 10_000, "~5M"),
    "medium": Size("medium", 100_000, "~50M"),
    "large": Size("large", 1_000_000, "~500M"),
}


# The disk a run with every step has needed, by million customers: at 1,000,000 customers
# (docs/bench/large-last1-2026-12-05.json) the year's Parquet landing took 16 GiB, the warehouse
# 43 GiB after the compiled SQL's replay, and the plain script spilled 23 GiB beside it.
DISK_GIB_PER_MILLION_CUSTOMERS = 82
LANDING_GIB_PER_MILLION_CUSTOMERS = 16


def history_dates(days: int, end_date: date = END_DATE) -> tuple[date, date]:
    """First and last score date of `days` days of history ending on `end_date`."""
    return end_date - timedelta(days=days - 1), end_date


def landing_cache(bench_dir: Path, size: Size, days: int) -> Path:
    """Where the generated Parquet landing of a size and history length is kept between runs."""
    suffix = "" if days == DEFAULT_DAYS else f"-{days}d"
    return bench_dir / size.name / f"landing{suffix}"
