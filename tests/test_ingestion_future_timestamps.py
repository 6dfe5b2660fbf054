"""Event times later than the load time plus a tolerance are quarantined as `future_timestamp`;
dates that are legitimately ahead (a due date, the end of a term, a renewal that starts later)
load. The load time is fixed in every test, so no assertion depends on the clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from orchestration.ingestion import load_source, reconcile
from orchestration.ingestion.config import ConfigError, IngestionConfig, parse_config

LOAD_TIME = datetime(2026, 10, 1, 6, 0)


def write(landing: Path, source: str, name: str, lines: list[str]) -> Path:
    path = landing / source / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def connect(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(tmp_path / "warehouse.duckdb"))


def test_one_usage_event_dated_2099_is_quarantined_and_every_other_row_loads(
    tmp_path: Path,
) -> None:
    landing = tmp_path / "landing"
    write(
        landing,
        "product_usage",
        "events.csv",
        [
            "event_id,customer_id,feature,occurred_at",
            "E1,C1,reports,2026-09-29 10:00:00",
            "E2,C1,export,2099-01-01",
            "E3,C2,reports,2026-09-30 23:00:00",
            "E4,C2,reports,2026-10-01 12:00:00",
        ],
    )
    con = connect(tmp_path)
    report = load_source(con, "product_usage", landing, IngestionConfig(), load_time=LOAD_TIME)

    (file,) = report.files
    assert (file.status, file.rows_read, file.rows_loaded, file.rows_quarantined) == (
        "loaded",
        4,
        3,
        1,
    )
    assert file.reasons == {"future_timestamp": 1}
    assert con.execute("select event_id from raw.product_usage order by 1").fetchall() == [
        ("E1",),
        ("E3",),
        ("E4",),
    ]
    (row,) = con.execute(
        "select file_row_number, column_name, raw_value, reason_code, message"
        " from raw.load_quarantine"
    ).fetchall()
    assert row[:4] == (2, "occurred_at", "2099-01-01", "future_timestamp")
    assert row[4].startswith("occurred_at: is in the future")
    assert "2026-10-02 06:00:00 UTC" in row[4] and "(got 2099-01-01)" in row[4]
    assert reconcile(con, "product_usage") == []


def test_an_event_inside_the_tolerance_loads_and_one_past_it_is_quarantined(
    tmp_path: Path,
) -> None:
    landing = tmp_path / "landing"
    write(
        landing,
        "surveys",
        "responses.csv",
        [
            "response_id,customer_id,responded_at,kind,score",
            "R1,C1,2026-10-02 06:00:00,nps,9",
            "R2,C1,2026-10-02 06:00:01,nps,9",
        ],
    )
    con = connect(tmp_path)
    load_source(con, "surveys", landing, IngestionConfig(), load_time=LOAD_TIME)
    assert con.execute("select response_id from raw.surveys").fetchall() == [("R1",)]
    assert con.execute("select raw_value from raw.load_quarantine").fetchall() == [
        ("2026-10-02 06:00:01",)
    ]


def test_the_tolerance_comes_from_the_config(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write(
        landing,
        "engagement",
        "touchpoints.csv",
        [
            "touchpoint_id,customer_id,occurred_at,kind",
            "G1,C1,2026-10-01 09:00:00,webinar_attended",
        ],
    )
    con = connect(tmp_path)
    config = parse_config({"rules": {"future_tolerance_hours": 2}})
    report = load_source(con, "engagement", landing, config, load_time=LOAD_TIME)
    assert report.reasons() == {"future_timestamp": 1}
    assert (
        "the 2 h tolerance" in con.execute("select message from raw.load_quarantine").fetchone()[0]
    )


def test_a_tolerance_that_is_not_a_number_of_hours_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="future_tolerance_hours"):
        parse_config({"rules": {"future_tolerance_hours": "a day"}})
    with pytest.raises(ConfigError, match="future_tolerance_hours"):
        parse_config({"rules": {"future_tolerance_hours": -1}})


def test_optional_event_times_in_the_future_quarantine_the_row(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write(
        landing,
        "invoices",
        "invoices.csv",
        [
            "invoice_id,customer_id,issued_at,due_at,paid_at,amount",
            "I1,C1,2026-09-01,2026-10-01,2026-09-15,100",
            "I2,C1,2026-09-01,2026-10-01,2031-09-15,100",
        ],
    )
    write(
        landing,
        "support_tickets",
        "tickets.csv",
        [
            "ticket_id,customer_id,opened_at,first_response_at,resolved_at",
            "T1,C1,2026-09-01,2026-09-01 01:00,2026-09-02",
            "T2,C1,2026-09-01,2026-09-01 01:00,2030-01-01",
            "T3,C1,2026-09-01,2031-01-01,",
        ],
    )
    con = connect(tmp_path)
    invoices = load_source(con, "invoices", landing, IngestionConfig(), load_time=LOAD_TIME)
    tickets = load_source(con, "support_tickets", landing, IngestionConfig(), load_time=LOAD_TIME)
    assert (invoices.total("rows_loaded"), invoices.reasons()) == (1, {"future_timestamp": 1})
    assert (tickets.total("rows_loaded"), tickets.reasons()) == (1, {"future_timestamp": 2})
    assert con.execute(
        "select source, column_name from raw.load_quarantine order by source, file_row_number"
    ).fetchall() == [
        ("invoices", "paid_at"),
        ("support_tickets", "resolved_at"),
        ("support_tickets", "first_response_at"),
    ]
    for source in ("invoices", "support_tickets"):
        assert reconcile(con, source) == []


def test_dates_that_are_legitimately_ahead_load(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write(
        landing,
        "subscriptions",
        "subscriptions.csv",
        [
            "subscription_id,customer_id,mrr,started_at,ends_at,cancelled_at",
            # A renewal signed for next year, and a term that ends in two years.
            "S1,C1,100,2027-01-01,2028-01-01,",
            "S2,C2,100,2026-01-01,2028-01-01,",
            "S3,C3,100,2026-01-01,2027-01-01,2099-01-01",
        ],
    )
    write(
        landing,
        "invoices",
        "invoices.csv",
        [
            "invoice_id,customer_id,issued_at,due_at,amount",
            "I1,C1,2026-09-30,2026-12-30,100",
        ],
    )
    con = connect(tmp_path)
    subscriptions = load_source(
        con, "subscriptions", landing, IngestionConfig(), load_time=LOAD_TIME
    )
    invoices = load_source(con, "invoices", landing, IngestionConfig(), load_time=LOAD_TIME)
    assert con.execute("select subscription_id from raw.subscriptions order by 1").fetchall() == [
        ("S1",),
        ("S2",),
    ]
    assert subscriptions.reasons() == {"future_timestamp": 1}
    assert con.execute("select column_name from raw.load_quarantine").fetchall() == [
        ("cancelled_at",)
    ]
    assert (invoices.total("rows_loaded"), invoices.reasons()) == (1, {})


def test_without_a_fixed_load_time_the_real_clock_is_the_load_time(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write(
        landing,
        "customers",
        "customers.csv",
        ["customer_id,plan,created_at", "C1,starter,2024-01-02", "C2,starter,2099-01-01"],
    )
    con = connect(tmp_path)
    before = datetime.now(UTC).replace(tzinfo=None)
    report = load_source(con, "customers", landing, IngestionConfig())
    after = datetime.now(UTC).replace(tzinfo=None)
    assert report.reasons() == {"future_timestamp": 1}
    future_after = con.execute("select future_after from raw.load_ledger").fetchone()[0]
    # The cutoff is the moment of the load plus the default 24 hours.
    assert before + timedelta(hours=24) <= future_after <= after + timedelta(hours=24)
