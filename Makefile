# Two commands: `make run` (set up, generate sample data, run the whole pipeline) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The project's own dbt, dagster and python first, whatever else is on PATH.
export PATH := $(abspath $(BIN)):$(PATH)
export DAGSTER_HOME := $(CURDIR)/.dagster_home
export DAGSTER_DISABLE_TELEMETRY := 1
# A range of days in one run: Dagster batches its per-day events, and records one "planned" event
# per asset (orchestration/defs/instance.py); the webserver and daemon create runs too.
export DAGSTER_EVENT_BATCH_SIZE ?= 10000
export DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS ?= true
export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export GX_ANALYTICS_ENABLED := False
export CHS_DATA_DIR ?= $(CURDIR)/data
export CHS_WAREHOUSE_PATH ?= $(CHS_DATA_DIR)/warehouse.duckdb
export CHS_LANDING_DIR ?= $(CHS_DATA_DIR)/landing
# DuckDB's memory limit (a size like 8GB, or a share of RAM) and spill folder, for dbt
# (profiles.yml) and every heavy Python connection (orchestration/duckdb_settings.py).
export CHS_DUCKDB_MEMORY_LIMIT ?= 60%
export CHS_DUCKDB_TEMP_DIR ?= $(CHS_DATA_DIR)/tmp
# Keep pip's and dbt's caches and config out of the user's home folder.
export PIP_CACHE_DIR := $(CURDIR)/.venv/.pip-cache
export DBT_PROFILES_DIR := $(CURDIR)

CUSTOMERS ?= 2000
DAYS ?= 365
SEED ?= 42
FORMAT ?= csv
# The kind of business the sample imitates: default, one_dimension, first_year_churn or sparse.
PROFILE ?= default
# The sample ends on this day; the score history covers its DAYS days.
END_DATE ?= 2026-09-30
HISTORY_START := $(shell $(PYTHON) -c "import datetime as d; print(d.date.fromisoformat('$(END_DATE)') - d.timedelta(days=$(DAYS) - 1))")
export CHS_HISTORY_START_DATE ?= $(HISTORY_START)

.PHONY: run test test-fast dev install sample pipeline lint sqllint pytest dbt-test clean \
	calibrate accept-calibration chromium dashboard docs docs-serve bench bench-smoke java \
	install-spark test-spark

$(BIN)/dagster: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,dashboard,bench]'
	touch $@

install: $(BIN)/dagster $(DAGSTER_HOME)/dagster.yaml

# Run monitoring: a run whose process died (killed, machine restarted) is marked failed instead
# of staying "in progress"; the daemon of `make dev` does the monitoring. The event log writes a
# backfill's per-day events in one transaction (orchestration/defs/instance.py).
$(DAGSTER_HOME)/dagster.yaml: Makefile orchestration/defs/instance.py $(BIN)/dagster
	mkdir -p $(DAGSTER_HOME)
	$(BIN)/python -m orchestration.defs.instance $(DAGSTER_HOME) > $@

sample: install
	$(BIN)/python -m orchestration.sample_data --customers $(CUSTOMERS) --days $(DAYS) \
		--seed $(SEED) --format $(FORMAT) --end-date $(END_DATE) --profile $(PROFILE) \
		--out $(CHS_LANDING_DIR)

# CHS_TARGET=spark runs every dbt step on Spark (README "Scaling out"): dbt-spark and Java too.
ENGINE_DEPS := $(if $(filter spark,$(CHS_TARGET)),install-spark java)

# The sweep of runs left "in progress" first; `dg launch` parses the dbt project while Dagster
# imports (orchestration/project.py, start_manifest_parse).
pipeline: install $(ENGINE_DEPS)
	$(BIN)/python -m orchestration.stale_runs
	$(BIN)/dg launch --assets '* and not key:calibration_proposal' -m orchestration.definitions \
		--partition-range $(CHS_HISTORY_START_DATE)...$(END_DATE)
	$(BIN)/python -m orchestration.reports.summary

run: sample
	@start=$$(date +%s); $(MAKE) --no-print-directory pipeline; status=$$?; \
		echo "pipeline wall time: $$(( $$(date +%s) - start )) s"; exit $$status

# Learn weights, metric shapes, thresholds and churn_risk bands from the warehouse's history:
# writes seeds/proposed/*.csv and data/calibration/report.md (VALID_FROM=YYYY-MM-DD optional).
calibrate: install
	$(BIN)/python -m orchestration.calibration $(if $(VALID_FROM),--valid-from $(VALID_FROM))

# Copy the proposal into seeds/ (new valid_from; past days keep their rows).
accept-calibration: install
	$(BIN)/python -m orchestration.calibration accept

