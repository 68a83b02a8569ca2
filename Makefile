# Two commands for a newcomer: `make run` and `make test`. Everything else is a step they depend on.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# The virtualenv is rebuilt only when the dependency declarations change. `make run` installs
# what the app needs (APP_STAMP); `make test` and the tools add the test tools (STAMP).
APP_STAMP := $(VENV)/.installed-app
STAMP := $(VENV)/.installed

.PHONY: run test lint format migrate seed verify clean browser bench
# Browser tests drive Debian's Chromium (Playwright's own browser download does not work here).
CHROMIUM := /usr/bin/chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(APP_STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/pip install --quiet -c constraints.txt -e .
	touch $(APP_STAMP)

$(STAMP): $(APP_STAMP)
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

var:
	mkdir -p var

migrate: $(APP_STAMP) var
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py load_ledger seeds/ledger.yaml

verify: $(APP_STAMP)
	$(BIN)/python manage.py verify_ledger

# Demo editors and reviewers exist only with development settings (the command refuses otherwise).
run: seed
	$(BIN)/python manage.py create_demo_users --base-url http://127.0.0.1:$(PORT)
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# The import contract ([tool.importlinter] in pyproject.toml) keeps each layer of claims/ from
# importing the ones above it, so a wrong-way import fails here rather than in review.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

$(CHROMIUM):
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null

# The Nu HTML checker (vnu.jar from npm's vnu-jar, pinned by the lockfile) checks every public
# page type in the browser tests. Its manifest lives beside the tests that use it, not at the top
# of the repo (the project is not a Node project), and it installs into that folder's
# node_modules/ (gitignored). --ignore-scripts skips the package's postinstall, which downloads a
# Java of its own when it finds none: it runs on Debian's.
VALIDATORS := tests/validators
VNU_JAR := $(VALIDATORS)/node_modules/vnu-jar/build/dist/vnu.jar
JAVA := /usr/bin/java

$(JAVA):
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null

$(VNU_JAR): $(VALIDATORS)/package.json $(VALIDATORS)/package-lock.json | $(JAVA)
	npm ci --prefix $(VALIDATORS) --ignore-scripts --no-audit --no-fund
	touch $@

browser: $(CHROMIUM) $(VNU_JAR)

test: lint browser
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .hypothesis .import_linter_cache

# The benchmark (not part of `make test`): wrk from Debian, Datasette in a virtualenv of its
# own (pinned in benchmarks/datasette-constraints.txt), PostgreSQL if the server answers.
BENCH_VENV := .venv-bench
BENCH_POSTGRES ?= postgres://postgres@127.0.0.1:5432/ledger_bench
BENCH_ARGS ?=

/usr/bin/wrk:
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null

$(BENCH_VENV)/bin/datasette: benchmarks/datasette-constraints.txt
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet -r benchmarks/datasette-constraints.txt
	touch $@

bench: $(STAMP) var /usr/bin/wrk $(BENCH_VENV)/bin/datasette
	$(BIN)/python benchmarks/run.py --postgres "$(BENCH_POSTGRES)" $(BENCH_ARGS)

# The soak (not part of `make test`): gunicorn (production settings, 2 workers) under 32 clients
# and a mixed load of pages, API lists, conditional GETs and editor writes, on SQLite and then on
# PostgreSQL if the server answers (a database created for the run and dropped after it). Fails
# on any error, a restarted worker or growing worker memory. `soak-short` is the CI gate; its
# results go under var/, the full run's to benchmarks/results/.
.PHONY: soak soak-short
SOAK_POSTGRES ?= postgres://postgres@127.0.0.1:5432/ledger_soak
SOAK_ARGS ?=

soak: $(STAMP) var
	$(BIN)/python -m benchmarks.soak --duration 180 --postgres "$(SOAK_POSTGRES)" $(SOAK_ARGS)

# Short enough for CI (~2 minutes for both databases). Workers are still settling into their
# working set after 15 s, so this gate allows 25 % growth: it catches errors and gross leaks;
# the full run holds memory to 20 % over three minutes and reports its trend.
soak-short: $(STAMP) var
	$(BIN)/python -m benchmarks.soak --duration 20 --warmup 15 --memory-threshold 0.25 \
		--results var/soak-results --postgres "$(SOAK_POSTGRES)" $(SOAK_ARGS)
