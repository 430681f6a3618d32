#!/usr/bin/env bash
# The test matrix behind `make test`.
#
# 1. The whole suite on DATABASE_URL (PostgreSQL in CI, with REDIS_URL for the channel
#    layer), or on the default SQLite when no DATABASE_URL is set.
# 2. With DATABASE_URL set, the default SQLite configuration again: every test but the
#    browser tests and the PostgreSQL-only races.
# 3. As root: the three-host layout (scripts/multihost.sh: network namespaces, nginx,
#    PostgreSQL and Redis on a data host, a live auction that loses an application host).
# 4. With MARIADB_URL set, the same subset on MySQL/MariaDB (passes 2 and 4 run side by side,
#    each with its own VAR_DIR, and print their output when both have ended).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
export DJANGO_SETTINGS_MODULE=config.settings.test
# Everything but the browser tests (they need the live server, proven on PostgreSQL).
SUBSET=(tests --ignore=tests/e2e)

run() { echo; echo "=== $1"; shift; "$@"; }

# Passes that run at the same time, "title|command" each; their output is printed whole,
# one pass after the other, when all have ended; the step fails if any pass failed.
SIDE_BY_SIDE=()
ALONE_AFTER=
parallel() {
  local dir rc=0 i pids=()
  dir=$(mktemp -d /tmp/yczjcs-test.XXXXXX)
  for i in "${!SIDE_BY_SIDE[@]}"; do
    bash -c "${SIDE_BY_SIDE[$i]#*|}" >"$dir/$i.log" 2>&1 &
    pids+=($!)
  done
  for i in "${!SIDE_BY_SIDE[@]}"; do
    local status=0
    wait "${pids[$i]}" || status=$?
    echo; echo "=== ${SIDE_BY_SIDE[$i]%%|*} (exit $status)"; cat "$dir/$i.log"
    [ "$status" = 0 ] || rc=1
  done
  rm -rf "$dir"
  return $rc
}

# The backup and restore drill on PostgreSQL: a fresh database with the demo data, backed
# up by scripts/backup.sh and proven by scripts/restore_drill.sh (a second fresh database).
backup_drill() {
  local base=${DATABASE_URL%/*} work rc=0
  work=$(mktemp -d /tmp/yczjcs-backup-ci.XXXXXX)
  local -a env=(env -u REDIS_URL DJANGO_SETTINGS_MODULE=config.settings.dev CELERY_TASK_ALWAYS_EAGER=1
                DATABASE_URL="$base/yczjcs_backup_source" MEDIA_ROOT="$work/media" VAR_DIR="$work/var" BACKUP_DIR="$work/backups" PY="$PY")
  "${env[@]}" "$PY" manage.py backup_restore --drop --database-url "$base/yczjcs_backup_source"
  psql "$base/postgres" -q -c "CREATE DATABASE yczjcs_backup_source" &&
    "${env[@]}" "$PY" manage.py migrate --noinput -v0 &&
    "${env[@]}" "$PY" manage.py load_demo >/dev/null &&
    "${env[@]}" bash scripts/backup.sh &&
    time "${env[@]}" bash scripts/restore_drill.sh || rc=$?
  "${env[@]}" "$PY" manage.py backup_restore --drop --database-url "$base/yczjcs_backup_source"
  rm -rf "$work"
  return $rc
}

run "the layers: no app imports one above it (import-linter)" "$(dirname "$PY")/lint-imports"

if [ -n "${DATABASE_URL:-}" ]; then
  run "whole suite on ${DATABASE_URL%%:*}${REDIS_URL:+ with Redis}" \
    "$PY" -m pytest -p no:cacheprovider -q tests
  # The SQLite and MariaDB passes run side by side (each is one single-threaded pytest;
  # the machine has two cores): see `parallel` below.
  # The tests that start the real processes (scripts/run.sh) time a stop within 10 s: they
  # run on their own afterwards, not beside another pass.
  SIDE_BY_SIDE+=("default configuration (SQLite, in-process channel layer): all but browser tests, races and process tests|env -u DATABASE_URL -u REDIS_URL $PY -m pytest -p no:cacheprovider -q -m 'not postgres and not e2e and not process' ${SUBSET[*]}")
  ALONE_AFTER=1
else
  run "whole suite on SQLite" "$PY" -m pytest -p no:cacheprovider -q tests
fi
if [ -n "${MARIADB_URL:-}" ]; then
  # On MariaDB the Redis layer is not needed: the whole-suite pass proved it.
  SIDE_BY_SIDE+=("MariaDB: all but browser tests and races|mkdir -p var/mariadb-pass && env -u REDIS_URL VAR_DIR=$PWD/var/mariadb-pass DATABASE_URL=$MARIADB_URL $PY -m pytest -p no:cacheprovider -q -m 'not postgres and not e2e' ${SUBSET[*]}")
fi
if [ "${#SIDE_BY_SIDE[@]}" -gt 0 ]; then
  parallel
fi
if [ -n "${ALONE_AFTER:-}" ]; then
  run "default configuration: the process tests (scripts/run.sh), alone" \
    env -u DATABASE_URL -u REDIS_URL "$PY" -m pytest -p no:cacheprovider -q -m process tests
fi
if [[ "${DATABASE_URL:-}" == postgres* ]]; then
  run "backup and restore drill on PostgreSQL (demo data: scripts/backup.sh, scripts/restore_drill.sh)" backup_drill
fi
if [ "$(id -u)" = 0 ] && [ "${MULTIHOST:-1}" != 0 ]; then
  # The production layout on three network-namespace hosts (root only; MULTIHOST=0 skips).
  run "three hosts: nginx, two application hosts, a data host (scripts/multihost.sh)" \
    env PY="$PY" bash scripts/multihost.sh
fi
