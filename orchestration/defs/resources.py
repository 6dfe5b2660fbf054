"""Resources, configured in one place."""

from __future__ import annotations

import os

from dagster_dbt import DbtCliResource
from dagster_duckdb import DuckDBResource

from orchestration.duckdb_settings import apply_defaults, duckdb_config
from orchestration.project import data_dir, dbt_executable, dbt_project, warehouse_path

TARGET_ENV = "CHS_TARGET"
# CHS_TARGET names an engine; the value is its output in profiles.yml.
DBT_TARGETS = {"duckdb": "dev", "spark": "spark"}


def dbt_target() -> str:
    """The profiles.yml output dbt runs on: `CHS_TARGET=duckdb` (default) or `spark`."""
    engine = os.environ.get(TARGET_ENV, "").strip().lower() or "duckdb"
    if engine not in DBT_TARGETS:
        raise ValueError(
            f"{TARGET_ENV}={os.environ[TARGET_ENV]!r}: expected one of {', '.join(DBT_TARGETS)}"
        )
    return DBT_TARGETS[engine]


def build_resources() -> dict[str, object]:
    # dbt reads the warehouse path from the environment (profiles.yml), so both agree.
    os.environ["CHS_WAREHOUSE_PATH"] = str(warehouse_path())
    # ... and the memory limit and spill folder, which ingestion's connections use too.
    apply_defaults()
    target = dbt_target()
    if target == DBT_TARGETS["spark"]:
        # profiles.yml points Spark's temp folder here; the JVM does not create it. Steps run
        # one at a time (the in-process executor, one dbt thread): Derby takes one process.
        (data_dir() / "spark" / "tmp").mkdir(parents=True, exist_ok=True)
    return {
        "duckdb": DuckDBResource(database=str(warehouse_path()), connection_config=duckdb_config()),
        "dbt": DbtCliResource(
            project_dir=dbt_project(),
            dbt_executable=str(dbt_executable()),
            # No `--target` for profiles.yml's default output: `make pipeline` and `dagster dev`
            # parse without one, and dbt keys its partial-parse state on the target flag, so a
            # `--target dev` made each of the run's three dbt steps parse the whole project
            # again (about 8 s each on the default sample).
            target=None if target == DBT_TARGETS["duckdb"] else target,
        ),
    }
