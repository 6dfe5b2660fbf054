"""The at-risk list by MRR, with driver, trend and churn risk; per CSM and plan; CSV and Excel."""

import streamlit as st

from orchestration.dashboard import data

data.header("At-risk customers")

owners = data.table(
    "select distinct csm_owner from customer_health where csm_owner is not null order by 1"
)
plans = data.table("select distinct plan from customer_health where plan is not null order by 1")
left, right = st.columns(2)
csm = left.selectbox("CSM", ["All", *owners["csm_owner"]], key="csm")
plan = right.selectbox("Plan", ["All", *plans["plan"]], key="plan")

frame = data.at_risk_list(None if csm == "All" else csm, None if plan == "All" else plan)
st.metric("At risk", f"{len(frame):,} customers")
currency = frame["reporting_currency"].iloc[0] if len(frame) else ""
st.caption(
    f"{frame['mrr_reporting'].sum():,.0f} {currency} MRR at risk on this list, largest MRR first"
)
column_config = {
    "mrr_reporting": st.column_config.NumberColumn(f"MRR ({currency})", format="%.0f"),
    "reporting_currency": None,
    "mrr": st.column_config.NumberColumn("MRR (own currency)", format="%.0f"),
    "health_score": st.column_config.NumberColumn("score", format="%.1f"),
    "score_change_7d": st.column_config.NumberColumn("7-day change", format="%+.1f"),
    "score_change_30d": st.column_config.NumberColumn("30-day change", format="%+.1f"),
    "primary_driver": "driver",
    "driver_detail": "why",
}
if "churn_risk_90d" in frame.columns:
    column_config["churn_risk_90d"] = st.column_config.ProgressColumn(
        "churn risk (90 days)", min_value=0.0, max_value=1.0, format="%.2f"
    )
st.dataframe(frame, hide_index=True, width="stretch", column_config=column_config)

stem = f"at-risk-{data.as_of()}"
csv_column, excel_column = st.columns(2)
csv_column.download_button(
    "Download CSV", frame.to_csv(index=False).encode(), f"{stem}.csv", "text/csv"
)
excel_column.download_button(
    "Download Excel",
    data.to_excel(frame, "at risk"),
    f"{stem}.xlsx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)
