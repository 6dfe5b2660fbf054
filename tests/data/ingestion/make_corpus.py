"""Write the ingestion corpus: small, real-looking exports with the faults real exports have.

The files are committed; this script documents how the binary ones (gzip, UTF-16, Latin-1,
Windows-1252, Parquet) were made and rewrites them byte for byte:
`.venv/bin/python tests/data/ingestion/make_corpus.py`. `expected.toml` beside it says what
loading each file must give, and `README.md` lists the cases.
"""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent


def write(
    relative: str, content: str | bytes, encoding: str = "utf-8", newline: str = "\n"
) -> Path:
    path = HERE / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.replace("\n", newline).encode(encoding)
    path.write_bytes(content)
    return path


def gz(text: str) -> bytes:
    # mtime=0 keeps the bytes the same from one run of this script to the next.
    return gzip.compress(text.encode("utf-8"), mtime=0)


def customers() -> None:
    write(
        "customers/hubspot_export_utf8_bom.csv",
        "\ufeffCustomer ID,Customer Name,Plan,Industry,Country,CSM Owner,Seats Purchased,"
        "Created At\n"
        "C101,Müller Logistik GmbH,growth,Logistics,DE,Ana Souza,25,2024-01-15T09:30:00Z\n"
        "C102,São Paulo Têxtil Ltda,starter,Retail,BR,,5,2024-02-01T00:00:00Z\n"
        'C103,"Łódź Software, S.A.",enterprise,Software,PL,Piotr Nowak,120,2023-11-30T17:45:10Z\n'
        "C104,Smørrebrød ApS,starter,Food,DK,Ana Souza,3,2024-03-05\n",
        newline="\r\n",
    )
    write(
        "customers/crm_report_with_title_lines.csv",
        "Customer report\n"
        "Generated: 01.03.2024 08:00 by admin\n"
        "\n"
        "customer_id;customer_name;plan;country;seats_purchased;created_at\n"
        "C201;Acme Iberia;growth;ES;10;15.01.2024\n"
        "C202;Globex Polska;starter;PL;4;02.02.2024 14:30\n"
        "C203;Initech France;enterprise;FR;250;30.11.2023\n",
    )
    write(
        "customers/excel_trailing_separators.csv",
        "customer_id;plan;created_at;\n"
        "C301;starter;01/02/2024;\n"
        "C302;growth;15/02/2024;\n"
        "C303;enterprise;29/02/2024;\n"
        ";;;\n"
        ";;;\n",
        newline="\r\n",
    )
    write(
        "customers/missing_plan_column.csv",
        "customer_id,customer_name,created_at\nC401,Nakatomi Trading,2024-01-02\n",
    )
    write(
        "customers/duplicate_customer_id_headers.csv",
        "Customer ID,customer_id,plan,created_at\nC501,C501,starter,2024-01-02\n",
    )
    workbook = io.BytesIO()
    with zipfile.ZipFile(workbook, "w") as archive:
        info = zipfile.ZipInfo("[Content_Types].xml", date_time=(2024, 1, 1, 0, 0, 0))
        archive.writestr(info, "<Types/>")
    write("customers/accounts.xlsx", workbook.getvalue())
    write("customers/renamed_workbook.csv", workbook.getvalue())
    write(
        "customers/headerless_legacy_export.txt",
        "C601|Wayne Enterprises|enterprise|2022-06-01\nC602|Stark Industries|growth|2022-07-15\n",
    )
    write(
        "customers/seats_not_numbers.csv",
        "customer_id,plan,seats_purchased,created_at\n"
        "C701,starter,12,2024-01-02\n"
        "C702,starter,twelve,2024-01-02\n"
        "C703,growth,12.5,2024-01-02\n"
        "C704,growth,-3,2024-01-02\n"
        "C705,starter,,2024-01-02\n"
        "C706,starter,NULL,2024-01-02\n",
    )


