"""Great Expectations suites for the marts in the DuckDB warehouse, and the warehouse queries the
checks and the run summary share.

`validate_customer_health` is the suite of the health mart; `validate_mart` runs the suite of
any mart (`MART_SUITES`) plus the comparison with the last published serving copy: row count
and, for score tables, the mean and quartiles of the score, within the bounds of
`seeds/mart_checks.csv`. With a Data Docs folder, each validation is also rendered there.

The mart is read through a read-only duckdb connection into a pandas DataFrame and validated
with GX's pandas datasource. GX's SQL datasource is not used: in GX 1.24.1 its
`execute_query` fetches rows after the connection has been closed (and rolled back), so
duckdb-engine hands back an empty result and metrics fail with "list index out of range".

- `gx_runner`: running a suite on a DataFrame, describing failures;
- `customer_health`: the health mart's suite;
- `marts`: every mart's suite and the comparison with the serving copy;
- `findings`: currencies without an exchange rate (a warning, not a suite);
- `docs`: where the Data Docs go, and `python -m orchestration.validation.docs`.
"""

import os

# Analytics off. Set at package import so it precedes any GX import (GX 1.24.1 ships no
# telemetry code, but other GX versions read this variable when imported).
os.environ["GX_ANALYTICS_ENABLED"] = "False"

from orchestration.validation.customer_health import (  # noqa: E402
    REQUIRED_COLUMNS,
    validate_customer_health,
)
from orchestration.validation.gx_runner import ValidationOutcome  # noqa: E402
from orchestration.validation.marts import (  # noqa: E402
    MART_SUITES,
    ComparisonBounds,
    MartSuite,
    read_comparison_bounds,
    validate_mart,
)

__all__ = [
    "MART_SUITES",
    "REQUIRED_COLUMNS",
    "ComparisonBounds",
    "MartSuite",
    "ValidationOutcome",
    "read_comparison_bounds",
    "validate_customer_health",
    "validate_mart",
]
