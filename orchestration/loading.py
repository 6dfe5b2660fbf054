"""Load landing files into the DuckDB `raw` schema with DuckDB's own readers.

Each file is read as text by `read_csv` / `read_parquet` / `read_json`, its headers are matched
to the landing contract (case, spaces and underscores ignored), every value is typed in SQL, and
a row that cannot be typed or lacks a required value goes to `raw.load_quarantine` with the
column, the raw value and a reason instead of being dropped. Every file load is one transaction
and one row of `raw.load_ledger`; a file whose content was already loaded is skipped, so a re-run
of the same input changes nothing.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.sources import (
    BOOLEAN,
    DUCKDB_TYPES,
    INTEGER,
    NUMBER,
    SOURCES,
    TEXT,
    TIMESTAMP,
    Source,
)

RAW_SCHEMA = "raw"

FORMATS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".csv.gz": "csv",
    ".tsv.gz": "csv",
    ".parquet": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".jsonl.gz": "jsonl",
    ".ndjson.gz": "jsonl",
}

# Formats tried, in order, for a timestamp that is not ISO 8601. Day before month: the landing
# contract reads 03/04/2024 as 3 April.
TIMESTAMP_FORMATS = (
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%d-%m-%Y",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d",
)

REASON_MESSAGES = {
    "missing_required_value": "required value is empty",
    "invalid_integer": "not a whole number",
    "invalid_number": "not a number",
    "invalid_boolean": "not true/false",
    "invalid_timestamp": "not a recognised date or timestamp",
}

LEDGER_DDL = f"""
create table if not exists {RAW_SCHEMA}.load_ledger (
    load_id bigint primary key,
    source varchar not null,
    file_path varchar not null,
    sha256 varchar not null,
    size_bytes bigint not null,
    file_format varchar,
    rows_read bigint,
    rows_loaded bigint,
    rows_quarantined bigint,
    extra_columns varchar,
    started_at timestamp not null,
    finished_at timestamp,
    status varchar not null,
    error varchar
)
"""

QUARANTINE_DDL = f"""
create table if not exists {RAW_SCHEMA}.load_quarantine (
    load_id bigint not null,
    source varchar not null,
    file_path varchar not null,
    file_row_number bigint not null,
    column_name varchar not null,
    raw_value varchar,
    reason_code varchar not null,
    message varchar not null
)
"""


class LandingFileError(Exception):
    """A landing file that cannot be loaded at all (unknown format, missing column...)."""


@dataclass
class FileLoad:
    path: Path
    status: str  # loaded, skipped, rejected
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    error: str | None = None


@dataclass
class SourceLoad:
    source: str
    files: list[FileLoad] = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        return [f.error for f in self.files if f.status == "rejected" and f.error]

    def total(self, attribute: str) -> int:
        return sum(getattr(f, attribute) for f in self.files)


def normalise_header(name: str) -> str:
    """`Customer ID`, `customer_id` and `CustomerId` all become `customerid`."""
    return re.sub(r"[\s_\-]+", "", name.replace("\ufeff", "")).lower()


def detect_format(path: Path) -> str:
    name = path.name.lower()
    for suffix in sorted(FORMATS, key=len, reverse=True):
        if name.endswith(suffix):
            return FORMATS[suffix]
    raise LandingFileError(
        f"{path}: unknown file format; expected one of {', '.join(sorted(FORMATS))}"
    )


def landing_files(landing_dir: Path, source: str) -> list[Path]:
    folder = landing_dir / source
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _reader(path: Path, file_format: str) -> str:
    location = _literal(str(path))
    if file_format == "csv":
        return f"read_csv({location}, all_varchar = true, header = true, auto_detect = true)"
    if file_format == "parquet":
        return f"read_parquet({location})"
    return f"read_json({location}, format = 'newline_delimited')"


def _parse(kind: str, text: str) -> str:
    """SQL that types one trimmed, non-empty text value; null when it cannot be typed."""
    if kind == TEXT:
        return text
    if kind == INTEGER:
        return f"try_cast({text} as bigint)"
    if kind == NUMBER:
        # Decimal comma (1.234,56 or 12,5) from spreadsheets set to European locales.
        comma = (
            f"case when regexp_full_match({text}, '[+-]?[0-9]{{1,3}}(\\.[0-9]{{3}})*,[0-9]+"
            f"|[+-]?[0-9]+,[0-9]+') then try_cast(replace(replace({text}, '.', ''), ',', '.')"
            " as double) end"
        )
        return f"coalesce(try_cast({text} as double), {comma})"
    if kind == BOOLEAN:
        return (
            f"case when lower({text}) in ('true', 't', 'yes', 'y', '1') then true"
            f" when lower({text}) in ('false', 'f', 'no', 'n', '0') then false end"
        )
    if kind == TIMESTAMP:
        formats = ", ".join(_literal(f) for f in TIMESTAMP_FORMATS)
        # The connection runs in UTC, so an offset in the value is honoured and converted.
        return (
            f"coalesce(cast(try_cast({text} as timestamptz) as timestamp),"
            f" try_strptime({text}, [{formats}]),"
            f" case when regexp_full_match({text}, '[0-9]{{9,10}}')"
            f" then cast(to_timestamp(cast({text} as bigint)) as timestamp) end)"
        )
    raise ValueError(f"unknown column kind {kind}")


def _reason_for(kind: str) -> str:
    return {
        INTEGER: "invalid_integer",
        NUMBER: "invalid_number",
        BOOLEAN: "invalid_boolean",
        TIMESTAMP: "invalid_timestamp",
    }[kind]


def ensure_raw_tables(con: duckdb.DuckDBPyConnection, source: Source | None = None) -> None:
    con.execute(f"create schema if not exists {RAW_SCHEMA}")
    con.execute(LEDGER_DDL)
    con.execute(QUARANTINE_DDL)
    sources = [source] if source else list(SOURCES.values())
    for src in sources:
        columns = ",\n    ".join(f"{c.name} {DUCKDB_TYPES[c.kind]}" for c in src.columns)
        con.execute(
            f"""
            create table if not exists {RAW_SCHEMA}.{src.name} (
                {columns},
                _extra_columns varchar,
                _load_id bigint not null,
                _source_file varchar not null,
                _file_row_number bigint not null,
                _loaded_at timestamp not null
            )
            """
        )


def _match_columns(source: Source, path: Path, header: list[str]) -> tuple[dict[str, str], list]:
    """Map contract columns to the file's own header names; the rest are extra columns."""
    by_normal: dict[str, str] = {}
    for name in header:
        normal = normalise_header(name)
        if normal in by_normal:
            raise LandingFileError(
                f"{path}: columns {by_normal[normal]!r} and {name!r} both mean {normal!r}"
            )
        by_normal[normal] = name
    matched = {}
    for column in source.columns:
        found = by_normal.pop(normalise_header(column.name), None)
        if found is not None:
            matched[column.name] = found
    missing = [c for c in source.required if c not in matched]
    if missing:
        raise LandingFileError(
            f"{path}: missing required column {', '.join(repr(m) for m in missing)} for source "
            f"{source.name!r}; expected columns {', '.join(source.required)} (found: "
            f"{', '.join(header)})"
        )
    return matched, list(by_normal.values())


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _next_load_id(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute(
        f"select coalesce(max(load_id), 0) + 1 from {RAW_SCHEMA}.load_ledger"
    ).fetchone()[0]


def load_file(
    con: duckdb.DuckDBPyConnection, source: Source, path: Path, landing_dir: Path
) -> FileLoad:
    """Load one file in one transaction; raw is unchanged if anything fails."""
    relative = str(path.relative_to(landing_dir)) if path.is_relative_to(landing_dir) else str(path)
    sha = file_sha256(path)
    size = path.stat().st_size
    already = con.execute(
        f"select status, error from {RAW_SCHEMA}.load_ledger"
        " where source = ? and file_path = ? and sha256 = ? and status in ('loaded', 'rejected')"
        " order by load_id desc limit 1",
        [source.name, relative, sha],
    ).fetchone()
    if already is not None:
        # Same content as before: nothing to do (a rejected file stays rejected until it changes).
        return FileLoad(path, "skipped", error=already[1])

    load_id = _next_load_id(con)
    started = _now()
    file_format = None
    try:
        file_format = detect_format(path)
        reader = _reader(path, file_format)
        try:
            described = con.execute(f"describe select * from {reader}").fetchall()
        except duckdb.Error as exc:
            raise LandingFileError(f"{path}: cannot be read as {file_format}: {exc}") from exc
        header = [row[0] for row in described]
        types = {row[0]: row[1] for row in described}
        matched, extra = _match_columns(source, path, header)
        result = _load_rows(
            con, source, path, relative, reader, file_format, matched, extra, types, load_id
        )
        result_status = "loaded"
        error = None
    except LandingFileError as exc:
        result = FileLoad(path, "rejected", error=str(exc))
        result_status, error, extra = "rejected", str(exc), []
    con.execute(
        f"insert into {RAW_SCHEMA}.load_ledger values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            load_id,
            source.name,
            relative,
            sha,
            size,
            file_format,
            result.rows_read,
            result.rows_loaded,
            result.rows_quarantined,
            ", ".join(extra) or None,
            started,
            _now(),
            result_status,
            error,
        ],
    )
    return result


