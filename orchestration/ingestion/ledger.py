"""The raw schema's bookkeeping tables: `load_ledger`, `load_quarantine`, `load_flags`."""

from __future__ import annotations

import duckdb

from orchestration.ingestion.sources import (
    DUCKDB_TYPES,
    SOURCES,
    Source,
)

RAW_SCHEMA = "raw"

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
