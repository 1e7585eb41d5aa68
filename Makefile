# The project's verbs. `make run` and `make test` do all the set-up on a fresh machine.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON_BOOTSTRAP ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
BOT_STAMP := $(VENV)/.installed-bot
LOCKS := requirements/dev.lock bot/pyproject.toml operator/pyproject.toml
WIRESCAN := bot/setup.py bot/src/tradingbot/venues/gmo/_wirescan.c
# The make-test selection: one definition, also used by make flake.
TEST_MARKERS := not slow and not e2e and not live and not chaos and not bench

define NEED_PYTHON
make: $(PYTHON_BOOTSTRAP) is needed to create $(VENV) (the bot runs on Python 3.11) and was not found.
  Debian/Ubuntu: sudo apt-get install python3.11 python3.11-venv
  macOS:         brew install python@3.11
  any system:    pyenv install 3.11 && pyenv local 3.11
  or point make at one: make PYTHON_BOOTSTRAP=/path/to/python3.11 ...
endef
export NEED_PYTHON

.PHONY: help setup run test lint fmt bench chaos flake manifests e2e-kind e2e-compose tools clean

help: ## list the verbs
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/'

# The interpreter check comes first, so a missing python3.11 is a hint, not "command not found".
$(PY):
	@command -v $(PYTHON_BOOTSTRAP) >/dev/null 2>&1 || { echo "$$NEED_PYTHON" >&2; exit 1; }
	@$(PYTHON_BOOTSTRAP) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
	  || { echo "make: $(PYTHON_BOOTSTRAP) is not Python 3.11" >&2; echo "$$NEED_PYTHON" >&2; exit 1; }
	$(PYTHON_BOOTSTRAP) -m venv $(VENV)

# `make run` needs only the bot's runtime (the image's hash-pinned lock); the bot runs from bot/src.
$(BOT_STAMP): requirements/bot.lock bot/pyproject.toml $(WIRESCAN) | $(PY)
	$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements/bot.lock
	@cd bot && ../$(PY) setup.py --quiet build_ext --inplace >/dev/null 2>&1 \
	  || echo "make: the compiled decoder was not built (no C compiler?): the bot decodes in pure Python, slower" >&2
	@touch $(BOT_STAMP)

$(STAMP): $(LOCKS) $(WIRESCAN) | $(PY)
	$(PY) -m pip install --quiet --upgrade --require-hashes --no-deps -r requirements/dev.lock
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e bot -e operator
	@touch $(STAMP)

setup: $(STAMP) ## create .venv with every pinned dependency
	@echo "setup: .venv ready"

tools: setup ## offline tools the checks need (helm, promtool)
	@bash scripts/install_tools.sh

run: $(BOT_STAMP) ## the bot in paper mode against the built-in simulator (health on 127.0.0.1:9754)
	PYTHONPATH=bot/src $(PY) -m tradingbot run

test: setup tools ## unit + integration tests and the offline checks
	$(PY) -m pytest -m "$(TEST_MARKERS)" -p no:cacheprovider

lint: setup ## ruff, ruff format --check, mypy --strict (both packages and benchmarks), workflow schema + actionlint, shellcheck
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy --strict bot/src/tradingbot operator/src/tradingbot_operator benchmarks
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	$(VENV)/bin/actionlint -shellcheck $(VENV)/bin/shellcheck .github/workflows/*.yml
	$(VENV)/bin/shellcheck scripts/*.sh scripts/lib/*.sh

fmt: setup ## ruff format and the safe ruff fixes, in place
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
