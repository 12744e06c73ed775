# Two commands do all the set-up: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# apt package = a file it installs: the suite starts its own PostgreSQL and Redis, and drives Chromium.
APT_PACKAGES := postgresql=/usr/lib/postgresql/*/bin/initdb chromium=/usr/bin/chromium redis-server=/usr/bin/redis-server

.PHONY: run test fuzz coverage bench bench-pages bench-analytics bench-exports bench-loudness bench-extract bench-scan bench-api bench-concurrency bench-sync bench-machines bench-cli bench-load bench-pg install install-test system-packages clean

run: install
	$(BIN)/session-stats setup --sample
	$(BIN)/session-stats serve --host $(HOST) --port $(PORT)

# One test process per core; each starts its own PostgreSQL and Redis.
test: install-test system-packages
	$(BIN)/pytest -n auto --dist worksteal --durations=25

# Fuzz every extractor (or FUZZ_FORMATS, space-separated) for FUZZ_SECONDS each; runs are logged in tests/fuzz/runs.tsv
# and failing inputs kept in fuzz-failures/.
FUZZ_SECONDS ?= 60
FUZZ_FORMATS ?=
fuzz: install-test
	$(BIN)/python -m tests.fuzz --seconds $(FUZZ_SECONDS) --log tests/fuzz/runs.tsv \
		$(foreach format,$(FUZZ_FORMATS),--format $(format))

# The same run measuring which lines and branches of app/ the tests reach (slower: tracing every line).
coverage: install-test system-packages
	$(BIN)/pytest -n auto --dist worksteal --cov=app --cov-branch --cov-report=term:skip-covered

bench: install
	$(BIN)/python -m bench.ingest

bench-pages: install
	$(BIN)/python -m bench.pages

bench-analytics: install
	$(BIN)/python -m bench.analytics

bench-exports: install
	$(BIN)/python -m bench.exports

bench-loudness: install
	$(BIN)/python -m bench.loudness

bench-extract: install
	$(BIN)/python -m bench.extract

bench-scan: install
	$(BIN)/python -m bench.scan

bench-api: install
	$(BIN)/python -m bench.api

bench-concurrency: install-test
	$(BIN)/python -m bench.concurrency

bench-machines: install
	$(BIN)/python -m bench.machines

bench-cli: install
	$(BIN)/python -m bench.cli

bench-load: install-test
	$(BIN)/python -m bench.load

bench-pg: install-test
	$(BIN)/python -m bench.pg

bench-sync: install
	$(BIN)/python -m bench.sync

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

system-packages:
	@missing=""; for entry in $(APT_PACKAGES); do \
		ls $${entry#*=} >/dev/null 2>&1 || missing="$$missing $${entry%%=*}"; \
	done; \
	if [ -n "$$missing" ]; then \
		$(SUDO) apt-get update && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; \
	fi

clean:
	rm -rf $(VENV) .pytest_cache .coverage
