"""What an operator meets in real exports, on one small warehouse built by a plain `dbt build`
(no vars): stray and future-dated events, rows of unknown customers, a plan with neither a
feature list nor a weight set, a feature missing from its plan's list, and a history too short
for the backtest. None of them stops the run; each is reported."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest
from dbt_copy import DbtProjectCopy

from orchestration.defs.checks import backtest_auc_result, data_quality_result
from orchestration.sample_data import generate

pytestmark = pytest.mark.slow

END = "2026-06-30"


def _deliver(project: DbtProjectCopy, folder: Path, files: dict[str, list[str]]) -> None:
    for source, lines in files.items():
        (folder / source).mkdir(parents=True, exist_ok=True)
        (folder / source / "extra.csv").write_text("\n".join(lines) + "\n")
    project.ingest(folder)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> DbtProjectCopy:
    landing = tmp_path_factory.mktemp("landing")
    generate(landing, customers=120, days=60, seed=11, end_date=date.fromisoformat(END))
    project = DbtProjectCopy.of_repository(tmp_path_factory.mktemp("hardening") / "project")
    project.ingest(landing)
    growth = project.query(
        "select customer_id from raw.customers where plan = 'growth' order by 1 limit 1"
    )[0][0]
    usage = "event_id,customer_id,user_id,feature,occurred_at,quantity"
    _deliver(
        project,
        tmp_path_factory.mktemp("extra"),
        {
            "customers": [
                "customer_id,customer_name,plan,industry,country,csm_owner,seats_purchased,"
                "created_at",
                "CSCALE1,Scale One,scale,retail,PT,Ana,10,2026-01-01",
                "CSCALE2,Scale Two,scale,retail,PT,Ana,10,2026-01-01",
            ],
            "subscriptions": [
                "subscription_id,customer_id,plan,mrr,currency,started_at,ends_at,status,"
                "is_renewal,cancelled_at,cancellation_reason",
                "SSCALE1,CSCALE1,scale,100,USD,2026-01-01,2027-01-01,active,false,,",
                "SSCALE2,CSCALE2,scale,100,USD,2026-01-01,2027-01-01,active,false,,",
            ],
            "product_usage": [
                usage,
                # The scale plan's features are its own names; CSCALE1 uses two of three.
                "XS1,CSCALE1,u1,forecasting,2026-06-20 10:00:00,1",
                "XS2,CSCALE1,u1,billing_runs,2026-06-21 10:00:00,1",
                "XS3,CSCALE2,u2,forecasting,2026-06-22 10:00:00,1",
                "XS4,CSCALE2,u2,billing_runs,2026-06-22 11:00:00,1",
                "XS5,CSCALE2,u2,ledgers,2026-06-23 10:00:00,1",
                f"XU1,{growth},u1,telepathy,2026-06-25 10:00:00,1",
                "XO1,CGHOST,u1,reports,2026-06-25 10:00:00,1",
                # A stray event on a later day, and one dated far in the future: neither moves
                # the default scoring day.
                f"XF1,{growth},u1,reports,2026-08-15 23:00:00,1",
                f"XF2,{growth},u1,reports,2099-01-01 00:00:00,1",
            ],
            "support_tickets": [
                "ticket_id,customer_id,opened_at,first_response_at,resolved_at,priority,status,"
                "reopen_count,csat,channel",
                "TGHOST,CGHOST,2026-06-20 09:00:00,,,urgent,open,0,,email",
            ],
        },
    )
    project.dbt("seed")
    project.dbt("build")
    return project


def test_default_scoring_day_is_the_last_full_day_whatever_stray_rows_say(
    project: DbtProjectCopy,
) -> None:
    assert project.query("select score_date from intermediate.int_score_dates") == [
        (date.fromisoformat(END),)
    ]


def test_rows_of_unknown_customers_are_reported_not_scored_and_do_not_stop_the_build(
    project: DbtProjectCopy,
) -> None:
    findings = project.query(
        "select subject, row_count, example from intermediate.int_quality__findings"
        " where finding = 'unknown_customer' order by subject"
    )
    assert findings == [("product_usage", 1, "CGHOST"), ("support_tickets", 1, "CGHOST")]
    scored = project.query(
        "select count(*) from customer_health_daily where customer_id = 'CGHOST'"
    )[0][0]
    assert scored == 0
    with duckdb.connect(str(project.warehouse), read_only=True) as con:
        result = data_quality_result(con)
    assert not result.passed
    assert result.severity.value == "WARN"
    assert result.metadata["unknown_customer_rows"].value == 2


def test_plans_without_settings_and_unlisted_features_are_reported(
    project: DbtProjectCopy,
) -> None:
    findings = set(
        project.query(
            "select finding, subject, customers from intermediate.int_quality__findings"
            " where finding != 'unknown_customer'"
        )
    )
    assert {
        ("plan_without_feature_list", "scale", 2),
        ("plan_without_weights", "scale", 2),
        ("unlisted_feature", "telepathy", 1),
    } <= findings


def test_a_plan_without_a_feature_list_measures_breadth_against_what_its_customers_use(
    project: DbtProjectCopy,
) -> None:
    breadth = dict(
        project.query(
            "select customer_id, feature_breadth_pct from intermediate.int_usage__scores"
            " where customer_id like 'CSCALE%'"
        )
    )
    assert breadth == {"CSCALE1": pytest.approx(200 / 3), "CSCALE2": pytest.approx(100.0)}


def test_backtest_check_on_a_short_history_is_skipped_with_the_days_still_needed(
    project: DbtProjectCopy,
) -> None:
    with duckdb.connect(str(project.warehouse), read_only=True) as con:
        result = backtest_auc_result(con, horizon_days=90)
    assert result.passed
    assert result.metadata["status"].value == "skipped"
    assert result.metadata["days_of_history_needed"].value == 90
    assert "90 more day(s)" in result.description


def test_a_scoring_range_longer_than_max_score_days_fails_naming_it_and_is_never_cut_short(
    project: DbtProjectCopy,
) -> None:
    too_long = '{"score_from_date": "2026-06-01", "as_of_date": "2026-06-30", "max_score_days": 20}'
    result = project.run_dbt("run", "--select", "int_score_dates", "--vars", too_long)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "the range 2026-06-01 to 2026-06-30 has more days than max_score_days (20)" in output
    fits = '{"score_from_date": "2026-06-01", "as_of_date": "2026-06-30", "max_score_days": 30}'
    project.dbt("run", "--select", "int_score_dates", "--vars", fits)
    assert project.query("select count(*) from intermediate.int_score_dates") == [(30,)]
    project.dbt("run", "--select", "int_score_dates")  # back to the default day for the others


def test_score_dates_from_the_environment_need_no_full_reparse_and_a_var_wins(
    project: DbtProjectCopy, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = project.root / "logs" / "dbt.log"
    project.dbt("parse")
    monkeypatch.setenv("CHS_SCORE_FROM_DATE", "2026-06-01")
    monkeypatch.setenv("CHS_AS_OF_DATE", "2026-06-10")
    log.unlink(missing_ok=True)
    project.dbt("run", "--select", "int_score_dates")
    assert project.query(
        "select min(score_date), max(score_date), count(*) from intermediate.int_score_dates"
    ) == [  # fmt: skip
        (date(2026, 6, 1), date(2026, 6, 10), 10)
    ]
    # The changed environment variable re-parsed the files that read it, not the project.
    parsing = log.read_text()
    assert "Unable to do partial parsing" not in parsing
    assert "Partial parsing enabled" in parsing
    project.dbt("run", "--select", "int_score_dates", "--vars", '{"as_of_date": "2026-06-20"}')
    assert project.query(
        "select min(score_date), max(score_date) from intermediate.int_score_dates"
    ) == [  # fmt: skip
        (date(2026, 6, 1), date(2026, 6, 20))
    ]
    monkeypatch.delenv("CHS_SCORE_FROM_DATE")
    monkeypatch.delenv("CHS_AS_OF_DATE")
    project.dbt("run", "--select", "int_score_dates")  # back to the default day for the others


def test_dagster_dbt_steps_reuse_the_parse_of_make_pipeline(
    project: DbtProjectCopy, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`make pipeline` parses with `dbt parse` (no --target) before `dg launch`; each dbt step
    of the run then runs through Dagster's dbt resource. dbt keeps its partial-parse state only
    when the target flag matches, so the resource must call dbt as the parse did, or every step
    parses the whole project again."""
    from dagster_dbt import DbtCliResource
    from dbt_copy import DBT

    from orchestration.defs.resources import build_resources

    monkeypatch.delenv("CHS_TARGET", raising=False)
    monkeypatch.setenv("CHS_WAREHOUSE_PATH", str(project.warehouse))
    target = build_resources()["dbt"].target
    monkeypatch.setenv("CHS_WAREHOUSE_PATH", str(project.warehouse))
    project.dbt("parse")
    dbt = DbtCliResource(
        project_dir=str(project.root),
        profiles_dir=str(project.root),
        dbt_executable=str(DBT),
        target=target,
    )
    invocation = dbt.cli(["run", "--select", "int_score_dates"], target_path=Path("target"))
    messages = [event.raw_event["info"]["msg"] for event in invocation.stream_raw_events()]
    assert invocation.is_successful()
    assert any("int_score_dates" in message for message in messages)
    assert not [message for message in messages if "Unable to do partial parsing" in message]


