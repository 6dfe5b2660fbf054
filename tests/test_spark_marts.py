"""The DuckDB-against-Spark mart comparison of `make test-spark`, on small hand-made tables:
Spark's side is Parquet in Spark's warehouse layout, as Spark writes it."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.spark.landing import export_landing, source_tables
from orchestration.spark.marts import compare_marts, report, spark_table_dir


@pytest.fixture
def builds(tmp_path: Path) -> tuple[Path, Path]:
    """A DuckDB warehouse with one mart, and Spark's copy of it partitioned by day."""
    warehouse, spark = tmp_path / "warehouse.duckdb", tmp_path / "spark"
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "create table main.daily as select * from (values"
            " ('C1', date '2026-09-29', 12.34561, 'at_risk'),"
            " ('C2', date '2026-09-30', 80.0, 'engaged'))"
            " t(customer_id, score_date, score, segment)"
        )
        folder = spark_table_dir(spark, "daily")
        folder.mkdir(parents=True)
        # Spark stores the partition column last, in folders.
        con.execute(
            "copy (select customer_id, score, segment, score_date from main.daily)"
            f" to '{folder}' (format parquet, partition_by (score_date))"
        )
    return warehouse, spark


def test_equal_marts_are_reported_identical(builds: tuple[Path, Path]) -> None:
    comparisons = compare_marts(*builds)
    assert [(c.table, c.rows, c.identical) for c in comparisons] == [("daily", 2, True)]
    assert report(comparisons).endswith("marts identical (1 tables, floats to 4 decimals)")


def rewrite_spark(builds: tuple[Path, Path], select: str) -> None:
    folder = spark_table_dir(builds[1], "daily")
    with duckdb.connect() as con:
        con.execute(f"create table daily as {select}")
        for path in folder.rglob("*.parquet"):
            path.unlink()
        con.execute(f"copy daily to '{folder}' (format parquet, partition_by (score_date))")


def test_a_float_equal_to_four_decimals_is_identical_and_one_beyond_it_differs(
    builds: tuple[Path, Path],
) -> None:
    rows = "('C2', 80.0, 'engaged', date '2026-09-30')"
    rewrite_spark(
        builds,
        f"select * from (values ('C1', 12.34564, 'at_risk', date '2026-09-29'), {rows})"
        " t(customer_id, score, segment, score_date)",
    )
    assert all(c.identical for c in compare_marts(*builds))
    rewrite_spark(
        builds,
        f"select * from (values ('C1', 12.3458, 'at_risk', date '2026-09-29'), {rows})"
        " t(customer_id, score, segment, score_date)",
    )
    text = report(compare_marts(*builds))
    assert "DIFFERS daily: 2 rows" in text
    assert "1 rows only in DuckDB" in text and "1 rows only in Spark" in text
    assert "'score': 12.3458" in text
    assert "marts identical" not in text


def test_a_missing_spark_table_or_column_differs(builds: tuple[Path, Path]) -> None:
    rewrite_spark(
        builds,
        "select 'C1' as customer_id, 12.34561 as score, date '2026-09-29' as score_date",
    )
    text = report(compare_marts(*builds))
    assert "columns only in DuckDB ['segment'], only in Spark []" in text
    shutil.rmtree(spark_table_dir(builds[1], "daily"))
    assert "DIFFERS daily: 2 rows\n  no Spark table at" in report(compare_marts(*builds))


def test_landing_export_writes_every_dbt_source_with_utc_timestamps_and_replaces_it(
    tmp_path: Path,
) -> None:
    warehouse, out = tmp_path / "warehouse.duckdb", tmp_path / "landing"
    tables = source_tables()
    assert len(tables) == 7 and {t.schema for t in tables} == {"raw"}
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema raw")
        for table in tables:
            con.execute(
                f"create table raw.{table.table} as select 'k1' as key,"
                " timestamp '2026-09-30 23:30:00' as occurred_at, 1 as _load_id"
            )
    rows = export_landing(warehouse, out)
    assert rows == {f"raw.{t.table}": 1 for t in tables}
    parquet = out / "raw" / "product_usage" / "part-0.parquet"
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        kind, value = con.execute(
            f"select typeof(occurred_at), cast(occurred_at as varchar) from '{parquet}'"
        ).fetchone()
    assert kind == "TIMESTAMP WITH TIME ZONE"
    assert value == "2026-09-30 23:30:00+00"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("insert into raw.product_usage values ('k2', now(), 2)")
    assert export_landing(warehouse, out)["raw.product_usage"] == 2
    assert sorted(p.name for p in (out / "raw" / "product_usage").iterdir()) == ["part-0.parquet"]
