# The two commands a new user runs are `make demo` and `make test`; each sets itself up first.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
# uv from PATH, else a private copy installed with pip into .tools/ (only Python 3.11 + pip are assumed).
UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.tools/bin/uv)
VENV := $(CURDIR)/.venv
PY := $(VENV)/bin/python

# All local state lives under one git-ignored folder; `make clean` removes it.
export FORECAST_HOME ?= $(CURDIR)/.forecast
export DAGSTER_HOME ?= $(FORECAST_HOME)/dagster_home
export UV_PROJECT_ENVIRONMENT := $(VENV)

SOURCE ?=
DAYS ?=
DEMO_ARGS := $(if $(SOURCE),--source "$(SOURCE)") $(if $(DAYS),--live-days $(DAYS))

.PHONY: help setup demo test ui clean bench

help:
	@echo "make demo   run the whole lifecycle on the local default (SOURCE=<file or URL> for your own data)"
	@echo "make test   run the test suite"
	@echo "make ui     Dagster UI on http://127.0.0.1:3000 and Evidently UI on http://127.0.0.1:8000"
	@echo "make bench  run the benchmarks in benchmarks/"
	@echo "make clean  remove all local state ($(FORECAST_HOME))"

$(CURDIR)/.tools/bin/uv:
	$(PYTHON) -m venv $(CURDIR)/.tools
	$(CURDIR)/.tools/bin/pip install --quiet uv

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --all-groups --compile-bytecode
	@touch $@

$(DAGSTER_HOME)/dagster.yaml:
	@mkdir -p $(DAGSTER_HOME)
	@printf 'telemetry:\n  enabled: false\nnux:\n  enabled: false\n' > $@

setup: $(VENV)/.synced $(DAGSTER_HOME)/dagster.yaml

# Each demo replays the lifecycle from scratch, so one source's history never mixes with another's.
demo: $(VENV)/.synced
	rm -rf $(FORECAST_HOME)
	$(MAKE) --no-print-directory $(DAGSTER_HOME)/dagster.yaml
	$(PY) -m demo $(DEMO_ARGS)

test: setup
	$(PY) -m pytest

ui: setup
	$(PY) -m demo.ui

bench: setup
	$(PY) -m benchmarks.drift_report
	$(PY) -m benchmarks.scale
	$(PY) -m benchmarks.m4 --data-dir ../shared/data/m4/hourly --frequency Hourly

clean:
	rm -rf $(FORECAST_HOME)
