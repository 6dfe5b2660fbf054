"""The everyday questions from a terminal, answered from the serving copy.

    python -m orchestration.reports at-risk [--csm NAME] [--plan PLAN] [--csv FILE]
    python -m orchestration.reports customer C000216
    python -m orchestration.reports why C000216 [--days 7|30]

Reads only `data/serving/health.duckdb` (or `--serving FILE`), which the pipeline publishes after
every check has passed, so it works while the pipeline runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from orchestration.reports.queries import CHANGE_WINDOWS, at_risk, why
from orchestration.reports.score_report import worked_example
from orchestration.serving import connect_serving, serving_path

SHOWN_COLUMNS: tuple[str, ...] = (
    "customer_id",
    "customer_name",
    "csm_owner",
    "plan",
    "mrr_reporting",
    "health_score",
    "score_change_7d",
    "churn_risk_90d",
    "primary_driver",
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.reports", description=__doc__)
    parser.add_argument(
        "--serving", type=Path, default=None, help=f"serving copy (default {serving_path()})"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    risk = commands.add_parser("at-risk", help="customers at risk, largest MRR first")
    risk.add_argument("--csm", help="only this CSM's customers")
    risk.add_argument("--plan", help="only this plan")
    risk.add_argument("--csv", type=Path, help="also write the list to this CSV file")
    customer = commands.add_parser("customer", help="how one customer's score is computed")
    customer.add_argument("customer_id")
    explain = commands.add_parser("why", help="why a customer's score changed, by dimension")
    explain.add_argument("customer_id")
    explain.add_argument("--days", type=int, choices=CHANGE_WINDOWS, default=7)
    args = parser.parse_args(argv)
    path = args.serving or serving_path()

    try:
        if args.command == "customer":
            # The serving copy holds the as-of day's metrics the breakdown reads.
            connect_serving(path).close()
            print(worked_example(path, args.customer_id))
            return 0
        with connect_serving(path) as con:
            if args.command == "at-risk":
                frame = at_risk(con, csm=args.csm, plan=args.plan)
                if args.csv:
                    frame.to_csv(args.csv, index=False)
                shown = frame[[c for c in SHOWN_COLUMNS if c in frame.columns]]
                print(shown.to_string(index=False, float_format=lambda v: f"{v:,.1f}"))
                currency = frame["reporting_currency"].iloc[0] if len(frame) else ""
                total = frame["mrr_reporting"].sum()
                print(f"\n{len(frame)} customers at risk, {total:,.0f} {currency} MRR")
                if args.csv:
                    print(f"written to {args.csv}")
            else:
                print("\n".join(why(con, args.customer_id, args.days)))
    except (FileNotFoundError, LookupError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0
