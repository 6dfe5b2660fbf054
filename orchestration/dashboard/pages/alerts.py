"""Alerts: score drops and moves into at_risk, newest first."""

import streamlit as st

from orchestration.dashboard import data

data.header("Alerts")

alerts = data.table(
    "select first_seen_date, customer_id, alert_kind, reason, primary_driver, segment,"
    " health_score, score_change_7d, mrr_reporting from health_alerts"
    " order by first_seen_date desc, mrr_reporting desc nulls last, customer_id"
)
kinds = st.multiselect("Kind", sorted(alerts["alert_kind"].unique()), default=None, key="kinds")
shown = alerts[alerts["alert_kind"].isin(kinds)] if kinds else alerts
latest = alerts["first_seen_date"].max() if len(alerts) else None
st.metric("Alerts", f"{len(shown):,}", f"{(shown['first_seen_date'] == latest).sum()} on {latest}")
st.caption(f"{len(shown):,} alerts shown, newest first")
st.dataframe(shown, hide_index=True, width="stretch")
