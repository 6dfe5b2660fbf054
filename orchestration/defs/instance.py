"""The Dagster instance of `make run` / `make dev`: its dagster.yaml, and an event log that writes
a single-run backfill's per-partition events in one transaction.

A run over a range of N days records one materialization per daily asset and day (Dagster's
partition status is built from them). Dagster hands such events over as one batch when
`DAGSTER_EVENT_BATCH_SIZE` is set, but its SQLite event log stores a batch one event at a time,
two SQLite commits each (the run's file and the cross-run index): 365 days x 17 daily assets took
minutes. `BatchedSqliteEventLogStorage` stores a batch of asset events in one transaction per
file; the rows written are exactly those of `store_event`, so the UI, partition status and
`dagster` CLI read them the same way.

`DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS` makes the run's start record one "planned"
event per asset with the range instead of one per day; Dagster's documented trade-off is that a
failed range run leaves its days "missing" rather than "failed" in the partition status.

    python -m orchestration.defs.instance DAGSTER_HOME   # prints the dagster.yaml
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from dagster._core.events import ASSET_CHECK_EVENTS, ASSET_EVENTS, EVENT_TYPE_TO_PIPELINE_RUN_STATUS
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log import SqliteEventLogStorage
from dagster._core.storage.sqlalchemy_compat import db_result
from dagster._serdes import ConfigurableClassData

# Read by Dagster when it writes events and creates runs; exported by the Makefile for the
# webserver and daemon, and set by orchestration.definitions for any process that loads the code.
DAGSTER_SPEED_SETTINGS: dict[str, str] = {
    "DAGSTER_EVENT_BATCH_SIZE": "10000",
    "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS": "true",
}


def apply_speed_settings() -> None:
    for name, value in DAGSTER_SPEED_SETTINGS.items():
        os.environ.setdefault(name, value)


def _is_asset_event(event: EventLogEntry) -> bool:
    """An asset event that `store_event` writes to the run file and the index only."""
    if not event.is_dagster_event:
        return False
    kind = event.dagster_event_type
    return (
        kind in ASSET_EVENTS
        and kind not in ASSET_CHECK_EVENTS
        and kind not in EVENT_TYPE_TO_PIPELINE_RUN_STATUS
        and event.get_dagster_event().asset_key is not None
    )


class BatchedSqliteEventLogStorage(SqliteEventLogStorage):
    """Dagster's SQLite event log, storing a batch of one run's asset events in one transaction
    on the run's file and one on the index (instead of two commits per event)."""

    @classmethod
    def from_config_value(  # ty: ignore[invalid-method-override]
        cls, inst_data: ConfigurableClassData | None, config_value: Mapping[str, Any]
    ) -> BatchedSqliteEventLogStorage:
        # The parent builds a SqliteEventLogStorage whatever the class named in dagster.yaml.
        return cls(inst_data=inst_data, **config_value)

    def store_event_batch(self, events: Sequence[EventLogEntry]) -> None:
        run_ids = {event.run_id for event in events}
        if len(events) < 2 or len(run_ids) != 1 or not all(map(_is_asset_event, events)):
            for event in events:
                self.store_event(event)
            return
        statements = [self.prepare_insert_event(event) for event in events]
        with self.run_connection(run_ids.pop()) as conn:
            for statement in statements:
                conn.execute(statement)
        with self.index_transaction() as conn:
            event_ids = []
            for statement in statements:
                with db_result(conn, statement) as result:
                    event_ids.append(result.inserted_primary_key[0])
            self._store_asset_event_tags(conn, list(events), event_ids)
            for event, event_id in zip(events, event_ids, strict=True):
                self._store_asset_event(conn, event, event_id)


def instance_yaml(home: Path) -> str:
    """The dagster.yaml of a Dagster home: telemetry off, run monitoring, the batched event log
    (in Dagster's default place for it, so an existing home keeps its history)."""
    return (
        "telemetry:\n"
        "  enabled: false\n"
        "run_monitoring:\n"
        "  enabled: true\n"
        "  poll_interval_seconds: 30\n"
        "  max_resume_run_attempts: 0\n"
        "event_log_storage:\n"
        "  module: orchestration.defs.instance\n"
        f"  class: {BatchedSqliteEventLogStorage.__name__}\n"
        "  config:\n"
        f"    base_dir: {home.resolve() / 'history' / 'runs'}\n"
    )


if __name__ == "__main__":
    sys.stdout.write(instance_yaml(Path(sys.argv[1])))
