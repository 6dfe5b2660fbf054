"""DuckDB's memory limit and spill folder, from the environment, for every heavy connection.

`CHS_DUCKDB_MEMORY_LIMIT` (a DuckDB size such as `8GB`, or a share of RAM; default `60%`) and
`CHS_DUCKDB_TEMP_DIR` (default `<CHS_DATA_DIR>/tmp`): above the limit DuckDB spills to the folder
instead of the process dying. dbt reads the same two variables in profiles.yml; the Makefile
exports them once, and `apply_defaults()` sets them for processes started without it (Dagster,
tests), so dbt and Python agree.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import duckdb

from orchestration.project import data_dir

MEMORY_LIMIT_ENV = "CHS_DUCKDB_MEMORY_LIMIT"
TEMP_DIR_ENV = "CHS_DUCKDB_TEMP_DIR"
# Share of RAM DuckDB may hold (DuckDB reads a percentage itself): leaves room for Python, dbt
# and Dagster beside it. profiles.yml repeats this default.
DEFAULT_MEMORY_LIMIT = "60%"


def memory_limit() -> str:
    return os.environ.get(MEMORY_LIMIT_ENV) or DEFAULT_MEMORY_LIMIT


# DuckDB's units: KB, MB... are powers of 1000, KiB, MiB... of 1024.
_UNITS = {
    **{name: 1 for name in ("", "b", "byte", "bytes")},
    **{unit + "b": 1000**power for power, unit in enumerate("kmgt", start=1)},
    **{unit + "ib": 1024**power for power, unit in enumerate("kmgt", start=1)},
}


def physical_memory() -> int:
    """This machine's RAM in bytes."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def memory_limit_bytes() -> int | None:
    """The memory limit in bytes, a share of RAM taken of this machine's; None for a text this
    does not read (DuckDB reads it, or rejects it, when it connects)."""
    match = re.fullmatch(r"([0-9]*\.?[0-9]+)\s*(%|[a-z]*)", memory_limit().strip().lower())
    if not match:
        return None
    number, unit = float(match[1]), match[2]
    if unit == "%":
        return int(physical_memory() * number / 100)
    return int(number * _UNITS[unit]) if unit in _UNITS else None


def budget_per_build(env: str, unit: str, bytes_each: int, default: int, most: int) -> int:
    """How much of `unit` one build may read: `env`, a whole number (`_` allowed); unset, one
    per `bytes_each` bytes of the memory limit, at most `most` (`default` when the limit is not
    a size). A build whose work grows with it is split into builds of at most that much."""
    text = os.environ.get(env, "").strip().replace("_", "")
    if not text:
        limit = memory_limit_bytes()
        return default if limit is None else max(1, min(most, limit // bytes_each))
    try:
        budget = int(text)
    except ValueError:
        budget = 0
    if budget < 1:
        raise ValueError(
            f"{env}={os.environ[env]!r}: expected a whole number of {unit} per build of at least 1"
            f" (default one per {bytes_each:,} bytes of {MEMORY_LIMIT_ENV})"
        )
    return budget


def temp_directory() -> Path:
    return Path(os.environ.get(TEMP_DIR_ENV) or data_dir() / "tmp").resolve()


def duckdb_config() -> dict[str, str]:
    """The `config` of a DuckDB connection that does heavy work; creates the spill folder."""
    spill = temp_directory()
    spill.mkdir(parents=True, exist_ok=True)
    return {"memory_limit": memory_limit(), "temp_directory": str(spill)}


def connect(database: Path | str) -> duckdb.DuckDBPyConnection:
    """A read-write connection to `database` with the memory limit and spill folder."""
    return duckdb.connect(str(database), config=duckdb_config())


def apply_defaults() -> None:
    """Exports both variables when unset, so a dbt started from this process uses them too."""
    os.environ.setdefault(MEMORY_LIMIT_ENV, memory_limit())
    os.environ.setdefault(TEMP_DIR_ENV, str(temp_directory()))
    temp_directory().mkdir(parents=True, exist_ok=True)
