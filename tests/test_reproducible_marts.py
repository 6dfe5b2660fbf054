"""Two builds of the same raw data with DuckDB running several threads give identical marts.

No model pins DuckDB to one thread (profiles.yml): the marts are reproducible by construction
(integer and decimal sums, running sums in date order, rounding at the end), not by running one
thread. The sample is large enough for DuckDB to split its scans and aggregates over threads (more
than one row group of usage facts), and the two builds use different thread counts, so a sum
whose result depends on the order its rows arrive in would show up as a differing mart.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest
import yaml

from orchestration.ingestion import cli as ingest
from orchestration.sample_data import generate
from tests.warehouse_hashes import table_hashes

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT = Path(sys.executable).parent / "dbt"
END_DATE = "2026-09-30"
FIRST_SCORE_DATE = "2026-06-01"


def mart_hashes(warehouse: Path) -> dict[str, str]:
    """md5 of every mart (schema main), rows in a fixed order."""
    return table_hashes(warehouse, "main")


def profiles_with_duckdb_threads(folder: Path, threads: int) -> Path:
    """The project's profiles.yml with DuckDB's `threads` setting forced, in its own folder."""
    profiles = yaml.safe_load((REPO_ROOT / "profiles.yml").read_text())
    profiles["customer_health"]["outputs"]["dev"]["settings"]["threads"] = threads
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "profiles.yml").write_text(yaml.safe_dump(profiles))
    return folder


def build(root: Path, raw_warehouse: Path, name: str, duckdb_threads: int) -> Path:
    """Copies the ingested warehouse and builds every model on it (seeds included)."""
    warehouse = root / name / "warehouse.duckdb"
    warehouse.parent.mkdir(parents=True)
    shutil.copyfile(raw_warehouse, warehouse)
    env = os.environ | {
        "CHS_WAREHOUSE_PATH": str(warehouse),
        "DBT_PROFILES_DIR": str(
            profiles_with_duckdb_threads(root / name / "profiles", duckdb_threads)
        ),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    subprocess.run(
        [
            str(DBT),
            "build",
            "--quiet",
            "--exclude",
            "resource_type:test",
            "resource_type:unit_test",
            "--vars",
            f'{{"score_from_date": "{FIRST_SCORE_DATE}", "as_of_date": "{END_DATE}"}}',
            # Its own target and logs: other dbt commands may run in the repository.
            "--target-path",
            str(root / name / "target"),
            "--log-path",
            str(root / name / "logs"),
        ],
        cwd=REPO_ROOT,
        env=env,
        check=True,
    )
    return warehouse


def test_two_multi_threaded_builds_of_the_same_data_give_identical_marts(tmp_path: Path) -> None:
    landing, raw_warehouse = tmp_path / "landing", tmp_path / "raw" / "warehouse.duckdb"
    generate(landing, customers=800, days=180, seed=11, end_date=date.fromisoformat(END_DATE))
    raw_warehouse.parent.mkdir()
    assert ingest.main(["--landing", str(landing), "--warehouse", str(raw_warehouse)]) == 0
    with duckdb.connect(str(raw_warehouse), read_only=True) as con:
        events = con.execute("select count(*) from raw.product_usage").fetchone()[0]
    # More than one DuckDB row group (122,880 rows): scans and aggregates run on several threads.
    assert events > 122_880

    first = mart_hashes(build(tmp_path, raw_warehouse, "first", duckdb_threads=4))
    second = mart_hashes(build(tmp_path, raw_warehouse, "second", duckdb_threads=3))

    assert {"customer_health", "customer_health_daily", "health_backtest"} <= set(first)
    changed = sorted(name for name in first if first[name] != second.get(name))
    assert changed == [], f"marts differ between two multi-threaded builds: {changed}"
