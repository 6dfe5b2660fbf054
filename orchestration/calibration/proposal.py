"""`make calibrate`: fit weights, metric shapes, segment thresholds and churn-risk bands from the
warehouse's own history and outcomes, evaluate the proposal against the live configuration on
observations the fit did not see, and write `seeds/proposed/*.csv` and the report."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import yaml

from orchestration.calibration import fit
from orchestration.calibration.evaluation import (
    evaluate,
    evidence_note,
    reference_model_auc,
)
from orchestration.calibration.observations import (
    DIMENSIONS,
    Split,
    behaviour_start_date,
    label,
    last_history_date,
    read_cancellations,
    read_metric_history,
    read_observations,
    split,
)
from orchestration.calibration.report import write_report
from orchestration.calibration.rescoring import rescore
from orchestration.project import REPO_ROOT


@dataclass
class Proposal:
    weights: dict[str, np.ndarray]  # weight set -> weights in DIMENSIONS order
    weight_set_source: dict[str, str]  # weight set -> "fitted ...", "live ..." or "default"
    metric_bands: dict[str, list[tuple[float, float]]]  # metric -> (lower bound, score)
    thresholds: dict[str, float]
    churn_risk_bands: list[tuple[float, float]]
    metric_fit_auc: dict[str, dict[str, float | None]] = field(default_factory=dict)
    # weight set -> out-of-fold gain and the bar it had to clear (`fit_weight_sets`)
    weight_set_gates: dict[str, dict[str, float]] = field(default_factory=dict)


def dbt_vars(project_root: Path = REPO_ROOT) -> dict[str, Any]:
    with open(project_root / "dbt_project.yml") as handle:
        return yaml.safe_load(handle)["vars"]


def read_settings(seeds_dir: Path) -> dict[str, float]:
    frame = pd.read_csv(seeds_dir / "calibration_settings.csv")
    return dict(zip(frame["setting"], frame["value"].astype(float), strict=True))


def read_bounds(seeds_dir: Path) -> list[tuple[float, float]]:
    frame = pd.read_csv(seeds_dir / "calibration_weight_bounds.csv").set_index("dimension")
    return [
        (float(frame.at[d, "min_weight"]), float(frame.at[d, "max_weight"])) for d in DIMENSIONS
    ]


def rows_in_force(frame: pd.DataFrame, day: date, keys: list[str]) -> pd.DataFrame:
    """The seed rows in force on a day: per key, the latest valid_from on or before it."""
    frame = frame.assign(valid_from=pd.to_datetime(frame["valid_from"]))
    frame = frame[frame["valid_from"] <= pd.Timestamp(day)]
    latest = frame.groupby(keys)["valid_from"].transform("max")
    return frame[frame["valid_from"] == latest]


def live_weight_sets(health_weights: pd.DataFrame, day: date) -> dict[str, np.ndarray]:
    in_force = rows_in_force(health_weights, day, ["plan", "dimension"])
    table = in_force.pivot(index="plan", columns="dimension", values="weight")
    return {plan: table.loc[plan, list(DIMENSIONS)].to_numpy(float) for plan in table.index}


def weights_per_row(
    weight_sets: dict[str, np.ndarray], plan: pd.Series, is_onboarding: pd.Series
) -> np.ndarray:
    """Each row's weights: `onboarding` while onboarding, its plan's set, else `default`."""
    names = np.where(
        is_onboarding.fillna(False).to_numpy(bool),
        "onboarding",
        np.where(plan.isin(list(weight_sets)).to_numpy(), plan.to_numpy(), "default"),
    )
    return np.vstack([weight_sets[name] for name in names])


def fit_metric_shapes(
    labelled: pd.DataFrame,
    fit_mask: np.ndarray,
    metric_history: pd.DataFrame,
    metric_scoring: pd.DataFrame,
    settings: dict[str, float],
) -> tuple[dict[str, list[tuple[float, float]]], dict[str, dict[str, float | None]]]:
    """A learned shape per metric whose AUC beats the live rule's out of fold by
    `metric_shape_min_auc_gain` and by `min_gain_standard_errors` standard errors of the paired
    gain (`fit.paired_auc_gain`), so a
    shape that only fits noise is not proposed. Out of fold: the fit customers dealt into
    `cross_validation_folds` folds (seeded), each fold scored with the shape learned on the
    others, the AUC taken over all folds at once. Percentile metrics keep their rule (they rank
    within the plan)."""
    fit_rows = labelled.loc[fit_mask, ["customer_id", "score_date", "churned"]]
    history = metric_history.assign(score_date=pd.to_datetime(metric_history["score_date"]))
    rows = history.merge(fit_rows, on=["customer_id", "score_date"], how="inner")
    methods = metric_scoring.set_index("metric_name")["method"]
    n_folds = int(settings["cross_validation_folds"])
    seed = int(settings["random_seed"])

    def shape(values: np.ndarray, churned: np.ndarray) -> list[tuple[float, float]]:
        return fit.fit_metric_shape(
            values,
            churned,
            int(settings["metric_shape_bins"]),
            settings["metric_shape_prior_rows"],
            int(settings["metric_shape_min_churners_per_band"]),
        )

    shapes: dict[str, list[tuple[float, float]]] = {}
    fit_auc: dict[str, dict[str, float | None]] = {}
    for metric, group in rows.groupby("metric_name"):
        if methods.get(metric) == "plan_percentile" or group["churned"].nunique() < 2:
            continue
        y = group["churned"].to_numpy()
        values = group["metric_value"].to_numpy(float)
        customers = group["customer_id"].to_numpy()
        folds = fit.customer_folds(customers, n_folds, seed)
        out_of_fold = np.full(len(y), np.nan)
        for k in range(n_folds):
            train = folds != k
            if y[train].sum() == 0 or train.all():
                continue
            out_of_fold[~train] = fit.band_lookup(values[~train], shape(values[train], y[train]))
        checked = ~np.isnan(out_of_fold)
        live_scores = group["metric_score"].to_numpy(float)[checked]
        live = fit.health_auc(y[checked], live_scores)
        proposed = fit.health_auc(y[checked], out_of_fold[checked])
        if live is None or proposed is None:
            continue
        gain, error = fit.paired_auc_gain(
            y[checked], out_of_fold[checked], live_scores, customers[checked], seed=seed
        )
        fit_auc[str(metric)] = {"live": live, "proposed": proposed, "gain_standard_error": error}
        bands = shape(values, y)
        if len(bands) > 1 and gain >= max(
            settings["metric_shape_min_auc_gain"], settings["min_gain_standard_errors"] * error
        ):
            shapes[str(metric)] = bands
    return shapes, fit_auc


def proposed_metric_seeds(
    metric_scoring: pd.DataFrame, metric_bands: pd.DataFrame, shapes: dict[str, list]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The whole metric_scoring / metric_bands tables with the learned shapes in place."""
    scoring = metric_scoring.copy()
    changed = scoring["metric_name"].isin(list(shapes))
    scoring.loc[changed, "method"] = "bands"
    scoring.loc[changed, "description"] = scoring.loc[changed, "description"].map(
        lambda text: f"{text} (bands learned by calibration)"
    )
    bands = metric_bands[~metric_bands["metric_name"].isin(list(shapes))]
    learned = pd.DataFrame(
        [
            {
                "metric_name": metric,
                "lower_bound": lower,
                "band_score": score,
                "band_label": f"learned band {position + 1}",
            }
            for metric, rows in shapes.items()
            for position, (lower, score) in enumerate(rows)
        ],
        columns=metric_bands.columns,
    )
    return scoring, pd.concat([bands, learned], ignore_index=True)


