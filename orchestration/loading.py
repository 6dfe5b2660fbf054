"""Load landing files into the DuckDB `raw` schema with DuckDB's own readers.

For every file: Python reads bytes only (a streaming pass for the sha256 and the encoding, and
the first megabyte to find the separator, quoting and header line); DuckDB then reads the file
with explicit options (`read_csv` / `read_parquet` / JSON functions), and one SQL statement
types every value, applies the contract's checks and splits rows into loaded and quarantined.
No row is handled by Python. A row that cannot be typed or breaks a rule goes to
`raw.load_quarantine` with its row number, column, raw value, reason code, message and whole
raw record; a row that loads but deserves a second look is noted in `raw.load_flags`. Records
the CSV reader cannot split (too many fields, an unterminated quote, bytes that are not text)
are quarantined too, never dropped: for every file, rows read = rows loaded + rows quarantined.

Every file loads in one transaction together with its `raw.load_ledger` row, so a crash leaves
raw as it was before that file. A file whose content was already loaded is skipped, so a re-run
of the same input changes nothing. docs/ingestion.md explains the choices.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import io
import json
import re
import shutil
import tempfile
import zlib
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from orchestration.ingestion_config import (
    DEFAULT_FUTURE_TOLERANCE_HOURS,
    ConfigError,
    IngestionConfig,
    ReadOptions,
    load_config,
)
from orchestration.sources import (
    BOOLEAN,
    DUCKDB_TYPES,
    FLAG,
    INTEGER,
    NUMBER,
    QUARANTINE,
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
    ".txt.gz": "csv",
    ".parquet": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".jsonl.gz": "jsonl",
    ".ndjson.gz": "jsonl",
    ".json.gz": "jsonl",
}

# Separators tried when sniffing, in order of preference on a tie.
DELIMITERS = (",", ";", "\t", "|")
# Bytes of a file read by Python to sniff its dialect; the rest is only streamed for hashing.
SAMPLE_BYTES = 1 << 20
# Rows DuckDB reads first to choose the decimal separator and each timestamp column's format.
SAMPLE_ROWS = 2_000
# DuckDB's CSV reader refuses longer lines; a longer one is quarantined, not loaded.
MAX_LINE_BYTES = 16 << 20
# A file whose size and modification time are unchanged and older than its last load by this
# much is not hashed again.
MTIME_SLACK = timedelta(seconds=2)

# Timestamps outside these years are parse accidents (a two-digit year read as year 24), not
# data: they are quarantined.
EARLIEST_TIMESTAMP = "1900-01-01"
LATEST_TIMESTAMP = "2101-01-01"

# Formats a timestamp column may be written in, in order of preference on a tie. The format
# most values of a file match is tried first, with one `strptime`; the rest go through the
# general parser below. Day before month: the landing contract reads 03/04/2024 as 3 April.
ISO_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d",
)
LOCAL_DATES = ("%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y")
LOCAL_TIMES = (" %H:%M:%S", " %H:%M", "")
# An offset after a local time (05/01/2024 14:30 +01:00). Applied by hand: DuckDB's strptime
# with %z rolls an impossible date such as 31/02 over into March instead of rejecting it.
LOCAL_OFFSET = r"([0-9]{2}:[0-9]{2}(:[0-9]{2})?)\s*(Z|[+-][0-9]{2}:?[0-9]{2})$"
OFFSET_PARTS = r"[0-9]{2}:[0-9]{2}(:[0-9]{2})?\s*([+-])([0-9]{2}):?([0-9]{2})$"

# Stripped from numbers: a currency code or word before or after the digits, then currency
# symbols and the spaces, no-break spaces and apostrophes that group thousands.
CURRENCY_WORDS = r"^([A-Z]{3}|R\$|zł|kr|Kč)\s*|\s*([A-Z]{3}|zł|kr|Kč)$"
GROUPING_CHARACTERS = "[\\s\u00a0\u202f'$€£¥₹]"

BOOLEAN_TRUE = ("true", "t", "yes", "y", "1", "1.0", "sim", "s", "sí", "si", "tak", "ja", "oui")
BOOLEAN_FALSE = ("false", "f", "no", "n", "0", "0.0", "não", "nao", "nie", "nein", "non")

REASON_MESSAGES = {
    "missing_required_value": "required value is empty",
    "invalid_integer": "not a whole number",
    "invalid_number": "not a number",
    "invalid_boolean": "not true/false",
    "invalid_timestamp": "not a recognised date or timestamp",
    "timestamp_out_of_range": f"date is before {EARLIEST_TIMESTAMP[:4]} or after 2100",
}

LEDGER_COLUMNS = (
    ("load_id", "bigint primary key"),
    ("source", "varchar not null"),
    ("file_path", "varchar not null"),
    ("sha256", "varchar not null"),
    ("size_bytes", "bigint not null"),
    ("file_format", "varchar"),
    ("rows_read", "bigint"),
    ("rows_loaded", "bigint"),
    ("rows_quarantined", "bigint"),
    ("extra_columns", "varchar"),
    ("started_at", "timestamp not null"),
    ("finished_at", "timestamp"),
    ("status", "varchar not null"),
    ("error", "varchar"),
    # Added by the ingestion that loses nothing; older warehouses get them by `alter table`.
    ("compression", "varchar"),
    ("encoding", "varchar"),
    ("delimiter", "varchar"),
    ("decimal_separator", "varchar"),
    ("read_options", "varchar"),
    ("options_fingerprint", "varchar"),
    ("rows_flagged", "bigint"),
    ("rows_blank", "bigint"),
    ("modified_at", "timestamp"),
    ("duplicate_of_load_id", "bigint"),
    # The latest event time accepted: the load time plus the future tolerance.
    ("future_after", "timestamp"),
)

QUARANTINE_COLUMNS = (
    ("load_id", "bigint not null"),
    ("source", "varchar not null"),
    ("file_path", "varchar not null"),
    ("file_row_number", "bigint not null"),
    ("column_name", "varchar not null"),
    ("raw_value", "varchar"),
    ("reason_code", "varchar not null"),
    ("message", "varchar not null"),
    ("raw_record", "varchar"),
)

FLAG_COLUMNS = QUARANTINE_COLUMNS[:-1]

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

_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
_HIGH_BYTES = bytes(range(128, 256))
# Bytes 0x80-0x9f that Windows-1252 maps to characters (curly quotes, euro, dashes...).
_CP1252_ONLY = bytes(b for b in range(0x80, 0xA0) if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D))
_NOT_CP1252_ONLY = bytes(b for b in range(256) if b not in _CP1252_ONLY)
# Two line ends in a row (LF or CRLF), in 8-bit text and in UTF-16 of either byte order. The
# first is the cheap one, for files whose first bytes hold no NUL.
_EMPTY_LINE = re.compile(rb"\n\r?\n")
_EMPTY_LINE_UTF16 = re.compile(rb"\n\x00?\r?\x00?\n")


# DuckDB errors that mean the file's content is unreadable, as opposed to a fault of ours.
_CONTENT_ERRORS = (
    duckdb.InvalidInputException,
    duckdb.IOException,
    duckdb.ConversionException,
)


class LandingFileError(Exception):
    """A landing file that cannot be loaded at all (unknown format, missing column...)."""


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


# --------------------------------------------------------------------------- names and files


def normalise_header(name: str) -> str:
    """`Customer ID`, `customer_id` and `CustomerId` all become `customerid`."""
    return re.sub(r"[\s_\-]+", "", name.replace("\ufeff", "")).lower()


SPREADSHEETS = (".xlsx", ".xlsm", ".xls", ".ods", ".numbers")


def detect_format(path: Path) -> str:
    name = path.name.lower()
    if name.endswith(SPREADSHEETS):
        raise LandingFileError(
            f"{path}: is a spreadsheet workbook, an unknown file format; expected CSV, Parquet "
            f"or JSON lines ({', '.join(sorted(FORMATS))}): save the sheet as CSV"
        )
    for suffix in sorted(FORMATS, key=len, reverse=True):
        if name.endswith(suffix):
            return FORMATS[suffix]
    suffix = "".join(path.suffixes[-2:]) or "(none)"
    raise LandingFileError(
        f"{path}: unknown file format {suffix!r}; expected one of {', '.join(sorted(FORMATS))}"
    )


def _natural_key(path: Path) -> list[object]:
    # file_9 before file_10: deliveries numbered without zero padding still load in order.
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path.name)]


def landing_files(landing_dir: Path, source: str) -> list[Path]:
    folder = landing_dir / source
    if not folder.is_dir():
        return []
    files = (p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    return sorted(files, key=_natural_key)


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


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


# --------------------------------------------------------------------------- bytes: encoding


@dataclass
class _TextProfile:
    """What a streaming pass over a file's bytes learns about its encoding."""

    head: bytes = b""
    utf8_valid: bool = True
    utf8_bytes: int = 0  # bytes >= 0x80 inside well-formed UTF-8 sequences
    high_bytes: int = 0  # all bytes >= 0x80
    cp1252_bytes: int = 0  # bytes 0x80-0x9f that only Windows-1252 gives a meaning
    # An empty line somewhere: DuckDB's CSV reader skips those without a trace, so only then
    # are they counted by a second scan (`_blank_lines`).
    empty_line: bool = False
    _tail: bytes = b""
    _decoder: codecs.IncrementalDecoder = field(
        default_factory=lambda: codecs.getincrementaldecoder("utf-8")()
    )

    def feed(self, chunk: bytes) -> None:
        if not self.empty_line:
            pattern = _EMPTY_LINE_UTF16 if b"\x00" in (self.head or chunk)[:4096] else _EMPTY_LINE
            self.empty_line = pattern.search(self._tail + chunk) is not None
            self._tail = chunk[-5:]
        if len(self.head) < SAMPLE_BYTES:
            self.head += chunk[: SAMPLE_BYTES - len(self.head)]
        if chunk.isascii():
            return
        high = len(chunk) - len(chunk.translate(None, _HIGH_BYTES))
        self.high_bytes += high
        self.cp1252_bytes += len(chunk.translate(None, _NOT_CP1252_ONLY))
        if self.utf8_valid:
            try:
                self._decoder.decode(chunk)
                self.utf8_bytes += high
                return
            except UnicodeDecodeError:
                self.utf8_valid = False
        self.utf8_bytes += sum(len(m) for m in _UTF8_MULTIBYTE.findall(chunk))

    def finish(self) -> None:
        if self.utf8_valid:
            try:
                self._decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                self.utf8_valid = False


