"""The score history: point in time, backfill equals day by day, idempotent days, versioned
weights. Each test works on its own copy of the dbt project and its own warehouse file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from dbt_copy import DbtProjectCopy

from orchestration.sample_data import generate

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


def test_rerunning_a_day_changes_nothing(project: Project) -> None:
    project.score(DAYS[0], DAYS[-1])
    before = [project.rows(day) for day in DAYS]
    project.score(DAYS[1], DAYS[1])
    assert [project.rows(day) for day in DAYS] == before


def test_events_after_a_day_change_nothing_for_that_day(project: Project, tmp_path: Path) -> None:
    day = DAYS[0]
    project.score(day, day)
    before = project.rows(day)
    customers = sorted({row[0] for row in before})[:20]
    lines = ["event_id,customer_id,user_id,feature,occurred_at,quantity"]
    lines += [f"LATE{i},{c},u1,reports,2026-06-27 10:00:00,1" for i, c in enumerate(customers)]
    project.deliver(tmp_path / "late", "product_usage", lines)
    project.dbt("run", "--select", "int_usage__daily_facts")
    project.score(day, day)
    assert project.rows(day) == before


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
