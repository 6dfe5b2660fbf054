"""One benchmark step: a child process, its wall time and its peak resident memory."""

from __future__ import annotations

import json
import os
import subprocess
import time
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

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def run_step(
    name: str, command: list[str], env: dict[str, str], cwd: Path, logs: Path
) -> StepResult:
    """Runs `command`, its output into `<logs>/<name>.log`; raises StepFailed on an error exit."""
    logs.mkdir(parents=True, exist_ok=True)
    log = logs / f"{name}.log"
    with log.open("w") as handle:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=handle, stderr=handle)
        # wait4 gives this child's own resource usage, not every child's since we started.
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        tail = "".join(log.read_text(errors="replace").splitlines(keepends=True)[-15:])
        raise StepFailed(f"step {name} exited with {process.returncode} (log: {log}):\n{tail}")
    # Linux reports ru_maxrss in KiB.
    return StepResult(
        name=name, seconds=round(seconds, 3), max_rss_mib=round(usage.ru_maxrss / 1024, 1)
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
