.DEFAULT_GOAL := help
VENV := .venv/bin
TEST_WORKERS ?= 2
PYTEST_ARGS ?=
FUZZ_EXAMPLES ?= 300

help: ## Show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

run: ## Run the portal with demo data on SQLite at http://127.0.0.1:8000
	./scripts/run.sh

test: ## Install what is missing, then lint, type-check and run the whole test suite
	./scripts/bootstrap.sh --test
	$(MAKE) --no-print-directory lint
	$(VENV)/python -m pytest -n $(TEST_WORKERS) -m "not browser" $(PYTEST_ARGS)
	$(MAKE) --no-print-directory test-browser

# Playwright's synchronous API keeps an event loop running in its process, so the browser tests
# run in a pytest process of their own rather than beside the async tests.
test-browser: ## Only the browser tests (Debian's chromium through Playwright)
	$(VENV)/python -m pytest -m browser $(PYTEST_ARGS)

lint: ## ruff (lint + format check) and mypy
	$(VENV)/ruff check .
	$(VENV)/ruff format --check .
	$(VENV)/mypy

format: ## Apply ruff's formatting and safe fixes
	$(VENV)/ruff format .
	$(VENV)/ruff check --fix .

migration: ## Autogenerate a migration from the models: make migration m="what changed"
	$(VENV)/alembic -c migrations/alembic.ini revision --autogenerate -m "$(m)"

bench: ## Benchmarks end to end (registers at 10k/100k/1M, load runs, floors): writes bench/RESULTS.md
	./scripts/bench-deps.sh
	$(VENV)/python -m bench.suite $(BENCH_ARGS)

bench-quick: ## Smoke run of the benchmarks: small registers, 2-second runs (bench/out/RESULTS-quick.md)
	./scripts/bench-deps.sh
	$(VENV)/python -m bench.suite --quick $(BENCH_ARGS)

reliability: ## Backup/restore, database faults, kill -9 under writes (long variant), workers, hostile input, API fuzzing
	STELSEL_LONG_RELIABILITY=1 $(VENV)/python -m pytest tests/reliability tests/conformance/test_schemathesis.py $(PYTEST_ARGS)

fuzz: ## Fuzz every API operation at length: FUZZ_EXAMPLES per operation (300), FUZZ_SEED=n replays a run
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(VENV)/python -m pytest tests/conformance/test_schemathesis.py -k contract $(PYTEST_ARGS)

vendor: ## Re-vendor the NL Design System CSS and htmx from the npm registry
	./scripts/vendor-static.sh

clean: ## Remove the local database, keys and caches (keeps .venv)
	rm -rf var .pytest_cache .mypy_cache .ruff_cache

.PHONY: help run test test-browser lint format migration vendor clean bench bench-quick reliability fuzz
