"""A data folder built through Dagster, as `make run` builds one, shared by the serving, CLI and
dashboard tests (the `pipeline_root` fixture in conftest.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


class PipelineRoot:
    """A data folder built by `dg launch`, as `make run` does, on a small sample:
    warehouse, landing files, Dagster home and the published serving copy."""

    END = "2026-06-30"
    HISTORY_START = "2026-06-17"
    CURRENT_MARTS = (
        "key:customer_health or key:customer_segments or key:health_alerts"
        " or key:health_backtest or key:serving_copy"
    )

    def __init__(self, root: Path) -> None:
        self.root = root
        self.serving = root / "serving" / "health.duckdb"
        self.env = os.environ | {
            "CHS_DATA_DIR": str(root),
            "CHS_WAREHOUSE_PATH": str(root / "warehouse.duckdb"),
            "CHS_LANDING_DIR": str(root / "landing"),
            "CHS_SERVING_DIR": str(root / "serving"),
            "CHS_HISTORY_START_DATE": self.HISTORY_START,
            "DAGSTER_HOME": str(root / "home"),
        }

    # What `make run` launches: every asset but the monthly calibration.
    EVERYTHING = "* and not key:calibration_proposal"

    def materialize_command(self, select: str = EVERYTHING) -> list[str]:
        command = [
            str(Path(sys.executable).parent / "dg"),
            *("launch", "--assets", select, "-m", "orchestration.definitions"),
        ]
        if select == self.EVERYTHING:
            command += ["--partition-range", f"{self.HISTORY_START}...{self.END}"]
        return command

    def materialize(self, select: str = EVERYTHING) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.materialize_command(select),
            cwd=REPO_ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=1200,
        )
