# The project's verbs. `make run` and `make test` do all the set-up on a fresh machine.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON_BOOTSTRAP ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
LOCKS := requirements/dev.lock bot/pyproject.toml operator/pyproject.toml
# The make-test selection: one definition, also used by make flake.
TEST_MARKERS := not slow and not e2e and not live and not chaos and not bench

.PHONY: help setup run test test-all lint fmt bench chaos flake manifests e2e-kind e2e-compose tools clean

help: ## list the verbs
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/'

$(STAMP): $(LOCKS)
	@test -x $(PY) || $(PYTHON_BOOTSTRAP) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade --require-hashes --no-deps -r requirements/dev.lock
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e bot -e operator
	@touch $(STAMP)

setup: $(STAMP) ## create .venv with every pinned dependency
	@echo "setup: .venv ready"

tools: setup ## offline tools the checks need (helm, promtool)
	@bash scripts/install_tools.sh

run: setup ## the bot in paper mode against the built-in simulator (health on 127.0.0.1:9754)
	$(PY) -m tradingbot run

test: setup tools ## unit + integration tests and the offline checks
	$(PY) -m pytest -m "$(TEST_MARKERS)" -p no:cacheprovider

lint: setup ## ruff, ruff format --check, mypy --strict (both packages), workflow schema + actionlint, shellcheck
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy --strict bot/src/tradingbot operator/src/tradingbot_operator
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	$(VENV)/bin/actionlint -shellcheck $(VENV)/bin/shellcheck .github/workflows/*.yml
	$(VENV)/bin/shellcheck scripts/*.sh scripts/lib/*.sh

fmt: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: setup ## benchmarks, with pass/fail against the targets
	$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements/bench.lock
	$(PY) -m benchmarks

flake: setup tools ## the make-test selection FLAKE_RUNS times (5) beside FLAKE_BURNERS (2) CPU burners; lists every test that failed once
	$(PY) scripts/flake.py -m "$(TEST_MARKERS)"

chaos: setup ## the long reliability suites
	$(PY) -m pytest -m chaos -p no:cacheprovider

manifests: setup tools ## regenerate manifests/ from the pydantic spec and the charts
	$(PY) scripts/gen_manifests.py write

e2e-kind: ## operator scenarios on a real kind cluster
	bash scripts/kind_e2e.sh

e2e-compose: setup tools ## the seed's Compose commands on a real Docker engine
	bash scripts/e2e_compose.sh

clean: ## remove .venv and caches (stops the private Docker engine first)
	-bash scripts/docker_engine.sh stop
	rm -rf $(VENV) .cache .pytest_cache .mypy_cache .ruff_cache
