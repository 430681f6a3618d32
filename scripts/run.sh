#!/usr/bin/env bash
# Start the whole platform for local use: Daphne (HTTP + websockets) and a Celery worker
# with an embedded beat. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
PORT=${PORT:-8000}
HOST=${HOST:-127.0.0.1}
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-config.settings.dev}
mkdir -p var/celery/queue var/celery/processed var/mail

pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

"$PY" -m celery -A config worker -B --loglevel=WARNING --concurrency=2 \
  --schedule=var/celerybeat-schedule >var/celery.log 2>&1 &
pids+=($!)
"$PY" -m daphne -b "$HOST" -p "$PORT" config.asgi:application >var/daphne.log 2>&1 &
pids+=($!)

for _ in $(seq 1 50); do
  if curl -fsS -o /dev/null "http://$HOST:$PORT/healthz" 2>/dev/null || curl -s -o /dev/null -w '%{http_code}' "http://$HOST:$PORT/healthz" 2>/dev/null | grep -q 503; then
    break
  fi
  sleep 0.2
done
"$PY" manage.py demo_logins --url "http://$HOST:$PORT"
"$PY" manage.py demo_auction --url "http://$HOST:$PORT" || echo "(no demo auction scheduled)"
echo "Logs: var/daphne.log, var/celery.log; mail is written to var/mail/. Ctrl-C stops."
wait -n "${pids[@]}"
