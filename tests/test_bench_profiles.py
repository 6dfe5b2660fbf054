"""The profile `make bench` keeps of each model's compiled SQL (benchmarks/bench/tasks.py): what
`EXPLAIN ANALYZE` would show, so a missed target can be explained from the run's own record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.bench.tasks import Build, compiled_sql, kept_builds

WINDOW_MODEL = """create table "w"."main"."running__dbt_tmp" as (
    select i % 50 as k, sum(i) over (partition by i % 50 order by i) as s from range(200000) r(i)
);
"""
GROUP_MODEL = """create table "w"."main"."grouped__dbt_tmp" as (
    select k, count(*) as n from main.running group by k
);
"""
VIEW_MODEL = """create view "w"."main"."as_view__dbt_tmp" as (
    select k from main.grouped
);
"""


def models(tmp_path: Path) -> Path:
    run_dir = tmp_path / "run" / "customer_health" / "models"
    run_dir.mkdir(parents=True)
    (run_dir / "running.sql").write_text(WINDOW_MODEL)
    (run_dir / "grouped.sql").write_text(GROUP_MODEL)
    (run_dir / "as_view.sql").write_text(VIEW_MODEL)
    return tmp_path / "run"


def test_each_model_is_profiled_and_its_costliest_operator_named(tmp_path: Path) -> None:
    profiles = tmp_path / "profiles"
    figures = compiled_sql(
        [Build(models(tmp_path), ["running", "grouped", "as_view"])],
        tmp_path / "w.duckdb",
        profiles,
    )

    # A view runs no query: DuckDB writes no profile for it, and it has none in the record.
    assert sorted(path.name for path in profiles.iterdir()) == ["grouped.json", "running.json"]
    assert set(figures["model_profiles"]) == {"running", "grouped"}
    assert set(figures["model_seconds"]) == {"running", "grouped", "as_view"}
    running = figures["model_profiles"]["running"]
    assert running["top_operators"][0]["operator"] == "WINDOW"
    assert "OVER (PARTITION BY" in running["top_operators"][0]["what"]
    assert running["top_operators"][0]["rows"] == 200_000
    assert running["peak_buffer_mib"] >= 0 and running["spilled_mib"] == 0
    # Grouping 200,000 rows into 50 can take under a millisecond, and its CPU seconds then round
    # to 0.000 like those of the operators around it: it is named among the costliest, which
    # come in order of CPU seconds.
    grouped = figures["model_profiles"]["grouped"]["top_operators"]
    assert any(o["operator"].endswith("GROUP_BY") and o["rows"] == 50 for o in grouped)
    cpu_seconds = [o["cpu_seconds"] for o in grouped]
    assert cpu_seconds == sorted(cpu_seconds, reverse=True)
    # The profiled run still builds the models under their own names.
    import duckdb

    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        assert con.execute("select count(*), sum(n) from main.grouped").fetchone() == (50, 200_000)
    json.dumps(figures)  # the record stays JSON


def test_without_a_profile_folder_no_profile_is_kept(tmp_path: Path) -> None:
    figures = compiled_sql([Build(models(tmp_path), ["running", "grouped"])], tmp_path / "w.duckdb")

    assert "model_profiles" not in figures
    assert set(figures["model_seconds"]) == {"running", "grouped"}


# An incremental model by day as dbt-duckdb runs it: the first build creates the table, a later
# one deletes the days of its new rows and inserts them from a temporary table that dbt builds
# from the compiled query (not in target/run).
DAYS_QUERY = "select d as day, d * {factor} as value from range({first}, {last}) r(d)"
FIRST_BUILD = """create table "w"."main"."history" as (
    {query}
);
"""
LATER_BUILD = """delete from "w"."main"."history"
    where (day) in (select (day) from "history__dbt_tmp20261205040000123456");
insert into "w"."main"."history" ("day", "value")
    (select "day", "value" from "history__dbt_tmp20261205040000123456")
"""


def kept_build(folder: Path, number: int, run_sql: str, query: str) -> None:
    """What orchestration.history keeps of a build: run_results, target/run, target/compiled."""
    for kind, text in (("run", run_sql), ("compiled", query)):
        statement = folder / f"{kind}-{number}" / "customer_health" / "models" / "history.sql"
        statement.parent.mkdir(parents=True)
        statement.write_text(text)
    results = {"results": [{"unique_id": "model.customer_health.history"}]}
    (folder / f"run_results-{number}.json").write_text(json.dumps(results))


def test_a_rebuild_in_several_builds_is_replayed_build_after_build(tmp_path: Path) -> None:
    kept = tmp_path / "kept"
    first = DAYS_QUERY.format(factor=1, first=0, last=10)
    kept_build(kept, 1, FIRST_BUILD.format(query=first), first)
    # The second build scores days 5-14 again with other values: 5-9 are replaced, 10-14 added.
    kept_build(kept, 2, LATER_BUILD, DAYS_QUERY.format(factor=100, first=5, last=15))
    builds = kept_builds(kept)
    assert [build.order for build in builds] == [["history"], ["history"]]

    figures = compiled_sql(builds, tmp_path / "w.duckdb", tmp_path / "profiles")

    assert figures["builds"] == 2 and figures["models"] == 1
    assert figures["rows_differ"] == {"main.history": [None, 15]}  # no dbt rebuild before it
    import duckdb

    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        rows = con.execute("select day, value from main.history order by day").fetchall()
        temporary = con.execute(
            "select count(*) from duckdb_tables() where table_name like 'history__dbt_tmp%'"
        ).fetchone()[0]
    assert rows == [(day, day if day < 5 else 100 * day) for day in range(15)]
    assert temporary == 0
    # One profile per statement that ran a query, under the build's folder, summed per model.
    assert (tmp_path / "profiles" / "build-1" / "history.json").exists()
    assert (tmp_path / "profiles" / "build-2" / "history.json").exists()  # the new rows
    assert (tmp_path / "profiles" / "build-2" / "history.2.json").exists()  # the delete
    assert (tmp_path / "profiles" / "build-2" / "history.3.json").exists()  # the insert
    assert figures["model_profiles"]["history"]["seconds"] > 0
    assert set(figures["model_seconds"]) == {"history"}


def test_an_incremental_run_without_its_compiled_query_is_an_error(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    (run_dir / "m").mkdir(parents=True)
    (run_dir / "m" / "history.sql").write_text(LATER_BUILD)
    with pytest.raises(ValueError, match="no compiled query"):
        compiled_sql([Build(run_dir, ["history"])], tmp_path / "w.duckdb")


def test_the_replay_is_checked_against_dbt_s_rows(tmp_path: Path) -> None:
    """The replay runs on the warehouse dbt built: each table it rebuilds must end with dbt's
    row count, or it did other work and the ratio would compare unlike things."""
    import duckdb

    kept = tmp_path / "kept"
    first = DAYS_QUERY.format(factor=1, first=0, last=10)
    kept_build(kept, 1, FIRST_BUILD.format(query=first), first)
    kept_build(kept, 2, LATER_BUILD, DAYS_QUERY.format(factor=100, first=5, last=15))
    warehouse = tmp_path / "w.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create table main.history as select range as day, 0 as value from range(15)")
    assert compiled_sql(kept_builds(kept), warehouse)["rows_differ"] == {}

    with duckdb.connect(str(warehouse)) as con:
        con.execute("delete from main.history where day >= 12")
    assert compiled_sql(kept_builds(kept), warehouse)["rows_differ"] == {"main.history": [12, 15]}
