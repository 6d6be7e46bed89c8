# Quick start: `make site` builds projects/ into _site/; `make test` runs every check.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
OUT    ?= _site

.PHONY: site test lint typecheck unit browser-deps check clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

site: $(VENV)/.installed
	$(PY) -m generator build --root . --out $(OUT)

check: $(VENV)/.installed
	$(PY) -m generator check --root .

lint: $(VENV)/.installed-test
	$(PY) -m ruff check generator tests
	$(PY) -m ruff format --check generator

typecheck: $(VENV)/.installed-test
	$(PY) -m mypy generator

unit: $(VENV)/.installed-test
	$(PY) -m pytest

test: lint typecheck unit

clean:
	rm -rf $(OUT) .cache .pytest_cache .mypy_cache .ruff_cache
