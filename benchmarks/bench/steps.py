"""One benchmark step: a child process, its wall time, its peak resident memory and the most disk
it took at once."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


class StepFailed(RuntimeError):
    """A step's process exited with an error; its log names what went wrong."""


@dataclass
class StepResult:
    name: str
    seconds: float
    # Largest resident set of the process or of any child it waited for (dbt under Dagster).
    max_rss_mib: float
    extra: dict[str, Any] = field(default_factory=dict)
    # The free disk where the step writes, at its lowest, and how far below the step's start it
    # fell: its warehouse, spill and landing at their largest (None when not watched).
    min_free_disk_gib: float | None = None
    disk_used_gib: float | None = None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


GIB = 1024**3


class DiskWatch:
    """Samples the free disk of `path`'s file system every `interval` seconds in a thread, from
    its start to its stop: the lowest free disk and the most taken below the start's."""

    def __init__(self, path: Path, interval: float = 2.0) -> None:
        self.path, self.interval = path, interval
        self.start_free = self.min_free = shutil.disk_usage(path).free
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def sample(self) -> None:
        self.min_free = min(self.min_free, shutil.disk_usage(self.path).free)

    def __enter__(self) -> DiskWatch:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()

    def figures(self) -> dict[str, float]:
        return {
            "min_free_disk_gib": round(self.min_free / GIB, 2),
            "disk_used_gib": round((self.start_free - self.min_free) / GIB, 2),
        }


def run_step(
    name: str,
    command: list[str],
    env: dict[str, str],
    cwd: Path,
    logs: Path,
    disk: Path | None = None,
    disk_interval: float = 2.0,
) -> StepResult:
    """Runs `command`, its output into `<logs>/<name>.log`; raises StepFailed on an error exit.
    With `disk`, the free disk of its file system is watched while the step runs."""
    logs.mkdir(parents=True, exist_ok=True)
    log = logs / f"{name}.log"
    watch = DiskWatch(disk, disk_interval) if disk is not None else None
    with log.open("w") as handle, watch or nullcontext():
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=handle, stderr=handle)
        # wait4 gives this child's own resource usage, not every child's since we started.
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        tail = "".join(log.read_text(errors="replace").splitlines(keepends=True)[-15:])
        disk_note = ""
        if watch is not None:
            figures = watch.figures()
            disk_note = (
                f"; free disk at its lowest {figures['min_free_disk_gib']:,.1f} GiB,"
                f" {figures['disk_used_gib']:,.1f} GiB below the step's start"
            )
        raise StepFailed(
            f"step {name} exited with {process.returncode} (log: {log}{disk_note}):\n{tail}"
        )
    # Linux reports ru_maxrss in KiB.
    return StepResult(
        name=name,
        seconds=round(seconds, 3),
        max_rss_mib=round(usage.ru_maxrss / 1024, 1),
        **(watch.figures() if watch is not None else {}),
    )


def _run_results(target: Path) -> list[dict]:
    """The results of a `run_results.json`, or of the one in a target folder."""
    path = target if target.suffix == ".json" else target / "run_results.json"
    return json.loads(path.read_text())["results"]


def dbt_model_seconds(target: Path) -> float:
    """Sum of the node times dbt reports in `run_results.json` (without dbt's own start-up)."""
    results = _run_results(target)
    return round(sum(result["execution_time"] for result in results), 3)


def dbt_node_seconds(target: Path) -> dict[str, float]:
    """Each model's time as dbt reports it in `run_results.json`, by model name."""
    results = _run_results(target)
    return {
        result["unique_id"].split(".")[-1]: round(result["execution_time"], 3)
        for result in results
        if result["unique_id"].startswith("model.")
    }
