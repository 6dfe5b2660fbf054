"""The plain-DuckDB baseline of the score history (issue 14, item 5(b)).

    .venv/bin/python benchmarks/plain/history.py --warehouse data/warehouse.duckdb \
        --first 2025-10-01 --last 2026-09-30

Builds `customer_health_daily` for every customer and day from `first` to `last` the way an
analyst would write it in DuckDB for speed, from the same place the dbt rebuild starts: the raw
tables ingestion loads (`raw.*`) and the seeds read straight from `seeds/*.csv`. The scripts
`benchmarks/plain/*.sql` run in name order in one connection (all threads): staging, lifecycle,
the dimensions over customer-day spines with window frames and running sums (financial still
joins each invoice to the days of its window), scoring, combination, segments and the history
row, written as `bench.<table>` (benchmarks/plain/README.md says more). `${name}` in the
scripts is replaced by the dates, the seeds folder, the dbt vars (defaults of `dbt_project.yml`)
and the windows of `seeds/dimension_settings.csv`. With `--customers N`, the days are scored in
the ranges dbt's rebuild takes for N customers (`orchestration.history.day_ranges`), one after
the other, each later range taking the segment hysteresis on from the rows written before.

`compare_with_dbt` compares it row for row with the dbt-built `customer_health_daily`.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import yaml

from orchestration.duckdb_settings import duckdb_config

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = Path(__file__).resolve().parent
SEEDS = ROOT / "seeds"
DBT_PROJECT = ROOT / "dbt_project.yml"
# The dimensions the scripts compute, in the order of the dbt var `dimensions`.
DIMENSIONS = ("usage", "support", "satisfaction", "financial", "relationship", "engagement")
CHURN_HORIZON_DAYS = 90
PLACEHOLDER = re.compile(r"\$\{(\w+)\}")
KEY = ("customer_id", "score_date")
FLOAT_TYPES = ("DOUBLE", "FLOAT", "REAL")
# As dbt's profile: dates of timestamps in UTC. No progress bar in a benchmark's output.
SESSION_SETTINGS = "set TimeZone = 'UTC'; set enable_progress_bar = false;"
# Statements end with a semicolon at the end of a line.
STATEMENT_END = re.compile(r";[ \t]*(?:\n|$)")


def dbt_vars(project_file: Path = DBT_PROJECT) -> dict[str, Any]:
    """The vars of `dbt_project.yml` with their defaults, as a dbt build without --vars uses."""
    return yaml.safe_load(project_file.read_text())["vars"]


def dimension_settings(seeds: Path = SEEDS) -> dict[str, dict[str, float | None]]:
    """window_days, freshness_days and half_life_days of each dimension, from the seed."""
    rows = duckdb.sql(
        "select dimension, window_days, freshness_days, half_life_days "
        f"from read_csv('{seeds / 'dimension_settings.csv'}', header = true)"
    ).fetchall()
    return {
        dimension: {"window_days": window, "freshness_days": freshness, "half_life_days": half_life}
        for dimension, window, freshness, half_life in rows
    }


# A range after the first: the last decisive day before it of each customer, from the rows the
# ranges before wrote, joins the range's anchors (80_history.sql's `${earlier_anchors}`).
EARLIER_ANCHORS = """
    union all
    select
        history.customer_id,
        history.score_date,
        history.score_segment,
        history.band_min_score,
        history.band_max_score
    from bench.${table} as history
    inner join (
        select customer_id, max(score_date) as score_date
        from bench.${table}
        where is_segment_decisive and score_date < cast('${first_date}' as date)
        group by customer_id
    ) as last_before
        on history.customer_id = last_before.customer_id
        and history.score_date = last_before.score_date"""


def script_parameters(
    first_date: date,
    last_date: date,
    table: str,
    history: tuple[date, date] | None = None,
) -> dict[str, str]:
    """Every `${name}` the SQL scripts use, as SQL text, for the range `first_date` to
    `last_date` of the history `history` (first and last day; the range itself when None).
    The first range of a history creates `bench.<table>`, a later one adds its rows to it."""
    variables = dbt_vars()
    dimensions = tuple(variables["dimensions"])
    if dimensions != DIMENSIONS:
        raise ValueError(
            f"the plain scripts compute {DIMENSIONS}; dbt_project.yml has {dimensions}"
        )
    if int(variables["churn_horizon_days"]) != CHURN_HORIZON_DAYS:
        raise ValueError("churn_risk_90d is a 90-day risk: churn_horizon_days must stay 90")
    if int(variables.get("score_every_days", 1)) != 1:
        raise ValueError("the plain history scores every day: score_every_days must be 1")
    if not re.fullmatch(r"[A-Za-z_]\w*", table):
        raise ValueError(f"not a table name: {table!r}")
    if last_date < first_date:
        raise ValueError(f"last date {last_date} is before first date {first_date}")
    history_first, history_last = history or (first_date, last_date)
    if not history_first <= first_date <= last_date <= history_last:
        raise ValueError(
            f"the range {first_date} to {last_date} is not inside the history "
            f"{history_first} to {history_last}"
        )
    later_range = first_date > history_first
    windows = dimension_settings()
    usage = windows["usage"]
    usage_window = int(usage["window_days"])
    satisfaction_window = int(windows["satisfaction"]["window_days"])
    engagement = windows["engagement"]
    engagement_window = min(int(engagement["window_days"]), int(engagement["freshness_days"]))

    def half_life(dimension: str) -> str:
        value = windows[dimension]["half_life_days"]
        return "cast(null as double)" if value is None else repr(float(value))

    return {
        "seeds": str(SEEDS),
        "table": table,
        "first_date": first_date.isoformat(),
        "last_date": last_date.isoformat(),
        "history_first_date": history_first.isoformat(),
        "history_last_date": history_last.isoformat(),
        "write_history": (
            f"insert into bench.{table}"
            if later_range
            else f"create or replace table bench.{table} as"
        ),
        "earlier_anchors": (
            render(EARLIER_ANCHORS, {"table": table, "first_date": first_date.isoformat()})
            if later_range
            else ""
        ),
        "reporting_currency": str(variables["reporting_currency"]),
        "dimensions": "[" + ", ".join(f"'{name}'" for name in dimensions) + "]",
        "dimensions_pivot": ", ".join(f"'{name}'" for name in dimensions),
        "usage_window_days": str(usage_window),
        "usage_window_days_minus_1": str(usage_window - 1),
        "usage_window_days_x2_minus_1": str(2 * usage_window - 1),
        "usage_freshness_days": str(int(usage["freshness_days"])),
        "usage_lookback_days": str(max(2 * usage_window, int(usage["freshness_days"]))),
        "support_window_days": str(int(windows["support"]["window_days"])),
        "satisfaction_window_days": str(int(windows["satisfaction"]["window_days"])),
        "satisfaction_half_life_days": half_life("satisfaction"),
        "satisfaction_window_minus_1": str(satisfaction_window - 1),
        "satisfaction_anchor_date": (first_date - timedelta(days=satisfaction_window)).isoformat(),
        "financial_window_days": str(int(windows["financial"]["window_days"])),
        "financial_freshness_days": str(int(windows["financial"]["freshness_days"])),
        "relationship_window_days": str(int(windows["relationship"]["window_days"])),
        "engagement_window_days": str(int(engagement["window_days"])),
        "engagement_window_minus_1": str(engagement_window - 1),
        "engagement_anchor_date": (first_date - timedelta(days=engagement_window)).isoformat(),
        "engagement_half_life_days": half_life("engagement"),
    }


def render(sql: str, parameters: dict[str, str]) -> str:
    """The script with its `${name}` placeholders replaced; an unknown name is an error."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in parameters:
            raise KeyError(f"no value for ${{{name}}} in the plain history scripts")
        return parameters[name]

    return PLACEHOLDER.sub(value, sql)


