"""Per-source overrides of what ingestion detects by itself, read from one TOML file.

Ingestion sniffs the separator, quoting, encoding, header line, decimal separator and timestamp
format of every file. When a source's exports defeat the sniffing (a headerless legacy export,
US month-first dates, an unusual encoding), say so in `ingestion.toml` at the repository root
(or the file named by `CHS_INGESTION_CONFIG`):

    [sources.invoices]
    decimal_separator = ","

    [sources.engagement.files."legacy_*.txt"]
    header = false
    columns = ["touchpoint_id", "customer_id", "occurred_at", "kind"]

Keys under `[defaults]` apply to every source, `[sources.<name>]` to one source, and
`[sources.<name>.files."<glob>"]` to the files of that source whose name matches the glob; the
most specific wins. `docs/ingestion.md` lists every key.
"""

from __future__ import annotations

import codecs
import fnmatch
import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from orchestration.ingestion.sources import SOURCES

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG = REPO_ROOT / "ingestion.toml"
DEFAULT_SURVEY_SCALES = REPO_ROOT / "seeds" / "survey_kinds.csv"

# Cell values that mean "no value" in spreadsheet and database exports. "NA" and "-" are not
# here: NA is Namibia's country code, and a dash can be a value; add them per source if needed.
DEFAULT_NULL_VALUES = ("NULL", "null", "Null", "N/A", "n/a", "#N/A", "NaN", "nan", "None")

FILE_FORMATS = ("csv", "jsonl", "json", "parquet")

# An event time (`Column.event`) later than the load time plus this many hours is quarantined as
# `future_timestamp`. A day covers exports stamped in a time zone ahead of UTC and clocks a
# little fast; `[rules] future_tolerance_hours` changes it.
DEFAULT_FUTURE_TOLERANCE_HOURS = 24.0


class ConfigError(ValueError):
    """The ingestion config file is malformed; the message names the file and the key."""


@dataclass(frozen=True)
class ReadOptions:
    """How to read one landing file. `None` means: detect it."""

    # File format when the extension does not say it (csv, jsonl, json, parquet).
    format: str | None = None
    # One character: "," ";" "\t" "|" or any other.
    delimiter: str | None = None
    quote: str | None = None
    escape: str | None = None
    # Any Python codec name: utf-8, latin-1, cp1252, utf-16...
    encoding: str | None = None
    # "." or ","; the other one is then the thousands separator.
    decimal_separator: str | None = None
    # 03/04/2024 is 3 April when true (the landing contract), 4 March when false.
    day_first: bool = True
    # A strptime format tried first for every timestamp column, e.g. "%m/%d/%Y %I:%M %p".
    timestamp_format: str | None = None
    # False for a file without a header line; `columns` then names its columns in order.
    header: bool = True
    columns: tuple[str, ...] | None = None
    # Lines before the header (a report title, an export date); detected when not set.
    skip_rows: int | None = None
    # Values that mean "empty", on top of the empty string.
    null_values: tuple[str, ...] = DEFAULT_NULL_VALUES
    # File header -> contract column, for exports that name a column differently.
    rename: tuple[tuple[str, str], ...] = ()

    def renamed(self, header: str) -> str:
        return dict(self.rename).get(header, header)


@dataclass(frozen=True)
class SourceConfig:
    options: ReadOptions = field(default_factory=ReadOptions)
    # (glob, options) in file order; the last matching glob wins.
    files: tuple[tuple[str, ReadOptions], ...] = ()

    def for_file(self, file_name: str) -> ReadOptions:
        chosen = self.options
        for pattern, options in self.files:
            if fnmatch.fnmatch(file_name, pattern):
                chosen = options
        return chosen


@dataclass(frozen=True)
class IngestionConfig:
    sources: dict[str, SourceConfig] = field(default_factory=dict)
    defaults: ReadOptions = field(default_factory=ReadOptions)
    # CSV with survey_kind, min_score, max_score: a survey score outside its kind's scale is
    # quarantined. The dbt seed is the one place the scales live.
    survey_scales: Path | None = DEFAULT_SURVEY_SCALES
    path: Path | None = None
    future_tolerance_hours: float = DEFAULT_FUTURE_TOLERANCE_HOURS

    def for_file(self, source: str, file_name: str) -> ReadOptions:
        config = self.sources.get(source)
        return config.for_file(file_name) if config else self.defaults


