"""What the dashboard reads: the serving copy only, never the working warehouse.

Each read opens the serving file read-only and closes it at once, so the pipeline can replace
the file at any time; results are cached per version of the file (its inode and mtime), so a new
publication shows on the next rerun without a restart.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pandas as pd
import streamlit as st

# DIMENSIONS is re-exported: the pages read the dimension list through this module.
from orchestration.reports.queries import DIMENSIONS as DIMENSIONS
from orchestration.reports.queries import at_risk, columns_of, why
from orchestration.serving import connect_serving, serving_path

COLOURS: dict[str, str] = {
    "red": "#d62728",
    "yellow": "#f2b705",
    "green": "#2ca02c",
    "grey": "#9e9e9e",
}


def version() -> tuple[str, int, int]:
    """Identifies one publication: the cache key of every read below."""
    path = serving_path()
    if not path.is_file():
        st.error(
            f"No serving copy at {path}. Run `make run` (or materialise the serving_copy asset)."
        )
        st.stop()
    stat = os.stat(path)
    return str(path), stat.st_ino, stat.st_mtime_ns


@st.cache_data(max_entries=64, show_spinner=False)
def query(key: tuple[str, int, int], sql: str, params: tuple = ()) -> pd.DataFrame:
    with connect_serving(Path(key[0])) as con:
        return con.execute(sql, list(params)).df()


def table(sql: str, params: tuple = ()) -> pd.DataFrame:
    return query(version(), sql, params)


@st.cache_data(max_entries=64, show_spinner=False)
def _at_risk(key: tuple[str, int, int], csm: str | None, plan: str | None) -> pd.DataFrame:
    with connect_serving(Path(key[0])) as con:
        return at_risk(con, csm=csm, plan=plan)


def at_risk_list(csm: str | None = None, plan: str | None = None) -> pd.DataFrame:
    return _at_risk(version(), csm, plan)


@st.cache_data(max_entries=256, show_spinner=False)
def _why(key: tuple[str, int, int], customer_id: str, days: int) -> list[str]:
    with connect_serving(Path(key[0])) as con:
        return why(con, customer_id, days)


def why_sentences(customer_id: str, days: int) -> list[str]:
    return _why(version(), customer_id, days)


@st.cache_data(max_entries=8, show_spinner=False)
def _columns(key: tuple[str, int, int], name: str) -> list[str]:
    with connect_serving(Path(key[0])) as con:
        return columns_of(con, name)


def columns(name: str) -> list[str]:
    return _columns(version(), name)


def as_of() -> str:
    frame = table("select cast(max(as_of_date) as varchar) as as_of from customer_health")
    return str(frame["as_of"].iloc[0])


def to_excel(frame: pd.DataFrame, sheet: str) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, sheet_name=sheet, index=False)
    return buffer.getvalue()


def header(title: str) -> None:
    st.title(title)
    st.caption(f"Serving copy {serving_path()} · scores as of {as_of()}")
