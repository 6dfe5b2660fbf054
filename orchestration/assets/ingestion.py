"""One ingestion asset per landing source: files in, rows in `raw.<source>`."""

from dagster import (
    AssetExecutionContext,
    AssetsDefinition,
    BackfillPolicy,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)
from dagster_duckdb import DuckDBResource

from orchestration.loading import RAW_SCHEMA, load_source
from orchestration.project import landing_dir
from orchestration.sources import SOURCES


def build_ingestion_asset(source_name: str) -> AssetsDefinition:
    source = SOURCES[source_name]

    @asset(
        key=[RAW_SCHEMA, source_name],
        group_name="ingestion",
        kinds={"duckdb"},
        # Unpartitioned, but part of partition-range runs of the daily job: one run each.
        backfill_policy=BackfillPolicy.single_run(),
        description=f"{source.description} Loaded from landing/{source_name}/ into "
        f"{RAW_SCHEMA}.{source_name}; rows that cannot be typed go to raw.load_quarantine.",
    )
    def _ingest(context: AssetExecutionContext, duckdb: DuckDBResource) -> MaterializeResult:
        folder = landing_dir()
        with duckdb.get_connection() as con:
            report = load_source(con, source_name, folder)
            total_rows = con.execute(f"select count(*) from {RAW_SCHEMA}.{source_name}").fetchone()[
                0
            ]
        new_errors = [f.error for f in report.files if f.status == "rejected" and f.error]
        old_errors = [f.error for f in report.files if f.status == "skipped" and f.error]
        for message in old_errors:
            context.log.warning(f"still rejected (unchanged since last run): {message}")
        metadata = {
            "landing_folder": MetadataValue.path(str(folder / source_name)),
            "files_seen": len(report.files),
            "files_loaded": sum(f.status == "loaded" for f in report.files),
            "files_skipped_unchanged": sum(f.status == "skipped" for f in report.files),
            "rows_read": report.total("rows_read"),
            "rows_loaded": report.total("rows_loaded"),
            "rows_quarantined": report.total("rows_quarantined"),
            "raw_rows_total": total_rows,
        }
        if new_errors:
            # The good files beside a bad one are loaded (each in its own transaction) first.
            raise Failure(
                description="; ".join(new_errors),
                metadata=metadata | {"rejected_files": len(new_errors)},
            )
        return MaterializeResult(metadata=metadata)

    return _ingest


ingestion_assets = [build_ingestion_asset(name) for name in SOURCES]
