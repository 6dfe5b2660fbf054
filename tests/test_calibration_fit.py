"""The calibration maths and its honesty, on small synthetic observations: bounded weights that
sum to 1, a planted signal found, a time split without overlap, labels that move the fit only
where they should, learned metric shapes, ordered segments, churn-risk bands, the staleness
check and accepting a proposal."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from orchestration.calibration import fit
from orchestration.calibration.acceptance import accept
from orchestration.calibration.evaluation import (
    _churn_risk_note,
    evidence_note,
    reference_model_auc,
    segment_of,
)
from orchestration.calibration.observations import DIMENSIONS, Split, label, split
from orchestration.calibration.proposal import fit_metric_shapes, fit_weight_sets
from orchestration.defs.assets.calibration import staleness

BOUNDS = [(0.05, 0.6)] * len(DIMENSIONS)
SETTINGS = {
    "min_churners_per_set": 30.0,
    "min_customers_per_set": 50.0,
    "cross_validation_folds": 5.0,
    "min_gain_standard_errors": 2.0,
}
HORIZON = 90


def planted(n: int, signal: int, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Sub-scores where churn depends on dimension `signal` alone; some dimensions missing."""
    rng = np.random.default_rng(seed)
    scores = rng.uniform(0, 100, size=(n, len(DIMENSIONS)))
    scores[rng.random(scores.shape) < 0.15] = np.nan
    scores[:, signal] = rng.uniform(0, 100, size=n)
    churn_probability = 1 / (1 + np.exp((scores[:, signal] - 30) / 8))
    return scores, (rng.random(n) < churn_probability).astype(int)


def test_fitted_weights_stay_within_bounds_and_sum_to_one() -> None:
    scores, churned = planted(3000, signal=2)
    weights = fit.fit_weights(scores, churned, BOUNDS)
    assert weights.sum() == pytest.approx(1.0, abs=1e-9)
    for weight, (low, high) in zip(weights, BOUNDS, strict=True):
        assert low - 1e-9 <= weight <= high + 1e-9


@pytest.mark.parametrize("signal", [0, 4])
def test_the_dimension_that_carries_all_churn_gets_the_largest_weight(signal: int) -> None:
    scores, churned = planted(3000, signal=signal)
    weights = fit.fit_weights(scores, churned, BOUNDS)
    assert int(np.argmax(weights)) == signal
    assert weights[signal] == pytest.approx(0.6, abs=0.02)
    start = np.full(len(DIMENSIONS), 1 / len(DIMENSIONS))
    assert fit.health_auc(churned, fit.combine(scores, weights)) > fit.health_auc(
        churned, fit.combine(scores, np.tile(start, (len(scores), 1)))
    )


def test_combine_renormalises_over_the_dimensions_present() -> None:
    scores = np.array([[80.0, np.nan, 40.0, np.nan, np.nan, np.nan], [np.nan] * 6])
    weights = np.array([[0.25, 0.5, 0.25, 0.0, 0.0, 0.0]] * 2)
    combined = fit.combine(scores, weights)
    assert combined[0] == pytest.approx(60.0)
    assert np.isnan(combined[1])


def history(customers: int = 120, first: date = date(2025, 1, 6), weeks: int = 52) -> pd.DataFrame:
    """Weekly observations of every customer, with random sub-scores."""
    rng = np.random.default_rng(11)
    rows = []
    for week in range(weeks):
        for customer in range(customers):
            row = {
                "customer_id": f"C{customer:04d}",
                "score_date": first + timedelta(days=7 * week),
                "plan": "growth",
                "is_onboarding": False,
                "lifecycle_status": "active",
                "has_override": False,
            }
            row.update({f"{d}_score": rng.uniform(0, 100) for d in DIMENSIONS})
            rows.append(row)
    return pd.DataFrame(rows)


