# sammen: two commands on a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOME_DIR ?= var
PERSONS ?= 2000
SEED ?= 7
INTEGRATION_TESTS ?= tests/acceptance tests/integration
UNIT_TESTS ?= tests/unit tests/spec
TEST_WORKERS ?= 2

export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := False

.PHONY: setup system-deps demo test test-unit test-integration test-spec test-acceptance lint typecheck bench airflow clean

## setup: create .venv and install the project with uv (idempotent: redone only when pyproject.toml changes).
## Bytecode is compiled at install time (--compile-bytecode, and compileall for the project's own
## files): where PYTHONDONTWRITEBYTECODE is set, as on these machines, Python never writes a
## .pyc, and every process (each `sammen` command, each Airflow task) compiled Great Expectations,
## dbt and Airflow from source again: 1.4 s more CPU for `sammen --help`, 6 s for a small `sammen run`.
setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@test -x $(BIN)/uv || $(BIN)/pip install --quiet uv
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -e ".[dev]"
	@$(BIN)/python -m compileall -q -j 0 -x '/(\.venv|\.git|var)/' . > /dev/null
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
	@# two pytest sessions side by side: unit and spec (with coverage) in one process, acceptance
	@# and integration on $(TEST_WORKERS) pytest-xdist workers, a test file per worker at a time
	@# (--dist loadfile: a module's fixtures are built once); each session has its own temporary
	@# folder; the unit and spec output follows
	@tmp=$$(mktemp -d); \
	$(BIN)/pytest $(UNIT_TESTS) --basetemp=$$tmp/unit --cov --cov-report= > $$tmp/unit.log 2>&1 & unit=$$!; \
	$(BIN)/pytest $(INTEGRATION_TESTS) --basetemp=$$tmp/integration -n $(TEST_WORKERS) --dist loadfile; \
	integration=$$?; \
	wait $$unit; unit=$$?; \
	echo "==> $(UNIT_TESTS)"; cat $$tmp/unit.log; rm -rf $$tmp; \
	test $$integration -eq 0 && test $$unit -eq 0
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
