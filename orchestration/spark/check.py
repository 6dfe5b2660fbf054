"""`make test-spark`: builds one sample on DuckDB and on Spark and compares every mart.

    python -m orchestration.spark.check --work data/test-spark

Generates the sample into `<work>/landing` (the `make dbt-test` one unless told), ingests it into
`<work>/warehouse.duckdb` (ingestion is DuckDB's on both engines), runs `dbt build` (seeds,
models, data tests, unit tests) on the DuckDB target, writes the landing tables as Parquet for
Spark (`orchestration.spark.landing`), runs the same `dbt build` on the Spark target (its
warehouse and metastore under `<work>/spark/`), then compares every mart row for row. Prints the
wall time of each build and "marts identical", or each difference; exits with 1 on a difference
or a failed step.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from orchestration.project import REPO_ROOT
from orchestration.spark.landing import export_landing
from orchestration.spark.marts import compare_marts, report

BIN = Path(sys.executable).parent


def run(step: list[str], env: dict[str, str], log: Path | None = None) -> float:
    """Runs one step from the repository root; returns its wall time in seconds."""
    started = time.monotonic()
    if log is None:
        subprocess.run(step, cwd=REPO_ROOT, env=env, check=True)
    else:
        # Spark's JVM writes pages of warnings to the terminal: keep them in the log.
        with log.open("w") as out:
            completed = subprocess.run(step, cwd=REPO_ROOT, env=env, stdout=out, stderr=out)
        if completed.returncode:
            tail = log.read_text(errors="replace").splitlines()[-40:]
            print("\n".join(tail), file=sys.stderr)
            raise subprocess.CalledProcessError(completed.returncode, step)
    return time.monotonic() - started


def dbt_build(target: str, work: Path, dbt_vars: dict[str, str], env: dict[str, str]) -> float:
    return run(
        [
            str(BIN / "dbt"), "build", "--target", target,
            "--vars", json.dumps(dbt_vars),
            "--target-path", str(work / f"target-{target}"),
            "--log-path", str(work / f"logs-{target}"),
        ],
        env,
        log=work / f"dbt-build-{target}.log",
    )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=REPO_ROOT / "data" / "test-spark")
    parser.add_argument("--customers", type=int, default=300)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--end-date", type=date.fromisoformat, default=date(2026, 9, 30))
    parser.add_argument("--score-from-date", type=date.fromisoformat, default=date(2026, 4, 1))
    parser.add_argument("--duckdb-target", default="dev", help="the DuckDB output of profiles.yml")
    parser.add_argument("--spark-target", default="spark", help="the Spark output of profiles.yml")
    args = parser.parse_args(argv)
    work = args.work.resolve()
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    warehouse, landing = work / "warehouse.duckdb", work / "landing"
    env = {
        **os.environ,
        "CHS_DATA_DIR": str(work),
        "CHS_WAREHOUSE_PATH": str(warehouse),
        "CHS_LANDING_DIR": str(landing),
        "CHS_SPARK_LANDING_DIR": str(work / "spark" / "landing"),
        "DBT_PROFILES_DIR": str(REPO_ROOT),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    # Spark's scratch folders must exist before its JVM starts.
    (work / "spark" / "tmp").mkdir(parents=True)
    dbt_vars = {
        "score_from_date": args.score_from_date.isoformat(),
        "as_of_date": args.end_date.isoformat(),
    }
    try:
        run(
            [
                str(BIN / "python"), "-m", "orchestration.sample_data",
                "--customers", str(args.customers), "--days", str(args.days),
                "--seed", str(args.seed), "--end-date", args.end_date.isoformat(),
                "--out", str(landing),
            ],
            env,
            log=work / "sample.log",
        )  # fmt: skip
        run([str(BIN / "python"), "-m", "orchestration.ingestion"], env, log=work / "ingest.log")
        duckdb_seconds = dbt_build(args.duckdb_target, work, dbt_vars, env)
        print(f"DuckDB: dbt build {duckdb_seconds:.0f} s", flush=True)
        started = time.monotonic()
        export_landing(warehouse, Path(env["CHS_SPARK_LANDING_DIR"]))
        export_seconds = time.monotonic() - started
        spark_seconds = dbt_build(args.spark_target, work, dbt_vars, env)
        print(
            f"Spark: landing to Parquet {export_seconds:.1f} s, dbt build {spark_seconds:.0f} s",
            flush=True,
        )
    except subprocess.CalledProcessError as error:
        print(f"failed: {' '.join(error.cmd)} (logs in {work})", file=sys.stderr)
        return 1
    comparisons = compare_marts(warehouse, work / "spark" / "warehouse")
    print(report(comparisons))
    return 0 if comparisons and all(c.identical for c in comparisons) else 1


if __name__ == "__main__":
    raise SystemExit(main())
