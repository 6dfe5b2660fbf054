"""Materialise every asset through Dagster on a small generated sample and check the marts."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from orchestration.sample_data import generate

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parent.parent
END = "2026-06-30"
HISTORY_START = "2026-06-01"
FACTS_BUDGET = 25_000


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Runs `dg launch` over every asset but the calibration and a month of daily partitions, as
    `make run` does, on a small sample in a temporary folder."""
    root = tmp_path_factory.mktemp("pipeline")
    (root / "home").mkdir()
    env = os.environ | {
        "CHS_DATA_DIR": str(root),
        "CHS_WAREHOUSE_PATH": str(root / "warehouse.duckdb"),
        "CHS_LANDING_DIR": str(root / "landing"),
        "CHS_HISTORY_START_DATE": HISTORY_START,
        "DAGSTER_HOME": str(root / "home"),
        # The usage facts in steps of days (orchestration/usage_facts.py), before the sources
        # step's dbt build: a budget well under the sample's events.
        "CHS_MAX_USAGE_EVENTS_PER_BUILD": str(FACTS_BUDGET),
    }
    generate(root / "landing", customers=250, days=150, seed=11, end_date=date.fromisoformat(END))
    result = subprocess.run(
        [
            Path(sys.executable).parent / "dg",
            "launch",
            "--assets",
            # As `make run`: the monthly calibration is not part of it (a month of history has
            # no outcome to learn from).
            "* and not key:calibration_proposal",
            "-m",
            "orchestration.definitions",
            "--partition-range",
            f"{HISTORY_START}...{END}",
        ],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-5000:]
    assert "RUN_SUCCESS" in result.stderr + result.stdout
    (root / "run.log").write_text(result.stdout + result.stderr)
    return root / "warehouse.duckdb"


def test_a_run_prints_no_warning_that_could_be_fixed(warehouse: Path) -> None:
    """Noise hides real warnings: no Beta or Supersession warning, and dbt source tests are
    checks of the ingestion assets, not observations."""
    log = (warehouse.parent / "run.log").read_text()
    for noise in ("BetaWarning", "SupersessionWarning", "Logging an `AssetObservation`"):
        assert noise not in log


def query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_the_usage_facts_were_built_in_steps_and_count_each_event_once(warehouse: Path) -> None:
    from orchestration.usage_facts import group_days

    log = (warehouse.parent / "run.log").read_text()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        events_per_day = con.execute(
            "select cast(occurred_at as date), count(*) from raw.product_usage"
            " group by 1 order by 1"
        ).fetchall()
        facts, events = con.execute(
            "select (select sum(event_count) from intermediate.int_usage__daily_facts),"
            " (select count(*) from staging.stg_product__usage_events)"
        ).fetchone()
    ranges = group_days(events_per_day, FACTS_BUDGET)
    assert len(ranges) >= 2
    steps = [line for line in log.splitlines() if "usage facts: days" in line]
    assert len(steps) == len(ranges), steps
    assert facts == events


def test_health_mart_has_one_row_per_customer_in_scope(warehouse: Path) -> None:
    rows, distinct = query(
        warehouse, "select count(*), count(distinct customer_id) from customer_health"
    )[0]
    in_scope = query(
        warehouse,
        "select count(*) from intermediate.int_customers__lifecycle"
        " where lifecycle_status in ('active', 'churning')"
        " and score_date = (select max(as_of_date) from customer_health)",
    )[0][0]
    assert rows == distinct == in_scope > 0


def test_scores_are_within_0_and_100(warehouse: Path) -> None:
    bad = query(
        warehouse,
        """select count(*) from customer_health where
        health_score not between 0 and 100 or usage_score not between 0 and 100
        or support_score not between 0 and 100 or satisfaction_score not between 0 and 100
        or financial_score not between 0 and 100 or relationship_score not between 0 and 100
        or engagement_score not between 0 and 100""",
    )[0][0]
    assert bad == 0


def test_every_customer_is_segmented_and_three_segments_are_populated(warehouse: Path) -> None:
    assert query(warehouse, "select count(*) from customer_health where segment is null") == [(0,)]
    populated = query(
        warehouse,
        "select count(*) from customer_segments"
        " where segment in ('at_risk', 'needs_attention', 'engaged', 'promoter')",
    )[0][0]
    assert populated >= 3


def test_segment_summary_adds_up_to_the_mart(warehouse: Path) -> None:
    total, mrr = query(
        warehouse, "select sum(customers), sum(total_mrr_reporting) from customer_segments"
    )[0]
    expected = query(
        warehouse, "select count(*), round(sum(mrr_reporting), 2) from customer_health"
    )[0]
    assert total == expected[0] and mrr == pytest.approx(expected[1], abs=0.1)


def test_churned_customers_are_not_scored(warehouse: Path) -> None:
    overlap = query(
        warehouse,
        """select count(*) from customer_health
        inner join intermediate.int_customers__lifecycle using (customer_id)
        where int_customers__lifecycle.lifecycle_status = 'churned'
        and int_customers__lifecycle.score_date = customer_health.as_of_date""",
    )[0][0]
    assert overlap == 0


def test_history_has_one_row_per_customer_in_scope_per_day(warehouse: Path) -> None:
    rows, keys, days = query(
        warehouse,
        "select count(*), count(distinct customer_id || cast(score_date as varchar)),"
        " count(distinct score_date) from customer_health_daily",
    )[0]
    assert rows == keys and days == 30


def test_current_mart_equals_the_latest_day_of_the_history(warehouse: Path) -> None:
    mismatches = query(
        warehouse,
        """select count(*) from customer_health as current_mart
        full outer join (
            select * from customer_health_daily
            where score_date = (select max(score_date) from customer_health_daily)
        ) as latest using (customer_id)
        where current_mart.health_score is distinct from round(latest.health_score, 1)
           or current_mart.segment is distinct from latest.segment""",
    )[0][0]
    assert mismatches == 0


def test_backtest_alerts_and_outbox_are_produced(warehouse: Path) -> None:
    # A month of history has no day with 90 days of follow-up: only the warning row can exist
    # (the AUC, decile and segment rows are pinned by dbt unit tests and by `make run`).
    analyses = {row[0] for row in query(warehouse, "select distinct analysis from health_backtest")}
    assert analyses == {"warning"}
    outbox = warehouse.parent / "outbox" / f"alerts-{END}.csv"
    assert outbox.exists()
