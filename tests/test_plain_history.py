"""The plain-DuckDB baseline of the history (benchmarks/plain) builds the same
customer_health_daily as dbt, and its comparison says where two histories differ."""

from __future__ import annotations

import importlib.util
import json
import sys
from datetime import date
from pathlib import Path
from types import ModuleType

import duckdb
import pytest

from orchestration.sample_data import generate
from tests.dbt_copy import REPO_ROOT, DbtProjectCopy


def load_history() -> ModuleType:
    """benchmarks/plain/history.py is a script, not a package module: load it from its path."""
    path = REPO_ROOT / "benchmarks" / "plain" / "history.py"
    spec = importlib.util.spec_from_file_location("plain_history", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


history = load_history()

# dbt's float sums (the weights present, the weighted means) run in whatever order its plan
# feeds the rows, which varies from row to row; the plain script's are compensated (fsum). The
# two agree to about 1e-14, so they differ only where a value sits on a rounding half-way point
# (x.xxxx5 to 4 decimals), or where two customers' scores are equal in exact arithmetic but not
# in dbt's bits (their ranks).
ROUNDED_SUMS = ("usage_points", "support_points", "satisfaction_points", "financial_points")
ROUNDED_SUMS += (
    "relationship_points",
    "engagement_points",
    "health_score",
    "data_completeness_pct",
)
ROUNDED_SUMS += tuple(f"{name}_score" for name in history.DIMENSIONS)
RANKS = ("health_rank", "health_percentile", "plan_rank", "plan_percentile")


def write_history(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple]) -> None:
    con.execute(
        f"create table {table} (customer_id varchar, score_date date, segment varchar,"
        " health_score double, health_rank bigint)"
    )
    con.executemany(f"insert into {table} values (?, ?, ?, ?, ?)", rows)