def scripts() -> list[Path]:
    return sorted(SCRIPTS.glob("*.sql"))


# The scripts that run once for the whole history (seeds, staging, the usage facts); the others
# run once per range of days.
ONCE = ("00_inputs.sql",)


def statements_of(paths: list[Path], parameters: dict[str, str]) -> list[tuple[str, str]]:
    return [
        (path.name, statement)
        for path in paths
        for statement in STATEMENT_END.split(render(path.read_text(), parameters))
        if statement.strip()
    ]


def build_plain_history(
    warehouse_path: Path,
    first_date: date,
    last_date: date,
    table: str = "plain_customer_health_daily",
    ranges: list[tuple[date, date]] | None = None,
    script_seconds: dict[str, float] | None = None,
) -> float:
    """Builds `bench.<table>` from raw and the seeds; returns the wall seconds of the SQL, and
    adds each script's own seconds (summed over the ranges) to `script_seconds` when given.

    `ranges`: consecutive ranges of days covering `first_date` to `last_date`, scored one after
    the other as dbt's builds are (`orchestration.history.day_ranges`); the staging and the
    usage facts are built once, and each range after the first takes the segment hysteresis on
    from the rows of the ones before. None: the whole history in one range."""
    ranges = ranges or [(first_date, last_date)]
    gaps = [
        after[0] != before[1] + timedelta(days=1)
        for before, after in zip(ranges, ranges[1:], strict=False)
    ]
    if ranges[0][0] != first_date or ranges[-1][1] != last_date or any(gaps):
        raise ValueError(f"the ranges {ranges} do not cover {first_date} to {last_date} in order")
    once = [path for path in scripts() if path.name in ONCE]
    per_range = [path for path in scripts() if path.name not in ONCE]
    history = (first_date, last_date)
    statements = statements_of(once, script_parameters(first_date, last_date, table, history))
    for first, last in ranges:
        statements += statements_of(per_range, script_parameters(first, last, table, history))
    # The memory limit and spill folder dbt's models get (CHS_DUCKDB_MEMORY_LIMIT, _TEMP_DIR), so
    # the two sides run under the same memory.
    with duckdb.connect(str(warehouse_path), config=duckdb_config()) as con:
        con.execute(SESSION_SETTINGS)
        started = time.perf_counter()
        for name, statement in statements:
            statement_started = time.perf_counter()
            try:
                con.execute(statement)
            except duckdb.Error as error:
                first_line = statement.strip().splitlines()[0]
                raise RuntimeError(f"{name}: {first_line}: {error}") from error
            if script_seconds is not None:
                took = time.perf_counter() - statement_started
                script_seconds[name] = round(script_seconds.get(name, 0.0) + took, 3)
        con.execute(f"drop table bench.{table}_usage_facts")
        return time.perf_counter() - started


