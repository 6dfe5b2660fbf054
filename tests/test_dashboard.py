"""The dashboard: each page under Streamlit's AppTest, then every page in a real browser.

Both read the serving copy of the shared small pipeline; the working warehouse is pointed at a
file that does not exist, so a page that read it would fail."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from pipeline_root import PipelineRoot
from streamlit.testing.v1 import AppTest

from orchestration.dashboard import data as dashboard_data

PAGES = Path(__file__).resolve().parent.parent / "orchestration" / "dashboard" / "pages"
TIMEOUT = 120


@pytest.fixture
def serving_env(
    pipeline_root: PipelineRoot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    monkeypatch.setenv("CHS_SERVING_DIR", str(pipeline_root.serving.parent))
    monkeypatch.setenv("CHS_WAREHOUSE_PATH", str(tmp_path / "no-warehouse.duckdb"))
    yield pipeline_root.serving


def run_page(name: str, **query: str) -> AppTest:
    app = AppTest.from_file(str(PAGES / f"{name}.py"), default_timeout=TIMEOUT)
    for key, value in query.items():
        app.query_params[key] = value
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def serving_value(serving: Path, sql: str) -> object:
    with duckdb.connect(str(serving), read_only=True) as con:
        return con.execute(sql).fetchone()[0]


def metric(app: AppTest, label: str) -> str:
    return next(m.value for m in app.metric if m.label == label)


@pytest.mark.slow
def test_overview_shows_customers_and_colours_of_the_serving_copy(serving_env: Path) -> None:
    app = run_page("overview")
    customers = serving_value(serving_env, "select count(*) from customer_health")
    assert metric(app, "Customers scored") == f"{customers:,}"
    segments = app.dataframe[0].value
    assert set(segments["health_color"]) <= {"red", "yellow", "green", "grey"}
    assert segments["customers"].sum() == customers
    assert len(app.get("vega_lite_chart")) == 3


@pytest.mark.slow
def test_at_risk_page_filters_by_csm_and_sorts_by_mrr(serving_env: Path) -> None:
    owner = serving_value(
        serving_env,
        "select csm_owner from customer_health where segment = 'at_risk'"
        " and csm_owner is not null group by 1 order by count(*) desc, 1 limit 1",
    )
    app = run_page("at_risk")
    everyone = app.dataframe[0].value
    assert len(everyone) == serving_value(
        serving_env, "select count(*) from customer_health where segment = 'at_risk'"
    )
    app.selectbox(key="csm").select(owner).run()
    mine = app.dataframe[0].value
    assert 0 < len(mine) <= len(everyone)
    assert set(mine["csm_owner"]) == {owner}
    assert list(mine["mrr_reporting"]) == sorted(mine["mrr_reporting"], reverse=True)
    assert len(app.get("download_button")) == 2


def test_excel_export_round_trips_the_at_risk_list() -> None:
    frame = pd.DataFrame({"customer_id": ["C1", "C2"], "mrr": [500.0, 120.5]})
    workbook = dashboard_data.to_excel(frame, "at risk")
    assert pd.read_excel(io.BytesIO(workbook), sheet_name="at risk").equals(frame)


@pytest.mark.slow
def test_customer_page_explains_the_change_and_the_driver(serving_env: Path) -> None:
    customer_id = serving_value(
        serving_env,
        "select customer_id from customer_health where score_change_7d is not null"
        " order by abs(score_change_7d) desc limit 1",
    )
    app = run_page("customer", customer=customer_id)
    assert app.selectbox(key="customer").value == customer_id
    detail = serving_value(
        serving_env,
        f"select driver_detail from customer_health where customer_id = '{customer_id}'",
    )
    texts = " ".join(str(e.value) for e in (*app.info, *app.markdown))
    assert detail in texts
    assert f"{customer_id}'s score" in texts
    assert len(app.get("vega_lite_chart")) >= 2  # history and the 7-day change


@pytest.mark.slow
def test_alerts_page_lists_every_alert(serving_env: Path) -> None:
    app = run_page("alerts")
    assert len(app.dataframe[0].value) == serving_value(
        serving_env, "select count(*) from health_alerts"
    )


@pytest.mark.slow
def test_backtest_page_says_when_no_day_has_its_follow_up_yet(serving_env: Path) -> None:
    app = run_page("backtest")
    auc_rows = serving_value(
        serving_env, "select count(*) from health_backtest where analysis = 'auc'"
    )
    assert auc_rows == 0, "the shared sample's history must be shorter than the churn horizon"
    assert "90 days of follow-up" in app.warning[0].value


@pytest.mark.slow
def test_backtest_page_draws_auc_over_time_and_lift(
    serving_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "serving" / "health.duckdb"
    copy.parent.mkdir()
    shutil.copy(serving_env, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute(
            "insert into health_backtest (analysis, score_date, subject, observations, churned,"
            " churn_rate, metric_value) values"
            " ('auc', date '2026-03-01', 'overall', 200, 20, 0.1, 0.71),"
            " ('auc', date '2026-03-08', 'overall', 200, 22, 0.11, 0.74),"
            " ('decile', null, '1', 20, 8, 0.4, 3.6), ('decile', null, '2', 20, 4, 0.2, 1.8)"
        )
    monkeypatch.setenv("CHS_SERVING_DIR", str(copy.parent))
    app = run_page("backtest")
    assert metric(app, "Latest AUC of the overall score") == "0.740"
    assert len(app.get("vega_lite_chart")) == 2


def test_page_without_a_serving_copy_says_how_to_get_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHS_SERVING_DIR", str(tmp_path))
    app = AppTest.from_file(str(PAGES / "overview.py"), default_timeout=TIMEOUT).run()
    assert "make run" in app.error[0].value


@pytest.mark.slow
def test_every_page_shows_data_in_a_real_browser(
    serving_env: Path, tmp_path: Path, pipeline_root: PipelineRoot
) -> None:
    """Debian's chromium through playwright: each page draws its data, screenshots are saved."""
    import os

    from orchestration.dashboard.screenshots import capture, chromium_path, running_dashboard

    chromium_path()  # a clear error naming `make chromium` when the browser is missing
    env = os.environ | {"CHS_SERVING_DIR": str(serving_env.parent)}
    with running_dashboard(env) as url:
        shots = capture(url, tmp_path / "screenshots")
    assert sorted(shots) == ["alerts", "at_risk", "backtest", "customer", "overview"]
    for path in shots.values():
        assert path.stat().st_size > 10_000
