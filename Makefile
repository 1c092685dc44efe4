# SafeGrid: `make run` sets everything up and serves http://127.0.0.1:8000; `make test` runs all tests.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Local commands run plain http on 127.0.0.1; production sets SAFEGRID_SECURE=1 (see README).
export SAFEGRID_SECURE ?= 0
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/safegrid
BENCH_DISTRICT_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/safegrid_seed_d
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup run test lint test-sqlite test-postgres messages worker bench clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

setup: $(VENV)/.installed
	@$(MAKE) --no-print-directory messages
	$(PY) manage.py migrate --noinput -v 1
	$(PY) manage.py demo
	@fc-list 2>/dev/null | grep -qi "noto.*cjk" || echo "note: Chinese fonts (Debian package fonts-noto-cjk) are missing: PDFs will lack Chinese glyphs. Carrying on."
	@ldconfig -p 2>/dev/null | grep -q "libpango-1.0" || echo "note: Pango (Debian package libpango-1.0-0) is missing: PDF letters and maps cannot be printed. Carrying on."
	@test -x /usr/bin/chromium || echo "note: /usr/bin/chromium (Debian package chromium) is missing: browser tests will be skipped. Carrying on."

run: setup
	@echo "SafeGrid at http://$(HOST):$(PORT)/  (demo password: $${DEMO_PASSWORD:-Demo@2026})"
	$(PY) manage.py runserver --noreload $(HOST):$(PORT)

# Runs queued background tasks (exports, reports) next to `make run`.
worker: setup
	$(PY) manage.py db_worker

# Compiled catalogues are committed; they are rebuilt here when GNU gettext is present.
messages: $(VENV)/.installed
	@if command -v msgfmt >/dev/null; then $(PY) manage.py compilemessages -v 0 --ignore=.venv; \
	 else echo "note: msgfmt (Debian package gettext) is missing: using the committed .mo files."; fi

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run -v 0
	$(PY) manage.py check --fail-level WARNING

# The two database legs run side by side (2 cores), each one's output shown whole when it ends.
test: lint
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

test-sqlite: $(VENV)/.installed
	@echo "== tests on SQLite =="
	$(VENV)/bin/pytest -q

test-postgres: $(VENV)/.installed
	@if $(PY) scripts/pg_reachable.py "$(TEST_DATABASE_URL)"; then \
	  echo "== tests on PostgreSQL ($(TEST_DATABASE_URL)) =="; \
	  DATABASE_URL="$(TEST_DATABASE_URL)" $(VENV)/bin/pytest -q; \
	elif [ "$$SAFEGRID_REQUIRE_POSTGRES" = "1" ]; then \
	  echo "PostgreSQL at $(TEST_DATABASE_URL) is not reachable and SAFEGRID_REQUIRE_POSTGRES=1: failing."; exit 1; \
	else \
	  echo "== SKIPPING the PostgreSQL leg: no server at $(TEST_DATABASE_URL) (set TEST_DATABASE_URL) =="; \
	fi

# Speed goals are measured here, not in timed tests: see bench/results.md.
bench: $(VENV)/.installed
	$(PY) bench/foundation.py
	$(PY) bench/coverage.py
	$(PY) bench/inspections.py
	$(PY) bench/framework.py
	$(PY) bench/documents.py
	@if $(PY) scripts/pg_reachable.py "$(TEST_DATABASE_URL)"; then \
	  $(PY) bench/documents.py --db postgresql && $(PY) bench/roster.py && $(PY) bench/ledger.py; fi
	@# At size D: needs `seed_district --size D` in $(BENCH_DISTRICT_DATABASE_URL) (see README, Benchmarks).
	@if $(PY) scripts/pg_reachable.py "$(BENCH_DISTRICT_DATABASE_URL)" --exists; then \
	  $(PY) bench/district.py --db-url "$(BENCH_DISTRICT_DATABASE_URL)" && \
	  $(PY) bench/rush.py --db-url "$(BENCH_DISTRICT_DATABASE_URL)"; \
	else echo "note: no seeded district at $(BENCH_DISTRICT_DATABASE_URL): district and rush benchmarks skipped."; fi

clean:
	rm -rf $(VENV) staticfiles artifacts
