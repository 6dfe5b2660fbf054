"""The calibration report: `report.json` (every figure) and `report.md` (the same for people)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def write_report(report_dir: Path, report: dict[str, Any]) -> None:
    report_dir.mkdir(parents=True, exist_ok=True)
    (report_dir / "report.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
    (report_dir / "report.md").write_text(markdown(report))


def _table(headers: list[str], rows: list[list[object]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join("-" if v is None else str(v) for v in row) + " |" for row in rows]
    return lines + [""]


def markdown(report: dict[str, Any]) -> str:
    s = report["split"]
    out = [
        "# Calibration report",
        "",
        f"History to {report['last_history_date']}; proposal valid from {report['valid_from']}; "
        f"churn = a cancellation requested within {report['churn_horizon_days']} days.",
        "",
        "## Split",
        "",
        f"Behaviour data starts {report.get('behaviour_start_date') or 'unknown'}; observations "
        f"start {report.get('observation_warmup_days', 0)} days later, on "
        f"{report.get('first_observation_date') or 'the first day'}, so no sub-score measures a "
        "window that reaches back before the data (a warm-up).",
        "",
        f"By **{s['kind']}**. Fit: {s['fit_observations']} observations "
        f"({s['fit_churned']} churned, {s['fit_customers']} customers, {len(s['fit_days'])} days"
        + (f", labels up to {s['fit_last_label_date']}" if s["fit_last_label_date"] else "")
        + f"). Hold-out: {s['holdout_observations']} observations ({s['holdout_churned']} "
        f"churned, {s['holdout_customers']} customers, {len(s['holdout_days'])} days"
        + (f", from {s['holdout_first_date']}" if s["holdout_first_date"] else "")
        + f"). Live and proposed are compared on the {s['compared_observations']} hold-out "
        "observations both score.",
        "",
        f"How it was evaluated: live = the history's `health_score` (the real scoring); proposed "
        f"= sub-scores from {report['metric_shapes_evaluated_by']}, combined with the proposed "
        "weights exactly as the SQL does (re-normalised weighted mean over present dimensions).",
        "",
        "## Hold-out",
        "",
    ]
    out += _table(
        ["", "live", "proposed"],
        [
            ["AUC", report["holdout_auc_live"], report["holdout_auc_proposed"]],
            [
                "precision-recall AUC",
                report["holdout_pr_auc_live"],
                report["holdout_pr_auc_proposed"],
            ],
            [
                "AUC, every observation (grey as a tie at the median)",
                report["holdout_auc_live_all"],
                report["holdout_auc_proposed_all"],
            ],
            ["grey share", report["grey_share"]["live"], report["grey_share"]["proposed"]],
            [
                "churners grey",
                report["grey_share"]["live_churners_grey"],
                report["grey_share"]["proposed_churners_grey"],
            ],
        ],
    )
    grey = report["grey_share"]
    out += [
        f"Proposed AUC over every hold-out observation it scores: "
        f"{report['holdout_auc_proposed_all_scored']}. Overall hold-out churn rate "
        f"{report['holdout_churn_rate']}.",
        "",
        f"Grey before sparse scoring: under the 50% data-completeness floor the project used to "
        f"ship, {grey.get('live_at_50pct_floor')} of the hold-out observations would be grey; "
        f"with `min_data_completeness_pct` {grey['live_min_data_completeness_pct']} it is "
        f"{grey['live']}.",
        "",
    ]
    reference = report.get("reference_model")
    if reference and reference.get("holdout_auc") is not None:
        out += [
            f"Reference (not a configuration): a {reference['model']} "
            f"({reference['features']} features, fitted on {reference['fit_observations']} fit "
            f"observations) reaches a hold-out AUC of {reference['holdout_auc']}. Well above the "
            "proposal, the data holds churn signal the configuration misses (a metric shape "
            "the fit could not prove on these rows, or a combination of metrics a weighted "
            "score cannot express); at or under it, the configuration misses nothing a model "
            "learned from these rows alone finds.",
            "",
        ]
    evidence = report.get("evidence")
    if evidence:
        out += [f"How much this history can prove: {evidence['note']}.", ""]
    out += ["### Lift by decile (1 = lowest scores)", ""]
    live, proposed = report["lift_by_decile"]["live"], report["lift_by_decile"]["proposed"]
    out += _table(
        ["decile", "live churn rate", "live lift", "proposed churn rate", "proposed lift"],
        [
            [a["decile"], a["churn_rate"], a["lift"], b["churn_rate"], b["lift"]]
            for a, b in zip(live, proposed, strict=False)
        ],
    )
    out += ["### Churn rate per segment (by score band)", ""]
    for side in ("live", "proposed"):
        out += [f"{side}:", ""]
        out += _table(
            ["segment", "observations", "churned", "churn rate"],
            [
                [r["segment"], r["observations"], r["churned"], r["churn_rate"]]
                for r in report["churn_rate_by_segment"][side]
            ],
        )
    out += ["### Reliability of churn_risk (proposed bands)", ""]
    out += _table(
        ["decile", "observations", "predicted", "observed", "gap (points)"],
        [
            [r["decile"], r["observations"], r["predicted"], r["observed"], r["gap_points"]]
            for r in report["churn_risk_reliability"]
        ],
    )
    out += [f"churn_risk: {report['churn_risk_note']}.", ""]
    changes = report["segment_changes"]
    out += [
        f"### Segment changes on {changes['day']}",
        "",
        f"{changes['changed']} of {changes['customers']} customers change segment.",
        "",
    ]
    out += _table(["move", "customers"], [[k, v] for k, v in changes["moves"].items()])
    out += ["### Biggest movers", ""]
    out += _table(
        ["customer", "live", "proposed", "change", "segments", "drivers"],
        [
            [
                m["customer_id"],
                m["live_score"],
                m["proposed_score"],
                m["change"],
                f"{m['live_segment']} -> {m['proposed_segment']}",
                ", ".join(m["drivers"]),
            ]
            for m in report["biggest_movers"]
        ],
    )
    out += ["### AUC per dimension and per metric (hold-out)", ""]
    out += _table(
        ["dimension", "live", "proposed"],
        [[d, v["live"], v["proposed"]] for d, v in report["dimension_auc"].items()],
    )
    out += _table(
        ["metric", "live", "proposed"],
        [[m, v["live"], v["proposed"]] for m, v in report["metric_auc"].items()],
    )
    p = report["proposal"]
    out += ["## Proposal", "", "Weights (fitted on the set's own rows, or the default set's):", ""]
    dims = list(next(iter(p["weights"].values())))
    out += _table(
        ["set", "source", *dims],
        [
            [name, p["weight_set_source"][name], *(round(w[d], 4) for d in dims)]
            for name, w in p["weights"].items()
        ],
    )
    out += _table(["segment", "min_score"], [[k, v] for k, v in p["segment_thresholds"].items()])
    out += _table(
        ["min_score", "churn_risk"],
        [[b["min_score"], b["churn_risk"]] for b in p["churn_risk_bands"]],
    )
    learned = p["learned_metric_shapes"]
    out += [f"Learned metric shapes: {', '.join(learned) or 'none'}.", ""]
    for metric, bands in learned.items():
        out += [f"{metric}:", ""]
        out += _table(
            ["lower_bound", "band_score"], [[b["lower_bound"], b["band_score"]] for b in bands]
        )
    out += [
        "Accept with `make accept-calibration`: it appends the proposed weights, thresholds and "
        "churn_risk bands to `seeds/` with the new valid_from and replaces the rules of the "
        "learned metrics.",
        "",
    ]
    return "\n".join(out)
