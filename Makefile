# The two commands a new user runs are `make demo` and `make test`; each sets itself up first.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
# The project's own uv, installed with pip into .tools/ (only Python 3.11 + pip are assumed). Never a uv from PATH:
# one that happens to be there would hide a missing install step. Tests and scripts get it as FORECAST_UV.
UV_VERSION := 0.13.9
UV := $(CURDIR)/.tools/bin/uv
export FORECAST_UV := $(UV)
VENV := $(CURDIR)/.venv
PY := $(VENV)/bin/python

# All local state lives under one git-ignored folder; `make clean` removes it.
export FORECAST_HOME ?= $(CURDIR)/.forecast
export DAGSTER_HOME ?= $(FORECAST_HOME)/dagster_home
export UV_PROJECT_ENVIRONMENT := $(VENV)

SOURCE ?=
DAYS ?=
TIMESTAMP_FORMAT ?=
DAGSTER_PORT ?= 3000
EVIDENTLY_PORT ?= 8000
# The static server for the HTML reports that asset metadata links to; the demo writes links to this port.
REPORTS_PORT ?= 8001
export FORECAST_REPORTS_URL ?= http://127.0.0.1:$(REPORTS_PORT)
DEMO_ARGS := $(if $(SOURCE),--source "$(SOURCE)") $(if $(DAYS),--live-partitions $(DAYS)) \
	$(if $(TIMESTAMP_FORMAT),--timestamp-format "$(TIMESTAMP_FORMAT)")

.PHONY: help setup demo demo-gcp test ui clean bench

# The demo replays a fixed history, so its partitions (and the UI's) end with the source's data, not today;
# `make ui SOURCE=...` shows the code location of the file the demo ran on.
demo demo-gcp ui: export FORECAST_PARTITIONS_END ?= data
ifneq ($(SOURCE),)
ui: export FORECAST_SOURCE := $(SOURCE)
endif

help:
	@echo "make demo   run the whole lifecycle on the local default (SOURCE=<file, glob, folder, URL, duckdb:, bigquery: or eia:> for your own data)"
	@echo "make demo-gcp  the same lifecycle with FORECAST_ENV=gcp, offline against local BigQuery, GCS and Vertex AI stand-ins"
	@echo "make test   run the test suite"
	@echo "make ui     (SOURCE= the demo's file) Dagster UI on http://127.0.0.1:$(DAGSTER_PORT) and Evidently UI on http://127.0.0.1:$(EVIDENTLY_PORT) (DAGSTER_PORT=, EVIDENTLY_PORT= to change)"
	@echo "make bench  run the benchmarks in benchmarks/"
	@echo "make clean  remove all local state ($(FORECAST_HOME))"

# The stamp names the version, so changing UV_VERSION reinstalls it.
$(CURDIR)/.tools/.uv-$(UV_VERSION):
	$(PYTHON) -m venv $(CURDIR)/.tools
	$(CURDIR)/.tools/bin/pip install --quiet "uv==$(UV_VERSION)"
	@touch $@

$(VENV)/.synced: pyproject.toml uv.lock $(CURDIR)/.tools/.uv-$(UV_VERSION)
	$(UV) sync --frozen --all-groups --compile-bytecode
	@touch $@

$(DAGSTER_HOME)/dagster.yaml:
	@mkdir -p $(DAGSTER_HOME)
	@printf 'telemetry:\n  enabled: false\nnux:\n  enabled: false\n' > $@
	@# One warehouse-writing step at a time across runs (WAREHOUSE_POOL): the DuckDB file takes one writer process.
	@printf 'concurrency:\n  pools:\n    default_limit: 1\n' >> $@

setup: $(VENV)/.synced $(DAGSTER_HOME)/dagster.yaml

# Each demo replays the lifecycle from scratch, so one source's history never mixes with another's.
demo: $(VENV)/.synced
	rm -rf $(FORECAST_HOME)
	$(MAKE) --no-print-directory $(DAGSTER_HOME)/dagster.yaml
	$(PY) -m demo $(DEMO_ARGS)

# BigQuery, GCS and Vertex AI stand-ins on 127.0.0.1, started and stopped by demo/gcp.py (emulators/).
demo-gcp: $(VENV)/.synced
	rm -rf $(FORECAST_HOME)
	$(MAKE) --no-print-directory $(DAGSTER_HOME)/dagster.yaml
	$(PY) -m demo.gcp $(DEMO_ARGS)

test: setup
	$(PY) -m pytest

ui: setup
	$(PY) -m demo.ui --dagster-port $(DAGSTER_PORT) --evidently-port $(EVIDENTLY_PORT) --reports-port $(REPORTS_PORT)

bench: setup
	$(PY) -m benchmarks.drift_report
	$(PY) -m benchmarks.scale
	$(PY) -m benchmarks.m4 --data-dir ../shared/data/m4/hourly --frequency Hourly

clean:
	rm -rf $(FORECAST_HOME)
