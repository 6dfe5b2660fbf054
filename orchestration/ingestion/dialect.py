"""Text: the CSV dialect (separator, quote, escape, header line) sniffed from a file's head,
and its header matched to the source's contract."""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from orchestration.ingestion.config import (
    ReadOptions,
)
from orchestration.ingestion.encoding import SAMPLE_BYTES, _open_stream
from orchestration.ingestion.files import LandingFileError, normalise_header
from orchestration.ingestion.sources import (
    Source,
)

# Separators tried when sniffing, in order of preference on a tie.
DELIMITERS = (",", ";", "\t", "|")


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
