"""The ratios of one benchmark run, its JSON record, the printed table and the chart.

Pure functions over the steps' figures, so that a fast test pins their keys and shape.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

# Each ratio, its parts (numerator steps over denominator steps, as summed step seconds) and its
# meaning. Under 1 is the pipeline faster than its baseline; the README explains each.
RATIOS: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {
    "ingestion_ratio": (
        ("ingestion",),
        ("bare_load",),
        "ingestion over a bare create table as read_parquet",
    ),
    "history_rebuild_ratio": (
        ("history_rebuild",),
        ("plain_history",),
        "dbt full history rebuild over the plain DuckDB script",
    ),
    "daily_vs_rebuild_ratio": (
        ("daily_run",),
        ("history_rebuild",),
        "one daily run over the full history rebuild",
    ),
    "dbt_overhead_ratio": (
        ("history_rebuild",),
        ("compiled_sql",),
        "dbt run over its compiled SQL in one DuckDB connection",
    ),
    "dagster_overhead_ratio": (
        ("dagster_pipeline",),
        ("bare_ingestion", "bare_sources", "bare_daily", "bare_current", "bare_validate"),
        "Dagster pipeline over the same commands run bare",
    ),
}
# The ratios of peak memory, like the time ratios.
RSS_RATIOS: dict[str, tuple[str, str]] = {
    "history_rebuild_rss_ratio": ("history_rebuild", "plain_history"),
    "ingestion_rss_ratio": ("ingestion", "bare_load"),
}


def compute_ratios(steps: dict[str, dict[str, Any]]) -> dict[str, float | None]:
    """Every ratio of `RATIOS` and `RSS_RATIOS` whose steps ran (None otherwise), plus
    `dagster_share` (Dagster's part of the pipeline's time) and `overhead_ratio` (dbt's and
    Dagster's overheads together: how many times its compiled SQL the orchestrated work takes)."""
    ratios: dict[str, float | None] = {}
    for key, (numerator, denominator, _) in RATIOS.items():
        ratios[key] = _ratio(_sum(steps, numerator, "seconds"), _sum(steps, denominator, "seconds"))
    for key, (numerator, denominator) in RSS_RATIOS.items():
        ratios[key] = _ratio(
            _sum(steps, (numerator,), "max_rss_mib"), _sum(steps, (denominator,), "max_rss_mib")
        )
    dagster = ratios["dagster_overhead_ratio"]
    ratios["dagster_share"] = None if dagster is None else round(1 - 1 / dagster, 4)
    dbt = ratios["dbt_overhead_ratio"]
    ratios["overhead_ratio"] = None if dbt is None or dagster is None else round(dbt * dagster, 4)
    return ratios


def _sum(steps: dict[str, dict[str, Any]], names: tuple[str, ...], field: str) -> float | None:
    if not all(name in steps for name in names):
        return None
    return sum(float(steps[name][field]) for name in names)


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, 4)


def build_record(
    size: str,
    customers: int,
    days: int,
    run_date: date,
    steps: dict[str, dict[str, Any]],
    facts: dict[str, Any],
) -> dict[str, Any]:
    """The JSON of one run: the ratios at the top level, each under its own key, then the raw
    seconds and peak RSS of every step."""
    return {
        "size": size,
        "customers": customers,
        "days": days,
        "run_date": run_date.isoformat(),
        **compute_ratios(steps),
        "peak_rss_mib": max((float(step["max_rss_mib"]) for step in steps.values()), default=None),
        "seconds": {name: step["seconds"] for name, step in steps.items()},
        "max_rss_mib": {name: step["max_rss_mib"] for name, step in steps.items()},
        "steps": steps,
        **facts,
    }


def record_path(bench_dir: Path, size: str, run_date: date, days: int, part: str = "") -> Path:
    """`<bench_dir>/<size>-<date>.json`; a shorter history, or a run of one part of the steps
    (`--pipeline-only`), says so in the name."""
    suffix = ("" if days == 365 else f"-{days}d") + (f"-{part}" if part else "")
    return bench_dir / f"{size}{suffix}-{run_date.isoformat()}.json"


