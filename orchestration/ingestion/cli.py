"""Load every landing source into the warehouse without Dagster: `python -m
orchestration.ingestion`.

The Dagster assets do the same per source; this is for scripts and `make test`'s dbt step. It
exits with 1 when a file was rejected or failed (the other files still load), so a script can
stop before dbt, and again on every run while a rejected file sits unchanged in the landing
folder; quarantined rows are reported, not failures.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from orchestration.duckdb_settings import connect
from orchestration.ingestion.config import load_config
from orchestration.ingestion.load import load_source
from orchestration.ingestion.sources import SOURCES
from orchestration.project import landing_dir, warehouse_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--landing", type=Path, default=landing_dir())
    parser.add_argument("--warehouse", type=Path, default=warehouse_path())
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        help="per-source overrides (default: CHS_INGESTION_CONFIG or ingestion.toml)",
    )
    parser.add_argument(
        "--source",
        action="append",
        choices=list(SOURCES),
        help="load only this source (repeatable; default: every source)",
    )
    args = parser.parse_args(argv)
    config = load_config(args.config)
    args.warehouse.parent.mkdir(parents=True, exist_ok=True)
    failed = False
    with connect(args.warehouse) as con:
        for name in args.source or SOURCES:
            report = load_source(con, name, args.landing, config)
            loaded = sum(f.status == "loaded" for f in report.files)
            print(
                f"{name}: {len(report.files)} files ({loaded} loaded), "
                f"{report.total('rows_loaded')} rows loaded, "
                f"{report.total('rows_quarantined')} quarantined, "
                f"{report.total('rows_flagged')} flagged"
            )
            for file in report.files:
                if file.is_error:
                    failed = True
                    # A rejected file left unchanged is skipped, but reported the same way.
                    status = "failed" if file.status == "failed" else "rejected"
                    print(f"  {status}: {file.error}", file=sys.stderr)
                elif file.status in ("duplicate", "empty"):
                    print(f"  {file.status}: {file.error}")
                elif file.rows_quarantined:
                    reasons = ", ".join(f"{k}: {v}" for k, v in file.reasons.items())
                    print(f"  {file.path.name}: {file.rows_quarantined} quarantined ({reasons})")
    return 1 if failed else 0
