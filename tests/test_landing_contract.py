"""The landing contract in Python (ingestion) and in the dbt sources YAML say the same thing."""

from __future__ import annotations

from pathlib import Path

import yaml

from orchestration.ingestion.sources import SOURCES

STAGING = Path(__file__).resolve().parent.parent / "dbt_project" / "models" / "staging"
META_COLUMNS = {"_extra_columns", "_load_id", "_source_file", "_file_row_number", "_loaded_at"}


def documented_sources() -> dict[str, list[str]]:
    tables: dict[str, list[str]] = {}
    for path in STAGING.glob("*/_*__sources.yml"):
        for source in yaml.safe_load(path.read_text())["sources"]:
            assert source["schema"] == "raw"
            for table in source["tables"]:
                tables[table["name"]] = [c["name"] for c in table["columns"]]
    return tables


def test_every_source_is_documented_with_the_contract_columns() -> None:
    documented = documented_sources()
    assert set(documented) == set(SOURCES)
    for name, source in SOURCES.items():
        columns = documented[name]
        assert [c for c in columns if c not in META_COLUMNS] == list(source.column_names)
        assert set(columns) >= META_COLUMNS


def test_readme_lists_every_required_column() -> None:
    readme = (STAGING.parents[2] / "README.md").read_text()
    for source in SOURCES.values():
        row = next(
            line
            for line in readme.splitlines()
            if line.startswith(f"| {source.name} | {source.key} |")
        )
        for column in source.column_names:
            marker = f"{column}*" if column in source.required else column
            assert marker in row, f"{source.name}.{column} not documented as in the contract"