def write_record(record: dict[str, Any], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=2, default=str) + "\n")
    return path


def format_table(record: dict[str, Any]) -> str:
    """The ratios with their meaning, then every step's seconds and peak RSS."""

    def show(value: float | None, unit: str = "x") -> str:
        return "n/a" if value is None else f"{value:,.3f}{unit}"

    lines = [f"{record['size']}: {record['customers']:,} customers, {record['days']} days"]
    if record.get("last_builds") is not None:
        lines.append(
            f"scored: the last {record['last_builds']} of the rebuild's"
            f" {record['builds_of_the_whole_history']} builds ({record['scored_days']} days),"
            " over the whole landing"
        )
    facts_steps = record.get("steps", {}).get("history_rebuild", {}).get("extra", {})
    if facts_steps.get("usage_facts_steps"):
        lines.append(
            f"the usage facts built first in {facts_steps['usage_facts_steps']} steps of days"
            " (CHS_MAX_USAGE_EVENTS_PER_BUILD)"
        )
    lines += [
        "",
        f"{'ratio':28} {'value':>10}  meaning",
    ]
    for key, (_, _, meaning) in RATIOS.items():
        lines.append(f"{key:28} {show(record.get(key)):>10}  {meaning}")
    lines.append(
        f"{'dagster_share':28} {show(record.get('dagster_share'), ''):>10}  "
        "Dagster's share of the pipeline's time"
    )
    lines.append(
        f"{'overhead_ratio':28} {show(record.get('overhead_ratio')):>10}  "
        "dbt and Dagster together over the compiled SQL"
    )
    for key, (numerator, denominator) in RSS_RATIOS.items():
        lines.append(
            f"{key:28} {show(record.get(key)):>10}  peak RSS of {numerator} over {denominator}"
        )
    lines += ["", f"{'step':28} {'seconds':>10} {'peak RSS MiB':>13} {'disk GiB':>9}"]
    for name, step in record["steps"].items():
        # The most disk the step took at once (records from before it was watched have none).
        disk = step.get("disk_used_gib")
        shown = "" if disk is None else f"{disk:,.1f}"
        lines.append(
            f"{name:28} {step['seconds']:>10,.1f} {step['max_rss_mib']:>13,.0f} {shown:>9}"
        )
    lines += profile_lines(record)
    return "\n".join(lines)


# Models shown under "where the time goes": the slowest of the compiled SQL.
PROFILE_MODELS = 8


def profile_lines(record: dict[str, Any], top: int = PROFILE_MODELS) -> list[str]:
    """The slowest models of the compiled SQL run with what DuckDB's profiler said of each (its
    CPU seconds over threads, the peak of its buffers, what it spilled, its costliest operator),
    beside the model's time under dbt: where a target is missed, the first place to look."""
    compiled = record.get("steps", {}).get("compiled_sql", {}).get("extra", {})
    profiles = compiled.get("model_profiles") or {}
    if not profiles:
        return []
    under_dbt = record["steps"].get("history_rebuild", {}).get("extra", {}).get("node_seconds", {})
    lines = [
        "",
        "where the time goes (compiled SQL, DuckDB's profiler; dbt's own model time beside it)",
        f"{'model':30} {'dbt s':>7} {'wall s':>7} {'CPU s':>7} {'peak MiB':>9} {'spill MiB':>10}"
        "  costliest operator",
    ]
    slowest = sorted(profiles.items(), key=lambda item: -item[1]["seconds"])[:top]
    for model, profile in slowest:
        operator = (profile.get("top_operators") or [{}])[0]
        costliest = (
            f"{operator.get('operator', '')} {operator.get('cpu_seconds', 0):,.1f} s, "
            f"{operator.get('rows', 0):,} rows"
        )
        dbt_seconds = under_dbt.get(model)
        lines.append(
            f"{model[:30]:30} {'' if dbt_seconds is None else f'{dbt_seconds:,.1f}':>7} "
            f"{profile['seconds']:>7,.1f} {profile['cpu_seconds']:>7,.1f} "
            f"{profile['peak_buffer_mib']:>9,} {profile['spilled_mib']:>10,}  {costliest}"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    """`python -m benchmarks.bench.results FILE.json`: the table of a recorded run again."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("record", type=Path)
    args = parser.parse_args(argv)
    print(format_table(json.loads(args.record.read_text())))
    return 0


# Steps drawn on the chart: the ones compared side by side.
CHART_STEPS = (
    "ingestion",
    "bare_load",
    "history_rebuild",
    "plain_history",
    "daily_run",
    "dagster_pipeline",
)


def read_records(bench_dir: Path) -> list[dict[str, Any]]:
    """Every run's JSON in `bench_dir`, skipping files that are not a benchmark record."""
    records = []
    for path in sorted(bench_dir.glob("*.json")):
        try:
            record = json.loads(path.read_text())
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict) and {"customers", "days", "seconds"} <= record.keys():
            records.append(record)
    return records


