"""Opens every dashboard page in a real browser (Debian's chromium, driven by playwright), checks
that each shows data, and saves a screenshot per page.

`python -m orchestration.dashboard.screenshots --out docs/screenshots` starts the dashboard on the
current serving copy and writes the README's screenshots; the browser test calls `capture`.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

APP = Path(__file__).with_name("app.py")
CHROMIUM_ENV = "CHS_CHROMIUM"
CHROMIUM_ARGS: list[str] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Page url path -> text drawn only once the page has read its data; every page has a table
# or a chart besides.
PAGES: dict[str, str] = {
    "": "Customers scored",
    "at_risk": "MRR at risk on this list",
    "customer": "What pulls the score down most now",
    "alerts": "alerts shown",
    "backtest": "backtest rows",
}
DATA_ELEMENTS = "[data-testid='stDataFrame'], [data-testid='stVegaLiteChart']"
STARTUP_SECONDS = 120
PAGE_TIMEOUT_MS = 90_000


def chromium_path() -> Path:
    path = Path(os.environ.get(CHROMIUM_ENV, "/usr/bin/chromium"))
    if not path.is_file():
        raise FileNotFoundError(
            f"No Chromium at {path}: `make chromium` installs Debian's package "
            f"(apt-get install -y chromium), or set {CHROMIUM_ENV}."
        )
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_dashboard(env: dict[str, str] | None = None) -> Iterator[str]:
    """Starts `streamlit run` on a free local port; yields its URL; stops it afterwards."""
    port = free_port()
    streamlit = Path(sys.executable).parent / "streamlit"
    process = subprocess.Popen(
        [
            str(streamlit),
            *("run", str(APP), "--server.address", "127.0.0.1", "--server.port", str(port)),
            *("--server.headless", "true", "--browser.gatherUsageStats", "false"),
            *("--server.fileWatcherType", "none"),
        ],
        env=env or os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the dashboard did not start on {url}") from None
                time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def capture(url: str, out_dir: Path) -> dict[str, Path]:
    """Visits each page, waits for its data, saves `dashboard-<page>.png`; returns the files."""
    from playwright.sync_api import sync_playwright

    out_dir.mkdir(parents=True, exist_ok=True)
    shots: dict[str, Path] = {}
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as playwright:
        browser = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=str(chromium_path()),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000},
        )
        try:
            page = browser.new_page()
            for path, marker in PAGES.items():
                page.goto(f"{url}/{path}", wait_until="domcontentloaded")
                page.get_by_text(marker, exact=False).first.wait_for(timeout=PAGE_TIMEOUT_MS)
                # Streamlit reruns until idle; wait for its status widget to go quiet.
                page.wait_for_function(
                    "!document.querySelector('[data-testid=\"stStatusWidget\"]')",
                    timeout=PAGE_TIMEOUT_MS,
                )
                # Every page draws a table or a chart of its data (times out otherwise).
                page.locator(DATA_ELEMENTS).first.wait_for(timeout=PAGE_TIMEOUT_MS)
                errors = page.locator("[data-testid='stException']").count()
                if errors:
                    raise AssertionError(f"page /{path} shows {errors} exception(s)")
                target = out_dir / f"dashboard-{path or 'overview'}.png"
                page.screenshot(path=str(target), full_page=True)
                shots[path or "overview"] = target
        finally:
            browser.close()
    return shots


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m orchestration.dashboard.screenshots")
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    args = parser.parse_args(argv)
    with running_dashboard() as url:
        for name, path in capture(url, args.out).items():
            print(f"{name}: {path}")


if __name__ == "__main__":
    main()
