"""Exact re-scoring with proposed metric shapes: the real dbt scoring, run on a copy of the
project and of the warehouse with the proposed `metric_scoring` / `metric_bands` seeds, for the
observation days only (`score_every_days`). The working warehouse is never written."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.calibration.observations import DIMENSIONS


def dbt_executable() -> Path:
    candidate = Path(sys.executable).parent / "dbt"
    return candidate if candidate.exists() else Path("dbt")


def rescore(
    project_root: Path,
    warehouse: Path,
    work_dir: Path,
    metric_scoring: pd.DataFrame,
    metric_bands: pd.DataFrame,
    first_day: date,
    last_day: date,
    every_days: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sub-scores (customer_id, score_date, `<dimension>_score`) and metric scores of the days
    from first to last, every `every_days`-th (from 1970-01-01), with the given metric seeds."""
    if work_dir.exists():
        shutil.rmtree(work_dir)
    work_dir.mkdir(parents=True)
    for name in ("dbt_project.yml", "profiles.yml", ".dbtignore"):
        shutil.copy(project_root / name, work_dir / name)
    for folder in ("dbt_project", "seeds"):
        shutil.copytree(
            project_root / folder,
            work_dir / folder,
            symlinks=True,
            ignore=shutil.ignore_patterns("proposed"),
        )
    metric_scoring.to_csv(work_dir / "seeds" / "metric_scoring.csv", index=False)
    metric_bands.to_csv(work_dir / "seeds" / "metric_bands.csv", index=False)
    copy = work_dir / "warehouse.duckdb"
    shutil.copy(warehouse, copy)
    dbt_vars = json.dumps(
        {
            "score_from_date": str(first_day),
            "as_of_date": str(last_day),
            "score_every_days": every_days,
            "max_score_days": (last_day - first_day).days + 1,
        }
    )
    # Every seed (they are small): the copy scores with exactly this checkout's seeds, plus the
    # proposed metric rules, whatever seeds the warehouse was last built with.
    _dbt(work_dir, copy, "seed", "--full-refresh")
    _dbt(
        work_dir,
        copy,
        "run",
        "--select",
        "int_score_dates+,+int_health__metric_history",
        "--vars",
        dbt_vars,
    )
    with duckdb.connect(str(copy), read_only=True) as con:
        sub_scores = None
        for dimension in DIMENSIONS:
            frame = con.execute(
                f"select customer_id, score_date, {dimension}_score"
                f" from intermediate.int_{dimension}__scores"
            ).df()
            sub_scores = (
                frame
                if sub_scores is None
                else sub_scores.merge(frame, on=["customer_id", "score_date"], how="outer")
            )
        metric_scores = con.execute(
            "select customer_id, score_date, metric_name, metric_score"
            " from intermediate.int_health__metric_history"
            " where score_date between ? and ?",
            [first_day, last_day],
        ).df()
    for frame in (sub_scores, metric_scores):
        frame["score_date"] = pd.to_datetime(frame["score_date"])
    return sub_scores, metric_scores


def _dbt(project: Path, warehouse: Path, *args: str) -> None:
    # A subprocess: dbt-duckdb keeps its connection open in-process, and its target folder and
    # logs stay inside the copy.
    result = subprocess.run(
        [
            str(dbt_executable()),
            *args,
            "--project-dir",
            str(project),
            "--profiles-dir",
            str(project),
            "--quiet",
        ],
        env=os.environ | {"CHS_WAREHOUSE_PATH": str(warehouse)},
        capture_output=True,
        text=True,
        cwd=project,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"dbt {args[0]} on the calibration copy in {project} failed:\n"
            + result.stdout[-3000:]
            + result.stderr[-3000:]
        )
