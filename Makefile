# Two commands for a newcomer: `make run` and `make test`. Everything else is a step they depend on.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# The virtualenv is rebuilt only when the dependency declarations change.
STAMP := $(VENV)/.installed

.PHONY: run test lint format migrate seed verify clean browser bench
# Browser tests drive Debian's Chromium (Playwright's own browser download does not work here).
CHROMIUM := /usr/bin/chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

var:
	mkdir -p var

migrate: $(STAMP) var
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py load_ledger seeds/ledger.yaml

verify: $(STAMP)
	$(BIN)/python manage.py verify_ledger

# Demo editors and reviewers exist only with development settings (the command refuses otherwise).
run: seed
	$(BIN)/python manage.py create_demo_users --base-url http://127.0.0.1:$(PORT)
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

$(CHROMIUM):
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null

browser: $(CHROMIUM)

test: lint browser
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .hypothesis

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
