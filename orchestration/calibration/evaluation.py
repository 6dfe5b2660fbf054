"""How the live and the proposed configurations do on the hold-out: AUC, precision-recall AUC,
lift by decile, churn rate per segment, churn_risk reliability, segment moves and movers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import average_precision_score

from orchestration.calibration import fit
from orchestration.calibration.observations import DIMENSIONS, Split

if TYPE_CHECKING:
    from orchestration.calibration.proposal import Proposal


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None or np.isnan(value) else round(float(value), digits)


def pr_auc(churned: np.ndarray, score: np.ndarray) -> float | None:
    keep = ~np.isnan(score)
    if churned[keep].sum() == 0:
        return None
    return float(average_precision_score(churned[keep], -score[keep]))


def lift_by_decile(churned: np.ndarray, score: np.ndarray) -> list[dict[str, Any]]:
    """Decile 1 = the lowest scores; lift = the decile's churn rate over the overall rate."""
    keep = ~np.isnan(score)
    frame = pd.DataFrame({"score": score[keep], "churned": churned[keep]})
    frame["decile"] = pd.qcut(frame["score"].rank(method="first"), 10, labels=False) + 1
    overall = frame["churned"].mean()
    rows = frame.groupby("decile").agg(
        observations=("churned", "size"), churn_rate=("churned", "mean")
    )
    return [
        {
            "decile": int(decile),
            "observations": int(row.observations),
            "churn_rate": _round(row.churn_rate),
            "lift": _round(row.churn_rate / overall if overall else None, 3),
        }
        for decile, row in rows.iterrows()
    ]


def segment_of(score: np.ndarray, thresholds: dict[str, float]) -> np.ndarray:
    """The segment of the highest min_score at or below the score (grey when no score)."""
    ordered = sorted(thresholds.items(), key=lambda item: item[1])
    names = np.array([name for name, _ in ordered], dtype=object)
    bounds = np.array([bound for _, bound in ordered])
    index = np.searchsorted(bounds, np.nan_to_num(score, nan=-1.0), side="right") - 1
    named = names[np.clip(index, 0, None)]
    return np.where(np.isnan(score) | (index < 0), "insufficient_data", named)


def churn_by_segment(churned: np.ndarray, segments: np.ndarray) -> list[dict[str, Any]]:
    frame = pd.DataFrame({"segment": segments, "churned": churned})
    rows = frame.groupby("segment").agg(
        observations=("churned", "size"), churned=("churned", "sum"), churn_rate=("churned", "mean")
    )
    return [
        {
            "segment": str(segment),
            "observations": int(row.observations),
            "churned": int(row.churned),
            "churn_rate": _round(row.churn_rate),
        }
        for segment, row in rows.iterrows()
    ]


def reliability(churned: np.ndarray, risk: np.ndarray) -> list[dict[str, Any]]:
    """Predicted against observed churn per decile of the predicted risk."""
    frame = pd.DataFrame({"risk": risk, "churned": churned}).dropna()
    frame["decile"] = pd.qcut(frame["risk"].rank(method="first"), 10, labels=False) + 1
    rows = frame.groupby("decile").agg(
        observations=("churned", "size"),
        predicted=("risk", "mean"),
        observed=("churned", "mean"),
    )
    return [
        {
            "decile": int(decile),
            "observations": int(row.observations),
            "predicted": _round(row.predicted),
            "observed": _round(row.observed),
            "gap_points": _round(100 * abs(row.predicted - row.observed), 2),
        }
        for decile, row in rows.iterrows()
    ]


def _points(sub_scores: np.ndarray, weights: np.ndarray) -> np.ndarray:
    present = ~np.isnan(sub_scores)
    w = np.where(present, weights, 0.0)
    total = w.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return w * np.nan_to_num(sub_scores) / np.where(total > 0, total, np.nan)


