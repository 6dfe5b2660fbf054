"""Calibration on a real, small warehouse (a copy of the dbt project scored every 7th day): the
Python combination equals the SQL score, the proposal has the live seeds' formats and the
report its keys, no live seed changes, dbt does not load the proposal, and accepting it changes
no past day."""

from __future__ import annotations

import hashlib
import json
import subprocess
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from dbt_copy import DBT, DbtProjectCopy

from orchestration.calibration.acceptance import accept
from orchestration.calibration.fit import combine
from orchestration.calibration.observations import DIMENSIONS
from orchestration.calibration.proposal import calibrate, live_weight_sets, weights_per_row
from orchestration.sample_data import generate

pytestmark = pytest.mark.slow

END = date(2026, 6, 30)
HISTORY = ("2025-12-29", "2026-06-21")
STEP = 7


class Project(DbtProjectCopy):
    def score(self, first: str, last: str, every: int = STEP) -> None:
        dbt_vars = json.dumps(
            {"score_from_date": first, "as_of_date": last, "score_every_days": every}
        )
        self.dbt(
            "run",
            "--select",
            "int_score_dates+,+customer_health_daily int_score_dates+,+int_health__metric_history",
            "--vars",
            dbt_vars,
        )


def seeds_digest(seeds: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(seeds.glob("*.csv")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    built = Project.of_repository(tmp_path_factory.mktemp("calibration") / "project")
    generate(built.root / "landing", customers=300, days=220, seed=3, end_date=END)
    built.ingest(built.root / "landing")
    built.dbt("seed")
    built.dbt("run", "--exclude", "int_score_dates+")
    built.score(*HISTORY)
    return built


@pytest.fixture(scope="module")
def calibrated(project: Project) -> dict:
    before = seeds_digest(project.root / "seeds")
    report = calibrate(
        project.warehouse,
        project_root=project.root,
        report_dir=project.root / "calibration",
    )
    assert seeds_digest(project.root / "seeds") == before, "a live seed changed"
    return report


def test_python_combination_with_the_live_weights_equals_the_sql_health_score(
    project: Project,
) -> None:
    history = pd.DataFrame(
        project.query(
            "select plan, is_onboarding, weight_set, health_score, "
            + ", ".join(f"{d}_score" for d in DIMENSIONS)
            + " from customer_health_daily where health_score is not null"
            " and not coalesce(has_override, false)"
        ),
        columns=["plan", "is_onboarding", "weight_set", "health_score"]
        + [f"{d}_score" for d in DIMENSIONS],
    )
    assert len(history) > 1000
    live = live_weight_sets(pd.read_csv(project.root / "seeds" / "health_weights.csv"), END)
    weights = weights_per_row(live, history["plan"], history["is_onboarding"])
    by_set = np.vstack([live[name] for name in history["weight_set"]])
    assert np.array_equal(weights, by_set)
    python_score = combine(history[[f"{d}_score" for d in DIMENSIONS]].to_numpy(float), weights)
    # The history stores sub-scores rounded to 4 decimals; the score is rounded from unrounded.
    assert np.abs(python_score - history["health_score"].to_numpy(float)).max() < 1e-4


def test_proposal_files_have_the_live_seed_headers_and_a_valid_from_after_the_history(
    project: Project, calibrated: dict
) -> None:
    proposed = project.root / "seeds" / "proposed"
    names = {p.name for p in proposed.glob("*.csv")}
    assert {"health_weights.csv", "segment_thresholds.csv", "churn_risk_bands.csv"} <= names
    for path in proposed.glob("*.csv"):
        live = project.root / "seeds" / path.name
        header = path.read_text().splitlines()[0]
        if live.exists():
            assert header == live.read_text().splitlines()[0], path.name
        else:
            assert header == "min_score,churn_risk,valid_from"
    weights = pd.read_csv(proposed / "health_weights.csv")
    assert set(weights["valid_from"]) == {calibrated["valid_from"]}
    last_history_day = date.fromisoformat(calibrated["last_history_date"])
    assert date.fromisoformat(calibrated["valid_from"]) == last_history_day + timedelta(days=1)
    sums = weights.groupby("plan")["weight"].sum()
    assert np.allclose(sums, 1.0, atol=1e-9)
    live_sets = set(pd.read_csv(project.root / "seeds" / "health_weights.csv")["plan"])
    assert set(weights["plan"]) == live_sets
    bands = pd.read_csv(proposed / "churn_risk_bands.csv")
    assert bands["min_score"].min() == 0
    assert bands["churn_risk"].between(0, 1).all()


def test_report_json_carries_the_holdout_figures(project: Project, calibrated: dict) -> None:
    report = json.loads((project.root / "calibration" / "report.json").read_text())
    for key in (
        "holdout_auc_live",
        "holdout_auc_proposed",
        "holdout_pr_auc_live",
        "holdout_pr_auc_proposed",
        "lift_by_decile",
        "churn_rate_by_segment",
        "churn_risk_reliability",
        "segment_changes",
        "biggest_movers",
        "dimension_auc",
        "metric_auc",
        "grey_share",
        "split",
    ):
        assert key in report, key
    assert 0 < report["holdout_auc_live"] < 1 and 0 < report["holdout_auc_proposed"] < 1
    assert report["split"]["holdout_observations"] > 0
    assert (project.root / "calibration" / "report.md").read_text().startswith("# Calibration")


def test_dbt_does_not_load_the_proposed_seeds(project: Project, calibrated: dict) -> None:
    result = subprocess.run(
        [
            DBT,
            "ls",
            "--resource-type",
            "seed",
            "--project-dir",
            project.root,
            "--profiles-dir",
            project.root,
            "--quiet",
            "--output",
            "name",
        ],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "CHS_WAREHOUSE_PATH": str(project.warehouse)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    seeds = result.stdout.split()
    assert "health_weights" in seeds
    assert all("proposed" not in name for name in seeds)
    assert seeds.count("health_weights") == 1


def test_accepting_the_proposal_keeps_past_days_and_scores_later_days_with_it(
    project: Project, calibrated: dict, tmp_path: Path
) -> None:
    copy = project.clone(tmp_path / "accepted")
    day = "2026-05-28"  # a Thursday: observation days are every 7th from 1970-01-01
    past = "select * from customer_health_daily where score_date = ? order by customer_id"
    before = copy.query(past, [day])
    # Metric rules are not versioned by valid_from: accepting a learned shape would re-score
    # past days differently, so this test accepts the versioned seeds only.
    for name in ("metric_scoring.csv", "metric_bands.csv"):
        (copy.root / "seeds" / "proposed" / name).unlink(missing_ok=True)
    said = accept(copy.root / "seeds")
    assert any("health_weights: appended" in line for line in said)
    copy.dbt("seed", "--full-refresh")
    copy.score(day, day, every=1)
    assert copy.query(past, [day]) == before
    later = str(date.fromisoformat(calibrated["valid_from"]) + timedelta(days=2))
    copy.score(later, later, every=1)
    proposed = pd.read_csv(copy.root / "seeds" / "proposed" / "health_weights.csv")
    default = proposed[proposed["plan"] == "growth"].set_index("dimension")["weight"]
    row = copy.query(
        "select usage_weight, support_weight from customer_health_daily"
        " where score_date = ? and weight_set = 'growth' limit 1",
        [later],
    )
    assert row and row[0] == pytest.approx((default["usage"], default["support"]))
