"""Reports on how the health score is computed and how well it separates churners.

``python -m orchestration.reports.score_report auc`` reads the health_backtest mart and prints
the AUC of the overall score and of each sub-score.
``python -m orchestration.reports.score_report example`` prints a worked example of the score
for one customer, read from the warehouse, as Markdown; with ``--write-readme`` it replaces the
example in the README between its two markers.

Both only read: the logic lives in the dbt models; this formats their rows.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb

from orchestration.project import warehouse_path
from orchestration.reports.queries import DIMENSIONS

MARKERS: dict[str, tuple[str, str]] = {
    "example": ("<!-- worked-example:start -->", "<!-- worked-example:end -->"),
    "auc": ("<!-- auc:start -->", "<!-- auc:end -->"),
}


def sub_score_auc(warehouse: Path) -> list[dict[str, object]]:
    """One row per backtest day (and `pooled`) and score: stayers, churners, AUC, read from the
    health_backtest mart (the one place the AUC is computed)."""
    sql = """
        select
            coalesce(cast(score_date as varchar), 'pooled') as observation,
            case when subject = 'overall' then 'health' else subject end as score_name,
            churned as churners,
            observations - churned as stayers,
            metric_value as auc
        from health_backtest
        where analysis = 'auc'
    """
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cursor = con.execute(sql)
        columns = [d[0] for d in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def format_auc(rows: list[dict[str, object]]) -> str:
    """Markdown table: pooled AUC and the latest observation day's AUC per score."""
    days = sorted({str(r["observation"]) for r in rows if r["observation"] != "pooled"})
    latest = days[-1] if days else None
    by_key = {(str(r["observation"]), str(r["score_name"])): r for r in rows}
    names = ["health", *DIMENSIONS]
    lines = [
        f"| score | AUC pooled over {len(days)} days | churners / stayers | AUC on {latest} |",
        "|---|---|---|---|",
    ]
    for name in names:
        pooled = by_key.get(("pooled", name))
        last = by_key.get((latest, name)) if latest else None
        if pooled is None:
            continue
        lines.append(
            f"| {'overall' if name == 'health' else name} | {_num(pooled['auc'], 3)} "
            f"| {pooled['churners']} / {pooled['stayers']} "
            f"| {_num(last['auc'], 3) if last else ''} |"
        )
    return "\n".join(lines)


