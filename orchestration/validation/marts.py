"""The suite of every mart (`MART_SUITES`), and the comparison with the last published serving
copy: row count and, for score tables, the mean and quartiles of the score, within the bounds of
`seeds/mart_checks.csv`."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

if TYPE_CHECKING:
    import pandas as pd
    from great_expectations.expectations import Expectation
from orchestration.validation.customer_health import HEALTH_COLORS, SEGMENTS, _build_expectations
from orchestration.validation.gx_runner import (
    _POSITION,
    ValidationOutcome,
    _describe_failure,
    _quote,
    _run_suite,
    _suite_position,
)

NUMERIC_TYPES: list[str] = [
    *("float64", "float32", "int64", "int32", "int16", "int8"),
    *("Int64", "Int32", "Int16", "Int8", "Float64", "Float32"),
]

TEXT_TYPES: list[str] = ["object", "str", "string", "StringDtype"]

ALERT_KINDS: tuple[str, ...] = ("score_drop", "entered_at_risk")


@dataclass(frozen=True)
class MartSuite:
    """What each mart must satisfy; `latest_day` restricts the read to the newest day."""

    table: str
    key: tuple[str, ...]
    text: tuple[str, ...] = ()
    ranges: dict[str, tuple[float | None, float | None]] | None = None
    in_set: dict[str, tuple[str, ...]] | None = None
    not_null: tuple[str, ...] = ()
    score_column: str | None = None
    latest_day: str | None = None
    may_be_empty: bool = False


SCORE_RANGE: tuple[float, float] = (0, 100)

MART_SUITES: dict[str, MartSuite] = {
    suite.table: suite
    for suite in (
        MartSuite(
            table="customer_health",
            key=("customer_id",),
            text=("customer_id", "segment", "health_color"),
            ranges={"health_score": SCORE_RANGE},
            score_column="health_score",
        ),
        MartSuite(
            table="customer_health_daily",
            key=("customer_id",),  # unique within the day read
            text=("customer_id", "segment", "health_color", "primary_driver"),
            ranges={
                "health_score": SCORE_RANGE,
                "data_completeness_pct": SCORE_RANGE,
                "health_percentile": SCORE_RANGE,
            },
            in_set={"segment": SEGMENTS, "health_color": HEALTH_COLORS},
            not_null=("score_date", "segment", "data_completeness_pct"),
            score_column="health_score",
            latest_day="score_date",
        ),
        MartSuite(
            table="customer_segments",
            key=("segment",),
            text=("segment", "health_color"),
            ranges={
                "customers": (0, None),
                "customers_pct": SCORE_RANGE,
                "total_mrr": (0, None),
                "avg_health_score": SCORE_RANGE,
                "min_health_score": SCORE_RANGE,
                "max_health_score": SCORE_RANGE,
            },
            in_set={"segment": SEGMENTS, "health_color": HEALTH_COLORS},
            not_null=("customers",),
        ),
        MartSuite(
            table="health_alerts",
            key=("alert_id",),
            text=("alert_id", "customer_id", "alert_kind", "reason"),
            ranges={"health_score": SCORE_RANGE},
            in_set={"alert_kind": ALERT_KINDS, "segment": SEGMENTS},
            not_null=("customer_id", "reason", "first_seen_date"),
            may_be_empty=True,
        ),
        MartSuite(
            table="health_backtest",
            key=(),
            text=("analysis", "subject"),
            ranges={"churn_rate": (0, 1), "observations": (0, None), "churned": (0, None)},
            not_null=("analysis", "subject"),
        ),
    )
}


@dataclass(frozen=True)
class ComparisonBounds:
    """One row of seeds/mart_checks.csv; None means that comparison is not made."""

    max_row_drop_pct: float | None = None
    max_row_growth_pct: float | None = None
    max_mean_score_shift_points: float | None = None
    max_quartile_shift_points: float | None = None


def read_comparison_bounds(database: Path, table: str) -> ComparisonBounds | None:
    """The bounds of `table` in the warehouse's `seeds.mart_checks`; None without the seed."""
    with duckdb.connect(str(database), read_only=True) as connection:
        exists = connection.execute(
            "select count(*) from information_schema.tables"
            " where table_schema = 'seeds' and table_name = 'mart_checks'"
        ).fetchone()[0]
        if not exists:
            return None
        row = connection.execute(
            "select max_row_drop_pct, max_row_growth_pct, max_mean_score_shift_points,"
            " max_quartile_shift_points from seeds.mart_checks where table_name = ?",
            [table],
        ).fetchone()
    return ComparisonBounds(*row) if row else None


def validate_mart(
    database: Path,
    table: str,
    previous: Path | None = None,
    bounds: ComparisonBounds | None = None,
    docs_dir: Path | None = None,
) -> ValidationOutcome:
    """Validates `main.<table>` of `database` with its suite, and against the same table of the
    DuckDB file `previous` (the last published copy) when both it and `bounds` are given."""
    database = Path(database)
    if not database.is_file():
        raise FileNotFoundError(f"DuckDB database not found: {database}")
    spec = MART_SUITES[table]
    frame = _read_whole_mart(database, spec)
    if frame is None:
        return ValidationOutcome(
            success=False,
            evaluated=0,
            failed=[f"expect_table_to_exist(main.{table}): observed missing"],
            row_count=0,
        )
    columns = set(frame.columns)
    if table == "customer_health":
        # The health mart's own suite (validate_customer_health), plus the column types.
        expectations = _build_expectations(columns) + _type_expectations(spec, columns)
    else:
        expectations = _mart_expectations(spec, columns)
    if previous is not None and bounds is not None and Path(previous).is_file():
        before = _read_whole_mart(Path(previous), spec)
        if before is not None:
            expectations += _comparison_expectations(spec, before, bounds, columns)
    for position, expectation in enumerate(expectations):
        expectation.meta = {_POSITION: position}

    results = _run_suite(frame, expectations, name=table, docs_dir=docs_dir)
    failed = [
        _describe_failure(result, f"main.{table}")
        for result in sorted(results, key=_suite_position)
        if not result.success
    ]
    return ValidationOutcome(
        success=not failed, evaluated=len(results), failed=failed, row_count=len(frame)
    )


