# The two commands of the README: `make demo` and `make test`. Everything else is theirs.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test install lint chromium clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/credit-graph demo

test: install lint chromium
	$(BIN)/pytest

# tests/browser drive Debian's chromium through Playwright (whose own browser download is not
# used), and their screenshots need a Chinese font; a fresh Debian machine gets both here,
# which needs root.
chromium:
	@test -x /usr/bin/chromium && fc-list :lang=zh | grep -q . || { \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q chromium fonts-wqy-zenhei; }

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) .credit-graph .pytest_cache .mypy_cache .ruff_cache
