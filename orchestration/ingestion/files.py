"""Landing files: which files a source has, their format, their hash, and header names."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from pathlib import Path

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


class LandingFileError(Exception):
    """A landing file that cannot be loaded at all (unknown format, missing column...)."""


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
