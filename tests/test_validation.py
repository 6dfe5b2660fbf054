"""Tests for the Great Expectations suite over the `customer_health` mart."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest

from orchestration.validation import REQUIRED_COLUMNS, ValidationOutcome, validate_customer_health
from orchestration.validation import customer_health as validation

# 1 row count + 4 required-column existence + 2 customer_id + 2 health_score
# + 6 sub-scores + 2 data_completeness_pct + 2 score_confidence + 2 churn_risk_90d
# + segment + health_color.
FULL_SUITE_SIZE = 23
# Only the required columns: 1 + 4 + 2 + 2 + 1 + 1.
REQUIRED_ONLY_SUITE_SIZE = 11

GOOD_TABLE_SQL = """
create table {table} (
    customer_id varchar,
    health_score double,
    usage_score double,
    support_score double,
    satisfaction_score double,
    financial_score double,
    relationship_score double,
    engagement_score double,
    data_completeness_pct double,
    score_confidence varchar,
    churn_risk_90d double,
    segment varchar,
    health_color varchar,
    scored_at timestamp  -- not validated: must be ignored
);
insert into {table} values
    ('c1', 82.5, 90, 70, 85, 80, 75, 88, 100, 'high', 0.01, 'promoter', 'green', now()),
    ('c2', 45, 30, 50, 40, null, 55, 60, 83.3, 'high', 0.2, 'at_risk', 'red', now()),
    ('c3', 62, 60, 65, 70, 55, 60, 58, 100, 'high', 0.05, 'needs_attention', 'yellow', now()),
    ('c4', null, null, null, null, null, null, null, 0, null, null, 'insufficient_data', 'grey',
     now()),
    ('c5', 0, 0, 0, 0, 0, 0, 0, 100, 'high', 1, 'churning', 'red', now()),
    ('c6', 100, 100, 100, 100, 100, 100, 100, 0, 'low', 0, 'engaged', 'green', now()),
    ('c7', 71, 70, 72, 69, 74, 70, 71, 50, 'medium', 0.03, 'onboarding', 'yellow', now());
