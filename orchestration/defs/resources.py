"""Resources, configured in one place."""

from __future__ import annotations

import os

from dagster_dbt import DbtCliResource
from dagster_duckdb import DuckDBResource

from orchestration.duckdb_settings import apply_defaults, duckdb_config
from orchestration.project import dbt_executable, dbt_project, warehouse_path


def build_resources() -> dict[str, object]:
    # dbt reads the warehouse path from the environment (profiles.yml), so both agree.
    os.environ["CHS_WAREHOUSE_PATH"] = str(warehouse_path())
    # ... and the memory limit and spill folder, which ingestion's connections use too.
    apply_defaults()
    return {
        "duckdb": DuckDBResource(database=str(warehouse_path()), connection_config=duckdb_config()),
        "dbt": DbtCliResource(
            project_dir=dbt_project(),
            dbt_executable=str(dbt_executable()),
        ),
    }
