"""The calibration maths: the score's combination step, and the fits of weights (scipy SLSQP),
metric shapes (bins cut by a scikit-learn decision tree), segment thresholds (sklearn isotonic
regression) and churn-risk bands."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.stats import rankdata
from sklearn.isotonic import IsotonicRegression
from sklearn.metrics import roc_auc_score
from sklearn.tree import DecisionTreeClassifier


def combine(sub_scores: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The overall score as the SQL computes it: the weighted mean of the sub-scores present,
    the weights re-normalised over them, clamped to 0-100; NaN when no weight is present."""
    present = ~np.isnan(sub_scores)
    w = np.where(present, weights, 0.0)
    total = w.sum(axis=1)
    points = (w * np.nan_to_num(sub_scores)).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(total > 0, points / np.where(total > 0, total, 1.0), np.nan)
    return np.clip(score, 0.0, 100.0)


def health_auc(churned: np.ndarray, score: np.ndarray) -> float | None:
    """P(a customer who stayed scored higher than one who churned); None when a class is empty."""
    keep = ~np.isnan(score)
    y, s = churned[keep], score[keep]
    if y.min(initial=1) == y.max(initial=0) or len(y) == 0:
        return None
    return float(roc_auc_score(y, -s))


def paired_auc_gain(
    churned: np.ndarray,
    candidate: np.ndarray,
    incumbent: np.ndarray,
    customer_ids: np.ndarray,
    resamples: int = 200,
    seed: int = 0,
) -> tuple[float, float]:
    """The candidate score's AUC minus the incumbent's on the same rows, and the standard error
    of that difference from a bootstrap over customers (all of a customer's rows drawn together:
    its observations are not independent evidence). Both scores rank the same rows, so the
    error is that of a paired difference, much smaller than two unrelated AUCs'."""
    gain = (health_auc(churned, candidate) or 0.5) - (health_auc(churned, incumbent) or 0.5)
    codes, _ = pd.factorize(customer_ids)
    order = np.argsort(codes, kind="stable")
    starts = np.searchsorted(codes[order], np.arange(codes.max() + 1))
    sizes = np.diff(np.append(starts, len(codes)))
    rng = np.random.default_rng(seed)
    gains = []
    for _ in range(resamples):
        # Whole customers drawn with replacement: each drawn customer brings all its rows.
        picked = rng.integers(0, len(starts), len(starts))
        drawn = order[np.repeat(starts[picked], sizes[picked]) + _offsets(sizes[picked])]
        y = churned[drawn]
        if y.min() == y.max():
            continue
        gains.append(_rank_auc(y, candidate[drawn]) - _rank_auc(y, incumbent[drawn]))
    return float(gain), float(np.std(gains)) if len(gains) > 1 else float("inf")


def _offsets(sizes: np.ndarray) -> np.ndarray:
    """0, 1, ... size - 1 for each size, concatenated."""
    ends = np.cumsum(sizes)
    return np.arange(ends[-1]) - np.repeat(ends - sizes, sizes)


