"""The `slow` marker stays honest: a test that starts dbt, Dagster or a child process of the
pipeline without it fails, so `make test-fast` (`-m "not slow"`) never runs them."""

from __future__ import annotations

import pytest
from slow_guard import pipeline_program

INI = "[pytest]\nmarkers =\n    slow: runs the pipeline\n"


def test_an_unmarked_test_that_starts_python_fails_and_a_marked_one_passes(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeini(INI)
    pytester.makepyfile(
        """
        import subprocess
        import sys

        import pytest


        def test_unmarked():
            subprocess.run([sys.executable, "-c", "pass"], check=True)


        @pytest.mark.slow
        def test_marked():
            subprocess.run([sys.executable, "-c", "pass"], check=True)


        def test_a_program_outside_the_pipeline_is_allowed():
            subprocess.run(["true"], check=True)
        """
    )
    result = pytester.runpytest_inprocess("-p", "slow_guard")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*test_unmarked starts python* is not marked slow*"])


def test_an_unmarked_test_that_runs_dagster_in_process_fails(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI)
    pytester.makepyfile(
        """
        import dagster


        @dagster.asset
        def one() -> int:
            return 1


        def test_unmarked():
            dagster.materialize([one])
        """
    )
    result = pytester.runpytest_inprocess("-p", "slow_guard")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*test_unmarked runs Dagster in-process* is not marked slow*"])


@pytest.mark.parametrize(
    ("command", "program"),
    [
        (["/repo/.venv/bin/dbt", "build"], "dbt"),
        (["/repo/.venv/bin/dg", "launch"], "dg"),
        (["/repo/.venv/bin/dagster", "dev"], "dagster"),
        (["/usr/bin/python3.11", "-m", "orchestration.ingestion"], "python3.11"),
        ("dbt parse --quiet", "dbt"),
        (["git", "ls-files"], None),
        (["/usr/bin/chromium", "--headless"], None),
    ],
)
def test_pipeline_programs_are_told_from_other_programs(
    command: list[str] | str, program: str | None
) -> None:
    assert pipeline_program(command) == program
