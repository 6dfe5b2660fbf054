"""Ingestion of landing files into raw: formats, header matching, quarantine, idempotence."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from orchestration.ingestion import load_source

CUSTOMERS_HEADER = "customer_id,customer_name,plan,seats_purchased,created_at"
CUSTOMER_ROWS = [
    ("C1", "Acme", "starter", 5, "2024-01-02"),
    ("C2", "Globex", "growth", 20, "2024-02-03 10:00:00"),
]


def write_csv(path: Path, header: str, rows: list[tuple], sep: str = ",") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [header.replace(",", sep)] + [sep.join(str(v) for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def connect(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(tmp_path / "warehouse.duckdb"))


def test_csv_loads_typed_rows_with_lineage(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write_csv(landing / "customers" / "customers.csv", CUSTOMERS_HEADER, CUSTOMER_ROWS)
    con = connect(tmp_path)
    report = load_source(con, "customers", landing)
    assert report.total("rows_loaded") == 2
    rows = con.execute(
        "select customer_id, seats_purchased, created_at, _source_file, _file_row_number"
        " from raw.customers order by customer_id"
    ).fetchall()
    assert rows[0][0] == "C1" and rows[0][1] == 5
    assert str(rows[1][2]) == "2024-02-03 10:00:00"
    assert rows[1][3] == "customers/customers.csv" and rows[1][4] == 2


def test_parquet_loads(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    (landing / "customers").mkdir(parents=True)
    con = connect(tmp_path)
    target = landing / "customers" / "customers.parquet"
    con.execute(
        f"""copy (select 'C9' as customer_id, 'enterprise' as plan, 120 as seats_purchased,
        timestamp '2023-05-06 07:08:09' as created_at) to '{target}' (format parquet)"""
    )
    load_source(con, "customers", landing)
    row = con.execute(
        "select customer_id, seats_purchased, created_at from raw.customers"
    ).fetchone()
    assert row[0] == "C9" and row[1] == 120 and str(row[2]) == "2023-05-06 07:08:09"


def test_json_lines_load_with_nested_extra_fields(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    folder = landing / "customers"
    folder.mkdir(parents=True)
    records = [
        {"customer_id": "C1", "plan": "growth", "created_at": "2024-01-01", "meta": {"a": 1}},
        {"customer_id": "C2", "plan": "starter", "created_at": "2024-01-02T00:00:00Z"},
    ]
    (folder / "customers.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n")
    con = connect(tmp_path)
    load_source(con, "customers", landing)
    assert con.execute("select count(*) from raw.customers").fetchone()[0] == 2
    extra = con.execute("select _extra_columns from raw.customers where customer_id = 'C1'")
    assert "meta" in extra.fetchone()[0]


def test_headers_match_ignoring_case_spaces_and_underscores(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write_csv(
        landing / "customers" / "export.csv",
        "Customer ID,Customer Name,PLAN,SeatsPurchased,Created_At,Region",
        [("C1", "Acme", "starter", 5, "2024-01-02", "EU")],
    )
    con = connect(tmp_path)
    load_source(con, "customers", landing)
    row = con.execute("select customer_id, plan, _extra_columns from raw.customers").fetchone()
    assert row[:2] == ("C1", "starter")
    assert json.loads(row[2]) == {"Region": "EU"}


def test_missing_required_column_rejects_file_naming_file_and_column(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    bad = write_csv(
        landing / "customers" / "a_bad.csv",
        "customer_id,customer_name,created_at",
        [("C1", "Acme", "2024-01-02")],
    )
    write_csv(landing / "customers" / "b_good.csv", CUSTOMERS_HEADER, CUSTOMER_ROWS)
    con = connect(tmp_path)
    report = load_source(con, "customers", landing)
    assert len(report.errors) == 1
    assert str(bad) in report.errors[0] and "'plan'" in report.errors[0]
    # The good file beside the bad one still loads.
    assert con.execute("select count(*) from raw.customers").fetchone()[0] == 2
    status = con.execute(
        "select status from raw.load_ledger where file_path = 'customers/a_bad.csv'"
    ).fetchone()[0]
    assert status == "rejected"


def test_untypable_values_are_quarantined_with_reason_not_dropped(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write_csv(
        landing / "customers" / "customers.csv",
        CUSTOMERS_HEADER,
        [
            ("C1", "Acme", "starter", 5, "2024-01-02"),
            ("C2", "Globex", "growth", "many", "2024-01-02"),
            ("C3", "Initech", "", 5, "not a date"),
        ],
    )
    con = connect(tmp_path)
    report = load_source(con, "customers", landing)
    assert (report.total("rows_read"), report.total("rows_loaded")) == (3, 1)
    assert report.total("rows_quarantined") == 2
    problems = con.execute(
        "select file_row_number, column_name, raw_value, reason_code from raw.load_quarantine"
        " order by file_row_number, column_name"
    ).fetchall()
    assert problems == [
        (2, "seats_purchased", "many", "invalid_integer"),
        (3, "created_at", "not a date", "invalid_timestamp"),
        (3, "plan", None, "missing_required_value"),
    ]


def test_semicolon_csv_with_decimal_comma_loads(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write_csv(
        landing / "invoices" / "invoices.csv",
        "invoice_id,customer_id,issued_at,due_at,amount",
        [("I1", "C1", "01/02/2024", "15.02.2024", "1.234,50")],
        sep=";",
    )
    con = connect(tmp_path)
    load_source(con, "invoices", landing)
    row = con.execute("select amount, issued_at, due_at from raw.invoices").fetchone()
    assert row[0] == pytest.approx(1234.5)
    assert str(row[1]) == "2024-02-01 00:00:00" and str(row[2]) == "2024-02-15 00:00:00"


def test_timestamp_offset_is_converted_to_utc(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write_csv(
        landing / "customers" / "c.csv",
        CUSTOMERS_HEADER,
        [("C1", "Acme", "starter", 5, "2024-01-02T10:00:00+02:00")],
    )
    con = connect(tmp_path)
    load_source(con, "customers", landing)
    assert str(con.execute("select created_at from raw.customers").fetchone()[0]) == (
        "2024-01-02 08:00:00"
    )


def test_loading_the_same_file_twice_changes_nothing(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write_csv(landing / "customers" / "customers.csv", CUSTOMERS_HEADER, CUSTOMER_ROWS)
    con = connect(tmp_path)
    load_source(con, "customers", landing)
    before = con.execute("select * exclude (_loaded_at) from raw.customers order by 1").fetchall()
    second = load_source(con, "customers", landing)
    assert [f.status for f in second.files] == ["skipped"]
    after = con.execute("select * exclude (_loaded_at) from raw.customers order by 1").fetchall()
    assert before == after
    assert con.execute("select count(*) from raw.load_ledger").fetchone()[0] == 1


def test_redelivered_file_with_new_content_is_a_new_load(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    path = write_csv(landing / "customers" / "customers.csv", CUSTOMERS_HEADER, CUSTOMER_ROWS)
    con = connect(tmp_path)
    load_source(con, "customers", landing)
    write_csv(path, CUSTOMERS_HEADER, [("C1", "Acme Corp", "growth", 8, "2024-01-02")])
    load_source(con, "customers", landing)
    loads = con.execute(
        "select _load_id, count(*) from raw.customers group by 1 order by 1"
    ).fetchall()
    assert loads == [(1, 2), (2, 1)]


def test_unknown_format_is_rejected_with_the_file_named(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    folder = landing / "customers"
    folder.mkdir(parents=True)
    (folder / "customers.xlsx").write_bytes(b"PK\x03\x04")
    con = connect(tmp_path)
    report = load_source(con, "customers", landing)
    assert "customers.xlsx" in report.errors[0] and "unknown file format" in report.errors[0]


def test_a_rejected_file_is_retried_when_its_config_changes(tmp_path: Path) -> None:
    from orchestration.ingestion.config import parse_config

    landing = tmp_path / "landing"
    folder = landing / "customers"
    folder.mkdir(parents=True)
    (folder / "legacy.txt").write_text("C1|Acme|starter|2024-01-02\n")
    con = connect(tmp_path)
    first = load_source(con, "customers", landing, parse_config({}))
    assert [f.status for f in first.files] == ["rejected"]
    again = load_source(con, "customers", landing, parse_config({}))
    assert [f.status for f in again.files] == ["skipped"]
    config = parse_config(
        {
            "sources": {
                "customers": {
                    "files": {
                        "legacy*": {
                            "header": False,
                            "columns": ["customer_id", "customer_name", "plan", "created_at"],
                        }
                    }
                }
            }
        }
    )
    fixed = load_source(con, "customers", landing, config)
    assert [f.status for f in fixed.files] == ["loaded"]
    assert con.execute("select customer_id, plan from raw.customers").fetchall() == [
        ("C1", "starter")
    ]


def test_config_with_an_unknown_key_names_the_file_and_the_key(tmp_path: Path) -> None:
    from orchestration.ingestion.config import ConfigError, load_config

    path = tmp_path / "ingestion.toml"
    path.write_text('[sources.invoices]\nseparator = ";"\n')
    with pytest.raises(ConfigError, match=r"ingestion.toml \[sources.invoices\].*'separator'"):
        load_config(path)
    path.write_text('[sources.invoice]\ndelimiter = ";"\n')
    with pytest.raises(ConfigError, match="unknown source"):
        load_config(path)


def test_a_file_glob_override_wins_over_the_source_options(tmp_path: Path) -> None:
    from orchestration.ingestion.config import parse_config

    config = parse_config(
        {
            "defaults": {"day_first": False},
            "sources": {"invoices": {"delimiter": ";", "files": {"us_*": {"day_first": True}}}},
        }
    )
    assert config.for_file("invoices", "us_2024.csv").day_first is True
    assert config.for_file("invoices", "us_2024.csv").delimiter == ";"
    assert config.for_file("invoices", "eu.csv").day_first is False
    assert config.for_file("customers", "any.csv").day_first is False


def test_an_unchanged_old_file_is_not_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    import orchestration.ingestion.load as loading

    landing = tmp_path / "landing"
    path = write_csv(landing / "customers" / "customers.csv", CUSTOMERS_HEADER, CUSTOMER_ROWS)
    old = path.stat().st_mtime - 3600
    os.utime(path, (old, old))
    con = connect(tmp_path)
    load_source(con, "customers", landing)

    def no_read(*args: object) -> str:
        raise AssertionError("an unchanged file was hashed again")

    monkeypatch.setattr(loading, "_hash_and_profile", no_read)
    report = load_source(con, "customers", landing)
    assert [f.status for f in report.files] == ["skipped"]


def test_files_load_in_natural_name_order_so_later_deliveries_win(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    for n in (10, 9, 2):
        write_csv(
            landing / "customers" / f"delivery_{n}.csv",
            CUSTOMERS_HEADER,
            [("C1", f"Acme {n}", "starter", n, "2024-01-02")],
        )
    con = connect(tmp_path)
    load_source(con, "customers", landing)
    assert con.execute("select _source_file from raw.customers order by _load_id").fetchall() == [
        ("customers/delivery_2.csv",),
        ("customers/delivery_9.csv",),
        ("customers/delivery_10.csv",),
    ]


def test_a_warehouse_from_before_the_new_ledger_columns_is_upgraded(tmp_path: Path) -> None:
    con = connect(tmp_path)
    con.execute("create schema raw")
    con.execute(
        """create table raw.load_ledger (load_id bigint primary key, source varchar not null,
        file_path varchar not null, sha256 varchar not null, size_bytes bigint not null,
        file_format varchar, rows_read bigint, rows_loaded bigint, rows_quarantined bigint,
        extra_columns varchar, started_at timestamp not null, finished_at timestamp,
        status varchar not null, error varchar)"""
    )
    landing = tmp_path / "landing"
    write_csv(landing / "customers" / "customers.csv", CUSTOMERS_HEADER, CUSTOMER_ROWS)
    load_source(con, "customers", landing)
    assert con.execute("select encoding, rows_flagged from raw.load_ledger").fetchall() == [
        ("utf-8", 0)
    ]


def test_rows_read_equals_loaded_plus_quarantined_in_the_ledger(tmp_path: Path) -> None:
    from orchestration.ingestion import reconcile

    landing = tmp_path / "landing"
    write_csv(
        landing / "customers" / "customers.csv",
        CUSTOMERS_HEADER,
        [*CUSTOMER_ROWS, ("C3", "", "", "x", "y")],
    )
    con = connect(tmp_path)
    load_source(con, "customers", landing)
    assert con.execute(
        "select rows_read, rows_loaded, rows_quarantined from raw.load_ledger"
    ).fetchall() == [(3, 2, 1)]
    assert reconcile(con, "customers") == []


def test_unquoted_decimal_commas_in_a_comma_file_are_quarantined_not_misread(
    tmp_path: Path,
) -> None:
    landing = tmp_path / "landing"
    folder = landing / "invoices"
    folder.mkdir(parents=True)
    (folder / "invoices.csv").write_text(
        "invoice_id,customer_id,issued_at,due_at,amount\n"
        "I1,C1,2024-03-01,2024-03-15,12,50\n"
        "I2,C1,2024-03-01,2024-03-15,99,90\n"
    )
    con = connect(tmp_path)
    report = load_source(con, "invoices", landing)
    assert (report.total("rows_loaded"), report.total("rows_quarantined")) == (0, 2)
    assert con.execute("select distinct reason_code from raw.load_quarantine").fetchall() == [
        ("malformed_record",)
    ]


def ledger_rows_blank(con: duckdb.DuckDBPyConnection, relative: str) -> int:
    return con.execute(
        "select rows_blank from raw.load_ledger where file_path = ?", [relative]
    ).fetchone()[0]


def test_blank_lines_are_counted_in_the_ledger_and_quoted_blank_lines_are_not(
    tmp_path: Path,
) -> None:
    landing = tmp_path / "landing"
    folder = landing / "engagement"
    folder.mkdir(parents=True)
    (folder / "touchpoints.csv").write_text(
        "touchpoint_id,customer_id,occurred_at,kind,sentiment\r\n"
        "G1,C1,2024-03-01,webinar_attended,liked\r\n"
        "\r\n"  # empty line
        "    \r\n"  # a line of spaces
        ",,,,\r\n"  # a record whose fields are all empty
        'G2,C1,2024-03-02,meeting,"first line\r\n\r\nafter a blank line in a quoted value"\r\n'
        ",C1,2024-03-03,meeting,\r\n"  # no key: quarantined, not blank
        "G3,C2,2024-03-04,meeting,\r\n"
        "\r\n"
        "\r\n",
        encoding="utf-8",
    )
    con = connect(tmp_path)
    report = load_source(con, "engagement", landing)
    (file,) = report.files
    assert (file.rows_read, file.rows_loaded, file.rows_quarantined) == (4, 3, 1)
    assert ledger_rows_blank(con, "engagement/touchpoints.csv") == 5


def test_blank_lines_of_json_lines_are_counted_in_the_ledger(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    (landing / "surveys").mkdir(parents=True)
    (landing / "surveys" / "responses.jsonl").write_text(
        '{"response_id": "R1", "customer_id": "C1", "responded_at": "2024-03-01",'
        ' "kind": "nps", "score": 9}\n'
        "\n"
        "   \n"
        '{"response_id": "R2", "customer_id": "C1", "responded_at": "2024-03-02",'
        ' "kind": "nps", "score": 7}\n'
        "\n",
        encoding="utf-8",
    )
    con = connect(tmp_path)
    report = load_source(con, "surveys", landing)
    assert (report.total("rows_read"), report.total("rows_loaded")) == (2, 2)
    assert ledger_rows_blank(con, "surveys/responses.jsonl") == 3


ORPHAN_ROWS = {
    "support_tickets": ("ticket_id,customer_id,opened_at", ("T1", "C999", "2024-03-01")),
    "product_usage": (
        "event_id,customer_id,feature,occurred_at",
        ("E1", "C999", "reports", "2024-03-01"),
    ),
    "invoices": (
        "invoice_id,customer_id,issued_at,due_at,amount",
        ("I1", "C999", "2024-03-01", "2024-03-31", 10),
    ),
    "surveys": (
        "response_id,customer_id,responded_at,kind,score",
        ("R1", "C999", "2024-03-01", "nps", 9),
    ),
    "engagement": (
        "touchpoint_id,customer_id,occurred_at,kind",
        ("G1", "C999", "2024-03-01", "meeting"),
    ),
    "subscriptions": (
        "subscription_id,customer_id,mrr,started_at",
        ("S1", "C999", 10, "2024-03-01"),
    ),
}


def test_rows_of_an_unknown_customer_load_without_quarantine_or_flag(tmp_path: Path) -> None:
    # Orphans are dbt's to flag: the customer may arrive in a later file or a later run.
    landing = tmp_path / "landing"
    write_csv(landing / "customers" / "customers.csv", CUSTOMERS_HEADER, CUSTOMER_ROWS)
    for source, (header, row) in ORPHAN_ROWS.items():
        write_csv(landing / source / f"{source}.csv", header, [row])
    con = connect(tmp_path)
    for source in ("customers", *ORPHAN_ROWS):
        assert load_source(con, source, landing).errors == [], source
    for source in ORPHAN_ROWS:
        assert con.execute(f"select customer_id from raw.{source}").fetchall() == [("C999",)]
    assert con.execute("select count(*) from raw.load_quarantine").fetchone()[0] == 0
    assert con.execute("select count(*) from raw.load_flags").fetchone()[0] == 0
