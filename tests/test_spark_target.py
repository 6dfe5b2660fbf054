"""The Spark target: CHS_TARGET picks dbt's output in Dagster, and the Spark profile keeps every
file it writes inside the data folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from orchestration.defs import resources
from orchestration.defs.resources import build_resources, dbt_target

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def project_without_manifest(monkeypatch: pytest.MonkeyPatch) -> None:
    """The dbt project as a folder: the resource needs no manifest (no `dbt parse`) here."""
    monkeypatch.setattr(resources, "dbt_project", lambda: str(REPO_ROOT))


def test_chs_target_spark_makes_dagster_run_dbt_on_the_spark_output(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHS_TARGET", "spark")
    dbt = build_resources()["dbt"]
    assert dbt.target == "spark"
    assert (data_dir / "spark" / "tmp").is_dir()


def test_dagster_runs_dbt_on_duckdb_without_chs_target(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CHS_TARGET", raising=False)
    # No --target: profiles.yml's default output, dev (tests/test_hardening.py says why).
    assert build_resources()["dbt"].target is None
    profile = yaml.safe_load((REPO_ROOT / "profiles.yml").read_text())
    assert profile["customer_health"]["target"] == "dev"
    monkeypatch.setenv("CHS_TARGET", "DuckDB")
    assert dbt_target() == "dev"


def test_unknown_chs_target_is_refused_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHS_TARGET", "snowflake")
    with pytest.raises(ValueError, match="CHS_TARGET='snowflake'.*duckdb, spark"):
        dbt_target()


def rendered_output(name: str) -> dict[str, object]:
    """An output of profiles.yml as dbt renders it in this environment."""
    from dbt.config.renderer import ProfileRenderer
    from dbt_common.context import set_invocation_context

    set_invocation_context(os.environ)
    raw = yaml.safe_load((REPO_ROOT / "profiles.yml").read_text())
    return ProfileRenderer({}).render_data(raw)["customer_health"]["outputs"][name]


def test_spark_profile_writes_warehouse_metastore_and_scratch_inside_the_data_folder(
    data_dir: Path,
) -> None:
    spark = rendered_output("spark")
    assert (spark["type"], spark["method"], spark["threads"]) == ("spark", "session", 1)
    parameters = spark["server_side_parameters"]
    assert parameters["spark.master"] == "local[2]"
    assert parameters["spark.sql.session.timeZone"] == "UTC"
    paths = {
        key: value
        for key, value in parameters.items()
        if key.endswith(("dir", "Dir", "ConnectionURL", "location", "extraJavaOptions"))
    }
    assert {"spark.sql.warehouse.dir", "spark.local.dir", "spark.driver.extraJavaOptions"} <= set(
        paths
    )
    for key, value in paths.items():
        for word in str(value).replace(";", " ").replace("=", " ").split():
            if "/" in word:
                assert Path(word).resolve().is_relative_to(data_dir), f"{key}: {word}"
