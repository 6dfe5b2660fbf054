"""Builds the Great Expectations Data Docs (offline HTML in data/docs/gx/) for every mart.

The pipeline's blocking checks render the docs of each run already; `make docs` runs this to
render them again from the serving copy (what readers see), without touching the warehouse.
"""

from __future__ import annotations

import sys
from pathlib import Path

from orchestration.project import data_dir
from orchestration.serving import serving_path
from orchestration.validation import MART_SUITES, validate_mart


def gx_docs_dir() -> Path:
    """Where the Great Expectations Data Docs are built (offline HTML)."""
    return data_dir() / "docs" / "gx"


def main() -> int:
    source = serving_path()
    if not source.is_file():
        print(f"No serving copy at {source}: run `make run` first.", file=sys.stderr)
        return 1
    failed = 0
    for table in MART_SUITES:
        outcome = validate_mart(source, table, docs_dir=gx_docs_dir())
        status = "passed" if outcome.success else f"FAILED: {'; '.join(outcome.failed)}"
        print(
            f"{table:<24}{outcome.evaluated:>4} expectations, {outcome.row_count:>8} rows  {status}"
        )
        failed += not outcome.success
    print(f"Data Docs: {gx_docs_dir() / 'index.html'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
