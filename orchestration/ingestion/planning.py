"""Planning a file: encoding, dialect, columns, decimal separator and timestamp formats,
decided from the file's head and a sample of rows read by DuckDB."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import duckdb

from orchestration.ingestion.config import (
    ReadOptions,
)
from orchestration.ingestion.dialect import (
    _Dialect,
    _escape_candidates,
    _head_text,
    _match_columns,
    _sniff_csv,
    _unique_names,
)
from orchestration.ingestion.encoding import (
    _content_kind,
    _detect_encoding,
    _duckdb_encoding,
    _encoding_label,
    _magic,
    _profile_stream,
    _TextProfile,
    _transcode,
)
from orchestration.ingestion.files import LandingFileError, _literal, detect_format
from orchestration.ingestion.readers import _csv_reader, _Plan, _source_sql
from orchestration.ingestion.rules import _coalesce
from orchestration.ingestion.sources import (
    INTEGER,
    NUMBER,
    TIMESTAMP,
    Source,
)
from orchestration.ingestion.typing_sql import (
    _native_kind,
    _nulled,
    _strptime,
    _timestamp_candidates,
    _trimmed,
)

# Rows DuckDB reads first to choose the decimal separator and each timestamp column's format.
SAMPLE_ROWS = 2_000


# DuckDB errors that mean the file's content is unreadable, as opposed to a fault of ours.
_CONTENT_ERRORS = (
    duckdb.InvalidInputException,
    duckdb.IOException,
    duckdb.ConversionException,
)


def _plan(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    path: Path,
    options: ReadOptions,
    profile: _TextProfile | None,
    workdir: Path,
    plan: _Plan,
) -> _Plan:
    """Fill `plan` for one file (it keeps what was found so far if the file is rejected)."""
    file_format = options.format or detect_format(path)
    plan.file_format = file_format
    kind = _content_kind(_magic(path))
    if kind in ("zip", "ole"):
        raise LandingFileError(
            f"{path}: is an Excel workbook or a zip archive, not {file_format}; "
            "expected CSV, Parquet or JSON lines (save the sheet as CSV)"
        )
    if kind == "parquet":
        file_format = "parquet"
    elif file_format == "parquet":
        raise LandingFileError(f"{path}: is not a Parquet file (no PAR1 header); expected Parquet")
    compression = "gzip" if kind == "gzip" else "none"
    plan.file_format = file_format
    plan.compression = plan.read_compression = compression
    if file_format == "parquet":
        plan.read_path = path
        return _plan_parquet(con, source, path, plan, options)

    if plan.compression == "gzip" or profile is None:
        profile = _profile_stream(path, plan.compression)
    if not profile.head.strip():
        plan.encoding = "utf-8"
        raise _EmptyFile
    plan.empty_line = profile.empty_line
    encoding = options.encoding or _detect_encoding(path, profile)
    plan.encoding = _encoding_label(encoding)
    duck = _duckdb_encoding(encoding)
    if duck is None:
        target = workdir / (path.name + ".utf8")
        _transcode(path, plan.compression, encoding, target)
        plan.read_path, plan.read_encoding, plan.read_compression = target, "utf-8", "none"
    else:
        plan.read_path, plan.read_encoding = path, duck
    text, complete = _head_text(plan.read_path, plan.read_compression, plan.read_encoding)
    if file_format == "jsonl" and text.lstrip().startswith("["):
        plan.file_format = "json_array"
        if plan.read_encoding != "utf-8":
            target = workdir / (path.name + ".utf8")
            _transcode(path, plan.compression, encoding, target)
            plan.read_path, plan.read_encoding, plan.read_compression = target, "utf-8", "none"
    if plan.file_format == "csv":
        dialects = [
            _sniff_csv(path, text, complete, source, options, escape)
            for escape in _escape_candidates(text, options)
        ]
        plan.dialect = (
            dialects[0]
            if len(dialects) == 1
            else _escape_by_trial(con, plan, dialects, text, workdir)
        )
        plan.names = _unique_names(plan.dialect.header)
        plan.unnamed = {
            name
            for name, raw in zip(plan.names, plan.dialect.header, strict=True)
            if not raw.strip()
        }
    else:
        plan.names = _json_keys(con, plan, path)
    per_record = plan.file_format in ("jsonl", "json_array")
    plan.matched, plan.extra = _match_columns(source, path, plan.names, options, per_record)
    _sample(con, source, plan, options)
    return plan


def _escape_by_trial(
    con: duckdb.DuckDBPyConnection, plan: _Plan, dialects: list[_Dialect], text: str, workdir: Path
) -> _Dialect:
    """The dialect under which DuckDB splits the most records of the sample; the first on a tie.
    Only for samples that could be either RFC 4180 or backslash-escaped."""
    sample = workdir / "escape_trial.csv"
    sample.write_text(text, encoding="utf-8")
    best, best_rows = dialects[0], -1
    for dialect in dialects:
        trial = replace(
            plan,
            read_path=sample,
            read_encoding="utf-8",
            read_compression="none",
            dialect=dialect,
            names=_unique_names(dialect.header),
        )
        try:
            parsed = con.execute(f"select count(*) from {_csv_reader(trial, rejects=False)}")
            count = parsed.fetchone()[0]
        except _CONTENT_ERRORS:
            count = -1
        if count > best_rows:
            best, best_rows = dialect, count
    return best


class _EmptyFile(Exception):
    """A text file with nothing in it: loaded as zero rows, not an error."""


def _plan_parquet(
    con: duckdb.DuckDBPyConnection, source: Source, path: Path, plan: _Plan, options: ReadOptions
) -> _Plan:
    try:
        described = con.execute(
            f"describe select * from read_parquet({_literal(str(path))})"
        ).fetchall()
    except _CONTENT_ERRORS as exc:
        raise LandingFileError(f"{path}: cannot be read as Parquet: {exc}") from exc
    plan.names = [row[0] for row in described]
    plan.types = {row[0]: row[1] for row in described}
    plan.matched, plan.extra = _match_columns(source, path, plan.names, options)
    _sample(con, source, plan, options)
    return plan


def _json_keys(con: duckdb.DuckDBPyConnection, plan: _Plan, path: Path) -> list[str]:
    """Every top-level key of the file's objects, in order of first appearance."""
    probe = _Plan(
        plan.file_format,
        plan.compression,
        plan.read_compression,
        plan.encoding,
        plan.read_path,
        plan.read_encoding,
    )
    try:
        rows = con.execute(
            f"""
            select key from (
                select _row, unnest(json_keys(case when _valid then _line end)) as key,
                    unnest(range(len(json_keys(case when _valid then _line end)))) as position
                from ({_source_sql(probe, rejects=False)}) where _valid
            )
            group by key order by min(_row), min(position), key
            """
        ).fetchall()
    except _CONTENT_ERRORS as exc:
        raise LandingFileError(f"{path}: cannot be read as JSON: {exc}") from exc
    return [row[0] for row in rows]


