"""Ingestion: load landing files into the DuckDB `raw` schema with DuckDB's own readers.

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

The modules, in the order a file goes through them:

- `sources`: the landing contract (columns, types, keys, row checks);
- `config`: per-source overrides from `ingestion.toml`;
- `files`: which files a source has, their format and hash;
- `encoding`: bytes to text encoding, transcoding when DuckDB cannot read it;
- `dialect`: the CSV dialect and the header matched to the contract;
- `planning`: everything decided about a file before it is read;
- `readers`: the DuckDB reader SQL of a plan;
- `typing_sql`: text to typed values in SQL;
- `rules`: the contract's row rules and the statement that splits loaded from quarantined;
- `ledger`: `raw.load_ledger`, `raw.load_quarantine`, `raw.load_flags`;
- `load`: one file in one transaction, one source, and the reconciliation;
- `cli`: `python -m orchestration.ingestion`, every source without Dagster.
"""

from orchestration.ingestion.files import (
    LandingFileError,
    detect_format,
    file_sha256,
    landing_files,
    normalise_header,
)
from orchestration.ingestion.ledger import RAW_SCHEMA, ensure_raw_tables
from orchestration.ingestion.load import FileLoad, SourceLoad, load_file, load_source, reconcile
from orchestration.ingestion.rules import read_survey_scales

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
