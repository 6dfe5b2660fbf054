"""Property: whatever the dialect and whatever the values, every record of a file either loads
with the values it was written with or is quarantined for the reason it was built to break;
none vanishes.

Hypothesis writes invoices files with a random separator, quoting, line ending, encoding,
byte-order mark, compression, header spelling, decimal separator, thousands grouping, date
formats, blank lines and trailing separators, and values that are valid or broken on purpose.
"""

from __future__ import annotations

import csv
import gzip
import io
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestration.ingestion import load_source
from orchestration.ingestion.config import DEFAULT_NULL_VALUES, IngestionConfig

ENCODINGS = ("utf-8", "utf-8-sig", "latin-1", "cp1252", "utf-16")
# Words that only exist in the legacy encodings, written so that their bytes never happen to
# be valid UTF-8 (which would make the encoding undecidable, for any detector).
LEGACY_WORDS = {
    "latin-1": ["café", "ação", "niño", "Müller", "Øre", "façade"],
    "cp1252": ["“quoted”", "€ 10", "naïve—dash", "‘single’", "Straße"],
}
DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%SZ", "%d/%m/%Y", "%d.%m.%Y %H:%M", "epoch")
BAD_DATES = ("31/02/2024", "never", "2024-13-45", "tomorrow", "32.01.2024")
BAD_AMOUNTS = ("TBD", "abc", "1.2.3", "--5", "12a")
# Issue dates run to 2090: those later than this load time plus a day are future events.
LOAD_TIME = datetime(2060, 6, 30, 12, 0)
HEADERS = {
    "invoice_id": ("invoice_id", "Invoice ID", "INVOICE-ID"),
    "customer_id": ("customer_id", "Customer Id", "CustomerID"),
    "issued_at": ("issued_at", "Issued At"),
    "due_at": ("due_at", "Due_At"),
    "amount": ("amount", "Amount"),
    "status": ("status", "Status"),
}


@dataclass
class Row:
    invoice_id: str
    customer_id: str
    issued: tuple[str, datetime | None]  # text as written, value expected (None: invalid)
    due: tuple[str, datetime | None]
    amount: tuple[str, float | None]
    status: str


@dataclass
class Case:
    rows: list[Row]
    delimiter: str
    quoting: int
    newline: str
    encoding: str
    gzip: bool
    decimal: str
    group_thousands: bool
    headers: dict[str, str]
    blank_lines: list[bool]
    trailing_separator: bool


def duck_text(value: str) -> str | None:
    """What a text value loads as: trimmed, with empty strings and null markers as null."""
    value = value.strip(" ")
    return None if value in ("", *DEFAULT_NULL_VALUES) else value


@st.composite
def text_values(draw: st.DrawFn, encoding: str) -> str:
    if encoding in LEGACY_WORDS:
        ascii_part = st.text(
            alphabet=st.sampled_from(list("abc XYZ,;|\t\"'\\\n-0123456789")), max_size=6
        )
        words = draw(st.lists(st.sampled_from(LEGACY_WORDS[encoding]), max_size=2))
        return draw(ascii_part) + " ".join(words) + draw(ascii_part)
    return draw(
        st.text(
            alphabet=st.characters(
                categories=("L", "N", "P", "S"),
                include_characters=" \n\t,;|\"'\\",
                exclude_characters="\r\x85\u2028\u2029",
            ),
            max_size=12,
        )
    )


@st.composite
def timestamps(draw: st.DrawFn) -> tuple[str, datetime | None]:
    if draw(st.integers(0, 9)) == 0:
        return draw(st.sampled_from(BAD_DATES)), None
    fmt = draw(st.sampled_from(DATE_FORMATS))
    day = draw(st.dates(min_value=date(1975, 1, 1), max_value=date(2090, 12, 31)))
    seconds = draw(st.integers(0, 86399))
    moment = datetime(day.year, day.month, day.day) + timedelta(seconds=seconds)
    if fmt == "epoch":
        return str(int(moment.replace(tzinfo=UTC).timestamp())), moment
    if fmt == "%d/%m/%Y":
        moment = datetime(day.year, day.month, day.day)
    if fmt == "%d.%m.%Y %H:%M":
        moment = moment.replace(second=0)
    return moment.strftime(fmt), moment


def format_amount(value: Decimal, decimal: str, group: bool) -> str:
    sign = "-" if value < 0 else ""
    whole, fraction = f"{abs(value):.2f}".split(".")
    if group:
        groups = []
        while len(whole) > 3:
            whole, groups = whole[:-3], [whole[-3:], *groups]
        whole = ("." if decimal == "," else ",").join([whole, *groups])
    return f"{sign}{whole}{decimal}{fraction}"


