# Every target sets itself up: a fresh clone needs only `make demo` or `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
READY := $(VENV)/.ready

.PHONY: demo test test-package test-unit test-integration test-e2e test-browser lint fmt serve bench migrate clean

$(READY): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(READY)

demo: $(READY)
	$(BIN)/pytake demo

# The wheel smoke test first: a package that cannot start makes the rest pointless.
test: $(READY)
	$(BIN)/pytest tests/package && $(BIN)/pytest --ignore=tests/package

test-package: $(READY)
	$(BIN)/pytest tests/package

test-unit: $(READY)
	$(BIN)/pytest tests/unit

test-integration: $(READY)
	$(BIN)/pytest tests/integration

test-e2e: $(READY)
	$(BIN)/pytest tests/e2e

test-browser: $(READY)
	$(BIN)/pytest tests/browser

lint: $(READY)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy
	$(BIN)/lint-imports
	PIP_AUDIT=$(BIN)/pip-audit PYTHON=$(BIN)/python bash .ci/audit-dependencies

fmt: $(READY)
	$(BIN)/ruff check --fix src tests
	$(BIN)/ruff format src tests

serve: $(READY)
	$(BIN)/pytake serve

bench: $(READY)
	$(BIN)/pytake bench engine

migrate: $(READY)
	$(BIN)/pytake migrate

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache pytake.db pytake.db-*