def _read_whole_mart(database: Path, spec: MartSuite) -> pd.DataFrame | None:
    with duckdb.connect(str(database), read_only=True) as connection:
        found = connection.execute(
            "select count(*) from information_schema.tables"
            " where table_schema = 'main' and table_name = ?",
            [spec.table],
        ).fetchone()[0]
        if not found:
            return None
        source = f"main.{_quote(spec.table)}"
        if spec.latest_day:
            day = _quote(spec.latest_day)
            return connection.execute(
                f"select * from {source} where {day} = (select max({day}) from {source})"
            ).df()
        return connection.execute(f"select * from {source}").df()


def _mart_expectations(spec: MartSuite, columns: set[str]) -> list[Expectation]:
    import great_expectations.expectations as gxe

    expectations: list[Expectation] = []
    if not spec.may_be_empty:
        expectations.append(gxe.ExpectTableRowCountToBeBetween(min_value=1))
    for name in spec.key:
        expectations += [
            gxe.ExpectColumnToExist(column=name),
            gxe.ExpectColumnValuesToNotBeNull(column=name),
        ]
    if len(spec.key) == 1 and spec.key[0] in columns:
        expectations.append(gxe.ExpectColumnValuesToBeUnique(column=spec.key[0]))
    expectations += _type_expectations(spec, columns)
    expectations += [
        gxe.ExpectColumnValuesToBeBetween(column=name, min_value=low, max_value=high)
        for name, (low, high) in (spec.ranges or {}).items()
        if name in columns
    ]
    expectations += [
        gxe.ExpectColumnValuesToBeInSet(column=name, value_set=list(values))
        for name, values in (spec.in_set or {}).items()
        if name in columns
    ]
    expectations += [
        gxe.ExpectColumnValuesToNotBeNull(column=name) for name in spec.not_null if name in columns
    ]
    return expectations


def _type_expectations(spec: MartSuite, columns: set[str]) -> list[Expectation]:
    import great_expectations.expectations as gxe

    text = [
        gxe.ExpectColumnValuesToBeInTypeList(column=name, type_list=TEXT_TYPES)
        for name in spec.text
        if name in columns
    ]
    numeric = [
        gxe.ExpectColumnValuesToBeInTypeList(column=name, type_list=NUMERIC_TYPES)
        for name in spec.ranges or {}
        if name in columns
    ]
    return [*text, *numeric]


def _comparison_expectations(
    spec: MartSuite, before: pd.DataFrame, bounds: ComparisonBounds, columns: set[str]
) -> list[Expectation]:
    """Row count and score distribution within the seeded bounds of the published copy's."""
    import math

    import great_expectations.expectations as gxe

    expectations: list[Expectation] = []
    published = len(before)
    if published and (bounds.max_row_drop_pct is not None or bounds.max_row_growth_pct is not None):
        low = (
            None
            if bounds.max_row_drop_pct is None
            else math.floor(published * (1 - bounds.max_row_drop_pct / 100))
        )
        high = (
            None
            if bounds.max_row_growth_pct is None
            else math.ceil(published * (1 + bounds.max_row_growth_pct / 100))
        )
        expectations.append(gxe.ExpectTableRowCountToBeBetween(min_value=low, max_value=high))
    column = spec.score_column
    if column is None or column not in columns or column not in before.columns:
        return expectations
    scores = before[column].dropna()
    if scores.empty:
        return expectations
    if bounds.max_mean_score_shift_points is not None:
        mean = float(scores.mean())
        shift = bounds.max_mean_score_shift_points
        expectations.append(
            gxe.ExpectColumnMeanToBeBetween(
                column=column, min_value=mean - shift, max_value=mean + shift
            )
        )
    if bounds.max_quartile_shift_points is not None:
        shift = bounds.max_quartile_shift_points
        quartiles = [float(scores.quantile(q)) for q in (0.25, 0.5, 0.75)]
        expectations.append(
            _quartiles_expectation()(
                column=column,
                quantile_ranges={
                    "quantiles": [0.25, 0.5, 0.75],
                    "value_ranges": [[q - shift, q + shift] for q in quartiles],
                },
            )
        )
    return expectations


@cache
def _quartiles_expectation() -> type[Expectation]:
    """GX's quantile expectation, with plain booleans in its result.

    In GX 1.24 its result holds numpy booleans, which the validation results store cannot write
    as JSON, so the Data Docs step fails; this subclass converts them.
    """
    import great_expectations.expectations as gxe

    class ExpectColumnQuartilesToBeBetween(gxe.ExpectColumnQuantileValuesToBeBetween):
        def _validate(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
            outcome = super()._validate(*args, **kwargs)
            outcome["success"] = bool(outcome["success"])
            details = outcome.get("result", {}).get("details", {})
            if "success_details" in details:
                details["success_details"] = [bool(v) for v in details["success_details"]]
            return outcome

    return ExpectColumnQuartilesToBeBetween
