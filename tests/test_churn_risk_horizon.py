"""The churn risk column is named for its horizon: a run with another horizon must not label a
90-day risk with it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT = Path(sys.executable).parent / "dbt"


def parse_with_vars(vars_yaml: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            DBT,
            "parse",
            "--no-partial-parse",
            "--target-path",
            str(tmp_path / "target"),
            "--vars",
            vars_yaml,
        ],
        cwd=REPO_ROOT,
        env=os.environ
        | {
            "CHS_WAREHOUSE_PATH": str(tmp_path / "warehouse.duckdb"),
            "DBT_PROFILES_DIR": str(REPO_ROOT),
            "DBT_LOG_PATH": str(tmp_path / "logs"),
        },
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_a_horizon_other_than_90_days_stops_before_labelling_churn_risk_90d(
    tmp_path: Path,
) -> None:
    result = parse_with_vars("{churn_horizon_days: 60}", tmp_path)

    assert result.returncode != 0
    assert "churn_risk_90d is a 90-day churn risk, but the var churn_horizon_days is 60" in (
        result.stdout + result.stderr
    )


def test_the_default_90_day_horizon_parses(tmp_path: Path) -> None:
    result = parse_with_vars("{churn_horizon_days: 90}", tmp_path)

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