@st.composite
def cases(draw: st.DrawFn) -> Case:
    encoding = draw(st.sampled_from(ENCODINGS))
    decimal = draw(st.sampled_from([",", "."]))
    group = draw(st.booleans())
    rows = []
    for n in range(draw(st.integers(1, 25))):
        roll = draw(st.integers(0, 9))
        if roll == 0:
            amount: tuple[str, float | None] = (draw(st.sampled_from(BAD_AMOUNTS)), None)
        elif roll == 1:
            amount = ("", None)
        else:
            cents = draw(st.integers(-100_000_000, 100_000_000))
            value = Decimal(cents) / 100
            amount = (format_amount(value, decimal, group), float(value))
        rows.append(
            Row(
                invoice_id=f"INV-{n:03d}",
                customer_id=draw(st.one_of(st.just(""), text_values(encoding))),
                issued=draw(timestamps()),
                due=draw(timestamps()),
                amount=amount,
                status=draw(text_values(encoding)),
            )
        )
    return Case(
        rows=rows,
        delimiter=draw(st.sampled_from([",", ";", "\t", "|"])),
        quoting=draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL])),
        newline=draw(st.sampled_from(["\n", "\r\n"])),
        encoding=encoding,
        gzip=draw(st.booleans()),
        decimal=decimal,
        group_thousands=group,
        headers={k: draw(st.sampled_from(v)) for k, v in HEADERS.items()},
        blank_lines=[draw(st.booleans()) for _ in rows],
        trailing_separator=draw(st.booleans()),
    )


def write(case: Case, folder: Path) -> Path:
    buffer = io.StringIO(newline="")
    writer = csv.writer(
        buffer, delimiter=case.delimiter, quoting=case.quoting, lineterminator=case.newline
    )
    tail = [""] if case.trailing_separator else []
    writer.writerow([*case.headers.values(), *tail])
    for row, blank in zip(case.rows, case.blank_lines, strict=True):
        writer.writerow(
            [
                row.invoice_id,
                row.customer_id,
                row.issued[0],
                row.due[0],
                row.amount[0],
                row.status,
                *tail,
            ]
        )
        if blank:
            buffer.write(case.newline)
    data = buffer.getvalue().encode(case.encoding)
    name = "invoices.csv.gz" if case.gzip else "invoices.csv"
    path = folder / "invoices" / name
    path.parent.mkdir(parents=True)
    path.write_bytes(gzip.compress(data, mtime=0) if case.gzip else data)
    return path


def expected_reasons(row: Row) -> set[str]:
    reasons = set()
    if duck_text(row.customer_id) is None:
        reasons.add("missing_required_value")
    if row.issued[1] is None or row.due[1] is None:
        reasons.add("invalid_timestamp")
    if row.issued[1] is not None and row.issued[1] > LOAD_TIME + timedelta(hours=24):
        reasons.add("future_timestamp")
    if row.amount[0] == "":
        reasons.add("missing_required_value")
    elif row.amount[1] is None:
        reasons.add("invalid_number")
    return reasons


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(case=cases())
def test_random_dialects_and_values_either_load_or_quarantine_never_vanish(case: Case) -> None:
    with tempfile.TemporaryDirectory() as folder:
        landing = Path(folder) / "landing"
        write(case, landing)
        con = duckdb.connect()
        report = load_source(con, "invoices", landing, IngestionConfig(), load_time=LOAD_TIME)
        (file,) = report.files
        assert file.status == "loaded", file.error
        assert file.rows_read == len(case.rows)
        assert file.rows_loaded + file.rows_quarantined == file.rows_read
        # Empty lines between records count as blank; line ends inside quoted values do not.
        rows_blank = con.execute("select rows_blank from raw.load_ledger").fetchone()[0]
        assert rows_blank == sum(case.blank_lines)

        loaded = {
            r[0]: r[1:]
            for r in con.execute(
                "select invoice_id, customer_id, issued_at, due_at, amount, status,"
                " _file_row_number from raw.invoices"
            ).fetchall()
        }
        quarantined: dict[int, set[str]] = {}
        for number, reason in con.execute(
            "select file_row_number, reason_code from raw.load_quarantine"
        ).fetchall():
            quarantined.setdefault(number, set()).add(reason)

        for number, row in enumerate(case.rows, start=1):
            reasons = expected_reasons(row)
            if reasons:
                assert row.invoice_id not in loaded
                assert quarantined.get(number) == reasons, (row, quarantined.get(number))
                continue
            assert number not in quarantined, (row, quarantined[number])
            customer, issued, due, amount, status, row_number = loaded[row.invoice_id]
            assert row_number == number
            assert customer == duck_text(row.customer_id)
            assert (issued, due) == (row.issued[1], row.due[1])
            assert amount == pytest.approx(row.amount[1])
            assert status == duck_text(row.status)
