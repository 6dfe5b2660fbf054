"""Great Expectations suites for the marts in the DuckDB warehouse.

`validate_customer_health` is the suite of the health mart; `validate_mart` runs the suite of
any mart (`MART_SUITES`) plus the comparison with the last published serving copy: row count
and, for score tables, the mean and quartiles of the score, within the bounds of
`seeds/mart_checks.csv`. With a Data Docs folder, each validation is also rendered there.

The mart is read through a read-only duckdb connection into a pandas DataFrame and validated
with GX's pandas datasource. GX's SQL datasource is not used: in GX 1.24.1 its
`execute_query` fetches rows after the connection has been closed (and rolled back), so
duckdb-engine hands back an empty result and metrics fail with "list index out of range".
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
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
    frame: pd.DataFrame,
    expectations: list[Expectation],
    name: str = "customer_health",
    docs_dir: Path | None = None,
) -> list[ExpectationValidationResult]:
    import great_expectations as gx

    context = _context(docs_dir)
    batch_definition = (
        context.data_sources.add_or_update_pandas(f"{name}_warehouse")
        .add_dataframe_asset(name)
        .add_batch_definition_whole_dataframe("whole_table")
    )
    suite = gx.ExpectationSuite(name=name)
    for expectation in expectations:
        suite.add_expectation(expectation)
    if docs_dir is None:
        batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
        # BASIC is enough for the messages and skips SUMMARY's value counts.
        return list(batch.validate(suite, result_format="BASIC").results)

    from great_expectations.checkpoint import UpdateDataDocsAction

    suite = context.suites.add_or_update(suite)
    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=name, data=batch_definition, suite=suite)
    )
    checkpoint = context.checkpoints.add_or_update(
        gx.Checkpoint(
            name=f"{name}_checkpoint",
            validation_definitions=[definition],
            actions=[UpdateDataDocsAction(name="data_docs")],
            result_format="BASIC",
        )
    )
    result = checkpoint.run(batch_parameters={"dataframe": frame})
    return [r for run in result.run_results.values() for r in run.results]


def _context(docs_dir: Path | None) -> Any:
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        FilesystemStoreBackendDefaults,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    if docs_dir is None:
        # Ephemeral, in-memory stores: nothing is written to the repo or the home folder.
        defaults: Any = InMemoryStoreBackendDefaults()
        sites: dict[str, Any] = {}
    else:
        # Suites and results are kept beside the docs so the index lists every mart.
        store = Path(docs_dir).parent / "gx_store"
        defaults = FilesystemStoreBackendDefaults(root_directory=str(store))
        sites = {
            "local_site": {
                "class_name": "SiteBuilder",
                "show_how_to_buttons": False,
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(docs_dir),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            }
        }
    return gx.get_context(
        mode="ephemeral",
        project_config=DataContextConfig(
            store_backend_defaults=defaults,
            data_docs_sites=sites,
            analytics_enabled=False,
            progress_bars=ProgressBarsConfig(globally=False),
        ),
    )


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


# ---------------------------------------------------------------------------- every mart

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
