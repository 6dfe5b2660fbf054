"""The dbt project's layering rules (dbt-project-evaluator style), read from a parsed manifest.

Layers by folder: `staging/<source>/base/base_*` (every delivered row of a source), the rest of
`staging/` (`stg_*`), `intermediate/`, `marts/`. Only staging reads sources; a staging model reads
no model but its own source's base models, and a base model none; intermediate reads no mart;
every model has a primary-key test; every mart has an enforced contract; every macro of
`dbt_project/macros/` and generic test of `dbt_project/tests/generic/` is described with each of
its arguments.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PROJECT = "customer_health"
# `dbt parse` runs once per module: a slow test (make test-fast leaves it out).
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """`dbt parse` of the project into a folder of its own; the manifest it writes."""
    work = tmp_path_factory.mktemp("dag_rules")
    env = {
        **os.environ,
        "CHS_DATA_DIR": str(work),
        "CHS_WAREHOUSE_PATH": str(work / "warehouse.duckdb"),
        "DBT_PROFILES_DIR": str(REPO_ROOT),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    subprocess.run(
        [str(BIN / "dbt"), "parse", "--quiet", "--target-path", str(work / "target")],
        cwd=REPO_ROOT,
        env=env,
        check=True,
    )
    return json.loads((work / "target" / "manifest.json").read_text())


def models(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        unique_id: node
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["package_name"] == PROJECT
    }


def layer(node: dict[str, Any]) -> str:
    """base, staging, intermediate or marts, from the model's folder."""
    folders = node["fqn"][1:-1]
    if folders[0] == "staging" and "base" in folders:
        return "base"
    return folders[0]


def parent_models(node: dict[str, Any], all_models: dict[str, dict[str, Any]]) -> list[dict]:
    return [all_models[parent] for parent in node["depends_on"]["nodes"] if parent in all_models]


def test_only_staging_and_base_models_read_sources(manifest: dict[str, Any]) -> None:
    offenders = [
        node["name"]
        for node in models(manifest).values()
        if layer(node) not in ("staging", "base")
        and any(parent.startswith("source.") for parent in node["depends_on"]["nodes"])
    ]
    assert offenders == []


def test_staging_reads_no_model_but_its_own_sources_base_models(
    manifest: dict[str, Any],
) -> None:
    all_models = models(manifest)
    offenders = []
    for node in all_models.values():
        if layer(node) == "base":
            offenders += [(node["name"], p["name"]) for p in parent_models(node, all_models)]
        elif layer(node) == "staging":
            offenders += [
                (node["name"], parent["name"])
                for parent in parent_models(node, all_models)
                if layer(parent) != "base" or parent["fqn"][2] != node["fqn"][2]
            ]
    assert offenders == []


def test_intermediate_models_read_no_mart(manifest: dict[str, Any]) -> None:
    all_models = models(manifest)
    offenders = [
        (node["name"], parent["name"])
        for node in all_models.values()
        if layer(node) == "intermediate"
        for parent in parent_models(node, all_models)
        if layer(parent) == "marts"
    ]
    assert offenders == []


def primary_key_tested(unique_id: str, manifest: dict[str, Any]) -> bool:
    """A unique_combination_of_columns test, or unique and not_null on one column."""
    tests_by_column: dict[str, set[str]] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] != "test" or node.get("attached_node") != unique_id:
            continue
        name = (node.get("test_metadata") or {}).get("name")
        if name == "unique_combination_of_columns":
            return True
        tests_by_column.setdefault(node.get("column_name") or "", set()).add(name)
    return any({"unique", "not_null"} <= names for names in tests_by_column.values())


def test_every_model_has_a_primary_key_test(manifest: dict[str, Any]) -> None:
    untested = [
        node["name"]
        for unique_id, node in models(manifest).items()
        if not primary_key_tested(unique_id, manifest)
    ]
    assert untested == []


def test_every_mart_has_an_enforced_contract(manifest: dict[str, Any]) -> None:
    without = [
        node["name"]
        for node in models(manifest).values()
        if layer(node) == "marts" and not node["config"]["contract"]["enforced"]
    ]
    assert without == []


def signature_arguments(macro_sql: str) -> list[str]:
    """The argument names of `{% macro name(a, b=1) %}` (or of a generic `{% test ... %}`)."""
    match = re.search(r"{%-?\s*(?:macro|test)\s+\w+\((.*?)\)\s*-?%}", macro_sql, re.S)
    assert match, macro_sql[:80]
    names = [part.split("=")[0].strip() for part in match.group(1).split(",")]
    return [name for name in names if name]


def test_every_macro_is_described_with_each_argument(manifest: dict[str, Any]) -> None:
    undocumented = []
    for macro in manifest["macros"].values():
        if macro["package_name"] != PROJECT or not macro["original_file_path"].startswith(
            ("dbt_project/macros/", "dbt_project/tests/generic/")
        ):
            continue
        described = {
            argument["name"] for argument in macro["arguments"] if argument.get("description")
        }
        missing = [a for a in signature_arguments(macro["macro_sql"]) if a not in described]
        if not macro["description"] or missing:
            undocumented.append((macro["name"], missing))
    assert undocumented == []


def test_the_rules_see_every_layer(manifest: dict[str, Any]) -> None:
    """Guards the tests above against passing on an empty or misread manifest."""
    layers = {layer(node) for node in models(manifest).values()}
    assert layers == {"base", "staging", "intermediate", "marts"}


def test_the_dimensions_var_names_exactly_the_dimensions_with_a_scores_model(
    manifest: dict[str, Any],
) -> None:
    """orchestration.reports.queries.DIMENSIONS is the `dimensions` var of dbt_project.yml."""
    from orchestration.reports.queries import DIMENSIONS

    scores_models = {
        node["name"]
        for node in models(manifest).values()
        if re.fullmatch(r"int_[a-z]+__scores", node["name"])
    }
    assert scores_models == {f"int_{dimension}__scores" for dimension in DIMENSIONS}


def _and_what_uses_them(start: set[str], nodes: dict[str, dict[str, Any]], kind: str) -> set[str]:
    """`start` and every node that depends on one of them (`depends_on[kind]`), transitively."""
    found = set(start)
    while more := {
        uid
        for uid, node in nodes.items()
        if uid not in found and set(node["depends_on"][kind]) & found
    }:
        found |= more
    return found


def test_only_int_score_dates_and_what_follows_from_it_read_the_score_days(
    manifest: dict[str, Any],
) -> None:
    """The score days reach dbt as environment variables read by the `date_var` macros. A long
    history is built in pieces whose later builds leave out every model not downstream of
    `int_score_dates` (`orchestration.history.score_dated`), as the Dagster run builds them
    once in its sources step: such a model must not read the days."""
    from orchestration.history import SCORE_DATES_MODEL

    all_models = models(manifest)
    macros = manifest["macros"]
    # The macros that read the days: date_var, and every macro that calls one that does.
    date_var = {uid for uid, macro in macros.items() if macro["name"] == "date_var"}
    reading = _and_what_uses_them(date_var, macros, "macros")
    readers = {
        node["name"] for node in all_models.values() if set(node["depends_on"]["macros"]) & reading
    }
    score_dates = {f"model.{PROJECT}.{SCORE_DATES_MODEL}"}
    downstream = _and_what_uses_them(score_dates, all_models, "nodes")
    assert SCORE_DATES_MODEL in readers
    assert readers <= {all_models[uid]["name"] for uid in downstream}
