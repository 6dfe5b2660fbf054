"""Write-audit-publish: readers use the serving copy, never the working warehouse, and only a
fully checked run replaces it."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from pipeline_root import PipelineRoot

from orchestration.serving import PUBLICATION_TABLE, SERVING_TABLES, publish

READER = Path(__file__).with_name("serving_reader.py")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_ids(serving: Path) -> set[str]:
    with duckdb.connect(str(serving), read_only=True) as con:
        return {row[0] for row in con.execute(f"select run_id from {PUBLICATION_TABLE}").fetchall()}


@pytest.mark.slow
def test_pipeline_publishes_every_mart_to_duckdb_and_parquet(pipeline_root: PipelineRoot) -> None:
    with duckdb.connect(str(pipeline_root.serving), read_only=True) as con:
        published = dict(
            con.execute(f"select table_name, row_count from {PUBLICATION_TABLE}").fetchall()
        )
        for table in SERVING_TABLES:
            (rows,) = con.execute(f"select count(*) from main.{table}").fetchone()
            assert rows == published[table]
        (in_scope,) = con.execute("select count(*) from customer_health").fetchone()
    assert in_scope > 0
    parquet = pipeline_root.root / "serving" / "parquet"
    with duckdb.connect() as con:
        for table in SERVING_TABLES:
            (rows,) = con.execute(f"select count(*) from '{parquet}/{table}.parquet'").fetchone()
            assert rows == published[table], table


@pytest.mark.slow
@pytest.mark.parametrize("table", SERVING_TABLES)
def test_serving_copy_holds_the_warehouse_rows_of_each_mart(
    pipeline_root: PipelineRoot, table: str
) -> None:
    warehouse = pipeline_root.root / "warehouse.duckdb"
    query = f"select * from main.{table} except all select * from serving.main.{table}"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        con.execute(f"attach '{pipeline_root.serving}' as serving (read_only)")
        assert con.execute(f"select count(*) from ({query})").fetchone()[0] == 0


@pytest.mark.slow
def test_publish_leaves_no_temporary_files_and_keeps_one_previous_parquet_version(
    pipeline_root: PipelineRoot, tmp_path: Path
) -> None:
    warehouse = pipeline_root.root / "warehouse.duckdb"
    for _ in range(3):
        publish(warehouse, tmp_path, run_id="again")
    names = sorted(p.name for p in tmp_path.iterdir())
    assert [n for n in names if n.endswith(".tmp")] == []
    assert len([n for n in names if n.startswith(".parquet-")]) <= 2
    assert (tmp_path / "parquet").is_symlink()


@pytest.mark.slow
def test_reader_polling_through_a_full_pipeline_run_never_fails(
    pipeline_root: PipelineRoot, tmp_path: Path
) -> None:
    """A BI reader polls the serving copy for the whole of a second run, while another holds a
    connection open from start to end: no read fails, no read sees a partial copy, the run is
    not blocked, and the new publication replaces the old one."""
    before = run_ids(pipeline_root.serving)
    holder = duckdb.connect(str(pipeline_root.serving), read_only=True)
    out, stop = tmp_path / "reader.json", tmp_path / "stop"
    reader = subprocess.Popen(
        [sys.executable, str(READER), str(pipeline_root.root / "serving"), str(out), str(stop)],
        cwd=Path(__file__).resolve().parent.parent,
    )
    try:
        result = pipeline_root.materialize()
    finally:
        stop.touch()
        reader.wait(timeout=120)
    held_rows = holder.execute("select count(*) from customer_health").fetchone()[0]
    holder.close()

    seen = json.loads(out.read_text())
    print(f"\nreader through a full pipeline run: {seen}")
    assert result.returncode == 0, result.stderr[-5000:]
    assert seen["failures"] == 0, seen["failure_messages"]
    assert seen["reads"] > 10
    assert held_rows > 0
    after = run_ids(pipeline_root.serving)
    assert after != before
    assert len(seen["publications_seen"]) == 2  # the old copy, then the new one, nothing else


@pytest.mark.slow
def test_failing_blocking_check_leaves_the_serving_copy_in_place(
    pipeline_root: PipelineRoot, tmp_path: Path
) -> None:
    """The published copy says customer_health had 5 rows: the row-count check (seeds/
    mart_checks.csv) fails on today's full mart, so serving_copy is not materialised."""
    serving = pipeline_root.serving
    kept = tmp_path / "kept.duckdb"
    shutil.copy(serving, kept)
    doctored = tmp_path / "doctored.duckdb"
    shutil.copy(serving, doctored)
    with duckdb.connect(str(doctored)) as con:
        con.execute(
            "delete from customer_health where customer_id not in"
            " (select customer_id from customer_health order by customer_id limit 5)"
        )
    os.replace(doctored, serving)
    expected = digest(serving)
    try:
        result = pipeline_root.materialize(PipelineRoot.CURRENT_MARTS)
        log = result.stdout + result.stderr
        assert result.returncode != 0
        assert "customer_health: expect_table_row_count_to_be_between" in log
        assert "Materialized value serving_copy" not in log
        assert digest(serving) == expected
    finally:
        os.replace(kept, serving)


