"""The score history: point in time, backfill equals day by day, idempotent days, versioned
weights. Each test works on its own copy of the dbt project and its own warehouse file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from dbt_copy import DbtProjectCopy

from orchestration import usage_facts
from orchestration.sample_data import generate

pytestmark = pytest.mark.slow

END = "2026-06-30"
DAYS = ["2026-06-24", "2026-06-25", "2026-06-26"]
HISTORY_MODELS = "int_score_dates+,+customer_health_daily"
# Every column of a day's rows: nothing in them depends on when they were computed.
DAY_ROWS = "select * from customer_health_daily where score_date = ? order by customer_id"


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("landing")
    generate(folder, customers=150, days=120, seed=5, end_date=_date(END))
    return folder


def _date(text: str):
    from datetime import date

    return date.fromisoformat(text)


class Project(DbtProjectCopy):
    """A copy of the dbt project with its own warehouse, loaded from a landing folder."""

    @classmethod
    def build(cls, root: Path, landing: Path) -> Project:
        project = cls.of_repository(root)
        project.ingest(landing)
        project.dbt("seed")
        # Staging views and the customer-day facts: everything the daily scoring reads.
        project.dbt("run", "--exclude", "int_score_dates+")
        return project

    def deliver(self, folder: Path, source: str, lines: list[str]) -> None:
        """Loads CSV lines (header first) as one new file of `source`: a later delivery."""
        (folder / source).mkdir(parents=True)
        (folder / source / "late.csv").write_text("\n".join(lines) + "\n")
        self.ingest(folder)

    def score(self, first: str, last: str) -> None:
        dbt_vars = json.dumps({"score_from_date": first, "as_of_date": last})
        self.dbt("run", "--select", HISTORY_MODELS, "--vars", dbt_vars)

    def rows(self, day: str) -> list[tuple]:
        return self.query(DAY_ROWS, [day])


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory, landing: Path) -> Project:
    return Project.build(tmp_path_factory.mktemp("base") / "project", landing)


@pytest.fixture
def project(tmp_path: Path, base: Project) -> Project:
    return base.clone(tmp_path / "project")


def test_backfill_equals_day_by_day_runs(project: Project, base: Project, tmp_path: Path) -> None:
    project.score(DAYS[0], DAYS[-1])
    backfilled = {day: project.rows(day) for day in DAYS}
    assert all(backfilled.values())
    day_by_day = base.clone(tmp_path / "day_by_day")
    for day in DAYS:
        day_by_day.score(day, day)
    assert {day: day_by_day.rows(day) for day in DAYS} == backfilled


def test_a_range_built_in_pieces_equals_one_build(
    project: Project, base: Project, tmp_path: Path
) -> None:
    """`python -m orchestration.history` (and the Dagster daily step) score a long range in
    builds of at most CHS_MAX_CUSTOMER_DAYS_PER_BUILD customer-days: here a day each."""
    project.score(DAYS[0], DAYS[-1])
    whole = {day: project.rows(day) for day in DAYS}
    pieces = base.clone(tmp_path / "pieces")
    result = subprocess.run(
        [sys.executable, "-m", "orchestration.history", DAYS[0], DAYS[-1],
         "--customers", "1000", "--",
         "run", "--select", HISTORY_MODELS, "--quiet",
         "--project-dir", str(pieces.root), "--profiles-dir", str(pieces.root)],
        env=os.environ | {"CHS_WAREHOUSE_PATH": str(pieces.warehouse),
                          "CHS_MAX_CUSTOMER_DAYS_PER_BUILD": "1000"},
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert result.stdout.count("[history] days") == len(DAYS)
    assert {day: pieces.rows(day) for day in DAYS} == whole


def test_rerunning_a_day_changes_nothing(project: Project) -> None:
    project.score(DAYS[0], DAYS[-1])
    before = [project.rows(day) for day in DAYS]
    project.score(DAYS[1], DAYS[1])
    assert [project.rows(day) for day in DAYS] == before


# Every model with a row per customer and day, read for one day in full.
DAY_MODELS = """
    select table_schema || '.' || table_name from information_schema.columns
    where column_name = 'score_date' and table_schema in ('intermediate', 'main')
    order by all
