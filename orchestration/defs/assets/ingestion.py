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
from duckdb import DuckDBPyConnection

from orchestration.defs.resources import DBT_TARGETS, dbt_target
from orchestration.ingestion import RAW_SCHEMA, SourceLoad, load_source
from orchestration.ingestion.config import load_config
from orchestration.ingestion.sources import SOURCES
from orchestration.project import landing_dir


def _files_table(report: SourceLoad) -> str:
    lines = [
        "| file | status | read | loaded | quarantined | flagged |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for f in report.files:
        lines.append(
            f"| {f.path.name} | {f.status} | {f.rows_read} | {f.rows_loaded} | "
            f"{f.rows_quarantined} | {f.rows_flagged} |"
        )
    return "\n".join(lines)


def _export_for_spark(con: DuckDBPyConnection, source_name: str, report: SourceLoad) -> int | None:
    """On the Spark target, the raw table as the Parquet Spark reads (orchestration.spark.landing):
    after a load that changed it, or when the Parquet is missing. None on DuckDB."""
    if dbt_target() != DBT_TARGETS["spark"]:
        return None
    from orchestration.spark.landing import SourceTable, export_tables, spark_landing_dir

    table = SourceTable(RAW_SCHEMA, source_name)
    out = spark_landing_dir()
    changed = any(f.status == "loaded" for f in report.files)
    if not changed and (out / table.schema / table.table).is_dir():
        return None
    return export_tables(con, [table], out)[f"{table.schema}.{table.table}"]


def build_ingestion_asset(source_name: str) -> AssetsDefinition:
    source = SOURCES[source_name]

    @asset(
        key=[RAW_SCHEMA, source_name],
        group_name="ingestion",
        kinds={"duckdb"},
        # Landing files are the data platform's: a failed load is theirs to look at first.
        owners=["team:data-platform"],
        # Unpartitioned, but part of partition-range runs of the daily job: one run each.
        backfill_policy=BackfillPolicy.single_run(),
        description=f"{source.description} Loaded from landing/{source_name}/ into "
        f"{RAW_SCHEMA}.{source_name}; rows that cannot be typed or break a rule go to "
        "raw.load_quarantine with the reason, and every file to raw.load_ledger.",
    )
    def _ingest(context: AssetExecutionContext, duckdb: DuckDBResource) -> MaterializeResult:
        folder = landing_dir()
        with duckdb.get_connection() as con:
            report = load_source(con, source_name, folder, load_config())
            total_rows = con.execute(f"select count(*) from {RAW_SCHEMA}.{source_name}").fetchone()[
                0
            ]
            spark_rows = _export_for_spark(con, source_name, report)
        # Includes rejected files left unchanged since an earlier run: the asset fails on every
        # run until the file is replaced or removed, so dbt does not build on a partial load.
        errors = report.errors
        for f in report.files:
            if f.status in ("duplicate", "empty"):
                context.log.warning(f.error or f"{f.path}: {f.status}")
            elif f.rows_quarantined:
                context.log.warning(
                    f"{f.path}: {f.rows_quarantined} of {f.rows_read} rows quarantined "
                    f"({', '.join(f'{k}: {v}' for k, v in f.reasons.items())}); "
                    "see raw.load_quarantine"
                )
        metadata = {
            "landing_folder": MetadataValue.path(str(folder / source_name)),
            "files_seen": len(report.files),
            "files_loaded": sum(f.status == "loaded" for f in report.files),
            "files_skipped_unchanged": sum(f.status == "skipped" for f in report.files),
            "files_duplicate": sum(f.status == "duplicate" for f in report.files),
            "rows_read": report.total("rows_read"),
            "rows_loaded": report.total("rows_loaded"),
            "rows_quarantined": report.total("rows_quarantined"),
            "rows_flagged": report.total("rows_flagged"),
            "quarantine_reasons": MetadataValue.json(report.reasons()),
            "raw_rows_total": total_rows,
        }
        if spark_rows is not None:
            metadata["spark_landing_rows"] = spark_rows
        if errors or any(f.status != "skipped" for f in report.files):
            metadata["files"] = MetadataValue.md(_files_table(report))
        if errors:
            # The good files beside a bad one are loaded (each in its own transaction) first.
            raise Failure(
                description="; ".join(errors),
                metadata=metadata | {"rejected_files": len(errors)},
            )
        return MaterializeResult(metadata=metadata)

    return _ingest


ingestion_assets = [build_ingestion_asset(name) for name in SOURCES]
