"""Every dbt model, seed and test as Dagster assets and checks, run by `dbt build`."""

import json
import os

from dagster import AssetExecutionContext
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration.project import dbt_project
from orchestration.translator import HealthDbtTranslator


def dbt_build_args(as_of_date: str | None = None) -> list[str]:
    """`dbt build`, with the as-of date passed as a var when one is given."""
    args = ["build"]
    if as_of_date:
        args += ["--vars", json.dumps({"as_of_date": as_of_date})]
    return args


@dbt_assets(
    manifest=dbt_project().manifest_path,
    project=dbt_project(),
    dagster_dbt_translator=HealthDbtTranslator(),
)
def health_dbt_assets(context: AssetExecutionContext, dbt: DbtCliResource):
    yield from dbt.cli(dbt_build_args(os.environ.get("CHS_AS_OF_DATE")), context=context).stream()