def subscriptions() -> None:
    write(
        "subscriptions/facturacion_es_latin1.csv",
        "id_suscripcion;subscription_id;customer_id;plan;mrr;currency;started_at;ends_at;"
        "is_renewal;cancellation_reason\n"
        "ES-1;S801;C101;growth;1.234,50;EUR;01/01/2024;01/02/2024;sí;\n"
        "ES-2;S802;C102;starter;99,90;EUR;15/01/2024;15/02/2024;no;Cambió a la competencia\n"
        "ES-3;S803;C103;enterprise;-10,00;EUR;01/01/2024;01/01/2025;no;\n"
        "ES-4;S804;C104;starter;49,00;EUR;01/03/2024;01/02/2024;Sí;Año fiscal\n",
        encoding="latin-1",
        newline="\r\n",
    )
    write(
        "subscriptions/mixed_date_formats.csv",
        "subscription_id,customer_id,mrr,started_at\n"
        "S901,C101,100,2024-01-05\n"
        "S902,C101,100,05/01/2024\n"
        "S903,C101,100,05.01.2024 14:30\n"
        "S904,C101,100,2024-01-05T10:00:00+01:00\n"
        "S905,C101,100,1704448800\n"
        "S906,C101,100,1704448800000\n"
        "S907,C101,100,2024/01/05 09:00:00\n",
    )
    con = duckdb.connect()
    part1 = HERE / "subscriptions/billing_part1.parquet"
    con.execute(
        f"""
        copy (
            select * from (values
                ('S1001', 'C101', 'growth', 249.50::decimal(10, 2), 'USD',
                 timestamp '2024-01-01 00:00:00', 'active', true),
                ('S1002', 'C102', 'starter', 49.00::decimal(10, 2), 'USD',
                 timestamp '2024-02-01 00:00:00', 'active', false),
                ('S1003', 'C103', 'enterprise', 1999.99::decimal(10, 2), 'USD',
                 timestamp '2023-12-01 00:00:00', 'cancelled', true)
            ) as t(subscription_id, customer_id, plan, mrr, currency, started_at, status,
                   is_renewal)
        ) to '{part1}' (format parquet)
        """
    )
    part2 = HERE / "subscriptions/billing_part2.parquet"
    con.execute(
        f"""
        copy (
            select * from (values
                ('S1004', 'C104', '99.90', '2024-03-01T00:00:00+02:00', 1, 12.5,
                 {{'source': 'upgrade', 'seats': 5}}),
                ('S1005', 'C101', 'abc', '2024-03-02T00:00:00Z', 0, null,
                 {{'source': 'import', 'seats': 1}}),
                ('S1006', 'C102', '10', '2024-03-03', null, 0.0,
                 {{'source': 'api', 'seats': 2}})
            ) as t(subscription_id, customer_id, mrr, started_at, is_renewal, discount_pct,
                   origin)
        ) to '{part2}' (format parquet)
        """
    )
    truncated = part1.read_bytes()
    write("subscriptions/truncated_download.parquet", truncated[: len(truncated) // 2])


def product_usage() -> None:
    write(
        "product_usage/events_pipe_separated.txt",
        "event_id|customer_id|user_id|feature|occurred_at|quantity\n"
        "E1|C101|U1|reports|2024-03-01 10:00:00|1\n"
        "E2|C101|U2|dashboards|2024-03-01 11:00:00|3\n"
        "E3|C102|U3|api|2024-03-02 12:00:00|250\n"
        "E4|C102||exports|2024-03-02 13:00:00|\n",
    )
    write(
        "product_usage/events_epoch_seconds.csv",
        "event_id,customer_id,feature,occurred_at,quantity\n"
        "E11,C101,reports,1709287200,1\n"
        "E12,C101,reports,1709290800,1\n"
        "E13,C102,api,1709294400000,5\n"
        "E14,C102,api,1709298000.5,5\n",
    )
    write(
        "product_usage/events_2024-03.csv.gz",
        gz(
            "event_id,customer_id,user_id,feature,occurred_at,quantity\n"
            "E21,C101,U1,reports,2024-03-03 09:00:00,1\n"
            "E22,C101,U1,alerts,2024-03-03 09:05:00,2\n"
            "E23,C103,U7,api,2024-03-03 10:00:00,40\n"
            "E24,C103,U8,api,2024-03-03 10:30:00,41\n"
            "E25,C104,U9,reports,2024-03-04 08:00:00,1\n"
        ),
    )
    write(
        "product_usage/events_missing_keys.csv",
        "event_id,customer_id,feature,occurred_at\n"
        "E31,C101,reports,2024-03-05 10:00:00\n"
        ",C101,reports,2024-03-05 10:01:00\n"
        "E33,,reports,2024-03-05 10:02:00\n"
        "E34,C102,NULL,2024-03-05 10:03:00\n"
        "E35,C102,api,2024-03-05 10:04:00\n",
    )
    write(
        "product_usage/events_future_dated.csv",
        "event_id,customer_id,feature,occurred_at\n"
        "E51,C101,reports,2024-03-07 10:00:00\n"
        "E52,C101,reports,2099-01-01\n"
        "E53,C102,api,2024-03-07 10:02:00\n",
    )
    write(
        "product_usage/events_ragged_rows.csv",
        "event_id,customer_id,user_id,feature,occurred_at,quantity\n"
        "E41,C101,U1,reports,2024-03-06 10:00:00,1\n"
        "E42,C101,U1,Mozilla/5.0 (X11, Linux),2024-03-06 10:01:00,1\n"
        "E43,C101,U1,reports,2024-03-06 10:02:00\n"
        "E44,C102,U2,api,2024-03-06 10:03:00,2\n"
        "E45,C102,U2,api,2024-03-06 10:04:00,2\n"
        "E46,C102,U2,api,2024-03-06 10:05:00,2\n",
    )
    duplicate = (
        "event_id,customer_id,feature,occurred_at\n"
        "E51,C101,reports,2024-03-07 10:00:00\n"
        "E52,C101,reports,2024-03-07 10:05:00\n"
    )
    write("product_usage/events_duplicate.csv", duplicate)
    write("product_usage/events_duplicate_copy.csv", duplicate)
    write(
        "product_usage/events_unterminated_quote.csv",
        "event_id,customer_id,feature,occurred_at\n"
        "E61,C101,reports,2024-03-08 10:00:00\n"
        "E62,C101,reports,2024-03-08 10:05:00\n"
        'E63,C101,"reports,2024-03-08 10:10:00\n'
        "E64,C101,reports,2024-03-08 10:15:00\n",
    )


def support_tickets() -> None:
    write(
        "support_tickets/zendesk_unicode_text.txt",
        "Ticket ID\tCustomer ID\tOpened At\tPriority\tStatus\tCSAT\tChannel\n"
        "T1\tC101\t2024-03-01 09:00:00\thigh\tsolved\t5\temail\n"
        "T2\tC102\t2024-03-02 10:00:00\turgent\topen\t\tchat\n"
        "T3\tC103\t2024-03-03 11:00:00\tlow\tsolved\t4\tphone — callback\n",
        encoding="utf-16",
        newline="\r\n",
    )
    write(
        "support_tickets/helpdesk_iso_offsets.csv",
        "ticket_id,customer_id,opened_at,first_response_at,resolved_at\n"
        "T11,C101,2024-03-01T10:00:00+02:00,2024-03-01T08:30:00Z,2024-03-01T12:00:00-03:00\n"
        "T12,C101,2024-03-01T10:00:00.250Z,2024-03-01 10:30:00,\n"
        "T13,C102,2024-03-01 10:00:00+0530,2024-03-01 05:00:00+00:00,\n"
        "T14,C102,2024-03-01T10:00:00-0300,,2024-03-02T10:00:00-03:00\n",
    )
    write(
        "support_tickets/csat_out_of_range.csv",
        "ticket_id,customer_id,opened_at,resolved_at,reopen_count,csat\n"
        "T21,C101,2024-03-01 10:00:00,2024-03-02 10:00:00,0,5\n"
        "T22,C101,2024-03-01 10:00:00,2024-03-02 10:00:00,1,7\n"
        "T23,C102,2024-03-01 10:00:00,2024-03-02 10:00:00,0,0\n"
        "T24,C102,2024-03-05 10:00:00,2024-03-02 10:00:00,0,4\n"
        "T25,C103,2024-03-01 10:00:00,,-1,\n",
    )


def surveys() -> None:
    write(
        "surveys/typeform_comments_multiline.csv",
        "response_id,customer_id,responded_at,kind,score,touchpoint,comment\n"
        'R1,C101,2024-03-01 10:00:00,nps,9,product,"Great tool.\nReports, though, are slow."\n'
        "R2,C102,2024-03-01 11:00:00,csat,2,support,"
        '"Agent said ""we will call back"" — never did."\n'
        "R3,C103,2024-03-01 12:00:00,thumbs,1,onboarding,\n"
        'R4,C104,2024-03-01 13:00:00,emoji,5,billing,"Line one\n\nLine three 😀"\n',
    )
    write(
        "surveys/nps_out_of_scale.csv",
        "response_id,customer_id,responded_at,kind,score\n"
        "R11,C101,2024-03-01 10:00:00,nps,11\n"
        "R12,C101,2024-03-01 10:00:00,CSAT,0\n"
        "R13,C102,2024-03-01 10:00:00,thumbs,2\n"
        "R14,C102,2024-03-01 10:00:00,emoji,5\n"
        "R15,C103,2024-03-01 10:00:00,ces,6\n"
        "R16,C103,2024-03-01 10:00:00,nps,-1\n",
    )
    write(
        "surveys/responses.jsonl",
        '{"response_id": "R21", "customer_id": "C101", "responded_at": "2024-03-01T10:00:00Z",'
        ' "kind": "nps", "score": 10, "answers": {"q1": "yes", "q2": [1, 2]}}\n'
        '{"response_id": "R22", "customer_id": "C102", "responded_at": "2024-03-01T11:00:00Z",'
        ' "kind": "csat", "score": "4", "meta": {"browser": "Firefox", "utm": null}}\n'
        "\n"
        '{"response_id": "R23", "customer_id": "C103", "responded_at": "2024-03-01T12:00:00Z",'
        ' "kind": "nps", "sco\n'
        "[1, 2, 3]\n"
        '{"Response ID": "R25", "Customer ID": "C104", "Responded At": "01/03/2024",'
        ' "Kind": "rating", "Score": 4.0}\n'
        '{"response_id": "R26", "customer_id": "C104", "responded_at": 1709290800,'
        ' "kind": "thumbs", "score": 0, "comment": "meh"}\n',
    )
    write(
        "surveys/mysql_dump_backslash_escapes.csv",
        "response_id,customer_id,responded_at,kind,score,comment\n"
        '"R31","C101","2024-03-01 10:00:00","nps","8","She said \\"fine\\""\n'
        '"R32","C102","2024-03-01 10:00:00","csat","3","Slow, but \\"ok\\""\n'
        '"R33","C103","2024-03-01 10:00:00","nps","10","\\"Best\\" tool"\n',
    )
    write(
        "surveys/responses_2024.json",
        "[\n"
        '  {"response_id": "R41", "customer_id": "C101", "responded_at": "2024-04-01",'
        ' "kind": "nps", "score": 7},\n'
        '  {"response_id": "R42", "customer_id": "C102", "responded_at": "2024-04-02",'
        ' "kind": "rating", "score": 5, "extra": {"device": "ios"}}\n'
        "]\n",
    )


def invoices() -> None:
    write(
        "invoices/faturas_ptbr_cp1252.csv",
        "Fatura;Cliente;invoice_id;customer_id;issued_at;due_at;paid_at;amount;currency;status;"
        "Observação\n"
        "F-1;Têxtil;I101;C102;05/03/2024;20/03/2024;18/03/2024;R$ 1.234,56;BRL;paid;"
        "“Pago via PIX”\n"
        "F-2;Têxtil;I102;C102;05/04/2024;20/04/2024;;R$ 99,90;BRL;open;Cobrança — 2ª via\n"
        "F-3;Açaí & Cia;I103;C101;10/03/2024;25/03/2024;;€ 1.000,00;EUR;failed;"
        "Cartão recusado\n"
        "F-4;Açaí & Cia;I104;C101;10/04/2024;25/04/2024;30/04/2024;R$ 12,5;BRL;paid;\n",
        encoding="cp1252",
        newline="\r\n",
    )
    write(
        "invoices/faktury_pl_spaces.csv",
        "invoice_id;customer_id;issued_at;due_at;amount;currency;status\n"
        "FV/2024/03/01;C103;01.03.2024;15.03.2024;1\u00a0234,50;PLN;paid\n"
        "FV/2024/03/02;C103;02.03.2024;16.03.2024;12 000,00 zł;PLN;open\n"
        "FV/2024/03/03;C103;03.03.2024;17.03.2024;-200,00;PLN;refunded\n",
    )
    write(
        "invoices/amounts_not_numeric.csv",
        "invoice_id,customer_id,issued_at,due_at,amount,currency\n"
        "I201,C101,2024-03-01,2024-03-15,TBD,USD\n"
        'I202,C101,2024-03-01,2024-03-15,"12,34,56",USD\n'
        'I203,C101,2024-03-01,2024-03-15,"1,234.50",USD\n'
        "I204,C101,2024-03-01,2024-03-15,€12.00,EUR\n"
        "I205,C101,2024-03-01,2024-03-15,,USD\n"
        "I206,C101,2024-03-01,2024-03-15,-50.00,USD\n",
    )
    write(
        "invoices/bad_dates.csv",
        "invoice_id,customer_id,issued_at,due_at,amount\n"
        "I301,C101,31/02/2024,2024-03-15,10\n"
        "I302,C101,yesterday,2024-03-15,10\n"
        "I303,C101,2024-13-01,2024-03-15,10\n"
        "I304,C101,01/02/24,2024-03-15,10\n"
        "I305,C101,1899-12-31,2024-03-15,10\n"
        "I306,C101,2024-02-29,2024-03-15,10\n",
    )
    write(
        "invoices/us_dates_month_first.csv",
        "invoice_id,customer_id,issued_at,due_at,amount\n"
        'I401,C101,03/04/2024,04/03/2024,"1,234.00"\n'
        "I402,C101,12/31/2024,01/30/2025,10.00\n",
    )


def engagement() -> None:
    write(
        "engagement/blank_lines_everywhere.csv",
        "\n\n"
        "touchpoint_id,customer_id,occurred_at,kind,sentiment\n"
        "G1,C101,2024-03-01 10:00:00,webinar_attended,liked\n"
        "\n"
        "   \n"
        "G2,C101,2024-03-02 10:00:00,email_opened,\n"
        "\n"
        "G3,C102,2024-03-03 10:00:00,meeting,indifferent\n"
        "\n\n",
    )
    write(
        "engagement/touchpoints.jsonl.gz",
        gz(
            '{"touchpoint_id": "G11", "customer_id": "C101", "occurred_at": "2024-03-01 10:00:00",'
            ' "kind": "training_completed"}\n'
            '{"touchpoint_id": "G12", "customer_id": "C102", "occurred_at": "2024-03-01 11:00:00",'
            ' "kind": "community_post", "detail_length": 240, "tags": ["a", "b"]}\n'
            '{"touchpoint_id": "G13", "customer_id": "C103", "occurred_at": "2024-03-01 12:00:00",'
            ' "kind": "like"}\n'
        ),
    )
    header = "touchpoint_id,customer_id,occurred_at,kind,sentiment\n"
    write(
        "engagement/mixed_utf8_and_latin1.csv",
        header.encode()
        + "G21,C101,2024-03-01 10:00:00,meeting,liked — très bien\n".encode()
        + "G22,C101,2024-03-01 11:00:00,webinar_attended,café\n".encode()
        + "G23,C102,2024-03-01 12:00:00,meeting,não gostei\n".encode("latin-1")
        + "G24,C102,2024-03-01 13:00:00,like,ótimo\n".encode(),
    )
    write("engagement/empty_export.csv", b"")
    write("engagement/header_only.csv", header)
    write(
        "engagement/null_markers.csv",
        "touchpoint_id,customer_id,occurred_at,kind,sentiment,detail_length\n"
        "G31,C101,2024-03-01 10:00:00,comment,N/A,NULL\n"
        "G32,C101,2024-03-01 11:00:00,comment,#N/A,120\n"
        "G33,C102,2024-03-01 12:00:00,comment,liked,\n",
    )
    write(
        "engagement/redelivery_day1.csv",
        header + "G41,C101,2024-03-01 10:00:00,meeting,liked\n"
        "G42,C101,2024-03-02 10:00:00,meeting,wasted_time\n",
    )
    write(
        "engagement/redelivery_day2_corrected.csv",
        header + "G42,C101,2024-03-02 10:00:00,informal_meeting,indifferent\n"
        "G43,C102,2024-03-03 10:00:00,meeting,liked\n",
    )


if __name__ == "__main__":
    customers()
    subscriptions()
    product_usage()
    support_tickets()
    surveys()
    invoices()
    engagement()
