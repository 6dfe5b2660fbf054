"""Dagster assets: ingestion, dbt, alerts."""

import warnings

from dagster import BetaWarning

# Single-run backfills (a range of days scored in one dbt build) need `backfill_policy`, and
# Dagster's own parser of the `*` selection passes `include_sources`; both are still marked beta.
# Warnings we cannot fix, so the only ones filtered.
warnings.filterwarnings("ignore", message=r"Parameter `backfill_policy`", category=BetaWarning)
warnings.filterwarnings(
    "ignore",
    message=r"Parameter `include_sources` of function `AssetSelection",
    category=BetaWarning,
)
