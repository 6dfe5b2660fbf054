"""Write-audit-publish: the marts reach readers only after every blocking check has passed.

The dbt build fails (and so skips this asset) when a dbt test fails, and the Great Expectations
checks on each mart are blocking asset checks: a failure skips this asset too, so the previous
serving copy stays in place.
"""

from dagster import (
    AssetExecutionContext,
    AssetKey,
    BackfillPolicy,
    MaterializeResult,
    MetadataValue,
    asset,
)

from orchestration.project import warehouse_path
from orchestration.serving import SERVING_TABLES, publish, serving_dir

SERVING_OWNERS = ["team:customer-success-analytics"]


@asset(
    key=["serving_copy"],
    deps=[AssetKey([table]) for table in SERVING_TABLES],
    group_name="delivery",
    kinds={"duckdb", "parquet"},
    owners=SERVING_OWNERS,
    backfill_policy=BackfillPolicy.single_run(),
    description="The checked marts copied to data/serving/health.duckdb (a new file renamed "
    "over the old one) and data/serving/parquet/<table>.parquet. BI tools, the dashboard and "
    "the CLI read only this copy; a failed check leaves the previous one in place.",
)
def serving_copy(context: AssetExecutionContext) -> MaterializeResult:
    publication = publish(warehouse_path(), serving_dir(), run_id=context.run.run_id)
    context.log.info(f"published {publication.row_counts} to {publication.path}")
    return MaterializeResult(
        metadata={
            "path": MetadataValue.path(str(publication.path)),
            "parquet": MetadataValue.path(str(publication.parquet_dir)),
            "as_of_date": publication.as_of_date or "",
            **{f"rows_{table}": count for table, count in publication.row_counts.items()},
        }
    )
