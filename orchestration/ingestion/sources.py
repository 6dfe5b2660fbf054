"""The landing contract: every source, its columns, their types, which are required, its key,
and the row checks ingestion applies beyond typing.

One place for it: ingestion types and checks rows with it, and a test checks that the dbt
sources YAML documents the same columns.
"""

from __future__ import annotations

from dataclasses import dataclass

# Logical column types; ingestion maps each to a DuckDB type and a parsing rule.
TEXT = "text"
INTEGER = "integer"
NUMBER = "number"
BOOLEAN = "boolean"
TIMESTAMP = "timestamp"

DUCKDB_TYPES = {
    TEXT: "VARCHAR",
    INTEGER: "BIGINT",
    NUMBER: "DOUBLE",
    BOOLEAN: "BOOLEAN",
    TIMESTAMP: "TIMESTAMP",
}


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = TEXT
    required: bool = False
    # A timestamp that records something that already happened (an event, a payment, a
    # response): later than the load time plus a tolerance, it is a clock or entry error and
    # the row is quarantined as `future_timestamp`. Dates that are legitimately ahead (a due
    # date, the end of a term, the start of a signed renewal) are not events.
    event: bool = False


# What a broken check does to the row: keep it out of raw (quarantine) or load it and record a
# flag in raw.load_flags. docs/ingestion.md gives the reason for each choice.
QUARANTINE = "quarantine"
FLAG = "flag"


@dataclass(frozen=True)
class Check:
    """A rule on a typed row. `violated` is SQL over the row's typed columns, written as
    `{column}` placeholders, that is true when the row breaks the rule."""

    column: str
    reason_code: str
    action: str
    violated: str
    message: str


@dataclass(frozen=True)
class Source:
    name: str
    key: str
    columns: tuple[Column, ...]
    description: str
    checks: tuple[Check, ...] = ()
    # (kind column, score column) when scores are checked against the survey scales seed.
    scored_by: tuple[str, str] | None = None

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def events(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.event)


def _c(name: str, kind: str = TEXT, required: bool = False) -> Column:
    return Column(name, kind, required)


def _event(name: str, required: bool = False) -> Column:
    return Column(name, TIMESTAMP, required, event=True)


def _not_negative(column: str, action: str = QUARANTINE) -> Check:
    reason = "negative_amount" if action == FLAG else "negative_value"
    return Check(column, reason, action, f"{{{column}}} < 0", "is negative")


def _not_before(column: str, start: str) -> Check:
    return Check(
        column,
        "timestamps_out_of_order",
        FLAG,
        f"{{{column}}} < {{{start}}}",
        f"is before {start}",
    )


SOURCES: dict[str, Source] = {
    s.name: s
    for s in (
        Source(
            "customers",
            "customer_id",
            (
                _c("customer_id", required=True),
                _c("customer_name"),
                _c("plan", required=True),
                _c("industry"),
                _c("country"),
                _c("csm_owner"),
                _c("seats_purchased", INTEGER),
                _event("created_at", required=True),
            ),
            "One record per customer account, from the CRM.",
            checks=(_not_negative("seats_purchased"),),
        ),
        Source(
            "subscriptions",
            "subscription_id",
            (
                _c("subscription_id", required=True),
                _c("customer_id", required=True),
                _c("plan"),
                _c("mrr", NUMBER, required=True),
                _c("currency"),
                # A signed renewal or a new contract may start after the load: not an event.
                _c("started_at", TIMESTAMP, required=True),
                _c("ends_at", TIMESTAMP),
                _c("status"),
                _c("is_renewal", BOOLEAN),
                _event("cancelled_at"),
                _c("cancellation_reason"),
            ),
            "One record per contract period of a customer, from billing.",
            checks=(
                _not_negative("mrr"),
                _not_before("ends_at", "started_at"),
                _not_before("cancelled_at", "started_at"),
            ),
        ),
        Source(
            "product_usage",
            "event_id",
            (
                _c("event_id", required=True),
                _c("customer_id", required=True),
                _c("user_id"),
                _c("feature", required=True),
                _event("occurred_at", required=True),
                _c("quantity", NUMBER),
            ),
            "One record per product usage event.",
            checks=(_not_negative("quantity"),),
        ),
        Source(
            "support_tickets",
            "ticket_id",
            (
                _c("ticket_id", required=True),
                _c("customer_id", required=True),
                _event("opened_at", required=True),
                _event("first_response_at"),
                _event("resolved_at"),
                _c("priority"),
                _c("status"),
                _c("reopen_count", INTEGER),
                _c("csat", NUMBER),
                _c("channel"),
            ),
            "One record per support ticket, from the help desk.",
            checks=(
                _not_negative("reopen_count"),
                Check(
                    "csat",
                    "score_out_of_range",
                    QUARANTINE,
                    "{csat} not between 1 and 5",
                    "is outside the CSAT scale 1-5",
                ),
                _not_before("first_response_at", "opened_at"),
                _not_before("resolved_at", "opened_at"),
            ),
        ),
        Source(
            "surveys",
            "response_id",
            (
                _c("response_id", required=True),
                _c("customer_id", required=True),
                _event("responded_at", required=True),
                _c("kind", required=True),
                _c("score", NUMBER, required=True),
                _c("touchpoint"),
                _c("comment"),
            ),
            "One record per survey response (NPS, CSAT, thumbs, emoji, rating, CSM pulse).",
            scored_by=("kind", "score"),
        ),
        Source(
            "invoices",
            "invoice_id",
            (
                _c("invoice_id", required=True),
                _c("customer_id", required=True),
                _event("issued_at", required=True),
                _c("due_at", TIMESTAMP, required=True),
                _event("paid_at"),
                _c("amount", NUMBER, required=True),
                _c("currency"),
                _c("status"),
            ),
            "One record per invoice, from billing.",
            # A negative invoice is a credit note: real, so it loads, with a flag.
            checks=(_not_negative("amount", FLAG), _not_before("due_at", "issued_at")),
        ),
        Source(
            "engagement",
            "touchpoint_id",
            (
                _c("touchpoint_id", required=True),
                _c("customer_id", required=True),
                _event("occurred_at", required=True),
                _c("kind", required=True),
                _c("sentiment"),
                _c("detail_length", INTEGER),
            ),
            "One record per engagement touchpoint (webinar, training, email, meeting, post...).",
            checks=(_not_negative("detail_length"),),
        ),
    )
}
