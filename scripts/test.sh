#!/usr/bin/env bash
# The test matrix behind `make test`.
#
# 1. The whole suite on DATABASE_URL (PostgreSQL in CI, with REDIS_URL for the channel
#    layer), or on the default SQLite when no DATABASE_URL is set.
# 2. With DATABASE_URL set, the default SQLite configuration again: every test but the
#    browser tests and the PostgreSQL-only races.
# 3. With MARIADB_URL set, the same subset on MySQL/MariaDB.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
export DJANGO_SETTINGS_MODULE=config.settings.test
# Everything but the browser tests (they need the live server, proven on PostgreSQL).
SUBSET=(tests --ignore=tests/e2e)

run() { echo; echo "=== $1"; shift; "$@"; }

run "the layers: no app imports one above it (import-linter)" "$(dirname "$PY")/lint-imports"

if [ -n "${DATABASE_URL:-}" ]; then
  run "whole suite on ${DATABASE_URL%%:*}${REDIS_URL:+ with Redis}" \
    "$PY" -m pytest -p no:cacheprovider -q tests
  run "default configuration (SQLite, in-process channel layer): all but browser tests and races" \
    env -u DATABASE_URL -u REDIS_URL "$PY" -m pytest -p no:cacheprovider -q -m "not postgres and not e2e" "${SUBSET[@]}"
else
  run "whole suite on SQLite" "$PY" -m pytest -p no:cacheprovider -q tests
fi
if [ -n "${MARIADB_URL:-}" ]; then
  run "MariaDB: all but browser tests and races" \
    env -u REDIS_URL DATABASE_URL="$MARIADB_URL" "$PY" -m pytest -p no:cacheprovider -q -m "not postgres and not e2e" "${SUBSET[@]}"
fi
