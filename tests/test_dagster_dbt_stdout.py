"""dbt's stdout drained by a thread (orchestration/defs/assets/dbt_stdout.py): dbt never blocks
on a full pipe while Dagster stores the events of its earlier lines."""

from __future__ import annotations

import subprocess

from orchestration.defs.assets.dbt_stdout import DrainedStdout, drain_stdout

LINES = 100_000  # about 1.2 MB: twenty times what a pipe holds


def writer() -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        ["sh", "-c", f"""yes '{{"info": {{"level": "info"}}}}' | head -n {LINES}"""],
        stdout=subprocess.PIPE,
    )


def test_a_process_writing_more_than_a_pipe_holds_ends_before_anything_is_read() -> None:
    process = writer()
    drain_stdout(process)
    # Without the drain the writer blocks on the full pipe and this wait never ends (the timeout
    # only turns that hang into a failure).
    assert process.wait(timeout=300) == 0
    stdout = process.stdout
    assert isinstance(stdout, DrainedStdout)
    # Read the way dagster-dbt reads it: in a `with`, `for line in stdout or []`.
    with stdout:
        lines = list(stdout or [])
    assert len(lines) == LINES
    assert set(lines) == {b'{"info": {"level": "info"}}\n'}
    assert stdout.closed


def test_draining_twice_keeps_one_reader() -> None:
    process = writer()
    drain_stdout(process)
    first = process.stdout
    drain_stdout(process)
    assert process.stdout is first
    with first:  # ty: ignore[invalid-context-manager]
        assert sum(1 for _ in first) == LINES  # ty: ignore[not-iterable]
    process.wait()
