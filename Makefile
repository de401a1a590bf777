# Coffer: `make run` for the embedded development server, `make test` for the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip --disable-pip-version-check
export PYTHONDONTWRITEBYTECODE := 1

# Tests: PostgreSQL and Redis on loopback (see README). Each run gets a fresh database.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
# Fuzzing: seconds per target inside `make test` (tests/fuzz), and per target in `make fuzz`.
FUZZ_TEST_SECONDS ?= 8
FUZZ_SECONDS ?= 120
FUZZ_TARGETS := $(notdir $(wildcard fuzz/corpus/*))

.PHONY: run test install install-dev services browser proxy js age screenshots lock check-deploy bench clean fuzz audit-deps soak

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Coffer needs Python 3.11 or newer" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

# uv installs the hash-pinned requirements (itself pinned in requirements-uv.txt, with the
# indexes pip is configured with); pip does where uv cannot be installed. See docs/performance.md.
INSTALL := $(BIN)/python scripts/install_requirements.py

$(VENV)/.installed: requirements.txt requirements-uv.txt | $(BIN)/python
	$(INSTALL) requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt requirements-uv.txt $(VENV)/.installed
	$(INSTALL) requirements.txt requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py shell -v0 -c 'from vault.keyring import get_key_provider; get_key_provider()'
	@echo
	@echo "  Coffer is running at http://127.0.0.1:8000/"
	@echo "    sign up:  http://127.0.0.1:8000/accounts/signup/"
	@echo "    API docs: http://127.0.0.1:8000/api/docs/"
	@echo "  (SQLite and blobs under var/, Celery runs eagerly. Ctrl-C stops it.)"
	@echo
	$(BIN)/python manage.py runserver 127.0.0.1:8000

services:
	@scripts/ensure-services.sh

# Browser tests and screenshots drive Debian's Chromium, never a browser that Playwright downloads.
CHROMIUM ?= /usr/bin/chromium

browser:
	@if [ ! -x "$(CHROMIUM)" ]; then \
		echo "Chromium is missing: installing Debian's package for the browser tests..."; \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	fi

# The slow-client tests put Debian's nginx, with deploy/nginx/coffer.conf, in front of gunicorn.
NGINX ?= /usr/sbin/nginx

proxy:
	@if [ ! -x "$(NGINX)" ]; then \
		echo "nginx is missing: installing Debian's package for the proxy tests..."; \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends nginx >/dev/null; \
	fi

# The independent JavaScript vector checker (tests/vectors/js) runs on Debian's Node.js, with
# libsodium from the npm registry, pinned with integrity hashes in its package-lock.json.
JS_CHECKER := tests/vectors/js

js:
	@if ! command -v node >/dev/null || ! command -v npm >/dev/null; then \
		echo "Node.js is missing: installing Debian's packages for the JavaScript vector checker..."; \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null; \
	fi
	@if [ ! -f $(JS_CHECKER)/node_modules/.package-lock.json ] || \
		[ $(JS_CHECKER)/package-lock.json -nt $(JS_CHECKER)/node_modules/.package-lock.json ]; then \
		npm ci --prefix $(JS_CHECKER) --no-audit --no-fund --loglevel=error; \
	fi

test: install-dev services audit-deps browser proxy js age
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) COFFER_FUZZ_SECONDS=$(FUZZ_TEST_SECONDS) \
		COFFER_CHROMIUM=$(CHROMIUM) COFFER_NGINX=$(NGINX) $(BIN)/python -m pytest -q --create-db -p no:cacheprovider

# The export tests decrypt Coffer's exports with Debian's age binary (rage is not packaged for bookworm).
AGE ?= /usr/bin/age

age:
	@if [ ! -x "$(AGE)" ]; then \
		echo "age is missing: installing Debian's package for the export tests..."; \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends age >/dev/null; \
	fi

# Known vulnerabilities in the pinned dependencies. Fails on a finding; says NOT AUDITED without network.
audit-deps: install-dev
	$(BIN)/python scripts/audit_deps.py requirements.txt requirements-dev.txt requirements-uv.txt

# Each atheris target for FUZZ_SECONDS; what it learns is kept under var/fuzz/ for the next run.
fuzz: install-dev
	@for target in $(FUZZ_TARGETS); do \
		echo "== fuzz.$$target ($(FUZZ_SECONDS) s)"; mkdir -p var/fuzz/$$target; \
		$(BIN)/python -m fuzz.$$target -max_total_time=$(FUZZ_SECONDS) -timeout=30 -print_final_stats=1 \
			-artifact_prefix=var/fuzz/$$target- var/fuzz/$$target fuzz/corpus/$$target || exit 1; \
	done

# The soak (docs/rotation.md, "Soak"): gunicorn, a Celery worker and beat, PostgreSQL, Redis and the
# S3 server under concurrent clients, while the worker, web and S3 servers are SIGKILLed at random.
# Then every item is checked against its original; one summary line, non-zero exit on any loss.
# SOAK_SECONDS=N bounds the time instead; see soak/__main__.py for the other knobs.
SOAK_KILLS ?= 200
SOAK_KILL_INTERVAL ?= 4.5

soak: install-dev services
	SOAK_KILLS=$(SOAK_KILLS) SOAK_KILL_INTERVAL=$(SOAK_KILL_INTERVAL) $(BIN)/python -m soak

# PNGs of the main pages into docs/screenshots/ (a throw-away SQLite vault; no services needed).
screenshots: install-dev browser
	COFFER_CHROMIUM=$(CHROMIUM) $(BIN)/python scripts/screenshots.py

check-deploy: install
	DJANGO_SETTINGS_MODULE=coffer.settings.production DJANGO_SECRET_KEY=$$(head -c 48 /dev/urandom | base64) \
	DJANGO_ALLOWED_HOSTS=coffer.example COFFER_SERVER_KEYS=1:$$(head -c 32 /dev/urandom | base64) \
		$(BIN)/python manage.py check --deploy --fail-level WARNING

# Every bench script (each prints a table, writes bench/results/<name>.json; files.py and a second
# rotation.py with the sizes of issue 20's table), then bench/plot.py draws every plot into
# docs/performance/ and bench/table.py prints issue 20's table from this run's results only.
BENCH_FILES_ARGS := --sizes 1M,64M,512M --rss-sizes 16M,128M,1G
BENCH_REENCRYPT_ARGS := --store s3 --runs reencrypt --records 0 --passports 0 --files 20 --file-size 10M
bench: install-dev
	@start=$$(date +%s); \
	for script in $(filter-out bench/plot.py bench/table.py bench/files.py,$(wildcard bench/*.py)); do \
		echo "== $$script"; $(BIN)/python $$script || exit 1; \
	done; \
	echo "== bench/files.py $(BENCH_FILES_ARGS)"; $(BIN)/python bench/files.py $(BENCH_FILES_ARGS) || exit 1; \
	echo "== bench/rotation.py $(BENCH_REENCRYPT_ARGS)"; $(BIN)/python bench/rotation.py $(BENCH_REENCRYPT_ARGS) || exit 1; \
	echo "== bench/plot.py"; $(BIN)/python bench/plot.py || exit 1; \
	echo "== bench/table.py"; $(BIN)/python bench/table.py --since $$start

lock: | $(BIN)/python
	$(PIP) install -q pip-tools==7.6.2
	$(BIN)/pip-compile -q --generate-hashes --allow-unsafe --strip-extras -o requirements.txt requirements.in
	$(BIN)/pip-compile -q --generate-hashes --allow-unsafe --strip-extras -o requirements-dev.txt requirements-dev.in
	$(BIN)/pip-compile -q --generate-hashes --allow-unsafe --strip-extras -o requirements-uv.txt requirements-uv.in

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
