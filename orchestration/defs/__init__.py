"""Dagster definitions: the assets, asset checks, schedules, partitions and resources that
`orchestration.definitions` puts in the one `Definitions` object.

Only Dagster glue lives here: each asset or check calls a library package (`ingestion`,
`serving`, `validation`, `calibration`) for the work. Libraries never import from `defs`.
"""
