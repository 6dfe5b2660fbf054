"""The Dagster instance of `make run` / `make dev`: its dagster.yaml, and an event log that writes
a single-run backfill's per-partition events in one transaction.

A run over a range of N days records one materialization per daily asset and day (Dagster's
partition status is built from them). Dagster hands such events over as one batch when
`DAGSTER_EVENT_BATCH_SIZE` is set, but its SQLite event log stores a batch one event at a time,
two SQLite commits each (the run's file and the cross-run index): 365 days x 17 daily assets took
minutes. `BatchedSqliteEventLogStorage` stores a batch of asset events in one transaction per
file; the rows written are exactly those of `store_event`, so the UI, partition status and
`dagster` CLI read them the same way.

Each write to Dagster's SQLite files was also an fsync, or two: Dagster opens a connection per
write and closes it, and the last connection to close checkpoints the WAL into the file. On this
machine that is about 20 ms a write, and a run of the default sample writes some 7,500 (each dbt
test result, step event and batch): more than a minute of the run, with dbt waiting on its pipe.
`BatchedSqliteEventLogStorage` therefore keeps one connection to the cross-run index open
(`synchronous=NORMAL`, WAL: commits do not fsync, the file cannot be corrupted, a power cut may
lose the last events) and opens each run's file with `synchronous=OFF`: still a connection per
write, so the checkpoint on close updates the run's file, which is what the webserver watches to
show a run's events live, but without the fsync. SQLite's documented trade-off for OFF: safe when
the process crashes; if the machine itself loses power mid-run, that run's event file may be
corrupt (its events unreadable in the UI; the warehouse is not affected). The engine of a run's
file is kept between writes (a new one per write was a third of storing an event alone: 1,287
such events of a `make run`, 3.9 s before, 2.0 s after), and so is the answer to Dagster's
"has the index this table?", asked with a connection of its own for every asset-check event.

`DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS` makes the run's start record one "planned"
event per asset with the range instead of one per day; Dagster's documented trade-off is that a
failed range run leaves its days "missing" rather than "failed" in the partition status.

    python -m orchestration.defs.instance DAGSTER_HOME   # prints the dagster.yaml
"""

from __future__ import annotations

import os
import sys
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dagster._core.events import ASSET_CHECK_EVENTS, ASSET_EVENTS, EVENT_TYPE_TO_PIPELINE_RUN_STATUS
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log import SqliteEventLogStorage
from dagster._core.storage.event_log.sqlite.sqlite_event_log import INDEX_SHARD_NAME
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlalchemy_compat import db_result
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._serdes import ConfigurableClassData
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

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


# SQLite's `synchronous` setting of each kind of file (see the module's docstring).
INDEX_SYNCHRONOUS = "NORMAL"
RUN_SYNCHRONOUS = "OFF"
# Engines of run files kept by a process (the webserver reads many runs).
RUN_ENGINES_KEPT = 8


def _set_synchronous(engine: Engine, level: str) -> None:
    @sqlalchemy_event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(f"PRAGMA synchronous={level}")


def _last_of_each_kind(
    events: Sequence[EventLogEntry], event_ids: Sequence[int]
) -> list[tuple[EventLogEntry, int]]:
    """The last event of each asset and event type, in the batch's order. The asset's entry in
    the index (its latest materialization, run and timestamp) is overwritten by every event, and
    each type writes the same columns, so the entry ends the same as after writing each event:
    for 365 days of one asset, one write instead of 365 (each serialising the whole event)."""
    last: dict[tuple[Any, Any], tuple[EventLogEntry, int]] = {}
    for event, event_id in zip(events, event_ids, strict=True):
        key = (event.get_dagster_event().asset_key, event.dagster_event_type)
        last.pop(key, None)  # re-inserted: the dict keeps the order of the last events
        last[key] = (event, event_id)
    return list(last.values())


class BatchedSqliteEventLogStorage(SqliteEventLogStorage):
    """Dagster's SQLite event log, storing a batch of one run's asset events in one transaction
    on the run's file and one on the index (instead of two commits per event), without an fsync
    per write."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        self._index_engine: Engine | None = None
        # Engines of the latest runs' files, newest last: an engine per write cost a third of
        # storing an event one at a time (each step event, asset-check result and log line).
        self._run_engines: OrderedDict[str, Engine] = OrderedDict()
        self._tables: set[str] = set()
        super().__init__(base_dir, inst_data=inst_data)

    def has_table(self, table_name: str) -> bool:
        # Asked for every asset-check event, each time with an engine and connection of its own;
        # a table, once created, stays.
        if table_name not in self._tables and super().has_table(table_name):
            self._tables.add(table_name)
        return table_name in self._tables

    def _engine_for_shard(self, shard: str) -> Engine:
        if shard == INDEX_SHARD_NAME and self._index_engine is not None:
            return self._index_engine
        if shard in self._run_engines:
            self._run_engines.move_to_end(shard)
            return self._run_engines[shard]
        index = shard == INDEX_SHARD_NAME
        engine = create_engine(
            self.conn_string_for_shard(shard),
            # The index keeps its connection (no checkpoint and fsync at each close).
            **({} if index else {"poolclass": NullPool}),
            connect_args={
                "timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
                # Used under the storage's lock, from whichever thread holds it.
                **({"check_same_thread": False} if index else {}),
            },
        )
        _set_synchronous(engine, INDEX_SYNCHRONOUS if index else RUN_SYNCHRONOUS)
        if shard not in self._initialized_dbs:
            self._initdb(engine)
            self._initialized_dbs.add(shard)
        if index:
            self._index_engine = engine
        else:
            # No pool: each write still opens and closes its own connection (below).
            self._run_engines[shard] = engine
            while len(self._run_engines) > RUN_ENGINES_KEPT:
                self._run_engines.popitem(last=False)[1].dispose()
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        # As SqliteEventLogStorage._connect, with the engines above.
        with self._db_lock:
            engine = self._engine_for_shard(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def dispose(self) -> None:
        while self._run_engines:
            self._run_engines.popitem()[1].dispose()
        if self._index_engine is not None:
            self._index_engine.dispose()
            self._index_engine = None
        super().dispose()

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
            for event, event_id in _last_of_each_kind(events, event_ids):
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
