"""Two runs in a row on the same landing data leave every mart byte-identical, and a run whose
ingestion fails leaves raw, and so the marts, as they were.

The whole pipeline on a small generated sample: `orchestration.ingestion` then `dbt build` (models
and seeds; data tests do not write marts, so they are left to `make test`), twice.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration.ingestion import cli as ingest
from orchestration.sample_data import generate
from tests.warehouse_hashes import table_hashes

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT = Path(sys.executable).parent / "dbt"
CORPUS = REPO_ROOT / "tests" / "data" / "ingestion"


def raw_hashes(warehouse: Path) -> dict[str, str]:
    hashes = table_hashes(warehouse, "raw")
    # The ledger records each attempt with its clock; the data tables must not move.
    hashes.pop("load_ledger")
    return hashes


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("idempotence")
    landing, warehouse = root / "landing", root / "warehouse.duckdb"
    generate(landing, customers=80, days=60, seed=5)
    env = os.environ | {
        "CHS_WAREHOUSE_PATH": str(warehouse),
        "DBT_PROFILES_DIR": str(REPO_ROOT),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }

    def run() -> tuple[int, dict[str, str], dict[str, str]]:
        code = ingest.main(["--landing", str(landing), "--warehouse", str(warehouse)])
        assert code == 0
        ledger_rows = ledger_count(warehouse)
        subprocess.run(
            [
                str(DBT),
                "build",
                "--quiet",
                "--exclude",
                "resource_type:test",
                "resource_type:unit_test",
                # Its own target and logs: other dbt commands may run in the repository.
                "--target-path",
                str(root / "target"),
                "--log-path",
                str(root / "logs"),
            ],
            cwd=REPO_ROOT,
            env=env,
            check=True,
        )
        return ledger_rows, raw_hashes(warehouse), table_hashes(warehouse, "main")

    first, second = run(), run()
    return {"landing": landing, "warehouse": warehouse, "first": first, "second": second}


def ledger_count(warehouse: Path) -> int:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("select count(*) from raw.load_ledger").fetchone()[0]


def test_two_runs_on_the_same_landing_data_leave_every_mart_byte_identical(
    pipeline: dict[str, object],
) -> None:
    first_marts, second_marts = pipeline["first"][2], pipeline["second"][2]  # type: ignore[index]
    assert "customer_health" in first_marts and "customer_segments" in first_marts
    changed = sorted(name for name in first_marts if first_marts[name] != second_marts.get(name))
    # Raw is identical between the runs (next test): a mart that moves is non-deterministic SQL,
    # e.g. floating-point sums whose order depends on DuckDB's threads.
    assert changed == [], f"marts differ between two runs on the same data: {changed}"


def test_the_second_run_loads_nothing_and_leaves_raw_unchanged(
    pipeline: dict[str, object],
) -> None:
    (first_ledger, first_raw, _), (second_ledger, second_raw, _) = (
        pipeline["first"],  # type: ignore[misc]
        pipeline["second"],
    )
    assert first_ledger == second_ledger > 0
    assert first_raw == second_raw


def test_a_failed_ingestion_leaves_raw_and_therefore_the_marts_unchanged(
    pipeline: dict[str, object],
) -> None:
    landing, warehouse = Path(pipeline["landing"]), Path(pipeline["warehouse"])  # type: ignore[arg-type]
    _, raw_before, marts_before = pipeline["second"]  # type: ignore[misc]
    shutil.copyfile(
        CORPUS / "customers" / "missing_plan_column.csv", landing / "customers" / "broken.csv"
    )
    shutil.copyfile(
        CORPUS / "subscriptions" / "truncated_download.parquet",
        landing / "subscriptions" / "broken.parquet",
    )
    try:
        code = ingest.main(["--landing", str(landing), "--warehouse", str(warehouse)])
    finally:
        (landing / "customers" / "broken.csv").unlink()
        (landing / "subscriptions" / "broken.parquet").unlink()
    # Non-zero: the pipeline stops before dbt, as Dagster skips dbt after a failed asset.
    assert code == 1
    assert raw_hashes(warehouse) == raw_before
    assert table_hashes(warehouse, "main") == marts_before
    with duckdb.connect(str(warehouse), read_only=True) as con:
        statuses = con.execute(
            "select file_path, status from raw.load_ledger where file_path like '%broken%'"
            " order by 1"
        ).fetchall()
    assert statuses == [
        ("customers/broken.csv", "rejected"),
        ("subscriptions/broken.parquet", "rejected"),
    ]
