#!/usr/bin/env bash
# The production profile on one machine: PostgreSQL tracker store, Redis lock
# store, one action server, two Rasa servers and nginx in front, all from
# Debian packages, all on loopback, in the foreground. Ctrl-C (or any service
# stopping) stops them all. docs/deploy.md maps this onto real infrastructure.
#
# Settings, all optional:
#   HOST                 interface of every service            (127.0.0.1)
#   CLUSTER_PORT         nginx: web chat, REST, socketio       (8080)
#   RASA_PORTS           the Rasa servers, space-separated     (5006 5007)
#   ACTION_PORT          action server                         (5055)
#   WEB_PORT             web chat page, behind nginx           (8001)
#   DB_PORT, REDIS_PORT  PostgreSQL, Redis                     (5433, 6380)
#   CLUSTER_STATE        data, logs and generated secrets      (var/cluster)
#   DB_PASSWORD, REDIS_PASSWORD  generated once into $CLUSTER_STATE/secrets.env if unset
#   ACTION_TIMEOUT_SECONDS, CORS_ORIGINS  as for scripts/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

HOST=${HOST:-127.0.0.1}
CLUSTER_PORT=${CLUSTER_PORT:-8080}
read -r -a RASA_PORTS <<< "${RASA_PORTS:-5006 5007}"
ACTION_PORT=${ACTION_PORT:-5055}
WEB_PORT=${WEB_PORT:-8001}
DB_PORT=${DB_PORT:-5433}
REDIS_PORT=${REDIS_PORT:-6380}
STATE=$(realpath -m "${CLUSTER_STATE:-var/cluster}")
CORS_ORIGINS=${CORS_ORIGINS:-http://localhost:$CLUSTER_PORT http://127.0.0.1:$CLUSTER_PORT}
export RASA_TELEMETRY_ENABLED=false PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
export SANIC_HOST=$HOST

PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
for needed in "$PG_BIN/postgres" redis-server nginx; do
  if ! command -v "$needed" >/dev/null 2>&1; then
    echo "Missing $needed: run 'make setup-cluster' (Debian packages postgresql, redis-server, nginx)." >&2
    exit 1
  fi
done
if ! ls models/*.tar.gz >/dev/null 2>&1; then
  echo "No trained model in models/: run 'make train' first." >&2
  exit 1
fi

mkdir -p "$STATE"/{nginx,logs,pids} "$STATE"/nginx/{body,proxy,fastcgi,uwsgi,scgi}
chmod 700 "$STATE"
if [ "$(id -u)" -eq 0 ]; then
  chmod 711 "$STATE"   # the postgres user reaches its own folder, without listing the others
  if ! runuser -u postgres -- test -x "$STATE"; then
    echo "The postgres user cannot reach $STATE: set CLUSTER_STATE to a folder whose parents it can enter." >&2
    exit 1
  fi
fi

# Secrets: from the environment, else generated once and kept out of the
# repository (the database keeps the password it was created with, and
# tests read it from secrets.env).
if [ ! -f "$STATE/secrets.env" ]; then
  umask 077
  {
    echo "DB_PASSWORD=${DB_PASSWORD:-$(head -c 18 /dev/urandom | base64 | tr -d '/+=')}"
    echo "REDIS_PASSWORD=${REDIS_PASSWORD:-$(head -c 18 /dev/urandom | base64 | tr -d '/+=')}"
  } > "$STATE/secrets.env"
  umask 022
fi
DB_PASSWORD_FROM_ENV=${DB_PASSWORD:-} REDIS_PASSWORD_FROM_ENV=${REDIS_PASSWORD:-}
# shellcheck disable=SC1091
source "$STATE/secrets.env"
DB_PASSWORD=${DB_PASSWORD_FROM_ENV:-$DB_PASSWORD}
REDIS_PASSWORD=${REDIS_PASSWORD_FROM_ENV:-$REDIS_PASSWORD}
export DB_PASSWORD REDIS_PASSWORD
export DB_HOST=$HOST DB_PORT DB_NAME=${DB_NAME:-rasa} DB_USER=${DB_USER:-rasa}
export REDIS_HOST=$HOST REDIS_PORT
export ACTION_SERVER_URL="http://$HOST:$ACTION_PORT/webhook"

# PostgreSQL refuses to run as root: as root, it runs as the 'postgres' user.
as_db_owner=()
if [ "$(id -u)" -eq 0 ]; then
  as_db_owner=(runuser -u postgres --)
fi
PGDATA=$STATE/pgdata
pids=()        # services whose end stops the cluster
rasa_pids=()   # Rasa servers: one may stop, nginx sends its traffic to the others
stop() {
  trap - INT TERM EXIT
  kill -TERM "${pids[@]}" "${rasa_pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" "${rasa_pids[@]}" 2>/dev/null || true
  if [ -f "$PGDATA/postmaster.pid" ]; then
    "${as_db_owner[@]}" "$PG_BIN/pg_ctl" -D "$PGDATA" stop -m fast >/dev/null 2>&1 || true
  fi
}
trap stop INT TERM EXIT

if [ ! -f "$PGDATA/PG_VERSION" ]; then
  echo "Creating the PostgreSQL database in $PGDATA"
  mkdir -p "$PGDATA"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$PGDATA"
  fi
  chmod 700 "$PGDATA"
  "${as_db_owner[@]}" "$PG_BIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 >/dev/null
  # Local superuser by socket only; the Rasa servers log in with a password over TCP.
  printf 'local all postgres trust\nhost %s %s 127.0.0.1/32 scram-sha-256\n' "$DB_NAME" "$DB_USER" \
    > "$PGDATA/pg_hba.conf"
  new_database=true
fi
touch "$STATE/logs/postgresql.log"
if [ "$(id -u)" -eq 0 ]; then
  chown postgres: "$STATE/logs/postgresql.log"
fi
"${as_db_owner[@]}" "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$STATE/logs/postgresql.log" -w start \
  -o "-c listen_addresses=$HOST -p $DB_PORT -k $PGDATA" >/dev/null
psql_admin() { "${as_db_owner[@]}" "$PG_BIN/psql" -h "$PGDATA" -p "$DB_PORT" -U postgres -qAt "$@"; }
if [ "${new_database:-false}" = true ]; then
  psql_admin -c "CREATE ROLE $DB_USER LOGIN PASSWORD '$DB_PASSWORD'" -c "CREATE DATABASE $DB_NAME OWNER $DB_USER"
fi
psql_admin -c "ALTER ROLE $DB_USER PASSWORD '$DB_PASSWORD'"

redis-server --bind "$HOST" --port "$REDIS_PORT" --requirepass "$REDIS_PASSWORD" \
  --save "" --appendonly no --logfile "$STATE/logs/redis.log" &
pids+=($!)

.venv/bin/rasa run actions --actions actions --port "$ACTION_PORT" > "$STATE/logs/actions.log" 2>&1 &
pids+=($!)

# Rasa creates its tables at start; do it once here, not in two servers at the same time.
.venv/bin/python -m deploy.create_tracker_tables deploy/endpoints.cluster.yml

# A conversation's lock (Redis) outlives a Rasa server killed in the middle of
# a turn: the other servers wait this long before taking the conversation over.
# Longer than any turn (ACTION_TIMEOUT_SECONDS included); Rasa's default is 60 s.
export TICKET_LOCK_LIFETIME=${TICKET_LOCK_LIFETIME:-10}

rasa_servers=""
for index in "${!RASA_PORTS[@]}"; do
  port=${RASA_PORTS[$index]}
  .venv/bin/rasa run --model models --endpoints deploy/endpoints.cluster.yml --credentials credentials.yml \
    --interface "$HOST" --port "$port" --cors $CORS_ORIGINS > "$STATE/logs/rasa-$((index + 1)).log" 2>&1 &
  rasa_pids+=($!)
  echo "$!" > "$STATE/pids/rasa-$((index + 1)).pid"
  rasa_servers+="server $HOST:$port max_fails=1 fail_timeout=10s; "
done

HOST=$HOST RASA_PORT=${RASA_PORTS[0]} WEB_PORT=$WEB_PORT BOT_URL="http://localhost:$CLUSTER_PORT" \
  .venv/bin/python web/serve.py > "$STATE/logs/web.log" 2>&1 &
pids+=($!)

sed -e "s|@STATE@|$STATE|g" -e "s|@HOST@|$HOST|g" -e "s|@PORT@|$CLUSTER_PORT|g" \
  -e "s|@WEB_PORT@|$WEB_PORT|g" -e "s|@RASA_SERVERS@|$rasa_servers|g" \
  deploy/nginx.conf.template > "$STATE/nginx/nginx.conf"
nginx -c "$STATE/nginx/nginx.conf" -p "$STATE/nginx" -e "$STATE/nginx/error.log" -g "daemon off;" &
pids+=($!)

echo "Cluster starting: http://localhost:$CLUSTER_PORT (web chat, /webhooks/rest/webhook, /socket.io)," \
  "Rasa servers on ${RASA_PORTS[*]}, logs in $STATE/logs (Ctrl-C to stop)"
# A Rasa server that stops is not restarted here (in production the
# orchestrator does it); the cluster stops when any other service stops.
set +e
wait -n "${pids[@]}"
status=$?
stop
exit "$status"
