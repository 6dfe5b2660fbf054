"""Loading: one file in one transaction with its ledger row, every file of a source, and the
reconciliation of rows read against rows loaded and quarantined."""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from orchestration.ingestion.config import (
    DEFAULT_FUTURE_TOLERANCE_HOURS,
    IngestionConfig,
    ReadOptions,
    load_config,
)
from orchestration.ingestion.encoding import _hash_and_profile, _TextProfile
from orchestration.ingestion.files import LandingFileError, _literal, _now, landing_files
from orchestration.ingestion.ledger import (
    FLAG_COLUMNS,
    QUARANTINE_COLUMNS,
    RAW_SCHEMA,
    _insert_ledger,
    _next_load_id,
    ensure_raw_tables,
)
from orchestration.ingestion.planning import _EmptyFile, _plan
from orchestration.ingestion.readers import MAX_LINE_BYTES, _Plan
from orchestration.ingestion.rules import _stage_sql, read_survey_scales
from orchestration.ingestion.sources import (
    SOURCES,
    Source,
)

# A file whose size and modification time are unchanged and older than its last load by this
# much is not hashed again.
MTIME_SLACK = timedelta(seconds=2)

# Statuses of a ledger row. `failed` (an unexpected error) is retried on the next run; the
# others are final for that content.
LOADED, REJECTED, FAILED, DUPLICATE, EMPTY, SKIPPED = (
    "loaded",
    "rejected",
    "failed",
    "duplicate",
    "empty",
    "skipped",
)


@dataclass
class FileLoad:
    path: Path
    status: str  # loaded, skipped, rejected, failed, duplicate, empty
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_flagged: int = 0
    error: str | None = None
    load_id: int | None = None
    reasons: dict[str, int] = field(default_factory=dict)

    @property
    def is_error(self) -> bool:
        """Rejected or failed now, or rejected earlier and still in the landing folder unchanged:
        every run reports it, with the message of its rejection, until it is replaced or
        removed."""
        return self.status in (REJECTED, FAILED) or (self.status == SKIPPED and bool(self.error))


@dataclass
class SourceLoad:
    source: str
    files: list[FileLoad] = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        return [f.error for f in self.files if f.is_error and f.error]

    def total(self, attribute: str) -> int:
        return sum(getattr(f, attribute) for f in self.files)

    def reasons(self) -> dict[str, int]:
        totals: Counter[str] = Counter()
        for file in self.files:
            totals.update(file.reasons)
        return dict(sorted(totals.items()))


