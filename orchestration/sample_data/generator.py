"""Generate a reproducible, realistic sample of the seven landing sources: the driver of the
SQL in ``sql/`` and the command line.

Run ``python -m orchestration.sample_data --help``. Everything is computed in DuckDB SQL: no
per-row Python, so 100,000 customers x 365 days (~50 million usage events) fits in minutes and
bounded memory.

How the data behaves (what the health score is meant to find, never how it scores it):

- every customer has a hidden health that drifts week by week: a per-customer base and trend
  plus a mean-reverting random walk (a triangular moving sum of weekly shocks, computed exactly
  with integer window sums so it does not depend on thread scheduling);
- a customer churns with a hazard that rises as hidden health falls, mostly at the end of a
  term (monthly or annual), sometimes mid-term; only inside the window, so every customer is
  live at the window start or created during it;
- in the 4-8 weeks before a cancellation behaviour degrades (fewer users and events, more
  urgent tickets, lower CSAT, late or failed invoices, silence in engagement, detractor NPS),
  with per-customer strength and noise, so that a good score predicts churn well, not perfectly;
- nothing is recorded for a customer after it churned.

That is the ``default`` profile. Other profiles (``--profile``,
``orchestration.sample_data.profiles``) swap a few SQL fragments to change who churns and why,
and what the sources show of it.

Randomness is ``hash(hash(seed, salt, keys))``, never ``random()``: it is the same whatever the
thread count or row order, draws with different salts are independent (see ``sql/macros.sql``), and
every file is written with an ORDER BY that is a total order, so the same arguments give
byte-identical files (with the same DuckDB version: ``hash()`` is not promised to be stable
across DuckDB releases).

This module holds no scoring logic and must never read the dbt project's SQL or weights: the
sample has to stay an independent test of them.
"""

from __future__ import annotations

import argparse
import math
import tempfile
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from pathlib import Path
from string import Template

import duckdb

from orchestration.sample_data.profiles import DEFAULT, PROFILES

SOURCES: tuple[str, ...] = (
    "customers",
    "subscriptions",
    "product_usage",
    "support_tickets",
    "surveys",
    "invoices",
    "engagement",
)
FORMATS: tuple[str, ...] = ("csv", "parquet", "jsonl")

# Fixed, not today's date, so that a run next month writes the same files as a run today.
DEFAULT_END_DATE = date(2026, 9, 30)
DEFAULT_CUSTOMERS = 2000
DEFAULT_DAYS = 365
DEFAULT_SEED = 42
DEFAULT_OUT = Path("data/landing")

# Customers created before the window are spread over this many days before its start.
HISTORY_DAYS = 730
# Weeks in the triangular kernel of the hidden-health walk: how long a shock keeps mattering.
HEALTH_KERNEL_WEEKS = 16
# Longest window: week numbers must fit in three digits of the generated ids.
MAX_DAYS = 3650
# DuckDB spills to a temporary directory above this, so 100k customers run on a small machine.
MEMORY_LIMIT = "4GB"
# The generator's SQL: macros.sql, build/ (the hidden truth), export/ (one query per source).
SQL_DIR = Path(__file__).resolve().parent / "sql"

_COPY_OPTIONS = {
    # Timestamps are whole seconds, so DuckDB's default text form is already
    # YYYY-MM-DD HH:MM:SS; an explicit TIMESTAMPFORMAT would only slow the writer down.
    "csv": "FORMAT csv, HEADER true, DELIMITER ',', NULLSTR ''",
    "parquet": "FORMAT parquet",
    # DuckDB's json format writes one object per line (newline-delimited), i.e. JSON lines.
    "jsonl": "FORMAT json",
}


def read_sql(name: str) -> str:
    """The text of ``sql/<name>``: DuckDB SQL with ``$`` parameters (``string.Template``)."""
    return (SQL_DIR / name).read_text(encoding="utf-8")


# The tables every source is drawn from, built in this order (sql/build/<name>.sql).
BUILD_STEPS: tuple[str, ...] = (
    "customers",
    "health",
    "periods",
    "churn",
    "subscriptions",
    "activity",
)

# Sessions per active user per weekday: tuned so the default size gives ~1 million events.
_USAGE_RATE = 0.07


def _month_starts(start: date, end: date) -> list[date]:
    """First day of every calendar month that overlaps [start, end]."""
    months = []
    current = start.replace(day=1)
    while current <= end:
        months.append(current)
        current = (current + timedelta(days=32)).replace(day=1)
    return months


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def clean_output(out_dir: Path) -> None:
    """Remove files an earlier run of this generator wrote, in any format, and nothing else."""
    for source in SOURCES:
        folder = out_dir / source
        if not folder.is_dir():
            continue
        for ext in FORMATS:
            for old in folder.glob(f"{source}*.{ext}"):
                if old.is_file():
                    old.unlink()


