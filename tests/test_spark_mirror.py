"""With CHS_TARGET=spark, Dagster's ingestion writes the landing Parquet Spark reads, and each dbt
step copies the tables it built on Spark into the DuckDB warehouse that the checks, alerts,
serving copy and calibration read (orchestration/spark/mirror.py). No Spark here: Spark's
warehouse is its Parquet folders, written by DuckDB in the same layout."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from orchestration.spark.mirror import BuiltTable, built_tables, mirror_tables

DAYS = [date(2026, 4, 1), date(2026, 4, 2), date(2026, 4, 3)]


def spark_warehouse(root: Path, extra_day_rows: int = 0) -> Path:
    """A Spark warehouse as Spark lays it out: `main.db/customer_health_daily` partitioned by
    score_date (the day column stored last), `main.db/customer_health`, `seeds.db/settings`."""
    warehouse = root / "spark" / "warehouse"
    with duckdb.connect() as con:
        con.execute(
            "create table daily as select 'C' || i as customer_id, 50.0 + i + ? as health_score,"
            " d::date as score_date from range(3) as r(i),"
            " unnest(['2026-04-01', '2026-04-02', '2026-04-03']) as t(d)",
            [extra_day_rows],
        )
        folder = warehouse / "main.db" / "customer_health_daily"
        folder.parent.mkdir(parents=True)
        con.execute(f"copy daily to '{folder}' (format parquet, partition_by (score_date))")
        current = warehouse / "main.db" / "customer_health"
        current.mkdir(parents=True)
        con.execute(
            "copy (select 'C1' as customer_id, 'green' as band)"
            f" to '{current / 'part-00000.parquet'}' (format parquet)"
        )
        seed = warehouse / "seeds.db" / "settings"
        seed.mkdir(parents=True)
        con.execute(
            "copy (select 'floor' as setting, 0.6::double as value)"
            f" to '{seed / 'part-00000.parquet'}' (format parquet)"
        )
    return warehouse


TABLES = [
    BuiltTable("main", "customer_health_daily", ("customer_id", "score_date", "health_score")),
    BuiltTable("main", "customer_health"),
    BuiltTable("seeds", "settings"),
]


def rows(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_built_tables_are_the_tables_and_seeds_the_invocation_built() -> None:
    def node(name: str, kind: str, materialized: str) -> dict:
        return {
            "resource_type": kind,
            "schema": "main",
            "name": name,
            "alias": name,
            "config": {"materialized": materialized},
            "columns": {"customer_id": {}, "score_date": {}},
        }

    manifest = {
        "nodes": {
            "model.p.daily": node("daily", "model", "incremental"),
            "model.p.mart": node("mart", "model", "table"),
            "seed.p.weights": node("weights", "seed", "seed"),
            "model.p.stg": node("stg", "model", "view"),
            "model.p.eph": node("eph", "model", "ephemeral"),
            "model.p.broken": node("broken", "model", "table"),
            "test.p.not_null": node("not_null", "test", "test"),
        }
    }
    results = {
        "results": [
            {"unique_id": uid, "status": "error" if "broken" in uid else "success"}
            for uid in manifest["nodes"]
        ]
    }
    built = built_tables(results, manifest)
    assert [t.name for t in built] == ["main.daily", "main.mart", "main.weights"]
    assert built[0].columns == ("customer_id", "score_date")


def test_mirror_copies_every_table_in_its_documented_column_order(tmp_path: Path) -> None:
    spark = spark_warehouse(tmp_path)
    duck = tmp_path / "warehouse.duckdb"
    copied = mirror_tables(duck, spark, TABLES)
    assert copied == {
        "main.customer_health_daily": 9,
        "main.customer_health": 1,
        "seeds.settings": 1,
    }
    columns = rows(
        duck,
        "select column_name from information_schema.columns"
        " where table_name = 'customer_health_daily' order by ordinal_position",
    )
    assert [c for (c,) in columns] == ["customer_id", "score_date", "health_score"]
    assert rows(duck, "select typeof(score_date) from main.customer_health_daily limit 1") == [
        ("DATE",)
    ]
    assert rows(duck, "select value from seeds.settings") == [(0.6,)]


def test_a_daily_step_replaces_only_the_days_it_scored(tmp_path: Path) -> None:
    duck = tmp_path / "warehouse.duckdb"
    mirror_tables(duck, spark_warehouse(tmp_path / "before"), TABLES)
    # Spark re-scored every day (+100), but this step scored 2026-04-02 only.
    after = spark_warehouse(tmp_path / "after", extra_day_rows=100)
    copied = mirror_tables(duck, after, TABLES[:1], days=(DAYS[1], DAYS[1]))
    assert copied == {"main.customer_health_daily": 3}
    by_day = rows(
        duck,
        "select score_date, min(health_score) from main.customer_health_daily"
        " group by 1 order by 1",
    )
    assert by_day == [(DAYS[0], 50.0), (DAYS[1], 150.0), (DAYS[2], 50.0)]


def test_a_day_spark_no_longer_has_is_emptied_and_a_missing_table_fails_loudly(
    tmp_path: Path,
) -> None:
    duck = tmp_path / "warehouse.duckdb"
    spark = spark_warehouse(tmp_path)
    mirror_tables(duck, spark, TABLES)
    day_folder = spark / "main.db" / "customer_health_daily" / "score_date=2026-04-03"
    for file in day_folder.iterdir():
        file.unlink()
    day_folder.rmdir()
    mirror_tables(duck, spark, TABLES[:1], days=(DAYS[2], DAYS[2]))
    assert rows(duck, "select count(*) from main.customer_health_daily") == [(6,)]
    with pytest.raises(FileNotFoundError, match="main.nowhere: Spark built it"):
        mirror_tables(duck, spark, [BuiltTable("main", "nowhere")])


@pytest.mark.slow
def test_ingestion_asset_on_spark_writes_the_landing_parquet_once_per_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dagster import materialize
    from dagster_duckdb import DuckDBResource

    from orchestration.defs.assets.ingestion import build_ingestion_asset

    landing = tmp_path / "landing" / "customers"
    landing.mkdir(parents=True)
    (landing / "accounts.csv").write_text(
        "customer_id,customer_name,plan,created_at\nC1,Acme,starter,2024-01-02\n"
        "C2,Globex,growth,2024-02-03\n"
    )
    monkeypatch.setenv("CHS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CHS_LANDING_DIR", str(tmp_path / "landing"))
    monkeypatch.setenv("CHS_TARGET", "spark")
    monkeypatch.delenv("CHS_SPARK_LANDING_DIR", raising=False)
    (tmp_path / "home").mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    asset = build_ingestion_asset("customers")
    resources = {"duckdb": DuckDBResource(database=str(tmp_path / "warehouse.duckdb"))}

    def spark_rows() -> object:
        result = materialize([asset], resources=resources)
        (materialization,) = result.asset_materializations_for_node(asset.op.name)
        value = materialization.metadata.get("spark_landing_rows")
        return None if value is None else value.value

    assert spark_rows() == 2
    exported = tmp_path / "spark" / "landing" / "raw" / "customers"
    assert rows(tmp_path / "warehouse.duckdb", "select 1") == [(1,)]
    with duckdb.connect() as con:
        ids = con.execute(f"select customer_id from '{exported}/*.parquet' order by 1").fetchall()
    assert ids == [("C1",), ("C2",)]
    # Nothing new landed: the Parquet stays as it is.
    assert spark_rows() is None
    (landing / "more.csv").write_text(
        "customer_id,customer_name,plan,created_at\nC3,Initech,starter,2024-03-04\n"
    )
    assert spark_rows() == 3
    monkeypatch.setenv("CHS_TARGET", "duckdb")
    (landing / "even_more.csv").write_text(
        "customer_id,customer_name,plan,created_at\nC4,Umbrella,starter,2024-03-05\n"
    )
    assert spark_rows() is None
