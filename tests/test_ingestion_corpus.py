"""Real-world exports from tests/data/ingestion/: one test per behaviour, then the whole corpus
dropped into one landing folder and run through the Dagster assets and checks.

Each file is a small export with the faults real exports have; `expected.toml` beside them says
what loading each must give, `README.md` lists the cases.
"""

from __future__ import annotations

import json
import shutil
import tomllib
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from orchestration.ingestion import SourceLoad, load_source, reconcile
from orchestration.ingestion.config import load_config
from orchestration.ingestion.sources import SOURCES

CORPUS = Path(__file__).resolve().parent / "data" / "ingestion"
CONFIG = load_config(CORPUS / "ingestion.toml")
EXPECTED: dict[str, dict] = tomllib.loads((CORPUS / "expected.toml").read_text())


def corpus_files() -> list[str]:
    return sorted(
        str(p.relative_to(CORPUS))
        for source in SOURCES
        for p in (CORPUS / source).iterdir()
        if p.is_file()
    )


def load_case(tmp_path: Path, *relatives: str) -> tuple[duckdb.DuckDBPyConnection, SourceLoad]:
    """Copy corpus files into a fresh landing folder and load their source."""
    landing = tmp_path / "landing"
    for relative in relatives:
        target = landing / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(CORPUS / relative, target)
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    report = load_source(con, Path(relatives[0]).parts[0], landing, CONFIG)
    return con, report


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def quarantine(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return rows(
        con,
        "select file_row_number, column_name, raw_value, reason_code from raw.load_quarantine"
        " order by file_row_number, column_name",
    )


def ledger(con: duckdb.DuckDBPyConnection, relative: str) -> dict:
    cursor = con.execute("select * from raw.load_ledger where file_path = ?", [relative])
    names = [d[0] for d in cursor.description]
    return dict(zip(names, cursor.fetchone(), strict=True))


def test_the_corpus_has_at_least_25_cases_and_each_has_an_expectation() -> None:
    assert len(corpus_files()) >= 25
    assert set(corpus_files()) == set(EXPECTED)


# --------------------------------------------------------------------------- customers


def test_utf8_bom_crlf_export_loads_accents_and_spelled_out_headers(tmp_path: Path) -> None:
    con, report = load_case(tmp_path, "customers/hubspot_export_utf8_bom.csv")
    assert report.total("rows_loaded") == 4
    assert rows(con, "select customer_name, csm_owner, seats_purchased from raw.customers") == [
        ("Müller Logistik GmbH", "Ana Souza", 25),
        ("São Paulo Têxtil Ltda", None, 5),
        ("Łódź Software, S.A.", "Piotr Nowak", 120),
        ("Smørrebrød ApS", "Ana Souza", 3),
    ]
    assert ledger(con, "customers/hubspot_export_utf8_bom.csv")["encoding"] == "utf-8-bom"


def test_report_title_lines_above_the_header_are_skipped(tmp_path: Path) -> None:
    con, report = load_case(tmp_path, "customers/crm_report_with_title_lines.csv")
    assert report.total("rows_read") == 3
    assert rows(con, "select customer_id, created_at from raw.customers order by 1") == [
        ("C201", datetime(2024, 1, 15)),
        ("C202", datetime(2024, 2, 2, 14, 30)),
        ("C203", datetime(2023, 11, 30)),
    ]


def test_trailing_separators_and_empty_spreadsheet_rows_are_not_rows(tmp_path: Path) -> None:
    con, report = load_case(tmp_path, "customers/excel_trailing_separators.csv")
    assert (report.total("rows_read"), report.total("rows_quarantined")) == (3, 0)
    row = ledger(con, "customers/excel_trailing_separators.csv")
    assert row["rows_blank"] == 2 and row["extra_columns"] is None
    assert rows(con, "select count(*) from raw.customers where _extra_columns is not null") == [
        (0,)
    ]


def test_file_missing_a_required_column_is_rejected_naming_file_column_and_expected(
    tmp_path: Path,
) -> None:
    con, report = load_case(tmp_path, "customers/missing_plan_column.csv")
    (error,) = report.errors
    assert "missing_plan_column.csv" in error
    assert "missing required column 'plan'" in error
    assert "expected columns customer_id, plan, created_at" in error
    assert ledger(con, "customers/missing_plan_column.csv")["status"] == "rejected"
    assert rows(con, "select count(*) from raw.customers") == [(0,)]


def test_two_headers_for_one_contract_column_reject_the_file(tmp_path: Path) -> None:
    _, report = load_case(tmp_path, "customers/duplicate_customer_id_headers.csv")
    (error,) = report.errors
    assert "'Customer ID' and 'customer_id' both mean 'customer_id'" in error


def test_spreadsheet_workbook_is_rejected_as_an_unknown_format(tmp_path: Path) -> None:
    _, report = load_case(tmp_path, "customers/accounts.xlsx")
    (error,) = report.errors
    assert "accounts.xlsx" in error and "unknown file format" in error and "CSV" in error


def test_workbook_renamed_to_csv_is_rejected_not_read_as_text(tmp_path: Path) -> None:
    _, report = load_case(tmp_path, "customers/renamed_workbook.csv")
    (error,) = report.errors
    assert "renamed_workbook.csv" in error and "Excel workbook" in error


def test_headerless_file_loads_with_the_columns_named_in_the_config(tmp_path: Path) -> None:
    con, report = load_case(tmp_path, "customers/headerless_legacy_export.txt")
    assert report.total("rows_loaded") == 2
    assert rows(con, "select customer_id, plan from raw.customers order by 1") == [
        ("C601", "enterprise"),
        ("C602", "growth"),
    ]


def test_non_whole_and_negative_counts_are_quarantined_and_empty_counts_load_as_null(
    tmp_path: Path,
) -> None:
    con, _ = load_case(tmp_path, "customers/seats_not_numbers.csv")
    assert quarantine(con) == [
        (2, "seats_purchased", "twelve", "invalid_integer"),
        (3, "seats_purchased", "12.5", "invalid_integer"),
        (4, "seats_purchased", "-3", "negative_value"),
    ]
    assert rows(con, "select customer_id, seats_purchased from raw.customers order by 1") == [
        ("C701", 12),
        ("C705", None),
        ("C706", None),
    ]


# --------------------------------------------------------------------------- subscriptions


def test_latin1_semicolon_spanish_export_with_decimal_comma_loads(tmp_path: Path) -> None:
    con, _ = load_case(tmp_path, "subscriptions/facturacion_es_latin1.csv")
    assert rows(
        con,
        "select subscription_id, mrr, started_at, is_renewal, cancellation_reason"
        " from raw.subscriptions order by 1",
    ) == [
        ("S801", 1234.5, datetime(2024, 1, 1), True, None),
        ("S802", 99.9, datetime(2024, 1, 15), False, "Cambió a la competencia"),
        ("S804", 49.0, datetime(2024, 3, 1), True, "Año fiscal"),
    ]
    row = ledger(con, "subscriptions/facturacion_es_latin1.csv")
    assert (row["encoding"], row["delimiter"], row["decimal_separator"]) == ("latin-1", ";", ",")
    assert quarantine(con) == [(3, "mrr", "-10,00", "negative_value")]


def test_ending_before_starting_loads_with_a_flag(tmp_path: Path) -> None:
    con, report = load_case(tmp_path, "subscriptions/facturacion_es_latin1.csv")
    assert report.total("rows_flagged") == 1
    assert rows(con, "select file_row_number, column_name, reason_code from raw.load_flags") == [
        (4, "ends_at", "timestamps_out_of_order")
    ]
    assert rows(con, "select count(*) from raw.subscriptions where subscription_id = 'S804'") == [
        (1,)
    ]


def test_dates_in_every_accepted_format_read_the_same_instant(tmp_path: Path) -> None:
    con, report = load_case(tmp_path, "subscriptions/mixed_date_formats.csv")
    assert report.total("rows_quarantined") == 0
    assert rows(con, "select subscription_id, started_at from raw.subscriptions order by 1") == [
        ("S901", datetime(2024, 1, 5)),
        ("S902", datetime(2024, 1, 5)),
        ("S903", datetime(2024, 1, 5, 14, 30)),
        ("S904", datetime(2024, 1, 5, 9, 0)),
        ("S905", datetime(2024, 1, 5, 10, 0)),
        ("S906", datetime(2024, 1, 5, 10, 0)),
        ("S907", datetime(2024, 1, 5, 9, 0)),
    ]


def test_parquet_files_with_compatible_but_different_schemas_load_side_by_side(
    tmp_path: Path,
) -> None:
    con, report = load_case(
        tmp_path, "subscriptions/billing_part1.parquet", "subscriptions/billing_part2.parquet"
    )
    assert [f.status for f in report.files] == ["loaded", "loaded"]
    assert rows(
        con,
        "select subscription_id, mrr, started_at, is_renewal, status"
        " from raw.subscriptions order by 1",
    ) == [
        ("S1001", 249.5, datetime(2024, 1, 1), True, "active"),
        ("S1002", 49.0, datetime(2024, 2, 1), False, "active"),
        ("S1003", 1999.99, datetime(2023, 12, 1), True, "cancelled"),
        ("S1004", 99.9, datetime(2024, 2, 29, 22, 0), True, None),
        ("S1006", 10.0, datetime(2024, 3, 3), None, None),
    ]
    extra = rows(
        con, "select _extra_columns from raw.subscriptions where subscription_id = 'S1004'"
    )
    assert json.loads(extra[0][0]) == {
        "discount_pct": 12.5,
        "origin": {"source": "upgrade", "seats": 5},
    }
    assert quarantine(con) == [(2, "mrr", "abc", "invalid_number")]


def test_truncated_parquet_is_rejected_and_the_good_files_beside_it_load(tmp_path: Path) -> None:
    con, report = load_case(
        tmp_path,
        "subscriptions/truncated_download.parquet",
        "subscriptions/billing_part1.parquet",
    )
    assert sorted(f.status for f in report.files) == ["loaded", "rejected"]
    (error,) = report.errors
    assert "truncated_download.parquet" in error and "cannot be read as Parquet" in error
    assert rows(con, "select count(*) from raw.subscriptions") == [(3,)]


# --------------------------------------------------------------------------- product usage


def test_pipe_separated_text_file_loads(tmp_path: Path) -> None:
    con, report = load_case(tmp_path, "product_usage/events_pipe_separated.txt")
    assert report.total("rows_loaded") == 4
    assert ledger(con, "product_usage/events_pipe_separated.txt")["delimiter"] == "|"
    assert rows(con, "select sum(quantity), count(user_id) from raw.product_usage") == [(254.0, 3)]


def test_epoch_seconds_and_milliseconds_are_read_as_utc(tmp_path: Path) -> None:
    con, _ = load_case(tmp_path, "product_usage/events_epoch_seconds.csv")
    assert rows(con, "select occurred_at from raw.product_usage order by event_id") == [
        (datetime(2024, 3, 1, 10, 0),),
        (datetime(2024, 3, 1, 11, 0),),
        (datetime(2024, 3, 1, 12, 0),),
        (datetime(2024, 3, 1, 13, 0, 0, 500000),),
    ]


def test_gzip_compressed_csv_loads(tmp_path: Path) -> None:
    con, report = load_case(tmp_path, "product_usage/events_2024-03.csv.gz")
    assert report.total("rows_loaded") == 5
    assert ledger(con, "product_usage/events_2024-03.csv.gz")["compression"] == "gzip"


def test_rows_missing_a_key_or_required_value_are_quarantined(tmp_path: Path) -> None:
    con, _ = load_case(tmp_path, "product_usage/events_missing_keys.csv")
    assert quarantine(con) == [
        (2, "event_id", None, "missing_required_value"),
        (3, "customer_id", None, "missing_required_value"),
        (4, "feature", "NULL", "missing_required_value"),
    ]
    record = rows(con, "select raw_record from raw.load_quarantine where file_row_number = 2")
    assert json.loads(record[0][0])["occurred_at"] == "2024-03-05 10:01:00"


def test_records_with_too_many_or_too_few_fields_are_quarantined_with_their_line(
    tmp_path: Path,
) -> None:
    con, report = load_case(tmp_path, "product_usage/events_ragged_rows.csv")
    assert (report.total("rows_read"), report.total("rows_quarantined")) == (6, 2)
    problems = rows(
        con,
        "select raw_value, reason_code, message from raw.load_quarantine order by file_row_number",
    )
    assert [p[1] for p in problems] == ["malformed_record", "malformed_record"]
    assert problems[0][0].startswith("E42,") and "line 3" in problems[0][2]
    assert "too many columns" in problems[0][2]
    assert problems[1][0].startswith("E43,") and "missing columns" in problems[1][2]


def test_same_content_under_another_name_is_a_duplicate_not_counted_twice(tmp_path: Path) -> None:
    con, report = load_case(
        tmp_path, "product_usage/events_duplicate.csv", "product_usage/events_duplicate_copy.csv"
    )
    assert [f.status for f in report.files] == ["loaded", "duplicate"]
    assert rows(con, "select count(*) from raw.product_usage") == [(2,)]
    copy = ledger(con, "product_usage/events_duplicate_copy.csv")
    assert copy["status"] == "duplicate" and copy["duplicate_of_load_id"] == 1


def test_unterminated_quote_quarantines_the_rest_of_the_file_as_one_record(
    tmp_path: Path,
) -> None:
    con, report = load_case(tmp_path, "product_usage/events_unterminated_quote.csv")
    assert (report.total("rows_loaded"), report.total("rows_quarantined")) == (2, 1)
    (raw_value,) = rows(con, "select raw_value from raw.load_quarantine")[0]
    assert "E63" in raw_value and "E64" in raw_value


# --------------------------------------------------------------------------- support tickets


def test_utf16_tab_separated_unicode_text_from_excel_loads(tmp_path: Path) -> None:
    con, report = load_case(tmp_path, "support_tickets/zendesk_unicode_text.txt")
    assert report.total("rows_loaded") == 3
    row = ledger(con, "support_tickets/zendesk_unicode_text.txt")
    assert (row["encoding"], row["delimiter"]) == ("utf-16", "\t")
    assert rows(con, "select channel from raw.support_tickets where ticket_id = 'T3'") == [
        ("phone — callback",)
    ]


def test_iso_8601_offsets_are_converted_to_utc(tmp_path: Path) -> None:
    con, _ = load_case(tmp_path, "support_tickets/helpdesk_iso_offsets.csv")
    assert rows(
        con, "select opened_at, first_response_at from raw.support_tickets order by ticket_id"
    ) == [
        (datetime(2024, 3, 1, 8, 0), datetime(2024, 3, 1, 8, 30)),
        (datetime(2024, 3, 1, 10, 0, 0, 250000), datetime(2024, 3, 1, 10, 30)),
        (datetime(2024, 3, 1, 4, 30), datetime(2024, 3, 1, 5, 0)),
        (datetime(2024, 3, 1, 13, 0), None),
    ]


def test_ticket_csat_outside_1_to_5_is_quarantined_and_early_resolution_flagged(
    tmp_path: Path,
) -> None:
    con, _ = load_case(tmp_path, "support_tickets/csat_out_of_range.csv")
    assert quarantine(con) == [
        (2, "csat", "7", "score_out_of_range"),
        (3, "csat", "0", "score_out_of_range"),
        (5, "reopen_count", "-1", "negative_value"),
    ]
    assert rows(con, "select file_row_number, reason_code from raw.load_flags") == [
        (4, "timestamps_out_of_order")
    ]


# --------------------------------------------------------------------------- surveys


def test_comments_with_quoted_newlines_separators_and_quotes_load_intact(tmp_path: Path) -> None:
    con, _ = load_case(tmp_path, "surveys/typeform_comments_multiline.csv")
    assert rows(con, "select comment from raw.surveys order by response_id") == [
        ("Great tool.\nReports, though, are slow.",),
        ('Agent said "we will call back" — never did.',),
        (None,),
        ("Line one\n\nLine three 😀",),
    ]


def test_survey_score_outside_its_kind_scale_is_quarantined_and_unknown_kind_flagged(
    tmp_path: Path,
) -> None:
    con, _ = load_case(tmp_path, "surveys/nps_out_of_scale.csv")
    assert quarantine(con) == [
        (1, "score", "11", "score_out_of_range"),
        (2, "score", "0", "score_out_of_range"),
        (3, "score", "2", "score_out_of_range"),
        (6, "score", "-1", "score_out_of_range"),
    ]
    messages = rows(con, "select message from raw.load_quarantine order by file_row_number")
    assert messages[0] == ("score: is outside the nps scale 0-10 (got 11)",)
    assert rows(con, "select raw_value, reason_code from raw.load_flags") == [
        ("ces", "unknown_survey_kind")
    ]


def test_json_lines_with_nested_extras_broken_lines_and_respelled_keys(tmp_path: Path) -> None:
    con, report = load_case(tmp_path, "surveys/responses.jsonl")
    assert (report.total("rows_read"), report.total("rows_loaded")) == (6, 4)
    assert rows(con, "select response_id, score from raw.surveys order by 1") == [
        ("R21", 10.0),
        ("R22", 4.0),
        ("R25", 4.0),
        ("R26", 0.0),
    ]
    extra = rows(con, "select _extra_columns from raw.surveys where response_id = 'R21'")
    assert json.loads(extra[0][0]) == {"answers": {"q1": "yes", "q2": [1, 2]}}
    assert [q[3] for q in quarantine(con)] == ["invalid_json", "invalid_json"]


def test_backslash_escaped_quotes_from_database_dumps_load(tmp_path: Path) -> None:
    con, report = load_case(tmp_path, "surveys/mysql_dump_backslash_escapes.csv")
    assert report.total("rows_quarantined") == 0
    assert rows(con, "select comment from raw.surveys order by response_id") == [
        ('She said "fine"',),
        ('Slow, but "ok"',),
        ('"Best" tool',),
    ]


def test_json_array_file_loads(tmp_path: Path) -> None:
    con, report = load_case(tmp_path, "surveys/responses_2024.json")
    assert report.total("rows_loaded") == 2
    assert ledger(con, "surveys/responses_2024.json")["file_format"] == "json_array"


# --------------------------------------------------------------------------- invoices


def test_windows_1252_portuguese_export_with_currency_and_smart_quotes_loads(
    tmp_path: Path,
) -> None:
    con, _ = load_case(tmp_path, "invoices/faturas_ptbr_cp1252.csv")
    assert rows(con, "select invoice_id, amount, due_at from raw.invoices order by 1") == [
        ("I101", 1234.56, datetime(2024, 3, 20)),
        ("I102", 99.9, datetime(2024, 4, 20)),
        ("I103", 1000.0, datetime(2024, 3, 25)),
        ("I104", 12.5, datetime(2024, 4, 25)),
    ]
    extra = rows(con, "select _extra_columns from raw.invoices where invoice_id = 'I101'")
    assert json.loads(extra[0][0])["Observação"] == "“Pago via PIX”"
    assert ledger(con, "invoices/faturas_ptbr_cp1252.csv")["encoding"] == "cp1252"


def test_polish_amounts_with_space_thousands_and_currency_word_load(tmp_path: Path) -> None:
    con, _ = load_case(tmp_path, "invoices/faktury_pl_spaces.csv")
    assert rows(con, "select amount, issued_at from raw.invoices order by invoice_id") == [
        (1234.5, datetime(2024, 3, 1)),
        (12000.0, datetime(2024, 3, 2)),
        (-200.0, datetime(2024, 3, 3)),
    ]


def test_non_numeric_amounts_are_quarantined_and_a_credit_note_loads_flagged(
    tmp_path: Path,
) -> None:
    con, _ = load_case(tmp_path, "invoices/amounts_not_numeric.csv")
    assert quarantine(con) == [
        (1, "amount", "TBD", "invalid_number"),
        (2, "amount", "12,34,56", "invalid_number"),
        (5, "amount", None, "missing_required_value"),
    ]
    assert rows(con, "select invoice_id, amount from raw.invoices order by 1") == [
        ("I203", 1234.5),
        ("I204", 12.0),
        ("I206", -50.0),
    ]
    assert rows(con, "select file_row_number, reason_code from raw.load_flags") == [
        (6, "negative_amount")
    ]


def test_impossible_dates_words_and_two_digit_years_are_quarantined(tmp_path: Path) -> None:
    con, _ = load_case(tmp_path, "invoices/bad_dates.csv")
    assert quarantine(con) == [
        (1, "issued_at", "31/02/2024", "invalid_timestamp"),
        (2, "issued_at", "yesterday", "invalid_timestamp"),
        (3, "issued_at", "2024-13-01", "invalid_timestamp"),
        (4, "issued_at", "01/02/24", "timestamp_out_of_range"),
        (5, "issued_at", "1899-12-31", "timestamp_out_of_range"),
    ]
    assert rows(con, "select issued_at from raw.invoices") == [(datetime(2024, 2, 29),)]


def test_month_first_dates_load_when_the_config_says_day_first_false(tmp_path: Path) -> None:
    con, _ = load_case(tmp_path, "invoices/us_dates_month_first.csv")
    assert rows(con, "select issued_at, due_at, amount from raw.invoices order by 1") == [
        (datetime(2024, 3, 4), datetime(2024, 4, 3), 1234.0),
        (datetime(2024, 12, 31), datetime(2025, 1, 30), 10.0),
    ]


# --------------------------------------------------------------------------- engagement


def test_blank_lines_before_between_and_after_rows_are_ignored(tmp_path: Path) -> None:
    con, report = load_case(tmp_path, "engagement/blank_lines_everywhere.csv")
    assert (report.total("rows_read"), report.total("rows_quarantined")) == (3, 0)
    # Below the header: two empty lines and a line of spaces between rows, two at the end.
    assert ledger(con, "engagement/blank_lines_everywhere.csv")["rows_blank"] == 5
    assert rows(con, "select touchpoint_id from raw.engagement order by 1") == [
        ("G1",),
        ("G2",),
        ("G3",),
    ]


def test_gzip_compressed_json_lines_load(tmp_path: Path) -> None:
    con, report = load_case(tmp_path, "engagement/touchpoints.jsonl.gz")
    assert report.total("rows_loaded") == 3
    assert rows(con, "select detail_length from raw.engagement where touchpoint_id = 'G12'") == [
        (240,)
    ]


def test_latin1_line_in_a_utf8_file_is_quarantined_not_turned_into_mojibake(
    tmp_path: Path,
) -> None:
    con, _ = load_case(tmp_path, "engagement/mixed_utf8_and_latin1.csv")
    assert rows(con, "select sentiment from raw.engagement order by 1") == [
        ("café",),
        ("liked — très bien",),
        ("ótimo",),
    ]
    assert [(q[0], q[3]) for q in quarantine(con)] == [(4, "invalid_encoding")]


def test_empty_file_is_recorded_as_empty_without_failing(tmp_path: Path) -> None:
    con, report = load_case(tmp_path, "engagement/empty_export.csv")
    assert [f.status for f in report.files] == ["empty"] and report.errors == []
    assert ledger(con, "engagement/empty_export.csv")["status"] == "empty"


def test_header_only_file_loads_zero_rows(tmp_path: Path) -> None:
    con, report = load_case(tmp_path, "engagement/header_only.csv")
    assert [f.status for f in report.files] == ["loaded"]
    assert ledger(con, "engagement/header_only.csv")["rows_read"] == 0


def test_null_markers_load_as_null(tmp_path: Path) -> None:
    con, report = load_case(tmp_path, "engagement/null_markers.csv")
    assert report.total("rows_quarantined") == 0
    assert rows(
        con, "select sentiment, detail_length from raw.engagement order by touchpoint_id"
    ) == [
        (None, None),
        (None, 120),
        ("liked", None),
    ]


def test_corrected_redelivery_replaces_the_earlier_row_downstream(tmp_path: Path) -> None:
    con, _ = load_case(
        tmp_path, "engagement/redelivery_day1.csv", "engagement/redelivery_day2_corrected.csv"
    )
    # The dbt staging dedupe (macro latest_delivery): later load first, then later row.
    latest = rows(
        con,
        """
        select touchpoint_id, kind, sentiment from (
            select *, row_number() over (
                partition by touchpoint_id order by _load_id desc, _file_row_number desc
            ) as rank
            from raw.engagement
        ) where rank = 1 order by 1
        """,
    )
    assert latest == [
        ("G41", "meeting", "liked"),
        ("G42", "informal_meeting", "indifferent"),
        ("G43", "meeting", "liked"),
    ]


# --------------------------------------------------------------------------- the whole corpus


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    """Every corpus file dropped into one landing folder, run through Dagster."""
    from dagster import materialize

    from orchestration.defs.assets.ingestion import ingestion_assets
    from orchestration.defs.checks import reconciliation_checks
    from orchestration.defs.resources import build_resources

    root = tmp_path_factory.mktemp("corpus")
    landing = root / "landing"
    for source in SOURCES:
        shutil.copytree(CORPUS / source, landing / source)
    mp = pytest.MonkeyPatch()
    mp.setenv("CHS_DATA_DIR", str(root))
    mp.setenv("CHS_WAREHOUSE_PATH", str(root / "warehouse.duckdb"))
    mp.setenv("CHS_LANDING_DIR", str(landing))
    mp.setenv("CHS_INGESTION_CONFIG", str(CORPUS / "ingestion.toml"))
    (root / "home").mkdir()
    mp.setenv("DAGSTER_HOME", str(root / "home"))
    try:
        result = materialize(
            [*ingestion_assets, *reconciliation_checks],
            resources=build_resources(),
            raise_on_error=False,
        )
    finally:
        mp.undo()
    return root / "warehouse.duckdb", result


@pytest.mark.slow
def test_whole_corpus_runs_to_the_end_failing_only_sources_with_rejected_files(
    corpus_run: tuple[Path, object],
) -> None:
    _, result = corpus_run
    rejected = {Path(p).parts[0] for p, e in EXPECTED.items() if e["status"] == "rejected"}
    failed = {e.step_key for e in result.get_step_failure_events()}  # type: ignore[attr-defined]
    assert failed == {f"raw__{source}" for source in rejected}
    materialized = {
        e.asset_key.path[-1]
        for e in result.get_asset_materialization_events()  # type: ignore[attr-defined]
    }
    assert materialized == set(SOURCES) - rejected


@pytest.mark.slow
def test_whole_corpus_ledger_matches_the_expected_outcome_of_every_file(
    corpus_run: tuple[Path, object],
) -> None:
    warehouse, _ = corpus_run
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for relative, expected in EXPECTED.items():
            row = ledger(con, relative)
            assert row["status"] == expected["status"], relative
            if row["status"] != "loaded":
                assert row["error"] and Path(relative).name in row["error"], relative
                continue
            for key in ("rows_read", "rows_loaded", "rows_quarantined", "rows_flagged"):
                assert row[key] == expected[key], (relative, key)
            for key in ("encoding", "delimiter"):
                if key in expected:
                    assert row[key] == expected[key], (relative, key)
            reasons = dict(
                con.execute(
                    "select reason_code, count(distinct file_row_number)"
                    " from raw.load_quarantine where load_id = ? group by 1",
                    [row["load_id"]],
                ).fetchall()
            )
            assert reasons == expected["reasons"], relative


@pytest.mark.slow
def test_whole_corpus_ledger_reconciles_to_the_row_in_sql_and_in_the_asset_checks(
    corpus_run: tuple[Path, object],
) -> None:
    warehouse, result = corpus_run
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for source in SOURCES:
            assert reconcile(con, source) == [], source
    checks = result.get_asset_check_evaluations()  # type: ignore[attr-defined]
    assert checks and all(c.passed for c in checks)


@pytest.mark.slow
def test_whole_corpus_quarantine_explains_every_rejected_row(
    corpus_run: tuple[Path, object],
) -> None:
    warehouse, _ = corpus_run
    with duckdb.connect(str(warehouse), read_only=True) as con:
        unexplained = con.execute(
            """
            select file_path, file_row_number from raw.load_quarantine
            where column_name is null or reason_code is null or message is null
                or raw_record is null or length(message) < 10
            """
        ).fetchall()
        assert unexplained == []
        # Every row of every loaded file is in raw or in quarantine, never both, never neither.
        for source in SOURCES:
            missing = con.execute(
                f"""
                with seen as (
                    select _load_id as load_id, _file_row_number as row_number
                    from raw.{source}
                    union all
                    select distinct load_id, file_row_number from raw.load_quarantine
                    where source = ?
                )
                select ledger.file_path, ledger.rows_read, count(seen.row_number)
                from raw.load_ledger as ledger
                left join seen using (load_id)
                where ledger.source = ? and ledger.status = 'loaded'
                group by all
                having ledger.rows_read != count(seen.row_number)
                """,
                [source, source],
            ).fetchall()
            assert missing == [], source
