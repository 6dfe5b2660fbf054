"""The run folders dagster-dbt leaves under target/, pruned to the newest few of each step."""

import os
import shutil
from pathlib import Path

# Each dbt step writes a folder of its own under target/ (`<step>-<run>-<id>`: compiled SQL,
# run_results.json, the debug dbt.log), about 10 MB a step on the default sample and more on a
# large warehouse; a daily schedule would fill the disk in months. Only the newest few of each step
# are kept (the failed run's included, for reading): CHS_DBT_KEEP_TARGETS, 0 for all.
KEEP_TARGETS_ENV = "CHS_DBT_KEEP_TARGETS"
KEEP_TARGETS_DEFAULT = 10


def prune_target_folders(target_root: Path, step: str, keep: int) -> list[Path]:
    """Delete all but the `keep` newest `<step>-*` run folders under `target_root`; return the
    deleted ones."""
    if not target_root.is_dir():
        return []
    # The step's folders only: `dbt_daily_scores-...`, never `dbt_daily_scores_x-...`.
    folders = [
        folder
        for folder in target_root.glob(f"{step}-*")
        if folder.is_dir() and folder.name.count("-") == step.count("-") + 2
    ]
    folders.sort(key=lambda folder: folder.stat().st_mtime, reverse=True)
    for folder in folders[keep:]:
        shutil.rmtree(folder, ignore_errors=True)
    return folders[keep:]


def keep_targets() -> int:
    raw = os.environ.get(KEEP_TARGETS_ENV, "").strip()
    if not raw:
        return KEEP_TARGETS_DEFAULT
    try:
        return int(raw)
    except ValueError:
        raise ValueError(
            f"{KEEP_TARGETS_ENV}={raw!r}: expected a whole number of run folders to keep "
            "(0 keeps them all)"
        ) from None
