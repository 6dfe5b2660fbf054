"""Great Expectations suite for the `customer_health` mart in the DuckDB warehouse.

The mart is read through a read-only duckdb connection into a pandas DataFrame and validated
with GX's pandas datasource. GX's SQL datasource is not used: in GX 1.24.1 its
`execute_query` fetches rows after the connection has been closed (and rolled back), so
duckdb-engine hands back an empty result and metrics fail with "list index out of range".
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

# Analytics off. Set at module import so it precedes any GX import below (GX 1.24.1 ships no
# telemetry code, but other GX versions read this variable when imported).
os.environ["GX_ANALYTICS_ENABLED"] = "False"

import duckdb  # noqa: E402

if TYPE_CHECKING:
    import pandas as pd
    from great_expectations.core.expectation_validation_result import (
        ExpectationValidationResult,
    )
    from great_expectations.expectations import Expectation

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

_POSITION = "suite_position"  # meta key used to report failures in suite order
_MAX_EXAMPLES = 5


@dataclass(frozen=True)
class ValidationOutcome:
    success: bool
    evaluated: int  # number of expectations run
    failed: list[str]  # "expectation_type(column): observed ..." for each failure
    row_count: int


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


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


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


def _run_suite(
    frame: pd.DataFrame, expectations: list[Expectation]
) -> list[ExpectationValidationResult]:
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    # Ephemeral, in-memory stores: nothing is written to the repo or the home folder.
    context = gx.get_context(
        mode="ephemeral",
        project_config=DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(),
            analytics_enabled=False,
            progress_bars=ProgressBarsConfig(globally=False),
        ),
    )
    batch = (
        context.data_sources.add_pandas("customer_health_warehouse")
        .add_dataframe_asset("customer_health")
        .add_batch_definition_whole_dataframe("whole_table")
        .get_batch(batch_parameters={"dataframe": frame})
    )
    suite = gx.ExpectationSuite(name="customer_health")
    for expectation in expectations:
        suite.add_expectation(expectation)
    # BASIC is enough for the messages and skips SUMMARY's value counts over the unexpected rows.
    return list(batch.validate(suite, result_format="BASIC").results)


def _suite_position(result: ExpectationValidationResult) -> int:
    return int(result.expectation_config.meta.get(_POSITION, 0))


def _describe_failure(result: ExpectationValidationResult, table_label: str) -> str:
    config = result.expectation_config
    kwargs: dict[str, Any] = config.kwargs
    target = kwargs.get("column") or table_label
    condition = kwargs.get("row_condition")
    if isinstance(condition, dict) and "column" in condition:
        target += (
            f" where {condition['column']['name']} {condition['operator']} "
            f"{condition['parameter']!r}"
        )
    return f"{config.type}({target}): observed {_observed(result)}"


def _observed(result: ExpectationValidationResult) -> str:
    info = result.exception_info or {}
    # exception_info is either a flat dict or keyed by metric id, depending on where GX failed.
    errors = [info] if "raised_exception" in info else list(info.values())
    messages = [e.get("exception_message") for e in errors if e.get("raised_exception")]
    if messages:
        return f"error: {messages[0]}"

    details: dict[str, Any] = dict(result.result or {})
    if "unexpected_count" in details:
        examples = list(details.get("partial_unexpected_list") or [])[:_MAX_EXAMPLES]
        text = f"{details['unexpected_count']} unexpected of {details.get('element_count')} rows"
        return f"{text}, e.g. {examples!r}" if examples else text
    if "observed_value" in details:
        return repr(details["observed_value"])
    if result.expectation_config.type == "expect_column_to_exist":
        return "missing"
    return "failure"
