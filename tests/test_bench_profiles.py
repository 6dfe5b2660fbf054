"""The profile `make bench` keeps of each model's compiled SQL (benchmarks/bench/tasks.py): what
`EXPLAIN ANALYZE` would show, so a missed target can be explained from the run's own record."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.bench.tasks import compiled_sql

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
        models(tmp_path), ["running", "grouped", "as_view"], tmp_path / "w.duckdb", profiles
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
    grouped = figures["model_profiles"]["grouped"]
    assert grouped["top_operators"][0]["operator"].endswith("GROUP_BY")
    # The profiled run still builds the models under their own names.
    import duckdb

    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        assert con.execute("select count(*), sum(n) from main.grouped").fetchone() == (50, 200_000)
    json.dumps(figures)  # the record stays JSON


def test_without_a_profile_folder_no_profile_is_kept(tmp_path: Path) -> None:
    figures = compiled_sql(models(tmp_path), ["running", "grouped"], tmp_path / "w.duckdb")

    assert "model_profiles" not in figures
    assert set(figures["model_seconds"]) == {"running", "grouped"}
