"""A fingerprint of a warehouse's tables, for tests that compare two builds row for row."""

from __future__ import annotations

from pathlib import Path

import duckdb


def table_hashes(warehouse: Path, schema: str) -> dict[str, str]:
    """md5 of every table of a schema, rows in a fixed order."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables"
                " where table_schema = ? and table_type = 'BASE TABLE' order by 1",
                [schema],
            ).fetchall()
        ]
        return {
            table: con.execute(
                f"select md5(coalesce(string_agg(t::varchar, '|' order by t::varchar), ''))"
                f' from {schema}."{table}" as t'
            ).fetchone()[0]
            for table in tables
        }