def _num(value: object, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        # abs() of a zero turns -0.0 (greatest(-0.0, 0) in SQL) into 0.0.
        return f"{abs(value) if value == 0 else value:,.{digits}f}"
    return str(value)


def _pct(value: object) -> float | None:
    return None if value is None else 100 * float(value)  # type: ignore[arg-type]


def _query(con: duckdb.DuckDBPyConnection, sql: str, params: list[object]) -> list[dict]:
    cursor = con.execute(sql, params)
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def pick_customer(con: duckdb.DuckDBPyConnection) -> str:
    """A customer with all six dimensions, scored, not forced and not overridden."""
    row = con.execute(
        """
        select customer_id from main.customer_health
        where dimensions_scored = 6 and not has_override and not is_segment_forced
            and health_score is not null and not is_onboarding
        order by customer_id
        limit 1
        """
    ).fetchone()
    if row is None:
        raise SystemExit("no customer with all six dimensions scored in main.customer_health")
    return str(row[0])


def worked_example(warehouse: Path, customer_id: str | None = None) -> str:
    """Markdown walk-through of one customer's score on the latest day, from the warehouse."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        customer_id = customer_id or pick_customer(con)
        health = _query(
            con, "select * from main.customer_health where customer_id = ?", [customer_id]
        )
        if not health:
            raise SystemExit(f"{customer_id} is not in main.customer_health")
        mart = health[0]
        day = mart["as_of_date"]
        rules = _query(
            con,
            "select * from seeds.metric_scoring"
            " order by dimension, metric_weight desc, metric_name",
            [],
        )
        scored = _query(
            con,
            "select * from intermediate.int_health__scored"
            " where customer_id = ? and score_date = ?",
            [customer_id, day],
        )[0]
        settings = {
            row["setting"]: row["value"]
            for row in _query(con, "select setting, value from seeds.health_settings", [])
        }
        bands = _query(
            con,
            "select * from seeds.churn_risk_bands"
            " where valid_from = (select max(valid_from) from seeds.churn_risk_bands"
            " where valid_from <= ?) and min_score <= ? order by min_score desc limit 1",
            [day, mart["health_score"]],
        )
        band = bands[0] if bands else None
        out = [
            f"Customer `{customer_id}` ({mart['plan']} plan, {_num(mart['mrr'], 0)} MRR) on "
            f"{day}, weight set `{mart['weight_set']}`.",
            "",
            "**1-3. Metrics, metric scores and sub-scores**",
            "",
            "| dimension | metric | value | rule | metric score | metric weight |",
            "|---|---|---|---|---|---|",
        ]
        for dimension in DIMENSIONS:
            detail = _query(
                con,
                f"select * from intermediate.int_{dimension}__scores"
                " where customer_id = ? and score_date = ?",
                [customer_id, day],
            )
            if not detail:
                out.append(f"| {dimension} | (no data: missing) | | | | |")
                continue
            row = detail[0]
            for rule in (r for r in rules if r["dimension"] == dimension):
                metric = rule["metric_name"]
                method = rule["method"]
                if method == "linear":
                    how = f"linear {_num(rule['worst_value'], 0)} -> {_num(rule['best_value'], 0)}"
                elif method == "bands":
                    how = "bands (metric_bands)"
                else:
                    how = "percentile in plan"
                out.append(
                    f"| {dimension} | {metric} | {_num(row.get(metric))} | {how} "
                    f"| {_num(row.get(f'{metric}_score'))} | {_num(rule['metric_weight'], 2)} |"
                )
            out.append(
                f"| **{dimension}** | **sub-score** | | | **{_num(row[f'{dimension}_score'])}** | |"
            )
        out.append(
            "\nSatisfaction's metric weights are further multiplied by the recency of each"
            " metric's latest answer; metrics without data drop out and the others re-weight."
        )
        weight_present = sum(
            mart[f"{d}_weight"] for d in DIMENSIONS if mart[f"{d}_score"] is not None
        )
        out += [
            "",
            "**4. Combining** (weights of the set, re-normalised over the dimensions present)",
            "",
            "| dimension | sub-score | weight | share of weight present | points |",
            "|---|---|---|---|---|",
        ]
        for dimension in DIMENSIONS:
            score = mart[f"{dimension}_score"]
            weight = mart[f"{dimension}_weight"]
            share = weight / weight_present if score is not None and weight_present else None
            out.append(
                f"| {dimension} | {_num(score)} | {_num(weight, 2)} | {_num(share, 3)} "
                f"| {_num(mart[f'{dimension}_points'])} |"
            )
        out += [
            f"| **overall** | **{_num(mart['health_score'])}** | | "
            f"{_num(mart['data_completeness_pct'])}% of the weight present | |",
            "",
            f"Score confidence `{mart['score_confidence']}` (high from "
            f"{_num(settings['score_confidence_high_min_pct'], 0)}% of the weight present, medium "
            f"from {_num(settings['score_confidence_medium_min_pct'], 0)}%); churn risk within 90 "
            f"days {_num(_pct(mart['churn_risk_90d']))}% (`churn_risk_bands`: the band from "
            f"{_num(band['min_score'], 2) if band else '-'}, valid from "
            f"{band['valid_from'] if band else '-'}).",
            "",
            f"**5. Segment:** `{mart['segment']}` ({mart['health_color']}); score segment that day "
            f"`{scored['score_segment']}`, advocacy {_num(mart['has_advocacy'])}, "
            f"rank {mart['health_rank']} (percentile {_num(mart['health_percentile'])}, "
            f"{_num(mart['plan_percentile'])} within the plan).",
            "",
            f"**6. Driver:** `{mart['primary_driver']}` - {mart['driver_detail']}.",
        ]
        return "\n".join(out)


def write_readme(readme: Path, section: str, content: str) -> None:
    """Replaces the text between a section's two markers in the README."""
    start, end = MARKERS[section]
    text = readme.read_text()
    if start not in text or end not in text:
        raise SystemExit(f"{readme} has no {start} ... {end} markers")
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    readme.write_text(f"{head}{start}\n{content}\n{end}{tail}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m orchestration.reports.score_report")
    parser.add_argument("--warehouse", type=Path, default=None, help="default $CHS_WAREHOUSE_PATH")
    commands = parser.add_subparsers(dest="command", required=True)
    auc = commands.add_parser("auc", help="AUC of the overall score and each sub-score")
    example = commands.add_parser("example", help="worked example for one customer (Markdown)")
    example.add_argument("--customer", default=None, help="customer_id (default: picked)")
    for command in (auc, example):
        command.add_argument("--write-readme", type=Path, default=None, help="README to update")
    args = parser.parse_args(argv)
    warehouse = args.warehouse or warehouse_path()
    if args.command == "auc":
        text = format_auc(sub_score_auc(warehouse))
    else:
        text = worked_example(warehouse, args.customer)
    if args.write_readme:
        write_readme(args.write_readme, args.command, text)
    print(text)


if __name__ == "__main__":
    main()
