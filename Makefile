# Slipstream: `make run` starts the product, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: install dev run test lint bench bench-catchup bench-map clean

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
	$(BIN)/ruff check src tests bench

test: dev
	$(BIN)/lint-imports
	$(BIN)/pytest -q

bench: install
	$(BIN)/python bench/run.py

bench-catchup: install
	$(BIN)/python bench/run.py --only catchup1000

bench-map: install
	$(BIN)/python bench/run.py --only map10000

clean:
	rm -rf $(VENV) .pytest_cache