def _rank_auc(churned: np.ndarray, score: np.ndarray) -> float:
    """`health_auc` by ranks (Mann-Whitney, ties half), without scikit-learn's checks: the
    bootstrap calls it hundreds of times. Rows without a score are left out."""
    keep = ~np.isnan(score)
    y, s = churned[keep], score[keep]
    positives = int(y.sum())
    negatives = len(y) - positives
    if positives == 0 or negatives == 0:
        return 0.5
    ranks = rankdata(-s)
    return float((ranks[y == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def customer_folds(customer_ids: np.ndarray, n_folds: int, seed: int) -> np.ndarray:
    """Each row's fold, 0 to n_folds - 1: the distinct customers dealt at random (seeded) into
    folds, all of a customer's rows in one, so no customer is fitted and checked at once."""
    customers = np.unique(customer_ids)
    order = np.random.default_rng(seed).permutation(customers)
    fold_of = pd.Series(np.arange(len(order)) % n_folds, index=order)
    return fold_of.loc[customer_ids].to_numpy()


def _log_likelihood(score: np.ndarray, churned: np.ndarray, a: float, b: float) -> float:
    z = a + b * (score - 50.0) / 10.0
    # log(1 + e^z) computed stably; churn probability is sigmoid(z).
    return float(np.sum(churned * z - np.logaddexp(0.0, z)))


def fit_weights(
    sub_scores: np.ndarray,
    churned: np.ndarray,
    bounds: Sequence[tuple[float, float]],
    start: np.ndarray | None = None,
) -> np.ndarray:
    """Weights within `bounds`, summing to 1, that maximise the log-likelihood of churn under a
    logistic model of the re-normalised weighted score (SLSQP: bounds and the sum constraint)."""
    n_dims = sub_scores.shape[1]
    lower = np.array([b[0] for b in bounds])
    upper = np.array([b[1] for b in bounds])
    if start is None:
        start = np.full(n_dims, 1.0 / n_dims)
    start = np.clip(start, lower, upper)
    start = start / start.sum()
    rows = ~np.all(np.isnan(sub_scores), axis=1)
    x, y = sub_scores[rows], churned[rows].astype(float)
    rate = np.clip(y.mean(), 1e-4, 1 - 1e-4)

    def negative_log_likelihood(params: np.ndarray) -> float:
        score = combine(x, params[:n_dims])
        return -_log_likelihood(score, y, params[n_dims], params[n_dims + 1]) / len(y)

    initial = np.concatenate([start, [np.log(rate / (1 - rate)), -0.5]])
    result = minimize(
        negative_log_likelihood,
        initial,
        method="SLSQP",
        bounds=[*zip(lower, upper, strict=True), (-20.0, 20.0), (-20.0, 20.0)],
        constraints=[{"type": "eq", "fun": lambda p: p[:n_dims].sum() - 1.0}],
        options={"maxiter": 300, "ftol": 1e-10},
    )
    weights = np.clip(result.x[:n_dims], lower, upper)
    return weights / weights.sum()


def fit_metric_shape(
    values: np.ndarray,
    churned: np.ndarray,
    max_bins: int,
    prior_rows: float,
    min_churners_per_bin: int = 1,
) -> list[tuple[float, float]]:
    """Bands (lower bound, 0-100 score) of a metric from churn rates in bins of its values cut
    where the rate changes (`_supervised_edges`): the lowest churn rate scores 100, the highest
    0, any direction or shape (a first-year peak in tenure, say). Fewer bins when churners are
    few (about `min_churners_per_bin` each); rates are shrunk towards the overall rate by
    `prior_rows`.
    The first band starts at -inf's stand-in, -1e9, so every value falls in a band."""
    values = values.astype(float)
    max_bins = int(max(2, min(max_bins, churned.sum() // max(min_churners_per_bin, 1))))
    overall = churned.mean()
    edges = _supervised_edges(values, churned, max_bins, min_churners_per_bin, overall)
    bins = np.searchsorted(edges[1:-1], values, side="right")
    frame = pd.DataFrame({"bin": bins, "churned": churned})
    counts = frame.groupby("bin")["churned"].agg(["sum", "count"])
    rates = (counts["sum"] + prior_rows * overall) / (counts["count"] + prior_rows)
    low, high = rates.min(), rates.max()
    bands: list[tuple[float, float]] = []
    for position, (bin_index, rate) in enumerate(rates.items()):
        score = 50.0 if high - low < 1e-12 else 100.0 * (high - rate) / (high - low)
        lower_bound = -1e9 if position == 0 else float(edges[bin_index])
        score = round(float(score))
        if bands and bands[-1][1] == score:
            continue  # adjacent bins with the same score are one band
        bands.append((lower_bound, score))
    return bands


def _supervised_edges(
    values: np.ndarray,
    churned: np.ndarray,
    max_bins: int,
    min_churners_per_bin: int,
    overall: float,
) -> np.ndarray:
    """Bin edges (lowest value, cut points, highest value) where the churn rate changes most: a
    decision tree on the metric alone (scikit-learn), at most `max_bins` leaves, each holding
    enough rows for about `min_churners_per_bin` churners at the overall rate. Quantile bins
    would cut where the customers are, not where the risk changes: a metric whose values
    bunch up (monthly terms all have under 32 days left) would share one bin with the rest."""
    min_rows = int(np.ceil(max(min_churners_per_bin, 1) / max(overall, 1e-6)))
    min_rows = min(max(min_rows, 1), max(len(values) // 2, 1))
    tree = DecisionTreeClassifier(
        max_leaf_nodes=max(max_bins, 2), min_samples_leaf=min_rows, random_state=0
    ).fit(values.reshape(-1, 1), churned)
    inner = tree.tree_.children_left != tree.tree_.children_right
    cuts = np.sort(tree.tree_.threshold[inner])
    return np.concatenate([[values.min()], cuts, [values.max()]])


def band_lookup(values: np.ndarray, bands: list[tuple[float, float]]) -> np.ndarray:
    """The SQL band rule: the score of the band with the highest lower bound at or below."""
    bounds = np.array([b[0] for b in bands])
    scores = np.array([b[1] for b in bands], dtype=float)
    index = np.searchsorted(bounds, values, side="right") - 1
    return np.where(index >= 0, scores[np.clip(index, 0, None)], np.nan)


def churn_rate_curve(score: np.ndarray, churned: np.ndarray) -> IsotonicRegression:
    """Churn rate as a non-increasing function of the score (isotonic regression)."""
    model = IsotonicRegression(increasing=False, out_of_bounds="clip", y_min=0.0, y_max=1.0)
    model.fit(score, churned)
    return model


def fit_segment_thresholds(
    score: np.ndarray,
    churned: np.ndarray,
    live_thresholds: pd.DataFrame,
    at_risk_multiple: float,
    promoter_multiple: float,
    min_segment_share: float = 0.0,
) -> dict[str, float]:
    """Lowest score of each segment from the churn-rate curve: needs_attention starts where the
    rate falls under `at_risk_multiple` x the overall rate, engaged under the overall rate,
    promoter under `promoter_multiple` x it. Each segment then holds at least
    `min_segment_share` of the observations (a band a few points wide holds too few customers
    for its churn rate to mean anything on other days). Whole points, increasing."""
    curve = churn_rate_curve(score, churned)
    grid = np.arange(0, 101)
    rate = curve.predict(grid)
    overall = churned.mean()

    def first_under(limit: float, floor: int) -> int:
        below = grid[(rate < limit) & (grid > floor)]
        return int(below[0]) if len(below) else 100

    needs_attention = first_under(at_risk_multiple * overall, 0)
    engaged = first_under(overall, needs_attention)
    promoter = first_under(promoter_multiple * overall, engaged)
    if min_segment_share > 0:
        needs_attention, engaged, promoter = _with_min_share(
            score, [needs_attention, engaged, promoter], min_segment_share
        )
    # Keep the bands distinct and inside 1-100 even when the curve is flat somewhere.
    needs_attention = min(max(needs_attention, 1), 97)
    engaged = min(max(engaged, needs_attention + 1), 98)
    promoter = min(max(promoter, engaged + 1), 99)
    fitted = {
        "at_risk": 0.0,
        "needs_attention": float(needs_attention),
        "engaged": float(engaged),
        "promoter": float(promoter),
    }
    return {segment: fitted.get(segment, 0.0) for segment in live_thresholds["segment"]}


def _with_min_share(score: np.ndarray, thresholds: list[int], share: float) -> list[int]:
    """Moves whole-point thresholds as little as needed for every segment (below the first,
    between two, above the last) to hold at least `share` of the scores."""
    points = np.arange(0, 102)
    below = np.array([(score < point).mean() for point in points])  # share under each point
    cuts = [float(below[t]) for t in thresholds]
    for i in range(len(cuts)):  # upwards: enough under each threshold
        cuts[i] = max(cuts[i], (cuts[i - 1] if i else 0.0) + share)
    for i in reversed(range(len(cuts))):  # downwards: enough above each threshold
        cuts[i] = min(cuts[i], (cuts[i + 1] if i + 1 < len(cuts) else 1.0) - share)
    # The lowest whole point whose share under it reaches the cut.
    return [int(points[np.searchsorted(below, cut - 1e-12)]) for cut in cuts]


def fit_churn_risk_bands(
    score: np.ndarray, churned: np.ndarray, max_bands: int, prior_rows: float = 0.0
) -> list[tuple[float, float]]:
    """(min_score, churn_risk) bands, the first starting at 0.

    Each band's risk is its observed churn rate shrunk towards the overall rate as if
    `prior_rows` observations at the overall rate were added (a top band with few churners
    gets a small risk, not a zero its hold-out will not keep), then made non-increasing in the
    score (isotonic regression over the bands, weighted by their observations). Adjacent bands
    with the same rounded risk are merged."""
    # Edges at quantiles of the churned observations' scores: each band holds about as many
    # churners, so the bands are narrow where churn concentrates (low scores) and wide where
    # it is rare, and no band's rate rests on a handful of churners.
    basis = score[churned == 1] if churned.sum() >= max_bands else score
    edges = np.unique(np.floor(np.quantile(basis, np.linspace(0, 1, max_bands + 1)[:-1])))
    edges[0] = 0.0
    overall = float(churned.mean())
    lowers, counts, rates = [], [], []
    for position, lower in enumerate(edges):
        upper = edges[position + 1] if position + 1 < len(edges) else np.inf
        inside = (score >= lower) & (score < upper) if position else score < upper
        if not inside.any():
            continue
        n = float(inside.sum())
        lowers.append(float(lower))
        counts.append(n)
        rates.append((float(churned[inside].sum()) + prior_rows * overall) / (n + prior_rows))
    if not lowers:
        return [(0.0, round(overall, 4))]
    monotone = IsotonicRegression(increasing=False, y_min=0.0, y_max=1.0).fit_transform(
        np.arange(len(rates)), np.array(rates), sample_weight=np.array(counts)
    )
    bands: list[tuple[float, float]] = []
    for lower, rate in zip(lowers, monotone, strict=True):
        risk = round(float(rate), 4)
        if bands and bands[-1][1] == risk:
            continue
        bands.append((lower, risk))
    if bands[0][0] != 0.0:
        bands[0] = (0.0, bands[0][1])
    return bands
