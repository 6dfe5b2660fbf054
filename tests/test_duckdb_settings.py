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
    """profiles.yml's DuckDB connection options as dbt renders them in this environment."""
    from dbt.config.renderer import ProfileRenderer
    from dbt_common.context import set_invocation_context

    set_invocation_context(os.environ)
    raw = yaml.safe_load((REPO_ROOT / "profiles.yml").read_text())
    dev = ProfileRenderer({}).render_data(raw)["customer_health"]["outputs"]["dev"]
    # Set once when the database opens, never again per cursor (see the spill test below).
    assert not {"memory_limit", "temp_directory"} & set(dev.get("settings") or {})
    return dev["config_options"]


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


SPILL_PROJECT = """name: spill_check
version: "1.0"
profile: customer_health
model-paths: ["models"]
models:
  spill_check:
    +materialized: table
"""
# Five million groups do not fit in 200 MB: the aggregate spills to the temp folder.
SPILLING_MODEL = (
    "select i % 5000000 as k, count(*) as n, sum(i) as s from range(20000000) as r (i) group by k"
)
NEXT_MODEL = "select count(*) as groups, sum(n) as rows_read from {{ ref('spilling') }}"


@pytest.mark.slow
def test_a_dbt_run_goes_on_after_a_model_spilled(tmp_path: Path, unset: pytest.MonkeyPatch) -> None:
    """With the project's own profile, a model that spills under a small memory limit and a model
    after it both build. dbt-duckdb opens a cursor per model; when the spill folder was one of
    the `settings` it SET on each cursor, the second model failed with "Cannot switch temporary
    directory after the current one has been used" (a 100,000-customer backfill under 3 GB)."""
    import subprocess
    import sys

    (tmp_path / "models").mkdir()
    (tmp_path / "dbt_project.yml").write_text(SPILL_PROJECT)
    (tmp_path / "models" / "spilling.sql").write_text(SPILLING_MODEL)
    (tmp_path / "models" / "after_spill.sql").write_text(NEXT_MODEL)
    warehouse = tmp_path / "warehouse.duckdb"
    env = {
        **os.environ,
        "CHS_WAREHOUSE_PATH": str(warehouse),
        "CHS_DUCKDB_MEMORY_LIMIT": "200MB",
        "CHS_DUCKDB_TEMP_DIR": str(tmp_path / "spill"),
        "DBT_PROFILES_DIR": str(REPO_ROOT),
    }
    dbt = Path(sys.executable).parent / "dbt"
    result = subprocess.run(
        [str(dbt), "run", "--threads", "1"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select * from main.after_spill").fetchone() == (5_000_000, 20_000_000)


def _duckdb_bytes(shown: str) -> tuple[float, float]:
    """The bytes DuckDB's display of a size (`2.7 GiB`, `512.0 MiB`) may stand for: it cuts the
    size to one decimal of its unit (1500MB, 1.397 GiB, shows as `1.3 GiB`)."""
    number, unit = shown.split()
    scale = 1024 ** ["bytes", "KiB", "MiB", "GiB", "TiB"].index(unit)
    return float(number) * scale, (float(number) + 0.1) * scale


@pytest.mark.parametrize("text", ["3GB", "2GiB", "512 MiB", "1500MB", "60%", "25 %"])
def test_the_memory_limit_in_bytes_is_duckdbs(unset: pytest.MonkeyPatch, text: str) -> None:
    """The budget of a long history's builds is taken from the limit in bytes: it must mean
    what DuckDB makes of the same text (KB a thousand bytes, KiB 1,024, % a share of RAM)."""
    unset.setenv("CHS_DUCKDB_MEMORY_LIMIT", text)
    with duckdb.connect(config={"memory_limit": text}) as con:
        shown = con.execute("select current_setting('memory_limit')").fetchone()[0]
    low, high = _duckdb_bytes(shown)
    assert low <= duckdb_settings.memory_limit_bytes() < high


def test_a_memory_limit_it_cannot_read_has_no_size(unset: pytest.MonkeyPatch) -> None:
    for text in ("lots", "3 parsecs", "GB"):
        unset.setenv("CHS_DUCKDB_MEMORY_LIMIT", text)
        assert duckdb_settings.memory_limit_bytes() is None
