"""Child processes of the benchmark that are not the pipeline's own commands:

    python -m benchmarks.bench.tasks bare-load --landing DIR --warehouse FILE --result FILE
    python -m benchmarks.bench.tasks compiled-sql --run-dir DIR --order FILE --warehouse FILE ...
        [--profile-dir DIR]
    python -m benchmarks.bench.tasks plain-history --warehouse FILE --first D --last D --customers N
    python -m benchmarks.bench.tasks plain-compare --warehouse FILE
    python -m benchmarks.bench.tasks validate-publish --result FILE

Each writes its own figures (seconds inside the process, counts) as JSON to `--result`.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from orchestration.duckdb_settings import connect
from orchestration.ingestion.sources import SOURCES
from orchestration.project import REPO_ROOT

# The first relation a compiled dbt model creates: `create [or replace] table|view "db"."s"."n"`.
_CREATED = re.compile(
    r"create\s+(?:or\s+replace\s+)?(?:temp\s+|temporary\s+)?(table|view)\s+"
    r'"(?P<database>[^"]+)"\."(?P<schema>[^"]+)"\."(?P<name>[^"]+)"',
    re.IGNORECASE,
)
_TMP_SUFFIX = "__dbt_tmp"


def bare_load(landing: Path, warehouse: Path) -> dict[str, Any]:
    """`create table as select * from read_parquet(...)` of every source's files: DuckDB's own
    reading and typing, with no validation, quarantine, lineage or ledger."""
    for suffix in ("", ".wal"):
        Path(f"{warehouse}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    rows = 0
    with connect(warehouse) as con:
        for source in SOURCES:
            files = sorted((landing / source).glob("*.parquet"))
            if not files:
                continue
            listed = ", ".join(f"'{f}'" for f in files)
            read = f"read_parquet([{listed}], union_by_name = true)"
            con.execute(f"create table {source} as select * from {read}")
            rows += con.execute(f"select count(*) from {source}").fetchone()[0]
        con.execute("checkpoint")
    return {"seconds": round(time.perf_counter() - started, 3), "rows": rows}


def created_relation(sql: str) -> tuple[str, str, str, str]:
    """(kind, schema, name written, final name) of the relation a compiled model creates."""
    match = _CREATED.search(sql)
    if match is None:
        raise ValueError("no `create table|view` in the compiled model")
    name = match["name"]
    final = name.removesuffix(_TMP_SUFFIX)
    return match[1].lower(), match["schema"], name, final


def profile_settings() -> dict[str, str]:
    """The literal DuckDB settings of profiles.yml (the templated ones come from the environment
    through `connect`), so the compiled SQL runs with the threads dbt's models have."""
    profile = yaml.safe_load((REPO_ROOT / "profiles.yml").read_text())
    settings = profile["customer_health"]["outputs"]["dev"].get("settings", {})
    return {key: str(value) for key, value in settings.items() if "{{" not in str(value)}


# The operators of a model's profile kept in the record: the costliest few say where time goes.
PROFILE_TOP_OPERATORS = 4


def profile_summary(profile: dict[str, Any]) -> dict[str, Any]:
    """What `EXPLAIN ANALYZE` says of one statement, from DuckDB's JSON profile: its wall and CPU
    seconds, the memory its buffers peaked at and what it spilled, and its costliest operators
    (CPU seconds summed over threads, rows out, what they compute)."""
    operators: list[dict[str, Any]] = []

    def walk(node: dict[str, Any]) -> None:
        extra = node.get("extra_info") or {}
        what = next(
            (extra[key] for key in ("Projections", "Conditions", "Groups", "Aggregates", "Table")
             if key in extra),
            "",
        )  # fmt: skip
        operators.append(
            {
                "operator": node.get("name", ""),
                "cpu_seconds": round(node.get("timing", 0.0), 3),
                "rows": node.get("intermediate_rows", 0),
                "what": (" ".join(what) if isinstance(what, list) else str(what))[:160],
            }
        )
        for child in node.get("children", []):
            walk(child)

    for node in profile.get("operator", []):
        walk(node)
    query, system = profile.get("query", {}), profile.get("system", {})
    mib = 1024 * 1024
    return {
        "seconds": round(query.get("total_time", 0.0), 3),
        "cpu_seconds": round(query.get("cpu_time", 0.0), 3),
        "peak_buffer_mib": round(system.get("peak_buffer_memory", 0) / mib),
        "spilled_mib": round(system.get("total_bytes_spilled", 0) / mib),
        "top_operators": sorted(operators, key=lambda o: -o["cpu_seconds"])[:PROFILE_TOP_OPERATORS],
    }


