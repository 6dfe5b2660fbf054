"""The read plan of a file and the DuckDB reader SQL (`read_csv`, `read_parquet`, JSON) it
becomes."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from orchestration.ingestion.config import (
    DEFAULT_FUTURE_TOLERANCE_HOURS,
)
from orchestration.ingestion.dialect import _Dialect
from orchestration.ingestion.files import _literal, _quote

# DuckDB's CSV reader refuses longer lines; a longer one is quarantined, not loaded.
MAX_LINE_BYTES = 16 << 20


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
