"""DuckDB's memory limit and spill folder reach every heavy connection and dbt's profile."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest
import yaml

from orchestration import duckdb_settings
from orchestration.duckdb_settings import connect

REPO_ROOT = Path(__file__).resolve().parent.parent
VARIABLES = ("CHS_DUCKDB_MEMORY_LIMIT", "CHS_DUCKDB_TEMP_DIR")


@pytest.fixture
def unset(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Both variables unset, and restored after the test even when the code sets them."""
    for name in VARIABLES:
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    return monkeypatch


def settings_of(con: duckdb.DuckDBPyConnection) -> tuple[str, str]:
    return con.execute(
        "select current_setting('memory_limit'), current_setting('temp_directory')"
    ).fetchone()


def test_connection_takes_memory_limit_and_spill_folder_from_the_environment(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spill = data_dir / "spill"
    monkeypatch.setenv("CHS_DUCKDB_MEMORY_LIMIT", "512MiB")
    monkeypatch.setenv("CHS_DUCKDB_TEMP_DIR", str(spill))
    with connect(data_dir / "warehouse.duckdb") as con:
        limit, temp = settings_of(con)
    assert limit == "512.0 MiB"
    assert Path(temp) == spill
    assert spill.is_dir()


def test_defaults_are_a_share_of_ram_and_a_folder_inside_the_data_folder(
    data_dir: Path, unset: pytest.MonkeyPatch
) -> None:
    with duckdb.connect() as reference:
        reference.execute("set memory_limit = '60%'")
        sixty_percent = reference.execute("select current_setting('memory_limit')").fetchone()[0]
    with connect(data_dir / "warehouse.duckdb") as con:
        limit, temp = settings_of(con)
    assert limit == sixty_percent
    assert Path(temp) == data_dir / "tmp"


def test_apply_defaults_exports_the_settings_for_dbt_started_from_python(
    data_dir: Path, unset: pytest.MonkeyPatch
) -> None:
    duckdb_settings.apply_defaults()
    assert os.environ["CHS_DUCKDB_MEMORY_LIMIT"] == "60%"
    assert Path(os.environ["CHS_DUCKDB_TEMP_DIR"]) == data_dir / "tmp"


def test_dagster_duckdb_resource_connects_with_the_limit(
    data_dir: Path, unset: pytest.MonkeyPatch
) -> None:
    unset.setenv("CHS_DUCKDB_MEMORY_LIMIT", "256MiB")
    from orchestration.defs.resources import build_resources

    resource = build_resources()["duckdb"]
    with resource.get_connection() as con:
        limit, temp = settings_of(con)
    assert limit == "256.0 MiB"
    assert Path(temp) == data_dir / "tmp"


def rendered_profile_settings() -> dict[str, str]:
    """profiles.yml's DuckDB settings as dbt renders them in this environment."""
    from dbt.config.renderer import ProfileRenderer
    from dbt_common.context import set_invocation_context

    set_invocation_context(os.environ)
    raw = yaml.safe_load((REPO_ROOT / "profiles.yml").read_text())
    return ProfileRenderer({}).render_data(raw)["customer_health"]["outputs"]["dev"]["settings"]


def test_dbt_profile_sets_the_limit_and_spill_folder_from_the_same_variables(
    data_dir: Path, unset: pytest.MonkeyPatch
) -> None:
    unset.setenv("CHS_DUCKDB_MEMORY_LIMIT", "3GB")
    unset.setenv("CHS_DUCKDB_TEMP_DIR", str(data_dir / "spill"))
    settings = rendered_profile_settings()
    assert settings["memory_limit"] == "3GB"
    assert settings["temp_directory"] == str(data_dir / "spill")
    unset.delenv("CHS_DUCKDB_MEMORY_LIMIT")
    unset.delenv("CHS_DUCKDB_TEMP_DIR")
    settings = rendered_profile_settings()
    assert settings["memory_limit"] == "60%"
    assert settings["temp_directory"] == f"{data_dir}/tmp"
