"""The run folders each dbt step leaves under target/ are pruned to the newest few."""

import os
import subprocess
from pathlib import Path

import pytest
from pipeline_root import REPO_ROOT, PipelineRoot

from orchestration.defs.assets.dbt_targets import (
    KEEP_TARGETS_DEFAULT,
    KEEP_TARGETS_ENV,
    keep_targets,
    prune_target_folders,
)


def _folder(root: Path, name: str, age: int) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "dbt.log").write_text("log")
    stamp = 1_700_000_000 - age * 60
    os.utime(folder, (stamp, stamp))
    return folder


def test_only_the_newest_folders_of_the_step_are_kept(tmp_path: Path) -> None:
    daily = [
        _folder(tmp_path, f"dbt_daily_scores-run{age:04d}-abc{age:04d}", age) for age in range(6)
    ]
    # Another step's folders, a look-alike name and the project's own files stay whatever their age.
    current = _folder(tmp_path, "dbt_current_marts-run0099-abc0099", 99)
    look_alike = _folder(tmp_path, "dbt_daily_scores_extra-run0099-abc0099", 99)
    (tmp_path / "manifest.json").write_text("{}")

    removed = prune_target_folders(tmp_path, "dbt_daily_scores", 2)

    assert sorted(removed) == sorted(daily[2:])
    assert [folder.exists() for folder in daily] == [True, True, False, False, False, False]
    assert current.exists() and look_alike.exists() and (tmp_path / "manifest.json").exists()
    # Running it again changes nothing.
    assert prune_target_folders(tmp_path, "dbt_daily_scores", 2) == []


def test_keep_zero_removes_every_folder_of_the_step_and_a_missing_root_is_fine(
    tmp_path: Path,
) -> None:
    old = _folder(tmp_path, "dbt_sources_and_facts-run0001-abc0001", 1)
    assert prune_target_folders(tmp_path, "dbt_sources_and_facts", 0) == [old]
    assert not old.exists()
    assert prune_target_folders(tmp_path / "missing", "dbt_sources_and_facts", 0) == []


def test_the_number_kept_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEEP_TARGETS_ENV, raising=False)
    assert keep_targets() == KEEP_TARGETS_DEFAULT
    monkeypatch.setenv(KEEP_TARGETS_ENV, "3")
    assert keep_targets() == 3
    monkeypatch.setenv(KEEP_TARGETS_ENV, "ten")
    with pytest.raises(ValueError, match=f"{KEEP_TARGETS_ENV}='ten'"):
        keep_targets()


@pytest.mark.slow
def test_a_dagster_run_keeps_only_the_newest_run_folders_of_its_steps(
    pipeline_root: PipelineRoot, tmp_path: Path
) -> None:
    runs = tmp_path / "dbt-runs"
    old = [_folder(runs, f"dbt_current_marts-old{n:04d}-abc{n:04d}", 10 + n) for n in range(3)]
    other_step = _folder(runs, "dbt_daily_scores-old0001-abc0001", 50)
    result = subprocess.run(
        pipeline_root.materialize_command(PipelineRoot.CURRENT_MARTS),
        cwd=REPO_ROOT,
        env=pipeline_root.env | {"DBT_TARGET_PATH": str(runs), KEEP_TARGETS_ENV: "2"},
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert result.returncode == 0, result.stderr[-5000:]
    kept = sorted(runs.glob("dbt_current_marts-*"))
    new = [folder for folder in kept if folder not in old]
    # This run's folder and the newest old one; the step that did not run keeps its folder.
    assert len(kept) == 2 and old[0] in kept
    assert len(new) == 1 and (new[0] / "run_results.json").is_file()
    assert other_step.exists()