"""


def _later_rows(day: str, customer: str, subscription: tuple) -> dict[str, list[str]]:
    """One delivery per source of rows dated after `day`, for a customer in scope on the day:
    a new customer, events, tickets, survey answers, invoices, touchpoints, a renewal, and the
    cancellation of the customer's current subscription (the contract delivered again with its
    cancellation and end of service)."""
    after = [(_date(day) + timedelta(days=n)).isoformat() for n in (1, 2, 3)]
    sub_id, _, plan, mrr, currency, started_at, is_renewal = subscription
    return {
        "customers": [
            "customer_id,customer_name,plan,industry,country,csm_owner,seats_purchased,created_at",
            f"CLATE,Late Ltd,growth,retail,PT,Ana,10,{after[0]}",
        ],
        "product_usage": [
            "event_id,customer_id,user_id,feature,occurred_at,quantity",
            *(f"LATE{i},{customer},u1,reports,{at} 10:00:00,1" for i, at in enumerate(after)),
        ],
        "support_tickets": [
            "ticket_id,customer_id,opened_at,first_response_at,resolved_at,priority,status,"
            "reopen_count,csat,channel",
            f"TLATE,{customer},{after[0]} 09:00:00,,,urgent,open,3,1,email",
        ],
        "surveys": [
            "response_id,customer_id,responded_at,kind,score,touchpoint,comment",
            f"RLATE,{customer},{after[0]} 12:00:00,nps,0,support,angry",
        ],
        "invoices": [
            "invoice_id,customer_id,issued_at,due_at,paid_at,amount,currency,status",
            f"ILATE,{customer},{after[0]},{after[1]},,999,{currency},failed",
        ],
        "engagement": [
            "touchpoint_id,customer_id,occurred_at,kind,sentiment,detail_length",
            f"ELATE,{customer},{after[0]} 15:00:00,testimonial,liked,400",
        ],
        "subscriptions": [
            "subscription_id,customer_id,plan,mrr,currency,started_at,ends_at,status,is_renewal,"
            "cancelled_at,cancellation_reason",
            f"{sub_id},{customer},{plan},{mrr},{currency},{started_at},{after[1]},cancelled,"
            f"{str(is_renewal).lower()},{after[1]},price",
            f"SLATE,{customer},{plan},{mrr * 2},{currency},{after[2]},,active,true,,",
        ],
    }


def test_rows_dated_after_a_day_change_no_model_for_that_day(
    project: Project, tmp_path: Path
) -> None:
    """Point in time, for every source: deliveries dated after day D (a new customer, events,
    tickets, answers, invoices, touchpoints, a renewal and a cancellation) leave every row of
    every model for day D as it was."""
    day = DAYS[0]
    project.score(day, day)
    models = [row[0] for row in project.query(DAY_MODELS)]
    assert {
        "intermediate.int_customers__lifecycle",
        "intermediate.int_relationship__scores",
        "main.customer_health_daily",
    } <= set(models)
    before = {
        m: project.query(f"select * from {m} where score_date = ? order by all", [day])
        for m in models
    }
    # A customer active on the day whose current contract has no cancellation yet.
    subscription = project.query(
        "select s.subscription_id, s.customer_id, s.plan, s.mrr, s.currency, s.started_at,"
        " s.is_renewal"
        " from intermediate.int_customers__lifecycle as l"
        " inner join staging.stg_billing__subscriptions as s"
        " on l.current_subscription_id = s.subscription_id"
        " where l.score_date = ? and l.lifecycle_status = 'active' and s.cancelled_at is null"
        " order by s.customer_id limit 1",
        [day],
    )[0]
    customer = subscription[1]
    for source, lines in _later_rows(day, customer, subscription).items():
        project.deliver(tmp_path / source, source, lines)
    project.dbt("run", "--exclude", "int_score_dates+")
    project.score(day, day)
    changed = [
        m
        for m in models
        if project.query(f"select * from {m} where score_date = ? order by all", [day]) != before[m]
    ]
    assert changed == []


# (model, source folder and raw table, columns of a delivered row, a late row's values)
INCREMENTAL_BY_LOAD = {
    "usage_facts": (
        "intermediate.int_usage__daily_facts",
        "product_usage",
        "event_id,customer_id,user_id,feature,occurred_at,quantity",
        "{customer},u-late,reports,{at},2",
    ),
    "touchpoints": (
        "staging.stg_marketing__touchpoints",
        "engagement",
        "touchpoint_id,customer_id,occurred_at,kind,sentiment,detail_length",
        "{customer},{at},webinar_attended,liked,40",
    ),
}


@pytest.mark.parametrize("case", sorted(INCREMENTAL_BY_LOAD))
def test_incremental_by_load_equals_a_full_rebuild(
    project: Project, tmp_path: Path, case: str
) -> None:
    """A later load with late rows, a row delivered again unchanged and a row moved to another
    day: the incremental model reads only that load and equals a rebuild from every delivery."""
    table, source, header, late_row = INCREMENTAL_BY_LOAD[case]
    model = table.split(".")[1]
    key = header.split(",")[0]
    everything = f"select * from {table} order by all"
    before = project.query(everything)
    first, last = (
        project.query(f"select {header} from raw.{source} order by {key} {order} limit 1")[0]
        for order in ("asc", "desc")
    )
    customer = first[1]
    lines = [header]
    lines += [
        f"LATE{i}," + late_row.format(customer=customer, at=f"2026-06-2{i} 10:00:00")
        for i in range(3)
    ]
    # The first row again, on another day; the last row again, unchanged.
    lines.append(f"{first[0]}," + late_row.format(customer=customer, at="2026-06-29 09:00:00"))
    lines.append(",".join("" if value is None else str(value) for value in last))
    project.deliver(tmp_path / "late", source, lines)

    project.dbt("run", "--select", model)
    incremental = project.query(everything)
    assert incremental != before
    project.dbt("run", "--select", model)
    assert project.query(everything) == incremental, "a run with no new load changed the model"
    project.dbt("run", "--select", model, "--full-refresh")
    assert project.query(everything) == incremental
    if case == "usage_facts":
        facts_total = project.query(f"select sum(event_count) from {table}")[0][0]
        events = "select count(*) from staging.stg_product__usage_events"
        assert facts_total == project.query(events)[0][0]


def test_usage_facts_built_in_steps_of_days_equal_one_build(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over more usage events than one build should read, `orchestration.history` first builds
    the facts in steps of days (orchestration/usage_facts.py), and its first piece leaves them
    out. A later load moves an event to another day and delivers one again: the facts equal one
    build from every delivery."""
    table, source, header, late_row = INCREMENTAL_BY_LOAD["usage_facts"]
    model = table.split(".")[1]
    first = project.query(f"select {header} from raw.{source} order by occurred_at limit 1")[0]
    lines = [header, f"{first[0]}," + late_row.format(customer=first[1], at="2026-06-29 09:00:00")]
    lines.append("LATE0," + late_row.format(customer=first[1], at="2026-06-28 10:00:00"))
    project.deliver(tmp_path / "late", source, lines)
    everything = f"select * from {table} order by all"
    project.dbt("run", "--select", model, "--full-refresh")
    whole = project.query(everything)
    events_per_day = project.query(
        f"select cast(occurred_at as date) as day, count(*) from raw.{source} group by 1 order by 1"
    )
    budget = sum(events for _, events in events_per_day) // 3
    ranges = usage_facts.group_days(events_per_day, budget)
    assert len(ranges) >= 3

    # A step rebuilds its days only: the moved event is counted on its new day, not its first.
    monkeypatch.setenv(usage_facts.DAYS_ENV, f"{ranges[0][0]}..{ranges[0][1]}")
    project.dbt("run", "--select", model, "--full-refresh")
    in_range = f"activity_date between '{ranges[0][0]}' and '{ranges[0][1]}'"
    assert project.query(everything) == [
        row for row in whole if ranges[0][0] <= row[1] <= ranges[0][1]
    ], in_range
    monkeypatch.setenv(usage_facts.DAYS_ENV, "2026-06-01")
    assert "expected FIRST..LAST" in project.run_dbt("run", "--select", model).stdout
    monkeypatch.delenv(usage_facts.DAYS_ENV)

    results = tmp_path / "results"
    result = subprocess.run(
        [sys.executable, "-m", "orchestration.history", DAYS[0], DAYS[0],
         "--customers", "1000", "--full-refresh", "--results", str(results), "--",
         "run", "--select", f"+{model}", "--quiet", "--target-path", str(tmp_path / "target"),
         "--project-dir", str(project.root), "--profiles-dir", str(project.root)],
        env=os.environ | {"CHS_WAREHOUSE_PATH": str(project.warehouse),
                          usage_facts.BUDGET_ENV: str(budget)},
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert result.stdout.count("[usage facts] days") == len(ranges)
    assert project.query(everything) == whole
    # Each step is kept as a build (the bench replays them), then the piece, without the facts.
    kept = sorted(results.glob("run_results-*.json"))
    assert len(kept) == len(ranges) + 1
    steps = json.loads((results / usage_facts.STEPS_FILE).read_text())["days"]
    assert steps == [[str(a), str(b)] for a, b in ranges]
    piece = json.loads((results / f"run_results-{len(ranges) + 1}.json").read_text())["results"]
    assert piece and not any(r["unique_id"].endswith(model) for r in piece)
    step = json.loads((results / "run_results-2.json").read_text())["results"]
    assert [r["unique_id"] for r in step if r["unique_id"].startswith("model.")] == [
        f"model.customer_health.{model}"
    ]
    # The next run finds no new load: it changes nothing.
    project.dbt("run", "--select", model)
    assert project.query(everything) == whole


def _landing_line(landing: Path, source: str, column: str, value: str) -> tuple[str, list[str]]:
    """The header of a source's landing CSV and its lines whose `column` is `value`."""
    (path,) = (landing / source).glob("*.csv")
    header, *lines = path.read_text().splitlines()
    at = header.split(",").index(column)
    return header, [line for line in lines if line.split(",")[at] == value]


def test_a_day_scored_again_is_replaced_whole(
    project: Project, landing: Path, tmp_path: Path
) -> None:
    """A run replaces the whole days it scores, as Spark's insert_overwrite of their partitions
    does: a customer no longer in scope on a day scored again (its account and its only contract
    corrected to start the day after) keeps no row of the earlier run for that day, in the
    history mart and in the metric history the calibration reads."""
    day = DAYS[1]  # a day the metric history keeps (every backtest_step_days-th)
    later = (_date(day) + timedelta(days=1)).isoformat()
    with_history = json.dumps({"score_from_date": day, "as_of_date": day})
    score = ("run", "--select", HISTORY_MODELS, "int_score_dates+,+int_health__metric_history")
    project.dbt(*score, "--vars", with_history)
    # A customer in scope on the day with a single contract that runs past the next day.
    customer = project.query(
        "select d.customer_id from customer_health_daily as d"
        " inner join staging.stg_billing__subscriptions as s on d.customer_id = s.customer_id"
        " where d.score_date = ? group by d.customer_id"
        " having count(*) = 1 and min(s.ends_at) > cast(? as timestamp) order by 1 limit 1",
        [day, later],
    )[0][0]
    stored = "select count(*) from {} where score_date = ? and customer_id = ?"
    for table in ("customer_health_daily", "intermediate.int_health__metric_history"):
        assert project.query(stored.format(table), [day, customer])[0][0] > 0
    rows_before = project.query(
        "select count(*) from customer_health_daily where score_date = ?", [day]
    )[0][0]

    for source, column in (("customers", "created_at"), ("subscriptions", "started_at")):
        header, (line,) = _landing_line(landing, source, "customer_id", customer)
        fields = line.split(",")
        fields[header.split(",").index(column)] = f"{later} 09:00:00"
        project.deliver(tmp_path / source, source, [header, ",".join(fields)])
    project.dbt("run", "--exclude", "int_score_dates+")
    project.dbt(*score, "--vars", with_history)

    for table in ("customer_health_daily", "intermediate.int_health__metric_history"):
        assert project.query(stored.format(table), [day, customer]) == [(0,)], table
    assert project.query(
        "select count(*) from customer_health_daily where score_date = ?", [day]
    ) == [(rows_before - 1,)]


def test_weight_change_from_a_later_day_leaves_earlier_days_unchanged(project: Project) -> None:
    project.score(DAYS[0], DAYS[-1])
    before = {day: project.rows(day) for day in DAYS}
    weights = project.root / "seeds" / "health_weights.csv"
    rows = weights.read_text().splitlines()
    header = rows[0].split(",")
    plan_i, dim_i, weight_i, valid_i = (
        header.index(c) for c in ("plan", "dimension", "weight", "valid_from")
    )
    new_rows = []
    for line in rows[1:]:
        fields = line.split(",")
        # A new version from the last day: all weight on usage and support, half each.
        fields[weight_i] = {"usage": "0.5", "support": "0.5"}.get(fields[dim_i], "0")
        fields[valid_i] = DAYS[-1]
        new_rows.append(",".join(fields))
    assert plan_i >= 0
    weights.write_text("\n".join([*rows, *new_rows]) + "\n")
    project.dbt("seed", "--full-refresh")
    project.score(DAYS[0], DAYS[-1])
    for day in DAYS[:-1]:
        assert project.rows(day) == before[day]
    assert project.rows(DAYS[-1]) != before[DAYS[-1]]
