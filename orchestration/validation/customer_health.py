"""The suite of the `customer_health` mart: keys, score ranges, segments, colours, completeness."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

if TYPE_CHECKING:
    import pandas as pd
    from great_expectations.expectations import Expectation
from orchestration.validation.gx_runner import (
    _POSITION,
    ValidationOutcome,
    _describe_failure,
    _quote,
    _run_suite,
    _suite_position,
)

REQUIRED_COLUMNS: tuple[str, ...] = ("customer_id", "health_score", "segment", "health_color")

SUB_SCORE_COLUMNS: tuple[str, ...] = (
    "usage_score",
    "support_score",
    "satisfaction_score",
    "financial_score",
    "relationship_score",
    "engagement_score",
)

SEGMENTS: tuple[str, ...] = (
    "at_risk",
    "needs_attention",
    "engaged",
    "promoter",
    "insufficient_data",
    "onboarding",
    "churning",
)

HEALTH_COLORS: tuple[str, ...] = ("red", "yellow", "green", "grey")

SCORE_CONFIDENCES: tuple[str, ...] = ("high", "medium", "low")

# Every column the suite can look at; anything else in the mart is never read.
VALIDATED_COLUMNS: tuple[str, ...] = (
    *REQUIRED_COLUMNS,
    *SUB_SCORE_COLUMNS,
    "data_completeness_pct",
    "score_confidence",
    "churn_risk_90d",
)


def validate_customer_health(
    database: Path, schema: str = "main", table: str = "customer_health"
) -> ValidationOutcome:
    """Validate `schema.table` in the DuckDB file `database` with the customer health suite.

    Raises FileNotFoundError if the database file does not exist. A missing table is reported
    as a failed outcome (nothing evaluated) so that an asset check fails rather than errors.
    """
    database = Path(database)
    if not database.is_file():
        raise FileNotFoundError(f"DuckDB database not found: {database}")

    frame = _read_mart(database, schema, table)
    if frame is None:
        return ValidationOutcome(
            success=False,
            evaluated=0,
            failed=[f"expect_table_to_exist({schema}.{table}): observed missing"],
            row_count=0,
        )

    expectations = _build_expectations(set(frame.columns))
    results = _run_suite(frame, expectations)

    failed = [
        _describe_failure(result, f"{schema}.{table}")
        for result in sorted(results, key=_suite_position)
        if not result.success
    ]
    return ValidationOutcome(
        success=not failed,
        evaluated=len(results),
        failed=failed,
        row_count=len(frame),
    )


def _read_mart(database: Path, schema: str, table: str) -> pd.DataFrame | None:
    """Load only the validated columns; None when the table does not exist."""
    # read_only so a running dbt/Dagster writer is never blocked or modified by validation.
    connection = duckdb.connect(str(database), read_only=True)
    try:
        rows = connection.execute(
            """
            select table_schema, table_name, column_name
            from information_schema.columns
            where table_catalog = current_database()
              and lower(table_schema) = lower(?)
              and lower(table_name) = lower(?)
            order by ordinal_position
            """,
            [schema, table],
        ).fetchall()
        if not rows:
            return None
        actual_schema, actual_table = rows[0][0], rows[0][1]
        wanted = [name for _, _, name in rows if name in VALIDATED_COLUMNS]
        source = f"{_quote(actual_schema)}.{_quote(actual_table)}"
        if wanted:
            select_list = ", ".join(_quote(name) for name in wanted)
            return connection.execute(f"select {select_list} from {source}").df()
        # None of the known columns exist: keep the row count so that expectation still runs.
        import pandas as pd

        (count,) = connection.execute(f"select count(*) from {source}").fetchone()
        return pd.DataFrame(index=pd.RangeIndex(count))
    finally:
        connection.close()


def _build_expectations(columns: set[str]) -> list[Expectation]:
    # Imported lazily: GX takes seconds to import, which would slow every Dagster code load.
    import great_expectations.expectations as gxe
    from great_expectations.expectations.row_conditions import Column

    expectations: list[Expectation] = [gxe.ExpectTableRowCountToBeBetween(min_value=1)]
    # Required columns are asserted explicitly so a missing one is a named failure; value
    # expectations below only target columns that exist, as GX errors on unknown columns.
    expectations += [gxe.ExpectColumnToExist(column=name) for name in REQUIRED_COLUMNS]

    if "customer_id" in columns:
        expectations += [
            gxe.ExpectColumnValuesToNotBeNull(column="customer_id"),
            gxe.ExpectColumnValuesToBeUnique(column="customer_id"),
        ]
    if "health_score" in columns:
        expectations.append(
            gxe.ExpectColumnValuesToBeBetween(column="health_score", min_value=0, max_value=100)
        )
        if "segment" in columns:
            # A score may only be absent when the model had too little data to compute one.
            expectations.append(
                gxe.ExpectColumnValuesToNotBeNull(
                    column="health_score",
                    row_condition=Column("segment") != "insufficient_data",
                )
            )
    expectations += [
        gxe.ExpectColumnValuesToBeBetween(column=name, min_value=0, max_value=100)
        for name in SUB_SCORE_COLUMNS
        if name in columns
    ]
    if "data_completeness_pct" in columns:
        expectations += [
            gxe.ExpectColumnValuesToBeBetween(
                column="data_completeness_pct", min_value=0, max_value=100
            ),
            gxe.ExpectColumnValuesToNotBeNull(column="data_completeness_pct"),
        ]
    # Every scored customer has a confidence and a churn risk; only grey ones lack them.
    if "score_confidence" in columns:
        expectations.append(
            gxe.ExpectColumnValuesToBeInSet(column="score_confidence", value_set=SCORE_CONFIDENCES)
        )
        if "segment" in columns:
            expectations.append(
                gxe.ExpectColumnValuesToNotBeNull(
                    column="score_confidence",
                    row_condition=Column("segment") != "insufficient_data",
                )
            )
    if "churn_risk_90d" in columns:
        expectations.append(
            gxe.ExpectColumnValuesToBeBetween(column="churn_risk_90d", min_value=0, max_value=1)
        )
        if "segment" in columns:
            expectations.append(
                gxe.ExpectColumnValuesToNotBeNull(
                    column="churn_risk_90d",
                    row_condition=Column("segment") != "insufficient_data",
                )
            )
    if "segment" in columns:
        expectations.append(gxe.ExpectColumnValuesToBeInSet(column="segment", value_set=SEGMENTS))
    if "health_color" in columns:
        expectations.append(
            gxe.ExpectColumnValuesToBeInSet(column="health_color", value_set=HEALTH_COLORS)
        )

    for position, expectation in enumerate(expectations):
        expectation.meta = {_POSITION: position}
    return expectations