def latest_step_seconds(records: list[dict[str, Any]]) -> dict[tuple[int, int], dict[str, float]]:
    """The latest seconds of each step by (days, customers): a run of the pipeline only
    (`--pipeline-only`) updates its steps and keeps the others of the last full run."""
    latest: dict[tuple[int, int], dict[str, float]] = {}
    for record in sorted(records, key=lambda r: r.get("run_date", "")):
        latest.setdefault((record["days"], record["customers"]), {}).update(record["seconds"])
    return latest


def chart_series(records: list[dict[str, Any]]) -> list[tuple[str, int, list[tuple[int, float]]]]:
    """(step, days, [(customers, seconds)...]) for each compared step and history length, the
    latest run of each size and length, in the order drawn (longest history first). A run of
    the last builds only (`--last-builds`) is not drawn: its seconds are not the history's."""
    latest = latest_step_seconds([r for r in records if r.get("last_builds") is None])
    series = []
    for days in sorted({days for days, _ in latest}, reverse=True):
        runs = sorted((c, seconds) for (d, c), seconds in latest.items() if d == days)
        for step in CHART_STEPS:
            points = [(customers, seconds[step]) for customers, seconds in runs if step in seconds]
            if points:
                series.append((step, days, points))
    return series


def draw_chart(records: list[dict[str, Any]], out: Path) -> Path:
    """Seconds of each compared step against customers (log-log): one colour per step, one
    marker and line style per history length, the latest run of each size and length."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    series = chart_series(records)
    colours = {step: f"C{i}" for i, step in enumerate(CHART_STEPS)}
    lengths = sorted({days for _, days, _ in series}, reverse=True)
    styles = dict(zip(lengths, ["-", "--", ":", "-."] * len(lengths), strict=False))
    markers = dict(zip(lengths, ["o", "s", "^", "D", "v", "P"] * len(lengths), strict=False))
    figure, axes = plt.subplots(figsize=(8, 5))
    for step, days, points in series:
        xs, ys = zip(*points, strict=True)
        axes.plot(xs, ys, color=colours[step], linestyle=styles[days], marker=markers[days])
    steps_drawn = [step for step in CHART_STEPS if any(s == step for s, _, _ in series)]
    handles = [Line2D([], [], color=colours[step], label=step) for step in steps_drawn] + [
        Line2D([], [], color="grey", linestyle=styles[d], marker=markers[d], label=f"{d} days")
        for d in lengths
    ]
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("customers")
    axes.set_ylabel("seconds")
    axes.set_title("make bench: time against size")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(handles=handles, fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1))
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, dpi=120, bbox_inches="tight")
    plt.close(figure)
    return out


if __name__ == "__main__":
    raise SystemExit(main())
