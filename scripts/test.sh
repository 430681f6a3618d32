#!/usr/bin/env bash
# The test matrix behind `make test`.
#
# 1. The whole suite on DATABASE_URL (PostgreSQL in CI, with REDIS_URL for the channel
#    layer), or on the default SQLite when no DATABASE_URL is set.
# 2. With DATABASE_URL set, the default SQLite configuration again: migrations and the
#    lifecycle tests (tests marked `lifecycle` or under tests/market).
# 3. With MARIADB_URL set, the same subset on MySQL/MariaDB.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
export DJANGO_SETTINGS_MODULE=config.settings.test
SUBSET=(tests/market tests/bidding tests/accounts tests/audit tests/test_migrations.py)

run() { echo; echo "=== $1"; shift; "$@"; }

if [ -n "${DATABASE_URL:-}" ]; then
  run "whole suite on ${DATABASE_URL%%:*}${REDIS_URL:+ with Redis}" \
    "$PY" -m pytest -p no:cacheprovider -q tests
  run "default configuration (SQLite, in-process channel layer): migrations and lifecycle" \
    env -u DATABASE_URL -u REDIS_URL "$PY" -m pytest -p no:cacheprovider -q -m "not postgres and not e2e" "${SUBSET[@]}"
else
  run "whole suite on SQLite" "$PY" -m pytest -p no:cacheprovider -q tests
fi
if [ -n "${MARIADB_URL:-}" ]; then
  run "MariaDB: migrations and lifecycle" \
    env -u REDIS_URL DATABASE_URL="$MARIADB_URL" "$PY" -m pytest -p no:cacheprovider -q -m "not postgres and not e2e" "${SUBSET[@]}"
fi