def _open_stream(path: Path, compression: str):  # noqa: ANN202 - a binary file object
    return gzip.open(path, "rb") if compression == "gzip" else path.open("rb")


def _magic(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(8)


def _content_kind(head: bytes) -> str | None:
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "ole"
    return None


def _hash_and_profile(path: Path, profile: _TextProfile | None) -> str:
    """sha256 of the bytes on disk, and the text profile of the same bytes in the same pass."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
            if profile is not None:
                profile.feed(block)
    if profile is not None:
        profile.finish()
    return digest.hexdigest()


def _profile_stream(path: Path, compression: str) -> _TextProfile:
    profile = _TextProfile()
    try:
        with _open_stream(path, compression) as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                profile.feed(block)
    except (OSError, EOFError, zlib.error) as exc:
        raise LandingFileError(f"{path}: not a readable gzip file: {exc}") from exc
    profile.finish()
    return profile


def _detect_encoding(path: Path, profile: _TextProfile) -> str:
    """A Python codec name for the file's text, from its byte profile."""
    head = profile.head
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        even, odd = head[0::2], head[1::2]
        if odd.count(0) > len(odd) * 0.3 and even.count(0) < len(even) * 0.05:
            return "utf-16-le"
        if even.count(0) > len(even) * 0.3 and odd.count(0) < len(odd) * 0.05:
            return "utf-16-be"
        raise LandingFileError(
            f"{path}: binary content (NUL bytes), not a text file; expected CSV or JSON lines"
        )
    if profile.utf8_valid:
        return "utf-8"
    # Mostly UTF-8 with a few bad bytes (concatenated exports): read as UTF-8 and quarantine
    # the lines that are not, rather than turn every accent into mojibake.
    if profile.utf8_bytes > profile.high_bytes - profile.utf8_bytes:
        return "utf-8"
    return "cp1252" if profile.cp1252_bytes else "latin-1"


def _encoding_label(encoding: str) -> str:
    """The name the ledger gives an encoding: utf-8, utf-8-bom, latin-1, cp1252, utf-16..."""
    name = codecs.lookup(encoding).name
    return {"utf-8-sig": "utf-8-bom", "iso8859-1": "latin-1"}.get(name, name)


def _duckdb_encoding(encoding: str) -> str | None:
    """The `encoding` DuckDB's CSV reader takes for a codec, or None when it needs transcoding."""
    name = codecs.lookup(encoding).name
    if name in ("utf-8", "utf-8-sig"):
        return "utf-8"
    if name in ("latin-1", "iso8859-1"):
        return "latin-1"
    return None


def _transcode(path: Path, compression: str, encoding: str, target: Path) -> None:
    """Stream a file into UTF-8 (for encodings DuckDB cannot read); not a per-row step."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    with _open_stream(path, compression) as source, target.open("wb") as out:
        first = True
        for block in iter(lambda: source.read(1 << 20), b""):
            text = decoder.decode(block)
            if first:
                text, first = text.removeprefix("\ufeff"), False
            out.write(text.encode("utf-8"))
        out.write(decoder.decode(b"", final=True).encode("utf-8"))


# --------------------------------------------------------------------------- text: dialect


@dataclass
class _Dialect:
    delimiter: str
    quote: str
    escape: str
    skip: int  # physical lines before the first data record
    header: list[str]  # one name per field, as in the file
    null_padding: bool = False


def _head_text(path: Path, compression: str, encoding: str) -> tuple[str, bool]:
    """The first SAMPLE_BYTES of a file as text, and whether that is the whole file."""
    with _open_stream(path, compression) as handle:
        raw = handle.read(SAMPLE_BYTES + 1)
    complete = len(raw) <= SAMPLE_BYTES
    raw = raw[:SAMPLE_BYTES]
    text = raw.decode(encoding, errors="replace").removeprefix("\ufeff")
    if not complete:
        # Drop the last, cut line.
        text = text[: text.rfind("\n") + 1] or text
    return text, complete


def _records(text: str, delimiter: str, quote: str, escape: str, limit: int = 400):
    """(physical lines consumed so far, fields) for the first records of a text."""
    reader = csv.reader(
        io.StringIO(text, newline=""),
        delimiter=delimiter,
        quotechar=quote,
        doublequote=escape == quote,
        escapechar=None if escape == quote else escape,
        strict=False,
    )
    records = []
    try:
        for fields in reader:
            records.append((reader.line_num, fields))
            if len(records) >= limit:
                break
    except csv.Error:
        pass
    return records


def _is_blank(fields: list[str]) -> bool:
    return not any(f.strip() for f in fields)


def _escape_candidates(text: str, options: ReadOptions) -> tuple[str, ...]:
    quote = options.quote or '"'
    if options.escape:
        return (options.escape,)
    # Doubled quotes (RFC 4180) unless the text holds backslash-quote (database dumps): then
    # both are tried on the sample by DuckDB itself (`_escape_by_trial`).
    return (quote, "\\") if "\\" + quote in text else (quote,)


def _sniff_csv(
    path: Path, text: str, complete: bool, source: Source, options: ReadOptions, escape: str
) -> _Dialect:
    """Separator and header line of a CSV, chosen by how well the header matches the contract:
    the separator under which the most header fields are contract columns wins."""
    quote = options.quote or '"'
    delimiters = (options.delimiter,) if options.delimiter else DELIMITERS
    skipped_lines = 0
    if options.skip_rows:
        lines = text.splitlines(keepends=True)
        skipped_lines = min(options.skip_rows, len(lines))
        text = "".join(lines[skipped_lines:])
    known = {normalise_header(c.name) for c in source.columns}
    known |= {normalise_header(header) for header, _ in options.rename}

    best: tuple[tuple, _Dialect] | None = None
    for delimiter in delimiters:
        records = _records(text, delimiter, quote, escape)
        if records and not complete:
            records = records[:-1] or records
        rows = [(n, f) for n, f in records if not _is_blank(f)]
        if not rows:
            continue
        if options.header:
            # The header is the record among the first few that names the most contract
            # columns: lines above it (a report title, an export date) are skipped.
            window = rows[: 1 if options.skip_rows is not None else 20]
            scores = [sum(normalise_header(x) in known for x in f) for _, f in window]
            index = scores.index(max(scores))
            lines_before_data, header = window[index][0], list(window[index][1])
            data = rows[index + 1 :]
            matches = scores[index]
        else:
            header = list(options.columns or ())
            data = rows
            first = records.index(rows[0])
            lines_before_data = records[first - 1][0] if first else 0
            matches = 0
        counts = Counter(len(f) for _, f in data)
        modal = counts.most_common(1)[0][0] if counts else len(header)
        consistent = counts[modal] / len(data) if data else 1.0
        score = (matches, consistent, modal > 1)
        dialect = _Dialect(delimiter, quote, escape, skipped_lines + lines_before_data, header)
        # Fields past the header's end are trailing separators only if they are all empty: a
        # value there means a record split in the wrong place (an unquoted decimal comma).
        overflow_empty = all(_is_blank(f[len(header) :]) for _, f in data)
        _fit_header(dialect, modal, overflow_empty)
        if best is None or score > best[0]:
            best = (score, dialect)
    if best is None:
        raise LandingFileError(f"{path}: no header line; the file is empty or blank")
    return best[1]


def _fit_header(dialect: _Dialect, modal: int, overflow_empty: bool) -> None:
    """Reconcile the header with the field count most records have: trailing separators give
    records one more (empty) field than the header, or a header one more empty name."""
    header = dialect.header
    if modal > len(header):
        if overflow_empty:
            header.extend([""] * (modal - len(header)))
    elif modal < len(header):
        if all(not name.strip() for name in header[modal:]):
            del header[modal:]
        else:
            # Records consistently shorter than the header: trailing optional columns left out.
            dialect.null_padding = True


def _unique_names(header: list[str]) -> list[str]:
    """Header names made usable: empty ones get a position, repeated ones a suffix."""
    names: list[str] = []
    seen: set[str] = set()
    for position, raw in enumerate(header, start=1):
        name = raw.replace("\ufeff", "").strip() or f"column_{position}"
        candidate, n = name, 2
        while candidate in seen:
            candidate, n = f"{name} ({n})", n + 1
        seen.add(candidate)
        names.append(candidate)
    return names


def _match_columns(
    source: Source,
    path: Path,
    header: list[str],
    options: ReadOptions | None = None,
    per_record: bool = False,
) -> tuple[dict[str, list[str]], list[str]]:
    """Map contract columns to the file's own header names; the rest are extra columns. Two
    names for one column reject the file, unless names are per record (JSON keys)."""
    options = options or ReadOptions()
    contract = {normalise_header(c.name): c.name for c in source.columns}
    matched: dict[str, list[str]] = {}
    extra: list[str] = []
    for name in header:
        column = contract.get(normalise_header(options.renamed(name)))
        if column is None:
            extra.append(name)
        elif column in matched and not per_record:
            raise LandingFileError(
                f"{path}: columns {matched[column][0]!r} and {name!r} both mean {column!r}; "
                "expected one column per contract column"
            )
        else:
            matched.setdefault(column, []).append(name)
    missing = [c for c in source.required if c not in matched]
    if missing:
        raise LandingFileError(
            f"{path}: missing required column {', '.join(repr(m) for m in missing)} for source "
            f"{source.name!r}; expected columns {', '.join(source.required)} (found: "
            f"{', '.join(header) or 'no header'})"
        )
    return matched, extra


# --------------------------------------------------------------------------- the read plan


@dataclass
class _Plan:
    """Everything decided about one file before DuckDB reads it in full."""

    file_format: str  # csv, jsonl, json_array, parquet
    compression: str = "none"  # of the file as delivered
    read_compression: str = "none"  # of the file DuckDB reads
    encoding: str | None = None  # as detected or configured (a Python codec name)
    read_path: Path | None = None  # the file DuckDB reads (a UTF-8 copy when transcoded)
    read_encoding: str = "utf-8"
    dialect: _Dialect | None = None
    names: list[str] = field(default_factory=list)  # the file's columns, made unique
    types: dict[str, str] = field(default_factory=dict)  # native types (Parquet)
    # Contract column -> the file's names for it (several only in JSON, where lines may spell
    # a key differently: the first present in a line wins).
    matched: dict[str, list[str]] = field(default_factory=dict)
    extra: list[str] = field(default_factory=list)
    unnamed: set[str] = field(default_factory=set)  # names given to empty header fields
    decimal_separator: str = "."
    timestamp_formats: dict[str, str | None] = field(default_factory=dict)
    # Event times after this instant (UTC: the load time plus the tolerance) are quarantined.
    future_cutoff: datetime | None = None
    future_tolerance_hours: float = DEFAULT_FUTURE_TOLERANCE_HOURS
    # The text has two line ends in a row somewhere (see `_TextProfile.empty_line`).
    empty_line: bool = False

    def describe(self) -> dict[str, object]:
        dialect = asdict(self.dialect) if self.dialect else {}
        dialect.pop("header", None)
        return {
            "format": self.file_format,
            "compression": self.compression,
            "encoding": self.encoding,
            **dialect,
            "decimal_separator": self.decimal_separator,
            "timestamp_formats": self.timestamp_formats,
        }


def _csv_columns(plan: _Plan) -> str:
    return "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(plan.names))) + "}"


def _csv_reader(plan: _Plan, rejects: bool) -> str:
    dialect = plan.dialect
    assert dialect is not None and plan.read_path is not None
    options = [
        _literal(str(plan.read_path)),
        "auto_detect = false",
        "header = false",
        f"skip = {dialect.skip}",
        f"columns = {_csv_columns(plan)}",
        f"delim = {_literal(dialect.delimiter)}",
        f"quote = {_literal(dialect.quote)}",
        f"escape = {_literal(dialect.escape)}",
        f"encoding = {_literal(plan.read_encoding)}",
        f"compression = {_literal(plan.read_compression)}",
        f"max_line_size = {MAX_LINE_BYTES}",
    ]
    if dialect.null_padding:
        # DuckDB's parallel reader cannot pad records that hold quoted newlines.
        options += ["null_padding = true", "parallel = false"]
    if rejects:
        options += [
            "store_rejects = true",
            "rejects_table = '_landing_rejects'",
            "rejects_scan = '_landing_reject_scans'",
        ]
    else:
        options.append("ignore_errors = true")
    return (
        f"read_csv({', '.join(options)}) with ordinality as _file("
        + ", ".join([*(f"c{i}" for i in range(len(plan.names))), "_row"])
        + ")"
    )


def _lines_reader(plan: _Plan, rejects: bool) -> str:
    """A JSON-lines file read as one text column: a broken line is a row to quarantine."""
    assert plan.read_path is not None
    options = [
        _literal(str(plan.read_path)),
        "auto_detect = false",
        "header = false",
        "columns = {'line': 'VARCHAR'}",
        # JSON text never holds a raw control character, so this never splits a valid line.
        "delim = '\x01'",
        "quote = ''",
        "escape = ''",
        f"encoding = {_literal(plan.read_encoding)}",
        f"compression = {_literal(plan.read_compression)}",
        f"max_line_size = {MAX_LINE_BYTES}",
    ]
    if rejects:
        options += [
            "store_rejects = true",
            "rejects_table = '_landing_rejects'",
            "rejects_scan = '_landing_reject_scans'",
        ]
    else:
        options.append("ignore_errors = true")
    return f"read_csv({', '.join(options)}) with ordinality as _file(line, _row)"


def _json_path(key: str) -> str:
    return _literal('$."' + key.replace("\\", "\\\\").replace('"', '\\"') + '"')


def _source_sql(plan: _Plan, rejects: bool) -> str:
    """SQL with `_row`, `_blank`, `_valid`, `_line` and one raw text column `c<i>` per file
    column (plus `n<i>`, its native value, for Parquet)."""
    n = len(plan.names)
    if plan.file_format == "csv":
        fields = ", ".join(f"c{i}, cast(null as varchar) as n{i}" for i in range(n))
        # A record whose fields are all empty (";;;;" rows under a spreadsheet) is a blank line.
        rest = f"coalesce({', '.join(f'c{i}' for i in range(1, n))}) is null" if n > 1 else "true"
        blank = f"case when {rest} then coalesce(trim(c0), '') = '' else false end"
        return (
            f"select _row, {blank} as _blank, true as _valid, cast(null as varchar) as _line, "
            f"{fields} from {_csv_reader(plan, rejects)}"
        )
    if plan.file_format == "parquet":
        assert plan.read_path is not None
        columns = ", ".join(
            f"cast({_quote(name)} as varchar) as c{i}, {_quote(name)} as n{i}"
            for i, name in enumerate(plan.names)
        )
        return (
            "select file_row_number + 1 as _row, false as _blank, true as _valid, "
            f"cast(null as varchar) as _line, {columns} "
            f"from read_parquet({_literal(str(plan.read_path))}, file_row_number = true)"
        )
    if plan.file_format == "json_array":
        assert plan.read_path is not None
        reader = (
            f"read_json_objects({_literal(str(plan.read_path))}, format = 'array', "
            f"compression = {_literal(plan.read_compression)}) with ordinality as _file(line, _row)"
        )
    else:
        reader = _lines_reader(plan, rejects)
    paths = ", ".join(_json_path(name) for name in plan.names)
    values = f"json_extract_string(_line, [{paths}])" if n else "[]"
    natives = f"json_extract(_line, [{paths}])" if n else "[]"
    columns = "".join(f", _v[{i + 1}] as c{i}, _j[{i + 1}] as n{i}" for i in range(n))
    return f"""
        select _row, _blank, _valid, _line{columns}
        from (
            select *,
                case when _valid then {values} end as _v,
                case when _valid then {natives} end as _j
            from (
                select _row, coalesce(trim(line), '') = '' as _blank,
                    case when json_valid(line) then json_type(line) = 'OBJECT' else false end
                        as _valid,
                    line as _line
                from {reader}
            )
        )
    """


# --------------------------------------------------------------------------- typing in SQL


def _trimmed(raw: str) -> str:
    """SQL: a raw text value without surrounding spaces. `trim` costs more than reading the
    file, so it only runs on values that start or end with a space."""
    return f"case when {raw} like ' %' or {raw} like '% ' then trim({raw}) else {raw} end"


def _nulled(text: str, options: ReadOptions) -> str:
    """SQL: a trimmed text value, with empty strings and null markers as null."""
    markers = ("", *options.null_values)
    longest = max(len(m.encode()) for m in markers)
    nulls = ", ".join(_literal(v) for v in markers)
    # The length test first: most values are longer than any marker and skip the list.
    return (
        f"case when strlen({text}) <= {longest} and {text} in ({nulls}) then null else {text} end"
    )


def _number_sql(text: str, decimal: str) -> str:
    """SQL that reads a number written with the file's decimal separator; null if it is not.
    Plain numbers take one cast; grouped thousands and currency signs take the slow path."""
    stripped = (
        f"regexp_replace(regexp_replace({text}, {_literal(CURRENCY_WORDS)}, ''), "
        f"{_literal(GROUPING_CHARACTERS)}, '', 'g')"
    )
    if decimal == ",":
        # 1.234,56 / 1234,56 / 1 234,56 / R$ 12,00 ("." or a space groups thousands).
        fast = (
            f"case when not contains({text}, '.') "
            f"then try_cast(replace({text}, ',', '.') as double) end"
        )
        pattern = "[+-]?([0-9]+|[0-9]{1,3}(\\.[0-9]{3})+)(,[0-9]+)?"
        slow = f"replace(replace({stripped}, '.', ''), ',', '.')"
    else:
        # 1,234.56 / 1234.56 / 1 234.56 / $12.00 ("," or a space groups thousands).
        fast = f"try_cast({text} as double)"
        pattern = "[+-]?([0-9]+|[0-9]{1,3}(,[0-9]{3})+)(\\.[0-9]+)?"
        slow = f"replace({stripped}, ',', '')"
    return (
        f"coalesce({fast}, case when regexp_full_match({stripped}, {_literal(pattern)}) "
        f"then try_cast({slow} as double) end)"
    )


def _timestamp_candidates(options: ReadOptions) -> list[str]:
    if options.day_first:
        dates = LOCAL_DATES
    else:
        dates = tuple(
            d.replace("%d", "%D").replace("%m", "%d").replace("%D", "%m") for d in LOCAL_DATES
        )
    local = [d + t for d in dates for t in LOCAL_TIMES]
    first = [options.timestamp_format] if options.timestamp_format else []
    return first + list(ISO_FORMATS) + local


def _strptime(text: str, fmt: str) -> str:
    return f"try_strptime({text}, {_literal(fmt)})"


def _timestamp_sql(text: str, fast_format: str | None, options: ReadOptions) -> str:
    """SQL that reads a timestamp in any accepted form; offsets are converted to UTC. The
    file's most common format goes first, so most values cost one strptime."""
    local = [f for f in _timestamp_candidates(options) if not f.startswith("%Y")]
    formats = ", ".join(_literal(f) for f in local)
    naive = f"regexp_replace({text}, {_literal(LOCAL_OFFSET)}, '\\1')"
    parts = f"regexp_extract({text}, {_literal(OFFSET_PARTS)}, ['t', 's', 'h', 'm'])"
    offset_minutes = (
        f"coalesce((case {parts}.s when '-' then -1 else 1 end)"
        f" * (try_cast({parts}.h as integer) * 60 + try_cast({parts}.m as integer)), 0)"
    )
    general = f"""case
        when regexp_full_match({text}, '[0-9]{{9,10}}')
            then cast(to_timestamp(cast({text} as bigint)) as timestamp)
        when regexp_full_match({text}, '[0-9]{{9,10}}\\.[0-9]+')
            then cast(to_timestamp(cast({text} as double)) as timestamp)
        when regexp_full_match({text}, '[0-9]{{12,13}}')
            then epoch_ms(cast({text} as bigint))
        when regexp_matches({text}, '^[0-9]{{4}}[-/][0-9]{{1,2}}[-/][0-9]{{1,2}}([T ]|$)')
            then cast(try_cast(replace({text}, '/', '-') as timestamptz) as timestamp)
        else try_strptime({naive}, [{formats}]) - to_minutes({offset_minutes})
    end"""
    if fast_format:
        return f"coalesce({_strptime(text, fast_format)}, {general})"
    return general


def _boolean_sql(text: str) -> str:
    true = ", ".join(_literal(v) for v in BOOLEAN_TRUE)
    false = ", ".join(_literal(v) for v in BOOLEAN_FALSE)
    return (
        f"case when lower({text}) in ({true}) then true "
        f"when lower({text}) in ({false}) then false end"
    )


def _native_kind(native: str) -> str | None:
    """The contract kind a Parquet/JSON native type already is, if any."""
    native = native.upper()
    if native.startswith("TIMESTAMP") or native == "DATE":
        return TIMESTAMP
    if native in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT"):
        return INTEGER
    if native in ("UINTEGER", "UBIGINT", "HUGEINT", "UHUGEINT"):
        return INTEGER
    if native in ("FLOAT", "DOUBLE", "REAL") or native.startswith("DECIMAL"):
        return NUMBER
    if native == "BOOLEAN":
        return BOOLEAN
    return None


def _parsed_sql(kind: str, column: str, native: str | None, plan: _Plan, options) -> str:
    """SQL for a column's value as read, before it is validated (`_value_sql`); null when the
    text cannot be read as the column's kind."""
    text = f"t_{column}"
    native_kind = _native_kind(native) if native else None
    if kind == TEXT:
        return text
    if kind == TIMESTAMP:
        if native_kind == TIMESTAMP:
            return f"cast(n_{column} as timestamp)"
        return _timestamp_sql(text, plan.timestamp_formats.get(column), options)
    if kind == BOOLEAN:
        return f"n_{column}" if native_kind == BOOLEAN else _boolean_sql(text)
    if native_kind in (INTEGER, NUMBER):
        return f"try_cast(n_{column} as double)"
    return _number_sql(text, plan.decimal_separator)


def _value_sql(kind: str, column: str) -> str:
    """SQL for the value that loads: the parsed value when it is valid for the kind."""
    parsed = f"p_{column}"
    if kind == TIMESTAMP:
        return (
            f"case when {parsed} >= timestamp '{EARLIEST_TIMESTAMP}' "
            f"and {parsed} < timestamp '{LATEST_TIMESTAMP}' then {parsed} end"
        )
    if kind == NUMBER:
        return f"case when isfinite({parsed}) then {parsed} end"
    if kind == INTEGER:
        return (
            f"case when {parsed} = trunc({parsed}) and abs({parsed}) < 1e15 "
            f"then cast({parsed} as bigint) end"
        )
    return parsed


def _reason_for(kind: str) -> str:
    return {
        INTEGER: "invalid_integer",
        NUMBER: "invalid_number",
        BOOLEAN: "invalid_boolean",
        TIMESTAMP: "invalid_timestamp",
    }[kind]


@dataclass
class _Rule:
    """One row-level rule in SQL: a quarantine reason or a flag."""

    column: str
    reason_code: str
    action: str
    violated: str  # SQL, true when the row breaks the rule
    message: str  # SQL expression for the message text


def read_survey_scales(path: Path | None) -> dict[str, tuple[float, float]]:
    """survey_kind -> (min_score, max_score) from the seed, or nothing if it is not there."""
    if path is None or not path.exists():
        return {}
    with path.open(encoding="utf-8", newline="") as handle:
        try:
            return {
                row["survey_kind"].strip().lower(): (
                    float(row["min_score"]),
                    float(row["max_score"]),
                )
                for row in csv.DictReader(handle)
            }
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(
                f"{path}: survey scales need columns survey_kind, min_score, max_score with "
                f"numbers: {exc!r}"
            ) from exc


def _rules(source: Source, plan: _Plan, scales: dict[str, tuple[float, float]]) -> list[_Rule]:
    rules: list[_Rule] = []
    present = set(plan.matched)
    for column in source.columns:
        name = column.name
        if name not in present:
            continue
        if column.required:
            rules.append(_Rule(name, "missing_required_value", QUARANTINE, f"t_{name} is null", ""))
        if column.kind != TEXT:
            unreadable = f"p_{name}" if column.kind == TIMESTAMP else f"v_{name}"
            rules.append(
                _Rule(
                    name,
                    _reason_for(column.kind),
                    QUARANTINE,
                    f"t_{name} is not null and {unreadable} is null",
                    "",
                )
            )
        if column.kind == TIMESTAMP:
            rules.append(
                _Rule(
                    name,
                    "timestamp_out_of_range",
                    QUARANTINE,
                    f"p_{name} is not null and v_{name} is null",
                    "",
                )
            )
        if column.event and plan.future_cutoff is not None:
            # Optional columns too: loading the row with a null `paid_at` or `resolved_at`
            # would make a paid invoice look unpaid and a closed ticket look open.
            cutoff = plan.future_cutoff.isoformat(sep=" ")
            rules.append(
                _Rule(
                    name,
                    "future_timestamp",
                    QUARANTINE,
                    f"v_{name} > timestamp {_literal(cutoff)}",
                    _literal(
                        f"is in the future: later than {cutoff[:19]} UTC, the load time plus "
                        f"the {plan.future_tolerance_hours:g} h tolerance"
                    ),
                )
            )
    for check in source.checks:
        columns = re.findall(r"\{(\w+)\}", check.violated)
        if not set(columns) <= present:
            continue
        violated = check.violated.format(**{c: f"v_{c}" for c in columns})
        rules.append(
            _Rule(check.column, check.reason_code, check.action, violated, _literal(check.message))
        )
    if source.scored_by and scales and set(source.scored_by) <= present:
        kind, score = source.scored_by
        kind_sql = f"lower(v_{kind})"
        outside = " ".join(
            f"when {_literal(k)} then v_{score} not between {low} and {high}"
            for k, (low, high) in scales.items()
        )
        scale_text = " ".join(
            f"when {_literal(k)} then '{low:g}-{high:g}'" for k, (low, high) in scales.items()
        )
        rules.append(
            _Rule(
                score,
                "score_out_of_range",
                QUARANTINE,
                f"case {kind_sql} {outside} else false end",
                f"'is outside the ' || {kind_sql} || ' scale ' || case {kind_sql} {scale_text} end",
            )
        )
        kinds = ", ".join(_literal(k) for k in scales)
        rules.append(
            _Rule(
                kind,
                "unknown_survey_kind",
                FLAG,
                f"{kind_sql} not in ({kinds})",
                _literal("is not a survey kind of the scales seed; dbt will not score it"),
            )
        )
    return rules


def _problem_struct(rule: _Rule, raw: str) -> str:
    message = rule.message or _literal(REASON_MESSAGES[rule.reason_code])
    return (
        f"{{'column_name': {_literal(rule.column)}, 'raw_value': {raw}, "
        f"'reason_code': {_literal(rule.reason_code)}, "
        f"'message': {_literal(rule.column + ': ')} || {message} "
        f"|| coalesce(' (got ' || {raw} || ')', '')}}"
    )


def _stage_sql(
    source: Source, plan: _Plan, options: ReadOptions, scales: dict, rejects: bool
) -> str:
    """One SELECT over the whole file: typed columns, whether the row loads, and for rows that
    do not, the problems and the raw record."""
    index = {name: i for i, name in enumerate(plan.names)}
    text_cols, clean_cols, parsed_cols, value_cols = [], [], [], []
    for column in source.columns:
        name = column.name
        if name in plan.matched:
            positions = [index[n] for n in plan.matched[name]]
            raw = _coalesce([f"c{i}" for i in positions])
            native_value = _coalesce([f"n{i}" for i in positions])
            text_cols.append(
                f"{raw} as r_{name}, {native_value} as n_{name}, {_trimmed(raw)} as s_{name}"
            )
            clean_cols.append(f"{_nulled(f's_{name}', options)} as t_{name}")
            native = plan.types.get(plan.matched[name][0])
            parsed_cols.append(
                f"{_parsed_sql(column.kind, name, native, plan, options)} as p_{name}"
            )
            value_cols.append(f"{_value_sql(column.kind, name)} as v_{name}")
        else:
            value_cols.append(f"cast(null as {DUCKDB_TYPES[column.kind]}) as v_{name}")
    rules = _rules(source, plan, scales)
    quarantine = [r for r in rules if r.action == QUARANTINE]
    flags = [r for r in rules if r.action == FLAG]
    is_bad = " or ".join(f"coalesce({r.violated}, false)" for r in quarantine) or "false"
    invalid_json = _problem_struct(
        _Rule("_record", "invalid_json", QUARANTINE, "", _literal("not a JSON object")), "_line"
    )
    problem_list = (
        f"case when not _valid then [{invalid_json}] else {_problem_list(quarantine)} end"
    )
    flag_list = (
        f"case when {' or '.join(f'coalesce({r.violated}, false)' for r in flags)} "
        f"then {_problem_list(flags)} end"
        if flags
        else f"cast(null as {PROBLEM_TYPE}[])"
    )
    return f"""
        with src as ({_source_sql(plan, rejects)}),
        trimmed as (select *{"".join(", " + t for t in text_cols)} from src),
        cleaned as (select *{"".join(", " + t for t in clean_cols)} from trimmed),
        parsed as (select *{"".join(", " + p for p in parsed_cols)} from cleaned),
        typed as (select *, {", ".join(value_cols)} from parsed),
        checked as (select *, _valid and not ({is_bad}) as _ok from typed)
        select
            _row,
            _blank,
            _ok,
            {"c0 is null" if plan.file_format == "csv" and plan.names else "false"}
                as _first_field_empty,
            {", ".join(f"v_{c.name}" for c in source.columns)},
            {_extra_sql(plan)} as _extra,
            case when not _ok and not _blank then {problem_list} end as _problems,
            case when not _ok and not _blank then {_record_sql(plan)} end as _record,
            case when _ok and not _blank then {flag_list} end as _flags
        from checked
    """


PROBLEM_TYPE = (
    "struct(column_name varchar, raw_value varchar, reason_code varchar, message varchar)"
)


def _coalesce(expressions: list[str]) -> str:
    return expressions[0] if len(expressions) == 1 else f"coalesce({', '.join(expressions)})"


def _problem_list(rules: list[_Rule]) -> str:
    if not rules:
        return f"cast([] as {PROBLEM_TYPE}[])"
    items = ", ".join(
        f"case when coalesce({r.violated}, false) then {_problem_struct(r, f'r_{r.column}')} end"
        for r in rules
    )
    return f"list_filter([{items}], lambda p: p is not null)"


def _record_sql(plan: _Plan) -> str:
    """SQL for a row's whole raw record as JSON, with the file's own column names."""
    if plan.file_format in ("jsonl", "json_array"):
        return "_line"
    if not plan.names:
        return "cast(null as varchar)"
    if plan.file_format == "parquet":
        entries = ", ".join(
            f"{{'k': {_literal(name)}, 'v': to_json(n{i})}}" for i, name in enumerate(plan.names)
        )
        return f"cast(to_json(map_from_entries([{entries}])) as varchar)"
    entries = ", ".join(
        f"{{'k': {_literal(name)}, 'v': c{i}}}" for i, name in enumerate(plan.names)
    )
    return f"to_json(map_from_entries([{entries}]))"


def _extra_sql(plan: _Plan) -> str:
    """SQL for the columns outside the contract as a JSON object, leaving out empty ones."""
    if not plan.extra:
        return "cast(null as varchar)"
    index = {name: i for i, name in enumerate(plan.names)}
    if plan.file_format == "csv":
        entries = [
            f"{{'k': {_literal(e)}, 'v': nullif(trim(c{index[e]}), '')}}" for e in plan.extra
        ]
    elif plan.file_format == "parquet":
        entries = [f"{{'k': {_literal(e)}, 'v': to_json(n{index[e]})}}" for e in plan.extra]
    else:
        entries = [f"{{'k': {_literal(e)}, 'v': n{index[e]}}}" for e in plan.extra]
    return (
        f"nullif(cast(to_json(map_from_entries(list_filter([{', '.join(entries)}], "
        "lambda e: e.v is not null))) as varchar), '{}')"
    )


# --------------------------------------------------------------------------- planning a file


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


# --------------------------------------------------------------------------- tables


def _create(con: duckdb.DuckDBPyConnection, table: str, columns: tuple) -> None:
    ddl = ",\n    ".join(f"{name} {kind}" for name, kind in columns)
    con.execute(f"create table if not exists {RAW_SCHEMA}.{table} (\n    {ddl}\n)")
    existing = {
        row[0]
        for row in con.execute(
            "select column_name from information_schema.columns"
            " where table_schema = ? and table_name = ?",
            [RAW_SCHEMA, table],
        ).fetchall()
    }
    for name, kind in columns:
        if name not in existing:
            # A warehouse from before this column: add it, nullable.
            kind = kind.replace(" not null", "").replace(" primary key", "")
            con.execute(f"alter table {RAW_SCHEMA}.{table} add column {name} {kind}")


def ensure_raw_tables(con: duckdb.DuckDBPyConnection, source: Source | None = None) -> None:
    con.execute(f"create schema if not exists {RAW_SCHEMA}")
    _create(con, "load_ledger", LEDGER_COLUMNS)
    _create(con, "load_quarantine", QUARANTINE_COLUMNS)
    _create(con, "load_flags", FLAG_COLUMNS)
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


def _next_load_id(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute(
        f"select coalesce(max(load_id), 0) + 1 from {RAW_SCHEMA}.load_ledger"
    ).fetchone()[0]


def _insert_ledger(con: duckdb.DuckDBPyConnection, row: dict[str, object]) -> None:
    names = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    con.execute(
        f"insert into {RAW_SCHEMA}.load_ledger ({names}) values ({marks})", list(row.values())
    )


# --------------------------------------------------------------------------- loading


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


__all__ = [
    "RAW_SCHEMA",
    "FileLoad",
    "LandingFileError",
    "SourceLoad",
    "detect_format",
    "ensure_raw_tables",
    "file_sha256",
    "landing_files",
    "load_file",
    "load_source",
    "normalise_header",
    "read_survey_scales",
    "reconcile",
]