@contextmanager
def _workdir() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="chs_ingest_"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _fingerprint(options: ReadOptions, scales: dict) -> str:
    text = json.dumps([repr(options), sorted(scales.items())], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def load_file(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    path: Path,
    landing_dir: Path,
    options: ReadOptions | None = None,
    survey_scales: dict[str, tuple[float, float]] | None = None,
    load_time: datetime | None = None,
    future_tolerance_hours: float = DEFAULT_FUTURE_TOLERANCE_HOURS,
) -> FileLoad:
    """Load one file in one transaction with its ledger row; raw is unchanged if it fails.

    `load_time` (naive UTC, default: now) plus `future_tolerance_hours` is the latest event
    time accepted; tests pass a fixed one so no assertion depends on the clock."""
    options = options or ReadOptions()
    scales = survey_scales or {}
    future_cutoff = (load_time or _now()) + timedelta(hours=future_tolerance_hours)
    relative = str(path.relative_to(landing_dir)) if path.is_relative_to(landing_dir) else str(path)
    stat = path.stat()
    modified = datetime.fromtimestamp(stat.st_mtime, UTC).replace(tzinfo=None)
    fingerprint = _fingerprint(options, scales)
    previous = con.execute(
        f"""
        select sha256, status, error, size_bytes, modified_at, started_at, options_fingerprint
        from {RAW_SCHEMA}.load_ledger where source = ? and file_path = ?
        order by load_id desc limit 1
        """,
        [source.name, relative],
    ).fetchone()

    def unchanged(prev: tuple) -> FileLoad | None:
        status, error, prev_fingerprint = prev[1], prev[2], prev[6]
        if status == FAILED or (status == REJECTED and prev_fingerprint != fingerprint):
            # Retry: the failure may have passed, or the config for this file changed.
            return None
        return FileLoad(path, SKIPPED, error=error if status == REJECTED else None)

    if (
        previous is not None
        and previous[3] == stat.st_size
        and previous[4] == modified
        and modified < previous[5] - MTIME_SLACK
    ):
        skipped = unchanged(previous)
        if skipped is not None:
            return skipped

    # The encoding is profiled in the hashing pass, except where the bytes on disk are not the
    # text (Parquet, gzip: gzip is profiled after decompression, only if the file is loaded).
    lower = path.name.lower()
    profile = None if lower.endswith((".parquet", ".gz")) else _TextProfile()
    sha = _hash_and_profile(path, profile)
    if previous is not None and previous[0] == sha:
        skipped = unchanged(previous)
        if skipped is not None:
            return skipped

    started = _now()
    ledger: dict[str, object] = {
        "source": source.name,
        "file_path": relative,
        "sha256": sha,
        "size_bytes": stat.st_size,
        "modified_at": modified,
        "started_at": started,
        "options_fingerprint": fingerprint,
        "future_after": future_cutoff,
        "rows_read": 0,
        "rows_loaded": 0,
        "rows_quarantined": 0,
        "rows_flagged": 0,
        "rows_blank": 0,
    }
    same = con.execute(
        f"select load_id, file_path from {RAW_SCHEMA}.load_ledger"
        " where source = ? and sha256 = ? and status = 'loaded' order by load_id limit 1",
        [source.name, sha],
    ).fetchone()
    if same is not None:
        # The same content under another name (or this name's earlier content): loading it
        # again would count its rows twice.
        load_id = _next_load_id(con)
        note = f"{path}: same content as {same[1]} (load {same[0]}); not loaded again"
        _insert_ledger(
            con,
            ledger
            | {
                "load_id": load_id,
                "status": DUPLICATE,
                "error": note,
                "duplicate_of_load_id": same[0],
                "finished_at": _now(),
            },
        )
        return FileLoad(path, DUPLICATE, error=note, load_id=load_id)

    with _workdir() as workdir:
        plan = _Plan(
            file_format="unknown",
            future_cutoff=future_cutoff,
            future_tolerance_hours=future_tolerance_hours,
        )
        try:
            _plan(con, source, path, options, profile, workdir, plan)
            return _load_rows(con, source, path, relative, plan, options, scales, ledger)
        except _EmptyFile:
            status, error = EMPTY, f"{path}: empty file, no header and no rows"
        except LandingFileError as exc:
            status, error = REJECTED, str(exc)
        except Exception as exc:  # noqa: BLE001 - one file must not stop the others
            # Unexpected: recorded and retried on the next run, and the asset fails.
            status, error = FAILED, f"{path}: could not be loaded: {type(exc).__name__}: {exc}"
        load_id = _next_load_id(con)
        _insert_ledger(
            con,
            ledger
            | _plan_columns(plan, path)
            | {"load_id": load_id, "status": status, "error": error, "finished_at": _now()},
        )
        return FileLoad(path, status, error=error, load_id=load_id)


def _plan_columns(plan: _Plan, path: Path) -> dict[str, object]:
    return {
        "file_format": None if plan.file_format == "unknown" else plan.file_format,
        "compression": plan.compression,
        "encoding": plan.encoding,
        "delimiter": plan.dialect.delimiter if plan.dialect else None,
        "decimal_separator": plan.decimal_separator,
        "read_options": json.dumps(plan.describe()),
        # Columns with an empty header (trailing separators) hold data only in _extra_columns.
        "extra_columns": ", ".join(e for e in plan.extra if e not in plan.unnamed) or None,
    }


def _load_rows(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    path: Path,
    relative: str,
    plan: _Plan,
    options: ReadOptions,
    scales: dict[str, tuple[float, float]],
    ledger: dict[str, object],
) -> FileLoad:
    line_based = plan.file_format in ("csv", "jsonl")
    stage = _stage_sql(source, plan, options, scales, rejects=line_based)
    columns = ", ".join(source.column_names)
    values = ", ".join(f"v_{c}" for c in source.column_names)
    con.execute("begin transaction")
    try:
        load_id = _next_load_id(con)
        loaded_at = _now()
        if line_based:
            con.execute("drop table if exists _landing_rejects")
            con.execute("drop table if exists _landing_reject_scans")
        con.execute(f"create or replace temp table _landing_stage as {stage}")
        con.execute(
            f"""
            insert into {RAW_SCHEMA}.{source.name}
                ({columns}, _extra_columns, _load_id, _source_file, _file_row_number, _loaded_at)
            select {values}, _extra, ?, ?, _row, ?
            from _landing_stage where _ok and not _blank
            """,
            [load_id, relative, loaded_at],
        )
        quarantine_columns = ", ".join(name for name, _ in QUARANTINE_COLUMNS)
        con.execute(
            f"""
            insert into {RAW_SCHEMA}.load_quarantine ({quarantine_columns})
            select ?, ?, ?, _row, p.column_name, p.raw_value, p.reason_code, p.message, _record
            from (
                select _row, _record, unnest(_problems) as p
                from _landing_stage where not _ok and not _blank
            )
            """,
            [load_id, source.name, relative],
        )
        rows_rejected = 0
        if line_based:
            rows_rejected = _quarantine_rejects(con, source, plan, relative, load_id)
        blank = _blank_lines(con, plan)
        flag_columns = ", ".join(name for name, _ in FLAG_COLUMNS)
        con.execute(
            f"""
            insert into {RAW_SCHEMA}.load_flags ({flag_columns})
            select ?, ?, ?, _row, p.column_name, p.raw_value, p.reason_code, p.message
            from (select _row, unnest(_flags) as p from _landing_stage where _flags is not null)
            """,
            [load_id, source.name, relative],
        )
        parsed, loaded, flagged = con.execute(
            """
            select count(*) filter (where not _blank), count(*) filter (where _ok and not _blank),
                count(*) filter (where _flags is not null)
            from _landing_stage
            """
        ).fetchone()
        reasons = dict(
            con.execute(
                f"""
                select reason_code, count(distinct file_row_number)
                from {RAW_SCHEMA}.load_quarantine where load_id = ? group by 1 order by 1
                """,
                [load_id],
            ).fetchall()
        )
        con.execute("drop table _landing_stage")
        result = FileLoad(
            path,
            LOADED,
            rows_read=parsed + rows_rejected,
            rows_loaded=loaded,
            rows_quarantined=parsed - loaded + rows_rejected,
            rows_flagged=flagged,
            load_id=load_id,
            reasons=reasons,
        )
        _insert_ledger(
            con,
            ledger
            | _plan_columns(plan, path)
            | {
                "load_id": load_id,
                "rows_read": result.rows_read,
                "rows_loaded": result.rows_loaded,
                "rows_quarantined": result.rows_quarantined,
                "rows_flagged": flagged,
                "rows_blank": blank,
                "status": LOADED,
                "finished_at": _now(),
            },
        )
        con.execute("commit")
    except Exception:
        # If the transaction is already gone, the original error says why.
        with suppress(duckdb.Error):
            con.execute("rollback")
        raise
    return result


def _blank_lines(con: duckdb.DuckDBPyConnection, plan: _Plan) -> int:
    """Blank lines below the header: records whose fields are all empty, lines of spaces (the
    reader rejects those; they are not quarantined), and empty lines, which DuckDB's reader
    skips in a file of several columns, so they are counted by a second, one-column scan, run
    only when the bytes hold two line ends in a row."""
    blank, first_field_empty = con.execute(
        "select count(*) filter (where _blank), count(*) filter (where _first_field_empty)"
        " from _landing_stage"
    ).fetchone()
    line_based = plan.file_format in ("csv", "jsonl")
    rejects = (
        line_based
        and con.execute(
            "select count(*) from duckdb_tables() where table_name = '_landing_rejects'"
        ).fetchone()[0]
    )
    if rejects:
        blank += con.execute(
            "select count(distinct line) from _landing_rejects"
            " where trim(csv_line, e' \\t\\r\\n') = ''"
        ).fetchone()[0]
    if plan.file_format != "csv" or len(plan.names) < 2 or not plan.empty_line:
        return blank
    dialect = plan.dialect
    assert dialect is not None and plan.read_path is not None
    # One column with the file's quoting: each record is one row holding its first field, and
    # each empty line a row of null. Records whose first field is empty are null too: those
    # read into the stage and those the reader rejected are taken off.
    nulls = con.execute(
        f"""
        select count(*) filter (where c0 is null)
        from read_csv({_literal(str(plan.read_path))}, auto_detect = false, header = false,
            skip = {dialect.skip}, columns = {{'c0': 'VARCHAR'}},
            delim = {_literal(dialect.delimiter)}, quote = {_literal(dialect.quote)},
            escape = {_literal(dialect.escape)}, encoding = {_literal(plan.read_encoding)},
            compression = {_literal(plan.read_compression)}, max_line_size = {MAX_LINE_BYTES},
            strict_mode = false, ignore_errors = true)
        """
    ).fetchone()[0]
    if rejects:
        first_field_empty += con.execute(
            "select count(distinct line) from _landing_rejects where starts_with(csv_line, ?)",
            [dialect.delimiter],
        ).fetchone()[0]
    return blank + max(nulls - first_field_empty, 0)


def _quarantine_rejects(
    con: duckdb.DuckDBPyConnection, source: Source, plan: _Plan, relative: str, load_id: int
) -> int:
    """Records DuckDB's reader could not split go to quarantine, numbered after the parsed
    rows (their physical line is in the message)."""
    exists = con.execute(
        "select count(*) from duckdb_tables() where table_name = '_landing_rejects'"
    ).fetchone()[0]
    if not exists:
        return 0
    expected = len(plan.names) if plan.file_format == "csv" else 1
    quarantine_columns = ", ".join(name for name, _ in QUARANTINE_COLUMNS)
    count = con.execute(
        f"""
        insert into {RAW_SCHEMA}.load_quarantine ({quarantine_columns})
        with rejected as (
            select line, min(csv_line) as csv_line, string_agg(distinct error_type, ', ') as errors,
                min(error_message) as error_message,
                bool_or(error_type = 'INVALID ENCODING') as bad_encoding
            from _landing_rejects
            group by line
            having trim(min(csv_line), e' \\t\\r\\n') <> ''
        ),
        numbered as (
            select *, (select coalesce(max(_row), 0) from _landing_stage)
                + row_number() over (order by line) as _row
            from rejected
        )
        select ?, ?, ?, _row, '_record', csv_line,
            case when bad_encoding then 'invalid_encoding' else 'malformed_record' end,
            'line ' || line || ': ' || case when bad_encoding
                then 'bytes that are not valid ' || ? || ' text'
                else 'cannot be split into ' || ? || ' fields (' || lower(errors) || ': '
                    || error_message || ')'
            end,
            csv_line
        from numbered
        """,
        [load_id, source.name, relative, plan.encoding or "utf-8", expected],
    ).fetchone()
    return int(count[0]) if count else 0


def load_source(
    con: duckdb.DuckDBPyConnection,
    source_name: str,
    landing_dir: Path,
    config: IngestionConfig | None = None,
    load_time: datetime | None = None,
) -> SourceLoad:
    """Load every new file of one source; a bad file does not stop the good ones beside it.

    `load_time` (naive UTC) is when the load happens, now unless a test fixes it: event times
    later than it plus the config's tolerance are quarantined as `future_timestamp`."""
    source = SOURCES[source_name]
    config = config if config is not None else load_config()
    scales = read_survey_scales(config.survey_scales) if source.scored_by else {}
    # Offsets in values are converted to UTC; the progress bar would only litter the logs.
    con.execute("set TimeZone = 'UTC'")
    con.execute("set enable_progress_bar = false")
    ensure_raw_tables(con, source)
    report = SourceLoad(source_name)
    load_time = load_time or _now()
    for path in landing_files(landing_dir, source_name):
        options = config.for_file(source_name, path.name)
        report.files.append(
            load_file(
                con,
                source,
                path,
                landing_dir,
                options,
                scales,
                load_time,
                config.future_tolerance_hours,
            )
        )
    return report


def reconcile(con: duckdb.DuckDBPyConnection, source_name: str) -> list[tuple]:
    """Loaded files whose ledger does not add up: rows read != loaded + quarantined, or raw and
    quarantine do not hold exactly those rows. Empty when everything reconciles."""
    return con.execute(
        f"""
        with loaded as (
            select _load_id as load_id, count(*) as raw_rows
            from {RAW_SCHEMA}.{source_name} group by _load_id
        ),
        quarantined as (
            select load_id, count(distinct file_row_number) as quarantined_rows
            from {RAW_SCHEMA}.load_quarantine where source = ? group by load_id
        ),
        both_places as (
            select q.load_id, count(distinct q.file_row_number) as rows_in_both
            from {RAW_SCHEMA}.load_quarantine as q
            inner join {RAW_SCHEMA}.{source_name} as r
                on r._load_id = q.load_id and r._file_row_number = q.file_row_number
            where q.source = ?
            group by q.load_id
        )
        select ledger.file_path, ledger.rows_read, ledger.rows_loaded, ledger.rows_quarantined,
            coalesce(loaded.raw_rows, 0), coalesce(quarantined.quarantined_rows, 0),
            coalesce(both_places.rows_in_both, 0)
        from {RAW_SCHEMA}.load_ledger as ledger
        left join loaded using (load_id)
        left join quarantined using (load_id)
        left join both_places using (load_id)
        where ledger.source = ? and ledger.status = 'loaded' and (
            ledger.rows_read != ledger.rows_loaded + ledger.rows_quarantined
            or ledger.rows_loaded != coalesce(loaded.raw_rows, 0)
            or ledger.rows_quarantined != coalesce(quarantined.quarantined_rows, 0)
            or coalesce(both_places.rows_in_both, 0) > 0
        )
        order by ledger.load_id
        """,
        [source_name, source_name, source_name],
    ).fetchall()
