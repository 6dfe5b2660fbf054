"""Backtest: does the score predict churn? AUC over time, and churn lift by decile."""

import altair as alt
import streamlit as st

from orchestration.dashboard import data

data.header("Backtest")

auc = data.table(
    "select score_date, subject, metric_value as auc, observations, churned"
    " from health_backtest where analysis = 'auc' and score_date is not null"
    " and metric_value is not null order by score_date, subject"
)
deciles = data.table(
    "select cast(subject as integer) as decile, churn_rate, metric_value as lift, observations"
    " from health_backtest where analysis = 'decile' order by 1"
)
if auc.empty:
    st.warning(
        "No backtest day has its 90 days of follow-up yet: the AUC and the deciles appear once "
        "the history is longer than the churn horizon."
    )
else:
    overall = auc[auc["subject"] == "overall"]
    st.metric("Latest AUC of the overall score", f"{overall['auc'].iloc[-1]:.3f}")
    st.subheader("AUC over time")
    st.altair_chart(
        alt.Chart(auc)
        .mark_line(point=True)
        .encode(
            x=alt.X("score_date:T", title=None),
            y=alt.Y("auc:Q", scale=alt.Scale(domain=[0.3, 1]), title="AUC"),
            color=alt.Color("subject:N", title=None),
        )
        .properties(height=300),
        width="stretch",
    )
if not deciles.empty:
    st.subheader("Churn lift by score decile (1 = lowest scores)")
    st.altair_chart(
        alt.Chart(deciles)
        .mark_bar()
        .encode(x=alt.X("decile:O"), y=alt.Y("lift:Q", title="lift"))
        .properties(height=250),
        width="stretch",
    )
rows = data.table("select * from health_backtest order by analysis, score_date, subject")
st.subheader("All backtest rows")
st.caption(f"{len(rows):,} backtest rows")
st.dataframe(rows, hide_index=True, width="stretch")