def compiled_sql(
    run_dir: Path, order: list[str], warehouse: Path, profile_dir: Path | None = None
) -> dict[str, Any]:
    """Runs dbt's compiled statements (`target/run/...`) of the models in `order` (dbt's own
    completion order, so parents come first) in one DuckDB connection; a `__dbt_tmp` relation
    replaces its model the way dbt renames it.

    With `profile_dir`, each model's statement runs under DuckDB's profiler (what `EXPLAIN
    ANALYZE` shows), its JSON profile written there and summed up in `model_profiles`: where a
    speed or memory target is missed, this says why. The profiler costs little next to models
    that take seconds."""
    files = {path.stem: path for path in run_dir.rglob("*.sql")}
    statements = []
    for model in order:
        if model not in files:
            continue  # ephemeral models and tests have no statement of their own
        sql = files[model].read_text()
        statements.append((model, sql, created_relation(sql)))
    timings: dict[str, float] = {}
    profiles: dict[str, Any] = {}
    if profile_dir is not None:
        profile_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with connect(warehouse) as con:
        for key, value in profile_settings().items():
            con.execute(f"set {key} = '{value}'")
        for model, sql, (kind, schema, name, final) in statements:
            began = time.perf_counter()
            con.execute(f"drop {kind} if exists {schema}.{name}")
            if name == final:
                # An incremental model's full refresh creates its table under its own name.
                con.execute(f"drop {kind} if exists {schema}.{final}")
            if profile_dir is None:
                con.execute(sql)
            else:
                profile_file = profile_dir / f"{model}.json"
                profile_file.unlink(missing_ok=True)
                con.execute("set enable_profiling = 'json'")
                con.execute(f"set profiling_output = '{profile_file}'")
                con.execute(sql)
                con.execute("set enable_profiling = 'no_output'")
                # A `create view` runs no query, and DuckDB writes no profile for it.
                if profile_file.exists():
                    profiles[model] = profile_summary(json.loads(profile_file.read_text()))
            if name != final:
                con.execute(f"drop {kind} if exists {schema}.{final}")
                con.execute(f"alter {kind} {schema}.{name} rename to {final}")
            timings[model] = round(time.perf_counter() - began, 3)
        con.execute("checkpoint")
    return {
        "seconds": round(time.perf_counter() - started, 3),
        "models": len(statements),
        "model_seconds": timings,
        **({"model_profiles": profiles} if profile_dir is not None else {}),
    }


def plain_history(warehouse: Path, first: date, last: date, customers: int) -> dict[str, Any]:
    """The hand-written plain DuckDB script of `benchmarks/plain/`, scored in the ranges of days
    dbt's rebuild took for `customers` (`orchestration.history.day_ranges`, the same budget from
    the same environment): one range, or several that carry the segment hysteresis on. Only the
    build: its comparison with dbt is a task of its own (`plain_compare`), so that the step's
    time, the denominator of history_rebuild_ratio, is the script's work alone."""
    from benchmarks.plain.history import build_plain_history
    from orchestration.history import day_ranges

    ranges = day_ranges(first, last, customers)
    seconds = build_plain_history(warehouse, first, last, ranges=ranges)
    return {"seconds": round(seconds, 3), "ranges": len(ranges)}


def plain_compare(warehouse: Path) -> dict[str, Any]:
    """The plain script's history against dbt's `customer_health_daily`, row for row."""
    from benchmarks.plain.history import compare_with_dbt

    started = time.perf_counter()
    comparison = compare_with_dbt(warehouse)
    return {"seconds": round(time.perf_counter() - started, 3), "comparison": comparison}


def validate_publish() -> dict[str, Any]:
    """What Dagster's checks and serving asset do after dbt, without Dagster: every mart's Great
    Expectations suite, then the publication of the serving copy."""
    from orchestration.defs.checks import run_mart_suite
    from orchestration.project import warehouse_path
    from orchestration.serving import publish, serving_dir
    from orchestration.validation import MART_SUITES

    started = time.perf_counter()
    failed = [table for table in MART_SUITES if not run_mart_suite(table).success]
    if failed:
        raise SystemExit(f"Great Expectations suites failed: {', '.join(failed)}")
    publish(warehouse_path(), serving_dir(), run_id="bench")
    return {"seconds": round(time.perf_counter() - started, 3)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "task",
        choices=["bare-load", "compiled-sql", "plain-history", "plain-compare", "validate-publish"],
    )
    parser.add_argument("--result", type=Path, required=True)
    parser.add_argument("--landing", type=Path)
    parser.add_argument("--warehouse", type=Path)
    parser.add_argument("--run-dir", type=Path)
    parser.add_argument("--order", type=Path, help="run_results.json giving the models' order")
    parser.add_argument("--first", type=date.fromisoformat)
    parser.add_argument("--last", type=date.fromisoformat)
    parser.add_argument("--customers", type=int, help="plain-history: customers, for its ranges")
    parser.add_argument(
        "--profile-dir", type=Path, help="compiled-sql: DuckDB's profile of each model, there"
    )
    args = parser.parse_args(argv)
    if args.task == "bare-load":
        figures = bare_load(args.landing, args.warehouse)
    elif args.task == "compiled-sql":
        results = json.loads(args.order.read_text())["results"]
        order = [
            r["unique_id"].split(".")[-1] for r in results if r["unique_id"].startswith("model.")
        ]
        # The profiles go beside the result unless told otherwise: the bench keeps its logs.
        profile_dir = args.profile_dir or args.result.parent / "profiles"
        figures = compiled_sql(args.run_dir, order, args.warehouse, profile_dir)
    elif args.task == "plain-history":
        if args.customers is None:
            parser.error("plain-history needs --customers (its ranges of days depend on them)")
        figures = plain_history(args.warehouse, args.first, args.last, args.customers)
    elif args.task == "plain-compare":
        figures = plain_compare(args.warehouse)
    else:
        figures = validate_publish()
    args.result.write_text(json.dumps(figures, indent=2, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