def _load_rows(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    path: Path,
    relative: str,
    reader: str,
    file_format: str,
    matched: dict[str, str],
    extra: list[str],
    types: dict[str, str],
    load_id: int,
) -> FileLoad:
    typed, problems = [], []
    for column in source.columns:
        name = column.name
        if name not in matched:
            typed.append(f"cast(null as {DUCKDB_TYPES[column.kind]}) as {name}")
            continue
        original = _quote(matched[name])
        text = f"nullif(trim(cast({original} as varchar)), '')"
        native = types[matched[name]].upper()
        if (
            column.kind == TIMESTAMP
            and native.startswith("TIMESTAMP")
            or column.kind == TIMESTAMP
            and native == "DATE"
        ):
            value = f"cast({original} as timestamp)"
        elif column.kind in (INTEGER, NUMBER) and native not in ("VARCHAR", "JSON"):
            value = f"try_cast({original} as {DUCKDB_TYPES[column.kind]})"
        else:
            value = _parse(column.kind, text)
        typed.append(f"{value} as {name}")
        if column.required:
            problems.append(
                f"case when {text} is null then {{'column_name': {_literal(name)}, "
                f"'raw_value': cast(null as varchar), 'reason_code': 'missing_required_value'}} end"
            )
        if column.kind != TEXT:
            problems.append(
                f"case when {text} is not null and {value} is null then "
                f"{{'column_name': {_literal(name)}, 'raw_value': {text}, "
                f"'reason_code': {_literal(_reason_for(column.kind))}}} end"
            )
    extra_json = (
        "to_json({" + ", ".join(f"{_literal(e)}: {_quote(e)}" for e in extra) + "})"
        if extra
        else "cast(null as varchar)"
    )
    problem_list = (
        f"list_filter([{', '.join(problems)}], lambda p: p is not null)"
        if problems
        else "cast([] as struct(column_name varchar, raw_value varchar, reason_code varchar)[])"
    )
    row_number = "row_number() over ()"
    con.execute("begin transaction")
    try:
        con.execute(
            f"""
            create or replace temp table _landing_typed as
            select
                {row_number} as _file_row_number,
                {", ".join(typed)},
                {extra_json} as _extra_columns,
                {problem_list} as _problems
            from {reader}
            """
        )
        loaded_at = _now()
        columns = ", ".join(source.column_names)
        con.execute(
            f"""
            insert into {RAW_SCHEMA}.{source.name}
            select {columns}, _extra_columns, ?, ?, _file_row_number, ?
            from _landing_typed
            where len(_problems) = 0
            """,
            [load_id, relative, loaded_at],
        )
        messages = "case p.reason_code " + " ".join(
            f"when {_literal(code)} then {_literal(text)}" for code, text in REASON_MESSAGES.items()
        )
        con.execute(
            f"""
            insert into {RAW_SCHEMA}.load_quarantine
            select
                ?, ?, ?, _file_row_number, p.column_name, p.raw_value, p.reason_code,
                p.column_name || ': ' || {messages} end
                    || coalesce(' (got ' || p.raw_value || ')', '')
            from (select _file_row_number, unnest(_problems) as p from _landing_typed)
            """,
            [load_id, source.name, relative],
        )
        rows_read, rows_bad = con.execute(
            "select count(*), count(*) filter (where len(_problems) > 0) from _landing_typed"
        ).fetchone()
        con.execute("drop table _landing_typed")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return FileLoad(
        path,
        "loaded",
        rows_read=rows_read,
        rows_loaded=rows_read - rows_bad,
        rows_quarantined=rows_bad,
    )


def load_source(con: duckdb.DuckDBPyConnection, source_name: str, landing_dir: Path) -> SourceLoad:
    """Load every new file of one source; a bad file does not stop the good ones beside it."""
    source = SOURCES[source_name]
    con.execute("set TimeZone = 'UTC'")
    ensure_raw_tables(con, source)
    report = SourceLoad(source_name)
    for path in landing_files(landing_dir, source_name):
        report.files.append(load_file(con, source, path, landing_dir))
    return report
