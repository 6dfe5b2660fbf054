"""A BI reader, run as its own process by the serving tests: polls the serving copy until a stop
file appears, and writes what it saw as JSON.

Each poll opens the DuckDB file read-only, checks that every published table has the row count
its `publication` row states (a partial copy would not), and reads the Parquet files of one
publication the same way. Usage: python serving_reader.py SERVING_DIR OUT_JSON STOP_FILE
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import duckdb

POLL_SECONDS = 0.1


def read_once(serving_dir: Path) -> str:
    """One read of the DuckDB copy and the Parquet copy; returns the publication time seen."""
    with duckdb.connect(str(serving_dir / "health.duckdb"), read_only=True) as con:
        published = con.execute("select table_name, row_count, run_id from publication").fetchall()
        for table, expected, _ in published:
            (actual,) = con.execute(f"select count(*) from main.{table}").fetchone()
            if actual != expected:
                raise AssertionError(f"{table}: {actual} rows, publication says {expected}")
    # Resolve the link once, so both files come from the same publication.
    folder = Path(os.path.realpath(serving_dir / "parquet"))
    with duckdb.connect() as con:
        rows = con.execute(
            f"select table_name, row_count from read_parquet('{folder}/publication.parquet')"
        ).fetchall()
        for table, expected in rows:
            (actual,) = con.execute(
                f"select count(*) from read_parquet('{folder}/{table}.parquet')"
            ).fetchone()
            if actual != expected:
                raise AssertionError(f"{table}.parquet: {actual} rows, publication {expected}")
    return published[0][2]


def main(serving_dir: Path, out: Path, stop: Path) -> None:
    reads = 0
    failures: list[str] = []
    versions: list[str] = []
    last_success = time.monotonic()
    longest_gap = 0.0
    while not stop.exists():
        reads += 1
        try:
            version = read_once(serving_dir)
        except Exception as error:  # every failure is the finding, whatever its type
            failures.append(f"{type(error).__name__}: {error}")
        else:
            now = time.monotonic()
            longest_gap = max(longest_gap, now - last_success)
            last_success = now
            if not versions or versions[-1] != version:
                versions.append(version)
        time.sleep(POLL_SECONDS)
    out.write_text(
        json.dumps(
            {
                "reads": reads,
                "failures": len(failures),
                "failure_messages": failures[:20],
                "longest_gap_seconds": round(longest_gap, 2),
                "publications_seen": versions,
            }
        )
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
