"""The GX suites of every mart, and the comparison with the last published copy."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.validation import ComparisonBounds, validate_mart

CUSTOMERS = 40
BOUNDS = ComparisonBounds(
    max_row_drop_pct=20,
    max_row_growth_pct=50,
    max_mean_score_shift_points=10,
    max_quartile_shift_points=15,
)


def build(database: Path, customers: int = CUSTOMERS, score_shift: float = 0) -> Path:
    """A warehouse with the five marts; scores spread over 20-98 plus `score_shift`."""
    with duckdb.connect(str(database)) as con:
        con.execute(
            f"""
            create or replace table customer_health as
            select printf('C%06d', i) as customer_id,
                least(100, 20 + (i * 2) % 79 + {score_shift}) as health_score,
                case when i % 5 = 0 then 'at_risk' else 'engaged' end as segment,
                case when i % 5 = 0 then 'red' else 'green' end as health_color,
                100.0 as data_completeness_pct, date '2026-06-30' as as_of_date
            from range({customers}) as t(i);
            create or replace table customer_health_daily as
            select customer_id, d.score_date, health_score, segment, health_color,
                data_completeness_pct, 'usage' as primary_driver, 50.0 as health_percentile
            from customer_health
            cross join (values (date '2026-06-29'), (date '2026-06-30')) as d(score_date);
            create or replace table customer_segments as
            select segment, any_value(health_color) as health_color, count(*) as customers,
                100.0 * count(*) / {customers} as customers_pct, 1000.0 as total_mrr,
                avg(health_score) as avg_health_score, min(health_score) as min_health_score,
                max(health_score) as max_health_score
            from customer_health group by segment;
            create or replace table health_alerts as
            select md5(customer_id) as alert_id, customer_id, 'entered_at_risk' as alert_kind,
                'moved from engaged into at_risk' as reason, segment, health_score,
                date '2026-06-30' as first_seen_date
            from customer_health where segment = 'at_risk';
            create or replace table health_backtest as
            select 'decile' as analysis, cast(i as varchar) as subject, 10 as observations,
                2 as churned, 0.2 as churn_rate, 1.0 as metric_value
            from range(1, 11) as t(i);
            """
        )
    return database


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return build(tmp_path / "warehouse.duckdb")


@pytest.mark.parametrize(
    "table",
    [
        "customer_health",
        "customer_health_daily",
        "customer_segments",
        "health_alerts",
        "health_backtest",
    ],
)
def test_each_mart_passes_its_suite_and_against_an_identical_published_copy(
    warehouse: Path, tmp_path: Path, table: str
) -> None:
    published = tmp_path / "published.duckdb"
    shutil.copy(warehouse, published)
    outcome = validate_mart(warehouse, table, previous=published, bounds=BOUNDS)
    assert outcome.success, outcome.failed
    assert outcome.evaluated > 3


def test_row_count_fall_beyond_the_seeded_bound_fails(warehouse: Path, tmp_path: Path) -> None:
    published = build(tmp_path / "published.duckdb", customers=CUSTOMERS * 2)
    outcome = validate_mart(warehouse, "customer_health", previous=published, bounds=BOUNDS)
    assert any(f.startswith("expect_table_row_count_to_be_between") for f in outcome.failed)


def test_row_count_change_within_the_bound_passes(warehouse: Path, tmp_path: Path) -> None:
    published = build(tmp_path / "published.duckdb", customers=CUSTOMERS + 4)
    outcome = validate_mart(warehouse, "customer_health", previous=published, bounds=BOUNDS)
    assert outcome.success, outcome.failed


def test_score_distribution_drift_fails_the_mean_and_quartiles(
    warehouse: Path, tmp_path: Path
) -> None:
    published = build(tmp_path / "published.duckdb", score_shift=-25)
    outcome = validate_mart(warehouse, "customer_health", previous=published, bounds=BOUNDS)
    failed = [f.split("(")[0] for f in outcome.failed]
    assert "expect_column_mean_to_be_between" in failed
    assert "expect_column_quartiles_to_be_between" in failed


def test_no_published_copy_means_no_comparison(warehouse: Path, tmp_path: Path) -> None:
    with_copy = validate_mart(
        warehouse, "customer_health", previous=warehouse, bounds=BOUNDS
    ).evaluated
    without = validate_mart(
        warehouse, "customer_health", previous=tmp_path / "none.duckdb", bounds=BOUNDS
    ).evaluated
    assert without == with_copy - 3  # row count, mean, quartiles


def test_daily_suite_checks_the_latest_day_for_one_row_per_customer(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "insert into customer_health_daily select * from customer_health_daily"
            " where score_date = date '2026-06-30' limit 1"
        )
    outcome = validate_mart(warehouse, "customer_health_daily")
    assert any(
        f.startswith("expect_column_values_to_be_unique(customer_id)") for f in outcome.failed
    )


def test_unknown_alert_kind_fails_and_no_alerts_pass(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update health_alerts set alert_kind = 'vibes' where customer_id = 'C000000'")
    outcome = validate_mart(warehouse, "health_alerts")
    assert any(
        f.startswith("expect_column_values_to_be_in_set(alert_kind)") for f in outcome.failed
    )
    with duckdb.connect(str(warehouse)) as con:
        con.execute("delete from health_alerts")
    assert validate_mart(warehouse, "health_alerts").success


def test_text_column_holding_numbers_fails_its_type(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse)) as con:
        con.execute("alter table customer_segments alter segment type integer using 1")
    outcome = validate_mart(warehouse, "customer_segments")
    assert any(
        f.startswith("expect_column_values_to_be_in_type_list(segment)") for f in outcome.failed
    )


def test_data_docs_are_rendered_offline_with_the_comparison(
    warehouse: Path, tmp_path: Path
) -> None:
    docs = tmp_path / "docs" / "gx"
    published = tmp_path / "published.duckdb"
    shutil.copy(warehouse, published)
    for table in ("customer_health", "health_alerts"):
        outcome = validate_mart(warehouse, table, previous=published, bounds=BOUNDS, docs_dir=docs)
        assert outcome.success, outcome.failed
    index = (docs / "index.html").read_text()
    assert "customer_health" in index and "health_alerts" in index
