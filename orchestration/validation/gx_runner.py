"""Running a Great Expectations suite on a DataFrame with GX's pandas datasource, and saying
what failed in one line per expectation."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    from great_expectations.core.expectation_validation_result import (
        ExpectationValidationResult,
    )
    from great_expectations.expectations import Expectation


_POSITION = "suite_position"  # meta key used to report failures in suite order

_MAX_EXAMPLES = 5


@dataclass(frozen=True)
class ValidationOutcome:
    success: bool
    evaluated: int  # number of expectations run
    failed: list[str]  # "expectation_type(column): observed ..." for each failure
    row_count: int


def import_gx() -> None:
    """Imports Great Expectations and pandas now (about 3 s), for a caller with time to spare:
    the daily dbt step does it while dbt starts in its own process, so the first suite of the
    run, right after that step, does not wait for the import. Imported lazily everywhere else:
    loading the Dagster definitions does not need them."""
    import great_expectations  # noqa: F401
    import pandas  # noqa: F401


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _run_suite(
    frame: pd.DataFrame,
    expectations: list[Expectation],
    name: str = "customer_health",
    docs_dir: Path | None = None,
) -> list[ExpectationValidationResult]:
    import great_expectations as gx

    context = _context(docs_dir)
    batch_definition = (
        context.data_sources.add_or_update_pandas(f"{name}_warehouse")
        .add_dataframe_asset(name)
        .add_batch_definition_whole_dataframe("whole_table")
    )
    suite = gx.ExpectationSuite(name=name)
    for expectation in expectations:
        suite.add_expectation(expectation)
    if docs_dir is None:
        batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
        # BASIC is enough for the messages and skips SUMMARY's value counts.
        return list(batch.validate(suite, result_format="BASIC").results)

    from great_expectations.checkpoint import UpdateDataDocsAction

    suite = context.suites.add_or_update(suite)
    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=name, data=batch_definition, suite=suite)
    )
    checkpoint = context.checkpoints.add_or_update(
        gx.Checkpoint(
            name=f"{name}_checkpoint",
            validation_definitions=[definition],
            actions=[UpdateDataDocsAction(name="data_docs")],
            result_format="BASIC",
        )
    )
    result = checkpoint.run(batch_parameters={"dataframe": frame})
    return [r for run in result.run_results.values() for r in run.results]


def _context(docs_dir: Path | None) -> Any:
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        FilesystemStoreBackendDefaults,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    if docs_dir is None:
        # Ephemeral, in-memory stores: nothing is written to the repo or the home folder.
        defaults: Any = InMemoryStoreBackendDefaults()
        sites: dict[str, Any] = {}
    else:
        # Suites and results are kept beside the docs so the index lists every mart.
        store = Path(docs_dir).parent / "gx_store"
        defaults = FilesystemStoreBackendDefaults(root_directory=str(store))
        sites = {
            "local_site": {
                "class_name": "SiteBuilder",
                "show_how_to_buttons": False,
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(docs_dir),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            }
        }
    return gx.get_context(
        mode="ephemeral",
        project_config=DataContextConfig(
            store_backend_defaults=defaults,
            data_docs_sites=sites,
            analytics_enabled=False,
            progress_bars=ProgressBarsConfig(globally=False),
        ),
    )


def _suite_position(result: ExpectationValidationResult) -> int:
    return int(result.expectation_config.meta.get(_POSITION, 0))


def _describe_failure(result: ExpectationValidationResult, table_label: str) -> str:
    config = result.expectation_config
    kwargs: dict[str, Any] = config.kwargs
    target = kwargs.get("column") or table_label
    condition = kwargs.get("row_condition")
    if isinstance(condition, dict) and "column" in condition:
        target += (
            f" where {condition['column']['name']} {condition['operator']} "
            f"{condition['parameter']!r}"
        )
    return f"{config.type}({target}): observed {_observed(result)}"


def _observed(result: ExpectationValidationResult) -> str:
    info = result.exception_info or {}
    # exception_info is either a flat dict or keyed by metric id, depending on where GX failed.
    errors = [info] if "raised_exception" in info else list(info.values())
    messages = [e.get("exception_message") for e in errors if e.get("raised_exception")]
    if messages:
        return f"error: {messages[0]}"

    details: dict[str, Any] = dict(result.result or {})
    if "unexpected_count" in details:
        examples = list(details.get("partial_unexpected_list") or [])[:_MAX_EXAMPLES]
        text = f"{details['unexpected_count']} unexpected of {details.get('element_count')} rows"
        return f"{text}, e.g. {examples!r}" if examples else text
    if "observed_value" in details:
        return repr(details["observed_value"])
    if result.expectation_config.type == "expect_column_to_exist":
        return "missing"
    return "failure"
