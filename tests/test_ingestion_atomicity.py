"""Each file loads in one transaction with its ledger row: a crash, a kill or an error in the
middle of a file leaves raw as it was before that file, and the next run loads it in full."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

import orchestration.ingestion.load as loading
from orchestration.ingestion import load_source
from orchestration.ingestion.config import IngestionConfig

REPO_ROOT = Path(__file__).resolve().parent.parent
LARGE_ROWS = 600_000
HEADER = "event_id,customer_id,feature,occurred_at,quantity\n"

# Loads the landing folder in a child process and says when it starts each file, so that the
# test can kill it in the middle of the large one.
CHILD = """
import sys
from pathlib import Path
import duckdb
import orchestration.ingestion.load as loading
from orchestration.ingestion.config import IngestionConfig

original = loading._load_rows

def announce(con, source, path, *args, **kwargs):
    print("START " + path.name, flush=True)
    return original(con, source, path, *args, **kwargs)

loading._load_rows = announce
con = duckdb.connect(sys.argv[1])
loading.load_source(con, "product_usage", Path(sys.argv[2]), IngestionConfig())
print("DONE", flush=True)
"""


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("atomic") / "landing" / "product_usage"
    folder.mkdir(parents=True)
    (folder / "a_small.csv").write_text(
        HEADER + "".join(f"S{i},C{i % 3},reports,2024-03-01 10:00:0{i},1\n" for i in range(8))
    )
    with duckdb.connect() as con:
        con.execute(
            f"""
            copy (
                select 'E' || i as event_id, 'C' || (i % 500) as customer_id,
                    ['reports', 'api', 'alerts'][i % 3 + 1] as feature,
                    timestamp '2024-01-01' + to_seconds(i) as occurred_at,
                    case when i % 100000 = 7 then 'n/a?' else (i % 9)::varchar end as quantity
                from range({LARGE_ROWS}) as r(i)
            ) to '{folder / "b_large.csv"}' (header)
            """
        )
    return folder.parent


def snapshot(warehouse: Path) -> dict[str, list[tuple]]:
    """Everything ingestion wrote, without the clock columns."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            "raw": con.execute(
                "select * exclude (_loaded_at) from raw.product_usage"
                " order by _load_id, _file_row_number"
            ).fetchall(),
            "ledger": con.execute(
                "select * exclude (started_at, finished_at, modified_at, future_after)"
                " from raw.load_ledger"
                " order by load_id"
            ).fetchall(),
            "quarantine": con.execute(
                "select * from raw.load_quarantine order by load_id, file_row_number, column_name"
            ).fetchall(),
        }


def kill_during_large_file(warehouse: Path, landing: Path, delay: float) -> bool:
    """Kill -9 the loader `delay` seconds into the large file; False if it finished first."""
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(warehouse), str(landing)],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    for line in child.stdout:
        if line.strip() == "START b_large.csv":
            break
    time.sleep(delay)
    finished = child.poll() is not None
    if not finished:
        os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=60)
    child.stdout.close()
    return not finished


@pytest.mark.slow
def test_killing_the_loader_mid_file_leaves_raw_as_before_and_a_rerun_equals_a_clean_load(
    landing: Path, tmp_path: Path
) -> None:
    clean = tmp_path / "clean.duckdb"
    with duckdb.connect(str(clean)) as con:
        load_source(con, "product_usage", landing, IngestionConfig())
    expected = snapshot(clean)
    assert len(expected["raw"]) == 8 + LARGE_ROWS - 6  # 6 rows of "n/a?" are quarantined

    killed = 0
    for attempt, delay in enumerate((0.05, 0.2, 1.0)):
        warehouse = tmp_path / f"killed_{attempt}.duckdb"
        if not kill_during_large_file(warehouse, landing, delay):
            continue
        after_kill = snapshot(warehouse)
        if "product_usage/b_large.csv" in [row[2] for row in after_kill["ledger"]]:
            # The kill came after the large file's commit (the process was still closing): the
            # file is there whole, exactly as in a clean load.
            assert after_kill == expected
            continue
        killed += 1
        # Only the small file, committed before the kill, is there; nothing of the large one.
        assert [row[-2] for row in after_kill["raw"]] == ["product_usage/a_small.csv"] * 8
        assert [row[2] for row in after_kill["ledger"]] == ["product_usage/a_small.csv"]
        assert after_kill["quarantine"] == []
        with duckdb.connect(str(warehouse)) as con:
            report = load_source(con, "product_usage", landing, IngestionConfig())
        assert [f.status for f in report.files] == ["skipped", "loaded"]
        assert snapshot(warehouse) == expected
    assert killed, "the loader committed the large file before any kill: no kill was mid-file"


def test_an_error_mid_file_rolls_the_file_back_and_the_next_run_loads_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "landing" / "product_usage"
    folder.mkdir(parents=True)
    (folder / "events.csv").write_text(
        HEADER + "E1,C1,reports,2024-03-01 10:00:00,1\nE2,C1,api,not a date,2\n"
    )
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))

    def fail(*args: object, **kwargs: object) -> int:
        raise duckdb.IOException("disk full")

    # Fails after the rows went into raw and the quarantine, inside the file's transaction.
    monkeypatch.setattr(loading, "_quarantine_rejects", fail)
    report = load_source(con, "product_usage", tmp_path / "landing", IngestionConfig())
    (error,) = report.errors
    assert "events.csv" in error and "disk full" in error
    assert con.execute("select count(*) from raw.product_usage").fetchone() == (0,)
    assert con.execute("select count(*) from raw.load_quarantine").fetchone() == (0,)
    assert con.execute("select status from raw.load_ledger").fetchall() == [("failed",)]

    monkeypatch.undo()
    report = load_source(con, "product_usage", tmp_path / "landing", IngestionConfig())
    assert [f.status for f in report.files] == ["loaded"]
    assert con.execute("select count(*) from raw.product_usage").fetchone() == (1,)
    assert con.execute("select count(*) from raw.load_quarantine").fetchone() == (1,)
