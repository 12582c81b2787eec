# Slipstream: `make run` starts the product, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: install dev run test lint bench bench-catchup bench-map bench-cli conformance chaos clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/pip install --quiet -c constraints.txt -e .
	touch $(STAMP)

$(DEV_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(DEV_STAMP)

install: $(STAMP)

dev: $(DEV_STAMP)

run: install
	$(BIN)/slipstream standalone

lint: dev
	$(BIN)/lint-imports
	$(BIN)/ruff check src tests bench conformance chaos

test: dev
	$(BIN)/lint-imports
	$(BIN)/pytest -q

bench: install
	$(BIN)/python bench/run.py

bench-catchup: install
	$(BIN)/python bench/run.py --only catchup1000

bench-map: install
	$(BIN)/python bench/run.py --only map10000

# CLI commands timed idle and while the scheduler runs a 300-task fan-out (bench/README.md).
bench-cli: install
	$(BIN)/python bench/cli_under_load.py $(BENCH_CLI_ARGS)

# Airflow 3.3.2's example DAGs through `dags test`, against the states Airflow gave (conformance/).
# Downloads two Airflow wheels into ~/.cache/slipstream/conformance; not part of `make test`.
conformance: install
	$(BIN)/python conformance/run.py $(CONFORMANCE_ARGS)

# Seeded SIGKILLs of the scheduler, store service, fork server, zygotes and task processes while a
# ~1,000-task DAG set runs, on SQLite and PostgreSQL, then the checks (chaos/); not part of `make test`.
# e.g. make chaos CHAOS_ARGS='--backend sqlite --seed 3 --kills 20'
chaos: install
	$(BIN)/python chaos/run.py $(CHAOS_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache
