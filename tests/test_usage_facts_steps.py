"""The usage facts' build over a long landing, planned in steps of days
(orchestration/usage_facts.py). That the steps give the facts of one build is tested on dbt in
tests/test_history.py."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from orchestration import usage_facts


def _day(n: int) -> date:
    return date(2026, 6, n)


def test_days_are_grouped_up_to_the_budget() -> None:
    days = [
        (_day(1), 40),
        (_day(2), 30),
        (_day(3), 50),
        (_day(4), 10),
        (_day(5), 200),
        (_day(6), 5),
    ]
    # 40+30 fit in 100, +50 does not; 50+10 fit; 200 is above the budget, a range of its own.
    assert usage_facts.group_days(days, 100) == [
        (_day(1), _day(2)), (_day(3), _day(4)), (_day(5), _day(5)), (_day(6), _day(6))
    ]  # fmt: skip
    assert usage_facts.group_days(days, 1_000) == [(_day(1), _day(6))]
    assert usage_facts.group_days(days, 1) == [(d, d) for d, _ in days]
    assert usage_facts.group_days([], 100) == []


def test_the_budget_follows_the_memory_limit_when_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(usage_facts.BUDGET_ENV, raising=False)
    monkeypatch.setenv("CHS_DUCKDB_MEMORY_LIMIT", "15GB")
    assert usage_facts.events_budget() == 15_000_000_000 // usage_facts.BYTES_PER_EVENT
    monkeypatch.setenv(usage_facts.BUDGET_ENV, "1_000")
    assert usage_facts.events_budget() == 1_000
    monkeypatch.setenv(usage_facts.BUDGET_ENV, "lots")
    with pytest.raises(ValueError, match=usage_facts.BUDGET_ENV):
        usage_facts.events_budget()


def _warehouse(tmp_path: Path, loads: dict[int, int], facts_through: int | None) -> Path:
    """Raw usage events of each load (`events` of it), one day per load (June `load`), and the
    facts table with `last_load_id` `facts_through` when given."""
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema raw")
        con.execute(
            "create table raw.product_usage (event_id varchar, occurred_at timestamp,"
            " _load_id bigint)"
        )
        for load_id, events in loads.items():
            con.execute(
                f"insert into raw.product_usage select 'e' || range,"
                f" timestamp '2026-06-{load_id:02d} 10:00:00', {load_id} from range({events})"
            )
        if facts_through is not None:
            con.execute("create schema intermediate")
            con.execute(
                "create table intermediate.int_usage__daily_facts as"
                f" select {facts_through} as last_load_id"
            )
    return warehouse


def test_the_steps_cover_every_day_when_the_new_events_exceed_the_budget(tmp_path: Path) -> None:
    assert usage_facts.day_steps(tmp_path / "none.duckdb", budget=1) == []
    warehouse = _warehouse(tmp_path, {1: 60, 2: 60, 3: 60, 4: 60}, facts_through=2)
    # Loads 3 and 4 are new: 120 events, more than 100: every day, in ranges of 100 events.
    assert usage_facts.day_steps(warehouse, budget=100) == [(_day(d), _day(d)) for d in range(1, 5)]
    # One build holds the new loads: the model's own incremental run, no steps.
    assert usage_facts.day_steps(warehouse, budget=120) == []
    # A full refresh reads every event.
    assert usage_facts.day_steps(warehouse, full_refresh=True, budget=120) == [
        (_day(1), _day(2)), (_day(3), _day(4))
    ]  # fmt: skip


def test_the_steps_plan_nothing_on_spark(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    warehouse = _warehouse(tmp_path, {1: 60, 2: 60}, facts_through=None)
    assert usage_facts.day_steps(warehouse, budget=60) == [(_day(1), _day(1)), (_day(2), _day(2))]
    monkeypatch.setenv("CHS_TARGET", "spark")
    assert usage_facts.day_steps(warehouse, budget=60) == []


def test_a_step_keeps_where_dbt_finds_the_project() -> None:
    args = ["run", "--quiet", "--select", "+customer_health_daily", "--target-path", "t",
            "--project-dir", "p", "--profiles-dir", "p"]  # fmt: skip
    assert usage_facts.step_args(args, first=True) == [
        "run", "--select", "+int_usage__daily_facts", "--quiet", "--target-path", "t",
        "--project-dir", "p", "--profiles-dir", "p",
    ]  # fmt: skip
    assert usage_facts.step_args(["build"], first=False) == [
        "run", "--select", "int_usage__daily_facts"
    ]  # fmt: skip
    assert usage_facts.without_facts(["run", "--select", "+x"]) == [
        "run", "--select", "+x", "--exclude", "int_usage__daily_facts"
    ]  # fmt: skip
    assert usage_facts.without_facts(["run", "--exclude", "y", "-q"]) == [
        "run", "--exclude", "y int_usage__daily_facts", "-q"
    ]  # fmt: skip
    assert usage_facts.days_env((_day(1), _day(30))) == {
        usage_facts.DAYS_ENV: "2026-06-01..2026-06-30"
    }


def test_the_command_line_builds_in_steps_or_leaves_the_facts_to_the_build(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`--steps-only` (the bench's bare twin of the Dagster sources step): the steps when they
    are planned, nothing otherwise; without it, one build of the facts. The target folder given
    is passed on to every dbt command."""
    planned: list[list[tuple[date, date]]] = [[(_day(1), _day(2)), (_day(3), _day(3))]]
    built: list[tuple[list[tuple[date, date]], list[str]]] = []
    runs: list[list[str]] = []
    monkeypatch.setattr(usage_facts, "day_steps", lambda *a, **k: planned[0])
    monkeypatch.setattr(
        usage_facts, "build_in_steps", lambda ranges, args, *a, **k: built.append((ranges, args))
    )
    monkeypatch.setattr(usage_facts.subprocess, "run", lambda command, **k: runs.append(command))
    monkeypatch.setenv("CHS_WAREHOUSE_PATH", str(tmp_path / "warehouse.duckdb"))

    assert usage_facts.main(["--steps-only", "--target-path", "t"]) == 0
    assert built == [(planned[0], ["--target-path", "t"])] and runs == []

    planned[0] = []
    assert usage_facts.main(["--steps-only", "--target-path", "t"]) == 0
    assert len(built) == 1 and runs == []

    assert usage_facts.main(["--target-path", "t"]) == 0
    assert len(built) == 1 and len(runs) == 1
    assert runs[0][1:] == ["run", "--select", "+int_usage__daily_facts", "--target-path", "t"]
