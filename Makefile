# Công Dân Số — two commands on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
DATA_DIR ?= $(CURDIR)/var
export DATA_DIR

.PHONY: run dev test e2e lint bench install messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

install: $(VENV)/.installed

# Production-like: DEBUG off, keys generated once into DATA_DIR, gunicorn (WSGI) + the worker under honcho.
run: install
	@mkdir -p "$(DATA_DIR)"
	@test -s "$(DATA_DIR)/secret_key" || $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))" > "$(DATA_DIR)/secret_key"
	@test -s "$(DATA_DIR)/field_key" || $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(32))" > "$(DATA_DIR)/field_key"
	@chmod 600 "$(DATA_DIR)/secret_key" "$(DATA_DIR)/field_key"
	export DEBUG=$${DEBUG:-0} DEVIDP_ENABLED=$${DEVIDP_ENABLED:-1} SECRET_KEY_FILE="$(DATA_DIR)/secret_key" \
	  FIELD_ENCRYPTION_KEYS_FILE="$(DATA_DIR)/field_key" PORT=$(PORT); \
	$(BIN)/python manage.py migrate --noinput -v 0 && \
	$(BIN)/python manage.py collectstatic --noinput -v 0 && \
	$(BIN)/python manage.py load_reference --demo && \
	echo "Công Dân Số: http://127.0.0.1:$(PORT)/  (back office: http://127.0.0.1:$(PORT)/backoffice/)" && \
	exec $(BIN)/honcho start -f Procfile -p $(PORT) --no-prefix

# Autoreloading development server (runserver) without the worker; tasks run in-process.
dev: install
	DEBUG=1 DEVIDP_ENABLED=1 TASKS_BACKEND=immediate $(BIN)/python manage.py migrate --noinput -v 0
	DEBUG=1 DEVIDP_ENABLED=1 TASKS_BACKEND=immediate $(BIN)/python manage.py load_reference --demo
	DEBUG=1 DEVIDP_ENABLED=1 TASKS_BACKEND=immediate $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: install
	$(BIN)/pytest -q

e2e: install
	$(BIN)/pytest -q e2e

lint: install
	$(BIN)/ruff check congdanso e2e bench
	$(BIN)/lint-imports

bench: install
	$(BIN)/python -m bench

messages: install
	$(BIN)/python manage.py makemessages -l en --no-obsolete --ignore=.venv --ignore=var --ignore=e2e --ignore=bench && $(BIN)/python manage.py compilemessages -l en --ignore=.venv

clean:
	rm -rf $(VENV) var
