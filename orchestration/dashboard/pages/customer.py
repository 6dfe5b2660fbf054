"""One customer: sub-score history, the explained 7 and 30-day change, the driver sentence."""

import altair as alt
import pandas as pd
import streamlit as st

from orchestration.dashboard import data

data.header("Customer")

customers = data.table(
    "select customer_id, customer_name from customer_health"
    " order by mrr_reporting desc nulls last, customer_id"
)
ids = list(customers["customer_id"])
wanted = st.query_params.get("customer")
chosen = st.selectbox(
    "Customer",
    ids,
    index=ids.index(wanted) if wanted in ids else 0,
    format_func=lambda c: f"{c} · {customers.set_index('customer_id').at[c, 'customer_name']}",
    key="customer",
)
st.query_params["customer"] = chosen

row = data.table("select * from customer_health where customer_id = ?", (chosen,)).iloc[0]
first, second, third, fourth = st.columns(4)
first.metric(
    "Health score",
    "-" if pd.isna(row["health_score"]) else f"{row['health_score']:.1f}",
    None if pd.isna(row["score_change_7d"]) else f"{row['score_change_7d']:+.1f} in 7 days",
)
second.metric("Segment", str(row["segment"]), str(row["health_color"]), delta_color="off")
third.metric(f"MRR ({row['currency']})", f"{row['mrr']:,.0f}")
fourth.metric("CSM", row["csm_owner"] or "-")
st.info(f"**Driver: {row['primary_driver']}**: {row['driver_detail']}")

history = data.table(
    "select score_date, health_score, "
    + ", ".join(f"{d}_score" for d in data.DIMENSIONS)
    + " from customer_health_daily where customer_id = ? order by score_date",
    (chosen,),
)
st.subheader("Score history")
long = history.melt("score_date", var_name="score", value_name="value").dropna()
long["score"] = long["score"].str.replace("_score", "")
st.altair_chart(
    alt.Chart(long)
    .mark_line(point=False)
    .encode(
        x=alt.X("score_date:T", title=None),
        y=alt.Y("value:Q", scale=alt.Scale(domain=[0, 100]), title="score"),
        color=alt.Color("score:N", title=None),
        strokeWidth=alt.condition(alt.datum.score == "health", alt.value(4), alt.value(1.5)),
    )
    .properties(height=300),
    width="stretch",
)

st.subheader("What changed")
for column, days in zip(st.columns(2), (7, 30), strict=True):
    with column:
        st.markdown(f"**Last {days} days**")
        changes = pd.DataFrame(
            {
                "dimension": list(data.DIMENSIONS),
                "points": [row[f"{d}_change_{days}d"] for d in data.DIMENSIONS],
            }
        ).dropna()
        if not changes.empty:
            st.altair_chart(
                alt.Chart(changes)
                .mark_bar()
                .encode(
                    x=alt.X("points:Q", title="points"),
                    y=alt.Y("dimension:N", title=None),
                    color=alt.condition(
                        alt.datum.points < 0, alt.value("#d62728"), alt.value("#2ca02c")
                    ),
                )
                .properties(height=180),
                width="stretch",
            )
        for sentence in data.why_sentences(chosen, days):
            st.write(sentence)
