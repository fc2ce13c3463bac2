# The two commands of the README: `make demo` and `make test`. Everything else is theirs.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test install browser lint bench clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Headless Chromium and its driver for the end-to-end tests, from Debian's packages.
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; }

demo: install
	$(BIN)/credit-graph demo

test: install browser
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check graph loaders api dashboards tests bench
	$(BIN)/ruff format --check graph loaders api dashboards tests bench
	$(BIN)/mypy

bench: install
	$(BIN)/python bench/load.py

clean:
	rm -rf $(VENV) .credit-graph .pytest_cache .mypy_cache .ruff_cache
