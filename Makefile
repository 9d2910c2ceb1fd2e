# Target Tables — 绩效目标表填报与审核
# `make run` and `make test` set up a fresh machine by themselves.

SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.DEFAULT_GOAL := help
.PHONY: help install run serve-prod test screenshots test-pg lint format bench bench-scale load clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): requirements.txt
	@PYTHON_BIN=$$(scripts/find-python.sh) && { [ -x $(PY) ] || $$PYTHON_BIN -m venv $(VENV); }
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $(STAMP)

install: $(STAMP) ## Create the virtualenv and install the pinned requirements
	@scripts/system-deps.sh run

run: install ## Migrate, load the demo, print the logins and serve on 127.0.0.1:8000 (with the task worker)
	DEBUG=1 $(PY) manage.py migrate --no-input -v0
	DEBUG=1 $(PY) manage.py createcachetable
	DEBUG=1 $(PY) manage.py load_demo --base-url http://$(HOST):$(PORT)
	DEBUG=1 $(PY) manage.py cleanup_exports
	@echo "打开 http://$(HOST):$(PORT)/ 用上面的演示账号登录（Ctrl+C 停止）"
	@trap 'kill 0' EXIT; DEBUG=1 $(PY) manage.py db_worker --no-reload & DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

WORKERS ?= 4
# Every process below (migrate, the worker, gunicorn) runs with the production settings.
serve-prod: export DJANGO_ENV := production
serve-prod: install ## Production-style: gunicorn ($(WORKERS) workers) + whitenoise + task worker; needs SECRET_KEY, DATABASE_URL, ALLOWED_HOSTS
	@test -n "$$SECRET_KEY" || { echo "请设置 SECRET_KEY（以及 DATABASE_URL、ALLOWED_HOSTS），见 docs/deploy.md"; exit 1; }
	$(PY) manage.py migrate --no-input
	$(PY) manage.py createcachetable
	$(PY) manage.py collectstatic --no-input -v0
	$(PY) manage.py check --deploy --fail-level WARNING
	$(PY) manage.py cleanup_exports
	@trap 'kill 0' EXIT; $(PY) manage.py db_worker --no-reload & \
	  $(VENV)/bin/gunicorn config.wsgi --workers $(WORKERS) --bind $(HOST):$(PORT) --access-logfile - --timeout 120

test: $(STAMP) ## Run the whole suite (on PostgreSQL when DATABASE_URL points there)
	@scripts/system-deps.sh test
	@scripts/ensure-db.sh
	TESTING=1 $(PY) -m pytest $(PYTEST_ARGS)

screenshots: $(STAMP) ## Re-take the docs/screenshots/ of the editor and review browser tests
	@scripts/system-deps.sh test
	UPDATE_SCREENSHOTS=1 TESTING=1 $(PY) -m pytest -m browser

test-pg: ## Run the suite on the local PostgreSQL server
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/target_tables $(MAKE) test

lint: $(STAMP) ## ruff check and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP) ## Format the code with ruff
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: $(STAMP) ## Print every measured figure (and write docs/benchmarks.md)
	@scripts/system-deps.sh bench
	@scripts/ensure-db.sh
	TESTING=1 $(PY) -m bench

SCALE_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/target_tables_scale
bench-scale: $(STAMP) ## A province on PostgreSQL: build 10,000 organisations / 30,000 tables, measure every list page
	@scripts/system-deps.sh run
	@DATABASE_URL=$(SCALE_DATABASE_URL) scripts/ensure-db.sh
	DATABASE_URL=$(SCALE_DATABASE_URL) $(PY) -m bench.bench_scale $(SCALE_ARGS)

load: $(STAMP) ## Load test: gunicorn + PostgreSQL, 500 organisations, 100 users for 60 s, 30 s of stress, a database restart
	@scripts/system-deps.sh run
	$(PY) -m bench.load --restart-db $(LOAD_ARGS)

clean: ## Remove the virtualenv, the SQLite database and generated files
	rm -rf $(VENV) db.sqlite3 staticfiles media .pytest_cache
