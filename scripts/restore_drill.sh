#!/usr/bin/env bash
# Prove a backup: restore it into a fresh database and a fresh media directory, then check
# the copy (manage.py backup_verify): the audit chains, the row count of every table
# against the source's (manifest.json), and every stored file's SHA-256 against its
# Document record. Drops the drill database and removes the directory afterwards, also on
# failure. Exit 0 only if everything matches.
#   scripts/restore_drill.sh [BACKUP_DIR]   (default: the newest under var/backups)
# The drill database goes on the server of RESTORE_DATABASE_URL (default DATABASE_URL),
# named yczjcs_drill_<time>_<pid>; the source database is only read by nobody here.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
START=$(date +%s)
if [ -n "${ENV_FILE:-}" ]; then
  while IFS= read -r line; do
    [[ $line =~ ^([A-Z_][A-Z0-9_]*)=(.*)$ ]] && export "${BASH_REMATCH[1]}=${BASH_REMATCH[2]}"
  done <"$ENV_FILE"
fi
DIR=${1:-$(ls -d "${BACKUP_DIR:-var/backups}"/yczjcs-* 2>/dev/null | sort | tail -1 || true)}
[ -n "$DIR" ] && [ -f "$DIR/manifest.json" ] || { echo "restore drill: no backup directory (with manifest.json) given" >&2; exit 1; }
DIR=$(cd "$DIR" && pwd)

echo "restore drill: $DIR"
(cd "$DIR" && sha256sum -c --quiet SHA256SUMS) || { echo "restore drill: files differ from SHA256SUMS" >&2; exit 1; }

WORK=$(mktemp -d /tmp/yczjcs-drill.XXXXXX)
NAME=yczjcs_drill_$(date +%Y%m%d%H%M%S)_$$
ENGINE=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["engine"])' "$DIR/manifest.json")
if [ "$ENGINE" = sqlite ]; then
  DRILL_URL="sqlite:///$WORK/$NAME.sqlite3"
else
  BASE=${RESTORE_DATABASE_URL:-${DATABASE_URL:?set DATABASE_URL or RESTORE_DATABASE_URL}}
  DRILL_URL=$("$PY" -c 'import sys; from urllib.parse import urlsplit, urlunsplit
u = urlsplit(sys.argv[1]); print(urlunsplit(u._replace(path="/" + sys.argv[2])))' "$BASE" "$NAME")
fi

created=
cleanup() {
  local rc=$?
  set +e
  [ -n "$created" ] && "$PY" manage.py backup_restore --drop --database-url "$DRILL_URL"
  rm -rf "$WORK"
  if [ "$rc" = 0 ]; then echo "restore drill: passed in $(( $(date +%s) - START )) s"
  else echo "restore drill: FAILED (exit $rc) after $(( $(date +%s) - START )) s" >&2; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

created=1
"$PY" manage.py backup_restore "$DIR" --database-url "$DRILL_URL" --media-root "$WORK/media"
DATABASE_URL=$DRILL_URL MEDIA_ROOT=$WORK/media "$PY" manage.py backup_verify --manifest "$DIR/manifest.json" \
  --media-root "$WORK/media"
