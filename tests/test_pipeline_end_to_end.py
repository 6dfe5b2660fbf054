"""Materialise every asset through Dagster on a small generated sample and check the marts."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from dagster import materialize

from orchestration.assets.dbt import health_dbt_assets
from orchestration.assets.ingestion import ingestion_assets
from orchestration.checks import customer_health_expectations, reconciliation_checks
from orchestration.resources import build_resources
from orchestration.sample_data import generate


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("pipeline")
    mp = pytest.MonkeyPatch()
    mp.setenv("CHS_DATA_DIR", str(root))
    mp.setenv("CHS_WAREHOUSE_PATH", str(root / "warehouse.duckdb"))
    mp.setenv("CHS_LANDING_DIR", str(root / "landing"))
    (root / "home").mkdir()
    mp.setenv("DAGSTER_HOME", str(root / "home"))
    generate(root / "landing", customers=250, days=150, seed=11)
    result = materialize(
        [
            *ingestion_assets,
            health_dbt_assets,
            customer_health_expectations,
            *reconciliation_checks,
        ],
        resources=build_resources(),
    )
    assert result.success
    checks = result.get_asset_check_evaluations()
    assert checks and all(c.passed for c in checks), [c for c in checks if not c.passed]
    mp.undo()
    return root / "warehouse.duckdb"


def query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_health_mart_has_one_row_per_customer_in_scope(warehouse: Path) -> None:
    rows, distinct = query(
        warehouse, "select count(*), count(distinct customer_id) from customer_health"
    )[0]
    in_scope = query(
        warehouse,
        "select count(*) from intermediate.int_customers__lifecycle"
        " where lifecycle_status in ('active', 'churning')",
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
    total, mrr = query(warehouse, "select sum(customers), sum(total_mrr) from customer_segments")[0]
    expected = query(warehouse, "select count(*), round(sum(mrr), 2) from customer_health")[0]
    assert total == expected[0] and mrr == pytest.approx(expected[1], abs=0.1)


def test_churned_customers_are_not_scored(warehouse: Path) -> None:
    overlap = query(
        warehouse,
        """select count(*) from customer_health
        inner join intermediate.int_customers__lifecycle using (customer_id)
        where int_customers__lifecycle.lifecycle_status = 'churned'""",
    )[0][0]
    assert overlap == 0
