"""The Dagster code location loads and wires ingestion, dbt, checks and the schedule."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from dagster import AssetKey

from orchestration.definitions import defs
from orchestration.defs.assets.dbt import environment, health_dbt_assets, score_date_env
from orchestration.ingestion.sources import SOURCES
from orchestration.project import dbt_project

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_dagster_definitions_validate(data_dir: Path) -> None:
    result = subprocess.run(
        [
            Path(sys.executable).parent / "dagster",
            "definitions",
            "validate",
            "-m",
            "orchestration.definitions",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_dbt_source_depends_on_its_ingestion_asset() -> None:
    graph = defs.resolve_asset_graph()
    for source in SOURCES:
        key = AssetKey(["raw", source])
        assert key in graph.get_all_asset_keys()
        children = graph.get(key).child_keys
        assert children, f"nothing reads raw.{source}"
        assert all(child.path[0] == "staging" for child in children)


def test_marts_and_checks_are_defined() -> None:
    graph = defs.resolve_asset_graph()
    keys = graph.get_all_asset_keys()
    assert AssetKey(["customer_health"]) in keys
    assert AssetKey(["customer_segments"]) in keys
    check_names = {(c.asset_key, c.name) for c in graph.asset_check_keys}
    assert (AssetKey(["customer_health"]), "great_expectations_suite") in check_names
    assert (AssetKey(["raw", "customers"]), "ledger_reconciles") in check_names
    assert (AssetKey(["customer_health"]), "fx_rates_cover_every_currency") in check_names


def test_daily_schedule_targets_every_asset() -> None:
    schedule = defs.resolve_schedule_def("daily_refresh_schedule")
    assert schedule.cron_schedule == "0 6 * * *"
    job = defs.resolve_job_def("daily_refresh")
    assert len(job.asset_layer.executable_asset_keys) >= 20


def test_score_dates_reach_dbt_as_environment_variables_every_step_sets() -> None:
    empty = {"CHS_AS_OF_DATE": "", "CHS_SCORE_FROM_DATE": ""}
    assert score_date_env() == empty
    # A first day without a last one means nothing: the latest usage day, as with no dates.
    assert score_date_env("2026-01-01") == empty
    assert score_date_env(last_score_date="2026-01-31") == {
        "CHS_AS_OF_DATE": "2026-01-31",
        "CHS_SCORE_FROM_DATE": "",
    }
    assert score_date_env(date(2026, 1, 1), date(2026, 1, 31)) == {
        "CHS_AS_OF_DATE": "2026-01-31",
        "CHS_SCORE_FROM_DATE": "2026-01-01",
    }


def test_environment_is_restored_after_dbt_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHS_AS_OF_DATE", "2025-12-31")
    monkeypatch.delenv("CHS_SCORE_FROM_DATE", raising=False)
    with environment(score_date_env("2026-01-01", "2026-01-31")):
        assert os.environ["CHS_AS_OF_DATE"] == "2026-01-31"
        assert os.environ["CHS_SCORE_FROM_DATE"] == "2026-01-01"
    assert os.environ["CHS_AS_OF_DATE"] == "2025-12-31"
    assert "CHS_SCORE_FROM_DATE" not in os.environ


def test_partition_window_maps_to_first_and_last_score_date() -> None:
    from datetime import date, datetime

    from dagster import TimeWindow

    from orchestration.defs.partitions import score_date_range

    window = TimeWindow(datetime(2026, 1, 1), datetime(2026, 2, 1))
    assert score_date_range(window) == (date(2026, 1, 1), date(2026, 1, 31))


def test_every_asset_runs_a_partition_range_in_one_run() -> None:
    """`dg launch --assets '*' --partition-range` (make run) needs this."""
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if node.is_materializable:
            policy = node.backfill_policy
            assert policy is not None and policy.max_partitions_per_run is None, key


def test_metric_history_is_scored_with_the_daily_partitions() -> None:
    graph = defs.resolve_asset_graph()
    key = AssetKey(["intermediate", "int_health__metric_history"])
    assert key in graph.get_all_asset_keys()
    assert graph.get(key).partitions_def is not None
    daily = defs.resolve_job_def("daily_refresh").asset_layer.executable_asset_keys
    assert key in daily


def test_calibration_runs_monthly_on_its_own_and_not_in_the_daily_job() -> None:
    proposal = AssetKey(["calibration_proposal"])
    daily = defs.resolve_job_def("daily_refresh").asset_layer.executable_asset_keys
    assert proposal not in daily
    monthly = defs.resolve_job_def("monthly_calibration").asset_layer.executable_asset_keys
    assert set(monthly) == {proposal}
    schedule = defs.resolve_schedule_def("monthly_calibration_schedule")
    assert schedule.cron_schedule == "0 7 1 * *"
    graph = defs.resolve_asset_graph()
    assert AssetKey(["customer_health"]) in graph.get(proposal).parent_keys
    # Its parents are real assets of the project, not placeholders.
    assert graph.get(proposal).parent_keys <= graph.materializable_asset_keys
    check_names = {(c.asset_key, c.name) for c in graph.asset_check_keys}
    assert (proposal, "live_configuration_not_stale") in check_names


def test_every_dbt_model_is_built_by_one_of_the_dbt_assets() -> None:
    manifest = json.loads(Path(dbt_project().manifest_path).read_text())
    models = {n["name"] for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    built = [key.path[-1] for assets in health_dbt_assets for key in assets.keys]

    assert models - set(built) == set()
    assert len(built) == len(set(built))


def test_the_tests_that_reread_every_delivered_event_run_in_make_dbt_test_not_in_each_run() -> None:
    """Every test of the view `stg_product__usage_events` re-runs its latest-delivery window over
    every event ever delivered (255-356 s a test at 1,000,000 customers): they are tagged
    `whole_history`, which `make dbt-test` builds and the Dagster run leaves out, while the run
    keeps the cheap tests of what they guard (the source's required columns, the base model)."""
    manifest = json.loads(Path(dbt_project().manifest_path).read_text())
    tests = [n for n in manifest["nodes"].values() if n["resource_type"] == "test"]
    view = "model.customer_health.stg_product__usage_events"
    on_view = [t for t in tests if t.get("attached_node") == view]
    tagged = {t["name"] for t in tests if "whole_history" in t["tags"]}
    assert len(on_view) >= 5 and {t["name"] for t in on_view} <= tagged

    checks = {check.name for check in defs.resolve_asset_graph().asset_check_keys}
    assert checks & tagged == set()
    assert {
        "source_not_null_product_product_usage_feature",
        "source_not_null_product_product_usage_occurred_at",
        "not_null_base_product__usage_event_deliveries_event_id",
        "unique_combination_of_columns_base_product__usage_event_deliveries__load_id___file_row_number",
    } <= checks
    # `make dbt-test` builds the whole project: no selection that would leave the tag out.
    makefile = (REPO_ROOT / "Makefile").read_text()
    dbt_test = makefile.split("\ndbt-test: install\n", 1)[1].split("\n\n", 1)[0]
    assert "$(BIN)/dbt build --vars" in dbt_test and "--exclude" not in dbt_test
    assert "--select" not in dbt_test


def test_dg_commands_parse_dbt_again_unless_the_caller_has_just_parsed() -> None:
    """Every `dg` command sets DAGSTER_IS_DEV_CLI, so loading the code re-parses the dbt
    project (edits to models show in `make dev` and `make pipeline`); a caller that has just
    run `dbt parse` says so with CHS_DBT_PARSED=1, saving a second parse."""
    from orchestration.project import DBT_PARSED_ENV, manifest_needs_parse

    dev = {"DAGSTER_IS_DEV_CLI": "1"}
    assert manifest_needs_parse(False, {})
    assert manifest_needs_parse(False, dev | {DBT_PARSED_ENV: "1"})
    assert not manifest_needs_parse(True, {})
    assert manifest_needs_parse(True, dev)
    assert manifest_needs_parse(True, dev | {DBT_PARSED_ENV: "0"})
    assert not manifest_needs_parse(True, dev | {DBT_PARSED_ENV: "1"})


def _fake_dbt(tmp_path: Path, exit_code: int) -> Path:
    """A `dbt` that notes its arguments and folder, says something and exits with exit_code."""
    script = tmp_path / "fake-dbt"
    script.write_text(
        "#!/bin/sh\n"
        f'echo "$@" > {tmp_path}/args\n'
        f"pwd > {tmp_path}/cwd\n"
        'echo "Parsing Error in model broken_model"\n'
        f"exit {exit_code}\n"
    )
    script.chmod(0o755)
    return script


def test_the_definitions_parse_dbt_while_dagster_is_imported(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`dg launch` (make pipeline) and `dagster dev` parse the dbt project in the background,
    started before Dagster's imports, and the first use of the project waits for it; a failed
    parse fails the load with dbt's output."""
    import orchestration.project as project

    definitions = (REPO_ROOT / "orchestration" / "definitions.py").read_text()
    assert definitions.index("start_manifest_parse()") < definitions.index("from dagster import")
    makefile = (REPO_ROOT / "Makefile").read_text()
    pipeline = makefile.split("\npipeline:", 1)[1].split("\n\n", 1)[0]
    assert "dbt parse" not in pipeline
    assert "dg launch" in pipeline

    dev = {"DAGSTER_IS_DEV_CLI": "1", "PATH": os.environ["PATH"]}
    monkeypatch.setattr(project, "dbt_executable", lambda: _fake_dbt(tmp_path, 0))
    # Outside Dagster's command line, an existing manifest is used as it is.
    if (REPO_ROOT / "target" / "manifest.json").exists():
        assert not project.start_manifest_parse({"PATH": os.environ["PATH"]})
    assert project.start_manifest_parse(dev)
    assert not project.start_manifest_parse(dev)  # one at a time
    assert project.wait_for_manifest_parse()
    assert (tmp_path / "args").read_text().split() == ["parse", "--quiet"]
    assert Path((tmp_path / "cwd").read_text().strip()) == REPO_ROOT
    assert not project.wait_for_manifest_parse()

    monkeypatch.setattr(project, "dbt_executable", lambda: _fake_dbt(tmp_path, 2))
    assert project.start_manifest_parse(dev)
    with pytest.raises(RuntimeError, match="exit code 2(.|\n)*Parsing Error in model broken_model"):
        project.wait_for_manifest_parse()
    assert not project.wait_for_manifest_parse()


def test_the_dbt_resource_starts_no_dbt_version_process_and_no_adapter(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Two pieces of dagster-dbt's start-up the assets do not use: `dbt --version` (the dbt is
    this environment's own) and a dbt adapter opened in Dagster's process before each step."""
    from importlib.metadata import version

    import dagster_dbt.core.resource

    from orchestration.defs.resources import PipelineDbtCliResource, build_resources

    def no_child(*args: object, **kwargs: object) -> bytes:
        raise AssertionError(f"a child process was started: {args}")

    monkeypatch.setattr(dagster_dbt.core.resource, "check_output", no_child)
    dbt = build_resources()["dbt"]
    assert isinstance(dbt, PipelineDbtCliResource)
    assert str(dbt._cli_version) == version("dbt-core")
    assert dbt._initialize_dbt_core_adapter(["build"]) is None
    # Another dbt than this environment's is still asked for its version.
    elsewhere = tmp_path / "dbt"
    elsewhere.symlink_to(Path(sys.executable).parent / "dbt")
    other = PipelineDbtCliResource(project_dir=dbt_project(), dbt_executable=str(elsewhere))
    with pytest.raises(AssertionError, match="a child process was started"):
        _ = other._cli_version


def test_the_daily_step_imports_great_expectations_while_dbt_starts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The first suite comes right after the daily step; its ~3 s import of Great Expectations
    is done by that step once dbt's process has started, before its first line is read."""
    from dagster import build_asset_context

    from orchestration.defs.assets import dbt as dbt_steps
    from orchestration.validation.gx_runner import import_gx

    calls: list[str] = []

    class Process:
        stdout = None  # nothing for drain_stdout to read ahead

    class Invocation:
        process = Process()

        def stream(self):
            calls.append("events read")
            yield from ()

    class Dbt:
        project_dir = str(tmp_path)

        def cli(self, args: list[str], context: object) -> Invocation:
            calls.append("dbt started")
            return Invocation()

    monkeypatch.setenv("CHS_DBT_KEEP_TARGETS", "0")
    list(dbt_steps._stream(None, Dbt(), while_dbt_starts=lambda: calls.append("warm-up")))
    assert calls == ["dbt started", "warm-up", "events read"]

    # The daily step is the one that passes the import.
    passed: dict[str, object] = {}

    def record(context: object, dbt: object, **kwargs: object):
        passed.update(kwargs)
        yield from ()

    monkeypatch.setattr(dbt_steps, "_stream", record)
    context = build_asset_context(partition_key="2026-06-25")
    list(dbt_steps.dbt_daily_scores(context=context, dbt=Dbt()))
    assert passed["while_dbt_starts"] is import_gx
    assert passed["days"] == (date(2026, 6, 25), date(2026, 6, 25))


def test_a_long_range_is_scored_in_builds_that_fit_in_memory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Above CHS_MAX_CUSTOMER_DAYS_PER_BUILD customer-days the daily step builds the range in
    pieces, oldest first, each with its own days; only the last build's events are reported (it
    reports every day of the run), and a failed piece stops the step."""
    from dagster import build_asset_context

    from orchestration.defs.assets import dbt as dbt_steps

    built: list[tuple[str, str]] = []
    failing: set[str] = set()

    class Invocation:
        process = type("Process", (), {"stdout": None})()

        def __init__(self, days: tuple[str, str]) -> None:
            self.days = days

        def wait(self) -> Invocation:
            if self.days[0] in failing:
                raise RuntimeError(f"dbt failed on {self.days}")
            return self

        def get_artifact(self, name: str) -> dict:
            return {"results": [{"unique_id": "test.x", "status": "warn", "message": "1 row"}]}

    class Dbt:
        project_dir = str(tmp_path)

        def cli(self, args: list[str], context: object) -> Invocation:
            days = (os.environ["CHS_SCORE_FROM_DATE"], os.environ["CHS_AS_OF_DATE"])
            built.append(days)
            return Invocation(days)

    streamed: dict[str, object] = {}

    def stream(context: object, dbt: object, **kwargs: object):
        streamed.update(kwargs)
        yield from ()

    monkeypatch.setattr(dbt_steps, "_stream", stream)
    monkeypatch.setattr(dbt_steps, "customers_in", lambda warehouse: 1_000)
    monkeypatch.setenv("CHS_MAX_CUSTOMER_DAYS_PER_BUILD", "3000")
    # The run's window, as a backfill of 2026-06-01...2026-06-07 gives it.
    monkeypatch.setattr(
        dbt_steps, "score_date_range", lambda window: (date(2026, 6, 1), date(2026, 6, 7))
    )
    context = build_asset_context(partition_key="2026-06-07")
    list(dbt_steps.dbt_daily_scores(context=context, dbt=Dbt()))
    assert built == [("2026-06-01", "2026-06-03"), ("2026-06-04", "2026-06-05")]
    assert streamed["days"] == (date(2026, 6, 6), date(2026, 6, 7))
    assert streamed["scored_days"] == (date(2026, 6, 1), date(2026, 6, 7))

    # Under the budget: one build, as before.
    built.clear()
    monkeypatch.setenv("CHS_MAX_CUSTOMER_DAYS_PER_BUILD", "7000")
    list(dbt_steps.dbt_daily_scores(context=context, dbt=Dbt()))
    assert built == []
    assert streamed["days"] == (date(2026, 6, 1), date(2026, 6, 7))

    # A failed piece stops the step before the later ones.
    monkeypatch.setenv("CHS_MAX_CUSTOMER_DAYS_PER_BUILD", "3000")
    failing.add("2026-06-01")
    streamed.clear()
    with pytest.raises(RuntimeError, match="dbt failed"):
        list(dbt_steps.dbt_daily_scores(context=context, dbt=Dbt()))
    assert streamed == {}
