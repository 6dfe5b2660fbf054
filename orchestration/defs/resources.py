"""Resources, configured in one place."""

from __future__ import annotations

import os
from functools import cached_property
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Any

from dagster_dbt import DbtCliResource
from dagster_duckdb import DuckDBResource
from packaging import version

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


class PipelineDbtCliResource(DbtCliResource):
    """dagster-dbt's dbt resource without two pieces of start-up these assets do not use:

    - `dbt --version` in a child process, once per run (about 2 s here): when the dbt is this
      environment's own, its version is the installed dbt-core's;
    - a dbt adapter opened in Dagster's process before each dbt command (the profile, the project
      and dbt's macros loaded again: about a second a step). dagster-dbt uses it only to fetch
      row counts and column metadata (`.fetch_row_counts()`, `.fetch_column_metadata()`), which
      these assets do not ask for; an asset that does gets dagster-dbt's warning that there is
      no adapter, as on dbt's Fusion engine.
    """

    @cached_property
    def _cli_version(self) -> version.Version:
        if Path(self.dbt_executable) == dbt_executable() and dbt_executable().is_absolute():
            return version.parse(installed_version("dbt-core"))
        return DbtCliResource._cli_version.func(self)  # ty: ignore[unresolved-attribute]

    def _initialize_dbt_core_adapter(self, args: Any) -> Any:
        return None


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
        "dbt": PipelineDbtCliResource(
            project_dir=dbt_project(),
            dbt_executable=str(dbt_executable()),
            # No `--target` for profiles.yml's default output: `make pipeline` and `dagster dev`
            # parse without one, and dbt keys its partial-parse state on the target flag, so a
            # `--target dev` made each of the run's three dbt steps parse the whole project
            # again (about 8 s each on the default sample).
            target=None if target == DBT_TARGETS["duckdb"] else target,
        ),
    }
