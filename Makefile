# Two commands: `make run` (set up, generate sample data, run the whole pipeline) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The project's own dbt, dagster and python first, whatever else is on PATH.
export PATH := $(abspath $(BIN)):$(PATH)
export DAGSTER_HOME := $(CURDIR)/.dagster_home
export DAGSTER_DISABLE_TELEMETRY := 1
export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export GX_ANALYTICS_ENABLED := False
export CHS_DATA_DIR ?= $(CURDIR)/data
export CHS_WAREHOUSE_PATH ?= $(CHS_DATA_DIR)/warehouse.duckdb
export CHS_LANDING_DIR ?= $(CHS_DATA_DIR)/landing
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

.PHONY: run test dev install sample pipeline lint sqllint pytest dbt-test clean

$(BIN)/dagster: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/dagster $(DAGSTER_HOME)/dagster.yaml

$(DAGSTER_HOME)/dagster.yaml:
	mkdir -p $(DAGSTER_HOME)
	printf 'telemetry:\n  enabled: false\n' > $@

sample: install
	$(BIN)/python -m orchestration.sample_data --customers $(CUSTOMERS) --days $(DAYS) \
		--seed $(SEED) --format $(FORMAT) --end-date $(END_DATE) --profile $(PROFILE) \
		--out $(CHS_LANDING_DIR)

pipeline: install
	$(BIN)/dbt parse --quiet
	$(BIN)/dg launch --assets '*' -m orchestration.definitions \
		--partition-range $(CHS_HISTORY_START_DATE)...$(END_DATE)
	$(BIN)/python -m orchestration.summary

run: sample
	@start=$$(date +%s); $(MAKE) --no-print-directory pipeline; status=$$?; \
		echo "pipeline wall time: $$(( $$(date +%s) - start )) s"; exit $$status

DAGSTER_PORT ?= 3000
dev: install
	$(BIN)/dagster dev -m orchestration.definitions -h 127.0.0.1 -p $(DAGSTER_PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The dbt templater compiles against a warehouse file: give it an empty one of its own.
sqllint: export CHS_WAREHOUSE_PATH := $(CURDIR)/data/lint/warehouse.duckdb
sqllint: install
	mkdir -p $(CURDIR)/data/lint
	$(BIN)/dbt parse --quiet
	$(BIN)/sqlfluff lint dbt_project/models

pytest: install
	$(BIN)/python -m pytest -q

# dbt build (models, seeds, data tests, unit tests) on a fresh small sample in its own folder.
dbt-test: export CHS_DATA_DIR := $(CURDIR)/data/test
dbt-test: export CHS_WAREHOUSE_PATH := $(CURDIR)/data/test/warehouse.duckdb
dbt-test: export CHS_LANDING_DIR := $(CURDIR)/data/test/landing
dbt-test: install
	rm -rf $(CURDIR)/data/test
	$(BIN)/python -m orchestration.sample_data --customers 300 --days 180 --seed 7 \
		--end-date $(END_DATE) --out $(CHS_LANDING_DIR)
	$(BIN)/python -m orchestration.ingest
	$(BIN)/dbt build --vars '{"score_from_date": "2026-04-01", "as_of_date": "$(END_DATE)"}'

test: lint sqllint pytest dbt-test

clean:
	rm -rf data target logs .dagster_home