"""
GOOD_ROW_COUNT = 7


def run_sql(database: Path, sql: str) -> None:
    connection = duckdb.connect(str(database))
    try:
        connection.execute(sql)
    finally:
        connection.close()


@pytest.fixture
def good_db(tmp_path: Path) -> Path:
    database = tmp_path / "warehouse.duckdb"
    run_sql(database, GOOD_TABLE_SQL.format(table="main.customer_health"))
    return database


def assert_fails_with(outcome: ValidationOutcome, prefix: str) -> str:
    assert not outcome.success
    matches = [message for message in outcome.failed if message.startswith(prefix)]
    assert matches, f"no failure starting with {prefix!r} in {outcome.failed}"
    return matches[0]


def test_good_table_passes_with_every_expectation_evaluated(good_db: Path) -> None:
    outcome = validate_customer_health(good_db)

    assert outcome == ValidationOutcome(
        success=True, evaluated=FULL_SUITE_SIZE, failed=[], row_count=GOOD_ROW_COUNT
    )


def test_table_with_only_required_columns_skips_optional_expectations(tmp_path: Path) -> None:
    database = tmp_path / "warehouse.duckdb"
    run_sql(
        database,
        """
        create table customer_health as
        select 'c1' as customer_id, 50.0 as health_score,
               'engaged' as segment, 'green' as health_color
        """,
    )

    outcome = validate_customer_health(database)

    assert outcome.success, outcome.failed
    assert outcome.evaluated == REQUIRED_ONLY_SUITE_SIZE


def test_duplicate_customer_id_fails_validation(good_db: Path) -> None:
    run_sql(good_db, "update customer_health set customer_id = 'c1' where customer_id = 'c2'")

    outcome = validate_customer_health(good_db)

    message = assert_fails_with(outcome, "expect_column_values_to_be_unique(customer_id)")
    assert "'c1'" in message
    assert len(outcome.failed) == 1


def test_null_customer_id_fails_validation(good_db: Path) -> None:
    run_sql(good_db, "update customer_health set customer_id = null where customer_id = 'c3'")

    outcome = validate_customer_health(good_db)

    assert_fails_with(outcome, "expect_column_values_to_not_be_null(customer_id)")
    assert len(outcome.failed) == 1


def test_health_score_above_100_fails_validation(good_db: Path) -> None:
    run_sql(good_db, "update customer_health set health_score = 101 where customer_id = 'c1'")

    outcome = validate_customer_health(good_db)

    message = assert_fails_with(outcome, "expect_column_values_to_be_between(health_score)")
    assert message == (
        "expect_column_values_to_be_between(health_score): "
        "observed 1 unexpected of 7 rows, e.g. [101.0]"
    )


def test_negative_sub_score_fails_validation(good_db: Path) -> None:
    run_sql(good_db, "update customer_health set support_score = -1 where customer_id = 'c5'")

    outcome = validate_customer_health(good_db)

    assert_fails_with(outcome, "expect_column_values_to_be_between(support_score)")
    assert len(outcome.failed) == 1


def test_unknown_segment_fails_validation(good_db: Path) -> None:
    run_sql(good_db, "update customer_health set segment = 'vip' where customer_id = 'c1'")

    outcome = validate_customer_health(good_db)

    message = assert_fails_with(outcome, "expect_column_values_to_be_in_set(segment)")
    assert "'vip'" in message


def test_unknown_health_color_fails_validation(good_db: Path) -> None:
    run_sql(good_db, "update customer_health set health_color = 'blue' where customer_id = 'c1'")

    outcome = validate_customer_health(good_db)

    message = assert_fails_with(outcome, "expect_column_values_to_be_in_set(health_color)")
    assert "'blue'" in message


@pytest.mark.parametrize("column", REQUIRED_COLUMNS)
def test_missing_required_column_fails_validation(good_db: Path, column: str) -> None:
    run_sql(good_db, f"alter table customer_health drop column {column}")

    outcome = validate_customer_health(good_db)

    assert f"expect_column_to_exist({column}): observed missing" in outcome.failed
    # The other expectations still run; none of them errors on the absent column.
    assert not any("error" in message for message in outcome.failed), outcome.failed


def test_empty_table_fails_validation(good_db: Path) -> None:
    run_sql(good_db, "delete from customer_health")

    outcome = validate_customer_health(good_db)

    assert outcome.failed == [
        "expect_table_row_count_to_be_between(main.customer_health): observed 0"
    ]
    assert outcome.row_count == 0
    assert not outcome.success


def test_null_health_score_is_allowed_only_for_insufficient_data(good_db: Path) -> None:
    run_sql(good_db, "update customer_health set health_score = null where customer_id = 'c1'")

    outcome = validate_customer_health(good_db)

    assert_fails_with(
        outcome,
        "expect_column_values_to_not_be_null(health_score where segment != 'insufficient_data')",
    )
    assert len(outcome.failed) == 1


def test_churn_risk_above_one_fails_validation(good_db: Path) -> None:
    run_sql(good_db, "update customer_health set churn_risk_90d = 1.5 where customer_id = 'c1'")

    outcome = validate_customer_health(good_db)

    assert_fails_with(outcome, "expect_column_values_to_be_between(churn_risk_90d)")
    assert len(outcome.failed) == 1


def test_scored_customer_without_confidence_or_churn_risk_fails_validation(
    good_db: Path,
) -> None:
    run_sql(
        good_db,
        "update customer_health set score_confidence = null, churn_risk_90d = null"
        " where customer_id = 'c2'",
    )

    outcome = validate_customer_health(good_db)

    where_scored = "where segment != 'insufficient_data'"
    assert [message.split(":")[0] for message in outcome.failed] == [
        f"expect_column_values_to_not_be_null(score_confidence {where_scored})",
        f"expect_column_values_to_not_be_null(churn_risk_90d {where_scored})",
    ]


def test_unknown_score_confidence_fails_validation(good_db: Path) -> None:
    run_sql(
        good_db, "update customer_health set score_confidence = 'certain' where customer_id = 'c3'"
    )

    outcome = validate_customer_health(good_db)

    assert_fails_with(outcome, "expect_column_values_to_be_in_set(score_confidence)")


def test_null_data_completeness_pct_fails_validation(good_db: Path) -> None:
    run_sql(
        good_db,
        "update customer_health set data_completeness_pct = null where customer_id = 'c2'",
    )

    outcome = validate_customer_health(good_db)

    assert_fails_with(outcome, "expect_column_values_to_not_be_null(data_completeness_pct)")


def test_data_completeness_pct_above_100_fails_validation(good_db: Path) -> None:
    run_sql(
        good_db,
        "update customer_health set data_completeness_pct = 100.5 where customer_id = 'c2'",
    )

    outcome = validate_customer_health(good_db)

    assert_fails_with(outcome, "expect_column_values_to_be_between(data_completeness_pct)")


def test_every_failure_is_listed_in_suite_order(good_db: Path) -> None:
    run_sql(
        good_db,
        """
        update customer_health set health_color = 'blue' where customer_id = 'c1';
        update customer_health set customer_id = null where customer_id = 'c2';
        update customer_health set engagement_score = 250 where customer_id = 'c3';
        """,
    )

    outcome = validate_customer_health(good_db)

    assert [message.split(":")[0] for message in outcome.failed] == [
        "expect_column_values_to_not_be_null(customer_id)",
        "expect_column_values_to_be_between(engagement_score)",
        "expect_column_values_to_be_in_set(health_color)",
    ]
    assert outcome.evaluated == FULL_SUITE_SIZE


def test_wrongly_typed_column_is_reported_as_a_failure(good_db: Path) -> None:
    run_sql(
        good_db,
        """
        alter table customer_health alter health_score type varchar;
        update customer_health set health_score = 'high' where customer_id = 'c1';
        """,
    )

    outcome = validate_customer_health(good_db)

    assert_fails_with(outcome, "expect_column_values_to_be_between(health_score)")


def test_schema_and_table_are_configurable(tmp_path: Path) -> None:
    database = tmp_path / "warehouse.duckdb"
    run_sql(
        database,
        "create schema marts;\n" + GOOD_TABLE_SQL.format(table="marts.health"),
    )

    outcome = validate_customer_health(database, schema="marts", table="health")

    assert outcome.success, outcome.failed
    assert outcome.row_count == GOOD_ROW_COUNT


def test_missing_table_fails_without_evaluating_expectations(good_db: Path) -> None:
    outcome = validate_customer_health(good_db, table="no_such_table")

    assert outcome == ValidationOutcome(
        success=False,
        evaluated=0,
        failed=["expect_table_to_exist(main.no_such_table): observed missing"],
        row_count=0,
    )


def test_missing_database_file_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        validate_customer_health(tmp_path / "absent.duckdb")
    # Opening read-only must not have created the file either.
    assert not (tmp_path / "absent.duckdb").exists()


def test_database_is_not_locked_after_validation(good_db: Path) -> None:
    validate_customer_health(good_db)

    # DuckDB refuses a read-write connection while a read-only one to the same file is open.
    connection = duckdb.connect(str(good_db))
    try:
        connection.execute("insert into customer_health (customer_id) values ('c99')")
    finally:
        connection.close()


def test_database_is_opened_read_only(good_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, Any]] = []
    real_connect = duckdb.connect

    def spy_connect(*args: Any, **kwargs: Any) -> duckdb.DuckDBPyConnection:
        calls.append(kwargs)
        return real_connect(*args, **kwargs)

    monkeypatch.setattr(validation.duckdb, "connect", spy_connect)

    validate_customer_health(good_db)

    assert calls == [{"read_only": True}]


def test_only_validated_columns_are_loaded(good_db: Path) -> None:
    frame = validation._read_mart(good_db, "main", "customer_health")

    assert frame is not None
    assert "scored_at" not in frame.columns
    assert set(frame.columns) == set(validation.VALIDATED_COLUMNS)


def test_validation_uses_pandas_and_does_not_need_duckdb_engine(
    good_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GX 1.24.1's SQL datasource loses DuckDB rows (fetch after connection close), so the
    # suite runs on pandas; a None entry makes any `import duckdb_engine` fail.
    monkeypatch.setitem(sys.modules, "duckdb_engine", None)

    outcome = validate_customer_health(good_db)

    assert outcome.success, outcome.failed


def test_validation_writes_nothing_to_home_or_working_directory(
    good_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    workdir = tmp_path / "workdir"
    home.mkdir()
    workdir.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(workdir)

    validate_customer_health(good_db)

    assert list(home.iterdir()) == []
    assert list(workdir.iterdir()) == []
    assert sorted(path.name for path in good_db.parent.iterdir()) == sorted(
        ["home", "workdir", good_db.name]
    )
