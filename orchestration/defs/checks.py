"""Asset checks beside the assets they check: a Great Expectations suite on every mart (blocking:
a mart that fails is not published), reconciliation of every ingestion (rows read = rows loaded
+ rows quarantined), the backtest's AUC floor, exchange rates covering every currency in use, and
the data-quality findings that a run reports without stopping."""

import duckdb as duckdb_client
import yaml
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

from orchestration.ingestion import RAW_SCHEMA, reconcile
from orchestration.ingestion.sources import SOURCES
from orchestration.project import REPO_ROOT, warehouse_path
from orchestration.serving import serving_path
from orchestration.validation import (
    MART_SUITES,
    ValidationOutcome,
    read_comparison_bounds,
    validate_mart,
)
from orchestration.validation.docs import gx_docs_dir
from orchestration.validation.findings import missing_fx_rates

MART_CHECK_DESCRIPTIONS: dict[str, str] = {
    "customer_health": "keys, column types, score ranges, segments, colours, completeness",
    "customer_health_daily": "the latest day: one row per customer, types, score ranges, "
    "segments, colours",
    "customer_segments": "one row per known segment, counts, shares and score ranges",
    "health_alerts": "unique alert ids, known kinds and segments, reasons present",
    "health_backtest": "analyses and subjects present, churn rates in [0, 1]",
}


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
    "backtest_auc_floor setting (seeds/health_settings.csv). Skipped (passes, saying so) while "
    "no day of history has a full churn horizon of follow-up yet.",
)
def backtest_auc_floor(context: AssetCheckExecutionContext) -> AssetCheckResult:
    with duckdb_connect_read_only() as con:
        return backtest_auc_result(con, churn_horizon_days())


def backtest_auc_result(
    con: duckdb_client.DuckDBPyConnection, horizon_days: int
) -> AssetCheckResult:
    """The AUC floor check, or a skip that says how many more days of history it needs."""
    auc = con.execute(
        "select metric_value from health_backtest"
        " where analysis = 'auc' and subject = 'overall' and score_date is null"
    ).fetchone()
    floor = con.execute(
        "select value from seeds.health_settings where setting = 'backtest_auc_floor'"
    ).fetchone()
    first, last = con.execute(
        "select min(score_date), max(score_date) from customer_health_daily"
    ).fetchone()
    value = auc[0] if auc else None
    threshold = floor[0] if floor else 0.5
    if value is None:
        days_of_follow_up = (last - first).days if first and last else 0
        needed = max(horizon_days - days_of_follow_up, 0)
        reason = (
            f"skipped: no day of history has {horizon_days} days of follow-up yet "
            f"({days_of_follow_up} so far); {needed} more day(s) of history needed"
            if needed
            else "skipped: no customer was eligible on the backtest days"
        )
        return AssetCheckResult(
            passed=True,
            severity=AssetCheckSeverity.WARN,
            description=reason,
            metadata={
                "status": "skipped",
                "reason": reason,
                "days_of_history_needed": needed,
                "auc_floor": threshold,
            },
        )
    return AssetCheckResult(
        passed=value >= threshold,
        severity=AssetCheckSeverity.WARN,
        metadata={"status": "evaluated", "overall_auc": value, "auc_floor": threshold},
    )


def churn_horizon_days() -> int:
    """The `churn_horizon_days` var of dbt_project.yml, which the backtest reads."""
    with (REPO_ROOT / "dbt_project.yml").open() as handle:
        return int(yaml.safe_load(handle)["vars"]["churn_horizon_days"])


@asset_check(
    asset=AssetKey(["intermediate", "int_quality__findings"]),
    name="no_data_quality_findings",
    description="Warns on rows whose customer is unknown, features missing from their plan's "
    "list, plans without a feature list and plans without a weight set "
    "(int_quality__findings): none stops the run, none passes in silence.",
)
def data_quality_findings(context: AssetCheckExecutionContext) -> AssetCheckResult:
    with duckdb_connect_read_only() as con:
        return data_quality_result(con)


def data_quality_result(con: duckdb_client.DuckDBPyConnection) -> AssetCheckResult:
    rows = con.execute(
        "select finding, subject, row_count, customers, example, description"
        " from intermediate.int_quality__findings order by finding, subject"
    ).fetchall()
    counts: dict[str, int] = {}
    for finding, _, row_count, *_ in rows:
        counts[finding] = counts.get(finding, 0) + row_count
    table = "\n".join(f"| {f} | {s} | {n:,} | {c:,} | {e} | {d} |" for f, s, n, c, e, d in rows)
    return AssetCheckResult(
        passed=not rows,
        severity=AssetCheckSeverity.WARN,
        metadata={
            **{f"{finding}_rows": count for finding, count in counts.items()},
            "findings": MetadataValue.md(
                "| finding | subject | rows | customers | example | meaning |\n"
                "|---|---|---|---|---|---|\n" + table
                if rows
                else "none"
            ),
        },
    )


@asset_check(
    asset=AssetKey(["customer_health"]),
    name="fx_rates_cover_every_currency",
    description="Warns when a subscription or invoice currency has no rate in seeds/fx_rates.csv "
    "on a score date: its money is left unconverted (null), never counted at rate 1.",
)
def fx_rates_cover_every_currency(context: AssetCheckExecutionContext) -> AssetCheckResult:
    with duckdb_connect_read_only() as con:
        missing = missing_fx_rates(con)
    return AssetCheckResult(
        passed=not missing,
        severity=AssetCheckSeverity.WARN,
        metadata={
            "currencies_missing": len({row[1] for row in missing}),
            "missing": MetadataValue.md(
                "\n".join(
                    f"- {currency} ({source}, {customers} customers): no rate from {first} to "
                    f"{last} ({days} score days)"
                    for source, currency, customers, first, last, days in missing
                )
                or "none"
            ),
        },
    )


def duckdb_connect_read_only() -> duckdb_client.DuckDBPyConnection:
    return duckdb_client.connect(str(warehouse_path()), read_only=True)