_OPTION_KEYS = tuple(f.name for f in fields(ReadOptions))


def _options(base: ReadOptions, table: dict[str, Any], where: str) -> ReadOptions:
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in _OPTION_KEYS:
            raise ConfigError(
                f"{where}: unknown key {key!r}; expected one of {', '.join(_OPTION_KEYS)}"
            )
        values[key] = _checked(key, value, where)
    return replace(base, **values)


def _checked(key: str, value: Any, where: str) -> Any:
    def fail(expected: str) -> ConfigError:
        return ConfigError(f"{where}: {key} must be {expected}, not {value!r}")

    if key in ("delimiter", "quote", "escape"):
        if not isinstance(value, str) or len(value) != 1:
            raise fail("one character")
        return value
    if key == "decimal_separator":
        if value not in (".", ","):
            raise fail('"." or ","')
        return value
    if key == "encoding":
        if not isinstance(value, str):
            raise fail("a codec name")
        try:
            codecs.lookup(value)
        except LookupError as exc:
            raise fail("a codec Python knows (utf-8, latin-1, cp1252, utf-16...)") from exc
        return value
    if key == "format":
        if value not in FILE_FORMATS:
            raise fail(" or ".join(FILE_FORMATS))
        return value
    if key in ("day_first", "header"):
        if not isinstance(value, bool):
            raise fail("true or false")
        return value
    if key == "skip_rows":
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise fail("a whole number of lines, 0 or more")
        return value
    if key == "timestamp_format":
        if not isinstance(value, str) or "%" not in value:
            raise fail('a strptime format such as "%m/%d/%Y"')
        return value
    if key in ("columns", "null_values"):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise fail("a list of strings")
        return tuple(value)
    if key == "rename":
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise fail('a table of "file header" = "contract column"')
        return tuple(value.items())
    raise AssertionError(key)


def parse_config(document: dict[str, Any], path: Path | None = None) -> IngestionConfig:
    """Build the config from a parsed TOML document; `path` only names it in errors."""
    name = str(path) if path else "ingestion config"
    unknown = set(document) - {"defaults", "sources", "rules"}
    if unknown:
        raise ConfigError(f"{name}: unknown section {sorted(unknown)}")
    defaults = _options(ReadOptions(), document.get("defaults", {}), f"{name} [defaults]")
    rules = document.get("rules", {})
    survey_scales: Path | None = DEFAULT_SURVEY_SCALES
    tolerance = DEFAULT_FUTURE_TOLERANCE_HOURS
    for key, value in rules.items():
        if key == "future_tolerance_hours":
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ConfigError(
                    f"{name} [rules]: future_tolerance_hours must be a number of hours, 0 or "
                    f"more, not {value!r}"
                )
            tolerance = float(value)
            continue
        if key != "survey_scales":
            raise ConfigError(
                f"{name} [rules]: unknown key {key!r}; expected survey_scales or "
                "future_tolerance_hours"
            )
        if value == "":
            survey_scales = None
        else:
            scales = Path(value)
            base = path.parent if path else REPO_ROOT
            survey_scales = scales if scales.is_absolute() else (base / scales).resolve()
    sources: dict[str, SourceConfig] = {}
    for source, table in document.get("sources", {}).items():
        where = f"{name} [sources.{source}]"
        if source not in SOURCES:
            raise ConfigError(f"{where}: unknown source; expected one of {', '.join(SOURCES)}")
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: must be a table")
        table = dict(table)
        file_tables = table.pop("files", {})
        options = _options(defaults, table, where)
        files = tuple(
            (pattern, _options(options, file_table, f'{where[:-1]}.files."{pattern}"]'))
            for pattern, file_table in file_tables.items()
        )
        sources[source] = SourceConfig(options, files)
    return IngestionConfig(sources, defaults, survey_scales, path, tolerance)


def load_config(path: Path | None = None) -> IngestionConfig:
    """Read the config file: `path`, else `CHS_INGESTION_CONFIG`, else `ingestion.toml`."""
    if path is None:
        path = Path(os.environ.get("CHS_INGESTION_CONFIG", DEFAULT_CONFIG))
    if not path.exists():
        return IngestionConfig(path=None)
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    return parse_config(document, path)