def cancellations_for(observations: pd.DataFrame, share: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    customers = observations["customer_id"].unique()
    days = np.sort(observations["score_date"].unique())
    chosen = rng.choice(customers, size=int(len(customers) * share), replace=False)
    return pd.DataFrame(
        {"customer_id": chosen, "cancelled_date": rng.choice(days, size=len(chosen))}
    )


def fitted_default_weights(observations: pd.DataFrame, cancellations: pd.DataFrame) -> np.ndarray:
    last = max(observations["score_date"])
    labelled = label(observations, cancellations, HORIZON, last)
    the_split = split(labelled, HORIZON, 0.3, 4, 42)
    fit_rows = labelled[the_split.fit].reset_index(drop=True)
    sub = fit_rows[[f"{d}_score" for d in DIMENSIONS]].to_numpy(float)
    return fit.fit_weights(sub, fit_rows["churned"].to_numpy(), BOUNDS)


def test_time_split_keeps_every_fit_label_window_before_the_holdout() -> None:
    observations = history()
    last = max(observations["score_date"])
    labelled = label(observations, cancellations_for(observations, 0.4, 1), HORIZON, last)
    the_split = split(labelled, HORIZON, 0.3, 4, 42)
    assert the_split.kind == "time"
    fit_days = labelled.loc[the_split.fit, "score_date"]
    holdout_days = labelled.loc[the_split.holdout, "score_date"]
    assert fit_days.max() + pd.Timedelta(days=HORIZON) < holdout_days.min()
    assert str((fit_days.max() + pd.Timedelta(days=HORIZON)).date()) <= str(
        the_split.fit_last_label_date
    )
    assert not (the_split.fit & the_split.holdout).any()
    # Every labelled observation has a whole horizon of follow-up inside the history.
    assert labelled["score_date"].max() + pd.Timedelta(days=HORIZON) <= pd.Timestamp(last)


def test_short_history_is_split_by_customer_with_a_seeded_share() -> None:
    observations = history(weeks=16)
    last = max(observations["score_date"])
    labelled = label(observations, cancellations_for(observations, 0.4, 1), HORIZON, last)
    first = split(labelled, HORIZON, 0.3, 4, 42)
    again = split(labelled, HORIZON, 0.3, 4, 42)
    assert first.kind == "customer"
    assert (first.holdout == again.holdout).all()
    held = set(labelled.loc[first.holdout, "customer_id"])
    assert held.isdisjoint(set(labelled.loc[first.fit, "customer_id"]))
    assert len(held) == round(labelled["customer_id"].nunique() * 0.3)


def test_a_label_after_the_fit_window_leaves_the_fit_unchanged_and_one_inside_changes_it() -> None:
    observations = history()
    cancellations = cancellations_for(observations, 0.4, 2)
    last = max(observations["score_date"])
    labelled = label(observations, cancellations, HORIZON, last)
    the_split = split(labelled, HORIZON, 0.3, 4, 42)
    fit_label_end = pd.Timestamp(the_split.fit_last_label_date)
    before = fitted_default_weights(observations, cancellations)

    late = cancellations["cancelled_date"].map(pd.Timestamp) > fit_label_end + pd.Timedelta(days=7)
    moved_late = cancellations.copy()
    # Moved within the hold-out period, after every fit label window: the fit cannot see it.
    moved_late.loc[late, "cancelled_date"] = [
        pd.Timestamp(d) - pd.Timedelta(days=5) for d in cancellations.loc[late, "cancelled_date"]
    ]
    assert late.sum() > 5
    assert np.array_equal(fitted_default_weights(observations, moved_late), before)

    early = cancellations["cancelled_date"].map(pd.Timestamp) < fit_label_end - pd.Timedelta(
        days=120
    )
    moved_early = cancellations.copy()
    moved_early.loc[early, "cancelled_date"] = [
        pd.Timestamp(d) + pd.Timedelta(days=60) for d in cancellations.loc[early, "cancelled_date"]
    ]
    assert early.sum() > 5
    assert not np.allclose(fitted_default_weights(observations, moved_early), before)


def test_a_first_year_churn_peak_in_tenure_is_learned_as_a_low_band() -> None:
    rng = np.random.default_rng(5)
    tenure = rng.uniform(0, 1100, size=6000)
    rate = np.where((tenure > 180) & (tenure < 400), 0.35, 0.05)
    churned = (rng.random(len(tenure)) < rate).astype(int)
    bands = fit.fit_metric_shape(tenure, churned, max_bins=8, prior_rows=50)
    scores = fit.band_lookup(np.array([50.0, 300.0, 900.0]), bands)
    assert scores[1] < scores[0] and scores[1] < scores[2]
    assert scores[1] == 0
    assert bands[0][0] < tenure.min()
    live_linear = np.clip(tenure / 730 * 100, 0, 100)
    assert fit.health_auc(churned, fit.band_lookup(tenure, bands)) > fit.health_auc(
        churned, live_linear
    )


def test_fitted_segment_thresholds_order_churn_rates_from_at_risk_to_promoter() -> None:
    rng = np.random.default_rng(8)
    score = rng.uniform(0, 100, size=8000)
    churned = (rng.random(len(score)) < 0.5 * np.exp(-score / 20)).astype(int)
    live = pd.DataFrame({"segment": ["at_risk", "needs_attention", "engaged", "promoter"]})
    thresholds = fit.fit_segment_thresholds(score, churned, live, 2.0, 0.5)
    assert (
        thresholds["at_risk"]
        < thresholds["needs_attention"]
        < thresholds["engaged"]
        < thresholds["promoter"]
    )
    frame = pd.DataFrame({"segment": segment_of(score, thresholds), "churned": churned})
    rates = frame.groupby("segment")["churned"].mean()
    assert rates["at_risk"] > rates["needs_attention"] > rates["engaged"] > rates["promoter"]
    overall = churned.mean()
    assert rates["at_risk"] >= 2 * overall and rates["promoter"] < 0.5 * overall


def test_churn_risk_bands_start_at_zero_fall_with_the_score_and_match_observed_rates() -> None:
    rng = np.random.default_rng(9)
    score = rng.uniform(0, 100, size=20000)
    churned = (rng.random(len(score)) < 0.6 * np.exp(-score / 25)).astype(int)
    bands = fit.fit_churn_risk_bands(score, churned, max_bands=8)
    assert bands[0][0] == 0
    assert 2 <= len(bands) <= 8
    risks = [risk for _, risk in bands]
    assert risks == sorted(risks, reverse=True)
    predicted = fit.band_lookup(score, bands)
    for low, high in [(0, 10), (45, 55), (90, 100)]:
        inside = (score >= low) & (score < high)
        assert abs(predicted[inside].mean() - churned[inside].mean()) < 0.05


def test_churn_risk_bands_shrink_a_band_without_churners_towards_the_overall_rate() -> None:
    rng = np.random.default_rng(4)
    score = rng.uniform(0, 100, size=4000)
    # Three churners, all low: the top bands' zero would not hold on the hold-out.
    churned = np.zeros(len(score), dtype=int)
    churned[np.argsort(score)[[5, 40, 90]]] = 1
    raw = fit.fit_churn_risk_bands(score, churned, max_bands=5)
    shrunk = fit.fit_churn_risk_bands(score, churned, max_bands=5, prior_rows=200)
    assert raw[-1][1] == 0.0
    assert 0.0 < shrunk[-1][1] < churned.mean()
    risks = [risk for _, risk in shrunk]
    assert risks == sorted(risks, reverse=True)


def test_churn_risk_bands_are_narrow_where_the_churners_are() -> None:
    rng = np.random.default_rng(5)
    score = rng.uniform(0, 100, size=20000)
    churned = (rng.random(len(score)) < 0.5 * np.exp(-score / 10)).astype(int)
    bands = fit.fit_churn_risk_bands(score, churned, max_bands=8, prior_rows=100)
    lowers = [lower for lower, _ in bands]
    # Most churners score under 20: most band edges lie there, not evenly over 0-100.
    assert sum(lower < 20 for lower in lowers) >= len(lowers) // 2
    predicted = fit.band_lookup(score, bands)
    low, high = score < 5, score >= 50
    assert predicted[low].mean() > 4 * churned.mean()
    assert abs(predicted[high].mean() - churned[high].mean()) < 0.01


def test_churn_risk_note_blames_the_level_only_when_the_overall_rate_moved() -> None:
    rows = [{"decile": 9, "predicted": 0.04, "observed": 0.11, "gap_points": 7.0}]
    assert "cannot anticipate" in _churn_risk_note(rows, 0.025, 0.065, 67)
    assert "noise of band rates learned from 142" in _churn_risk_note(rows, 0.030, 0.032, 142)
    rows[0]["gap_points"] = 4.0
    assert _churn_risk_note(rows, 0.030, 0.032, 142) == "within 5 points in every decile"


@pytest.mark.parametrize(
    ("live", "proposed", "passes"),
    [(0.70, 0.72, True), (0.70, 0.73, True), (0.70, 0.75, False), (None, 0.8, True)],
)
def test_staleness_check_warns_only_when_the_proposal_wins_by_more_than_the_margin(
    live: float | None, proposed: float, passes: bool
) -> None:
    passed, _ = staleness({"holdout_auc_live": live, "holdout_auc_proposed": proposed}, 0.03)
    assert passed is passes


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_accept_appends_the_proposal_with_its_valid_from_and_twice_changes_nothing(
    tmp_path: Path,
) -> None:
    seeds = tmp_path / "seeds"
    live_weights = "plan,dimension,weight,valid_from\ndefault,usage,1.0,2000-01-01\n"
    write(seeds / "health_weights.csv", live_weights)
    write(
        seeds / "metric_scoring.csv",
        "dimension,metric_name,method,metric_weight,worst_value,best_value,description\n"
        "relationship,tenure_days,linear,0.1,0,730,Days\n"
        "relationship,renewals_completed,linear,0.1,0,3,Renewals\n",
    )
    write(
        seeds / "metric_bands.csv",
        "metric_name,lower_bound,band_score,band_label\nlatest_nps,0,0,detractor\n",
    )
    write(
        seeds / "proposed" / "health_weights.csv",
        "plan,dimension,weight,valid_from\ndefault,usage,1.0,2026-10-01\n",
    )
    write(
        seeds / "proposed" / "metric_scoring.csv",
        "dimension,metric_name,method,metric_weight,worst_value,best_value,description\n"
        "relationship,tenure_days,bands,0.1,0,730,Days (bands learned by calibration)\n",
    )
    write(
        seeds / "proposed" / "metric_bands.csv",
        "metric_name,lower_bound,band_score,band_label\n"
        "tenure_days,-1000000000.0,100,learned band 1\ntenure_days,200.0,0,learned band 2\n",
    )
    said = accept(seeds)
    weights = pd.read_csv(seeds / "health_weights.csv", dtype=str)
    assert list(weights["valid_from"]) == ["2000-01-01", "2026-10-01"]
    assert any("appended 1 rows valid from 2026-10-01" in line for line in said)
    scoring = pd.read_csv(seeds / "metric_scoring.csv")
    assert list(scoring["metric_name"]) == ["tenure_days", "renewals_completed"]
    assert list(scoring["method"]) == ["bands", "linear"]
    bands = pd.read_csv(seeds / "metric_bands.csv")
    assert sorted(bands["metric_name"]) == ["latest_nps", "tenure_days", "tenure_days"]

    snapshot = {p.name: p.read_text() for p in seeds.glob("*.csv")}
    said_again = accept(seeds)
    assert {p.name: p.read_text() for p in seeds.glob("*.csv")} == snapshot
    assert all("unchanged" in line for line in said_again)


def test_accept_refuses_a_proposal_older_than_the_live_rows(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    write(seeds / "health_weights.csv", "plan,dimension,weight,valid_from\nd,usage,1,2026-12-01\n")
    write(
        seeds / "proposed" / "health_weights.csv",
        "plan,dimension,weight,valid_from\nd,usage,1,2026-10-01\n",
    )
    with pytest.raises(ValueError, match="valid from after 2026-10-01"):
        accept(seeds)


def test_a_learned_shape_is_proposed_for_a_signal_metric_and_not_for_a_noise_metric() -> None:
    rng = np.random.default_rng(4)
    n = 4000
    labelled = pd.DataFrame(
        {
            "customer_id": [f"C{i:05d}" for i in range(n)],
            "score_date": pd.Timestamp("2026-01-01"),
        }
    )
    tenure = rng.uniform(0, 1000, size=n)
    labelled["churned"] = (
        rng.random(n) < np.where((tenure > 150) & (tenure < 400), 0.3, 0.04)
    ).astype(int)
    history = pd.concat(
        [
            labelled.assign(
                metric_name="tenure_days",
                metric_value=tenure,
                metric_score=np.clip(tenure / 730 * 100, 0, 100),
            ),
            labelled.assign(
                metric_name="reopen_pct",
                metric_value=rng.uniform(0, 100, size=n),
                metric_score=rng.uniform(0, 100, size=n),
            ),
        ]
    ).drop(columns="churned")
    scoring = pd.DataFrame(
        {"metric_name": ["tenure_days", "reopen_pct"], "method": ["linear", "linear"]}
    )
    settings = {
        "random_seed": 1.0,
        "metric_shape_bins": 6.0,
        "metric_shape_prior_rows": 50.0,
        "metric_shape_min_churners_per_band": 15.0,
        "metric_shape_min_auc_gain": 0.02,
        "cross_validation_folds": 5.0,
        "min_gain_standard_errors": 2.0,
    }
    shapes, fit_auc = fit_metric_shapes(
        labelled, np.ones(n, dtype=bool), history, scoring, settings
    )
    assert list(shapes) == ["tenure_days"]
    assert fit_auc["tenure_days"]["proposed"] > fit_auc["tenure_days"]["live"] + 0.05


def weight_rows(n: int, plan: np.ndarray, signal: int | None, seed: int) -> pd.DataFrame:
    scores, churned = planted(n, signal=signal if signal is not None else 0, seed=seed)
    if signal is None:
        churned = np.random.default_rng(seed + 1).permutation(churned)
    frame = pd.DataFrame(scores, columns=[f"{d}_score" for d in DIMENSIONS])
    frame["customer_id"] = [f"C{i:05d}" for i in range(n)]
    frame["plan"] = plan
    frame["is_onboarding"] = False
    frame["churned"] = churned
    return frame


def test_weight_sets_fit_where_outcomes_allow_and_keep_the_live_set_without_evidence() -> None:
    n = 4000
    plan = np.where(np.arange(n) < 3960, "growth", "starter")
    live = {name: np.full(6, 1 / 6) for name in ("default", "growth", "starter", "onboarding")}
    rows = weight_rows(n, plan, signal=3, seed=21)
    sub = rows[[f"{d}_score" for d in DIMENSIONS]].to_numpy(float)
    weights, source, gates = fit_weight_sets(
        rows, sub, live, BOUNDS, SETTINGS | {"random_seed": 1.0}
    )
    assert source["default"].startswith("fitted") and source["growth"].startswith("fitted")
    assert gates["default"]["gain"] > gates["default"]["needed"] > 0
    assert int(np.argmax(weights["growth"])) == 3
    # 40 starter customers are fewer than min_customers_per_set; nobody onboards.
    assert source["starter"] == source["onboarding"] == "default"
    assert np.array_equal(weights["starter"], weights["default"])

    noise = weight_rows(n, plan, signal=None, seed=21)
    weights, source, gates = fit_weight_sets(
        noise, sub, live, BOUNDS, SETTINGS | {"random_seed": 1.0}
    )
    assert source["default"].startswith("live")
    assert gates["default"]["gain"] <= gates["default"]["needed"]
    assert np.array_equal(weights["default"], live["default"])


def test_observations_before_the_end_of_the_data_warmup_are_left_out() -> None:
    observations = history(weeks=30)
    last = max(observations["score_date"])
    cancellations = cancellations_for(observations, 0.4, 1)
    first = date(2025, 3, 3)
    labelled = label(observations, cancellations, HORIZON, last, first_date=first)
    assert labelled["score_date"].min() == pd.Timestamp(first)
    everything = label(observations, cancellations, HORIZON, last)
    assert everything["score_date"].min() < pd.Timestamp(first)
    kept = everything[everything["score_date"] >= pd.Timestamp(first)].reset_index(drop=True)
    pd.testing.assert_frame_equal(labelled, kept)


def test_every_fitted_segment_holds_at_least_the_minimum_share_of_observations() -> None:
    rng = np.random.default_rng(4)
    # Churn falls in a cliff at 50: the curve alone puts needs_attention in a one-point band.
    score = rng.normal(60, 12, size=10000).clip(0, 100)
    churned = (rng.random(len(score)) < np.where(score < 50, 0.2, 0.02)).astype(int)
    live = pd.DataFrame({"segment": ["at_risk", "needs_attention", "engaged", "promoter"]})
    narrow = fit.fit_segment_thresholds(score, churned, live, 2.0, 0.5)
    wide = fit.fit_segment_thresholds(score, churned, live, 2.0, 0.5, min_segment_share=0.08)
    shares = pd.Series(segment_of(score, wide)).value_counts(normalize=True)
    assert set(shares.index) == {"at_risk", "needs_attention", "engaged", "promoter"}
    assert shares.min() >= 0.08 - 0.01  # whole points: a share a little under at most
    narrow_shares = pd.Series(segment_of(score, narrow)).value_counts(normalize=True)
    assert narrow_shares.min() < 0.05


def test_paired_gain_of_a_score_against_itself_is_nil_and_of_a_better_one_is_clear() -> None:
    rng = np.random.default_rng(6)
    customers = np.repeat(np.arange(400), 5)
    signal = rng.normal(size=len(customers))
    churned = (rng.random(len(customers)) < 1 / (1 + np.exp(2 + 1.5 * signal))).astype(int)
    noisy = signal + rng.normal(scale=2.0, size=len(signal))
    gain, error = fit.paired_auc_gain(churned, noisy, noisy, customers)
    assert gain == 0 and error == 0
    gain, error = fit.paired_auc_gain(churned, signal, noisy, customers)
    assert gain > 3 * error > 0


def test_customer_folds_keep_each_customers_rows_together_and_are_seeded() -> None:
    customers = np.repeat([f"C{i}" for i in range(50)], 4)
    folds = fit.customer_folds(customers, 5, seed=1)
    frame = pd.DataFrame({"customer": customers, "fold": folds})
    assert (frame.groupby("customer")["fold"].nunique() == 1).all()
    assert set(folds) == set(range(5))
    assert np.array_equal(folds, fit.customer_folds(customers, 5, seed=1))
    assert not np.array_equal(folds, fit.customer_folds(customers, 5, seed=2))


def test_a_plan_too_small_to_prove_its_own_fit_takes_the_fitted_default_set() -> None:
    n, small = 4000, 80
    rng = np.random.default_rng(7)
    scores = rng.uniform(0, 100, size=(n, len(DIMENSIONS)))
    churn_probability = 1 / (1 + np.exp(2.0 + (scores[:, 3] - 50) / 25))
    rows = pd.DataFrame(scores, columns=[f"{d}_score" for d in DIMENSIONS])
    rows["customer_id"] = [f"C{i:05d}" for i in range(n)]
    rows["plan"] = np.where(np.arange(n) < small, "growth", "starter")
    rows["is_onboarding"] = False
    rows["churned"] = (rng.random(n) < churn_probability).astype(int)
    live = {name: np.full(6, 1 / 6) for name in ("default", "growth", "starter", "onboarding")}
    settings = SETTINGS | {"random_seed": 1.0, "min_churners_per_set": 10.0}
    weights, source, _ = fit_weight_sets(rows, scores, live, BOUNDS, settings)
    assert source["default"].startswith("fitted")
    # 80 customers cannot prove a fit of their own; the pooled fit carries the signal to them.
    assert source["growth"].startswith("default (fitted")
    assert np.array_equal(weights["growth"], weights["default"])
    assert int(np.argmax(weights["growth"])) == 3


def _reference_inputs(churn_rule: str) -> tuple[pd.DataFrame, Split, np.ndarray, pd.DataFrame]:
    rng = np.random.default_rng(11)
    n = 6000
    customers = np.array([f"C{i:05d}" for i in range(n)])
    day = pd.Timestamp("2026-03-01")
    term = rng.uniform(0, 365, n)
    tenure = rng.uniform(0, 1000, n)
    # Churn only near a renewal of a young account: an interaction, no single metric's shape.
    if churn_rule == "interaction":
        p = np.where((term < 60) & (tenure < 400), 0.5, 0.02)
    else:
        p = np.full(n, 0.08)
    churned = (rng.random(n) < p).astype(int)
    labelled = pd.DataFrame({"customer_id": customers, "score_date": day, "churned": churned})
    history = pd.concat(
        [
            pd.DataFrame(
                {
                    "customer_id": customers,
                    "score_date": day.date(),
                    "metric_name": name,
                    "metric_value": values,
                }
            )
            for name, values in (("days_to_term_end", term), ("tenure_days", tenure))
        ]
    )
    fit_mask = rng.random(n) < 0.6
    the_split = Split("customer", fit_mask, ~fit_mask, None, None)
    sub = np.full((n, len(DIMENSIONS)), 60.0)
    return labelled, the_split, sub, history


@pytest.mark.parametrize(("rule", "low", "high"), [("interaction", 0.8, 1.0), ("random", 0.4, 0.6)])
def test_reference_model_finds_signal_only_where_the_data_holds_it(
    rule: str, low: float, high: float
) -> None:
    labelled, the_split, sub, history = _reference_inputs(rule)
    result = reference_model_auc(labelled, the_split, sub, history, seed=0)
    assert result["features"] == 2 + 2 * len(DIMENSIONS)
    assert low <= result["holdout_auc"] <= high


def test_metric_shape_cuts_where_the_risk_changes_not_where_the_customers_bunch() -> None:
    # Monthly terms (70% of rows, under 32 days left) churn at 10%; annual terms near renewal
    # (32-90 days) at 20%, and the rest of the year at 1%. Quantile bins would put every
    # annual row into one bin with the last monthly days.
    rng = np.random.default_rng(12)
    n = 20000
    monthly = rng.random(n) < 0.7
    days = np.where(monthly, rng.integers(1, 32, n), rng.integers(32, 366, n)).astype(float)
    rate = np.where(days < 32, 0.10, np.where(days <= 90, 0.20, 0.01))
    churned = (rng.random(n) < rate).astype(int)
    bands = fit.fit_metric_shape(days, churned, max_bins=6, prior_rows=50, min_churners_per_bin=15)
    lowers = [lower for lower, _ in bands]
    assert any(31 <= lower <= 37 for lower in lowers)
    assert any(88 <= lower <= 92 for lower in lowers)
    scores = fit.band_lookup(np.array([15.0, 60.0, 200.0]), bands)
    assert scores[1] < scores[0] < scores[2]


def test_evidence_note_says_whether_live_weights_mean_right_or_too_little_history() -> None:
    kept = evidence_note({"gain": 0.012, "needed": 0.04}, 2, 337, 120)
    assert "at least 0.040" in kept and "+0.012" in kept and "cannot be told from noise" in kept
    assert "337 churned fit observations of 120 customers" in kept
    proposed = evidence_note({"gain": 0.07, "needed": 0.03}, 2, 1099, 400)
    assert proposed.endswith("the fitted weights are proposed")
    assert "could not be checked" in evidence_note(None, 2, 3, 1)
