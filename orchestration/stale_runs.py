"""Marks runs whose process has died as failed, so a killed run does not stay "in progress".

Dagster's run monitoring (on in `.dagster_home/dagster.yaml`) asks the run launcher whether a
run's worker is alive, but the default launcher cannot tell, and `dagster asset materialize`
runs are launched by no launcher at all. Every Dagster event carries the pid of the process that
wrote it; a run in progress whose last writer is gone from this machine died. `make pipeline`
and `make dev` sweep before they start: `python -m orchestration.stale_runs`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

IN_PROGRESS = [DagsterRunStatus.STARTING, DagsterRunStatus.STARTED, DagsterRunStatus.CANCELING]


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    cmdline = Path(f"/proc/{pid}/cmdline")
    # A reused pid that is not a Python process is not our run.
    return not cmdline.exists() or b"python" in cmdline.read_bytes()


def last_pid(instance: DagsterInstance, run_id: str) -> int | None:
    for record in reversed(instance.all_logs(run_id)):
        event = record.dagster_event
        if event is not None and event.pid is not None:
            return event.pid
    return None


def mark_dead_runs_failed(instance: DagsterInstance) -> list[str]:
    """Reports every in-progress run whose process is gone as failed; returns their ids."""
    failed: list[str] = []
    for run in instance.get_runs(filters=RunsFilter(statuses=IN_PROGRESS)):
        pid = last_pid(instance, run.run_id)
        if pid is None or process_alive(pid):
            continue
        instance.report_run_failed(
            run, f"The run's process (pid {pid}) is gone: killed or the machine restarted."
        )
        failed.append(run.run_id)
    return failed


def main() -> int:
    with DagsterInstance.get() as instance:
        for run_id in mark_dead_runs_failed(instance):
            print(f"marked run {run_id} failed: its process is gone")
    return 0


if __name__ == "__main__":
    sys.exit(main())
