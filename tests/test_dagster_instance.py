"""The Dagster instance of `make run` / `make dev` (orchestration/defs/instance.py): a range of
days in one run records its per-day events in batches, with the same rows as one at a time."""

from __future__ import annotations

from pathlib import Path

import pytest
from dagster import (
    AssetKey,
    BackfillPolicy,
    DagsterEventType,
    DagsterInstance,
    DailyPartitionsDefinition,
    EventRecordsFilter,
    asset,
    materialize,
)

from orchestration.defs.instance import (
    DAGSTER_SPEED_SETTINGS,
    INDEX_SYNCHRONOUS,
    RUN_SYNCHRONOUS,
    BatchedSqliteEventLogStorage,
    instance_yaml,
)

DAYS = DailyPartitionsDefinition(start_date="2026-01-01", end_date="2026-01-11")


@asset(partitions_def=DAYS, backfill_policy=BackfillPolicy.single_run())
def daily_thing() -> None:
    return None


def instance_at(home: Path) -> DagsterInstance:
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(instance_yaml(home))
    return DagsterInstance.from_config(str(home))


def test_make_s_dagster_home_uses_the_batched_event_log_in_the_default_folder(
    tmp_path: Path,
) -> None:
    instance = instance_at(tmp_path / "home")
    assert isinstance(instance.event_log_storage, BatchedSqliteEventLogStorage)
    assert "run_monitoring:\n  enabled: true" in instance_yaml(tmp_path)
    assert (tmp_path / "home" / "history" / "runs").is_dir()


def materialize_range(instance: DagsterInstance) -> None:
    result = materialize(
        [daily_thing],
        instance=instance,
        tags={
            "dagster/asset_partition_range_start": "2026-01-01",
            "dagster/asset_partition_range_end": "2026-01-10",
        },
    )
    assert result.success


@pytest.mark.slow
def test_a_range_run_stores_each_day_s_materialization_in_one_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in DAGSTER_SPEED_SETTINGS.items():
        monkeypatch.setenv(name, value)
    batches: list[int] = []
    store_batch = BatchedSqliteEventLogStorage.store_event_batch

    def counting(self: BatchedSqliteEventLogStorage, events: list) -> None:
        batches.append(len(events))
        store_batch(self, events)

    monkeypatch.setattr(BatchedSqliteEventLogStorage, "store_event_batch", counting)
    instance = instance_at(tmp_path / "home")
    materialize_range(instance)

    key = AssetKey("daily_thing")
    # Every day is materialized, as a day-by-day run would record it.
    assert instance.get_materialized_partitions(key) == set(DAYS.get_partition_keys())
    records = instance.get_event_records(
        EventRecordsFilter(DagsterEventType.ASSET_MATERIALIZATION, asset_key=key)
    )
    assert sorted(r.partition_key for r in records) == DAYS.get_partition_keys()
    assert 10 in batches
    # One "planned" event for the range instead of ten.
    planned = instance.get_event_records(
        EventRecordsFilter(DagsterEventType.ASSET_MATERIALIZATION_PLANNED, asset_key=key)
    )
    assert len(planned) == 1


@pytest.mark.slow
def test_batched_event_log_writes_the_same_rows_as_dagster_s_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DAGSTER_EVENT_BATCH_SIZE", "10000")
    batched = instance_at(tmp_path / "batched")
    materialize_range(batched)
    plain_home = tmp_path / "plain"
    plain_home.mkdir()
    plain = DagsterInstance.from_config(str(plain_home))
    materialize_range(plain)

    def stored(instance: DagsterInstance) -> list[tuple]:
        key = AssetKey("daily_thing")
        records = instance.get_event_records(
            EventRecordsFilter(DagsterEventType.ASSET_MATERIALIZATION, asset_key=key),
            ascending=True,
        )
        return [
            (r.partition_key, r.asset_key, sorted(r.event_log_entry.tags or {})) for r in records
        ]

    assert stored(batched) == stored(plain)
    assert batched.get_materialized_partitions(AssetKey("daily_thing")) == set(
        plain.get_materialized_partitions(AssetKey("daily_thing"))
    )

    def latest(instance: DagsterInstance) -> tuple:
        # The asset's entry in the index: written once per batch, the last day's event.
        record = instance.get_latest_materialization_event(AssetKey("daily_thing"))
        assert record is not None
        materialization = record.asset_materialization
        assert materialization is not None
        return (materialization.partition, record.dagster_event_type)

    assert (
        latest(batched) == latest(plain) == ("2026-01-10", DagsterEventType.ASSET_MATERIALIZATION)
    )


