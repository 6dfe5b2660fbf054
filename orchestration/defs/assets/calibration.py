"""The monthly calibration: a proposal learned from the warehouse's history (seeds/proposed/ and
data/calibration/report.*), and a check that warns when the live configuration has gone stale."""

import json
from pathlib import Path

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    AssetSelection,
    BackfillPolicy,
    MaterializeResult,
    MetadataValue,
    ScheduleDefinition,
    asset,
    asset_check,
    define_asset_job,
)

from orchestration.project import REPO_ROOT, data_dir, warehouse_path


def report_dir() -> Path:
    return data_dir() / "calibration"


@asset(
    key=["calibration_proposal"],
    # After the current marts: the history it reads is complete for the last day scored.
    deps=[
        AssetKey(["customer_health"]),
        AssetKey(["intermediate", "int_health__metric_history"]),
    ],
    group_name="calibration",
    owners=["team:customer-success-analytics"],
    kinds={"python", "csv"},
    backfill_policy=BackfillPolicy.single_run(),
    description="Weights, metric shapes, segment thresholds and churn_risk bands learned from "
    "the score history and later cancellations, evaluated on a hold-out, written to "
    "seeds/proposed/*.csv with data/calibration/report.md. Reads the warehouse read-only; "
    "nothing live changes until `make accept-calibration`.",
)
def calibration_proposal(context: AssetExecutionContext) -> MaterializeResult:
    from orchestration.calibration.proposal import calibrate

    report = calibrate(warehouse_path(), project_root=REPO_ROOT, report_dir=report_dir())
    context.log.info(
        f"hold-out AUC live {report['holdout_auc_live']}, proposed {report['holdout_auc_proposed']}"
    )
    return MaterializeResult(
        metadata={
            "split": report["split"]["kind"],
            "holdout_auc_live": report["holdout_auc_live"],
            "holdout_auc_proposed": report["holdout_auc_proposed"],
            "valid_from": report["valid_from"],
            "report": MetadataValue.path(str(report_dir() / "report.md")),
        }
    )


def staleness(report: dict, margin: float) -> tuple[bool, float | None]:
    """Passes unless the proposal beats the live configuration on the hold-out by > margin."""
    live, proposed = report.get("holdout_auc_live"), report.get("holdout_auc_proposed")
    if live is None or proposed is None:
        return True, None
    gain = round(proposed - live, 4)
    return gain <= margin, gain


@asset_check(
    asset=calibration_proposal,
    name="live_configuration_not_stale",
    description="Warns when the proposal beats the live configuration's hold-out AUC by more "
    "than staleness_auc_margin (seeds/calibration_settings.csv): time to review and accept it.",
)
def calibration_staleness(context: AssetCheckExecutionContext) -> AssetCheckResult:
    report = json.loads((report_dir() / "report.json").read_text())
    margin = float(report["staleness_auc_margin"])
    passed, gain = staleness(report, margin)
    return AssetCheckResult(
        passed=passed,
        severity=AssetCheckSeverity.WARN,
        metadata={
            "holdout_auc_live": report.get("holdout_auc_live"),
            "holdout_auc_proposed": report.get("holdout_auc_proposed"),
            "auc_gain": gain,
            "margin": margin,
        },
    )


calibration_selection = AssetSelection.assets(calibration_proposal)

monthly_calibration_job = define_asset_job(
    name="monthly_calibration",
    selection=calibration_selection,
    description="Fit a calibration proposal from the history (not part of the daily run).",
)

# 07:00 UTC on the first of each month, after that day's daily run.
monthly_calibration_schedule = ScheduleDefinition(
    name="monthly_calibration_schedule", job=monthly_calibration_job, cron_schedule="0 7 1 * *"
)
