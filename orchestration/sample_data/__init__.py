"""The sample-data generator: seven landing sources of a made-up business, from DuckDB SQL.

- ``generator``: the command line and the driver that renders and runs the SQL;
- ``profiles``: the kinds of business (``--profile``), as SQL fragments;
- ``sql/macros.sql``: the reproducible random draws;
- ``sql/build/``: the hidden truth (customers, health, contract periods, churn, activity);
- ``sql/export/``: one query per landing source, written to a file in a total order.

``python -m orchestration.sample_data --help`` lists the options.
"""

from orchestration.sample_data.generator import (
    DEFAULT_END_DATE,
    FORMATS,
    SOURCES,
    clean_output,
    generate,
    main,
    read_sql,
)

__all__ = [
    "DEFAULT_END_DATE",
    "FORMATS",
    "SOURCES",
    "clean_output",
    "generate",
    "main",
    "read_sql",
]
