# sammen: two commands on a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOME_DIR ?= var
PERSONS ?= 2000
SEED ?= 7

export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := False

.PHONY: setup system-deps demo test test-unit test-integration test-spec test-acceptance lint typecheck bench airflow clean

## setup: create .venv and install the project with uv (idempotent: redone only when pyproject.toml changes)
setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@test -x $(BIN)/uv || $(BIN)/pip install --quiet uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e ".[dev]"
	@touch $(STAMP)

## system-deps: Debian packages the tests use (headless Chromium, docker-compose for config validation)
system-deps:
	@bash scripts/system-deps.sh

## demo: synthetic extracts for $(PERSONS) persons into ./$(HOME_DIR), then one full run
demo: setup
	$(BIN)/sammen synth --home $(HOME_DIR) --persons $(PERSONS) --seed $(SEED)
	@# exit code 2 (core/exit_codes.py): the night finished, but a file was rejected or a check
	@# failed; the demo's synthetic NGO data fail the participant-share plausibility check on purpose.
	$(BIN)/sammen run --home $(HOME_DIR) || test $$? -eq 2

## test: the whole suite (acceptance and integration, then unit and spec), then the coverage of
## unit and spec in one line (pyproject.toml [tool.coverage.*]: the pytest process; README,
## "Coverage"; the integration tests run without the tracer, which would cost CI minutes)
test: setup system-deps
	@bash scripts/ensure-services.sh
	$(BIN)/ruff check .
	@$(MAKE) --no-print-directory typecheck
	$(BIN)/pytest tests/acceptance tests/integration
	$(BIN)/pytest tests/unit tests/spec --cov --cov-report=
	@$(BIN)/python scripts/coverage-total.py

test-unit: setup
	$(BIN)/pytest tests/unit

test-spec: setup
	$(BIN)/pytest tests/spec

test-integration: setup system-deps
	$(BIN)/pytest tests/integration

test-acceptance: setup system-deps
	$(BIN)/pytest tests/acceptance

lint: setup
	$(BIN)/ruff check .

## typecheck: mypy over the project's packages (configuration: [tool.mypy] in pyproject.toml)
typecheck: setup
	$(BIN)/mypy

## bench: speed and scale measurements, written to docs/benchmarks.md
bench: setup
	$(BIN)/python -m bench

## airflow: a local Airflow on the embedded default, pointed at ./$(HOME_DIR)
airflow: setup
	@bash scripts/airflow-local.sh $(HOME_DIR)

clean:
	rm -rf $(HOME_DIR) .pytest_cache .ruff_cache .mypy_cache dbt_project/target dbt_project/logs
