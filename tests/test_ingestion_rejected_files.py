"""A rejected file keeps failing every run, with the same message, until it is replaced or
removed: through the CLI (`python -m orchestration.ingestion`) and through the Dagster asset."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.ingestion import cli as ingest

GOOD_HEADER = "customer_id,customer_name,plan,created_at"
GOOD_ROWS = "C1,Acme,starter,2024-01-02\nC2,Globex,growth,2024-02-03\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def landing_with_a_rejected_file(root: Path) -> tuple[Path, Path]:
    landing = root / "landing"
    # No `plan` column: a required column is missing, so the whole file is rejected.
    bad = write(landing / "customers" / "crm_export.csv", "customer_id,created_at\nC3,2024-03-04\n")
    write(landing / "customers" / "accounts.csv", f"{GOOD_HEADER}\n{GOOD_ROWS}")
    return landing, bad


def run_cli(landing: Path, warehouse: Path) -> int:
    return ingest.main(
        ["--landing", str(landing), "--warehouse", str(warehouse), "--source", "customers"]
    )


def test_cli_exits_non_zero_on_every_run_while_a_rejected_file_stays_unreplaced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    landing, bad = landing_with_a_rejected_file(tmp_path)
    warehouse = tmp_path / "warehouse.duckdb"

    assert run_cli(landing, warehouse) == 1
    first = capsys.readouterr().err
    assert run_cli(landing, warehouse) == 1
    second = capsys.readouterr().err

    assert str(bad) in first and "'plan'" in first
    assert second == first


def test_cli_exits_zero_once_the_rejected_file_is_replaced_or_removed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    landing, bad = landing_with_a_rejected_file(tmp_path)
    warehouse = tmp_path / "warehouse.duckdb"
    assert run_cli(landing, warehouse) == 1

    write(bad, f"{GOOD_HEADER}\nC3,Initech,growth,2024-03-04\n")
    assert run_cli(landing, warehouse) == 0

    write(landing / "customers" / "other_export.csv", "customer_id,created_at\nC4,2024-03-05\n")
    assert run_cli(landing, warehouse) == 1
    (landing / "customers" / "other_export.csv").unlink()
    capsys.readouterr()
    assert run_cli(landing, warehouse) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.slow
def test_ingestion_asset_fails_on_every_run_naming_the_rejected_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dagster import materialize
    from dagster_duckdb import DuckDBResource

    from orchestration.defs.assets.ingestion import build_ingestion_asset

    landing, bad = landing_with_a_rejected_file(tmp_path)
    monkeypatch.setenv("CHS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CHS_WAREHOUSE_PATH", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("CHS_LANDING_DIR", str(landing))
    (tmp_path / "home").mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    asset = build_ingestion_asset("customers")
    resources = {"duckdb": DuckDBResource(database=str(tmp_path / "warehouse.duckdb"))}

    def failure_message() -> str | None:
        result = materialize([asset], resources=resources, raise_on_error=False)
        failures = result.get_step_failure_events()
        if not failures:
            assert result.success
            return None
        (failure,) = failures
        return failure.step_failure_data.user_failure_data.description

    first, second = failure_message(), failure_message()
    assert first is not None and str(bad) in first and "'plan'" in first
    assert second == first

    bad.unlink()
    assert failure_message() is None
