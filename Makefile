# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run test test-sqlite test-postgres bench lint format messages clean

$(INSTALLED): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11) and "Python 3.11 is required")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

## run: set up, load the demo, start the web server and the job worker (Ctrl-C stops both)
run: $(INSTALLED)
	@PATH="$(CURDIR)/$(BIN):$$PATH" bin/run

## test: lint, migrations check, the whole suite on SQLite and then on PostgreSQL
test: $(INSTALLED)
	@PATH="$(CURDIR)/$(BIN):$$PATH" bin/test

test-sqlite: $(INSTALLED)
	@PATH="$(CURDIR)/$(BIN):$$PATH" bin/test --sqlite-only

## bench: the benchmarks under bench/ (never part of the test suite)
bench: $(INSTALLED)
	@PATH="$(CURDIR)/$(BIN):$$PATH" bin/bench

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## messages: collect the Spanish translations after changing texts, then compile them
messages: $(INSTALLED)
	DEBUG=1 $(BIN)/python manage.py makemessages -l es --ignore=.venv --ignore=var
	DEBUG=1 $(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
