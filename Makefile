# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run test test-sqlite test-postgres bench load load-scale-out faults lint format messages clean lock smoke

# Every package comes from the lock (requirements/dev.txt: every transitive
# dependency pinned with its hashes); the project itself is installed on top
# without touching the network for its build backend (setuptools is locked too).
$(INSTALLED): pyproject.toml requirements/pip.txt requirements/dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11) and "Python 3.11 is required")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements/pip.txt
	$(BIN)/pip install --quiet --require-hashes -r requirements/dev.txt
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	@touch $@

## lock: after changing a pin in pyproject.toml, write the locks again (production and dev)
lock: $(INSTALLED)
	$(BIN)/uv pip compile --quiet pyproject.toml requirements/build.in --generate-hashes \
		--python-version 3.11 --python-platform x86_64-manylinux_2_28 \
		--custom-compile-command "make lock" -o requirements/production.txt
	$(BIN)/uv pip compile --quiet pyproject.toml requirements/build.in --extra dev --generate-hashes \
		--python-version 3.11 --python-platform x86_64-manylinux_2_28 \
		--custom-compile-command "make lock" -o requirements/dev.txt
	$(BIN)/uv pip compile --quiet requirements/load.in --generate-hashes \
		--python-version 3.11 --python-platform x86_64-manylinux_2_28 \
		--custom-compile-command "make lock" -o requirements/load.txt

## smoke: the production profile (DEBUG off, gunicorn, worker on Redis, PostgreSQL) over real HTTP
smoke: $(INSTALLED)
	@PATH="$(CURDIR)/$(BIN):$$PATH" bin/smoke

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

# The load client (locust) lives in its own venv: it never enters the app's.
LOAD_VENV := var/load-venv
$(LOAD_VENV)/.installed: requirements/pip.txt requirements/load.txt
	$(PYTHON) -m venv $(LOAD_VENV)
	$(LOAD_VENV)/bin/pip install --quiet --require-hashes -r requirements/pip.txt
	$(LOAD_VENV)/bin/pip install --quiet --require-hashes -r requirements/load.txt
	@touch $@

## load: 50 people for 10 minutes on the production profile, a year of data (docs/operations.md)
load: $(INSTALLED) $(LOAD_VENV)/.installed
	@PATH="$(CURDIR)/$(BIN):$$PATH" python bench/load/run.py $(LOAD_ARGS)

## load-scale-out: the same with two gunicorn and two workers behind nginx
load-scale-out: $(INSTALLED) $(LOAD_VENV)/.installed
	@PATH="$(CURDIR)/$(BIN):$$PATH" python bench/load/run.py --scale-out $(LOAD_ARGS)

## faults: kill -9 the worker and gunicorn, restart PostgreSQL, stop Redis (docs/operations.md)
faults: $(INSTALLED)
	@PATH="$(CURDIR)/$(BIN):$$PATH" python bench/faults.py $(FAULTS_ARGS)

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	bin/lint-models

format: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## messages: collect the Spanish translations after changing texts, then compile them
messages: $(INSTALLED)
	DEBUG=1 $(BIN)/python manage.py makemessages -l es --ignore=.venv --ignore=var
	DEBUG=1 $(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
