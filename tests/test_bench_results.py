"""The pure parts of `make bench` (benchmarks/bench/results.py): ratio keys, the JSON record,
the table and the chart. No timing is asserted: the figures here are made up."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from benchmarks.bench.results import (
    build_record,
    chart_series,
    compute_ratios,
    draw_chart,
    format_table,
    latest_step_seconds,
    read_records,
    record_path,
    write_record,
)
from benchmarks.bench.sizes import SIZES, history_dates, landing_cache

RATIO_KEYS = {
    "ingestion_ratio",
    "history_rebuild_ratio",
    "daily_vs_rebuild_ratio",
    "dbt_overhead_ratio",
    "dagster_overhead_ratio",
    "dagster_share",
    "overhead_ratio",
    "history_rebuild_rss_ratio",
    "ingestion_rss_ratio",
}


def step(seconds: float, rss: float = 100.0) -> dict[str, object]:
    return {"name": "x", "seconds": seconds, "max_rss_mib": rss, "extra": {}}


def every_step(scale: float = 1.0) -> dict[str, dict[str, object]]:
    return {
        "bare_load": step(2 * scale, 200),
        "ingestion": step(6 * scale, 300),
        "history_rebuild": step(40 * scale, 900),
        "plain_history": step(10 * scale, 450),
        "compiled_sql": step(20 * scale),
        "daily_run": step(4 * scale),
        "dagster_pipeline": step(100 * scale, 1200),
        "bare_ingestion": step(6 * scale),
        "bare_sources": step(10 * scale),
        "bare_daily": step(40 * scale),
        "bare_current": step(14 * scale),
        "bare_validate": step(10 * scale),
    }


def test_each_ratio_is_its_steps_seconds_over_its_baseline() -> None:
    ratios = compute_ratios(every_step())
    assert set(ratios) == RATIO_KEYS
    assert ratios["ingestion_ratio"] == 3.0
    assert ratios["history_rebuild_ratio"] == 4.0
    assert ratios["daily_vs_rebuild_ratio"] == 0.1
    assert ratios["dbt_overhead_ratio"] == 2.0
    # The bare twin of the pipeline is the sum of its five steps: 80 s.
    assert ratios["dagster_overhead_ratio"] == 1.25
    assert ratios["dagster_share"] == 0.2
    assert ratios["overhead_ratio"] == 2.5
    assert ratios["history_rebuild_rss_ratio"] == 2.0
    assert ratios["ingestion_rss_ratio"] == 1.5


def test_a_ratio_whose_step_did_not_run_is_none_not_zero() -> None:
    steps = every_step()
    del steps["plain_history"]  # benchmarks/plain/ missing: step (b) skipped
    del steps["dagster_pipeline"]
    ratios = compute_ratios(steps)
    assert ratios["history_rebuild_ratio"] is None
    assert ratios["history_rebuild_rss_ratio"] is None
    assert ratios["dagster_overhead_ratio"] is None
    assert ratios["dagster_share"] is None
    assert ratios["overhead_ratio"] is None
    assert ratios["ingestion_ratio"] == 3.0


def test_record_holds_ratios_by_name_and_raw_seconds_and_rss_of_every_step(
    tmp_path: Path,
) -> None:
    steps = every_step()
    record = build_record("small", 10_000, 365, date(2026, 12, 2), steps, {"usage_events": 5})
    path = write_record(record, record_path(tmp_path, "small", date(2026, 12, 2), 365))
    assert path == tmp_path / "small-2026-12-02.json"
    stored = json.loads(path.read_text())
    assert stored.keys() >= RATIO_KEYS
    assert stored["size"] == "small" and stored["customers"] == 10_000 and stored["days"] == 365
    assert stored["seconds"] == {name: s["seconds"] for name, s in steps.items()}
    assert stored["max_rss_mib"]["dagster_pipeline"] == 1200
    assert stored["peak_rss_mib"] == 1200
    assert stored["usage_events"] == 5


def test_a_shorter_history_is_named_in_the_record_file() -> None:
    assert record_path(Path("b"), "small", date(2026, 12, 2), 14) == Path(
        "b/small-14d-2026-12-02.json"
    )


def test_a_pipeline_only_run_is_named_in_the_record_file() -> None:
    assert record_path(Path("b"), "sample", date(2026, 12, 2), 365, part="pipeline") == Path(
        "b/sample-pipeline-2026-12-02.json"
    )


def test_a_pipeline_only_run_keeps_the_other_steps_of_the_last_full_run() -> None:
    full = build_record("sample", 2_000, 365, date(2026, 12, 1), every_step(), {})
    pipeline = {name: every_step(0.5)[name] for name in ("dagster_pipeline", "bare_daily")}
    later = build_record("sample", 2_000, 365, date(2026, 12, 2), pipeline, {})
    seconds = latest_step_seconds([later, full])[(365, 2_000)]
    assert seconds["dagster_pipeline"] == 50
    assert seconds["bare_daily"] == 20
    assert seconds["history_rebuild"] == 40


def test_table_shows_every_ratio_and_says_n_a_for_a_skipped_one() -> None:
    steps = every_step()
    del steps["plain_history"]
    table = format_table(build_record("small", 10_000, 365, date(2026, 12, 2), steps, {}))
    for key in RATIO_KEYS:
        assert key in table
    line = next(line for line in table.splitlines() if line.startswith("history_rebuild_ratio"))
    assert "n/a" in line
    assert "dagster_pipeline" in table


def profile(seconds: float, operator: str, spilled: int = 0) -> dict[str, object]:
    return {
        "seconds": seconds,
        "cpu_seconds": 2 * seconds,
        "peak_buffer_mib": 900,
        "spilled_mib": spilled,
        "top_operators": [{"operator": operator, "cpu_seconds": seconds, "rows": 1234, "what": ""}],
    }


def test_table_names_the_slowest_models_with_their_profile() -> None:
    steps = every_step()
    steps["compiled_sql"]["extra"] = {
        "model_profiles": {
            "int_fast": profile(0.5, "PROJECTION"),
            "int_slow": profile(30.0, "WINDOW", spilled=2048),
            "int_middle": profile(4.0, "HASH_GROUP_BY"),
        }
    }
    steps["history_rebuild"]["extra"] = {"node_seconds": {"int_slow": 33.3}}
    table = format_table(build_record("small", 10_000, 365, date(2026, 12, 2), steps, {}))
    rows = table.split("where the time goes", 1)[1].splitlines()[2:]
    assert [row.split()[0] for row in rows] == ["int_slow", "int_middle", "int_fast"]
    assert rows[0].split()[1:6] == ["33.3", "30.0", "60.0", "900", "2,048"]
    assert "WINDOW 30.0 s, 1,234 rows" in rows[0]
    # A run without profiles (older records, or no compiled SQL step) has no such section.
    assert "where the time goes" not in format_table(
        build_record("small", 10_000, 365, date(2026, 12, 2), every_step(), {})
    )


def test_chart_is_drawn_from_every_record_in_the_folder(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    for size, customers, scale in (("small", 10_000, 1.0), ("medium", 100_000, 9.0)):
        record = build_record(size, customers, 365, date(2026, 12, 2), every_step(scale), {})
        write_record(record, record_path(tmp_path, size, date(2026, 12, 2), 365))
    (tmp_path / "notes.json").write_text('["not a record"]')
    records = read_records(tmp_path)
    assert sorted(r["customers"] for r in records) == [10_000, 100_000]
    chart = draw_chart(records, tmp_path / "time_vs_size.png")
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_chart_has_a_series_per_step_and_history_length() -> None:
    """Runs of different lengths are separate series (a 20-day run at a million customers is not
    joined to a year at 100,000), the longest history first, each step's points by size."""
    runs = [
        build_record("small", 10_000, 365, date(2026, 12, 2), every_step(1.0), {}),
        build_record("medium", 100_000, 365, date(2026, 12, 3), every_step(9.0), {}),
        build_record("large", 1_000_000, 20, date(2026, 12, 5), every_step(5.0), {}),
    ]
    series = chart_series(runs)
    first_two = [(step, days) for step, days, _ in series][:2]
    assert first_two == [("ingestion", 365), ("bare_load", 365)]
    by_key = {(step, days): points for step, days, points in series}
    assert by_key[("history_rebuild", 365)] == [(10_000, 40.0), (100_000, 360.0)]
    assert by_key[("history_rebuild", 20)] == [(1_000_000, 200.0)]
    assert ("compiled_sql", 365) not in by_key  # not a compared step on the chart
    assert {days for _, days, _ in series} == {365, 20}