def evaluate(
    labelled: pd.DataFrame,
    the_split: Split,
    live_sub: np.ndarray,
    proposed_sub: np.ndarray,
    live_weights: np.ndarray,
    proposed_weights: np.ndarray,
    proposed_score: np.ndarray,
    live_thresholds: pd.DataFrame,
    proposal: Proposal,
    metric_history: pd.DataFrame,
    proposed_metric_scores: pd.DataFrame | None,
    min_completeness_pct: float,
) -> dict[str, Any]:
    hold = the_split.holdout
    y = labelled["churned"].to_numpy()
    live_score = labelled["health_score"].to_numpy(float)
    # Compared on the observations the live configuration scores (it leaves some grey).
    common = hold & ~np.isnan(live_score) & ~np.isnan(proposed_score)
    live_threshold_map = dict(
        zip(live_thresholds["segment"], live_thresholds["min_score"].astype(float), strict=True)
    )
    risk = _risk(proposed_score, proposal.churn_risk_bands)

    report: dict[str, Any] = {
        "split": {
            "kind": the_split.kind,
            "fit_observations": int(the_split.fit.sum()),
            "fit_churned": int(y[the_split.fit].sum()),
            "fit_customers": int(labelled.loc[the_split.fit, "customer_id"].nunique()),
            "fit_days": sorted({str(d.date()) for d in labelled.loc[the_split.fit, "score_date"]}),
            "fit_last_label_date": _text(the_split.fit_last_label_date),
            "holdout_observations": int(hold.sum()),
            "holdout_churned": int(y[hold].sum()),
            "holdout_customers": int(labelled.loc[hold, "customer_id"].nunique()),
            "holdout_days": sorted({str(d.date()) for d in labelled.loc[hold, "score_date"]}),
            "holdout_first_date": _text(the_split.holdout_first_date),
            "compared_observations": int(common.sum()),
        },
        "holdout_auc_live": _round(fit.health_auc(y[common], live_score[common])),
        "holdout_auc_proposed": _round(fit.health_auc(y[common], proposed_score[common])),
        "holdout_pr_auc_live": _round(pr_auc(y[common], live_score[common])),
        "holdout_pr_auc_proposed": _round(pr_auc(y[common], proposed_score[common])),
        "holdout_auc_proposed_all_scored": _round(fit.health_auc(y[hold], proposed_score[hold])),
        # Every hold-out observation, a customer without a score ranked as a tie at the median:
        # what a CS team sees when grey customers cannot be ranked at all.
        "holdout_auc_live_all": _round(fit.health_auc(y[hold], _grey_at_median(live_score[hold]))),
        "holdout_auc_proposed_all": _round(
            fit.health_auc(y[hold], _grey_at_median(proposed_score[hold]))
        ),
        "holdout_churn_rate": _round(y[hold].mean()),
        "lift_by_decile": {
            "live": lift_by_decile(y[common], live_score[common]),
            "proposed": lift_by_decile(y[common], proposed_score[common]),
        },
        "churn_rate_by_segment": {
            "live": churn_by_segment(y[hold], segment_of(live_score[hold], live_threshold_map)),
            "proposed": churn_by_segment(
                y[hold], segment_of(proposed_score[hold], proposal.thresholds)
            ),
        },
        "grey_share": {
            "live": _round(float(np.isnan(live_score[hold]).mean())),
            # Grey under the 50% data-completeness floor the project shipped before scoring
            # sparse customers from what is present: the "before" of sparse scoring.
            "live_at_50pct_floor": _round(
                float((_present_weight_share(live_sub[hold], live_weights[hold]) < 0.5).mean())
            ),
            "live_min_data_completeness_pct": min_completeness_pct,
            "proposed": _round(float(np.isnan(proposed_score[hold]).mean())),
            "live_churners_grey": _round(float(np.isnan(live_score[hold & (y == 1)]).mean())),
            "proposed_churners_grey": _round(
                float(np.isnan(proposed_score[hold & (y == 1)]).mean())
            ),
        },
        "churn_risk_reliability": reliability(y[hold], risk[hold]),
        "dimension_auc": {
            dimension: {
                "live": _round(fit.health_auc(y[hold], live_sub[hold, i])),
                "proposed": _round(fit.health_auc(y[hold], proposed_sub[hold, i])),
            }
            for i, dimension in enumerate(DIMENSIONS)
        },
        "metric_auc": _metric_auc(labelled, hold, metric_history, proposed_metric_scores),
        "metric_fit_auc": {
            metric: {k: _round(v) for k, v in values.items()}
            for metric, values in proposal.metric_fit_auc.items()
        },
        "proposal": {
            "weights": {
                name: dict(zip(DIMENSIONS, map(float, w), strict=True))
                for name, w in proposal.weights.items()
            },
            "weight_set_source": proposal.weight_set_source,
            "weight_set_gates": proposal.weight_set_gates,
            "segment_thresholds": proposal.thresholds,
            "churn_risk_bands": [
                {"min_score": lower, "churn_risk": r} for lower, r in proposal.churn_risk_bands
            ],
            "learned_metric_shapes": {
                metric: [{"lower_bound": lb, "band_score": s} for lb, s in bands]
                for metric, bands in proposal.metric_bands.items()
            },
        },
    }
    gaps = [row["gap_points"] for row in report["churn_risk_reliability"]]
    report["churn_risk_max_gap_points"] = max(gaps) if gaps else None
    fit_rate, hold_rate = y[the_split.fit].mean(), y[hold].mean()
    report["split"]["fit_churn_rate"] = _round(fit_rate)
    report["churn_risk_note"] = _churn_risk_note(
        report["churn_risk_reliability"], fit_rate, hold_rate, int(y[the_split.fit].sum())
    )
    report.update(
        _movers(
            labelled,
            hold,
            live_score,
            proposed_score,
            live_sub,
            proposed_sub,
            live_weights,
            proposed_weights,
            live_threshold_map,
            proposal.thresholds,
        )
    )
    return report


