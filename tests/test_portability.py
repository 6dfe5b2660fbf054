"""Portability does not rot: DuckDB-only SQL in a model, outside a macro that dispatches on the
adapter, is found in the SQL compiled for Spark (PORTABILITY.md's list)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.spark.portability import duckdb_only_constructs, scan_compiled

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT = Path(sys.executable).parent / "dbt"

PLANTED_MODEL = """\
-- A model someone wrote for DuckDB only.
select
    customer_id,
    score_date::date as score_date
from {{ ref('customer_health_daily') }}
qualify row_number() over (partition by customer_id order by score_date desc) = 1
"""


def constructs(sql: str) -> list[str]:
    return [finding.construct for finding in duckdb_only_constructs(sql)]


def test_planted_qualify_and_double_colon_cast_are_found_on_their_lines() -> None:
    compiled = PLANTED_MODEL.replace("{{ ref('customer_health_daily') }}", "main.daily")
    findings = duckdb_only_constructs(compiled, "planted.sql")
    assert [(f.line, f.construct) for f in findings] == [(4, "::"), (6, "qualify")]
    assert str(findings[0]).startswith("planted.sql:4: :: (use cast(x as type))")


@pytest.mark.parametrize(
    ("sql", "construct"),
    [
        ("select arg_max(plan, started_at) from s", "arg_max / arg_min"),
        ("select list(plan) from s", "list()"),
        ("select a // 7 from s", "//"),
        ("select * exclude (plan) from s", "* exclude"),
        ("select * from generate_series(1, 3)", "generate_series"),
        ("select [1, 2] as xs", "[...] list literal or index"),
        ("select {'a': 1} as s", "{...} struct literal"),
        ("select unnest(xs) from s", "unnest"),
        ('select "plan" from s', '"double-quoted identifier"'),
        ("select strftime(d, '%Y') from s", "strftime / strptime"),
        ("select epoch(t) from s", "epoch()"),
        ("select regexp_matches(a, 'x') from s", "regexp_matches"),
        ("select quantile_cont(a, 0.5) from s", "quantile_cont / quantile_disc"),
        ("select date_diff('day', a, b) from s", "date_diff('part', ...)"),
        ("select cast(a as varchar) from s", "varchar (Spark wants a length)"),
    ],
)
def test_each_duckdb_only_construct_of_portability_md_is_found(sql: str, construct: str) -> None:
    assert constructs(sql) == [construct]


def test_comments_and_string_literals_are_not_findings() -> None:
    sql = (
        "-- qualify, ::, arg_max( in a comment\n"
        '/* a // b and "quoted" */\n'
        "select 'it''s a [list] :: // \"x\"' as text, cast(a as string) as b from s\n"
    )
    assert constructs(sql) == []


def test_portable_spellings_are_not_findings() -> None:
    sql = (
        "select cast(a as date), max_by(plan, started_at), floor(a / nullif(b, 0)),"
        " percentile_cont(0.5) within group (order by a), `plan` from s"
    )
    assert constructs(sql) == []


@pytest.mark.slow
def test_models_compiled_for_spark_have_no_duckdb_only_sql_but_a_planted_model_has(
    tmp_path: Path,
) -> None:
    """Compiles a copy of the project for Spark with one DuckDB-only model added: the scan finds
    that model's `::` and `qualify`, and nothing in any of ours."""
    project = tmp_path / "project"
    project.mkdir()
    for name in ("dbt_project.yml", "profiles.yml"):
        shutil.copy(REPO_ROOT / name, project / name)
    for folder in ("dbt_project", "seeds"):
        shutil.copytree(REPO_ROOT / folder, project / folder, symlinks=True)
    (project / "dbt_project/models/marts/planted_duckdb_only.sql").write_text(PLANTED_MODEL)
    data = tmp_path / "data"
    (data / "spark" / "tmp").mkdir(parents=True)
    env = os.environ | {
        "CHS_DATA_DIR": str(data),
        "CHS_WAREHOUSE_PATH": str(data / "warehouse.duckdb"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    result = subprocess.run(
        [DBT, "compile", "--target", "spark", "--project-dir", project,
         "--profiles-dir", project, "--target-path", tmp_path / "target"],
        env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    findings = scan_compiled(tmp_path / "target" / "compiled")
    assert {(Path(f.path).name, f.construct) for f in findings} == {
        ("planted_duckdb_only.sql", "::"),
        ("planted_duckdb_only.sql", "qualify"),
    }, "\n".join(map(str, findings))
