# Công Dân Số — two commands on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
DATA_DIR ?= $(CURDIR)/var
export DATA_DIR

LOCK := requirements.lock

.PHONY: run dev test test-fast e2e lint typecheck bench install lock audit messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Every runtime and dev package comes pinned and hash-checked from $(LOCK); the project itself is then installed
# without dependencies. The checks stop the install when pyproject.toml asks for something the lock lacks (after
# editing its dependencies, run `make lock`).
$(VENV)/.installed: $(LOCK) pyproject.toml | $(BIN)/python
	@echo "==> Installing the pinned packages into $(VENV) (first time only: about 2-4 minutes; pip lists each package)"
	@set -o pipefail; $(BIN)/python -m pip install --require-hashes -r $(LOCK) 2>&1 \
	  | { grep -E --line-buffered '^(Collecting|Installing|Successfully|ERROR)|rror' || true; }
	$(BIN)/python -m pip install -q --no-deps --no-build-isolation -e .
	$(BIN)/python -m pip check
	$(BIN)/python tools/check_installed.py
	touch $@

install: $(VENV)/.installed

# Re-resolve $(LOCK) from pyproject.toml (runtime + dev extras, Python 3.11-3.13, every platform). Current pins are
# kept unless a bound in pyproject.toml forces a change; `make lock UPGRADE=1` moves everything to the newest
# allowed versions, `make lock UPGRADE=django` one package. Then `make install`.
lock: | $(BIN)/python
	@test -x $(BIN)/uv || $(BIN)/python -m pip install -q "uv>=0.5"
	$(BIN)/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 --generate-hashes \
	  --custom-compile-command "make lock" --quiet -o $(LOCK) \
	  $(if $(filter 1,$(UPGRADE)),--upgrade,$(if $(UPGRADE),--upgrade-package $(UPGRADE)))

# Known vulnerabilities in the locked packages. Online: pip-audit against PyPI's advisory data. Offline: set
# AUDIT_DB to an OSV export (the PyPI ecosystem's all.zip, or a folder of OSV JSON files) and tools/osv_audit.py
# matches the lock against it. Both exit non-zero when a locked version is affected.
audit: install
ifdef AUDIT_DB
	$(BIN)/python tools/osv_audit.py --db "$(AUDIT_DB)" $(LOCK)
else
	$(BIN)/pip-audit --requirement $(LOCK) --require-hashes --disable-pip --strict --progress-spinner off
endif

# Production-like: DEBUG off, keys generated once into DATA_DIR, gunicorn (WSGI) + the worker under honcho.
# Ctrl-C stops both quietly (honcho's exit code 130 is the expected end, not an error).
run: install
	@mkdir -p "$(DATA_DIR)"
	@test -s "$(DATA_DIR)/secret_key" || $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))" > "$(DATA_DIR)/secret_key"
	@test -s "$(DATA_DIR)/field_key" || $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(32))" > "$(DATA_DIR)/field_key"
	@chmod 600 "$(DATA_DIR)/secret_key" "$(DATA_DIR)/field_key"
	@export DEBUG=$${DEBUG:-0} DEVIDP_ENABLED=$${DEVIDP_ENABLED:-1} SECRET_KEY_FILE="$(DATA_DIR)/secret_key" \
	  FIELD_ENCRYPTION_KEYS_FILE="$(DATA_DIR)/field_key" PORT=$(PORT); \
	echo "==> Database (migrations)" && $(BIN)/python manage.py migrate --noinput -v 0 && \
	echo "==> Static files" && $(BIN)/python manage.py collectstatic --noinput -v 0 && \
	echo "==> Wards, agencies, categories and demo staff" && $(BIN)/python manage.py load_reference --demo && \
	echo "==> Procedures" && $(BIN)/python manage.py import_procedures --bundled --no-progress -v 0 && \
	echo "==> Demo reports" && $(BIN)/python manage.py seed_demo_reports && \
	echo "==> Demo dossiers" && $(BIN)/python manage.py seed_demo_dossiers && \
	echo "Công Dân Số: http://127.0.0.1:$(PORT)/  (back office: http://127.0.0.1:$(PORT)/backoffice/;" \
	  "a demo TOTP code: $(BIN)/python manage.py demo_totp; Ctrl-C stops)" && \
	{ $(BIN)/honcho start -f Procfile -p $(PORT) --no-prefix; rc=$$?; \
	  if [ $$rc -eq 130 ] || [ $$rc -eq 0 ]; then echo "Công Dân Số stopped."; else exit $$rc; fi; }

# Autoreloading development server (runserver) without the worker; tasks run in-process.
dev: install
	DEBUG=1 DEVIDP_ENABLED=1 TASKS_BACKEND=immediate $(BIN)/python manage.py migrate --noinput -v 0
	DEBUG=1 DEVIDP_ENABLED=1 TASKS_BACKEND=immediate $(BIN)/python manage.py load_reference --demo
	DEBUG=1 DEVIDP_ENABLED=1 TASKS_BACKEND=immediate $(BIN)/python manage.py import_procedures --bundled --no-progress -v 0
	DEBUG=1 DEVIDP_ENABLED=1 TASKS_BACKEND=immediate $(BIN)/python manage.py seed_demo_reports
	DEBUG=1 DEVIDP_ENABLED=1 TASKS_BACKEND=immediate $(BIN)/python manage.py seed_demo_dossiers
	DEBUG=1 DEVIDP_ENABLED=1 TASKS_BACKEND=immediate $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# Tests run in parallel (pytest-xdist, one process per core), spread test by test; tests marked with the same
# `xdist_group` (files sharing a fixed Redis database) stay on one worker. `make test-fast` skips the tests marked
# slow (worker crashes, outages, subprocess workers, the Redis relay); `make test` and CI run everything.
PYTEST_WORKERS ?= auto
PYTEST_PARALLEL = -n $(PYTEST_WORKERS) --dist loadgroup

test: install
	$(BIN)/pytest -q $(PYTEST_PARALLEL)

test-fast: install
	$(BIN)/pytest -q $(PYTEST_PARALLEL) -m "not slow"

e2e: install
	$(BIN)/pytest -q e2e

lint: install
	$(BIN)/ruff check congdanso e2e bench tools
	$(BIN)/lint-imports
	$(BIN)/mypy

# Type check alone (mypy + django-stubs, settings in pyproject.toml); incremental cache in $(VENV).
typecheck: install
	$(BIN)/mypy

bench: install
	$(BIN)/python -m bench

messages: install
	$(BIN)/python manage.py makemessages -l en --no-obsolete --ignore=.venv --ignore=var --ignore=e2e --ignore=bench && $(BIN)/python manage.py compilemessages -l en --ignore=.venv

clean:
	rm -rf $(VENV) var