def dbt_schema(con: duckdb.DuckDBPyConnection) -> str:
    """The schema of the dbt-built customer_health_daily (`main` today)."""
    schemas = [
        row[0]
        for row in con.execute(
            "select table_schema from information_schema.tables "
            "where table_name = 'customer_health_daily' and table_schema <> 'bench' "
            "order by table_schema"
        ).fetchall()
    ]
    if len(schemas) != 1:
        raise LookupError(f"expected one dbt-built customer_health_daily, found schemas {schemas}")
    return schemas[0]


def compare_with_dbt(warehouse_path: Path, table: str = "plain_customer_health_daily") -> dict:
    """Row-for-row comparison of `bench.<table>` with the dbt-built customer_health_daily.

    Over the columns both have, doubles rounded to 4 decimals, `EXCEPT ALL` both ways. Also the
    columns missing from either side, and per column the number of rows (matched on customer and
    day) whose values differ, to say where a difference comes from.
    """
    # Under the same memory limit, spilling to the same folder: at 100,000 customers x a year
    # each side is 36 million rows, more than EXCEPT ALL's hash table fits in memory.
    with duckdb.connect(str(warehouse_path), read_only=True, config=duckdb_config()) as con:
        con.execute(SESSION_SETTINGS)
        schema = dbt_schema(con)

        def columns(table_schema: str, name: str) -> dict[str, str]:
            return dict(
                con.execute(
                    "select column_name, data_type from information_schema.columns "
                    "where table_schema = ? and table_name = ? order by ordinal_position",
                    [table_schema, name],
                ).fetchall()
            )

        dbt_columns = columns(schema, "customer_health_daily")
        plain_columns = columns("bench", table)
        shared = [name for name in dbt_columns if name in plain_columns]

        def projection(alias: str) -> str:
            return ", ".join(
                f'round({alias}."{name}", 4) as "{name}"'
                if dbt_columns[name] in FLOAT_TYPES
                else f'{alias}."{name}"'
                for name in shared
            )

        dbt_rows = f"select {projection('d')} from {schema}.customer_health_daily as d"
        plain_rows = f"select {projection('p')} from bench.{table} as p"

        def count(sql: str) -> int:
            return con.execute(f"select count(*) from ({sql})").fetchone()[0]

        only_in_dbt = count(f"{dbt_rows} except all {plain_rows}")
        only_in_plain = count(f"{plain_rows} except all {dbt_rows}")
        differing: dict[str, int] = {}
        if only_in_dbt or only_in_plain:
            checks = ", ".join(
                f'count(*) filter (where d."{name}" is distinct from p."{name}") as "{name}"'
                for name in shared
                if name not in KEY
            )
            keyed = " and ".join(f"d.{name} = p.{name}" for name in KEY)
            row = con.execute(
                f"select {checks} from ({dbt_rows}) as d inner join ({plain_rows}) as p on {keyed}"
            ).fetchone()
            names = [name for name in shared if name not in KEY]
            differing = {name: n for name, n in zip(names, row, strict=True) if n}
        return {
            "rows_dbt": count(f"select * from {schema}.customer_health_daily"),
            "rows_plain": count(f"select * from bench.{table}"),
            "only_in_dbt": only_in_dbt,
            "only_in_plain": only_in_plain,
            "differing_columns": sorted(differing),
            "differing_counts": differing,
            "columns_missing_in_plain": [name for name in dbt_columns if name not in plain_columns],
            "columns_extra_in_plain": [name for name in plain_columns if name not in dbt_columns],
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--first", type=date.fromisoformat, required=True)
    parser.add_argument("--last", type=date.fromisoformat, required=True)
    parser.add_argument("--table", default="plain_customer_health_daily")
    parser.add_argument(
        "--customers", type=int, help="score in the ranges of days dbt's rebuild takes for N"
    )
    args = parser.parse_args(argv)
    ranges = None
    if args.customers is not None:
        from orchestration.history import day_ranges

        ranges = day_ranges(args.first, args.last, args.customers)
    seconds = build_plain_history(args.warehouse, args.first, args.last, args.table, ranges)
    print(f"plain DuckDB history {args.first} to {args.last}: {seconds:.2f} s")
    comparison = compare_with_dbt(args.warehouse, args.table)
    print(json.dumps(comparison, indent=2))
    same = comparison["only_in_dbt"] == 0 and comparison["only_in_plain"] == 0
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