def fit_weight_sets(
    fit_rows: pd.DataFrame,
    sub_scores: np.ndarray,
    live_sets: dict[str, np.ndarray],
    bounds: list[tuple[float, float]],
    settings: dict[str, float],
) -> tuple[dict[str, np.ndarray], dict[str, str], dict[str, dict[str, float]]]:
    """`default` from every fit row not onboarding; each plan and `onboarding` from its own rows
    when they hold enough churners and customers, else the default set's weights. A fitted set
    replaces a live one only when it beats it out of fold by `min_gain_standard_errors`
    standard errors of the paired gain (`fit.paired_auc_gain`): the fit customers are dealt
    into `cross_validation_folds` folds (seeded), each fold scored with weights fitted on the
    others, the AUC over all folds at once against the live weights' on the same rows. A plan
    whose own fit does not pass takes the fitted default set (when the default was fitted)
    unless its live set ranks its rows better than the default's out-of-fold scores, else
    keeps its live set. No change without evidence.

    Also returns, per set whose fit was checked, the out-of-fold `gain` and the bar it had to
    clear (`needed`, `min_gain_standard_errors` standard errors): the smallest gain this much
    history can tell from noise."""
    onboarding = fit_rows["is_onboarding"].fillna(False).to_numpy(bool)
    y = fit_rows["churned"].to_numpy()
    customer_ids = fit_rows["customer_id"].to_numpy()
    n_folds = int(settings["cross_validation_folds"])
    seed = int(settings["random_seed"])
    folds = fit.customer_folds(customer_ids, n_folds, seed)

    def out_of_fold_score(mask: np.ndarray, live: np.ndarray | None) -> np.ndarray:
        """Each row of `mask` scored with weights fitted on the other folds' rows."""
        scores = np.full(len(y), np.nan)
        for k in range(n_folds):
            train, check = mask & (folds != k), mask & (folds == k)
            if y[train].sum() == 0 or not check.any():
                continue
            weights = fit.fit_weights(sub_scores[train], y[train], bounds, live)
            scores[check] = fit.combine(sub_scores[check], np.tile(weights, (check.sum(), 1)))
        return scores

    gates: dict[str, dict[str, float]] = {}

    def beats(
        name: str, mask: np.ndarray, candidate: np.ndarray, live: np.ndarray
    ) -> tuple[bool, str]:
        """Whether out-of-fold scores beat the live weights on the rows of `mask`."""
        checked = mask & ~np.isnan(candidate)
        if y[checked].min(initial=1) == y[checked].max(initial=0):
            return False, "too few outcomes to check a fit out of fold"
        live_score = fit.combine(sub_scores[checked], np.tile(live, (checked.sum(), 1)))
        gain, error = fit.paired_auc_gain(
            y[checked], candidate[checked], live_score, customer_ids[checked], seed=seed
        )
        needed = settings["min_gain_standard_errors"] * error
        gates[name] = {"gain": round(gain, 4), "needed": round(needed, 4)}
        verdict = "over" if gain > needed else "under"
        return gain > needed, f"out-of-fold AUC gain {gain:+.3f}, {verdict} {needed:.3f}"

    def enough(mask: np.ndarray) -> bool:
        return (
            y[mask].sum() >= settings["min_churners_per_set"]
            and fit_rows.loc[mask, "customer_id"].nunique() >= settings["min_customers_per_set"]
        )

    default_mask = ~onboarding
    live_default = live_sets.get("default")
    default = fit.fit_weights(sub_scores[default_mask], y[default_mask], bounds, live_default)
    default_out_of_fold = out_of_fold_score(default_mask, live_default)
    weights, source = {"default": default}, {"default": "fitted"}
    if live_default is not None:
        better, why = beats("default", default_mask, default_out_of_fold, live_default)
        if not better:
            weights["default"] = live_default
        source["default"] = f"{'fitted' if better else 'live'} ({why})"
    default_fitted = source["default"].startswith("fitted")
    for name in sorted(set(live_sets) - {"default"}):
        mask = onboarding if name == "onboarding" else (~onboarding & (fit_rows["plan"] == name))
        mask = np.asarray(mask, dtype=bool)
        if not enough(mask):
            weights[name], source[name] = weights["default"], "default"
            continue
        live = live_sets[name]
        own, why = beats(name, mask, out_of_fold_score(mask, live), live)
        if own:
            weights[name] = fit.fit_weights(sub_scores[mask], y[mask], bounds, live)
            source[name] = f"fitted ({why})"
            continue
        if default_fitted and name != "onboarding":
            # The fitted default set carries the evidence of every plan's rows, this plan's
            # among them: it replaces the plan's live set unless that set does better on the
            # plan's own rows (out of fold for the default, so the comparison is fair).
            checked = mask & ~np.isnan(default_out_of_fold)
            live_score = fit.combine(sub_scores[checked], np.tile(live, (checked.sum(), 1)))
            gain = (fit.health_auc(y[checked], default_out_of_fold[checked]) or 0.5) - (
                fit.health_auc(y[checked], live_score) or 0.5
            )
            if gain >= 0:
                weights[name] = weights["default"]
                source[name] = f"default (fitted; on this plan's rows out of fold {gain:+.3f})"
                continue
        weights[name], source[name] = live, f"live ({why})"
    return weights, source, gates


def calibrate(
    warehouse: Path,
    project_root: Path = REPO_ROOT,
    proposed_dir: Path | None = None,
    report_dir: Path | None = None,
    work_dir: Path | None = None,
    valid_from: date | None = None,
) -> dict[str, Any]:
    """Runs the whole calibration; returns the report (also written to report_dir)."""
    seeds_dir = project_root / "seeds"
    proposed_dir = proposed_dir or seeds_dir / "proposed"
    report_dir = report_dir or warehouse.parent / "calibration"
    work_dir = work_dir or report_dir / "rescoring"
    variables = dbt_vars(project_root)
    horizon = int(variables["churn_horizon_days"])
    step = int(variables["backtest_step_days"])
    settings = read_settings(seeds_dir)
    bounds = read_bounds(seeds_dir)
    health_weights = pd.read_csv(seeds_dir / "health_weights.csv")
    thresholds_seed = pd.read_csv(seeds_dir / "segment_thresholds.csv")
    metric_scoring = pd.read_csv(seeds_dir / "metric_scoring.csv")
    metric_bands = pd.read_csv(seeds_dir / "metric_bands.csv")
    health_settings = pd.read_csv(seeds_dir / "health_settings.csv").set_index("setting")

    with duckdb.connect(str(warehouse), read_only=True) as con:
        observations = read_observations(con)
        cancellations = read_cancellations(con)
        metric_history = read_metric_history(con)
        last_date = last_history_date(con)
        data_start = behaviour_start_date(con)
    if observations.empty:
        raise ValueError(
            f"{warehouse}: no score history on the metric history's days "
            "(intermediate.int_health__metric_history); score a longer range first"
        )
    valid_from = valid_from or last_date + timedelta(days=1)
    if valid_from <= last_date:
        raise ValueError(
            f"valid_from {valid_from} lies inside the scored history (last day {last_date}): "
            "a proposal may only apply from a day after it"
        )

    # Days whose sub-score windows reach back before the data began score a warm-up, not
    # behaviour: they are left out of the fit and of the evaluation alike.
    warmup_days = int(settings.get("observation_warmup_days", 0))
    first_observation = data_start + timedelta(days=warmup_days) if data_start else None
    labelled = label(observations, cancellations, horizon, last_date, first_observation)
    labelled = labelled[~labelled["has_override"].astype(bool)].reset_index(drop=True)
    if labelled.empty or labelled["churned"].nunique() < 2:
        raise ValueError(
            f"{warehouse}: no observation from {first_observation or 'the first day'} (the "
            f"data's warm-up of {warmup_days} days after its start) with {horizon} days of "
            "follow-up and both outcomes; calibration needs a longer history"
        )
    the_split = split(
        labelled,
        horizon,
        settings["holdout_share"],
        int(settings["min_split_days"]),
        int(settings["random_seed"]),
    )

    shapes, metric_fit_auc = fit_metric_shapes(
        labelled, the_split.fit, metric_history, metric_scoring, settings
    )
    scoring_seed, bands_seed = proposed_metric_seeds(metric_scoring, metric_bands, shapes)
    live_sub = labelled[[f"{d}_score" for d in DIMENSIONS]].to_numpy(float)
    proposed_metric_scores = None
    if shapes:
        days = labelled["score_date"]
        rescored, proposed_metric_scores = rescore(
            project_root,
            warehouse,
            work_dir,
            scoring_seed,
            bands_seed,
            days.min().date(),
            days.max().date(),
            step,
        )
        merged = labelled[["customer_id", "score_date"]].merge(
            rescored, on=["customer_id", "score_date"], how="left"
        )
        proposed_sub = merged[[f"{d}_score" for d in DIMENSIONS]].to_numpy(float)
    else:
        proposed_sub = live_sub

    live_sets = live_weight_sets(health_weights, last_date)
    fit_rows = labelled[the_split.fit].reset_index(drop=True)
    weights, weight_source, weight_gates = fit_weight_sets(
        fit_rows, proposed_sub[the_split.fit], live_sets, bounds, settings
    )
    # Evaluated with the weights exactly as written to the proposed seed.
    weights = {name: _rounded_to_one(w) for name, w in weights.items()}
    row_weights = weights_per_row(weights, labelled["plan"], labelled["is_onboarding"])
    proposed_score = fit.combine(proposed_sub, row_weights)

    fit_scored = the_split.fit & ~np.isnan(proposed_score)
    y = labelled["churned"].to_numpy()
    live_thresholds = rows_in_force(thresholds_seed, last_date, ["segment"])
    thresholds = fit.fit_segment_thresholds(
        proposed_score[fit_scored],
        y[fit_scored],
        live_thresholds,
        settings["at_risk_rate_multiple"],
        settings["promoter_rate_multiple"],
        settings.get("min_segment_share", 0.0),
    )
    churn_bands = fit.fit_churn_risk_bands(
        proposed_score[fit_scored],
        y[fit_scored],
        int(settings["churn_risk_max_bands"]),
        settings.get("churn_risk_prior_rows", 0.0),
    )
    proposal = Proposal(
        weights, weight_source, shapes, thresholds, churn_bands, metric_fit_auc, weight_gates
    )

    live_sets_rows = weights_per_row(live_sets, labelled["plan"], labelled["is_onboarding"])
    report = evaluate(
        labelled=labelled,
        the_split=the_split,
        live_sub=live_sub,
        proposed_sub=proposed_sub,
        live_weights=live_sets_rows,
        proposed_weights=row_weights,
        proposed_score=proposed_score,
        live_thresholds=live_thresholds,
        proposal=proposal,
        metric_history=metric_history,
        proposed_metric_scores=proposed_metric_scores,
        min_completeness_pct=float(health_settings.at["min_data_completeness_pct", "value"]),
    )
    # The default set's gate itself is in the proposal (`weight_set_gates`).
    fit_churners = labelled[the_split.fit & (labelled["churned"] == 1).to_numpy()]
    churned, churning_customers = len(fit_churners), int(fit_churners["customer_id"].nunique())
    report["evidence"] = {
        "fit_churned_observations": churned,
        "fit_churned_customers": churning_customers,
        "note": evidence_note(
            weight_gates.get("default"),
            settings["min_gain_standard_errors"],
            churned,
            churning_customers,
        ),
    }
    report["reference_model"] = reference_model_auc(
        labelled, the_split, live_sub, metric_history, int(settings["random_seed"])
    )
    report.update(
        {
            "warehouse": str(warehouse),
            "last_history_date": str(last_date),
            "valid_from": str(valid_from),
            "churn_horizon_days": horizon,
            "behaviour_start_date": _text(data_start),
            "observation_warmup_days": warmup_days,
            "first_observation_date": _text(first_observation),
            "observation_step_days": step,
            "staleness_auc_margin": settings["staleness_auc_margin"],
            "metric_shapes_evaluated_by": (
                "dbt scoring re-run on a copy of the project and warehouse with the proposed "
                "metric seeds, for the observation days"
                if shapes
                else "no metric shape proposed: sub-scores are the history's"
            ),
        }
    )
    write_proposed_seeds(
        proposed_dir, proposal, live_thresholds, scoring_seed, bands_seed, valid_from
    )
    write_report(report_dir, report)
    return report