def generate(
    out_dir: Path,
    customers: int,
    days: int,
    seed: int,
    fmt: str = "csv",
    end_date: date = DEFAULT_END_DATE,
    profile: str = DEFAULT.name,
) -> dict[str, int]:
    """Write the seven landing sources under ``out_dir``; return the rows written per source.

    ``profile`` names a business shape of ``orchestration.sample_data.profiles.PROFILES``.
    """
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {', '.join(PROFILES)}, not {profile!r}")
    shape = PROFILES[profile]
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if customers < 1 or days < 1:
        raise ValueError("customers and days must be at least 1")
    if days > MAX_DAYS:
        # Week numbers have three digits inside the touchpoint, ticket and response ids.
        raise ValueError(f"days must be at most {MAX_DAYS}")

    out_dir = Path(out_dir)
    window_start = end_date - timedelta(days=days - 1)
    end_excl = end_date + timedelta(days=1)
    n_weeks = math.ceil(days / 7)
    kernel = HEALTH_KERNEL_WEEKS
    # A growing business: the window gets a larger share of sign-ups than its share of time.
    p_new = min(0.95, shape.new_customer_weight * days / (HISTORY_DAYS + days))
    params = {
        "seed": seed,
        "n_plus_1": customers + 1,
        "width": max(6, len(str(customers))),
        "w0": window_start.isoformat(),
        "w0_epoch": (window_start - date(1970, 1, 1)).days * 86400,
        "end_date": end_date.isoformat(),
        "end_excl": end_excl.isoformat(),
        "p_new": p_new,
        "history_days": HISTORY_DAYS,
        "history_seconds": HISTORY_DAYS * 86400,
        # New customers sign up early enough in the window to leave a few days of activity.
        "new_span_seconds": int(days * 0.92 * 86400),
        "n_weeks": n_weeks,
        "kernel": kernel,
        "kernel_minus_1": kernel - 1,
        "kernel_norm": 1000 * math.sqrt(kernel * (kernel + 1) * (2 * kernel + 1) / 6),
        # Monthly terms over the history and the window, plus one spare.
        "max_periods": (HISTORY_DAYS + days) // 28 + 2,
        "hazard_a": shape.hazard_a,
        "hazard_b": shape.hazard_b,
        "usage_rate": _USAGE_RATE,
    }
    params |= {name: Template(sql).substitute(params) for name, sql in shape.fragments.items()}

    usage_sql = read_sql("export/product_usage.sql")

    def render(template: str, **extra: object) -> str:
        return Template(template).substitute(params, **extra)

    for source in SOURCES:
        (out_dir / source).mkdir(parents=True, exist_ok=True)
    clean_output(out_dir)

    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="sample_data_") as spill_dir:
        con = duckdb.connect(
            config={"memory_limit": MEMORY_LIMIT, "temp_directory": spill_dir},
        )
        try:
            con.execute(render(read_sql("macros.sql")))
            for step in BUILD_STEPS:
                con.execute(render(read_sql(f"build/{step}.sql")))

            def copy(query: str, target: Path, cursor: duckdb.DuckDBPyConnection = con) -> int:
                row = cursor.execute(
                    f"copy ({query}) to '{_sql_path(target)}' ({_COPY_OPTIONS[fmt]})"
                ).fetchone()
                return int(row[0]) if row else 0

            def copy_usage_month(month: date) -> int:
                next_month = (month + timedelta(days=32)).replace(day=1)
                query = render(
                    usage_sql, month_start=month.isoformat(), month_end=next_month.isoformat()
                )
                target = out_dir / "product_usage" / f"product_usage_{month:%Y-%m}.{fmt}"
                cursor = con.cursor()
                try:
                    return copy(query, target, cursor)
                finally:
                    cursor.close()

            for source in SOURCES:
                started = time.perf_counter()
                folder = out_dir / source
                if source == "product_usage":
                    months = _month_starts(window_start, end_date)
                    files = len(months)
                    # One single-threaded query per month, as many at once as DuckDB has
                    # threads: an ordered COPY has serial phases that leave cores idle. Each
                    # file's content is fixed by its own ORDER BY, so this stays deterministic.
                    threads = int(con.execute("select current_setting('threads')").fetchone()[0])
                    con.execute("set threads = 1")
                    try:
                        with ThreadPoolExecutor(max_workers=threads) as pool:
                            total = sum(pool.map(copy_usage_month, months))
                    finally:
                        con.execute(f"set threads = {threads}")
                else:
                    query = render(read_sql(f"export/{source}.sql"))
                    total = copy(query, folder / f"{source}.{fmt}")
                    files = 1
                counts[source] = total
                print(
                    f"{source:<16} {total:>12,} rows in {files:>2} file(s) -> {folder} "
                    f"({time.perf_counter() - started:.1f}s)",
                    flush=True,
                )
        finally:
            con.close()
    return counts


def _parse_date(value: str) -> date:
    return datetime.strptime(value, "%Y-%m-%d").date()


def main(argv: list[str] | None = None) -> dict[str, int]:
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.sample_data",
        description=(
            "Generate realistic, reproducible sample landing files for the seven sources "
            "(customers, subscriptions, product_usage, support_tickets, surveys, invoices, "
            "engagement). The same arguments always produce byte-identical files."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="profiles (--profile), each a hidden truth behind churn:\n"
        + "\n".join(
            textwrap.fill(
                f"{p.name}: {p.summary}", width=88, initial_indent="  ", subsequent_indent="    "
            )
            for p in PROFILES.values()
        ),
    )
    parser.add_argument(
        "--customers", type=int, default=DEFAULT_CUSTOMERS, help="default %(default)s"
    )
    parser.add_argument(
        "--days",
        type=int,
        default=DEFAULT_DAYS,
        help="days of activity ending at --end-date (default %(default)s)",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="default %(default)s")
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="landing directory; files go to OUT/<source>/ (default %(default)s)",
    )
    parser.add_argument("--format", choices=FORMATS, default="csv", help="default %(default)s")
    parser.add_argument(
        "--profile",
        choices=list(PROFILES),
        default=DEFAULT.name,
        help="the kind of business the sample imitates (default %(default)s; see below)",
    )
    parser.add_argument(
        "--end-date",
        type=_parse_date,
        default=DEFAULT_END_DATE,
        help=(
            "last day of the window, YYYY-MM-DD. Defaults to the fixed date %(default)s, not "
            "today, so that runs are reproducible."
        ),
    )
    args = parser.parse_args(argv)
    return generate(
        args.out, args.customers, args.days, args.seed, args.format, args.end_date, args.profile
    )
