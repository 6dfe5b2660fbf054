"""Row rules of the landing contract in SQL (quarantine reasons and flags), and the one
statement that types, checks and splits a file's rows."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from orchestration.ingestion.config import (
    ConfigError,
    ReadOptions,
)
from orchestration.ingestion.files import _literal
from orchestration.ingestion.readers import _Plan, _source_sql
from orchestration.ingestion.sources import (
    DUCKDB_TYPES,
    FLAG,
    QUARANTINE,
    TEXT,
    TIMESTAMP,
    Source,
)
from orchestration.ingestion.typing_sql import (
    EARLIEST_TIMESTAMP,
    _nulled,
    _parsed_sql,
    _reason_for,
    _trimmed,
    _value_sql,
)

REASON_MESSAGES = {
    "missing_required_value": "required value is empty",
    "invalid_integer": "not a whole number",
    "invalid_number": "not a number",
    "invalid_boolean": "not true/false",
    "invalid_timestamp": "not a recognised date or timestamp",
    "timestamp_out_of_range": f"date is before {EARLIEST_TIMESTAMP[:4]} or after 2100",
}


@dataclass
class _Rule:
    """One row-level rule in SQL: a quarantine reason or a flag."""

    column: str
    reason_code: str
    action: str
    violated: str  # SQL, true when the row breaks the rule
    message: str  # SQL expression for the message text


def read_survey_scales(path: Path | None) -> dict[str, tuple[float, float]]:
    """survey_kind -> (min_score, max_score) from the seed, or nothing if it is not there."""
    if path is None or not path.exists():
        return {}
    with path.open(encoding="utf-8", newline="") as handle:
        try:
            return {
                row["survey_kind"].strip().lower(): (
                    float(row["min_score"]),
                    float(row["max_score"]),
                )
                for row in csv.DictReader(handle)
            }
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(
                f"{path}: survey scales need columns survey_kind, min_score, max_score with "
                f"numbers: {exc!r}"
            ) from exc


def _rules(source: Source, plan: _Plan, scales: dict[str, tuple[float, float]]) -> list[_Rule]:
    rules: list[_Rule] = []
    present = set(plan.matched)
    for column in source.columns:
        name = column.name
        if name not in present:
            continue
        if column.required:
            rules.append(_Rule(name, "missing_required_value", QUARANTINE, f"t_{name} is null", ""))
        if column.kind != TEXT:
            unreadable = f"p_{name}" if column.kind == TIMESTAMP else f"v_{name}"
            rules.append(
                _Rule(
                    name,
                    _reason_for(column.kind),
                    QUARANTINE,
                    f"t_{name} is not null and {unreadable} is null",
                    "",
                )
            )
        if column.kind == TIMESTAMP:
            rules.append(
                _Rule(
                    name,
                    "timestamp_out_of_range",
                    QUARANTINE,
                    f"p_{name} is not null and v_{name} is null",
                    "",
                )
            )
        if column.event and plan.future_cutoff is not None:
            # Optional columns too: loading the row with a null `paid_at` or `resolved_at`
            # would make a paid invoice look unpaid and a closed ticket look open.
            cutoff = plan.future_cutoff.isoformat(sep=" ")
            rules.append(
                _Rule(
                    name,
                    "future_timestamp",
                    QUARANTINE,
                    f"v_{name} > timestamp {_literal(cutoff)}",
                    _literal(
                        f"is in the future: later than {cutoff[:19]} UTC, the load time plus "
                        f"the {plan.future_tolerance_hours:g} h tolerance"
                    ),
                )
            )
    for check in source.checks:
        columns = re.findall(r"\{(\w+)\}", check.violated)
        if not set(columns) <= present:
            continue
        violated = check.violated.format(**{c: f"v_{c}" for c in columns})
        rules.append(
            _Rule(check.column, check.reason_code, check.action, violated, _literal(check.message))
        )
    if source.scored_by and scales and set(source.scored_by) <= present:
        kind, score = source.scored_by
        kind_sql = f"lower(v_{kind})"
        outside = " ".join(
            f"when {_literal(k)} then v_{score} not between {low} and {high}"
            for k, (low, high) in scales.items()
        )
        scale_text = " ".join(
            f"when {_literal(k)} then '{low:g}-{high:g}'" for k, (low, high) in scales.items()
        )
        rules.append(
            _Rule(
                score,
                "score_out_of_range",
                QUARANTINE,
                f"case {kind_sql} {outside} else false end",
                f"'is outside the ' || {kind_sql} || ' scale ' || case {kind_sql} {scale_text} end",
            )
        )
        kinds = ", ".join(_literal(k) for k in scales)
        rules.append(
            _Rule(
                kind,
                "unknown_survey_kind",
                FLAG,
                f"{kind_sql} not in ({kinds})",
                _literal("is not a survey kind of the scales seed; dbt will not score it"),
            )
        )
    return rules


def _problem_struct(rule: _Rule, raw: str) -> str:
    message = rule.message or _literal(REASON_MESSAGES[rule.reason_code])
    return (
        f"{{'column_name': {_literal(rule.column)}, 'raw_value': {raw}, "
        f"'reason_code': {_literal(rule.reason_code)}, "
        f"'message': {_literal(rule.column + ': ')} || {message} "
        f"|| coalesce(' (got ' || {raw} || ')', '')}}"
    )


def _stage_sql(
    source: Source, plan: _Plan, options: ReadOptions, scales: dict, rejects: bool
) -> str:
    """One SELECT over the whole file: typed columns, whether the row loads, and for rows that
    do not, the problems and the raw record."""
    index = {name: i for i, name in enumerate(plan.names)}
    text_cols, clean_cols, parsed_cols, value_cols = [], [], [], []
    for column in source.columns:
        name = column.name
        if name in plan.matched:
            positions = [index[n] for n in plan.matched[name]]
            raw = _coalesce([f"c{i}" for i in positions])
            native_value = _coalesce([f"n{i}" for i in positions])
            text_cols.append(
                f"{raw} as r_{name}, {native_value} as n_{name}, {_trimmed(raw)} as s_{name}"
            )
            clean_cols.append(f"{_nulled(f's_{name}', options)} as t_{name}")
            native = plan.types.get(plan.matched[name][0])
            parsed_cols.append(
                f"{_parsed_sql(column.kind, name, native, plan, options)} as p_{name}"
            )
            value_cols.append(f"{_value_sql(column.kind, name)} as v_{name}")
        else:
            value_cols.append(f"cast(null as {DUCKDB_TYPES[column.kind]}) as v_{name}")
    rules = _rules(source, plan, scales)
    quarantine = [r for r in rules if r.action == QUARANTINE]
    flags = [r for r in rules if r.action == FLAG]
    is_bad = " or ".join(f"coalesce({r.violated}, false)" for r in quarantine) or "false"
    invalid_json = _problem_struct(
        _Rule("_record", "invalid_json", QUARANTINE, "", _literal("not a JSON object")), "_line"
    )
    problem_list = (
        f"case when not _valid then [{invalid_json}] else {_problem_list(quarantine)} end"
    )
    flag_list = (
        f"case when {' or '.join(f'coalesce({r.violated}, false)' for r in flags)} "
        f"then {_problem_list(flags)} end"
        if flags
        else f"cast(null as {PROBLEM_TYPE}[])"
    )
    return f"""
        with src as ({_source_sql(plan, rejects)}),
        trimmed as (select *{"".join(", " + t for t in text_cols)} from src),
        cleaned as (select *{"".join(", " + t for t in clean_cols)} from trimmed),
        parsed as (select *{"".join(", " + p for p in parsed_cols)} from cleaned),
        typed as (select *, {", ".join(value_cols)} from parsed),
        checked as (select *, _valid and not ({is_bad}) as _ok from typed)
        select
            _row,
            _blank,
            _ok,
            {"c0 is null" if plan.file_format == "csv" and plan.names else "false"}
                as _first_field_empty,
            {", ".join(f"v_{c.name}" for c in source.columns)},
            {_extra_sql(plan)} as _extra,
            case when not _ok and not _blank then {problem_list} end as _problems,
            case when not _ok and not _blank then {_record_sql(plan)} end as _record,
            case when _ok and not _blank then {flag_list} end as _flags
        from checked
    """


PROBLEM_TYPE = (
    "struct(column_name varchar, raw_value varchar, reason_code varchar, message varchar)"
)


def _coalesce(expressions: list[str]) -> str:
    return expressions[0] if len(expressions) == 1 else f"coalesce({', '.join(expressions)})"


def _problem_list(rules: list[_Rule]) -> str:
    if not rules:
        return f"cast([] as {PROBLEM_TYPE}[])"
    items = ", ".join(
        f"case when coalesce({r.violated}, false) then {_problem_struct(r, f'r_{r.column}')} end"
        for r in rules
    )
    return f"list_filter([{items}], lambda p: p is not null)"


def _record_sql(plan: _Plan) -> str:
    """SQL for a row's whole raw record as JSON, with the file's own column names."""
    if plan.file_format in ("jsonl", "json_array"):
        return "_line"
    if not plan.names:
        return "cast(null as varchar)"
    if plan.file_format == "parquet":
        entries = ", ".join(
            f"{{'k': {_literal(name)}, 'v': to_json(n{i})}}" for i, name in enumerate(plan.names)
        )
        return f"cast(to_json(map_from_entries([{entries}])) as varchar)"
    entries = ", ".join(
        f"{{'k': {_literal(name)}, 'v': c{i}}}" for i, name in enumerate(plan.names)
    )
    return f"to_json(map_from_entries([{entries}]))"


def _extra_sql(plan: _Plan) -> str:
    """SQL for the columns outside the contract as a JSON object, leaving out empty ones."""
    if not plan.extra:
        return "cast(null as varchar)"
    index = {name: i for i, name in enumerate(plan.names)}
    if plan.file_format == "csv":
        entries = [
            f"{{'k': {_literal(e)}, 'v': nullif(trim(c{index[e]}), '')}}" for e in plan.extra
        ]
    elif plan.file_format == "parquet":
        entries = [f"{{'k': {_literal(e)}, 'v': to_json(n{index[e]})}}" for e in plan.extra]
    else:
        entries = [f"{{'k': {_literal(e)}, 'v': n{index[e]}}}" for e in plan.extra]
    return (
        f"nullif(cast(to_json(map_from_entries(list_filter([{', '.join(entries)}], "
        "lambda e: e.v is not null))) as varchar), '{}')"
    )
