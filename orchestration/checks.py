"""Asset checks beside the assets they check: the Great Expectations suite on the health mart,
reconciliation of every ingestion (rows read = rows loaded + rows quarantined), the backtest's
AUC floor, and exchange rates covering every currency in use."""

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
from orchestration.project import warehouse_path
from orchestration.sources import SOURCES
from orchestration.validation import validate_customer_health


@asset_check(
    asset=AssetKey(["customer_health"]),
    name="great_expectations_suite",
    description="Great Expectations suite on customer_health: keys, score ranges, segments, "
    "colours, completeness.",
    blocking=True,
)
def customer_health_expectations(context: AssetCheckExecutionContext) -> AssetCheckResult:
    # Runs after dbt has finished and released the file; opens it read-only.
    outcome = validate_customer_health(warehouse_path())
    return AssetCheckResult(
        passed=outcome.success,
        metadata={
            "expectations_evaluated": outcome.evaluated,
            "expectations_failed": len(outcome.failed),
            "rows": outcome.row_count,
            "failures": MetadataValue.md("\n".join(f"- {f}" for f in outcome.failed) or "none"),
        },
    )


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


MISSING_FX_RATES_SQL = """
    select source_table, currency, customers, first_missing_date, last_missing_date,
        score_days_missing
    from intermediate.int_fx__missing_rates
    order by source_table, currency
"""


def missing_fx_rates(con: duckdb_client.DuckDBPyConnection) -> list[tuple]:
    """Currencies in use without an `fx_rates` row on some score date (int_fx__missing_rates)."""
    return con.execute(MISSING_FX_RATES_SQL).fetchall()


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
