# The two commands the README promises:
#   make run   – the platform on SQLite with demo data at http://127.0.0.1:8000
#   make test  – ruff and the whole test suite (DATABASE_URL picks PostgreSQL, else SQLite)
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
# The public labelled messages the demo's routing model learns from; without them it learns from the
# demo's own history (and its cross-validated figures say how little that teaches).
CITIZEN_MESSAGES ?= ../shared/data/citizen-messages

.PHONY: run test lint deps dev-deps browser translations clean

$(VENV)/.deps: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev-deps: $(VENV)/.deps requirements-dev.txt
	$(PIP) install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

deps: $(VENV)/.deps
dev-deps: $(VENV)/.dev-deps

translations: deps
	DEBUG=1 $(PY) manage.py compiletranslations --verbosity 0

run: deps translations
	@test -f .env || { printf '# Written by make run: settings for manage.py commands in this checkout (see README).\nDEBUG=1\n' > .env; echo "Wrote .env (DEBUG=1) so that manage.py commands pasted from the README use the demo's settings."; }
	DEBUG=1 $(PY) manage.py migrate --noinput --verbosity 0
	DEBUG=1 $(PY) manage.py createcachetable
	DEBUG=1 $(PY) manage.py seed_demo --if-empty
	DEBUG=1 $(PY) manage.py appeals_demo_templates
	DEBUG=1 $(PY) manage.py appeals_generate 1500 --days 60 --seed 2026 --if-empty --demo
	DEBUG=1 $(PY) manage.py care_demo --if-empty
	DEBUG=1 $(PY) manage.py volunteers_demo --if-empty
	DEBUG=1 $(PY) manage.py targets_demo --if-empty
	DEBUG=1 $(PY) manage.py facilities_demo --if-empty
	DEBUG=1 $(PY) manage.py courses_demo --if-empty
	DEBUG=1 $(PY) manage.py events_demo --if-empty
	DEBUG=1 $(PY) manage.py deliberation_demo --if-empty
	DEBUG=1 $(PY) manage.py employment_demo --if-empty
	DEBUG=1 $(PY) manage.py dispatch_starter_catalogue --if-empty
	if [ -f $(CITIZEN_MESSAGES)/train_tokenized.csv ]; then \
	  DEBUG=1 $(PY) manage.py dispatch_train $(CITIZEN_MESSAGES)/train_tokenized.csv --text-col text --label-col label \
	    --activate --if-no-model --no-progress; \
	else \
	  DEBUG=1 $(PY) manage.py dispatch_retrain --from-history --if-no-model --no-progress; \
	fi
	@echo "Serving http://$(HOST):$(PORT)/ with the task worker and the scheduler (deploy/Procfile.dev); Ctrl-C stops all three."
	DEBUG=1 MINSHENG_ADDR=$(HOST):$(PORT) $(VENV)/bin/honcho -f deploy/Procfile.dev -d . start

browser:
	bash scripts/ensure-chromium

lint: dev-deps
	$(VENV)/bin/ruff check .

test: dev-deps translations browser lint
	$(VENV)/bin/pytest

clean:
	rm -rf $(VENV) var
