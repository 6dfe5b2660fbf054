"""Asset checks beside the assets they check: a Great Expectations suite on every mart (blocking:
a mart that fails is not published), and reconciliation of every ingestion (rows read = rows
loaded + rows quarantined)."""

from pathlib import Path

import duckdb as duckdb_client
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetKey,
    MetadataValue,
    asset_check,
)
from dagster_duckdb import DuckDBResource

from orchestration.loading import RAW_SCHEMA, reconcile
from orchestration.project import data_dir, warehouse_path
from orchestration.serving import serving_path
from orchestration.sources import SOURCES
from orchestration.validation import (
    MART_SUITES,
    ValidationOutcome,
    read_comparison_bounds,
    validate_mart,
)

MART_CHECK_DESCRIPTIONS: dict[str, str] = {
    "customer_health": "keys, column types, score ranges, segments, colours, completeness",
    "customer_health_daily": "the latest day: one row per customer, types, score ranges, "
    "segments, colours",
    "customer_segments": "one row per known segment, counts, shares and score ranges",
    "health_alerts": "unique alert ids, known kinds and segments, reasons present",
    "health_backtest": "analyses and subjects present, churn rates in [0, 1]",
}


def gx_docs_dir() -> Path:
    """Where the Great Expectations Data Docs are built (offline HTML)."""
    return data_dir() / "docs" / "gx"


def run_mart_suite(table: str) -> ValidationOutcome:
    """The mart's suite, compared with the last published serving copy; renders Data Docs."""
    # Runs after dbt has finished and released the file; opens it read-only.
    warehouse = warehouse_path()
    return validate_mart(
        warehouse,
        table,
        previous=serving_path(),
        bounds=read_comparison_bounds(warehouse, table),
        docs_dir=gx_docs_dir(),
    )


def build_mart_expectations_check(table: str) -> AssetChecksDefinition:
    @asset_check(
        asset=AssetKey([table]),
        name="great_expectations_suite",
        description=f"Great Expectations suite on {table}: {MART_CHECK_DESCRIPTIONS[table]}; "
        "row count and score distribution within seeds/mart_checks.csv of the last published "
        "serving copy. Blocking: a failure keeps the previous serving copy.",
        blocking=True,
    )
    def _check(context: AssetCheckExecutionContext) -> AssetCheckResult:
        outcome = run_mart_suite(table)
        for failure in outcome.failed:
            context.log.error(f"{table}: {failure}")
        return AssetCheckResult(
            passed=outcome.success,
            metadata={
                "expectations_evaluated": outcome.evaluated,
                "expectations_failed": len(outcome.failed),
                "rows": outcome.row_count,
                "failures": MetadataValue.md("\n".join(f"- {f}" for f in outcome.failed) or "none"),
                "data_docs": MetadataValue.path(str(gx_docs_dir() / "index.html")),
            },
        )

    return _check


mart_expectation_checks = [build_mart_expectations_check(table) for table in MART_SUITES]


def build_reconciliation_check(source_name: str) -> AssetChecksDefinition:
    @asset_check(
        asset=AssetKey([RAW_SCHEMA, source_name]),
        name="ledger_reconciles",
        description="For every file loaded: rows read = rows loaded + rows quarantined, the raw "
        "and quarantine tables hold exactly those rows, and no row is in both.",
    )
    def _check(context: AssetCheckExecutionContext, duckdb: DuckDBResource) -> AssetCheckResult:
        with duckdb.get_connection() as con:
            mismatches = reconcile(con, source_name)
            files = con.execute(
                f"select count(*) from {RAW_SCHEMA}.load_ledger where source = ?", [source_name]
            ).fetchone()[0]
        return AssetCheckResult(
            passed=not mismatches,
            severity=AssetCheckSeverity.ERROR,
            metadata={
                "files_in_ledger": files,
                "mismatched_files": MetadataValue.md(
                    "\n".join(f"- {m[0]}: {m[1:]}" for m in mismatches) or "none"
                ),
            },
        )

    return _check


reconciliation_checks = [build_reconciliation_check(name) for name in SOURCES]


@asset_check(
    asset=AssetKey(["health_backtest"]),
    name="overall_auc_above_floor",
    description="Warns when the pooled AUC of the overall score falls under the "
    "backtest_auc_floor setting (seeds/health_settings.csv).",
)
def backtest_auc_floor(context: AssetCheckExecutionContext) -> AssetCheckResult:
    with duckdb_connect_read_only() as con:
        auc = con.execute(
            "select metric_value from health_backtest"
            " where analysis = 'auc' and subject = 'overall' and score_date is null"
        ).fetchone()
        floor = con.execute(
            "select value from seeds.health_settings where setting = 'backtest_auc_floor'"
        ).fetchone()
    value = auc[0] if auc else None
    threshold = floor[0] if floor else 0.5
    return AssetCheckResult(
        passed=value is not None and value >= threshold,
        severity=AssetCheckSeverity.WARN,
        metadata={"overall_auc": value, "auc_floor": threshold},
    )


def duckdb_connect_read_only() -> duckdb_client.DuckDBPyConnection:
    return duckdb_client.connect(str(warehouse_path()), read_only=True)
