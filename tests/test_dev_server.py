"""`make dev` on a fresh clone: the Dagster UI answers and the code location loads without
errors, with nothing but the project's own environment (its venv is not on PATH)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parent.parent
VENV = Path(sys.executable).parent.parent
LOCATION_QUERY = """
{ workspaceOrError { __typename ... on Workspace { locationEntries {
    name loadStatus
    locationOrLoadError { __typename ... on PythonError { message } }
} } } }
"""


def _fresh_clone(target: Path) -> Path:
    """The tracked files as a clone has them: no target/, data/, .venv or Dagster home."""
    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    for name in files:
        source = REPO_ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name, follow_symlinks=False)
    # The venv is installed already; make must not reinstall it into the clone.
    installed = (VENV / "bin" / "dagster").stat().st_mtime
    os.utime(target / "pyproject.toml", (installed - 1, installed - 1))
    return target


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _locations(port: int) -> list[dict]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": LOCATION_QUERY}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["data"]["workspaceOrError"]["locationEntries"]


def test_make_dev_on_a_fresh_clone_loads_the_code_location(tmp_path: Path) -> None:
    clone = _fresh_clone(tmp_path / "clone")
    port = _free_port()
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "DAGSTER_PORT": str(port),
        "LANG": "C.UTF-8",
    }
    log = (tmp_path / "dev.log").open("w")
    server = subprocess.Popen(
        ["make", "dev", f"VENV={VENV}", f"DAGSTER_PORT={port}"],
        cwd=clone,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        entries: list[dict] = []
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and server.poll() is None:
            try:
                entries = _locations(port)
            except OSError:
                entries = []
            if entries and all(e["loadStatus"] == "LOADED" for e in entries):
                break
            time.sleep(2)
        output = (tmp_path / "dev.log").read_text()
        assert entries, f"the UI did not answer on port {port}:\n{output[-3000:]}"
        assert [e["locationOrLoadError"]["__typename"] for e in entries] == [
            "RepositoryLocation"
        ], json.dumps(entries)[:3000]
        assert (clone / "target" / "manifest.json").exists()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()
