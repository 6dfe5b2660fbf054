"""DuckDB-only SQL in the compiled models: `python -m orchestration.spark.portability DIR`.

The models are compiled for Spark (`dbt compile --target spark`), so every macro of ours that
`adapter.dispatch`es renders its Spark form: a DuckDB-only construct left in the compiled SQL was
written in a model, or in a macro that does not dispatch. The constructs are those of
PORTABILITY.md (found by running a dbt project on both engines). Comments and string literals are
blanked first, so a comment about `qualify` or a `'//'` in a string is no finding.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

# (what, pattern over SQL without comments and strings, what to write instead)
CONSTRUCTS: tuple[tuple[str, str, str], ...] = (
    ("::", r"::", "cast(x as type)"),
    ("qualify", r"\bqualify\b", "row_number() in a subquery, filtered outside"),
    ("arg_max / arg_min", r"\barg_(?:max|min)\s*\(", "a dispatched macro (Spark: max_by)"),
    ("list()", r"\blist\s*\(", "a dispatched macro (Spark: array_agg)"),
    ("list_* functions", r"\blist_\w+\s*\(", "a dispatched macro"),
    ("//", r"//", "floor(a / b), or a dispatched macro"),
    ("* exclude", r"\*\s*exclude\b", "the columns by name"),
    ("generate_series", r"\bgenerate_series\s*\(", "dbt.generate_series"),
    ("range()", r"\brange\s*\(", "dbt.generate_series"),
    ("[...] list literal or index", r"\[", "a dispatched macro"),
    ("{...} struct literal", r"\{", "a dispatched macro"),
    ("unnest", r"\bunnest\s*\(", "a dispatched macro (Spark: explode)"),
    ('"double-quoted identifier"', r'"', "an unquoted name, or adapter.quote"),
    ("strftime / strptime", r"\bstr[fp]time\s*\(", "a dispatched macro"),
    ("epoch()", r"\bepoch(?:_ms)?\s*\(", "seconds_between"),
    ("regexp_matches", r"\bregexp_matches\s*\(", "a dispatched macro"),
    ("quantile_cont / quantile_disc", r"\bquantile_(?:cont|disc)\s*\(", "percentile_cont"),
    ("date_diff('part', ...)", r"\bdate_diff\s*\(", "dbt.datediff"),
    ("varchar (Spark wants a length)", r"\bvarchar\b", "string"),
    ("hugeint", r"\bu?hugeint\b", "bigint, or a decimal"),
)
_COMPILED = tuple(
    (what, re.compile(pattern, re.IGNORECASE), fix) for what, pattern, fix in CONSTRUCTS
)
# Comments and quoted text, in the order SQL reads them: a `--` inside a string is text.
_BLANKS = re.compile(r"--[^\n]*|/\*.*?\*/|'(?:[^'\\]|\\.|'')*'", re.DOTALL)


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    construct: str
    fix: str
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.construct} (use {self.fix}): {self.text.strip()}"


def _blank(match: re.Match[str]) -> str:
    """The comment or string as spaces and its newlines, so line numbers stay."""
    text = match.group(0)
    if text.startswith("'"):
        return "'" + re.sub(r"[^\n]", " ", text[1:-1]) + "'"
    return re.sub(r"[^\n]", " ", text)


def duckdb_only_constructs(sql: str, path: str = "<sql>") -> list[Finding]:
    """Every DuckDB-only construct in `sql`, one finding per construct and line."""
    code = _BLANKS.sub(_blank, sql)
    lines, original = code.splitlines(), sql.splitlines()
    findings = []
    for number, line in enumerate(lines, start=1):
        for what, pattern, fix in _COMPILED:
            if pattern.search(line):
                findings.append(Finding(path, number, what, fix, original[number - 1]))
    return findings


def scan_compiled(compiled: Path) -> list[Finding]:
    """Findings in every compiled model of a dbt `target/compiled` folder (tests left out)."""
    findings = []
    for path in sorted(compiled.rglob("*.sql")):
        relative = path.relative_to(compiled)
        if "models" not in relative.parts:
            continue
        findings += duckdb_only_constructs(path.read_text(), str(relative))
    return findings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("compiled", type=Path, help="a target/compiled folder of a Spark compile")
    args = parser.parse_args(argv)
    findings = scan_compiled(args.compiled)
    for finding in findings:
        print(finding)
    print(f"{len(findings)} DuckDB-only constructs in {args.compiled}")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
