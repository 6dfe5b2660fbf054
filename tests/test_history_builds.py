"""A long range of score days split into builds that fit in memory (orchestration/history.py).
That the pieces give the same rows as one build is tested on dbt in tests/test_history.py."""

from __future__ import annotations

import stat
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from orchestration import history

YEAR = (date(2025, 10, 1), date(2026, 9, 30))


def _check_consecutive(ranges: list[tuple[date, date]], first: date, last: date) -> None:
    assert ranges[0][0] == first and ranges[-1][1] == last
    for (_, end), (start, _) in zip(ranges, ranges[1:], strict=False):
        assert start == end + timedelta(days=1)
    assert all(start <= end for start, end in ranges)


@pytest.mark.parametrize(
    ("customers", "builds", "lengths"),
    [
        (2_000, 1, {365}),  # the default sample: the whole year in one build
        (100_000, 4, {91, 92}),  # even pieces, not three of 100 days and one of 65
        (1_000_000, 37, {9, 10}),
        (0, 1, {365}),  # before the first load
    ],
)
def test_a_year_is_split_by_the_customer_days_budget(
    monkeypatch: pytest.MonkeyPatch, customers: int, builds: int, lengths: set[int]
) -> None:
    monkeypatch.delenv(history.BUDGET_ENV, raising=False)
    # A memory limit that leaves the budget at its most (a customer-day per 1,200 bytes).
    monkeypatch.setenv("CHS_DUCKDB_MEMORY_LIMIT", "16GB")
    ranges = history.day_ranges(*YEAR, customers)
    assert len(ranges) == builds
    assert {(end - start).days + 1 for start, end in ranges} == lengths
    _check_consecutive(ranges, *YEAR)
    assert all(
        ((end - start).days + 1) * customers <= history.DEFAULT_BUDGET for start, end in ranges
    )


@pytest.mark.parametrize(
    ("memory_limit", "budget"),
    [
        ("3GB", 2_500_000),
        ("1.2 MB", 1_000),
        ("1KB", 1),  # never no day at all
        ("64GiB", history.DEFAULT_BUDGET),  # at most the default
        ("a lot", history.DEFAULT_BUDGET),  # a text only DuckDB reads (or rejects)
    ],
)
def test_the_budget_follows_the_memory_limit_when_unset(
    monkeypatch: pytest.MonkeyPatch, memory_limit: str, budget: int
) -> None:
    monkeypatch.delenv(history.BUDGET_ENV, raising=False)
    monkeypatch.setenv("CHS_DUCKDB_MEMORY_LIMIT", memory_limit)
    assert history.customer_days_budget() == budget
    # Set, the budget wins over the limit.
    monkeypatch.setenv(history.BUDGET_ENV, "4_000_000")
    assert history.customer_days_budget() == 4_000_000


def test_a_year_at_100k_customers_under_3gb_takes_builds_of_25_days(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(history.BUDGET_ENV, raising=False)
    monkeypatch.setenv("CHS_DUCKDB_MEMORY_LIMIT", "3GB")
    ranges = history.day_ranges(*YEAR, 100_000)
    assert len(ranges) == 15
    assert {(end - start).days + 1 for start, end in ranges} == {24, 25}
    _check_consecutive(ranges, *YEAR)


def test_the_budget_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(history.BUDGET_ENV, "1_000")
    ranges = history.day_ranges(date(2026, 6, 1), date(2026, 6, 30), 100)
    assert [(end - start).days + 1 for start, end in ranges] == [10, 10, 10]
    # More customers than the budget: still a day per build, never none.
    ranges = history.day_ranges(date(2026, 6, 1), date(2026, 6, 3), 5_000)
    assert ranges == [(date(2026, 6, day), date(2026, 6, day)) for day in (1, 2, 3)]
    for bad in ("ten", "0", "-5"):
        monkeypatch.setenv(history.BUDGET_ENV, bad)
        with pytest.raises(ValueError, match=history.BUDGET_ENV):
            history.day_ranges(date(2026, 6, 1), date(2026, 6, 3), 10)
    monkeypatch.delenv(history.BUDGET_ENV)
    with pytest.raises(ValueError, match="before the first"):
        history.day_ranges(date(2026, 6, 3), date(2026, 6, 1), 10)


def test_customers_are_counted_in_the_warehouse(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    assert history.customers_in(warehouse) == 0
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema staging")
    assert history.customers_in(warehouse) == 0
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create table staging.stg_crm__customers as select range as id from range(42)")
    assert history.customers_in(warehouse) == 42


def _fake_dbt(tmp_path: Path, fail_on: str | None = None) -> Path:
    """A `dbt` that records its arguments and days, writes a run_results.json and a statement
    (target/run and target/compiled) into its --target-path, and fails on the build starting
    on `fail_on`."""
    script = tmp_path / "dbt-stand-in"
    calls = tmp_path / "calls.txt"
    script.write_text(
        "#!/bin/sh\n"
        f'echo "$CHS_SCORE_FROM_DATE $CHS_AS_OF_DATE $*" >> {calls}\n'
        'target=target; prev=""\n'
        'for arg in "$@"; do [ "$prev" = "--target-path" ] && target="$arg"; prev="$arg"; done\n'
        'mkdir -p "$target"\n'
        'echo "{\\"results\\": [], \\"from\\": \\"$CHS_SCORE_FROM_DATE\\"}"'
        ' > "$target/run_results.json"\n'
        'mkdir -p "$target/run/m" "$target/compiled/m"\n'
        'echo "insert -- $CHS_SCORE_FROM_DATE" > "$target/run/m/model.sql"\n'
        'echo "select -- $CHS_SCORE_FROM_DATE" > "$target/compiled/m/model.sql"\n'
        f'[ "$CHS_SCORE_FROM_DATE" = "{fail_on}" ] && exit 2\n'
        "exit 0\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


def test_each_piece_is_built_in_order_and_a_failure_stops_the_rest(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(history.BUDGET_ENV, "30")
    dbt = _fake_dbt(tmp_path)
    target = tmp_path / "target"
    ranges = history.build_history(
        date(2026, 6, 1),
        date(2026, 6, 7),
        ["run", "--select", "x", "--target-path", str(target)],
        customers=10,
        full_refresh=True,
        dbt=dbt,
        results=tmp_path / "results",
    )
    assert ranges == [
        (date(2026, 6, 1), date(2026, 6, 3)),
        (date(2026, 6, 4), date(2026, 6, 5)),
        (date(2026, 6, 6), date(2026, 6, 7)),
    ]
    calls = (tmp_path / "calls.txt").read_text().splitlines()
    assert calls == [
        f"2026-06-01 2026-06-03 run --select x --target-path {target} --full-refresh",
        f"2026-06-04 2026-06-05 run --select x --target-path {target}",
        f"2026-06-06 2026-06-07 run --select x --target-path {target}",
    ]
    kept = sorted(path.name for path in (tmp_path / "results").iterdir() if path.is_file())
    assert kept == ["run_results-1.json", "run_results-2.json", "run_results-3.json"]
    assert '"from": "2026-06-04"' in (tmp_path / "results" / "run_results-2.json").read_text()
    # Each build's statements too, before the next build overwrote them (the bench replays them).
    for number, first in enumerate(["2026-06-01", "2026-06-04", "2026-06-06"], start=1):
        for folder, verb in (("run", "insert"), ("compiled", "select")):
            statement = tmp_path / "results" / f"{folder}-{number}" / "m" / "model.sql"
            assert statement.read_text().strip() == f"{verb} -- {first}"

    (tmp_path / "calls.txt").unlink()
    failing = _fake_dbt(tmp_path, fail_on="2026-06-04")
    with pytest.raises(Exception, match="for the days 2026-06-04 to 2026-06-05"):
        history.build_history(
            date(2026, 6, 1), date(2026, 6, 7), ["run"], customers=10, dbt=failing
        )
    assert len((tmp_path / "calls.txt").read_text().splitlines()) == 2


def test_the_command_line_says_which_days_failed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    failing = _fake_dbt(tmp_path, fail_on="2026-06-01")
    monkeypatch.setattr(history, "build_history", _with_dbt(history.build_history, failing))
    monkeypatch.chdir(tmp_path)
    assert history.main(["2026-06-01", "2026-06-02", "--customers", "5"]) == 1
    err = capsys.readouterr().err
    assert "failed" in err and "2026-06-01 to 2026-06-02" in err
    # Without dbt arguments it builds the daily chain as the Dagster daily step does.
    call = (tmp_path / "calls.txt").read_text().split()
    assert call[2:] == [*history.PIPELINE_BUILD, "--select", *history.DAILY_SELECT.split()]
    monkeypatch.setenv(history.BUDGET_ENV, "none")
    assert history.main(["2026-06-01", "2026-06-02", "--customers", "5"]) == 1
    assert history.BUDGET_ENV in capsys.readouterr().err


def _with_dbt(build, dbt: Path):
    def build_with(*args, **kwargs):
        return build(*args, **kwargs, dbt=dbt)

    return build_with


def test_later_pieces_can_leave_out_what_reads_no_score_day(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`--upstream-once`: the first build runs the selection whole, the later ones only the
    models downstream of int_score_dates within it (each term of the selection narrowed)."""
    monkeypatch.setenv(history.BUDGET_ENV, "30")
    monkeypatch.chdir(tmp_path)  # the stand-in writes into its --target-path
    dbt = _fake_dbt(tmp_path)
    history.build_history(
        date(2026, 6, 1),
        date(2026, 6, 5),
        ["run", "--select", "+customer_health_daily +other", "--target-path", "t"],
        customers=10,
        full_refresh=True,
        dbt=dbt,
        upstream_once=True,
    )
    calls = (tmp_path / "calls.txt").read_text().splitlines()
    assert calls == [
        "2026-06-01 2026-06-03 run --select +customer_health_daily +other --target-path t"
        " --full-refresh",
        "2026-06-04 2026-06-05 run --select int_score_dates+,+customer_health_daily"
        " int_score_dates+,+other --target-path t",
    ]
    assert history.score_dated(["build", "-s", "a"]) == ["build", "-s", "int_score_dates+,a"]
    with pytest.raises(ValueError, match="no --select"):
        history.score_dated(["run"])


def test_the_command_line_passes_upstream_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(history.BUDGET_ENV, "5")  # a day per build at 5 customers
    dbt = _fake_dbt(tmp_path)
    monkeypatch.setattr(history, "build_history", _with_dbt(history.build_history, dbt))
    monkeypatch.chdir(tmp_path)
    argv = ["2026-06-01", "2026-06-02", "--customers", "5", "--upstream-once"]
    assert history.main([*argv, "--", "run", "--select", "+x"]) == 0
    calls = (tmp_path / "calls.txt").read_text().splitlines()
    assert calls == [
        "2026-06-01 2026-06-01 run --select +x",
        "2026-06-02 2026-06-02 run --select int_score_dates+,+x",
    ]
