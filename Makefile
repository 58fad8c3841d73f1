# Safeguarding Partnership Hub. `make help` lists the targets.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DEPS := pyproject.toml constraints.txt

.DEFAULT_GOAL := help
.PHONY: help run test check bench schema lock migrate demo clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(VENV)/.installed: $(DEPS)
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	touch $@

run: $(VENV)/.installed ## migrate SQLite, build the demo area if absent, serve on :8000
	$(BIN)/hub migrate
	$(BIN)/hub demo --if-absent
	@echo; echo "Get a token:  $(BIN)/hub token demo.social-worker"; echo
	HUB_ENV=development $(BIN)/hub serve

test: $(VENV)/.installed ## the whole suite (SQLite; PostgreSQL too when CI is set)
	scripts/test.sh

check: $(VENV)/.installed ## lint, format and types
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

bench: $(VENV)/.installed ## benchmarks: child view, policy decisions, audit log, Encompass routing, a year of MASH contacts (~90 min)
	$(BIN)/python -m bench.child_view
	$(BIN)/python -m bench.policy_decision
	$(BIN)/python -m bench.audit
	$(BIN)/python -m bench.encompass
	$(BIN)/python -m bench.mash

schema: $(VENV)/.installed ## write schema.graphql from the code
	$(BIN)/hub export-schema

lock: ## re-pin every dependency in constraints.txt
	scripts/lock.sh

clean: ## remove the virtual environment and local data
	rm -rf $(VENV) var
