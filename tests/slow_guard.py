"""A pytest plugin that keeps the `slow` marker honest: a test that is not marked `slow` may not
start a program of the pipeline (dbt, Dagster, Streamlit, or Python running a module or script
of ours) nor run Dagster in-process. Such a test fails at once, naming what it started, so
`make test-fast` (`-m "not slow"`) can never quietly run dbt or Dagster.

Loaded by conftest.py (`pytest_plugins`). Subprocesses are seen through Python's audit hook
`subprocess.Popen`, which every way of starting one goes through (`subprocess.run`, `Popen`,
`check_output`); Dagster runs in-process through `JobDefinition.execute_in_process`, which
`dagster.materialize` calls.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

# Programs a test may only start when it is marked slow; any Python interpreter counts, since
# the tests start Python only to run the pipeline's modules in a child process.
PIPELINE_PROGRAMS = frozenset(
    {"dbt", "dagster", "dg", "dagster-webserver", "dagster-daemon", "streamlit"}
)
MESSAGE = (
    "{nodeid} {what} but is not marked slow: mark it `@pytest.mark.slow` (or the module with "
    "`pytestmark = pytest.mark.slow`) so that `make test-fast` leaves it out"
)

# The test items running now, innermost last (a test may run a pytest session of its own).
_running: list[tuple[str, bool]] = []
_installed = False


class UnmarkedSlowTest(RuntimeError):
    """A test not marked slow started dbt, Dagster or another program of the pipeline."""


def pipeline_program(args: Any) -> str | None:
    """The name of the pipeline program a command line starts, or None."""
    if isinstance(args, (str, bytes, os.PathLike)):
        first = os.fsdecode(args).split()[0] if os.fsdecode(args).strip() else ""
    else:
        argv = list(args or [])
        first = os.fsdecode(argv[0]) if argv else ""
    program = Path(first).name
    if program in PIPELINE_PROGRAMS or program.startswith("python"):
        return program
    return None


def _check(what: str) -> None:
    if _running and not _running[-1][1]:
        raise UnmarkedSlowTest(MESSAGE.format(nodeid=_running[-1][0], what=what))


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event == "subprocess.Popen" and _running and not _running[-1][1]:
        program = pipeline_program(args[1] if args[1] is not None else args[0])
        if program:
            _check(f"starts {program}")


def _install() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    sys.addaudithook(_audit)
    try:
        from dagster import JobDefinition
    except ImportError:  # pragma: no cover - dagster is a dependency of the project
        return
    original = JobDefinition.execute_in_process

    def guarded(self: Any, *args: Any, **kwargs: Any) -> Any:
        _check("runs Dagster in-process")
        return original(self, *args, **kwargs)

    JobDefinition.execute_in_process = guarded  # type: ignore[method-assign]


def pytest_configure(config: pytest.Config) -> None:
    _install()


@contextmanager
def _guarded(item: pytest.Item) -> Iterator[None]:
    _running.append((item.nodeid, item.get_closest_marker("slow") is not None))
    try:
        yield
    finally:
        _running.pop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    # Setup too: a session fixture such as `pipeline_root` runs the pipeline for its first user.
    with _guarded(item):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    with _guarded(item):
        return (yield)
