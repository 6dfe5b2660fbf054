"""Seeds fail loudly, naming the file and what is wrong: a header that does not match the
documented columns (even when the seed table already exists, which dbt would fill by position),
and a weight set that does not sum to 1."""

from __future__ import annotations

from pathlib import Path

import pytest
from dbt_copy import DbtProjectCopy

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> DbtProjectCopy:
    project = DbtProjectCopy.of_repository(tmp_path_factory.mktemp("seeds") / "project")
    project.dbt("seed")
    return project


@pytest.fixture
def project(seeded: DbtProjectCopy, tmp_path: Path) -> DbtProjectCopy:
    return seeded.clone(tmp_path / "project")


def _edit(project: DbtProjectCopy, seed: str, old: str, new: str) -> None:
    path = project.root / "seeds" / f"{seed}.csv"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_a_typo_in_a_seed_header_fails_naming_the_file_and_column(
    project: DbtProjectCopy,
) -> None:
    _edit(
        project,
        "health_weights",
        "plan,dimension,weight,valid_from",
        "plan,dimension,weigth,valid_from",
    )
    result = project.run_dbt("seed", "--select", "health_weights")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "seeds/health_weights.csv" in output
    assert "column 'weigth' is not one of its columns" in output
    assert "column 'weight' is missing" in output


def test_weights_that_do_not_sum_to_one_fail_naming_plan_valid_from_and_sum(
    project: DbtProjectCopy,
) -> None:
    _edit(project, "health_weights", "growth,usage,0.25,", "growth,usage,0.20,")
    project.dbt("seed", "--select", "health_weights", "--full-refresh")
    result = project.run_dbt("test", "--select", "assert_health_weights_sum_to_one")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "the weights of plan growth valid from 2000-01-01 sum to 0.95, not 1" in output