def test_compare_with_dbt_counts_differing_rows_and_names_their_columns(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    day = date(2026, 9, 30)
    dbt_rows = [
        ("C1", day, "engaged", 71.23456, 1),
        ("C2", day, "at_risk", 12.5, 2),
        ("C3", day, "promoter", 90.0, 3),
    ]
    plain_rows = [
        ("C1", day, "engaged", 71.234561, 1),  # equal to 4 decimals: not a difference
        ("C2", day, "needs_attention", 12.5, 2),
        ("C3", day, "promoter", 90.0001, 3),
    ]
    with duckdb.connect(str(warehouse)) as con:
        write_history(con, "main.customer_health_daily", dbt_rows)
        con.execute("create schema bench")
        write_history(con, "bench.plain_customer_health_daily", plain_rows)

    result = history.compare_with_dbt(warehouse)

    assert result["rows_dbt"] == result["rows_plain"] == 3
    assert result["only_in_dbt"] == result["only_in_plain"] == 2
    assert result["differing_columns"] == ["health_score", "segment"]
    assert result["differing_counts"] == {"segment": 1, "health_score": 1}


def test_a_placeholder_without_a_value_stops_the_build() -> None:
    with pytest.raises(KeyError, match="usage_window_days"):
        history.render("select ${usage_window_days}", {"first_date": "2026-01-01"})


def test_script_parameters_take_the_windows_from_the_dimension_settings_seed() -> None:
    parameters = history.script_parameters(date(2026, 4, 1), date(2026, 9, 30), "t")
    windows = history.dimension_settings()

    assert parameters["usage_window_days"] == str(windows["usage"]["window_days"])
    assert parameters["support_window_days"] == str(windows["support"]["window_days"])
    assert parameters["first_date"] == "2026-04-01"


def test_a_later_range_adds_to_the_history_and_reads_its_anchors_from_it() -> None:
    history_days = (date(2026, 4, 1), date(2026, 9, 30))
    first = history.script_parameters(date(2026, 4, 1), date(2026, 6, 30), "t", history_days)
    later = history.script_parameters(date(2026, 7, 1), date(2026, 9, 30), "t", history_days)

    assert first["write_history"] == "create or replace table bench.t as"
    assert first["earlier_anchors"] == ""
    assert later["write_history"] == "insert into bench.t"
    assert "from bench.t as history" in later["earlier_anchors"]
    assert "score_date < cast('2026-07-01' as date)" in later["earlier_anchors"]
    # The usage facts are read once, for the whole history, whichever range is scored.
    assert first["history_first_date"] == later["history_first_date"] == "2026-04-01"


def test_ranges_that_do_not_cover_the_history_in_order_stop_the_build(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="do not cover"):
        history.build_plain_history(
            tmp_path / "w.duckdb",
            date(2026, 4, 1),
            date(2026, 9, 30),
            ranges=[(date(2026, 4, 1), date(2026, 6, 30)), (date(2026, 7, 2), date(2026, 9, 30))],
        )


# The whole history at once, and in two ranges as dbt's builds split a long one: the second
# takes the segment hysteresis on from the rows of the first, on both sides.
ONE_RANGE = [(date(2026, 4, 1), date(2026, 9, 30))]
TWO_RANGES = [(date(2026, 4, 1), date(2026, 6, 30)), (date(2026, 7, 1), date(2026, 9, 30))]


@pytest.mark.slow
@pytest.mark.parametrize("ranges", [ONE_RANGE, TWO_RANGES], ids=["one_range", "two_ranges"])
def test_plain_history_is_dbt_customer_health_daily_on_the_small_sample(
    tmp_path: Path, ranges: list[tuple[date, date]]
) -> None:
    project = DbtProjectCopy.of_repository(tmp_path / "project")
    landing = tmp_path / "landing"
    generate(landing, customers=300, days=180, seed=7, end_date=date(2026, 9, 30))
    project.ingest(landing)
    project.dbt("seed")
    for first, last in ranges:
        scored = {"score_from_date": first.isoformat(), "as_of_date": last.isoformat()}
        project.dbt("run", "--select", "+customer_health_daily", "--vars", json.dumps(scored))

    script_seconds: dict[str, float] = {}
    total = history.build_plain_history(
        project.warehouse,
        date(2026, 4, 1),
        date(2026, 9, 30),
        ranges=ranges,
        script_seconds=script_seconds,
    )
    # Every script's own seconds, summed over the ranges, within the build's.
    assert set(script_seconds) == {path.name for path in history.scripts()}
    assert sum(script_seconds.values()) <= total
    result = history.compare_with_dbt(project.warehouse)

    assert result["rows_dbt"] == result["rows_plain"] > 40_000
    assert result["columns_missing_in_plain"] == result["columns_extra_in_plain"] == []
    # Every column but the float sums and the ranks over them is identical on every row.
    assert set(result["differing_columns"]) <= set(ROUNDED_SUMS + RANKS), result
    with duckdb.connect(str(project.warehouse), read_only=True) as con:
        pairs = (
            "from main.customer_health_daily as d"
            " inner join bench.plain_customer_health_daily as p using (customer_id, score_date)"
        )
        # A float sum differs only by one unit in the 4th decimal: a half-way point rounded
        # the other way.
        for name in ROUNDED_SUMS:
            off = con.execute(
                f"select count(*) {pairs} where d.{name} is distinct from p.{name}"
                f" and not abs(abs(d.{name} - p.{name}) - 0.0001) < 1e-9"
            ).fetchone()[0]
            assert off == 0, f"{name}: {off} rows differ by more than a rounding tie"
        # A rank differs only for a customer whose score ties (to 4 decimals) with another's.
        untied = con.execute(
            f"select count(*) {pairs}"
            " where (d.health_rank is distinct from p.health_rank"
            " or d.plan_rank is distinct from p.plan_rank)"
            " and (select count(*) from main.customer_health_daily as other"
            "  where other.score_date = d.score_date and other.health_score = d.health_score) < 2"
        ).fetchone()[0]
        assert untied == 0
    # Ties are rare: a handful of rows in the history.
    assert result["only_in_dbt"] <= result["rows_dbt"] // 1000, result
