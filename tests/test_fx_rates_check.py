"""A currency in use without an exchange rate is flagged by an asset check that warns and by the
run summary, never converted at rate 1 silently."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from dagster import AssetCheckSeverity, build_asset_check_context

from orchestration.defs.checks import fx_rates_cover_every_currency
from orchestration.reports import summary

MISSING_RATES_TABLE = """
create schema intermediate;
create table intermediate.int_fx__missing_rates (
    source_table varchar, currency varchar, customers bigint,
    first_missing_date date, last_missing_date date, score_days_missing bigint
);
"""


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(MISSING_RATES_TABLE)
    monkeypatch.setenv("CHS_WAREHOUSE_PATH", str(path))
    return path


def add_missing_rate(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "insert into intermediate.int_fx__missing_rates values"
            " ('subscriptions', 'JPY', 3, date '2026-06-01', date '2026-06-30', 30)"
        )


def test_a_currency_without_a_rate_makes_the_check_warn_with_the_currency(
    warehouse: Path,
) -> None:
    add_missing_rate(warehouse)

    result = fx_rates_cover_every_currency(build_asset_check_context())

    assert not result.passed
    assert result.severity == AssetCheckSeverity.WARN
    assert "JPY (subscriptions, 3 customers): no rate from 2026-06-01 to 2026-06-30" in str(
        result.metadata["missing"].value
    )


def test_every_currency_covered_passes_the_check(warehouse: Path) -> None:
    result = fx_rates_cover_every_currency(build_asset_check_context())

    assert result.passed


def test_the_run_summary_warns_about_a_currency_without_a_rate(
    warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add_missing_rate(warehouse)
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            """
            create table customer_health as
            select date '2026-06-30' as as_of_date, 'high' as score_confidence,
                0.05 as churn_risk_90d;
            create table customer_segments as
            select 'engaged' as segment, 'green' as health_color, 1 as customers,
                100.0 as total_mrr_reporting, 70.0 as avg_health_score, 3 as segment_order,
                'USD' as reporting_currency;
            create table customer_health_daily as select date '2026-06-30' as score_date;
            create table health_alerts as select 1 as alert_id;
            create table intermediate.int_quality__findings as
            select 'unknown_customer' as finding, 'x' as subject, 0 as row_count,
                0 as customers, 'none' as description where false;
            create table health_backtest as
            select 'auc' as analysis, null::date as score_date, 'overall' as subject,
                0.7 as metric_value;
            """
        )

    summary.main()

    out = capsys.readouterr().out
    assert "MRR (USD)" in out
    assert "WARNING: no exchange rate for JPY (subscriptions, 3 customers)" in out
