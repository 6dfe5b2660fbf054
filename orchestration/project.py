"""Where things live: the repository, the warehouse file, the landing folder, the dbt project."""

from __future__ import annotations

import os
import subprocess
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


# `dbt parse` started by start_manifest_parse, waited for by dbt_project().
_background_parse: subprocess.Popen[bytes] | None = None


def start_manifest_parse(environ: Mapping[str, str] = os.environ) -> bool:
    """Starts `dbt parse` in the background when loading the definitions will need one
    (`manifest_needs_parse`), so that it runs while Dagster and dagster-dbt are imported (about
    3 s of the 3.7 s a parse takes on the default sample) instead of before. Called first thing
    by `orchestration.definitions`, and by dbt_project(), which waits for it. Returns whether it
    started one."""
    global _background_parse
    manifest = REPO_ROOT / "target" / "manifest.json"
    if _background_parse is not None or not manifest_needs_parse(manifest.exists(), environ):
        return False
    env = dict(environ)
    env.setdefault("CHS_WAREHOUSE_PATH", str(warehouse_path()))
    # The same command as a hand-run `dbt parse` (no --target: dbt keeps its partial-parse
    # state only when the flags match those of the steps' builds, which pass none on DuckDB).
    _background_parse = subprocess.Popen(
        [str(dbt_executable()), "parse", "--quiet"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    return True


def wait_for_manifest_parse() -> bool:
    """Waits for the parse start_manifest_parse started, if any; a failed parse raises with
    dbt's output (the model or YAML file it could not read). Returns whether it waited."""
    global _background_parse
    if _background_parse is None:
        return False
    process, _background_parse = _background_parse, None
    output, _ = process.communicate()
    if process.returncode != 0:
        raise RuntimeError(
            f"`dbt parse` failed (exit code {process.returncode}) in {REPO_ROOT}:\n"
            + output.decode(errors="replace")
        )
    return True


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
    # says so (CHS_DBT_PARSED=1). `orchestration.definitions` starts that parse before importing
    # Dagster; a loader that did not starts it here. Either way this waits for it.
    start_manifest_parse()
    wait_for_manifest_parse()
    return project
