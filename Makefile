# 宜春市网上中介服务超市 — the two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 127.0.0.1
STAMP := $(VENV)/.installed

.PHONY: run test install browser migrate demo lint clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

migrate: install
	mkdir -p var
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo

## make run: install, migrate, load demo data, start Daphne + Celery worker/beat on SQLite.
run: demo
	PORT=$(PORT) HOST=$(HOST) PY=$(PY) bash scripts/run.sh

## Debian's chromium for the browser tests (Playwright cannot download its own here), and
## Debian's Noto CJK fonts, without which the browser draws Chinese as empty boxes.
browser:
	@{ command -v chromium >/dev/null 2>&1 && dpkg -s fonts-noto-cjk >/dev/null 2>&1; } || { \
	  echo "installing Debian chromium and fonts-noto-cjk for the browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }

## make test: install and pass the whole suite (see scripts/test.sh for the database matrix).
test: install browser
	PY=$(PY) bash scripts/test.sh

clean:
	rm -rf var/test-db.sqlite3* var/test-media .pytest_cache
