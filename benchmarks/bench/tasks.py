"""Child processes of the benchmark that are not the pipeline's own commands:

    python -m benchmarks.bench.tasks bare-load --landing DIR --warehouse FILE --result FILE
    python -m benchmarks.bench.tasks compiled-sql --builds DIR --warehouse FILE ...
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
from dataclasses import dataclass
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
# The temporary table of an incremental model's new rows, in its delete and insert:
# `"customer_health_daily__dbt_tmp20261205034512345678"` (dbt-duckdb adds the time).
_INCREMENTAL_SOURCE = re.compile(r'"(?P<name>[^"]+__dbt_tmp\d*)"')
# The table an incremental run inserts into: `insert into "db"."schema"."name"`.
_INSERTED = re.compile(
    r'insert\s+into\s+"(?P<database>[^"]+)"\."(?P<schema>[^"]+)"\."(?P<name>[^"]+)"', re.IGNORECASE
)


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


@dataclass(frozen=True)
class Build:
    """One dbt build's statements: `run_dir` (its `target/run`), the models in the order dbt
    completed them (parents first), and `compiled_dir` (its `target/compiled`), which holds the
    query of an incremental model's new rows when its `target/run` holds only their delete and
    insert."""

    run_dir: Path
    order: list[str]
    compiled_dir: Path | None = None


def model_order(run_results: Path) -> list[str]:
    """The models of a dbt `run_results.json`, in the order dbt completed them."""
    results = json.loads(run_results.read_text())["results"]
    return [r["unique_id"].split(".")[-1] for r in results if r["unique_id"].startswith("model.")]


def kept_builds(folder: Path) -> list[Build]:
    """The builds `python -m orchestration.history --results FOLDER` kept, in order:
    `run_results-<n>.json` with `run-<n>` and `compiled-<n>` beside it."""
    builds = []
    for number in range(1, len(list(folder.glob("run_results-*.json"))) + 1):
        order = model_order(folder / f"run_results-{number}.json")
        builds.append(Build(folder / f"run-{number}", order, folder / f"compiled-{number}"))
    if not builds:
        raise ValueError(f"{folder}: no run_results-<n>.json of a build")
    return builds


def incremental_source(sql: str) -> str | None:
    """The temporary relation an incremental model's delete and insert read its new rows from
    (dbt-duckdb creates it from the compiled query, outside `target/run`), or None."""
    match = _INCREMENTAL_SOURCE.search(sql)
    return None if match is None else match["name"]


def merge_profiles(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    """Two profile summaries of one model (its statements, its builds) as one: seconds, CPU and
    spill added up, the peak the higher, operators doing the same work added up."""
    operators: dict[tuple[str, str], dict[str, Any]] = {}
    for operator in first["top_operators"] + second["top_operators"]:
        key = (operator["operator"], operator["what"])
        if key in operators:
            operators[key] = {
                **operators[key],
                "cpu_seconds": round(operators[key]["cpu_seconds"] + operator["cpu_seconds"], 3),
                "rows": operators[key]["rows"] + operator["rows"],
            }
        else:
            operators[key] = dict(operator)
    return {
        "seconds": round(first["seconds"] + second["seconds"], 3),
        "cpu_seconds": round(first["cpu_seconds"] + second["cpu_seconds"], 3),
        "peak_buffer_mib": max(first["peak_buffer_mib"], second["peak_buffer_mib"]),
        "spilled_mib": first["spilled_mib"] + second["spilled_mib"],
        "top_operators": sorted(operators.values(), key=lambda o: -o["cpu_seconds"])[
            :PROFILE_TOP_OPERATORS
        ],
    }


def model_statements(build: Build, model: str, sql: str) -> list[str]:
    """The statements that build `model` in `build`: dbt's own (`target/run`): a `create`, or an
    incremental run's delete and insert, preceded by the temporary table of new rows they read,
    built from the compiled query."""
    if _CREATED.search(sql) is not None:
        return [sql]
    source = incremental_source(sql)
    if source is None:
        raise ValueError(f"{model}: neither a create nor an incremental insert in {build.run_dir}")
    if build.compiled_dir is None:
        raise ValueError(f"{model}: an incremental run, and no compiled query to build its rows")
    compiled = {path.stem: path for path in build.compiled_dir.rglob("*.sql")}
    if model not in compiled:
        raise ValueError(f"{model}: no compiled query in {build.compiled_dir}")
    create = f'create temporary table "{source}" as (\n{compiled[model].read_text()}\n)'
    return [create, sql, f'drop table if exists temp.main."{source}"']


def compiled_sql(
    builds: list[Build], warehouse: Path, profile_dir: Path | None = None
) -> dict[str, Any]:
    """Runs dbt's compiled statements (`target/run/...`) of each build, in order, in one DuckDB
    connection: a rebuild in several builds as dbt ran it (`orchestration.history`), the first
    a full refresh, the later ones incremental where a model is. A `__dbt_tmp` relation replaces
    its model the way dbt renames it; an incremental model's delete and insert read the new rows
    from a temporary table built from its compiled query, as dbt-duckdb does.

    With `profile_dir`, each statement runs under DuckDB's profiler (what `EXPLAIN ANALYZE`
    shows), its JSON profile written there (under `build-<n>/` for several builds) and summed up
    per model over its statements and builds in `model_profiles`: where a speed or memory target
    is missed, this says why. The profiler costs little next to models that take seconds."""
    planned = []
    for number, build in enumerate(builds, start=1):
        files = {path.stem: path for path in build.run_dir.rglob("*.sql")}
        for model in build.order:
            if model not in files:
                continue  # ephemeral models and tests have no statement of their own
            sql = files[model].read_text()
            relation = created_relation(sql) if _CREATED.search(sql) is not None else None
            planned.append((number, model, model_statements(build, model, sql), relation))
    timings: dict[str, float] = {}
    profiles: dict[str, Any] = {}
    tables = sorted(
        {
            table
            for _, _, statements, relation in planned
            if (table := built_table(statements, relation))
        }
    )
    with connect(warehouse) as con:
        # dbt's rows, to check the replay against (not timed).
        rows_by_dbt = table_rows(con, tables)
        started = time.perf_counter()
        for key, value in profile_settings().items():
            con.execute(f"set {key} = '{value}'")
        for number, model, statements, relation in planned:
            began = time.perf_counter()
            if relation is not None:
                kind, schema, name, final = relation
                con.execute(f"drop {kind} if exists {schema}.{name}")
                if name == final:
                    # An incremental model's full refresh creates its table under its own name.
                    con.execute(f"drop {kind} if exists {schema}.{final}")
            if profile_dir is None:
                for statement in statements:
                    con.execute(statement)
            else:
                folder = profile_dir / f"build-{number}" if len(builds) > 1 else profile_dir
                folder.mkdir(parents=True, exist_ok=True)
                parts = [
                    part for statement in statements for part in con.extract_statements(statement)
                ]
                for index, part in enumerate(parts, start=1):
                    profile = profiled(con, part, folder / _profile_name(model, index))
                    if profile is not None and model in profiles:
                        profiles[model] = merge_profiles(profiles[model], profile)
                    elif profile is not None:
                        profiles[model] = profile
            if relation is not None and relation[2] != relation[3]:
                kind, schema, name, final = relation
                con.execute(f"drop {kind} if exists {schema}.{final}")
                con.execute(f"alter {kind} {schema}.{name} rename to {final}")
            timings[model] = round(timings.get(model, 0.0) + time.perf_counter() - began, 3)
        con.execute("checkpoint")
        seconds = time.perf_counter() - started
        rows_replayed = table_rows(con, tables)
    return {
        "seconds": round(seconds, 3),
        # Tables whose row count differs from dbt's after the replay ([dbt's, the replay's]):
        # none when the statements did the same work.
        "rows_differ": {
            table: [rows_by_dbt[table], rows_replayed[table]]
            for table in tables
            if rows_by_dbt[table] != rows_replayed[table]
        },
        "builds": len(builds),
        "models": len({model for _, model, _, _ in planned}),
        "model_seconds": timings,
        **({"model_profiles": profiles} if profile_dir is not None else {}),
    }


def built_table(statements: list[str], relation: tuple[str, str, str, str] | None) -> str | None:
    """`schema.name` of the table a model's statements leave (None for a view)."""
    if relation is not None:
        kind, schema, _, final = relation
        return f"{schema}.{final}" if kind == "table" else None
    match = _INSERTED.search(statements[1])
    return None if match is None else f"{match['schema']}.{match['name']}"


def table_rows(con: Any, tables: list[str]) -> dict[str, int | None]:
    """Rows of each table (None where it does not exist)."""
    rows: dict[str, int | None] = {}
    for table in tables:
        schema, name = table.split(".", 1)
        exists = con.execute(
            "select count(*) from duckdb_tables()"
            " where database_name = current_database() and schema_name = ? and table_name = ?",
            [schema, name],
        ).fetchone()[0]
        rows[table] = (
            con.execute(f'select count(*) from "{schema}"."{name}"').fetchone()[0]
            if exists
            else None
        )
    return rows


def _profile_name(model: str, index: int) -> str:
    return f"{model}.json" if index == 1 else f"{model}.{index}.json"


def profiled(con: Any, statement: str, profile_file: Path) -> dict[str, Any] | None:
    """Runs one statement under DuckDB's JSON profiler; its summary, or None when DuckDB wrote
    no profile (a `create view` runs no query)."""
    profile_file.unlink(missing_ok=True)
    con.execute("set enable_profiling = 'json'")
    con.execute(f"set profiling_output = '{profile_file}'")
    con.execute(statement)
    con.execute("set enable_profiling = 'no_output'")
    if not profile_file.exists():
        return None
    return profile_summary(json.loads(profile_file.read_text()))


def plain_history(warehouse: Path, first: date, last: date, customers: int) -> dict[str, Any]:
    """The hand-written plain DuckDB script of `benchmarks/plain/`, scored in the ranges of days
    dbt's rebuild took for `customers` (`orchestration.history.day_ranges`, the same budget from
    the same environment): one range, or several that carry the segment hysteresis on. Only the
    build: its comparison with dbt is a task of its own (`plain_compare`), so that the step's
    time, the denominator of history_rebuild_ratio, is the script's work alone."""
    from benchmarks.plain.history import build_plain_history
    from orchestration.history import day_ranges

    ranges = day_ranges(first, last, customers)
    # Each script's seconds, to set beside dbt's models of the same dimension.
    script_seconds: dict[str, float] = {}
    seconds = build_plain_history(
        warehouse, first, last, ranges=ranges, script_seconds=script_seconds
    )
    return {"seconds": round(seconds, 3), "ranges": len(ranges), "script_seconds": script_seconds}


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
    parser.add_argument(
        "--builds",
        type=Path,
        help="compiled-sql: the builds `orchestration.history --results` kept there, in order",
    )
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
        if args.builds is None:
            parser.error("compiled-sql needs --builds (the folder `orchestration.history` kept)")
        builds = kept_builds(args.builds)
        # The profiles go beside the result unless told otherwise: the bench keeps its logs.
        profile_dir = args.profile_dir or args.result.parent / "profiles"
        figures = compiled_sql(builds, args.warehouse, profile_dir)
        if figures["rows_differ"]:
            # Not the same work as dbt's rebuild: the step fails, and its ratio is n/a.
            args.result.write_text(json.dumps(figures, indent=2, default=str) + "\n")
            raise SystemExit(
                "the compiled SQL left other row counts than dbt's rebuild"
                f" (table: [dbt, replay]): {figures['rows_differ']}"
            )
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
