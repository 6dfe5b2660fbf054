"""Calibration on each generator profile: the figures of issue 11's "Done when".

    .venv/bin/python benchmarks/calibration_profiles.py --customers 1000 --days 365
    .venv/bin/python benchmarks/calibration_profiles.py --skip-build

For each profile (default, one_dimension, first_year_churn, sparse): generates the sample,
ingests it into its own warehouse under `<work>/<profile>/`, builds the sources and facts, and
scores the history on the calibration's observation days only (every `backtest_step_days`-th
day, the `score_every_days` var: the days calibration reads, at a seventh of a daily history's
cost). Then runs the calibration against that warehouse, with the proposal and report in the same
folder (the repository's seeds are read, never written), and prints per profile: live and
proposed hold-out AUC, churn rate per proposed segment, grey share before and after, and the
reliability of churn_risk. `--skip-build` re-runs only the calibration on existing warehouses.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PROFILES = ("default", "one_dimension", "first_year_churn", "sparse")


def build(folder: Path, profile: str, customers: int, days: int, end: date) -> None:
    from orchestration.calibration.proposal import dbt_vars
    from orchestration.sample_data import generate

    folder.mkdir(parents=True, exist_ok=True)
    warehouse = folder / "warehouse.duckdb"
    warehouse.unlink(missing_ok=True)
    landing = folder / "landing"
    generate(landing, customers=customers, days=days, seed=42, end_date=end, profile=profile)
    env = os.environ | {
        "CHS_DATA_DIR": str(folder),
        "CHS_WAREHOUSE_PATH": str(warehouse),
        "CHS_LANDING_DIR": str(landing),
        "DBT_PROFILES_DIR": str(ROOT),
    }
    subprocess.run([str(BIN / "python"), "-m", "orchestration.ingestion"], env=env, check=True)
    target = ["--target-path", str(folder / "target")]
    subprocess.run([str(BIN / "dbt"), "--quiet", "seed", *target], env=env, check=True, cwd=ROOT)
    subprocess.run(
        [str(BIN / "dbt"), "--quiet", "run", "--exclude", "int_score_dates+", *target],
        env=env,
        check=True,
        cwd=ROOT,
    )
    first = end - timedelta(days=days - 1)
    step = int(dbt_vars()["backtest_step_days"])
    history_vars = {
        "score_from_date": str(first),
        "as_of_date": str(end),
        "score_every_days": step,
        "max_score_days": days,
    }
    subprocess.run(
        [
            str(BIN / "dbt"),
            "--quiet",
            "run",
            "--select",
            "int_score_dates+,+customer_health_daily int_score_dates+,+int_health__metric_history",
            "--vars",
            json.dumps(history_vars),
            *target,
        ],
        env=env,
        check=True,
        cwd=ROOT,
    )


def calibrate(folder: Path) -> dict:
    from orchestration.calibration.proposal import calibrate as run_calibration

    return run_calibration(
        folder / "warehouse.duckdb",
        proposed_dir=folder / "proposed",
        report_dir=folder / "calibration",
    )


def summary(profile: str, report: dict) -> str:
    segments = {row["segment"]: row for row in report["churn_rate_by_segment"]["proposed"]}
    order = ["at_risk", "needs_attention", "engaged", "promoter"]
    rates = [segments[s]["churn_rate"] if s in segments else None for s in order]
    known = [r for r in rates if r is not None]
    ordered = all(a > b for a, b in zip(known, known[1:], strict=False))
    lines = [
        f"## {profile}",
        "",
        f"split {report['split']['kind']}; hold-out AUC live {report['holdout_auc_live']}, "
        f"proposed {report['holdout_auc_proposed']} "
        f"(gain {round(report['holdout_auc_proposed'] - report['holdout_auc_live'], 4)}; "
        f"every observation, grey as a tie: live {report['holdout_auc_live_all']}, proposed "
        f"{report['holdout_auc_proposed_all']}); "
        f"reference model {report.get('reference_model', {}).get('holdout_auc')}; "
        f"grey share under the old 50% floor {report['grey_share'].get('live_at_50pct_floor')}, "
        f"live {report['grey_share']['live']} -> proposed "
        f"{report['grey_share']['proposed']}; churn rate per proposed segment "
        + ", ".join(f"{s} {r}" for s, r in zip(order, rates, strict=True))
        + f" ({'ordered' if ordered else 'NOT ordered'}); "
        f"churn_risk max gap {report['churn_risk_max_gap_points']} points",
        "",
        f"Evidence: {report.get('evidence', {}).get('note', 'not reported')}.",
        "",
        "| decile | predicted | observed | gap (points) |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {r['decile']} | {r['predicted']} | {r['observed']} | {r['gap_points']} |"
        for r in report["churn_risk_reliability"]
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--end-date", type=date.fromisoformat, default=date(2026, 9, 30))
    parser.add_argument("--work", type=Path, default=ROOT / "data" / "profiles")
    parser.add_argument("--profiles", nargs="*", default=list(PROFILES))
    parser.add_argument("--skip-build", action="store_true")
    args = parser.parse_args()
    if not args.skip_build:
        for profile in args.profiles:
            build(args.work.resolve() / profile, profile, args.customers, args.days, args.end_date)
    out = []
    for profile in args.profiles:
        text = summary(profile, calibrate(args.work.resolve() / profile))
        print(text, flush=True)
        out.append(text)
    (args.work / "calibration_profiles.md").write_text("\n".join(out))


if __name__ == "__main__":
    main()
