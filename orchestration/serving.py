"""The serving copy: the checked marts, published for BI tools, the dashboard and the CLI.

DuckDB lets one process write a file, and while it writes no other process may open it, not
even read-only. Readers therefore never open the working warehouse: after every blocking check
has passed, `publish` copies the marts into a new DuckDB file beside the serving copy and
renames it over the old one, which is atomic on one file system. A reader that has the old file
open keeps reading the old version; the next connection sees the new one, never a mix. The
Parquet files are written into a new folder per publication and the `parquet` link is swapped
to it in one rename as well.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.duckdb_settings import connect
from orchestration.project import data_dir

# Every mart a reader may query, in the order they are published.
SERVING_TABLES: tuple[str, ...] = (
    "customer_health",
    "customer_health_daily",
    "customer_segments",
    "health_alerts",
    "health_backtest",
)
# What the one-customer breakdown (`score_report.worked_example`) reads beside the marts, copied
# for the as-of day only so that the CLI can explain a score without the working warehouse.
EXPLANATION_TABLES: tuple[str, ...] = (
    "seeds.metric_scoring",
    "seeds.health_settings",
    "seeds.churn_risk_bands",
    "intermediate.int_health__scored",
    *(
        f"intermediate.int_{dimension}__scores"
        for dimension in ("usage", "support", "satisfaction", "financial", "relationship")
    ),
    "intermediate.int_engagement__scores",
)
# One row per published table: row count, as-of date, when and by which run.
PUBLICATION_TABLE = "publication"
SERVING_FILE = "health.duckdb"
PARQUET_LINK = "parquet"


def serving_dir() -> Path:
    """Folder of the serving copy (`CHS_SERVING_DIR`, default `data/serving`)."""
    return Path(os.environ.get("CHS_SERVING_DIR", data_dir() / "serving")).resolve()


def serving_path() -> Path:
    """The serving DuckDB file that BI tools, the dashboard and the CLI open read-only."""
    return serving_dir() / SERVING_FILE


@dataclass(frozen=True)
class Publication:
    path: Path
    parquet_dir: Path
    row_counts: dict[str, int]
    as_of_date: str | None
    published_at: datetime


def publish(warehouse: Path, target_dir: Path | None = None, run_id: str = "") -> Publication:
    """Copies the marts of `warehouse` to `<target_dir>/health.duckdb` and Parquet, atomically."""
    target_dir = Path(target_dir or serving_dir())
    target_dir.mkdir(parents=True, exist_ok=True)
    published_at = datetime.now(UTC).replace(microsecond=0)
    stamp = published_at.strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}"
    temporary = target_dir / f".{SERVING_FILE}.{stamp}.tmp"
    parquet_version = target_dir / f".parquet-{stamp}"
    temporary.unlink(missing_ok=True)
    shutil.rmtree(parquet_version, ignore_errors=True)

    # Copies every mart: the memory limit keeps a large history from exhausting RAM.
    con = connect(temporary)
    try:
        con.execute(f"attach '{_literal(warehouse)}' as warehouse (read_only)")
        row_counts: dict[str, int] = {}
        for table in SERVING_TABLES:
            con.execute(f"create table main.{table} as select * from warehouse.main.{table}")
            row_counts[table] = con.execute(f"select count(*) from main.{table}").fetchone()[0]
        as_of = con.execute("select max(as_of_date) from main.customer_health").fetchone()[0]
        for qualified in EXPLANATION_TABLES:
            schema, table = qualified.split(".")
            con.execute(f"create schema if not exists {schema}")
            columns = {
                row[0]
                for row in con.execute(
                    "select column_name from information_schema.columns where table_catalog ="
                    " 'warehouse' and table_schema = ? and table_name = ?",
                    [schema, table],
                ).fetchall()
            }
            day_filter = " where score_date = ?" if "score_date" in columns else ""
            con.execute(
                f"create table {qualified} as select * from warehouse.{qualified}{day_filter}",
                [as_of] if day_filter else [],
            )
        con.execute("detach warehouse")
        con.execute(
            f"create table main.{PUBLICATION_TABLE} ("
            " table_name varchar, row_count bigint, as_of_date date,"
            " published_at timestamp, run_id varchar)"
        )
        con.executemany(
            f"insert into main.{PUBLICATION_TABLE} values (?, ?, ?, ?, ?)",
            [
                (table, count, as_of, published_at.replace(tzinfo=None), run_id)
                for table, count in row_counts.items()
            ],
        )
        parquet_version.mkdir()
        for table in (*SERVING_TABLES, PUBLICATION_TABLE):
            target = _literal(parquet_version / f"{table}.parquet")
            con.execute(f"copy main.{table} to '{target}' (format parquet)")
        con.execute("checkpoint")
    except BaseException:
        con.close()
        temporary.unlink(missing_ok=True)
        shutil.rmtree(parquet_version, ignore_errors=True)
        raise
    con.close()
    _fsync(temporary)

    path = target_dir / SERVING_FILE
    os.replace(temporary, path)
    _swap_link(target_dir / PARQUET_LINK, parquet_version)
    _remove_old_versions(target_dir, keep=parquet_version)
    return Publication(
        path=path,
        parquet_dir=target_dir / PARQUET_LINK,
        row_counts=row_counts,
        as_of_date=None if as_of is None else str(as_of),
        published_at=published_at,
    )


def connect_serving(path: Path | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the serving copy, with a clear error when none is published."""
    path = Path(path or serving_path())
    if not path.is_file():
        raise FileNotFoundError(
            f"No serving copy at {path}: run `make run` (or materialise the serving_copy asset)."
        )
    return duckdb.connect(str(path), read_only=True)


def _swap_link(link: Path, target: Path) -> None:
    """Points `link` at `target` in one rename; a real folder left by hand is moved aside."""
    if link.exists() and not link.is_symlink():
        shutil.rmtree(link)
    staged = link.with_name(f".{link.name}.link.tmp")
    staged.unlink(missing_ok=True)
    staged.symlink_to(target.name)
    os.replace(staged, link)


def _remove_old_versions(target_dir: Path, keep: Path) -> None:
    """Keeps the new Parquet folder and the one before it (a reader may still be in it)."""
    versions = sorted(p for p in target_dir.glob(".parquet-*") if p.is_dir() and p != keep)
    for old in versions[:-1]:
        shutil.rmtree(old, ignore_errors=True)
    # Temporary files of a publication that was killed half-way.
    for leftover in target_dir.glob(f".{SERVING_FILE}.*.tmp*"):
        if leftover.stat().st_mtime < keep.stat().st_mtime:
            leftover.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _literal(path: Path) -> str:
    return str(path).replace("'", "''")
