# Two commands on a fresh machine: `make demo` and `make test`. Both create .venv and install
# what they need from the package registries; nothing else has to be on the machine but Python
# >= 3.11; the tests also install anvil (npm) and Debian's chromium (apt, as root) for the
# JSON-RPC and browser tests.

PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: demo test lint typecheck bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "tracers needs Python >= 3.11; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# A real local Ethereum node for the JSON-RPC tests (npm package, no download at run time).
ANVIL = .tools/node_modules/.bin/anvil
$(ANVIL):
	npm install --silent --no-audit --no-fund --prefix .tools @foundry-rs/anvil@1.7.1

demo: $(VENV)/.installed-test
	$(BIN)/tracers demo

# Headless Chromium for the report's browser test (Debian package; the test fails without it).
CHROMIUM = /usr/bin/chromium
$(CHROMIUM):
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

test: $(VENV)/.installed-test $(ANVIL) $(CHROMIUM) lint typecheck
	TRACERS_ANVIL=$(abspath $(ANVIL)) $(BIN)/python -m pytest $(PYTEST_ARGS)

# The linter (rules in pyproject.toml [tool.ruff]) on the library and the flows.
lint: $(VENV)/.installed-test
	$(BIN)/ruff check tracers flows

# The type checker (settings in pyproject.toml [tool.mypy]) on the library and the flows.
typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

bench: $(VENV)/.installed-test
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .tools tracers-demo .pytest_cache
