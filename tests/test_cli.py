"""The CLI answers from the serving copy: at-risk list, one customer's breakdown, why it moved."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest
from pipeline_root import PipelineRoot

from orchestration.reports import cli


def serving_rows(pipeline_root: PipelineRoot, sql: str) -> list[tuple]:
    with duckdb.connect(str(pipeline_root.serving), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.mark.slow
def test_at_risk_csv_lists_every_at_risk_customer_by_reporting_currency_mrr(
    pipeline_root: PipelineRoot, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "at-risk.csv"
    assert cli.main(["--serving", str(pipeline_root.serving), "at-risk", "--csv", str(target)]) == 0
    with target.open() as handle:
        rows = list(csv.DictReader(handle))
    expected = serving_rows(
        pipeline_root,
        "select customer_id from customer_health where segment = 'at_risk'"
        " order by mrr_reporting desc nulls last, customer_id",
    )
    assert [r["customer_id"] for r in rows] == [e[0] for e in expected]
    assert f"{len(expected)} customers at risk" in capsys.readouterr().out


@pytest.mark.slow
def test_at_risk_for_one_csm_lists_only_that_csms_customers(
    pipeline_root: PipelineRoot, tmp_path: Path
) -> None:
    owner, count = serving_rows(
        pipeline_root,
        "select csm_owner, count(*) from customer_health where segment = 'at_risk'"
        " and csm_owner is not null group by 1 order by 2 desc, 1 limit 1",
    )[0]
    target = tmp_path / "mine.csv"
    serving = str(pipeline_root.serving)
    assert cli.main(["--serving", serving, "at-risk", "--csm", owner, "--csv", str(target)]) == 0
    with target.open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == count
    assert {r["csm_owner"] for r in rows} == {owner}


@pytest.mark.slow
def test_why_splits_the_7_day_change_by_dimension_in_sentences(
    pipeline_root: PipelineRoot, capsys: pytest.CaptureFixture[str]
) -> None:
    customer_id, change = serving_rows(
        pipeline_root,
        "select customer_id, score_change_7d from customer_health"
        " where score_change_7d is not null order by abs(score_change_7d) desc limit 1",
    )[0]
    assert cli.main(["--serving", str(pipeline_root.serving), "why", customer_id]) == 0
    out = capsys.readouterr().out
    verb = "fell" if change < 0 else "rose"
    assert f"{customer_id}'s score {verb} {abs(change):,.1f} points in 7 days" in out
    assert "points." in out
    assert "What pulls the score down most now" in out


@pytest.mark.slow
def test_customer_prints_the_breakdown_of_the_score(
    pipeline_root: PipelineRoot, capsys: pytest.CaptureFixture[str]
) -> None:
    (customer_id,) = serving_rows(
        pipeline_root,
        "select customer_id from customer_health where dimensions_scored = 6"
        " order by customer_id limit 1",
    )[0]
    assert cli.main(["--serving", str(pipeline_root.serving), "customer", customer_id]) == 0
    out = capsys.readouterr().out
    assert f"Customer `{customer_id}`" in out
    assert "| **usage** | **sub-score** |" in out
    assert "**6. Driver:**" in out


@pytest.mark.slow
def test_unknown_customer_is_a_clear_error(
    pipeline_root: PipelineRoot, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["--serving", str(pipeline_root.serving), "why", "C999999"]) == 2
    assert "C999999 is not in customer_health" in capsys.readouterr().err


def test_missing_serving_copy_says_how_to_publish_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["--serving", str(tmp_path / "none.duckdb"), "at-risk"]) == 2
    assert "make run" in capsys.readouterr().err
