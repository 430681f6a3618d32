#!/usr/bin/env bash
# Start the whole platform for local use and keep it up: Daphne (HTTP + websockets) and a
# Celery worker with an embedded beat, each in a session (process group) of its own.
#
# - Supervision: a process that exits is started again after a back-off (1 s, doubling up
#   to 30 s; back to 1 s once it had run for a minute). A dead worker never takes Daphne
#   down, nor the other way round. Each restart is a line in $VAR_DIR/run.log.
# - Stop: Ctrl-C, SIGTERM or SIGHUP stop everything within 10 s: SIGTERM to each main
#   process (Celery's warm shutdown hands unacknowledged messages back to the broker,
#   Daphne closes its sockets), then SIGKILL to each whole process group after STOP_GRACE
#   seconds (default 6). Ctrl-C reaches this script only: the children have sessions of
#   their own, because a SIGINT that also hits Celery's pool processes can leave the worker
#   waiting forever on a lock a dead pool process held.
#
# Environment: PORT (8000), HOST (127.0.0.1), VAR_DIR (var), PY (.venv/bin/python),
# RUN_DEMO (1: print the demo logins and schedule a demo auction), STOP_GRACE (6).
set -uo pipefail  # no -e: a child's failure must never end the supervisor
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
PORT=${PORT:-8000}
HOST=${HOST:-127.0.0.1}
STOP_GRACE=${STOP_GRACE:-6}
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-config.settings.dev}
mkdir -p "${VAR_DIR:-var}/mail"
VAR_DIR=$(cd "${VAR_DIR:-var}" && pwd)
export VAR_DIR

declare -A pid=() started=() backoff=() due=() restarts=()
stopping=0

note() { echo "[$(date '+%F %T')] $*" >>"$VAR_DIR/run.log"; }

start() {  # start NAME: launch it in a new session, remember its pid (= its process group)
  local name=$1
  case $name in
    celery) setsid "$PY" -m celery -A config worker -B --loglevel=WARNING --concurrency=2 \
              --without-heartbeat --without-mingle --without-gossip \
              --schedule="$VAR_DIR/celerybeat-schedule" >>"$VAR_DIR/celery.log" 2>&1 & ;;
    daphne) setsid "$PY" -m daphne -b "$HOST" -p "$PORT" config.asgi:application \
              >>"$VAR_DIR/daphne.log" 2>&1 & ;;
  esac
  pid[$name]=$!
  started[$name]=$SECONDS
  note "$name started (pid ${pid[$name]})"
}

alive() { [[ -n ${pid[$1]:-} ]] && kill -0 "${pid[$1]}" 2>/dev/null; }

reap() {  # reap NAME after it exited: kill what is left of its group, schedule the restart
  local name=$1 status ran
  wait "${pid[$name]}" 2>/dev/null; status=$?
  kill -KILL -- "-${pid[$name]}" 2>/dev/null  # its pool processes and embedded beat
  ran=$((SECONDS - started[$name]))
  (( ran >= 60 )) && backoff[$name]=1
  restarts[$name]=$(( ${restarts[$name]:-0} + 1 ))
  note "$name exited (status $status) after ${ran} s; restart ${restarts[$name]} in ${backoff[$name]:-1} s"
  echo "$name exited (status $status); restarting in ${backoff[$name]:-1} s (see $VAR_DIR/run.log)" >&2
  due[$name]=$(( SECONDS + ${backoff[$name]:-1} ))
  backoff[$name]=$(( ${backoff[$name]:-1} * 2 > 30 ? 30 : ${backoff[$name]:-1} * 2 ))
  pid[$name]=""
}

stop_all() {
  trap '' INT TERM HUP
  note "stopping"
  local name
  for name in celery daphne; do
    alive "$name" && kill -TERM "${pid[$name]}" 2>/dev/null
  done
  # The grace is wall-clock time: on a busy machine 60 rounds of "sleep 0.1" took 9 s.
  local deadline=$(( ${EPOCHREALTIME/[.,]/} + STOP_GRACE * 1000000 ))
  while (( ${EPOCHREALTIME/[.,]/} < deadline )); do
    alive celery || alive daphne || break
    sleep 0.1
  done
  for name in celery daphne; do
    alive "$name" && note "$name still running after ${STOP_GRACE} s: killed"
    [[ -n ${pid[$name]:-} ]] && kill -KILL -- "-${pid[$name]}" 2>/dev/null
  done
  wait 2>/dev/null
  note "stopped"
}

trap 'stopping=1' INT TERM HUP
note "run.sh on $HOST:$PORT, VAR_DIR=$VAR_DIR"
start celery
start daphne

for _ in $(seq 1 100); do
  (( stopping )) && break
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://$HOST:$PORT/healthz" 2>/dev/null)
  [[ $code == 200 || $code == 503 ]] && break
  sleep 0.2
done
if (( ! stopping )) && [[ ${RUN_DEMO:-1} == 1 ]]; then
  "$PY" manage.py demo_logins --url "http://$HOST:$PORT"
  "$PY" manage.py demo_auction --url "http://$HOST:$PORT" || echo "(no demo auction scheduled)"
  echo "Logs: $VAR_DIR/daphne.log, celery.log, run.log; mail is written to $VAR_DIR/mail/. Ctrl-C stops."
fi

while (( ! stopping )); do
  sleep 1 &
  wait $! 2>/dev/null  # a trapped signal ends the wait at once
  for name in celery daphne; do
    (( stopping )) && break
    if [[ -n ${pid[$name]} ]] && ! alive "$name"; then
      reap "$name"
    fi
    if [[ -z ${pid[$name]} ]] && (( SECONDS >= due[$name] )); then
      start "$name"
    fi
  done
done
stop_all
