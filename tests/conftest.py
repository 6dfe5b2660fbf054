"""Shared fixtures: a temporary data folder for anything that writes a warehouse."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from pipeline_root import PipelineRoot

REPO_ROOT = Path(__file__).resolve().parent.parent

# A test that runs dbt, Dagster or a child process of the pipeline must be marked slow.
pytest_plugins = ["slow_guard"]

os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Points the warehouse, landing folder and DAGSTER_HOME into a temporary folder."""
    monkeypatch.setenv("CHS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CHS_WAREHOUSE_PATH", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("CHS_LANDING_DIR", str(tmp_path / "landing"))
    home = tmp_path / "dagster_home"
    home.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    yield tmp_path


@pytest.fixture(scope="session")
def pipeline_root(tmp_path_factory: pytest.TempPathFactory) -> PipelineRoot:
    """One small warehouse and serving copy for the serving, CLI and dashboard tests."""
    from datetime import date

    from orchestration.sample_data import generate

    built = PipelineRoot(tmp_path_factory.mktemp("published"))
    (built.root / "home").mkdir()
    generate(
        built.root / "landing",
        customers=200,
        days=120,
        seed=11,
        end_date=date.fromisoformat(PipelineRoot.END),
    )
    result = built.materialize()
    assert result.returncode == 0, result.stderr[-5000:]
    assert built.serving.is_file(), "the pipeline published no serving copy"
    return built
