# Quick start: `make site` builds projects/ into _site/; `make test` runs every check.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
OUT    ?= _site

.PHONY: site test lint typecheck unit browser-deps check clean fuzz

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

# A long property-based fuzzing run of the loader and validator (100,000 inputs per property).
fuzz: $(VENV)/.installed-test
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-100000} $(PY) -m pytest tests/test_properties.py -q -p no:cacheprovider -k "not readme"