@pytest.mark.slow
def test_run_killed_mid_way_leaves_the_serving_copy_readable_and_unchanged(
    pipeline_root: PipelineRoot,
) -> None:
    serving = pipeline_root.serving
    expected = digest(serving)
    process = subprocess.Popen(
        pipeline_root.materialize_command(PipelineRoot.CURRENT_MARTS),
        cwd=Path(__file__).resolve().parent.parent,
        env=pipeline_root.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    killed_in = None
    assert process.stdout is not None
    for line in process.stdout:
        # Kill while dbt rebuilds the marts the serving copy is made of.
        if "STEP_START" in line and "dbt_current_marts" in line:
            killed_in = line
            os.killpg(process.pid, signal.SIGKILL)
            break
    process.wait(timeout=120)
    assert killed_in is not None, "the run never reached the marts"
    assert digest(serving) == expected
    with duckdb.connect(str(serving), read_only=True) as con:
        assert con.execute("select count(*) from customer_health").fetchone()[0] > 0
    # The killed run does not stay "in progress": the sweep marks it failed.
    swept = subprocess.run(
        [sys.executable, "-m", "orchestration.stale_runs"],
        cwd=Path(__file__).resolve().parent.parent,
        env=pipeline_root.env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert swept.returncode == 0, swept.stderr[-3000:]
    assert "marked run" in swept.stdout


def test_a_warehouse_of_any_name_publishes_its_views_of_the_as_of_day(tmp_path: Path) -> None:
    """dbt names the database after the warehouse file, and a view (`int_health__scored`) names
    its tables with it, while the copy attaches the warehouse as `warehouse`: DuckDB reads a
    view's own database under whatever name it is attached, so a warehouse not called
    `warehouse.duckdb` publishes too, the view served as a table of the as-of day."""
    from orchestration.serving import EXPLANATION_TABLES

    warehouse = tmp_path / "health_wh.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        for table in SERVING_TABLES:
            con.execute(f"create table main.{table} (as_of_date date, score_date date)")
        con.execute("insert into main.customer_health values ('2026-06-30', '2026-06-30')")
        for qualified in EXPLANATION_TABLES:
            con.execute(f"create schema if not exists {qualified.split('.')[0]}")
            if qualified != "intermediate.int_health__scored":
                con.execute(f"create table {qualified} (score_date date, n integer)")
        con.execute(
            "insert into intermediate.int_usage__scores values ('2026-06-29', 1), ('2026-06-30', 2)"
        )
        con.execute(
            "create view intermediate.int_health__scored as"
            ' select * from "health_wh"."intermediate"."int_usage__scores"'
        )
    publication = publish(warehouse, tmp_path / "serving", run_id="named")
    with duckdb.connect(str(tmp_path / "serving" / "health.duckdb"), read_only=True) as con:
        served = con.execute("select * from intermediate.int_health__scored").fetchall()
        (kind,) = con.execute(
            "select table_type from information_schema.tables where table_name ="
            " 'int_health__scored'"
        ).fetchone()
    assert [row[1] for row in served] == [2] and kind == "BASE TABLE"
    assert publication.row_counts["customer_health"] == 1


def test_serving_copy_waits_for_every_marts_blocking_check() -> None:
    from dagster import AssetKey

    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    parents = graph.get(AssetKey(["serving_copy"])).parent_keys
    assert parents == {AssetKey([table]) for table in SERVING_TABLES}
    blocking = {
        spec.asset_key
        for checks in defs.asset_checks or []
        for spec in checks.check_specs
        if spec.blocking and spec.name == "great_expectations_suite"
    }
    assert blocking == parents


@pytest.mark.slow
@pytest.mark.parametrize("table", SERVING_TABLES)
def test_every_published_column_is_described(pipeline_root: PipelineRoot, table: str) -> None:
    manifest = json.loads(
        (Path(__file__).resolve().parent.parent / "target" / "manifest.json").read_text()
    )
    node = manifest["nodes"][f"model.customer_health.{table}"]
    described = {name for name, column in node["columns"].items() if column["description"]}
    with duckdb.connect(str(pipeline_root.serving), read_only=True) as con:
        published = {
            row[0]
            for row in con.execute(
                "select column_name from information_schema.columns"
                " where table_schema = 'main' and table_name = ?",
                [table],
            ).fetchall()
        }
    assert published - described == set()
    assert node["config"]["meta"]["owner"]
