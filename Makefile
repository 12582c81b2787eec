# Slipstream: `make run` starts the product, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: venv-of-another-python install dev run test lint bench bench-catchup bench-map bench-cli bench-api bench-ui docs-assets ui ui-test chromium conformance chaos scale clean

# The venv is made again when its Python is another version than $(PYTHON) (e.g. after a
# `make run PYTHON=python3.10` that failed), so a plain `make run` then works without `make clean`.
VERSION_OF = -c 'import sys; print(*sys.version_info[:2], sep=".")'
PYTHON_VERSION := $(shell $(PYTHON) $(VERSION_OF) 2>/dev/null)
VENV_VERSION := $(shell test -x $(BIN)/python && $(BIN)/python $(VERSION_OF) 2>/dev/null)
ifneq ($(VENV_VERSION),$(PYTHON_VERSION))
$(BIN)/python: venv-of-another-python
endif

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
		echo "Slipstream needs Python 3.11 or newer; $(PYTHON) is $(or $(PYTHON_VERSION),not found)." \
			"Name another: make run PYTHON=python3.12" >&2; exit 1; }
	rm -rf $(VENV)
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
	$(BIN)/ruff check src tests bench conformance chaos scale

# Three workers, each test file on one (module fixtures such as tests/api's server start once):
# most tests wait on processes and servers, so three share two cores well.
TEST_WORKERS ?= 3

test: dev chromium ui-test
	$(BIN)/lint-imports
	$(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadfile

# The web UI (ui/: React + TypeScript, built by Vite) into src/slipstream/api/static/app, which is
# committed and shipped in the package: `make run` needs no Node.js. Run after changing ui/; a test
# fails when the bundle is older than its sources.
UI_MODULES := ui/node_modules/.installed
$(UI_MODULES): ui/package-lock.json
	cd ui && npm ci --ignore-scripts --no-audit --no-fund
	touch $@

ui: $(UI_MODULES)
	cd ui && npm run build

# The front end's component tests (Vitest, jsdom).
ui-test: $(UI_MODULES)
	cd ui && npx vitest run

# Debian's Chromium for the browser tests (tests/browser), with an emoji font (DAG display names
# have them), installed when missing.
CHROMIUM_PACKAGES := chromium fonts-noto-color-emoji
chromium:
	@command -v chromium >/dev/null && test -d /usr/share/fonts/truetype/noto || \
		apt-get install -y $(CHROMIUM_PACKAGES) || (apt-get update && apt-get install -y $(CHROMIUM_PACKAGES))

bench: install
	$(BIN)/python bench/run.py

bench-catchup: install
	$(BIN)/python bench/run.py --only catchup1000

bench-map: install
	$(BIN)/python bench/run.py --only map10000

# API reads on a big store: 1,000 DAGs, the grid of 1,000 tasks x 25 runs, a page of 100,000 mapped instances.
bench-api: install
	$(BIN)/python bench/run.py --only api

# The web UI's speed in Chromium (first paint after standalone starts, each page settled, the grid of
# 1,000 tasks x 25 runs, 100,000 mapped instances, server CPU with a tab open), as a table.
bench-ui: dev chromium
	rm -f ui-screenshots/speed.json
	$(BIN)/pytest -q -p no:cacheprovider tests/browser/test_speed.py tests/browser/test_grid.py::test_grid_of_1000_tasks_renders_a_window_and_scrolls_to_the_end \
		tests/browser/test_task_instance.py -k "speed or 1000 or 100000"
	$(BIN)/python bench/ui_table.py ui-screenshots/speed.json

# Swagger UI for /docs, served by the API itself (no CDN): the version pinned in ui/package-lock.json,
# copied into the Python package. Run after changing that pin; the copied files are committed.
SWAGGER_UI := src/slipstream/api/static/swagger-ui
docs-assets:
	cd ui && npm ci --ignore-scripts --no-audit --no-fund
	mkdir -p $(SWAGGER_UI)
	cp ui/node_modules/swagger-ui-dist/swagger-ui-bundle.js ui/node_modules/swagger-ui-dist/LICENSE \
		ui/node_modules/swagger-ui-dist/NOTICE $(SWAGGER_UI)/
	cp ui/node_modules/swagger-ui-dist/swagger-ui-bundle.js.LICENSE.txt $(SWAGGER_UI)/THIRD-PARTY-LICENSES.txt
	sed '/sourceMappingURL=/d' ui/node_modules/swagger-ui-dist/swagger-ui.css > $(SWAGGER_UI)/swagger-ui.css
	node -p 'require("./ui/node_modules/swagger-ui-dist/package.json").version' > $(SWAGGER_UI)/VERSION

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

# The distributed path at full size (scale/): 1,000 tasks on PostgreSQL, 2 schedulers and 2 Celery
# workers, on Redis, on RabbitMQ, and with a worker and a scheduler SIGKILLed; not part of `make test`
# (tests/scale/ runs it small). e.g. make scale SCALE_ARGS='--tasks 200 --only rabbitmq'
scale: dev
	$(BIN)/python scale/run.py $(SCALE_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache
