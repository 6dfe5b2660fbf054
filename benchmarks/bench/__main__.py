"""`python -m benchmarks.bench --size small|medium|large [--days N]`: see `__init__.py`."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

from benchmarks.bench.results import (
    build_record,
    draw_chart,
    format_table,
    read_records,
    record_path,
    write_record,
)
from benchmarks.bench.sizes import (
    DEFAULT_DAYS,
    DISK_GIB_PER_MILLION_CUSTOMERS,
    END_DATE,
    LANDING_GIB_PER_MILLION_CUSTOMERS,
    SEED,
    SIZES,
    Size,
    history_dates,
    landing_cache,
)
from benchmarks.bench.steps import (
    GIB,
    StepFailed,
    StepResult,
    dbt_model_seconds,
    dbt_node_seconds,
    run_step,
)
from orchestration import usage_facts
from orchestration.defs.instance import instance_yaml
from orchestration.duckdb_settings import DEFAULT_MEMORY_LIMIT
from orchestration.history import customer_days_budget, day_ranges
from orchestration.project import DBT_PARSED_ENV, REPO_ROOT

BIN = Path(sys.executable).parent
PLAIN_SCRIPT = REPO_ROOT / "benchmarks" / "plain" / "history.py"
T = TypeVar("T")


class Bench:
    """One run: the steps in order, each a child process, their figures collected."""

    def __init__(
        self,
        size: Size,
        days: int,
        bench_dir: Path,
        with_baselines: bool = True,
        with_plain: bool = True,
        last_builds: int | None = None,
    ) -> None:
        self.size, self.days, self.bench_dir = size, days, bench_dir
        self.with_baselines, self.with_plain = with_baselines, with_plain
        self.first, self.last = history_dates(days, END_DATE)
        self.landing = landing_cache(bench_dir, size, days)
        self.work = bench_dir / size.name / f"run-{days}d"
        self.logs = self.work / "logs"
        self.steps: dict[str, dict[str, Any]] = {}
        self.facts: dict[str, Any] = {}
        # The first day scored: the history's, or with `last_builds` the first day of the last
        # builds of a rebuild of the whole history (the landing stays the whole history, so
        # their windows are as full as in that rebuild).
        self.scored_first = self.first
        if last_builds is not None:
            ranges = day_ranges(self.first, self.last, size.customers)
            kept = ranges[-min(last_builds, len(ranges)) :]
            self.scored_first = kept[0][0]
            self.facts.update(
                last_builds=len(kept),
                builds_of_the_whole_history=len(ranges),
                scored_days=(self.last - self.scored_first).days + 1,
            )

    def env(self, data_dir: Path) -> dict[str, str]:
        """The pipeline's environment, its data (warehouse, serving, spill) in `data_dir`."""
        return {
            **os.environ,
            "CHS_DATA_DIR": str(data_dir),
            "CHS_WAREHOUSE_PATH": str(data_dir / "warehouse.duckdb"),
            "CHS_LANDING_DIR": str(self.landing),
            "CHS_DUCKDB_TEMP_DIR": str(data_dir / "tmp"),
            "CHS_HISTORY_START_DATE": self.first.isoformat(),
            "DAGSTER_HOME": str(data_dir / "dagster_home"),
            "DBT_PROFILES_DIR": str(REPO_ROOT),
            "PYTHONPATH": str(REPO_ROOT),
        }

    def step(
        self,
        name: str,
        command: list[str],
        data_dir: Path,
        env: dict[str, str] | None = None,
        **extra: Any,
    ) -> StepResult:
        print(f"[bench] {name} ...", flush=True)
        result = run_step(
            name, command, self.env(data_dir) | (env or {}), REPO_ROOT, self.logs, self.bench_dir
        )
        result.extra.update(extra)
        self.steps[name] = result.as_json()
        print(
            f"[bench] {name}: {result.seconds:,.1f} s, peak RSS {result.max_rss_mib:,.0f} MiB,"
            f" disk +{result.disk_used_gib:,.1f} GiB ({result.min_free_disk_gib:,.1f} GiB free"
            " at the lowest)",
            flush=True,
        )
        return result

    def task(self, name: str, task: str, data_dir: Path, *args: str) -> dict[str, Any]:
        """A child of benchmarks.bench.tasks; its own figures are kept beside the step's."""
        result_file = self.logs / f"{name}.json"
        command = [
            str(BIN / "python"),
            "-m",
            "benchmarks.bench.tasks",
            task,
            "--result",
            str(result_file),
            *args,
        ]
        self.step(name, command, data_dir)
        figures = json.loads(result_file.read_text())
        self.steps[name]["extra"].update(figures)
        return figures

    def dbt(
        self,
        name: str,
        data_dir: Path,
        *args: str,
        env: dict[str, str] | None = None,
        first: list[str] | None = None,
    ) -> StepResult:
        """`dbt <args>` as one step; `first`, a command run before it in the same step, given
        the same `--target-path` (it must succeed for dbt to run)."""
        target = data_dir / "target"
        command = [str(BIN / "dbt"), *args, "--target-path", str(target)]
        if first is not None:
            before = shlex.join([*first, "--target-path", str(target)])
            command = ["bash", "-c", f"{before} && exec {shlex.join(command)}"]
        result = self.step(name, command, data_dir, env=env)
        self.steps[name]["extra"]["model_seconds"] = dbt_model_seconds(target)
        self.steps[name]["extra"]["node_seconds"] = dbt_node_seconds(target)
        return result

    def baseline(self, name: str, run: Callable[[], T]) -> T | None:
        """A baseline step (the compiled SQL, the plain script) that may fail where dbt did not:
        at 100,000 customers under a 3 GB memory limit both ran out of memory after dbt's
        rebuild had passed. The failure is printed and kept in the record (`baselines_failed`),
        its ratio is n/a, and the bench goes on; a failure of the pipeline's own steps still
        stops it."""
        try:
            return run()
        except StepFailed as failure:
            lines = [line for line in str(failure).splitlines() if line.strip()]
            self.facts.setdefault("baselines_failed", {})[name] = "\n".join(lines[-12:])
            reason = next((line for line in reversed(lines) if "Error" in line), lines[-1])
            print(f"[bench] FAILED baseline {name}, its ratio is n/a: {reason}", flush=True)
            return None

    def history(
        self,
        name: str,
        data_dir: Path,
        *args: str,
        days: tuple[date, date],
        full_refresh: bool = False,
        env: dict[str, str] | None = None,
    ) -> StepResult:
        """`dbt <args>` over `days` as `python -m orchestration.history` runs it (as the Dagster
        daily step does): in consecutive builds of at most CHS_MAX_CUSTOMER_DAYS_PER_BUILD
        customer-days, the builds after the first without the models that read no score day
        (`--upstream-once`: staging and the daily facts are built once, as in a Dagster run).
        One step: its wall time and peak RSS cover every build; the model times are summed over
        the builds' run_results."""
        target, results = data_dir / "target", data_dir / "run_results"
        shutil.rmtree(results, ignore_errors=True)
        command = [
            str(BIN / "python"), "-m", "orchestration.history",
            days[0].isoformat(), days[1].isoformat(),
            "--customers", str(self.size.customers), "--results", str(results),
            *(["--full-refresh"] if full_refresh else []), "--upstream-once",
            "--", *args, "--target-path", str(target),
        ]  # fmt: skip
        result = self.step(name, command, data_dir, env=env)
        pieces = sorted(results.glob("run_results-*.json"))
        extra = self.steps[name]["extra"]
        # The usage facts' steps of days come first among the kept builds (usage_facts.py).
        steps_file = results / usage_facts.STEPS_FILE
        steps = json.loads(steps_file.read_text())["days"] if steps_file.exists() else []
        extra["usage_facts_steps"] = len(steps)
        extra["builds"] = len(pieces) - len(steps)
        # What sized the builds: the budget and limit of this environment, which the step inherits.
        extra["customer_days_per_build"] = customer_days_budget()
        limit = os.environ.get("CHS_DUCKDB_MEMORY_LIMIT", DEFAULT_MEMORY_LIMIT)
        extra["duckdb_memory_limit"] = limit
        extra["model_seconds"] = round(sum(dbt_model_seconds(piece) for piece in pieces), 3)
        node_seconds: dict[str, float] = {}
        for piece in pieces:
            for model, seconds in dbt_node_seconds(piece).items():
                node_seconds[model] = round(node_seconds.get(model, 0) + seconds, 3)
        extra["node_seconds"] = node_seconds
        return result

    def parse(self, data_dir: Path, target: Path) -> None:
        command = [str(BIN / "dbt"), "parse", "--quiet", "--target-path", str(target)]
        run_step(f"parse-{data_dir.name}", command, self.env(data_dir), REPO_ROOT, self.logs)

    def vars(self, first: date, last: date) -> str:
        return json.dumps({"score_from_date": first.isoformat(), "as_of_date": last.isoformat()})

    # ---- the steps

    def generate(self) -> None:
        marker = self.landing / ".complete"
        if marker.exists():
            print(f"[bench] landing cached in {self.landing}", flush=True)
            return
        shutil.rmtree(self.landing, ignore_errors=True)
        self.step(
            "generate",
            [
                str(BIN / "python"), "-m", "orchestration.sample_data",
                "--customers", str(self.size.customers), "--days", str(self.days),
                "--seed", str(SEED), "--end-date", self.last.isoformat(),
                "--format", "parquet", "--out", str(self.landing),
            ],
            self.work,
        )  # fmt: skip
        marker.write_text(json.dumps({"customers": self.size.customers, "days": self.days}) + "\n")

    def ingestion_side_by_side(self, warehouse_dir: Path) -> None:
        bare = self.work / "bare"
        self.task("bare_load", "bare-load", bare, "--landing", str(self.landing),
                  "--warehouse", str(bare / "bare.duckdb"))  # fmt: skip
        shutil.rmtree(bare, ignore_errors=True)
        self.step(
            "ingestion", [str(BIN / "python"), "-m", "orchestration.ingestion"], warehouse_dir
        )

    def history_side_by_side(self, warehouse_dir: Path) -> None:
        self.dbt("seed", warehouse_dir, "seed", "--quiet")
        history = ["run", "--quiet", "--select", "+customer_health_daily"]
        self.history("history_rebuild", warehouse_dir, *history,
                     days=(self.scored_first, self.last), full_refresh=True)  # fmt: skip
        # Keep the statements of the rebuild's builds (`orchestration.history --results` kept
        # each): the warehouse folder goes at the end of the run.
        compiled = self.work / "compiled"
        shutil.rmtree(compiled, ignore_errors=True)
        shutil.copytree(warehouse_dir / "run_results", compiled)
        if self.with_baselines:
            self.baselines(warehouse_dir, compiled)
        else:
            # --no-baselines: dbt's own rebuild and daily run only (history_rebuild_ratio and
            # dbt_overhead_ratio are n/a), for a long history where each baseline takes as long.
            self.facts["plain_comparison"] = None
            print("[bench] SKIPPED the compiled SQL and the plain script (--no-baselines)",
                  flush=True)  # fmt: skip
        self.dbt("daily_run", warehouse_dir, *history, "--vars", self.vars(self.last, self.last))

    def baselines(self, warehouse_dir: Path, compiled: Path) -> None:
        """Steps b and d of the history: the compiled SQL in one connection, the plain script.
        A rebuild in several builds is replayed build after build (each build's statements, the
        later ones incremental where dbt's were), and the plain script scores the same ranges of
        days (the task reads them from the same budget)."""
        warehouse = warehouse_dir / "warehouse.duckdb"
        with_connection = self.baseline("compiled_sql", lambda: self.task(
            "compiled_sql", "compiled-sql", warehouse_dir, "--builds", str(compiled),
            "--warehouse", str(warehouse),
        ))  # fmt: skip
        if with_connection is not None:
            builds = with_connection["builds"]
            print(f"[bench] compiled SQL: {with_connection['models']} models in {builds} "
                  f"build{'' if builds == 1 else 's'}", flush=True)  # fmt: skip
        if not self.with_plain:
            # --no-plain: dbt against its compiled SQL only (dbt_overhead_ratio), for a long
            # history where the plain script and its comparison take as long as both.
            self.facts["plain_comparison"] = None
            print("[bench] SKIPPED (b) the plain script (--no-plain)", flush=True)
        elif PLAIN_SCRIPT.exists():
            plain = self.baseline("plain_history", lambda: self.task(
                "plain_history", "plain-history", warehouse_dir, "--warehouse", str(warehouse),
                "--first", self.scored_first.isoformat(), "--last", self.last.isoformat(),
                "--customers", str(self.size.customers),
            ))  # fmt: skip
            self.facts["plain_comparison"] = None
            if plain is not None:
                # A step of its own, in no ratio: at 100,000 customers x a year the comparison
                # of two 30-million-row tables took 750 s, half as long as the script.
                compared = self.baseline("plain_compare", lambda: self.task(
                    "plain_compare", "plain-compare", warehouse_dir, "--warehouse", str(warehouse),
                ))  # fmt: skip
                if compared is not None:
                    self.facts["plain_comparison"] = compared["comparison"]
                    print(f"[bench] plain script against dbt: {compared['comparison']}", flush=True)
        else:
            self.facts["plain_comparison"] = None
            print(f"[bench] SKIPPED (b) the plain script: {PLAIN_SCRIPT} is missing "
                  "(history_rebuild_ratio is n/a)", flush=True)  # fmt: skip

    def pipeline_side_by_side(self) -> None:
        """The whole pipeline under Dagster (`make pipeline`'s launch) against the same work bare:
        ingestion, the three dbt builds of orchestration/defs/assets/dbt.py, the checks, the
        publication. Each on a fresh warehouse of its own."""
        from orchestration.defs.assets.dbt import (
            CURRENT_EXCLUDE,
            CURRENT_SELECT,
            DAILY_SELECT,
            PIPELINE_BUILD,
            SOURCES_EXCLUDE,
            score_date_env,
        )

        dagster_dir, bare_dir = self.work / "dagster", self.work / "bare_pipeline"
        for folder in (dagster_dir, bare_dir):
            shutil.rmtree(folder, ignore_errors=True)
            (folder / "dagster_home").mkdir(parents=True)
        # The same Dagster instance as `make run`'s (its event log, run monitoring).
        home = dagster_dir / "dagster_home"
        (home / "dagster.yaml").write_text(instance_yaml(home))
        # `dbt parse` in the environment of the run, so that dg launch reads this checkout's
        # manifest and each dbt command can parse partially; likewise for the bare twin's
        # target folder. Not timed, in both: `make pipeline` parses inside its dg launch, beside
        # Dagster's imports (orchestration/project.py), and the bare twin would parse before its
        # first build; the comparison is of the same work, the parse left out of both.
        self.parse(dagster_dir, REPO_ROOT / "target")
        self.parse(bare_dir, bare_dir / "target")
        self.step(
            "dagster_pipeline",
            [
                str(BIN / "dg"), "launch", "--assets", "* and not key:calibration_proposal",
                "-m", "orchestration.definitions",
                "--partition-range", f"{self.scored_first.isoformat()}...{self.last.isoformat()}",
            ],
            dagster_dir,
            env={DBT_PARSED_ENV: "1"},  # parsed above: dg launch parses no second time
        )  # fmt: skip
        # Its warehouse is not read again: at 1,000,000 customers it takes about 24 GB, which
        # the bare twin's own would take a second time beside it.
        shutil.rmtree(dagster_dir, ignore_errors=True)
        self.step(
            "bare_ingestion", [str(BIN / "python"), "-m", "orchestration.ingestion"], bare_dir
        )
        # The pipeline's own build command (unit tests left out) and its way of passing the days
        # (environment variables, as the assets do: a change of --vars between the builds would
        # make dbt parse the whole project again, work the Dagster run does not do).
        no_days = score_date_env()
        # As the Dagster sources step: the usage facts first in steps of days when one build
        # would not hold them (a year's landing at 1,000,000 customers), then the build.
        facts_steps = [str(BIN / "python"), "-m", "orchestration.usage_facts", "--steps-only"]
        self.dbt("bare_sources", bare_dir, *PIPELINE_BUILD, "--quiet", "--exclude",
                 *SOURCES_EXCLUDE.split(), env=no_days, first=facts_steps)  # fmt: skip
        self.history("bare_daily", bare_dir, *PIPELINE_BUILD, "--quiet", "--select",
                     DAILY_SELECT, days=(self.scored_first, self.last))  # fmt: skip
        self.dbt("bare_current", bare_dir, *PIPELINE_BUILD, "--quiet", "--select", CURRENT_SELECT,
                 "--exclude", CURRENT_EXCLUDE, env=no_days)  # fmt: skip
        self.task("bare_validate", "validate-publish", bare_dir)

    def run(self, with_pipeline: bool, with_history: bool = True) -> dict[str, Any]:
        self.work.mkdir(parents=True, exist_ok=True)
        warehouse_dir = self.work / "history"
        # A failed run leaves its warehouses (a step that fails keeps its files to be read).
        for folder in (warehouse_dir, self.work / "dagster", self.work / "bare_pipeline"):
            shutil.rmtree(folder, ignore_errors=True)
        self.check_disk()
        self.generate()
        warehouse_dir.mkdir(parents=True)
        # The warehouses of a large run take tens of GB (at 1,000,000 customers the history's
        # 43 GiB, the pipeline's 28 GiB and its spill): each goes once its counts are taken,
        # before the next side builds its own; the logs and compiled SQL stay (and the cached
        # landing, for the next run).
        if with_history:
            self.ingestion_side_by_side(warehouse_dir)
            self.history_side_by_side(warehouse_dir)
            self.facts.update(self.counts(warehouse_dir / "warehouse.duckdb"))
            shutil.rmtree(warehouse_dir, ignore_errors=True)
        if with_pipeline:
            self.pipeline_side_by_side()
            if not with_history:
                self.facts.update(self.counts(self.work / "bare_pipeline" / "warehouse.duckdb"))
        for folder in (warehouse_dir, self.work / "dagster", self.work / "bare_pipeline"):
            shutil.rmtree(folder, ignore_errors=True)
        return build_record(self.size.name, self.size.customers, self.days,
                            datetime.now(UTC).date(), self.steps, self.facts)  # fmt: skip

    def check_disk(self) -> None:
        """Warns, before hours of work, when the free disk is below what such a run has
        needed; each step's record then says how much it took (`disk_used_gib`)."""
        free = shutil.disk_usage(self.work).free / GIB
        need = DISK_GIB_PER_MILLION_CUSTOMERS * self.size.customers / 1_000_000
        if (self.landing / ".complete").exists():
            need -= LANDING_GIB_PER_MILLION_CUSTOMERS * self.size.customers / 1_000_000
        need *= self.days / DEFAULT_DAYS
        self.facts["free_disk_gib_at_start"] = round(free, 1)
        if free < need:
            print(
                f"[bench] WARNING: {free:,.1f} GiB free in {self.work}; a year with every step"
                f" has needed about {need:,.0f} GiB at this size (the landing, the warehouse,"
                " the plain script's spill). A step may run out of disk.",
                flush=True,
            )

    def counts(self, warehouse: Path) -> dict[str, Any]:
        import duckdb

        with duckdb.connect(str(warehouse), read_only=True) as con:
            events = con.execute("select count(*) from raw.product_usage").fetchone()[0]
            history = con.execute("select count(*) from main.customer_health_daily").fetchone()[0]
        return {"usage_events": events, "history_rows": history}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=list(SIZES), default="small")
    parser.add_argument(
        "--days", type=int, default=DEFAULT_DAYS, help="days of history (`make test` uses fewer)"
    )
    parser.add_argument("--bench-dir", type=Path, default=REPO_ROOT / "data" / "bench")
    parser.add_argument(
        "--no-pipeline",
        action="store_true",
        help="leave out the Dagster pipeline and its bare twin (the Dagster part of step d)",
    )
    parser.add_argument(
        "--pipeline-only",
        action="store_true",
        help="only the Dagster pipeline and its bare twin (dagster_overhead_ratio, dagster_share)",
    )
    parser.add_argument(
        "--no-baselines",
        action="store_true",
        help="leave out the compiled SQL and the plain script (steps b and d): dbt's rebuild and "
        "daily run alone, for a long history",
    )
    parser.add_argument(
        "--no-plain",
        action="store_true",
        help="leave out the plain script and its comparison (step b): dbt's rebuild against its "
        "compiled SQL (step d) on a long history",
    )
    parser.add_argument(
        "--last-builds",
        type=int,
        metavar="N",
        help="score only the last N builds of the history's rebuild, over the whole landing (a "
        "year at a million customers is 37 builds, longer than a working session): every step "
        "and baseline on those days; the record is named `-last<N>` and left off the chart",
    )
    args = parser.parse_args(argv)
    if args.no_pipeline and args.pipeline_only:
        parser.error("--no-pipeline and --pipeline-only leave nothing to run")
    if args.last_builds is not None and args.last_builds < 1:
        parser.error("--last-builds needs at least one build")
    bench_dir = args.bench_dir.resolve()
    bench = Bench(
        SIZES[args.size],
        args.days,
        bench_dir,
        with_baselines=not args.no_baselines,
        with_plain=not args.no_plain,
        last_builds=args.last_builds,
    )
    record = bench.run(with_pipeline=not args.no_pipeline, with_history=not args.pipeline_only)
    run_date = date.fromisoformat(record["run_date"])
    part = (
        "pipeline" if args.pipeline_only
        else "dbt" if args.no_baselines
        else "compiled" if args.no_plain
        else ""
    )  # fmt: skip
    if args.last_builds is not None:
        part = "-".join(filter(None, (f"last{record['last_builds']}", part)))
    path = write_record(record, record_path(bench_dir, args.size, run_date, args.days, part=part))
    chart = draw_chart(read_records(bench_dir), bench_dir / "time_vs_size.png")
    print()
    print(format_table(record))
    print(f"\nwrote {path} and {chart}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
