#!/usr/bin/env bash
# Back up the database (DATABASE_URL) and the uploaded files (MEDIA_ROOT) into a new
# directory under DEST (argument, or BACKUP_DIR, default var/backups):
#   database.dump (PostgreSQL, pg_dump custom format) | database.sql.gz (MySQL/MariaDB) |
#   database.sqlite3, media.tar.gz, SHA256SUMS, manifest.json (SHA-256s, row counts).
# Prints the directory. ENV_FILE=/etc/zjcs/zjcs.env reads the installation's environment
# (the systemd units' EnvironmentFile). Prove every backup with scripts/restore_drill.sh.
#   cron: 30 2 * * *  zjcs  ENV_FILE=/etc/zjcs/zjcs.env /opt/zjcs/scripts/backup.sh /srv/backups
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
if [ -n "${ENV_FILE:-}" ]; then
  while IFS= read -r line; do
    [[ $line =~ ^([A-Z_][A-Z0-9_]*)=(.*)$ ]] && export "${BASH_REMATCH[1]}=${BASH_REMATCH[2]}"
  done <"$ENV_FILE"
fi
DEST=${1:-${BACKUP_DIR:-var/backups}}
mkdir -p "$DEST"
out=$("$PY" manage.py backup_create --dest "$DEST")
(cd "$out" && sha256sum -c --quiet SHA256SUMS) || { echo "backup: $out does not match its SHA256SUMS" >&2; exit 1; }
echo "$out"