def test_sizes_and_their_cached_landing() -> None:
    assert [(s.name, s.customers) for s in SIZES.values()] == [
        ("sample", 2_000),
        ("small", 10_000),
        ("medium", 100_000),
        ("large", 1_000_000),
    ]
    assert history_dates(365) == (date(2025, 10, 1), date(2026, 9, 30))
    assert landing_cache(Path("d"), SIZES["small"], 365) == Path("d/small/landing")
    assert landing_cache(Path("d"), SIZES["small"], 14) == Path("d/small/landing-14d")


def test_a_failing_baseline_is_recorded_and_the_bench_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Under a tight memory limit a baseline (compiled SQL, plain script) may fail where dbt
    passed: its ratio is n/a and its reason is in the record, the other steps still run."""
    from benchmarks.bench.__main__ import Bench
    from benchmarks.bench.steps import StepFailed

    bench = Bench(SIZES["sample"], 7, tmp_path)

    def out_of_memory() -> dict:
        raise StepFailed(
            "step plain_history exited with 1 (log: x.log):\n"
            "_duckdb.OutOfMemoryException: Out of Memory Error: could not allocate block"
        )

    assert bench.baseline("plain_history", out_of_memory) is None
    assert bench.baseline("compiled_sql", lambda: {"models": 3}) == {"models": 3}
    assert "Out of Memory Error" in bench.facts["baselines_failed"]["plain_history"]
    assert "compiled_sql" not in bench.facts["baselines_failed"]
    assert "FAILED baseline plain_history, its ratio is n/a: _duckdb.OutOfMemoryException" in (
        capsys.readouterr().out
    )

    def broken_harness() -> dict:
        raise KeyError("comparison")

    # Only a failed step is a baseline's failure: a fault of the harness itself still stops it.
    with pytest.raises(KeyError):
        bench.baseline("plain_history", broken_harness)


def test_no_baselines_runs_dbt_s_rebuild_and_daily_run_alone(tmp_path: Path) -> None:
    """`--no-baselines` (a year at 100,000 customers, where each baseline takes as long as dbt)
    runs the seed, the rebuild and the daily run, and neither the compiled SQL nor the plain
    script; without it both baselines run between the rebuild and the daily run."""
    from benchmarks.bench.__main__ import Bench

    def steps_of(with_baselines: bool, builds: int = 1) -> list[str]:
        work = tmp_path / f"{with_baselines}-{builds}"
        bench = Bench(SIZES["sample"], 7, work, with_baselines)
        ran: list[str] = []

        def history(name: str, *args: object, **kwargs: object) -> None:
            ran.append(name)
            bench.steps[name] = {"extra": {"builds": builds}}

        bench.dbt = lambda name, *args, **kwargs: ran.append(name)  # type: ignore[method-assign]
        bench.history = history  # type: ignore[method-assign]
        bench.baselines = lambda *args: ran.append("baselines")  # type: ignore[method-assign]
        warehouse_dir = work / "history"
        (warehouse_dir / "run_results" / "run-1").mkdir(parents=True)
        (warehouse_dir / "run_results" / "run_results-1.json").write_text("{}")
        bench.history_side_by_side(warehouse_dir)
        return ran

    assert steps_of(False) == ["seed", "history_rebuild", "daily_run"]
    assert steps_of(True) == ["seed", "history_rebuild", "baselines", "daily_run"]
    # A rebuild in several builds (CHS_MAX_CUSTOMER_DAYS_PER_BUILD) still has its baselines:
    # the plain script scores the same ranges (which of them run: the test below).
    assert steps_of(True, builds=3) == ["seed", "history_rebuild", "baselines", "daily_run"]


@pytest.mark.parametrize("builds", [1, 4])
def test_the_plain_script_runs_in_dbt_s_ranges_and_its_comparison_is_a_step_apart(
    tmp_path: Path, builds: int
) -> None:
    """The plain script gets the customers (its ranges of days are dbt's for them) and its
    comparison with dbt runs as a task of its own, outside the ratio's step; the compiled SQL
    replays every build the rebuild kept, one or several."""
    from benchmarks.bench.__main__ import Bench

    bench = Bench(SIZES["medium"], 365, tmp_path)
    bench.steps["history_rebuild"] = {"extra": {"builds": builds}}
    tasks: list[tuple[str, tuple[str, ...]]] = []

    def task(name: str, kind: str, data_dir: Path, *args: str) -> dict:
        tasks.append((name, args))
        return {
            "models": 17, "builds": builds, "seconds": 1.0, "ranges": builds,
            "comparison": {"only_in_dbt": 0},
        }  # fmt: skip

    bench.task = task  # type: ignore[method-assign]
    bench.baselines(tmp_path / "history", tmp_path / "compiled")

    names = [name for name, _ in tasks]
    expected = ["plain_history", "plain_compare"]
    assert names == ["compiled_sql", *expected]
    compiled_args = dict(tasks)["compiled_sql"]
    assert compiled_args[compiled_args.index("--builds") + 1] == str(tmp_path / "compiled")
    plain_args = dict(tasks)["plain_history"]
    assert plain_args[plain_args.index("--customers") + 1] == "100000"
    assert bench.facts["plain_comparison"] == {"only_in_dbt": 0}


def test_no_plain_keeps_the_compiled_sql_and_leaves_out_the_plain_script(tmp_path: Path) -> None:
    """`--no-plain` (a long history): dbt against its compiled SQL only, no plain script and no
    comparison; its record is named `-compiled`."""
    from benchmarks.bench.__main__ import Bench

    bench = Bench(SIZES["medium"], 365, tmp_path, with_plain=False)
    tasks: list[str] = []

    def task(name: str, kind: str, data_dir: Path, *args: str) -> dict:
        tasks.append(name)
        return {"models": 17, "builds": 4, "seconds": 1.0}

    bench.task = task  # type: ignore[method-assign]
    bench.baselines(tmp_path / "history", tmp_path / "compiled")

    assert tasks == ["compiled_sql"]
    assert bench.facts["plain_comparison"] is None
    assert record_path(tmp_path, "medium", date(2026, 12, 5), 365, part="compiled").name == (
        "medium-compiled-2026-12-05.json"
    )


def test_last_builds_scores_the_last_builds_of_the_whole_history(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--last-builds N` (a year at a million customers is longer than a working session):
    the rebuild, the plain script and the Dagster run score the days of the last N builds of a
    rebuild of the whole history, over the whole landing; the record says which."""
    from benchmarks.bench.__main__ import Bench
    from orchestration.history import day_ranges

    monkeypatch.setenv("CHS_MAX_CUSTOMER_DAYS_PER_BUILD", "10000000")
    first, last = history_dates(365)
    year = day_ranges(first, last, 1_000_000)
    assert len(year) == 37

    bench = Bench(SIZES["large"], 365, tmp_path, last_builds=2)
    assert bench.scored_first == year[-2][0]
    assert bench.landing == landing_cache(tmp_path, SIZES["large"], 365)
    assert bench.facts == {
        "last_builds": 2,
        "builds_of_the_whole_history": 37,
        "scored_days": (last - year[-2][0]).days + 1,
    }
    # The Dagster partitions still start with the landing's history.
    assert bench.env(tmp_path)["CHS_HISTORY_START_DATE"] == first.isoformat()

    histories: list[tuple[date, date]] = []
    bench.dbt = lambda *args, **kwargs: None  # type: ignore[method-assign]
    bench.history = lambda *args, days, **kwargs: histories.append(days)  # type: ignore[method-assign]
    bench.with_baselines = False
    (tmp_path / "history" / "run_results").mkdir(parents=True)
    bench.history_side_by_side(tmp_path / "history")
    assert histories == [(year[-2][0], last)]

    tasks: dict[str, tuple[str, ...]] = {}

    def task(name: str, kind: str, data_dir: Path, *args: str) -> dict:
        tasks[name] = args
        return {"models": 17, "builds": 2, "seconds": 1.0, "comparison": {}}

    bench.task = task  # type: ignore[method-assign]
    bench.baselines(tmp_path / "history", tmp_path / "compiled")
    plain = tasks["plain_history"]
    assert plain[plain.index("--first") + 1] == year[-2][0].isoformat()
    assert plain[plain.index("--last") + 1] == last.isoformat()

    # More builds than the history has: all of them.
    assert Bench(SIZES["large"], 365, tmp_path, last_builds=99).scored_first == first


def test_a_run_of_the_last_builds_is_named_and_left_off_the_chart() -> None:
    facts = {"last_builds": 1, "builds_of_the_whole_history": 37, "scored_days": 9}
    partial = build_record("large", 1_000_000, 365, date(2026, 12, 5), every_step(50.0), facts)
    whole = build_record("medium", 100_000, 365, date(2026, 12, 5), every_step(9.0), {})
    table = format_table(partial)
    assert "scored: the last 1 of the rebuild's 37 builds (9 days)" in table.splitlines()[1]
    assert "scored:" not in format_table(whole)
    assert "steps of days" not in table
    partial["steps"]["history_rebuild"]["extra"]["usage_facts_steps"] = 12
    assert "the usage facts built first in 12 steps of days" in format_table(partial)
    by_key = {(step, days): points for step, days, points in chart_series([partial, whole])}
    assert by_key[("history_rebuild", 365)] == [(100_000, 360.0)]
    assert record_path(Path("d"), "large", date(2026, 12, 5), 365, part="last1").name == (
        "large-last1-2026-12-05.json"
    )


class FakeDisk:
    """Free bytes that fall while a step writes and rise when it deletes, one value a sample."""

    def __init__(self, free_gib: list[float]) -> None:
        self.free = [int(gib * 1024**3) for gib in free_gib]

    def __call__(self, path: object) -> object:
        from types import SimpleNamespace

        value = self.free.pop(0) if len(self.free) > 1 else self.free[0]
        return SimpleNamespace(free=value)


def test_a_step_records_the_most_disk_it_took_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large run needs tens of GB at once (a warehouse, a spill, the landing) and frees most of
    it by its end: each step keeps the lowest free disk seen while it ran and how far that fell
    below its start, and the table shows it."""
    from benchmarks.bench import steps

    # The start, then samples while the step runs (its spill at 7 GiB), then its end.
    monkeypatch.setattr(steps.shutil, "disk_usage", FakeDisk([50, 48, 43, 46, 49]))
    result = steps.run_step(
        "spill", ["sleep", "0.5"], {}, tmp_path, tmp_path / "logs", tmp_path, disk_interval=0.01
    )
    assert (result.min_free_disk_gib, result.disk_used_gib) == (43.0, 7.0)
    assert result.as_json()["disk_used_gib"] == 7.0
    # Not watched: no figure rather than a zero.
    unwatched = steps.run_step("quiet", ["true"], {}, tmp_path, tmp_path / "logs")
    assert unwatched.disk_used_gib is None

    record = build_record("small", 10_000, 7, date(2026, 1, 1), {"spill": result.as_json()}, {})
    assert "disk GiB" in format_table(record)
    assert any(line.split()[:1] == ["spill"] and line.split()[-1] == "7.0"
               for line in format_table(record).splitlines())  # fmt: skip


def test_a_step_that_fails_says_how_low_the_free_disk_went(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from benchmarks.bench import steps

    monkeypatch.setattr(steps.shutil, "disk_usage", FakeDisk([30, 12, 0.5]))
    with pytest.raises(steps.StepFailed, match=r"free disk at its lowest 0\.5 GiB, 29\.5 GiB"):
        steps.run_step(
            "full", ["bash", "-c", "sleep 0.3; exit 1"], {}, tmp_path, tmp_path / "logs",
            tmp_path, disk_interval=0.01,
        )  # fmt: skip


@pytest.mark.parametrize(
    ("cached", "free_gib", "warned"), [(False, 70, True), (True, 70, False), (False, 90, False)]
)
def test_the_bench_warns_before_it_starts_when_the_disk_is_short(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    cached: bool,
    free_gib: float,
    warned: bool,
) -> None:
    """A year at 1,000,000 customers with every step has needed about 82 GiB, 16 of them the
    landing, which a cached landing no longer needs: short of that the bench says so before
    hours of work (and records the free disk it started with)."""
    from benchmarks.bench import __main__ as bench_main

    bench = bench_main.Bench(SIZES["large"], 365, tmp_path)
    bench.work.mkdir(parents=True)
    if cached:
        bench.landing.mkdir(parents=True)
        (bench.landing / ".complete").touch()
    monkeypatch.setattr(bench_main.shutil, "disk_usage", FakeDisk([free_gib]))
    bench.check_disk()
    assert bench.facts["free_disk_gib_at_start"] == free_gib
    assert ("WARNING: 70.0 GiB free" in capsys.readouterr().out) is warned


def test_the_history_s_warehouse_is_gone_before_the_pipeline_builds_its_own(
    tmp_path: Path,
) -> None:
    """At 1,000,000 customers the history side's warehouse takes 43 GiB and the pipeline's 28
    GiB with a spill beside it: the bench counts the history's rows, then deletes it, before
    the pipeline side starts; a pipeline-only run counts the bare twin's."""
    from benchmarks.bench.__main__ import Bench

    def run(with_history: bool) -> tuple[Bench, list[str]]:
        bench = Bench(SIZES["sample"], 7, tmp_path / str(with_history))
        seen: list[str] = []
        history = bench.work / "history" / "warehouse.duckdb"
        bare = bench.work / "bare_pipeline" / "warehouse.duckdb"
        bench.generate = lambda: None  # type: ignore[method-assign]
        bench.ingestion_side_by_side = lambda folder: None  # type: ignore[method-assign]
        bench.history_side_by_side = lambda folder: history.touch()  # type: ignore[method-assign]

        def pipeline() -> None:
            seen.append(f"history warehouse during the pipeline: {history.exists()}")
            bare.parent.mkdir(parents=True)
            bare.touch()

        def counts(warehouse: Path) -> dict[str, int]:
            seen.append(f"counted {warehouse.parent.name}")
            return {"history_rows": 1}

        bench.pipeline_side_by_side = pipeline  # type: ignore[method-assign]
        bench.counts = counts  # type: ignore[method-assign]
        bench.run(with_pipeline=True, with_history=with_history)
        assert not history.exists() and not bare.exists()
        return bench, seen

    bench, seen = run(with_history=True)
    assert seen == ["counted history", "history warehouse during the pipeline: False"]
    assert bench.facts["history_rows"] == 1
    assert run(with_history=False)[1] == [
        "history warehouse during the pipeline: False",
        "counted bare_pipeline",
    ]
