# Coffer: `make run` for the embedded development server, `make test` for the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip --disable-pip-version-check
export PYTHONDONTWRITEBYTECODE := 1

# Tests: PostgreSQL and Redis on loopback (see README). Each run gets a fresh database.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: run test install install-dev services lock check-deploy bench clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Coffer needs Python 3.11 or newer" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(PIP) install -q --require-hashes -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(PIP) install -q --require-hashes -r requirements.txt -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput -v0
	@echo
	@echo "  Coffer is running at http://127.0.0.1:8000/"
	@echo "    sign up:  http://127.0.0.1:8000/accounts/signup/"
	@echo "    API docs: http://127.0.0.1:8000/api/docs/"
	@echo "  (SQLite and blobs under var/, Celery runs eagerly. Ctrl-C stops it.)"
	@echo
	$(BIN)/python manage.py runserver 127.0.0.1:8000

services:
	@scripts/ensure-services.sh

test: install-dev services
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) \
		$(BIN)/python -m pytest -q --create-db -p no:cacheprovider

check-deploy: install
	DJANGO_SETTINGS_MODULE=coffer.settings.production DJANGO_SECRET_KEY=$$(head -c 48 /dev/urandom | base64) \
	DJANGO_ALLOWED_HOSTS=coffer.example COFFER_SERVER_KEYS=1:$$(head -c 32 /dev/urandom | base64) \
		$(BIN)/python manage.py check --deploy --fail-level WARNING

bench: install-dev
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

lock: | $(BIN)/python
	$(PIP) install -q pip-tools==7.6.2
	$(BIN)/pip-compile -q --generate-hashes --allow-unsafe --strip-extras -o requirements.txt requirements.in
	$(BIN)/pip-compile -q --generate-hashes --allow-unsafe --strip-extras -o requirements-dev.txt requirements-dev.in

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
