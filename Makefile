# Meldpunt: `make run` (whole system on this machine) and `make test` (the whole suite).
SHELL := /bin/bash
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export MELDPUNT_CONFIG ?= instance/config.toml

.PHONY: run test check unit system-deps bench lock clean-instance translations

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps -e .
	@touch $(STAMP)

## run: set up on first start (venv, config, keys, database, demo users) and run web + worker + beat
run: $(STAMP) system-deps
	$(BIN)/python -m meldpunt.bootstrap instance
	$(BIN)/flask --app meldpunt db upgrade
	$(BIN)/flask --app meldpunt demo
	$(BIN)/python -m meldpunt.devserver

## test: create/update the venv and run the whole suite (unit, integration, functional, e2e) and the checks
test: $(STAMP) system-deps
	$(BIN)/pytest -p no:cacheprovider
	$(MAKE) --no-print-directory check

## check: lint (ruff), types (mypy --strict on meldpunt/crypto and the signals core), import contracts (import-linter),
##        static security analysis, known-vulnerability audit of the dependencies, and the translation
##        catalogs (pybabel extract: fails on a stale catalog or an untranslated/fuzzy English string)
check: $(STAMP)
	$(BIN)/ruff check --no-cache meldpunt workers tests bench
	$(BIN)/python -m meldpunt.i18n_check
	$(BIN)/mypy --strict meldpunt/crypto meldpunt/signals
	$(BIN)/lint-imports --no-cache
	$(BIN)/bandit -q -c pyproject.toml -r meldpunt workers
	$(BIN)/pip-audit --progress-spinner off -r requirements.lock

## translations: extract the strings (babel.cfg) and merge them into meldpunt/translations/{nl,en};
##               then translate the new English entries (docs/i18n.md). The .mo files are built at app start.
translations: $(STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg -k lazy_gettext -k _l --no-location --omit-header -o $(VENV)/messages.pot .
	$(BIN)/pybabel -q update -i $(VENV)/messages.pot -d meldpunt/translations --no-wrap --ignore-obsolete --no-fuzzy-matching

unit: $(STAMP)
	$(BIN)/pytest -p no:cacheprovider tests/unit

## system-deps: Debian's chromium (browser tests), poppler-utils and Pango (PDF documents), when this user may install them
system-deps:
	@if ! command -v chromium >/dev/null || ! command -v pdftotext >/dev/null || ! ldconfig -p | grep -q libpangoft2; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    (apt-get install -y -qq chromium poppler-utils libpango-1.0-0 libpangoft2-1.0-0 >/dev/null 2>&1 || \
	     (apt-get update -qq && apt-get install -y -qq chromium poppler-utils libpango-1.0-0 libpangoft2-1.0-0 >/dev/null)); \
	  else echo "note: install Debian's chromium and poppler-utils for the browser tests"; fi; \
	fi

## bench: every benchmark with its defaults (the queue seeds 1,000,000 signals: minutes); prints one table and
##        writes bench/results/<time>.json. One with options: make bench BENCH="queue --signals 100000".
##        Compare two runs: .venv/bin/python -m bench compare bench/results/A.json bench/results/B.json
bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH)

## lock: re-pin requirements.lock from pyproject.toml (run after changing dependencies)
lock:
	rm -rf /tmp/meldpunt-lock && $(PY) -m venv /tmp/meldpunt-lock
	/tmp/meldpunt-lock/bin/pip install -q --upgrade pip && /tmp/meldpunt-lock/bin/pip install -q '.[test]'
	/tmp/meldpunt-lock/bin/pip freeze --exclude meldpunt | sed '/^-e /d' > requirements.lock
