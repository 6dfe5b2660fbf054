"""How much ingestion costs over a bare DuckDB `read_csv` of the same file.

    .venv/bin/python benchmarks/ingestion_load.py              # 10 million usage events
    .venv/bin/python benchmarks/ingestion_load.py --rows 2000000 --repeat 3

Writes one CSV of product usage events shaped like the sample generator's, then loads it, each
time into a fresh DuckDB file and closing it (so both pay for writing and checkpointing):

- bare: `create table as select * from read_csv(file)`: DuckDB's own sniffing and typing,
  no validation, no lineage, no ledger;
- ingestion: `load_source` on the same file: hashing, encoding and dialect sniffing, typing and
  every check in SQL, quarantine, ledger, one transaction.

Prints the time of each (best of --repeat) and the ratio. Not a test: timings depend on the
machine, and the design forbids timed assertions.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import duckdb

from orchestration.ingestion import load_source
from orchestration.ingestion.config import IngestionConfig


def write_events(path: Path, rows: int, broken_every: int) -> None:
    """Usage events with the sample generator's shape; with `broken_every`, one row in that
    many has a date that is not one (a bare read_csv then reads the column as text)."""
    with duckdb.connect() as con:
        con.execute("set enable_progress_bar = false")
        con.execute(
            f"""
            copy (
                select
                    'E' || lpad(i::varchar, 12, '0') as event_id,
                    'C' || lpad((i % 20000)::varchar, 6, '0') as customer_id,
                    'C' || lpad((i % 20000)::varchar, 6, '0') || '-U' || (i % 37) as user_id,
                    ['reports', 'dashboards', 'api', 'exports', 'alerts'][i % 5 + 1] as feature,
                    case when {broken_every} > 0 and i % {max(broken_every, 1)} = 999
                        then 'not a date'
                        else strftime(
                            timestamp '2025-10-01' + to_seconds((i * 7919) % 31536000),
                            '%Y-%m-%d %H:%M:%S'
                        )
                    end as occurred_at,
                    (i % 9) + 1 as quantity
                from range({rows}) as r(i)
            ) to '{path}' (header, delimiter ',')
            """
        )


def fresh(path: Path) -> Path:
    for suffix in ("", ".wal"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return path


def bare(csv_path: Path, warehouse: Path) -> float:
    started = time.perf_counter()
    with duckdb.connect(str(fresh(warehouse))) as con:
        con.execute("set enable_progress_bar = false")
        con.execute(f"create table product_usage as select * from read_csv('{csv_path}')")
    return time.perf_counter() - started


def ingestion(landing: Path, warehouse: Path) -> tuple[float, int, int]:
    started = time.perf_counter()
    with duckdb.connect(str(fresh(warehouse))) as con:
        report = load_source(con, "product_usage", landing, IngestionConfig())
    elapsed = time.perf_counter() - started
    (file,) = report.files
    assert file.status == "loaded", file.error
    return elapsed, file.rows_loaded, file.rows_quarantined


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument(
        "--broken-every", type=int, default=0, help="one broken date every N rows (default none)"
    )
    parser.add_argument("--workdir", type=Path, default=None, help="default: a temporary folder")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(dir=args.workdir) as folder:
        root = Path(folder)
        landing = root / "landing"
        csv_path = landing / "product_usage" / "events.csv"
        csv_path.parent.mkdir(parents=True)
        started = time.perf_counter()
        write_events(csv_path, args.rows, args.broken_every)
        size_mb = csv_path.stat().st_size / 1e6
        took = time.perf_counter() - started
        print(f"wrote {args.rows:,} events, {size_mb:,.0f} MB, in {took:.1f}s")

        bare_times, ingestion_times = [], []
        for _ in range(args.repeat):
            # Alternate, so that a noisy neighbour slows both alike.
            bare_times.append(bare(csv_path, root / "bare.duckdb"))
            seconds, loaded, quarantined = ingestion(landing, root / "ingestion.duckdb")
            ingestion_times.append(seconds)
        best_bare, best_ingestion = min(bare_times), min(ingestion_times)
        print(
            f"bare read_csv:  best {best_bare:6.1f}s  median {statistics.median(bare_times):6.1f}s"
        )
        print(
            f"ingestion:      best {best_ingestion:6.1f}s  "
            f"median {statistics.median(ingestion_times):6.1f}s  "
            f"({loaded:,} loaded, {quarantined:,} quarantined)"
        )
        print(f"ratio:          {best_ingestion / best_bare:.2f}x the bare read_csv")


if __name__ == "__main__":
    main()
