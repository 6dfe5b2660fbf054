"""Scores follow the seeds: a weight changed in a CSV changes scores with no SQL touched, and an
override stops applying by itself after its valid_until.

The dbt project is copied into a temporary folder so the repository's seeds are never edited.
"""

from __future__ import annotations

import csv
import hashlib
from datetime import date, timedelta
from pathlib import Path

import pytest
from dbt_copy import DbtProjectCopy

from orchestration.sample_data import generate

pytestmark = pytest.mark.slow


class Project(DbtProjectCopy):
    def rescore(self, seed: str) -> None:
        """Reloads one seed and recomputes what reads it for the same day."""
        self.dbt("seed", "--select", seed, "--full-refresh")
        self.dbt("run", "--select", f"{seed}+", "--exclude", "health_backtest+")

    def sql_fingerprint(self) -> str:
        digest = hashlib.sha256()
        for path in sorted((self.root / "dbt_project").rglob("*.sql")):
            digest.update(path.read_bytes())
        return digest.hexdigest()


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    built = Project.of_repository(tmp_path_factory.mktemp("scoring_project"))
    generate(built.root / "landing", customers=100, days=100, seed=5)
    built.ingest(built.root / "landing")
    built.dbt("seed")
    built.dbt("run", "--select", "+customer_health")
    return built


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def scores(project: Project) -> dict[str, tuple[float | None, float | None]]:
    rows = project.query("select customer_id, health_score, usage_weight from customer_health")
    return {customer: (score, weight) for customer, score, weight in rows}


def test_changing_a_weight_in_the_seed_changes_scores_without_touching_sql(
    project: Project,
) -> None:
    before = scores(project)
    fingerprint = project.sql_fingerprint()
    weights = project.root / "seeds" / "health_weights.csv"
    with weights.open() as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    # Swap usage and relationship weights for every plan: each plan still sums to 1.
    by_key = {(row[0], row[1]): row for row in body}
    for plan in {row[0] for row in body}:
        usage, relationship = by_key[(plan, "usage")], by_key[(plan, "relationship")]
        usage[2], relationship[2] = relationship[2], usage[2]
    write_csv(weights, header, body)

    project.rescore("health_weights")

    after = scores(project)
    assert project.sql_fingerprint() == fingerprint
    assert before.keys() == after.keys()
    changed = [c for c in before if before[c][0] is not None and before[c][0] != after[c][0]]
    assert len(changed) > len(before) / 2
    assert any(before[c][1] != after[c][1] for c in before)


def test_an_override_past_its_valid_until_no_longer_applies(project: Project) -> None:
    as_of = project.query("select max(as_of_date) from customer_health")[0][0]
    assert isinstance(as_of, date)
    expired, current = (
        row[0]
        for row in project.query(
            "select customer_id from customer_health where health_score is not null"
            " and not has_override order by customer_id limit 2"
        )
    )
    write_csv(
        project.root / "seeds" / "score_overrides.csv",
        [
            "customer_id",
            "dimension",
            "override_score",
            "reason",
            "set_by",
            "valid_from",
            "valid_until",
        ],
        [
            [
                expired,
                "overall",
                1,
                "Test: expired",
                "pytest",
                as_of - timedelta(days=30),
                as_of - timedelta(days=1),
            ],
            [current, "overall", 1, "Test: in force", "pytest", as_of - timedelta(days=30), as_of],
        ],
    )

    project.rescore("score_overrides")

    rows = dict(
        (customer, (score, has_override, detail))
        for customer, score, has_override, detail in project.query(
            "select customer_id, health_score, has_override, override_detail from customer_health"
        )
    )
    assert rows[expired][0] != 1 and rows[expired][1] is False and rows[expired][2] is None
    assert rows[current][0] == 1 and rows[current][1] is True
    assert "Test: in force" in rows[current][2]
