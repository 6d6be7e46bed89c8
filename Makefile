# Quick start: `make site` builds projects/ into _site/; `make test` runs every check.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
OUT    ?= _site

.PHONY: site test lint typecheck audit unit browser-deps apt-deps check clean fuzz

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

# The GitHub Actions security audit of .github/ (workflows and dependabot.yml) by zizmor,
# pinned in the `test` extra; offline, so it needs no network and no token. Any finding, of
# any severity, fails (zizmor exits 0 only when it finds nothing), and so does a file it
# cannot read (--strict-collection). README, Development, says how to read a finding.
audit: $(VENV)/.installed-test
	$(VENV)/bin/zizmor --offline --strict-collection .github

# Tools for tests/browser, each installed only when missing. From Debian: headless Chromium
# with a CJK font (Playwright's own browser download is never used), Java for the Nu HTML
# Checker, Node's npm. From npm, pinned by package-lock.json into node_modules/ (git-ignored):
# axe-core and vnu-jar (its install script, which would fetch a Java, is not run), and
# gitlab-ci-local, which checks .gitlab-ci.yml (tests/test_gitlab_ci.py). curl and unzip run
# the GitLab deployment script of docs/gitlab.md (tests/test_doc_commands.py).
# CI runs `make test` as root on a fresh machine. Without root nothing comes from apt: the
# browser tests then skip and say what is missing (under CI=true they fail instead).
browser-deps: node_modules/.installed

apt-deps:
	@missing=""; \
	test -x /usr/bin/chromium || missing="$$missing chromium"; \
	dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing="$$missing fonts-noto-cjk"; \
	command -v java >/dev/null || missing="$$missing default-jre-headless"; \
	command -v npm >/dev/null || missing="$$missing nodejs npm"; \
	command -v curl >/dev/null || missing="$$missing curl"; \
	command -v unzip >/dev/null || missing="$$missing unzip"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "apt-get install$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	else \
	  echo "browser-deps: missing$$missing; install them as root (apt-get install)"; \
	fi

node_modules/.installed: package.json package-lock.json | apt-deps
	@if command -v npm >/dev/null; then \
	  npm ci --ignore-scripts --no-audit --no-fund && touch $@; \
	else \
	  echo "browser-deps: npm is missing, so axe-core and vnu are not installed"; \
	fi

unit: $(VENV)/.installed-test browser-deps
	$(PY) -m pytest

test: lint typecheck audit unit

clean:
	rm -rf $(OUT) .cache .pytest_cache .mypy_cache .ruff_cache test-artifacts

# A long property-based fuzzing run of the loader and validator (100,000 inputs per property).
fuzz: $(VENV)/.installed-test
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-100000} $(PY) -m pytest tests/test_properties.py -q -p no:cacheprovider -k "not readme"

# The performance benchmark (issues 7 and 18): synthetic portfolios of 100 to 3,000 projects
# built cold, with nothing changed and after one change, the live preview's latency, memory,
# the largest week page and, when `hugo` is installed, the ratios to Hugo and to Hugo +
# Pagefind. Options: make bench BENCH_ARGS="--sizes 100,250 --runs 3". See docs/performance.md.
# Not part of `make test` (tests/test_bench.py checks its pieces, timing nothing).
# Hugo, the peer, comes from Debian's package (as root; otherwise the comparison is skipped
# with a note saying so).
.PHONY: bench bench-deps
bench: $(VENV)/.installed bench-deps
	$(PY) -m tests.bench.bench $(BENCH_ARGS)

bench-deps:
	@if command -v hugo >/dev/null; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "apt-get install hugo"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hugo; \
	else \
	  echo "bench-deps: hugo is missing; install it as root (apt-get install hugo)"; \
	fi
