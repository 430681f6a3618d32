#!/usr/bin/env bash
# The production layout on three hosts, on this machine: network namespaces joined by a
# bridge (iproute2), started from the files in deploy/ (nginx site, systemd units, env
# file, rendered by deploy/render.py), then a live auction across them
# (tests/deploy/test_multihost.py):
#
#   root namespace: nginx (TLS) on 127.0.0.1:$PORT ── bridge zb<id> 10.231.N.1/24
#     ├── host A  10.231.N.11  zjcs-daphne@8001 + zjcs-celery-worker
#     ├── host B  10.231.N.12  zjcs-daphne@8001 + zjcs-celery-worker
#     └── data    10.231.N.3   PostgreSQL 15 (own cluster) + Redis + zjcs-celery-beat
#
# Root only (namespaces). Installs Debian's nginx if absent. Removes every namespace,
# process and file it made, on success and on failure (KEEP=1 keeps the files).
# Usage: PY=.venv/bin/python bash scripts/multihost.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PY=${PY:-$ROOT/.venv/bin/python}
START=$(date +%s)

die() { echo "multihost: FATAL: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
[ -x "$PY" ] || die "no Python at $PY (set PY)"
PY=$(cd "$(dirname "$PY")" && pwd)/$(basename "$PY")  # absolute: the units run elsewhere
command -v ip >/dev/null || die "iproute2 (ip) is missing"
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$PGBIN/initdb" ] || die "PostgreSQL server binaries are missing"
command -v redis-server >/dev/null || die "redis-server is missing"

if ! command -v nginx >/dev/null; then
  echo "multihost: installing Debian's nginx"
  guard=
  if [ ! -e /usr/sbin/policy-rc.d ]; then  # do not let the package start a server on :80
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && guard=1
  fi
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null
  [ -n "$guard" ] && rm -f /usr/sbin/policy-rc.d
  command -v nginx >/dev/null || die "nginx could not be installed"
fi

ID=$$
NET=10.231.$((ID % 200 + 20))
BR=zb$ID
NS_A=zjcs$ID-a NS_B=zjcs$ID-b NS_DATA=zjcs$ID-data
IP_A=$NET.11 IP_B=$NET.12 IP_DATA=$NET.3
PORT_BASE=${TEST_PORT_BASE:-8600}
HTTPS_PORT=${MULTIHOST_PORT:-$((PORT_BASE + 90))}
HTTP_PORT=$((HTTPS_PORT + 1))
WORK=$(mktemp -d /tmp/zjcs-multihost.XXXXXX)
chmod 755 "$WORK"
LOGS=$WORK/logs
mkdir -p "$LOGS" "$WORK/etc" "$WORK/state" "$WORK/media" "$WORK/static" "$WORK/tls" "$WORK/nginx"
ip -o addr show | grep -q " $NET\." && die "network $NET.0/24 is already in use here"

exec 3>&1 4>&2  # the script's own output, for the cleanup (a trap runs with the redirections
                # of the command it interrupted, e.g. a log file about to be removed)
cleanup() {
  local rc=$?
  set +e
  exec 1>&3 2>&4
  trap - EXIT INT TERM
  [ -f "$WORK/nginx/nginx.pid" ] && kill "$(cat "$WORK/nginx/nginx.pid")" 2>/dev/null
  [ -d "$WORK/pg" ] && ip netns exec "$NS_DATA" setpriv --reuid=postgres --regid=postgres --init-groups \
    "$PGBIN/pg_ctl" -D "$WORK/pg" -m immediate stop >/dev/null 2>&1
  for ns in "$NS_A" "$NS_B" "$NS_DATA"; do
    pids=$(ip netns pids "$ns" 2>/dev/null)
    [ -n "$pids" ] && kill -9 $pids 2>/dev/null
  done
  for _ in $(seq 1 50); do
    left=$(for ns in "$NS_A" "$NS_B" "$NS_DATA"; do ip netns pids "$ns" 2>/dev/null; done)
    [ -z "$left" ] && break
    sleep 0.1
  done
  for ns in "$NS_A" "$NS_B" "$NS_DATA"; do ip netns del "$ns" 2>/dev/null; done
  ip link del "$BR" 2>/dev/null
  [ -f "$WORK/pgsock/postgresql.log" ] && cp "$WORK/pgsock/postgresql.log" "$LOGS/data-postgresql.log"
  if [ "$rc" != 0 ]; then
    echo "multihost: FAILED (exit $rc); last lines of each log:" >&2
    for f in "$LOGS"/*; do [ -s "$f" ] && { echo "----- $(basename "$f")" >&2; tail -n 25 "$f" | cut -c1-600 >&2; }; done
  fi
  if [ "${KEEP:-0}" = 1 ]; then echo "multihost: files kept in $WORK"; else rm -rf "$WORK"; fi
  echo "multihost: cleaned up after $(( $(date +%s) - START )) s"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the network: one bridge in the root namespace, one veth per host -------------------
ip link add "$BR" type bridge
ip addr add "$NET.1/24" dev "$BR"
ip link set "$BR" up
for host in A B DATA; do
  ns_var=NS_$host ip_var=IP_$host
  ns=${!ns_var} ip=${!ip_var}
  ip netns add "$ns"
  veth=zv$ID$(echo "$host" | cut -c1 | tr 'A-Z' 'a-z')
  ip link add "$veth" type veth peer name eth0 netns "$ns"
  ip link set "$veth" master "$BR" up
  ip -n "$ns" addr add "$ip/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" link set lo up
done

# --- the data host: a PostgreSQL cluster and a Redis of its own --------------------------
install -d -o postgres -g postgres "$WORK/pg" "$WORK/pgsock"
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }
as_postgres "$PGBIN/initdb" -D "$WORK/pg" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$LOGS/initdb.log" 2>&1 \
  || die "initdb failed"
echo "host all all $NET.0/24 trust" >>"$WORK/pg/pg_hba.conf"
ip netns exec "$NS_DATA" setpriv --reuid=postgres --regid=postgres --init-groups \
  "$PGBIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pgsock/postgresql.log" -w -t 30 \
  -o "-c listen_addresses=$IP_DATA -c port=5432 -c unix_socket_directories=$WORK/pgsock -c max_connections=200" \
  start >/dev/null || die "PostgreSQL did not start on the data host"
"$PGBIN/psql" -q -h "$IP_DATA" -U postgres -c "CREATE ROLE zjcs LOGIN" -c "CREATE DATABASE zjcs OWNER zjcs" \
  || die "cannot create the database on the data host"
ip netns exec "$NS_DATA" redis-server --bind "$IP_DATA" --port 6379 --save "" --appendonly no \
  --protected-mode no >"$LOGS/data-redis.log" 2>&1 &
disown
for _ in $(seq 1 50); do redis-cli -h "$IP_DATA" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
redis-cli -h "$IP_DATA" ping | grep -q PONG || die "Redis did not start on the data host"
for ns in "$NS_A" "$NS_B"; do
  ip netns exec "$ns" redis-cli -h "$IP_DATA" ping | grep -q PONG || die "$ns cannot reach the data host"
done

# --- the deploy/ files, rendered for these hosts -------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=zjcs-multihost" \
  -addext "subjectAltName=IP:127.0.0.1" -keyout "$WORK/tls/key.pem" -out "$WORK/tls/cert.pem" 2>/dev/null \
  || die "openssl could not make a certificate"
SECRET=$("$PY" -c "import secrets; print(secrets.token_urlsafe(40))")
vars() { # host address -> the vars file of that host
  cat <<EOF
APP_DIR=$ROOT
VENV=$(dirname "$(dirname "$PY")")
USER=root
GROUP=root
ENV_FILE=$WORK/etc/zjcs.env
STATE_DIR=$WORK/state
BIND=$1
WORKER_CONCURRENCY=1
SERVER_NAME=127.0.0.1
HTTP_LISTEN=127.0.0.1:$HTTP_PORT
HTTPS_LISTEN=127.0.0.1:$HTTPS_PORT
TLS_CERT=$WORK/tls/cert.pem
TLS_KEY=$WORK/tls/key.pem
STATIC_ROOT=$WORK/static
NGINX_LOG_DIR=$LOGS
APP_SERVERS=$IP_A:8001 $IP_B:8001
SECRET_KEY=$SECRET
DATABASE_URL=postgres://zjcs@$IP_DATA:5432/zjcs
REDIS_URL=redis://$IP_DATA:6379/0
ALLOWED_HOSTS=127.0.0.1,$IP_A,$IP_B
CSRF_TRUSTED_ORIGINS=https://127.0.0.1:$HTTPS_PORT
MEDIA_ROOT=$WORK/media
METRICS_ALLOWED_NETWORKS=$NET.1
LOG_FORMAT=json
LOG_LEVEL=INFO
EOF
}
render() { "$PY" deploy/render.py "$1" "$2" >"$3" || die "cannot render $2"; }
for host in a b data; do
  case $host in a) ip=$IP_A ;; b) ip=$IP_B ;; data) ip=$IP_DATA ;; esac
  vars "$ip" >"$WORK/etc/$host.vars"
  mkdir -p "$WORK/etc/$host"
  for unit in deploy/systemd/*.service; do render "$WORK/etc/$host.vars" "$unit" "$WORK/etc/$host/$(basename "$unit")"; done
done
render "$WORK/etc/a.vars" deploy/zjcs.env.in "$WORK/etc/zjcs.env"
# The auction beat every second, so a close is due within a second of the end.
echo "AUCTION_SWEEP_SECONDS=1" >>"$WORK/etc/zjcs.env"
render "$WORK/etc/a.vars" deploy/nginx/zjcs.conf "$WORK/nginx/zjcs.conf"

# Start a rendered systemd unit the way systemd would (no systemd here): its
# EnvironmentFile (KEY=VALUE, no shell), WorkingDirectory and ExecStart with %i and %H,
# inside the host's namespace.
unit_start() { # namespace, unit file, instance, host name, log
  local ns=$1 unit=$2 instance=$3 hostname=$4 log=$5 cmd workdir envfile key value
  cmd=$(sed -n 's/^ExecStart=//p' "$unit")
  workdir=$(sed -n 's/^WorkingDirectory=//p' "$unit")
  envfile=$(sed -n 's/^EnvironmentFile=-\{0,1\}//p' "$unit")
  cmd=${cmd//%i/$instance}
  cmd=${cmd//%H/$hostname}
  (
    cd "$workdir"
    local -a environment=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME=/root)
    while IFS= read -r line; do
      [[ $line =~ ^([A-Z_][A-Z0-9_]*)=(.*)$ ]] && environment+=("${BASH_REMATCH[1]}=${BASH_REMATCH[2]}")
    done <"$envfile"
    # As systemd does: nothing of this script's environment, only the EnvironmentFile's.
    # shellcheck disable=SC2086
    exec env -i "${environment[@]}" ip netns exec "$ns" $cmd
  ) >"$log" 2>&1 &
  echo "multihost: $hostname: $(basename "$unit" .service)$instance (pid $!)"
  disown
}
env_run() { # command with the rendered environment, in the root namespace
  (
    while IFS= read -r line; do
      [[ $line =~ ^([A-Z_][A-Z0-9_]*)=(.*)$ ]] && export "${BASH_REMATCH[1]}=${BASH_REMATCH[2]}"
    done <"$WORK/etc/zjcs.env"
    "$@"
  )
}

env_run "$PY" manage.py migrate --noinput >"$LOGS/migrate.log" 2>&1 || die "migrate failed"
env_run "$PY" manage.py collectstatic --noinput >"$LOGS/collectstatic.log" 2>&1 || die "collectstatic failed"
echo "multihost: data host ready (migrated) after $(( $(date +%s) - START )) s"

unit_start "$NS_DATA" "$WORK/etc/data/zjcs-celery-beat.service" "" data "$LOGS/data-beat.log"
for host in a b; do
  ns_var=NS_$(echo $host | tr a-z A-Z) ip_var=IP_$(echo $host | tr a-z A-Z)
  unit_start "${!ns_var}" "$WORK/etc/$host/zjcs-daphne@.service" 8001 "app-$host" "$LOGS/app-$host-daphne-8001.log"
  unit_start "${!ns_var}" "$WORK/etc/$host/zjcs-celery-worker.service" "" "app-$host" "$LOGS/app-$host-worker.log"
done

mkdir -p "$WORK/nginx/tmp"
cat >"$WORK/nginx/nginx.conf" <<EOF
# The front host's main nginx.conf (test harness); the site is deploy/nginx/zjcs.conf.
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $LOGS/nginx-main-error.log warn;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    client_body_temp_path $WORK/nginx/tmp/body;
    proxy_temp_path $WORK/nginx/tmp/proxy;
    fastcgi_temp_path $WORK/nginx/tmp/fastcgi;
    uwsgi_temp_path $WORK/nginx/tmp/uwsgi;
    scgi_temp_path $WORK/nginx/tmp/scgi;
    include $WORK/nginx/zjcs.conf;
}
EOF
nginx -t -c "$WORK/nginx/nginx.conf" >"$LOGS/nginx-t.log" 2>&1 || { cat "$LOGS/nginx-t.log"; die "nginx rejects the site"; }
nginx -c "$WORK/nginx/nginx.conf" || die "nginx did not start"

for ip in "$IP_A" "$IP_B"; do
  ok=
  for _ in $(seq 1 150); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://$ip:8001/healthz" || true)
    [ "$code" = 200 ] || [ "$code" = 503 ] && { ok=1; break; }
    sleep 0.2
  done
  [ -n "$ok" ] || die "Daphne on $ip:8001 did not answer"
done
echo "multihost: all hosts up after $(( $(date +%s) - START )) s"

set +e
env_run env MULTIHOST=1 MULTIHOST_URL="https://127.0.0.1:$HTTPS_PORT" MULTIHOST_CA="$WORK/tls/cert.pem" \
  MULTIHOST_NS_A="$NS_A" MULTIHOST_VETH_A="zv${ID}a" MULTIHOST_IP_A="$IP_A" MULTIHOST_IP_B="$IP_B" \
  MULTIHOST_LOGS="$LOGS" DJANGO_SETTINGS_MODULE=config.settings.test \
  "$PY" -m pytest -p no:cacheprovider -q -s -m multihost tests/deploy "$@"
rc=$?
set -e
echo "multihost: finished in $(( $(date +%s) - START )) s"
exit $rc
