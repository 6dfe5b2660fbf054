"""`make accept-calibration`: copy the proposed rows into the live seeds. Versioned seeds
(weights, segment thresholds, churn_risk bands) get the proposed rows appended with their new
valid_from, so past days keep the rows valid then; the learned metric rules replace the rules of
those metrics (metric rules are not versioned). Accepting the same proposal twice changes
nothing."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from orchestration.project import REPO_ROOT

VERSIONED = ("health_weights", "segment_thresholds", "churn_risk_bands")
REPLACED = ("metric_scoring", "metric_bands")


def accept(seeds_dir: Path = REPO_ROOT / "seeds", proposed_dir: Path | None = None) -> list[str]:
    """Applies the proposal; returns one line per seed saying what was done."""
    proposed_dir = proposed_dir or seeds_dir / "proposed"
    if not any(proposed_dir.glob("*.csv")):
        raise FileNotFoundError(f"no proposal in {proposed_dir}: run `make calibrate` first")
    done: list[str] = []
    for name in VERSIONED:
        proposed_file, live_file = proposed_dir / f"{name}.csv", seeds_dir / f"{name}.csv"
        if not proposed_file.exists():
            continue
        if not live_file.exists():
            done.append(f"{name}: skipped, seeds/{name}.csv does not exist in this checkout")
            continue
        live = pd.read_csv(live_file, dtype=str, keep_default_na=False)
        proposed = pd.read_csv(proposed_file, dtype=str, keep_default_na=False)
        if list(proposed.columns) != list(live.columns):
            raise ValueError(
                f"{proposed_file}: columns {list(proposed.columns)} differ from the live seed's "
                f"{list(live.columns)}"
            )
        valid_from = proposed["valid_from"].max()
        if (live["valid_from"] == valid_from).any():
            done.append(f"{name}: unchanged, rows valid from {valid_from} are already there")
            continue
        if (live["valid_from"] > valid_from).any():
            raise ValueError(
                f"{live_file}: has rows valid from after {valid_from}; the proposal would not "
                "be the latest version"
            )
        pd.concat([live, proposed], ignore_index=True).to_csv(live_file, index=False)
        done.append(f"{name}: appended {len(proposed)} rows valid from {valid_from}")
    for name in REPLACED:
        proposed_file, live_file = proposed_dir / f"{name}.csv", seeds_dir / f"{name}.csv"
        if not proposed_file.exists():
            continue
        live = pd.read_csv(live_file, dtype=str, keep_default_na=False)
        proposed = pd.read_csv(proposed_file, dtype=str, keep_default_na=False)
        metrics = set(proposed["metric_name"])
        kept = live[~live["metric_name"].isin(metrics)]
        if name == "metric_scoring":
            # Keep the live order: each replaced rule stays where it was.
            merged = live.set_index("metric_name")
            merged.update(proposed.set_index("metric_name"))
            result = merged.reset_index()[live.columns]
        else:
            result = pd.concat([kept, proposed], ignore_index=True)
        if result.equals(live):
            done.append(f"{name}: unchanged")
            continue
        result.to_csv(live_file, index=False)
        done.append(f"{name}: replaced the rules of {', '.join(sorted(metrics))}")
    return done
