"""A copy of the dbt project in a temporary folder, with its own warehouse file: for tests that
edit seeds or score days without touching the repository or each other's warehouses."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import duckdb

from orchestration.ingestion import load_source
from orchestration.ingestion.sources import SOURCES

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT = Path(sys.executable).parent / "dbt"


class DbtProjectCopy:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.warehouse = root / "warehouse.duckdb"

    @classmethod
    def of_repository(cls, root: Path) -> DbtProjectCopy:
        root.mkdir(parents=True, exist_ok=True)
        for name in ("dbt_project.yml", "profiles.yml", ".dbtignore"):
            shutil.copy(REPO_ROOT / name, root / name)
        for folder in ("dbt_project", "seeds"):
            # symlinks=True: the unit-test fixtures are links to the seed files.
            shutil.copytree(REPO_ROOT / folder, root / folder, symlinks=True)
        return cls(root)

    def clone(self, root: Path) -> DbtProjectCopy:
        """A copy of this project and its warehouse: cheaper than loading and seeding again."""
        shutil.copytree(
            self.root, root, symlinks=True, ignore=shutil.ignore_patterns("target", "logs")
        )
        return type(self)(root)

    def ingest(self, landing: Path) -> None:
        with duckdb.connect(str(self.warehouse)) as con:
            for source in SOURCES:
                load_source(con, source, landing)

    def dbt(self, *args: str) -> None:
        result = self.run_dbt(*args)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    def run_dbt(self, *args: str) -> subprocess.CompletedProcess[str]:
        # A subprocess, not dbtRunner: dbt-duckdb keeps its connection open in-process.
        return subprocess.run(
            [DBT, *args, "--project-dir", self.root, "--profiles-dir", self.root, "--quiet"],
            env=os.environ | {"CHS_WAREHOUSE_PATH": str(self.warehouse)},
            capture_output=True,
            text=True,
            timeout=600,
        )

    def query(self, sql: str, params: list[object] | None = None) -> list[tuple]:
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()


def pooled_backtest_auc(
    root: Path, customers: int, days: int, seed: int, profile: str = "default"
) -> dict[str, float]:
    """Pooled AUC per subject of the health_backtest mart, on a year generated with `profile`
    and scored every day in a copy of the project under `root`."""
    from orchestration.sample_data import DEFAULT_END_DATE, generate

    project = DbtProjectCopy.of_repository(root)
    generate(project.root / "landing", customers=customers, days=days, seed=seed, profile=profile)
    project.ingest(project.root / "landing")
    first_day = DEFAULT_END_DATE - timedelta(days=days - 1)
    scored = {"score_from_date": str(first_day), "as_of_date": str(DEFAULT_END_DATE)}
    project.dbt("seed")
    project.dbt("run", "--select", "+health_backtest", "--vars", json.dumps(scored))
    rows = project.query(
        "select subject, metric_value from health_backtest"
        " where analysis = 'auc' and score_date is null"
    )
    return {subject: auc for subject, auc in rows}
