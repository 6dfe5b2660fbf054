"""Prints what a run produced: customers per segment and where the warehouse file is."""

from __future__ import annotations

import sys

import duckdb

from orchestration.project import warehouse_path


def main() -> int:
    path = warehouse_path()
    with duckdb.connect(str(path), read_only=True) as con:
        as_of = con.execute("select max(as_of_date) from customer_health").fetchone()[0]
        rows = con.execute(
            "select segment, health_color, customers, total_mrr, avg_health_score"
            " from customer_segments order by segment_order, segment"
        ).fetchall()
    print(f"\nCustomer health as of {as_of}")
    print(f"{'segment':<18}{'colour':<8}{'customers':>10}{'MRR':>14}{'avg score':>11}")
    for segment, colour, customers, mrr, score in rows:
        avg = "" if score is None else f"{score:.1f}"
        print(f"{segment:<18}{colour or '':<8}{customers:>10}{mrr:>14,.0f}{avg:>11}")
    print(f"\nWarehouse: {path}")
    print(f"Open it:   duckdb -readonly {path} -c 'select * from customer_health limit 10'")
    return 0


if __name__ == "__main__":
    sys.exit(main())
