"""How dbt nodes become Dagster assets: sources point at their ingestion assets."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dagster import AssetKey
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings

from orchestration.ingestion import RAW_SCHEMA


class HealthDbtTranslator(DagsterDbtTranslator):
    def __init__(self) -> None:
        # dbt tests on sources become checks of the ingestion assets that load those tables.
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_source_tests_as_checks=True))

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            # raw.<table> is exactly the key of the ingestion asset that loads it.
            return AssetKey([RAW_SCHEMA, dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "seeds"
        fqn = dbt_resource_props.get("fqn", [])
        # fqn: [project, staging|intermediate|marts, ...]
        return fqn[1] if len(fqn) > 2 else "marts"
