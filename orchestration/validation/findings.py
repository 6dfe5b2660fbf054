"""Warehouse findings reported as warnings, not suites: currencies without an exchange rate."""

from __future__ import annotations

import duckdb

MISSING_FX_RATES_SQL = """
    select source_table, currency, customers, first_missing_date, last_missing_date,
        score_days_missing
    from intermediate.int_fx__missing_rates
    order by source_table, currency
"""


def missing_fx_rates(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Currencies in use without an `fx_rates` row on some score date (int_fx__missing_rates)."""
    return con.execute(MISSING_FX_RATES_SQL).fetchall()
