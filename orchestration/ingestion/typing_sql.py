"""Typing in SQL: the expressions that turn a raw text value into a number, boolean or UTC
timestamp, null when it cannot be typed."""

from __future__ import annotations

from orchestration.ingestion.config import (
    ReadOptions,
)
from orchestration.ingestion.files import _literal
from orchestration.ingestion.readers import _Plan
from orchestration.ingestion.sources import (
    BOOLEAN,
    INTEGER,
    NUMBER,
    TEXT,
    TIMESTAMP,
)

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