def test_the_pipeline_build_runs_data_tests_but_leaves_unit_tests_to_make_test(
    project: DbtProjectCopy, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Dagster's dbt steps build models and run their data tests; the model's unit tests, which
    give the same answer on every run, are left to `make test` (about a third of dbt's time in
    `make run`)."""
    from dagster_dbt import DbtCliResource
    from dbt_copy import DBT

    from orchestration.defs.assets.dbt import PIPELINE_BUILD

    monkeypatch.setenv("CHS_WAREHOUSE_PATH", str(project.warehouse))
    dbt = DbtCliResource(
        project_dir=str(project.root), profiles_dir=str(project.root), dbt_executable=str(DBT)
    )
    selection = ["--select", "int_usage__scores"]
    # The model has unit tests, and a plain `dbt build` runs them ...
    plain = dbt.cli(["build", *selection], target_path=Path("target-plain"))
    plain.wait()
    plain_kinds = {
        r["unique_id"].split(".")[0] for r in plain.get_artifact("run_results.json")["results"]
    }
    # ("operation" is the project's on-run-start/end hooks.)
    assert {"model", "test", "unit_test"} <= plain_kinds
    # ... the pipeline's build the model and its data tests only.
    invocation = dbt.cli([*PIPELINE_BUILD, *selection], target_path=Path("target-pipeline"))
    invocation.wait()
    results = invocation.get_artifact("run_results.json")["results"]
    assert {r["unique_id"].split(".")[0] for r in results} == plain_kinds - {"unit_test"}
    assert all(r["status"] in ("success", "pass") for r in results)
