# RoofKit — one command surface. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.synced

export UV_PROJECT_ENVIRONMENT := $(VENV)

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(STAMP): $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --quiet
	@touch $(STAMP)

install: $(STAMP) ## Create .venv/ from uv.lock (done by the other targets when needed)

dev: $(STAMP) ## Run the whole product locally: NATS, Postgres, auth, ratelimit, importer
	$(BIN)/roofkit dev

test: $(STAMP) ## Run the whole test suite (what CI runs)
	$(MAKE) --no-print-directory lint typecheck proto-check
	tests/envtest/build.sh >/dev/null
	$(BIN)/pytest

test-unit: $(STAMP) ## Unit tests only
	$(BIN)/pytest tests/unit

lint: $(STAMP) ## ruff (format + check) and the import-linter contracts
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/lint-imports

format: $(STAMP) ## Format the code
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: $(STAMP) ## mypy --strict on the source
	$(BIN)/mypy services operator proto-events/roofkit_events

proto: $(STAMP) ## Regenerate the Python code of the protobuf contracts
	$(BIN)/python proto-events/generate.py

proto-check: $(STAMP) ## buf lint, buf breaking against the previous commit, generated code current
	PYTHON=$(BIN)/python proto-events/check.sh

envtest: ## Build (once, cached) kube-apiserver, etcd, kubectl and helm; prints the assets dir
	tests/envtest/build.sh

bench: $(STAMP) ## Run the benchmarks; results go to docs/benchmarks.md
	$(BIN)/python -m benchmarks

clean: ## Remove the local stack's data (.roofkit/)
	rm -rf .roofkit

.PHONY: help install dev test test-unit lint format typecheck proto proto-check envtest bench clean
