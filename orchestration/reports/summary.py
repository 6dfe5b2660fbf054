"""Prints what a run produced: customers and MRR (in the reporting currency) per segment, score
confidence and churn risk, currencies without an exchange rate, and where the warehouse file is."""

from __future__ import annotations

import sys

import duckdb

from orchestration.project import warehouse_path
from orchestration.serving import serving_path
from orchestration.validation.findings import missing_fx_rates


def main() -> int:
    path = warehouse_path()
    with duckdb.connect(str(path), read_only=True) as con:
        as_of = con.execute("select max(as_of_date) from customer_health").fetchone()[0]
        rows = con.execute(
            "select segment, health_color, customers, total_mrr_reporting, avg_health_score"
            " from customer_segments order by segment_order, segment"
        ).fetchall()
        currency = con.execute("select max(reporting_currency) from customer_segments").fetchone()[
            0
        ]
        missing_rates = missing_fx_rates(con)
        confidence = dict(
            con.execute(
                "select coalesce(score_confidence, 'grey'), count(*) from customer_health"
                " group by all"
            ).fetchall()
        )
        churn_risk = con.execute(
            "select avg(churn_risk_90d), sum(churn_risk_90d) from customer_health"
        ).fetchone()
        history = con.execute(
            "select count(*), min(score_date), max(score_date) from customer_health_daily"
        ).fetchone()
        alerts = con.execute("select count(*) from health_alerts").fetchone()[0]
        auc_day, auc = con.execute(
            "select score_date, metric_value from health_backtest where analysis = 'auc'"
            " and subject = 'overall' and score_date is not null and metric_value is not null"
            " order by score_date desc limit 1"
        ).fetchone() or (None, None)
        lift_row = con.execute(
            "select metric_value from health_backtest where analysis = 'decile' and subject = '1'"
        ).fetchone()
        lift = lift_row[0] if lift_row else None
        findings = con.execute(
            "select finding, subject, row_count, customers, description"
            " from intermediate.int_quality__findings order by finding, subject"
        ).fetchall()
    print(f"\nCustomer health as of {as_of}")
    mrr_header = f"MRR ({currency})"
    print(f"{'segment':<18}{'colour':<8}{'customers':>10}{mrr_header:>14}{'avg score':>11}")
    for segment, colour, customers, mrr, score in rows:
        avg = "" if score is None else f"{score:.1f}"
        total = "" if mrr is None else f"{mrr:,.0f}"
        print(f"{segment:<18}{colour or '':<8}{customers:>10}{total:>14}{avg:>11}")
    for source, code, customers, first, last, _days in missing_rates:
        print(
            f"WARNING: no exchange rate for {code} ({source}, {customers} customers) from {first}"
            f" to {last}: its money is left out of the {currency} totals; add it to"
            " seeds/fx_rates.csv"
        )
    print(
        "\nScore confidence (share of the weight with data): "
        + ", ".join(
            f"{level} {confidence.get(level, 0):,}" for level in ("high", "medium", "low", "grey")
        )
    )
    if churn_risk[0] is not None:
        print(
            f"Churn risk within 90 days: {churn_risk[0]:.1%} on average, "
            f"{churn_risk[1]:,.0f} cancellation requests expected"
        )
    print(
        f"\nScore history: {history[0]:,} customer-days from {history[1]} to {history[2]}; "
        f"{alerts:,} alerts"
    )
    if auc is not None:
        print(
            f"Backtest: AUC of the overall score {auc:.3f} (latest backtest day {auc_day}); "
            f"churn in the bottom decile {lift:.1f}x the average"
            if lift is not None
            else ""
        )
    if findings:
        print(f"\nData quality: {len(findings)} finding(s), the run went on (asset check warns)")
        for finding, subject, rows_concerned, customers, description in findings:
            print(
                f"  {finding:<26}{subject:<18}{rows_concerned:>10,} rows {customers:>7,} customers"
            )
            print(f"    {description}")
    else:
        print("\nData quality: no unknown customers, unlisted features or plans without settings")
    serving = serving_path()
    print(f"\nWarehouse (the pipeline's): {path}")
    print(
        f"Serving copy (read this):  {serving}" + ("" if serving.is_file() else " (not published)")
    )
    print("Dashboard: make dashboard   At risk: .venv/bin/python -m orchestration.reports at-risk")
    return 0


if __name__ == "__main__":
    sys.exit(main())
