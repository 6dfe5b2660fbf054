"""Overview: the score distribution in colours, and the segments with customers and MRR."""

import altair as alt
import streamlit as st

from orchestration.dashboard import data

data.header("Customer health")

health = data.table(
    "select customer_id, health_score, segment, health_color, mrr_reporting, reporting_currency"
    " from customer_health"
)
segments = data.table(
    "select segment, health_color, customers, customers_pct, total_mrr_reporting, avg_health_score,"
    " min_health_score, max_health_score from customer_segments order by segment_order"
)
at_risk = health[health["segment"] == "at_risk"]

first, second, third, fourth = st.columns(4)
first.metric("Customers scored", f"{len(health):,}")
second.metric("At risk", f"{len(at_risk):,}")
currency = health["reporting_currency"].iloc[0] if len(health) else ""
third.metric(f"MRR at risk ({currency})", f"{at_risk['mrr_reporting'].sum():,.0f}")
fourth.metric("Median score", f"{health['health_score'].median():.1f}")

st.subheader("Score distribution")
scored = health.dropna(subset=["health_score"])
colour_scale = alt.Scale(domain=list(data.COLOURS), range=list(data.COLOURS.values()))
chart = (
    alt.Chart(scored)
    .mark_bar()
    .encode(
        x=alt.X("health_score:Q", bin=alt.Bin(step=5), title="health score"),
        y=alt.Y("count():Q", title="customers"),
        color=alt.Color("health_color:N", scale=colour_scale, title="colour"),
    )
    .properties(height=280)
)
st.altair_chart(chart, width="stretch")

st.subheader("Segments")
left, right = st.columns(2)
charts = ((left, "customers", "customers"), (right, "total_mrr_reporting", f"MRR ({currency})"))
for column, measure, title in charts:
    column.altair_chart(
        alt.Chart(segments)
        .mark_bar()
        .encode(
            x=alt.X(f"{measure}:Q", title=title),
            y=alt.Y("segment:N", sort=list(segments["segment"]), title=None),
            color=alt.Color("health_color:N", scale=colour_scale, legend=None),
        )
        .properties(height=200),
        width="stretch",
    )
st.dataframe(segments, hide_index=True, width="stretch")
