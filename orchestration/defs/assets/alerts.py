"""New alerts leave the warehouse: a CSV per day in the outbox, and a webhook when configured."""

import json
import os
import urllib.request
from pathlib import Path

import duckdb
from dagster import (
    AssetExecutionContext,
    AssetKey,
    BackfillPolicy,
    MaterializeResult,
    MetadataValue,
    asset,
)

from orchestration.project import data_dir, warehouse_path

WEBHOOK_ENV = "CHS_ALERT_WEBHOOK_URL"


def outbox_dir() -> Path:
    return Path(os.environ.get("CHS_OUTBOX_DIR", data_dir() / "outbox")).resolve()


def write_new_alerts(database: Path, outbox: Path) -> tuple[Path | None, list[dict]]:
    """Writes the alerts first seen on the latest scored day to outbox/alerts-<date>.csv.

    The file is rewritten whole, so running twice for the same day gives the same file.
    """
    query = (
        "select alert_id, customer_id, alert_kind, reason, primary_driver, segment,"
        " previous_segment, health_score, score_change_7d, mrr, currency, mrr_reporting,"
        " first_seen_date"
        " from health_alerts where first_seen_date = ?"
        # Largest accounts first, compared in one currency (a missing rate sorts last).
        " order by mrr_reporting desc nulls last, customer_id, alert_kind"
    )
    with duckdb.connect(str(database), read_only=True) as con:
        latest = con.execute("select max(score_date) from customer_health_daily").fetchall()[0][0]
        if latest is None:
            return None, []
        cursor = con.execute(query, [latest])
        columns = [d[0] for d in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
        outbox.mkdir(parents=True, exist_ok=True)
        target = outbox / f"alerts-{latest}.csv"
        literal = str(target).replace("'", "''")
        day_query = query.replace("?", f"date '{latest}'")
        con.execute(f"copy ({day_query}) to '{literal}.tmp' (header)")
    os.replace(str(target) + ".tmp", target)  # readers never see a half-written file
    return target, rows


def post_to_webhook(url: str, rows: list[dict]) -> int:
    body = json.dumps({"alerts": rows}, default=str).encode()
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status


@asset(
    key=["alerts_outbox"],
    deps=[AssetKey(["health_alerts"])],
    group_name="delivery",
    kinds={"csv"},
    owners=["team:customer-success-analytics"],
    backfill_policy=BackfillPolicy.single_run(),
    description="Alerts first seen on the latest scored day, written to "
    "data/outbox/alerts-<date>.csv and posted to $CHS_ALERT_WEBHOOK_URL when set.",
)
def alerts_outbox(context: AssetExecutionContext) -> MaterializeResult:
    target, rows = write_new_alerts(warehouse_path(), outbox_dir())
    metadata: dict[str, object] = {"new_alerts": len(rows)}
    if target is not None:
        metadata["file"] = MetadataValue.path(str(target))
    url = os.environ.get(WEBHOOK_ENV)
    if url and rows:
        metadata["webhook_status"] = post_to_webhook(url, rows)
    context.log.info(f"{len(rows)} new alerts -> {target}")
    return MaterializeResult(metadata=metadata)
