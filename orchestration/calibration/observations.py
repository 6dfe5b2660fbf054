"""What calibration learns from: one observation per customer and observation day (the days of
the metric history), its sub-scores and weight set, labelled with whether the customer asked to
cancel within the horizon; and the split into fit and hold-out observations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import duckdb
import numpy as np
import pandas as pd

from orchestration.health_queries import DIMENSIONS as DIMENSIONS


def read_observations(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The history's rows on the metric history's days (every `backtest_step_days`-th day)."""
    score_columns = ", ".join(f"history.{d}_score" for d in DIMENSIONS)
    return con.execute(
        f"""
        select
            history.customer_id,
            history.score_date,
            history.plan,
            history.weight_set,
            history.is_onboarding,
            history.lifecycle_status,
            coalesce(history.has_override, false) as has_override,
            history.segment,
            history.health_score,
            {score_columns}
        from main.customer_health_daily as history
        where history.score_date in (
            select distinct score_date from intermediate.int_health__metric_history
        )
        order by history.score_date, history.customer_id
        """
    ).df()


def read_cancellations(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(
        "select customer_id, cancelled_date from staging.stg_billing__subscriptions"
        " where cancelled_date is not null"
    ).df()


def read_metric_history(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(
        "select customer_id, score_date, dimension, metric_name, metric_value, metric_score"
        " from intermediate.int_health__metric_history"
    ).df()


# The earliest day of each behaviour source: (relation, date column).
BEHAVIOUR_SOURCES = (
    ("intermediate.int_usage__daily_facts", "activity_date"),
    ("staging.stg_helpdesk__tickets", "opened_date"),
    ("staging.stg_surveys__responses", "responded_date"),
    ("staging.stg_billing__invoices", "issued_date"),
    ("staging.stg_marketing__touchpoints", "occurred_date"),
)


def behaviour_start_date(con: duckdb.DuckDBPyConnection) -> date | None:
    """The first day on which every behaviour source that has rows has begun: before it, a
    sub-score's window reaches back before the warehouse's data (a warm-up, not behaviour)."""
    firsts = " union all ".join(
        f"select min({column}) as first_day from {relation}"
        for relation, column in BEHAVIOUR_SOURCES
    )
    return con.execute(f"select max(first_day) from ({firsts}) as sources").fetchone()[0]


def last_history_date(con: duckdb.DuckDBPyConnection) -> date:
    return con.execute("select max(score_date) from main.customer_health_daily").fetchone()[0]


def label(
    observations: pd.DataFrame,
    cancellations: pd.DataFrame,
    horizon_days: int,
    last_date: date,
    first_date: date | None = None,
) -> pd.DataFrame:
    """Keeps the observations with a whole horizon of follow-up (not already churning), on or
    after `first_date` when given (the end of the data's warm-up), and adds `churned`: a
    cancellation requested after the day and within the horizon. The label of day D reads only
    cancellations in (D, D + horizon]."""
    obs = observations.copy()
    obs["score_date"] = pd.to_datetime(obs["score_date"])
    horizon = pd.Timedelta(days=horizon_days)
    obs = obs[
        (obs["lifecycle_status"] != "churning")
        & (obs["score_date"] + horizon <= pd.Timestamp(last_date))
        & (obs["score_date"] >= pd.Timestamp(first_date or date.min))
    ].copy()
    cancels = cancellations.copy()
    cancels["cancelled_date"] = pd.to_datetime(cancels["cancelled_date"])
    pairs = obs[["customer_id", "score_date"]].merge(cancels, on="customer_id", how="inner")
    hit = pairs[
        (pairs["cancelled_date"] > pairs["score_date"])
        & (pairs["cancelled_date"] <= pairs["score_date"] + horizon)
    ][["customer_id", "score_date"]].drop_duplicates()
    hit["churned"] = 1
    obs = obs.merge(hit, on=["customer_id", "score_date"], how="left")
    obs["churned"] = obs["churned"].fillna(0).astype(int)
    return obs.reset_index(drop=True)


@dataclass(frozen=True)
class Split:
    """Which observations the fit reads and which are held out for the evaluation."""

    kind: str  # "time" or "customer"
    fit: np.ndarray  # boolean mask over the labelled observations
    holdout: np.ndarray
    fit_last_label_date: date | None  # last day a fit label may come from (time split)
    holdout_first_date: date | None


def split(
    labelled: pd.DataFrame,
    horizon_days: int,
    holdout_share: float,
    min_split_days: int,
    random_seed: int,
) -> Split:
    """By time when the history is long enough: the hold-out is the latest `holdout_share` of
    the observation days; the fit keeps only days whose whole label window ends before the first
    hold-out day, so no fit label overlaps the hold-out. Else by customer: a seeded random share
    of customers is held out, all their days."""
    days = np.sort(labelled["score_date"].unique())
    if len(days):
        n_holdout = max(1, int(round(len(days) * holdout_share)))
        holdout_first = pd.Timestamp(days[len(days) - n_holdout])
        horizon = pd.Timedelta(days=horizon_days)
        fit_days = [d for d in days if pd.Timestamp(d) + horizon < holdout_first]
        if len(fit_days) >= min_split_days and n_holdout >= min_split_days:
            dates = labelled["score_date"]
            return Split(
                kind="time",
                fit=(dates + horizon < holdout_first).to_numpy(),
                holdout=(dates >= holdout_first).to_numpy(),
                fit_last_label_date=(holdout_first - timedelta(days=1)).date(),
                holdout_first_date=holdout_first.date(),
            )
    customers = np.sort(labelled["customer_id"].unique())
    rng = np.random.default_rng(random_seed)
    size = int(round(len(customers) * holdout_share))
    held = set(rng.choice(customers, size=size, replace=False))
    is_held = labelled["customer_id"].isin(held).to_numpy()
    return Split(
        kind="customer",
        fit=~is_held,
        holdout=is_held,
        fit_last_label_date=None,
        holdout_first_date=None,
    )