def write_proposed_seeds(
    proposed_dir: Path,
    proposal: Proposal,
    live_thresholds: pd.DataFrame,
    scoring_seed: pd.DataFrame,
    bands_seed: pd.DataFrame,
    valid_from: date,
) -> None:
    """The proposal in the live seeds' formats, every versioned row with the new valid_from;
    metric rules only for the metrics whose shape was learned."""
    proposed_dir.mkdir(parents=True, exist_ok=True)
    for stale in proposed_dir.glob("*.csv"):
        stale.unlink()
    day = str(valid_from)
    pd.DataFrame(
        [
            {"plan": name, "dimension": dimension, "weight": round(float(w), 4), "valid_from": day}
            for name, weights in proposal.weights.items()
            for dimension, w in zip(DIMENSIONS, _rounded_to_one(weights), strict=True)
        ]
    ).to_csv(proposed_dir / "health_weights.csv", index=False)
    thresholds = live_thresholds.drop(columns=["valid_from"]).copy()
    thresholds["min_score"] = thresholds["segment"].map(proposal.thresholds).astype(int)
    thresholds["requires_advocacy"] = thresholds["requires_advocacy"].map(lambda v: str(v).lower())
    thresholds["valid_from"] = day
    thresholds.sort_values("segment_order")[
        ["segment", "min_score", "health_color", "segment_order", "requires_advocacy", "valid_from"]
    ].to_csv(proposed_dir / "segment_thresholds.csv", index=False)
    pd.DataFrame(
        [
            {"min_score": int(lower), "churn_risk": risk, "valid_from": day}
            for lower, risk in proposal.churn_risk_bands
        ]
    ).to_csv(proposed_dir / "churn_risk_bands.csv", index=False)
    if proposal.metric_bands:
        learned = list(proposal.metric_bands)
        scoring_seed[scoring_seed["metric_name"].isin(learned)].to_csv(
            proposed_dir / "metric_scoring.csv", index=False
        )
        bands_seed[bands_seed["metric_name"].isin(learned)].to_csv(
            proposed_dir / "metric_bands.csv", index=False
        )


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _rounded_to_one(weights: np.ndarray) -> np.ndarray:
    """Weights rounded to 4 decimals that still sum to exactly 1 (the rest on the largest)."""
    rounded = np.round(weights, 4)
    rounded[int(np.argmax(rounded))] += round(1.0 - rounded.sum(), 4)
    return np.round(rounded, 4)


__all__ = ["Proposal", "Split", "calibrate"]
