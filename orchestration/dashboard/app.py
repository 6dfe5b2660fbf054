"""Customer health dashboard for CS leads: `make dashboard` (127.0.0.1:8501).

Reads only the serving copy (data/serving/health.duckdb), which the pipeline publishes after
every check has passed.
"""

from pathlib import Path

import streamlit as st

PAGES = Path(__file__).parent / "pages"

st.set_page_config(page_title="Customer health", layout="wide")
navigation = st.navigation(
    [
        st.Page(PAGES / "overview.py", title="Overview", default=True),
        st.Page(PAGES / "at_risk.py", title="At risk", url_path="at_risk"),
        st.Page(PAGES / "customer.py", title="Customer", url_path="customer"),
        st.Page(PAGES / "alerts.py", title="Alerts", url_path="alerts"),
        st.Page(PAGES / "backtest.py", title="Backtest", url_path="backtest"),
    ]
)
navigation.run()