DAGSTER_PORT ?= 3000
dev: install $(ENGINE_DEPS)
	$(BIN)/python -m orchestration.stale_runs
	$(BIN)/dagster dev -m orchestration.definitions -h 127.0.0.1 -p $(DAGSTER_PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The dbt templater compiles against a warehouse file: give it an empty one of its own. The sample
# generator's SQL has `$name` parameters, not dbt: its own .sqlfluff sets the placeholder
# templater, which sqlfluff accepts only from the folder it runs in.
sqllint: export CHS_WAREHOUSE_PATH := $(CURDIR)/data/lint/warehouse.duckdb
sqllint: install
	mkdir -p $(CURDIR)/data/lint
	$(BIN)/dbt parse --quiet
	$(BIN)/sqlfluff lint dbt_project/models
	cd orchestration/sample_data/sql && $(abspath $(BIN))/sqlfluff lint .

pytest: install install-spark java chromium
	$(BIN)/python -m pytest -q

# The tests that run neither dbt nor Dagster nor a child process of the pipeline (not marked
# `slow`; tests/slow_guard.py fails an unmarked test that does): about a minute.
test-fast: install
	$(BIN)/python -m pytest -q -m "not slow"

# The browser test drives Debian's chromium through playwright (its own browser download cannot
# be used here). Installed with apt-get when we are root; otherwise says what to run.
CHS_CHROMIUM ?= /usr/bin/chromium
export CHS_CHROMIUM
chromium:
	@test -x $(CHS_CHROMIUM) || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
		else \
			echo "chromium is missing: run 'sudo apt-get install -y chromium'" \
				"or set CHS_CHROMIUM to a Chromium binary"; exit 1; \
		fi; }

# The dashboard for CS leads, on the serving copy that `make run` publishes.
dashboard: install
	$(BIN)/streamlit run orchestration/dashboard/app.py --server.address 127.0.0.1 \
		--server.port 8501 --server.headless true --browser.gatherUsageStats false

# dbt docs (offline) into target/, and the Great Expectations Data Docs into data/docs/gx/.
docs: install
	$(BIN)/dbt docs generate --quiet
	$(BIN)/python -m orchestration.validation.docs
	@echo "dbt docs: make docs-serve (http://127.0.0.1:8080); GX Data Docs: $(CHS_DATA_DIR)/docs/gx/index.html"

docs-serve: docs
	$(BIN)/dbt docs serve --host 127.0.0.1 --port 8080 --no-browser

# dbt build (models, seeds, data tests, unit tests) on a fresh small sample in its own folder.
dbt-test: export CHS_DATA_DIR := $(CURDIR)/data/test
dbt-test: export CHS_WAREHOUSE_PATH := $(CURDIR)/data/test/warehouse.duckdb
dbt-test: export CHS_LANDING_DIR := $(CURDIR)/data/test/landing
dbt-test: install
	rm -rf $(CURDIR)/data/test
	$(BIN)/python -m orchestration.sample_data --customers 300 --days 180 --seed 7 \
		--end-date $(END_DATE) --out $(CHS_LANDING_DIR)
	$(BIN)/python -m orchestration.ingestion
	$(BIN)/dbt build --vars '{"score_from_date": "2026-04-01", "as_of_date": "$(END_DATE)"}'

# The pipeline against plain DuckDB, side by side (README "Performance"): SIZE=small (10k
# customers), medium (100k) or large (1M), or sample (make run's 2,000), a year of history
# unless BENCH_DAYS says fewer; BENCH_ARGS passes more options (`--last-builds 1` scores only
# the last build of the year: a whole year at SIZE=large takes more than ten hours).
# Prints the ratios, writes data/bench/<size>-<date>.json and data/bench/time_vs_size.png.
SIZE ?= small
BENCH_DAYS ?= 365
BENCH_ARGS ?=
bench: install
	$(BIN)/python -m benchmarks.bench --size $(SIZE) --days $(BENCH_DAYS) $(BENCH_ARGS)

# `make test`'s smoke run of the benchmark: SIZE=small over fewer days, so it takes minutes.
SMOKE_BENCH_DAYS ?= 7
bench-smoke: install
	$(BIN)/python -m benchmarks.bench --size small --days $(SMOKE_BENCH_DAYS)

# The Spark side (`make test-spark`, `--target spark`): dbt-spark and pyspark (~600 MB) in the
# same venv, only when asked for.
SPARK_STAMP := $(VENV)/.spark-installed
$(SPARK_STAMP): pyproject.toml $(BIN)/dagster
	$(BIN)/pip install --quiet -e '.[spark]'
	touch $@

install-spark: $(SPARK_STAMP)

# Spark runs on Java 17 or later. Installed with apt-get when we are root (never upgraded: a JVM
# running while its JDK is replaced fails to start child processes); otherwise says how.
JAVA ?= $(if $(JAVA_HOME),$(JAVA_HOME)/bin/java,java)
java:
	@$(JAVA) -version >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
				apt-get install -y -qq --no-upgrade openjdk-17-jre-headless; \
		else \
			echo "Java is missing: run 'sudo apt-get install -y openjdk-17-jre-headless'" \
				"or set JAVA_HOME to a Java 17 or later"; exit 1; \
		fi; }
	@version=$$($(JAVA) -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1); \
		[ "$${version:-0}" -ge 17 ] || { echo "Spark needs Java 17 or later, found" \
			"$$($(JAVA) -version 2>&1 | head -1): install openjdk-17-jre-headless or set JAVA_HOME"; \
			exit 1; }

# The `make dbt-test` sample built on DuckDB and on Spark (local, session mode) in
# data/test-spark; every mart compared row for row, floats to 4 decimals (README "Scaling out").
test-spark: install-spark java
	$(BIN)/python -m orchestration.spark.check --work $(CURDIR)/data/test-spark \
		--end-date $(END_DATE)

# Every test: the Spark comparison last, after the DuckDB build has passed its own tests.
test: lint sqllint pytest dbt-test bench-smoke test-spark

clean:
	rm -rf data target logs .dagster_home
