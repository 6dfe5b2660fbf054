"""The everyday questions of a CS lead, asked of the serving copy: shared by the CLI and the
dashboard so both give the same answers. The logic stays in the marts; this selects and words."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import yaml

if TYPE_CHECKING:
    import pandas as pd


def dbt_dimensions() -> tuple[str, ...]:
    """The `dimensions` var of dbt_project.yml: the one list of dimensions every model reads."""
    for folder in Path(__file__).resolve().parents:
        project = folder / "dbt_project.yml"
        if project.is_file():
            with project.open() as handle:
                return tuple(yaml.safe_load(handle)["vars"]["dimensions"])
    raise FileNotFoundError(f"no dbt_project.yml in a folder above {__file__}")


DIMENSIONS: tuple[str, ...] = dbt_dimensions()
CHANGE_WINDOWS: tuple[int, ...] = (7, 30)
# Dimension changes smaller than this many points are not worth a sentence.
NEGLIGIBLE_POINTS = 0.5
# Columns other branches add to the marts; shown when they exist, never required.
OPTIONAL_AT_RISK_COLUMNS: tuple[str, ...] = ("churn_risk_90d", "score_confidence")
AT_RISK_COLUMNS: tuple[str, ...] = (
    "customer_id",
    "customer_name",
    "plan",
    "csm_owner",
    "mrr_reporting",
    "reporting_currency",
    "mrr",
    "currency",
    "health_score",
    "score_change_7d",
    "score_change_30d",
    "primary_driver",
    "driver_detail",
    "segment_forced_reason",
)


def columns_of(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    rows = con.execute(
        "select column_name from information_schema.columns"
        " where table_schema = 'main' and table_name = ? order by ordinal_position",
        [table],
    ).fetchall()
    return [row[0] for row in rows]


def at_risk(
    con: duckdb.DuckDBPyConnection,
    csm: str | None = None,
    plan: str | None = None,
) -> pd.DataFrame:
    """Customers in the at_risk segment, largest MRR (in the reporting currency) first, with
    driver, trend and churn risk."""
    available = set(columns_of(con, "customer_health"))
    wanted = [c for c in (*AT_RISK_COLUMNS, *OPTIONAL_AT_RISK_COLUMNS) if c in available]
    sql = f"select {', '.join(wanted)} from customer_health where segment = 'at_risk'"
    params: list[object] = []
    if csm:
        sql += " and csm_owner = ?"
        params.append(csm)
    if plan:
        sql += " and plan = ?"
        params.append(plan)
    sql += " order by mrr_reporting desc nulls last, customer_id"
    return con.execute(sql, params).df()


def customer_row(con: duckdb.DuckDBPyConnection, customer_id: str) -> dict[str, object]:
    cursor = con.execute("select * from customer_health where customer_id = ?", [customer_id])
    columns = [d[0] for d in cursor.description]
    row = cursor.fetchone()
    if row is None:
        raise LookupError(f"{customer_id} is not in customer_health (not in scope, or unknown)")
    return dict(zip(columns, row, strict=True))


def why(con: duckdb.DuckDBPyConnection, customer_id: str, days: int = 7) -> list[str]:
    """The change of a customer's score over `days` (7 or 30), split by dimension, in sentences."""
    if days not in CHANGE_WINDOWS:
        raise ValueError(f"days must be one of {CHANGE_WINDOWS}, not {days}")
    row = customer_row(con, customer_id)
    change = row.get(f"score_change_{days}d")
    score = row.get("health_score")
    day = row.get("as_of_date")
    if score is None:
        return [
            f"{customer_id} has no score on {day}: {row.get('segment')} "
            f"({_num(row.get('data_completeness_pct'))}% of the weight has data)."
        ]
    if change is None:
        return [
            f"{customer_id} scores {_num(score)} on {day}; it had no score {days} days "
            "before, so there is no change to explain."
        ]
    before = score - change
    if abs(change) < NEGLIGIBLE_POINTS:
        head = f"{customer_id}'s score held at {_num(score)} over {days} days to {day}."
    else:
        verb = "fell" if change < 0 else "rose"
        head = (
            f"{customer_id}'s score {verb} {_num(abs(change))} points in {days} days to {day} "
            f"({_num(before)} to {_num(score)}); segment {row.get('segment')}."
        )
    parts = sorted(
        (
            (row.get(f"{dimension}_change_{days}d"), dimension)
            for dimension in DIMENSIONS
            if row.get(f"{dimension}_change_{days}d") is not None
        ),
        key=lambda item: item[0],
    )
    sentences = [head]
    for points, dimension in parts:
        if abs(points) < NEGLIGIBLE_POINTS:
            continue
        effect = "cost" if points < 0 else "added"
        sentences.append(f"{dimension.capitalize()} {effect} {_num(abs(points))} points.")
    quiet = [d for p, d in parts if abs(p) < NEGLIGIBLE_POINTS]
    if quiet:
        sentences.append(f"Unchanged (under {NEGLIGIBLE_POINTS} points): {', '.join(quiet)}.")
    if row.get("primary_driver"):
        sentences.append(
            f"What pulls the score down most now: {row['primary_driver']} "
            f"({row.get('driver_detail')})."
        )
    if row.get("segment_forced_reason"):
        sentences.append(f"Segment forced: {row['segment_forced_reason']}.")
    return sentences


def _num(value: object) -> str:
    if isinstance(value, int | float):
        return f"{value:,.1f}"
    return "-" if value is None else str(value)
