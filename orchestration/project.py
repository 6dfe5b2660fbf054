"""Where things live: the repository, the warehouse file, the landing folder, the dbt project."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dagster_dbt import DbtProject


REPO_ROOT = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    return Path(os.environ.get("CHS_DATA_DIR", REPO_ROOT / "data")).resolve()


def warehouse_path() -> Path:
    """The working DuckDB file that ingestion and dbt write (`CHS_WAREHOUSE_PATH`)."""
    default = data_dir() / "warehouse.duckdb"
    return Path(os.environ.get("CHS_WAREHOUSE_PATH", default)).resolve()


def landing_dir() -> Path:
    """Folder with one sub-folder of landing files per source (`CHS_LANDING_DIR`)."""
    return Path(os.environ.get("CHS_LANDING_DIR", data_dir() / "landing")).resolve()


def dbt_executable() -> Path:
    """The `dbt` of this interpreter's environment: dagster-dbt would otherwise search PATH."""
    candidate = Path(sys.executable).parent / "dbt"
    return candidate if candidate.exists() else Path("dbt")


# Set to 1 by a caller that ran `dbt parse` just before loading the definitions (the Makefile).
DBT_PARSED_ENV = "CHS_DBT_PARSED"


def manifest_needs_parse(manifest_exists: bool, environ: Mapping[str, str]) -> bool:
    """Whether loading the definitions must run `dbt parse` first (see dbt_project)."""
    if not manifest_exists:
        return True
    return bool(environ.get("DAGSTER_IS_DEV_CLI")) and environ.get(DBT_PARSED_ENV) != "1"


@cache
def dbt_project() -> DbtProject:
    # Imported here: dagster_dbt takes seconds to import, and ingestion scripts do not need it.
    from dagster_dbt import DbtProject

    project = DbtProject(
        project_dir=REPO_ROOT,
        profiles_dir=REPO_ROOT,
        target_path=Path("target"),
    )
    # The manifest is built on first load (fresh clone) and whenever Dagster's command line loads
    # the code (`dagster dev`, and every `dg` command: dg sets DAGSTER_IS_DEV_CLI), so edits to
    # models show; except where the caller has just run `dbt parse` in the same environment and
    # says so (`make pipeline`): a second parse there cost about 7 s of every run's start.
    if manifest_needs_parse(project.manifest_path.exists(), os.environ):
        os.environ.setdefault("CHS_WAREHOUSE_PATH", str(warehouse_path()))
        parse_manifest(project)
    return project


def parse_manifest(project: DbtProject) -> None:
    """`dbt parse` with this environment's dbt: dagster-dbt's own preparer runs whatever `dbt`
    is on PATH, which is none under `make dev` on a fresh clone."""
    from dagster_dbt import DbtCliResource

    dbt = DbtCliResource(project_dir=project, dbt_executable=str(dbt_executable()))
    dbt.cli(["parse", "--quiet"], target_path=project.target_path).wait()
