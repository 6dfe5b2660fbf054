"""Load every landing source into the warehouse without Dagster: `python -m orchestration.ingest`.

The Dagster assets do the same per source; this is for scripts and `make test`'s dbt step.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

from orchestration.loading import load_source
from orchestration.project import landing_dir, warehouse_path
from orchestration.sources import SOURCES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--landing", type=Path, default=landing_dir())
    parser.add_argument("--warehouse", type=Path, default=warehouse_path())
    args = parser.parse_args(argv)
    args.warehouse.parent.mkdir(parents=True, exist_ok=True)
    failed = False
    with duckdb.connect(str(args.warehouse)) as con:
        for name in SOURCES:
            report = load_source(con, name, args.landing)
            print(
                f"{name}: {len(report.files)} files, {report.total('rows_loaded')} rows loaded, "
                f"{report.total('rows_quarantined')} quarantined"
            )
            for file in report.files:
                if file.status == "rejected":
                    failed = True
                    print(f"  rejected: {file.error}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
