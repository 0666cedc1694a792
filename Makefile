# One entry point for people and CI. `make help` lists the targets.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install browser run demo test test-unit test-integration test-browser bench bench-scale docs lint typecheck fmt reset clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-17s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) ## create .venv and install the project with its pinned dependencies

# Debian's chromium and a Chinese font for the browser tests (Playwright never downloads one).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser: ## install Debian's chromium and CJK fonts for the browser tests (apt; sudo unless root)
	@if [ -x /usr/bin/chromium ] && fc-list :lang=zh 2>/dev/null | grep -q .; then \
		echo "chromium and a CJK font are installed"; \
	elif command -v apt-get >/dev/null; then \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk; \
	else \
		echo "no apt-get: install chromium (or set CHROMIUM=/path) and a CJK font by hand"; \
		exit 1; \
	fi

run: $(STAMP) ## start NATS (embedded unless NATS_URL is set), the four services and the registry page
	$(BIN)/demobase run

demo: $(STAMP) ## play both programmes' batches into a running system (after `make run`)
	$(BIN)/demobase demo

test: $(STAMP) ## run every test: unit, integration (real NATS, SQLite, PostgreSQL), e2e, fault
	$(BIN)/pytest -q

test-unit: $(STAMP) ## only the pure domain and contract tests
	$(BIN)/pytest -q -m unit

test-integration: $(STAMP) ## only the tests over real NATS and databases
	$(BIN)/pytest -q -m "integration or e2e or fault"

test-browser: $(STAMP) ## the site in Debian's chromium (after `make browser`; SCREENSHOTS=dir keeps PNGs)
	REQUIRE_BROWSER=1 $(BIN)/pytest -q tests/browser

bench: $(STAMP) ## measure the pipeline: one JSON line on single-node SQLite, one on the cluster with PostgreSQL
	$(BIN)/python -m tests.bench.pipeline
	$(BIN)/python -m tests.bench.pipeline --cluster

SIZES ?= 100000,1000000
bench-scale: $(STAMP) ## rebuild, as-of and audit of 10^5 and 10^6 events (SIZES=...), one JSON line each
	$(BIN)/python -m tests.bench.scale --sizes $(SIZES)

docs: $(STAMP) ## regenerate the AsyncAPI document from the contract
	$(BIN)/demobase contract asyncapi --output docs/asyncapi.yaml

lint: $(STAMP) ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP) ## mypy strict
	$(BIN)/mypy

fmt: $(STAMP) ## format and fix what ruff can
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

reset: $(STAMP) ## stop what `make run` started and clear var/ (keeps .venv): a fresh system
	$(BIN)/demobase reset --yes

clean: ## remove the virtualenv and local state under var/
	rm -rf $(VENV) var