def _present_weight_share(sub_scores: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Share of the weight set's weight whose dimension has a sub-score, per observation."""
    present = np.where(np.isnan(sub_scores), 0.0, weights).sum(axis=1)
    return present / weights.sum(axis=1)


# Rows the reference model is fitted on at most (a seeded sample beyond that): its figure is a
# diagnostic, and gradient boosting on millions of rows would cost more than the calibration.
REFERENCE_MAX_FIT_ROWS = 300_000


def reference_model_auc(
    labelled: pd.DataFrame,
    the_split: Split,
    live_sub: np.ndarray,
    metric_history: pd.DataFrame,
    seed: int,
) -> dict[str, Any]:
    """How much churn signal the data holds, whatever the score's shape: a gradient-boosting
    classifier (scikit-learn) fitted on the fit observations over every metric's value, the
    live sub-scores and which dimensions are missing, then ranked on the hold-out. It cannot
    be written as seeds (it combines metrics in ways a weighted mean of banded metrics cannot);
    above the proposal, the data holds churn signal the configuration misses; at or under it,
    the configuration misses nothing a model learned from these rows alone would find."""
    values = metric_history.pivot_table(
        index=["customer_id", "score_date"], columns="metric_name", values="metric_value"
    )
    values.index = values.index.set_levels(
        pd.to_datetime(values.index.levels[1]), level="score_date"
    )
    keys = pd.MultiIndex.from_arrays(
        [labelled["customer_id"], pd.to_datetime(labelled["score_date"])],
        names=["customer_id", "score_date"],
    )
    metrics = values.reindex(keys).to_numpy(float)
    features = np.column_stack([metrics, live_sub, np.isnan(live_sub).astype(float)])
    y = labelled["churned"].to_numpy()
    fit_rows = np.flatnonzero(the_split.fit)
    if len(fit_rows) > REFERENCE_MAX_FIT_ROWS:
        fit_rows = np.random.default_rng(seed).choice(fit_rows, REFERENCE_MAX_FIT_ROWS, False)
    result: dict[str, Any] = {
        "model": "HistGradientBoostingClassifier over metric values, sub-scores and missingness",
        "features": int(features.shape[1]),
        "fit_observations": int(len(fit_rows)),
        "holdout_auc": None,
    }
    if len(np.unique(y[fit_rows])) < 2:
        return result
    # Small, regularised trees: churners are few, and bigger trees learn the fit rows by heart.
    model = HistGradientBoostingClassifier(
        max_iter=100,
        learning_rate=0.03,
        max_leaf_nodes=7,
        min_samples_leaf=200,
        l2_regularization=1.0,
        random_state=seed,
    ).fit(features[fit_rows], y[fit_rows])
    hold = the_split.holdout
    # Higher churn probability ranks as a lower score.
    risk = model.predict_proba(features[hold])[:, 1]
    result["holdout_auc"] = _round(fit.health_auc(y[hold], -risk))
    return result


def _churn_risk_note(
    reliability: list[dict[str, Any]], fit_rate: float, hold_rate: float, fit_churned: int
) -> str:
    """Why churn_risk is or is not within 5 points of the observed rate in every decile."""
    if not reliability:
        return "no hold-out observation has a churn_risk"
    worst = max(reliability, key=lambda row: row["gap_points"])
    if worst["gap_points"] <= 5:
        return "within 5 points in every decile"
    off = (
        f"decile {worst['decile']} is {worst['gap_points']} points off (predicted "
        f"{worst['predicted']:.3f}, observed {worst['observed']:.3f})"
    )
    if abs(hold_rate - fit_rate) >= 0.01:
        return (
            f"{off}: the churn rate was {fit_rate:.3f} in the fit observations and "
            f"{hold_rate:.3f} in the hold-out, and bands fitted on the one cannot anticipate "
            "the other's overall level"
        )
    return (
        f"{off}: the overall rate held ({fit_rate:.3f} fit, {hold_rate:.3f} hold-out), so the "
        f"gap is the noise of band rates learned from {fit_churned} churned fit observations"
    )


def evidence_note(
    gate: dict[str, float] | None,
    standard_errors: float,
    fit_churned: int,
    fit_churned_customers: int,
) -> str:
    """How much gain this history can prove: the bar the default weight set had to clear out of
    fold, and what it would take to lower it. A CS lead reading "live weights kept" learns
    whether that means "the live weights are right" or "too little history to tell"."""
    if not gate:
        return (
            f"the default weight set could not be checked out of fold ({fit_churned} churned "
            "fit observations): no proposal rests on it"
        )
    text = (
        f"the default weight set had to gain at least {gate['needed']:.3f} AUC out of fold "
        f"({standard_errors:g} standard errors of the gain, from {fit_churned} churned fit "
        f"observations of {fit_churned_customers} customers) and gained {gate['gain']:+.3f}"
    )
    if gate["gain"] > gate["needed"]:
        return text + ": the fitted weights are proposed"
    return (
        text + ": a real gain under that bar cannot be told from noise on this history, so the "
        "live weights stay. The bar shrinks about as the square root of the churners: four "
        "times the history (more customers or more months) halves it"
    )


def _grey_at_median(score: np.ndarray) -> np.ndarray:
    known = score[~np.isnan(score)]
    return np.where(np.isnan(score), np.median(known) if len(known) else 50.0, score)


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _risk(score: np.ndarray, bands: list[tuple[float, float]]) -> np.ndarray:
    return fit.band_lookup(np.nan_to_num(score, nan=-1.0), bands) * np.where(
        np.isnan(score), np.nan, 1.0
    )


def _metric_auc(
    labelled: pd.DataFrame,
    hold: np.ndarray,
    metric_history: pd.DataFrame,
    proposed_metric_scores: pd.DataFrame | None,
) -> dict[str, dict[str, float | None]]:
    rows = labelled.loc[hold, ["customer_id", "score_date", "churned"]]
    live = metric_history.assign(score_date=pd.to_datetime(metric_history["score_date"])).merge(
        rows, on=["customer_id", "score_date"], how="inner"
    )
    if proposed_metric_scores is not None:
        live = live.merge(
            proposed_metric_scores.rename(columns={"metric_score": "proposed_score"}),
            on=["customer_id", "score_date", "metric_name"],
            how="left",
        )
    else:
        live["proposed_score"] = live["metric_score"]
    result = {}
    for metric, group in live.groupby("metric_name"):
        y = group["churned"].to_numpy()
        result[str(metric)] = {
            "live": _round(fit.health_auc(y, group["metric_score"].to_numpy(float))),
            "proposed": _round(fit.health_auc(y, group["proposed_score"].to_numpy(float))),
        }
    return result


def _movers(
    labelled: pd.DataFrame,
    hold: np.ndarray,
    live_score: np.ndarray,
    proposed_score: np.ndarray,
    live_sub: np.ndarray,
    proposed_sub: np.ndarray,
    live_weights: np.ndarray,
    proposed_weights: np.ndarray,
    live_thresholds: dict[str, float],
    proposed_thresholds: dict[str, float],
) -> dict[str, Any]:
    """On the last hold-out day: customers whose segment changes, and the biggest movers with
    the dimensions whose points moved most."""
    last_day = labelled.loc[hold, "score_date"].max()
    day = hold & (labelled["score_date"] == last_day).to_numpy()
    live_segment = segment_of(live_score[day], live_thresholds)
    proposed_segment = segment_of(proposed_score[day], proposed_thresholds)
    moves = pd.crosstab(pd.Series(live_segment, name="live"), pd.Series(proposed_segment))
    delta_points = np.nan_to_num(_points(proposed_sub[day], proposed_weights[day])) - np.nan_to_num(
        _points(live_sub[day], live_weights[day])
    )
    change = proposed_score[day] - live_score[day]
    order = np.argsort(-np.abs(np.nan_to_num(change)))[:10]
    customers = labelled.loc[day, "customer_id"].to_numpy()
    movers = []
    for i in order:
        if np.isnan(change[i]):
            continue
        drivers = np.argsort(-np.abs(delta_points[i]))[:2]
        movers.append(
            {
                "customer_id": str(customers[i]),
                "live_score": _round(live_score[day][i], 1),
                "proposed_score": _round(proposed_score[day][i], 1),
                "change": _round(change[i], 1),
                "live_segment": str(live_segment[i]),
                "proposed_segment": str(proposed_segment[i]),
                "drivers": [f"{DIMENSIONS[d]} {delta_points[i][d]:+.1f} points" for d in drivers],
            }
        )
    return {
        "segment_changes": {
            "day": str(pd.Timestamp(last_day).date()),
            "customers": int(day.sum()),
            "changed": int((live_segment != proposed_segment).sum()),
            "moves": {
                f"{a} -> {b}": int(moves.at[a, b])
                for a in moves.index
                for b in moves.columns
                if a != b and moves.at[a, b]
            },
        },
        "biggest_movers": movers,
    }
