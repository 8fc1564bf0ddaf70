# Order Tracking — developer entry points.
#   make run     install what the app needs and start it on the embedded demo data
#   make test    install what the tests need (Debian packages included) and run the whole suite,
#                then the non-browser suite again on the phone's Python line (3.13), then mobile-check
#   make mobile-check  dry-run the phone build's pip step for Android and iOS (build/README.md)
#   make bench   run the benchmarks and print a table
#   make check   ruff + mypy + import-linter only

PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# The Python line `flet build` bundles for the phone (the highest one requires-python admits).
PHONE_PY_LINE := 3.13
VENV313  := .venv313
STAMP313 := $(VENV313)/.installed
SHELL  := /bin/bash

RUN_DEBS  := ca-certificates
TEST_DEBS := chromium poppler-utils dbus gnome-keyring libsecret-tools fonts-dejavu-core fonts-droid-fallback

.PHONY: run test test-313 mobile-check bench check venv venv313 system-run system-test clean

run: system-run $(STAMP)
	$(PY) -m app run

test: system-test $(STAMP) $(STAMP313)
	bash scripts/run-tests.sh
	$(MAKE) --no-print-directory test-313
	$(MAKE) --no-print-directory mobile-check

# The suite without the browser tests, on the phone's Python line.
test-313: system-test $(STAMP313)
	ORDERTRACK_VENV=$(VENV313) bash scripts/run-tests.sh --ignore=tests/e2e -m "not e2e and not bench"

mobile-check: $(STAMP313)
	$(VENV313)/bin/python scripts/mobile_check.py

bench: system-test $(STAMP)
	bash scripts/run-tests.sh --bench

check: $(STAMP)
	$(VENV)/bin/ruff check app services views tests
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

venv: $(STAMP)

venv313: $(STAMP313)

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || bash scripts/apt-ensure.sh python3.11
	@$(PYTHON) -c "import ensurepip, venv" 2>/dev/null || bash scripts/apt-ensure.sh python3.11-venv
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24"
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[test]"
	@if $(PY) -m pip show keyrings.alt >/dev/null 2>&1; then echo "keyrings.alt must not be installed (plaintext keyring)"; exit 1; fi
	touch $(STAMP)

# python$(PHONE_PY_LINE) from PATH, else from pyenv, else Debian's package (newer Debian releases have it).
$(STAMP313): pyproject.toml
	@bash scripts/find-python.sh $(PHONE_PY_LINE) >/dev/null
	test -x $(VENV313)/bin/python || "$$(bash scripts/find-python.sh $(PHONE_PY_LINE))" -m venv $(VENV313)
	$(VENV313)/bin/python -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24"
	$(VENV313)/bin/python -m pip install --quiet --disable-pip-version-check -e ".[test]"
	@if $(VENV313)/bin/python -m pip show keyrings.alt >/dev/null 2>&1; then echo "keyrings.alt must not be installed (plaintext keyring)"; exit 1; fi
	touch $(STAMP313)

system-run:
	@bash scripts/apt-ensure.sh $(RUN_DEBS)

system-test:
	@bash scripts/apt-ensure.sh $(TEST_DEBS)

clean:
	rm -rf $(VENV) $(VENV313) .mypy_cache .ruff_cache .pytest_cache