def _sample(
    con: duckdb.DuckDBPyConnection, source: Source, plan: _Plan, options: ReadOptions
) -> None:
    """Choose the decimal separator and each timestamp column's format from the first rows."""
    numeric = [
        c.name
        for c in source.columns
        if c.kind in (NUMBER, INTEGER)
        and c.name in plan.matched
        and _native_kind(plan.types.get(plan.matched[c.name][0], "VARCHAR")) is None
    ]
    stamps = [
        c.name
        for c in source.columns
        if c.kind == TIMESTAMP
        and c.name in plan.matched
        and _native_kind(plan.types.get(plan.matched[c.name][0], "VARCHAR")) != TIMESTAMP
    ]
    plan.decimal_separator = options.decimal_separator or "."
    if not numeric and not stamps:
        return
    index = {name: i for i, name in enumerate(plan.names)}
    trimmed = ", ".join(
        f"{_trimmed(_coalesce([f'c{index[n]}' for n in plan.matched[c]]))} as s_{c}"
        for c in numeric + stamps
    )
    texts = ", ".join(f"{_nulled(f's_{c}', options)} as t_{c}" for c in numeric + stamps)
    candidates = _timestamp_candidates(options)
    measures = []
    for c in numeric:
        v = f"regexp_replace(t_{c}, '[\\s\u00a0\u202f'']', '', 'g')"
        measures.append(
            f"count(*) filter (where regexp_matches({v}, ',[0-9]{{1,2}}$|,[0-9]{{4,}}$|\\.[0-9]{{3}},'))"  # noqa: E501
        )
        measures.append(
            f"count(*) filter (where regexp_matches({v}, '\\.[0-9]{{1,2}}$|\\.[0-9]{{4,}}$|,[0-9]{{3}}\\.'))"  # noqa: E501
        )
    for c in stamps:
        measures.extend(f"count({_strptime(f't_{c}', f)})" for f in candidates)
    sql = (
        f"select {', '.join(measures)} from (select {texts} from (select {trimmed} from "
        f"({_source_sql(plan, rejects=False)}) where _valid limit {SAMPLE_ROWS}))"
    )
    try:
        counts = list(con.execute(sql).fetchone() or ())
    except _CONTENT_ERRORS as exc:
        raise LandingFileError(f"{plan.read_path}: cannot be read: {exc}") from exc
    comma = sum(counts[0 : 2 * len(numeric) : 2])
    point = sum(counts[1 : 2 * len(numeric) : 2])
    if options.decimal_separator is None:
        if comma != point:
            plan.decimal_separator = "," if comma > point else "."
        elif plan.dialect is not None and plan.dialect.delimiter == ";":
            # Spreadsheets that separate with ";" do so because "," is their decimal mark.
            plan.decimal_separator = ","
    offset = 2 * len(numeric)
    for n, c in enumerate(stamps):
        hits = counts[offset + n * len(candidates) : offset + (n + 1) * len(candidates)]
        best = max(range(len(hits)), key=lambda k: (hits[k], -k)) if hits else 0
        plan.timestamp_formats[c] = candidates[best] if hits and hits[best] else None
