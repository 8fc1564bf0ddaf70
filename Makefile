# Order Tracking — developer entry points.
#   make run     install what the app needs and start it on the embedded demo data
#   make test    install what the tests need (Debian packages included) and run the whole suite
#   make bench   run the benchmarks and print a table
#   make check   ruff + mypy + import-linter only

PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
SHELL  := /bin/bash

RUN_DEBS  := ca-certificates
TEST_DEBS := chromium poppler-utils dbus gnome-keyring libsecret-tools fonts-dejavu-core fonts-droid-fallback

.PHONY: run test bench check venv system-run system-test clean

run: system-run $(STAMP)
	$(PY) -m app run

test: system-test $(STAMP)
	bash scripts/run-tests.sh

bench: system-test $(STAMP)
	bash scripts/run-tests.sh --bench

check: $(STAMP)
	$(VENV)/bin/ruff check app services views tests
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

venv: $(STAMP)

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || bash scripts/apt-ensure.sh python3.11
	@$(PYTHON) -c "import ensurepip, venv" 2>/dev/null || bash scripts/apt-ensure.sh python3.11-venv
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24"
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[test]"
	@if $(PY) -m pip show keyrings.alt >/dev/null 2>&1; then echo "keyrings.alt must not be installed (plaintext keyring)"; exit 1; fi
	touch $(STAMP)

system-run:
	@bash scripts/apt-ensure.sh $(RUN_DEBS)

system-test:
	@bash scripts/apt-ensure.sh $(TEST_DEBS)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