@pytest.mark.slow
def test_a_batch_of_asset_events_takes_one_transaction_per_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = DagsterInstance.from_config(str(tmp_path))
    materialize_range(source)
    key = AssetKey("daily_thing")
    entries = [
        record.event_log_entry
        for record in source.get_event_records(
            EventRecordsFilter(DagsterEventType.ASSET_MATERIALIZATION, asset_key=key),
            ascending=True,
        )
    ]
    assert len(entries) == 10
    target = instance_at(tmp_path / "target")
    storage = target.event_log_storage
    assert isinstance(storage, BatchedSqliteEventLogStorage)
    storage.get_event_records(EventRecordsFilter(DagsterEventType.ASSET_MATERIALIZATION))
    opened: list[str] = []
    connect = BatchedSqliteEventLogStorage._connect

    def counting(self: BatchedSqliteEventLogStorage, shard: str):  # noqa: ANN202
        opened.append(shard)
        return connect(self, shard)

    monkeypatch.setattr(BatchedSqliteEventLogStorage, "_connect", counting)
    storage.store_event_batch(entries)
    # The run's own file and the cross-run index, once each (store_event: twice per event).
    assert len(opened) == 2
    assert target.get_materialized_partitions(key) == set(DAYS.get_partition_keys())


def test_event_log_files_are_written_without_an_fsync_per_event(tmp_path: Path) -> None:
    storage = instance_at(tmp_path / "home").event_log_storage
    assert isinstance(storage, BatchedSqliteEventLogStorage)
    levels = {"OFF": 0, "NORMAL": 1}
    with storage.index_connection() as conn:
        assert conn.exec_driver_sql("pragma synchronous").scalar() == levels[INDEX_SYNCHRONOUS]
        assert conn.exec_driver_sql("pragma journal_mode").scalar() == "wal"
    with storage.run_connection("a-run") as conn:
        assert conn.exec_driver_sql("pragma synchronous").scalar() == levels[RUN_SYNCHRONOUS]
        conn.exec_driver_sql("create table written (x integer)")
    # A run's file is closed after each write: its WAL is checkpointed into the file that the
    # webserver watches to show the run's events live, and removed.
    runs = tmp_path / "home" / "history" / "runs"
    assert (runs / "a-run.db").exists()
    assert not (runs / "a-run.db-wal").exists()


def test_events_stored_one_at_a_time_reuse_the_run_file_s_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each step event, asset-check result and log line is stored alone: a new engine for each
    was a third of its cost. The engine is kept; each write still closes its connection."""
    import time

    from dagster._core.events.log import EventLogEntry

    import orchestration.defs.instance as instance_module

    storage = instance_at(tmp_path / "home").event_log_storage
    assert isinstance(storage, BatchedSqliteEventLogStorage)
    created: list[str] = []
    create = instance_module.create_engine

    def counting(conn_string: str, **kwargs):  # noqa: ANN202
        created.append(conn_string)
        return create(conn_string, **kwargs)

    monkeypatch.setattr(instance_module, "create_engine", counting)
    for number in range(20):
        storage.store_event(
            EventLogEntry(
                error_info=None,
                level=20,
                user_message=f"line {number}",
                run_id="a-run",
                timestamp=time.time(),
            )
        )
    assert len([conn for conn in created if "a-run" in conn]) == 1
    assert len(storage.get_logs_for_run("a-run")) == 20
    runs = tmp_path / "home" / "history" / "runs"
    assert not (runs / "a-run.db-wal").exists()
