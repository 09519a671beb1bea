#!/usr/bin/env bash
# The production profile on one machine: PostgreSQL tracker store, Redis lock
# store, one action server, two Rasa servers and nginx in front, all from
# Debian packages, all on loopback, in the foreground. Ctrl-C (or any service
# stopping) stops them all. docs/deploy.md maps this onto real infrastructure.
#
# Settings, all optional:
#   HOST                 interface of every service            (127.0.0.1)
#   CLUSTER_PORT         nginx, public: web chat and socketio  (8080)
#   CLUSTER_REST_PORT    nginx, internal: REST for integrators (8081)
#   RASA_PORTS           the Rasa servers, space-separated     (5006 5007)
#   ACTION_PORT          action server                         (5055)
#   WEB_PORT             web chat page, behind nginx           (8001)
#   DB_PORT, REDIS_PORT  PostgreSQL, Redis                     (5433, 6380)
#   CLUSTER_STATE        data, logs and generated secrets      (var/cluster)
#   DB_PASSWORD, REDIS_PASSWORD, REST_TOKEN  generated once into $CLUSTER_STATE/secrets.env if unset
#   LOG_RETENTION_DAYS   rotated nginx logs kept this long     (14)
#
# PostgreSQL and Redis accept TLS connections only, with certificates of a
# local CA generated into $CLUSTER_STATE/tls at the first start; the clients
# verify them (sslmode=verify-full, Redis TLS with host name check). Redis has
# no default user: the Rasa servers log in as the ACL user 'rasa', limited to
# the lock keys and the commands the lock store uses. No secret is ever on a
# command line: passwords go through files (mode 600), stdin or the environment.
#   ACTION_TIMEOUT_SECONDS, CORS_ORIGINS  as for scripts/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

HOST=${HOST:-127.0.0.1}
CLUSTER_PORT=${CLUSTER_PORT:-8080}
CLUSTER_REST_PORT=${CLUSTER_REST_PORT:-8081}
LOG_RETENTION_DAYS=${LOG_RETENTION_DAYS:-14}
read -r -a RASA_PORTS <<< "${RASA_PORTS:-5006 5007}"
ACTION_PORT=${ACTION_PORT:-5055}
WEB_PORT=${WEB_PORT:-8001}
DB_PORT=${DB_PORT:-5433}
REDIS_PORT=${REDIS_PORT:-6380}
STATE=$(realpath -m "${CLUSTER_STATE:-var/cluster}")
CORS_ORIGINS=${CORS_ORIGINS:-http://localhost:$CLUSTER_PORT http://127.0.0.1:$CLUSTER_PORT}
export RASA_TELEMETRY_ENABLED=false PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
export SANIC_HOST=$HOST CORS_ORIGINS
# The Rasa servers are behind nginx: the client's address is the one nginx
# puts in X-Forwarded-For (socketio's connections-per-address limit).
export SANIC_PROXIES_COUNT=1

PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
for needed in "$PG_BIN/postgres" redis-server nginx openssl; do
  if ! command -v "$needed" >/dev/null 2>&1; then
    echo "Missing $needed: run 'make setup-cluster' (Debian packages postgresql, redis-server, nginx)." >&2
    exit 1
  fi
done
if ! ls models/*.tar.gz >/dev/null 2>&1; then
  echo "No trained model in models/: run 'make train' first." >&2
  exit 1
fi

# The folders above the state folder (var/ on a fresh clone) with the usual permissions: the
# postgres user and nginx's workers pass through them.
(umask 022 && mkdir -p "$(dirname "$STATE")")
# Logs, secrets and keys are for the operator only (nothing world-readable).
umask 077
mkdir -p "$STATE"/{nginx,logs,pids,tls} "$STATE"/nginx/{body,proxy,fastcgi,uwsgi,scgi}
chmod 700 "$STATE" "$STATE"/{nginx,logs,pids,tls}
# Rotation: the logs of the previous run are kept under their date and
# deleted after LOG_RETENTION_DAYS; a long-running host rotates them with
# deploy/logrotate.conf.
for log in "$STATE"/nginx/access.log "$STATE"/nginx/error.log "$STATE"/logs/*.log; do
  if [ -s "$log" ]; then
    mv "$log" "$log.$(date -u +%Y%m%dT%H%M%S)"
  fi
done
find "$STATE/nginx" "$STATE/logs" -name '*.log.*' -mtime +"$LOG_RETENTION_DAYS" -delete

if [ "$(id -u)" -eq 0 ]; then
  # The postgres user reaches its own folder and log, nginx's workers their
  # temporary folders, without listing or reading anything else.
  chmod 711 "$STATE" "$STATE/logs" "$STATE/nginx"
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
    echo "REST_TOKEN=${REST_TOKEN:-$(head -c 24 /dev/urandom | base64 | tr -d '/+=')}"
  } > "$STATE/secrets.env"
fi
grep -q '^REST_TOKEN=' "$STATE/secrets.env" ||   # a state folder from before REST_TOKEN
  echo "REST_TOKEN=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')" >> "$STATE/secrets.env"
DB_PASSWORD_FROM_ENV=${DB_PASSWORD:-} REDIS_PASSWORD_FROM_ENV=${REDIS_PASSWORD:-} REST_TOKEN_FROM_ENV=${REST_TOKEN:-}
# shellcheck disable=SC1091
source "$STATE/secrets.env"
DB_PASSWORD=${DB_PASSWORD_FROM_ENV:-$DB_PASSWORD}
REDIS_PASSWORD=${REDIS_PASSWORD_FROM_ENV:-$REDIS_PASSWORD}
REST_TOKEN=${REST_TOKEN_FROM_ENV:-$REST_TOKEN}
for secret in "$DB_PASSWORD" "$REDIS_PASSWORD"; do
  if [[ ! "$secret" =~ ^[A-Za-z0-9._~-]+$ ]]; then
    echo "DB_PASSWORD and REDIS_PASSWORD may hold only letters, digits and . _ ~ -" >&2
    exit 1
  fi
done
export DB_PASSWORD REDIS_PASSWORD REST_TOKEN
export DB_HOST=$HOST DB_PORT DB_NAME=${DB_NAME:-rasa} DB_USER=${DB_USER:-rasa}
export REDIS_HOST=$HOST REDIS_PORT REDIS_USER=rasa

# TLS: a local CA and one server certificate for $HOST (PostgreSQL and Redis),
# generated once. In production the clinic's PKI or the provider's CA takes
# their place (docs/deploy.md).
TLS=$STATE/tls
if [ ! -f "$TLS/server.crt" ]; then
  echo "Creating a local CA and server certificate in $TLS"
  case "$HOST" in
    *[!0-9.]*) san="DNS:$HOST,DNS:localhost,IP:127.0.0.1" ;;
    *) san="IP:$HOST,DNS:localhost" ;;
  esac
  openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj "/CN=assistant-cluster-local-ca" \
    -keyout "$TLS/ca.key" -out "$TLS/ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$HOST" -keyout "$TLS/server.key" -out "$TLS/server.csr" 2>/dev/null
  printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "$san" > "$TLS/server.ext"
  openssl x509 -req -in "$TLS/server.csr" -CA "$TLS/ca.crt" -CAkey "$TLS/ca.key" -CAcreateserial \
    -days 825 -extfile "$TLS/server.ext" -out "$TLS/server.crt" 2>/dev/null
  rm -f "$TLS/server.csr" "$TLS/server.ext"
fi
chmod 644 "$TLS/ca.crt"
export DB_CA_FILE=$TLS/ca.crt REDIS_CA_FILE=$TLS/ca.crt
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
  trap - INT TERM HUP EXIT
  kill -TERM "${pids[@]}" "${rasa_pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" "${rasa_pids[@]}" 2>/dev/null || true
  if [ -f "$PGDATA/postmaster.pid" ]; then
    "${as_db_owner[@]}" "$PG_BIN/pg_ctl" -D "$PGDATA" stop -m fast >/dev/null 2>&1 || true
  fi
}
# Ctrl-C is a normal stop (one line, status 0): the services run in sessions of their own
# (setsid), so a terminal's Ctrl-C reaches this script only, which stops them all.
stop_on_request() {
  echo "Arrêt demandé : arrêt du cluster."
  stop
  exit 0
}
trap stop_on_request INT TERM HUP
trap stop EXIT

if [ ! -f "$PGDATA/PG_VERSION" ]; then
  echo "Creating the PostgreSQL database in $PGDATA"
  mkdir -p "$PGDATA"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$PGDATA"
  fi
  chmod 700 "$PGDATA"
  "${as_db_owner[@]}" "$PG_BIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 >/dev/null
  new_database=true
fi
# Local superuser by socket only; the Rasa servers log in with a password over
# TLS only ('hostssl'; a plain TCP connection is refused). Written at every
# start, so a data folder from before TLS is brought up to date.
printf 'local all postgres trust\nhostssl %s %s %s/32 scram-sha-256\n' "$DB_NAME" "$DB_USER" \
  "$(getent ahostsv4 "$HOST" | awk 'NR == 1 {print $1}')" > "$PGDATA/pg_hba.conf"
# PostgreSQL wants its key owned by itself and private.
install -m 600 "$TLS/server.key" "$PGDATA/server.key"
install -m 644 "$TLS/server.crt" "$PGDATA/server.crt"
if [ "$(id -u)" -eq 0 ]; then
  chown postgres: "$PGDATA/server.key" "$PGDATA/server.crt" "$PGDATA/pg_hba.conf"
fi
touch "$STATE/logs/postgresql.log"
if [ "$(id -u)" -eq 0 ]; then
  chown postgres: "$STATE/logs/postgresql.log"
fi
"${as_db_owner[@]}" "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$STATE/logs/postgresql.log" -w start \
  -o "-c listen_addresses=$HOST -p $DB_PORT -k $PGDATA -c ssl=on -c ssl_cert_file=server.crt -c ssl_key_file=server.key -c ssl_min_protocol_version=TLSv1.2" >/dev/null
psql_admin() { "${as_db_owner[@]}" "$PG_BIN/psql" -h "$PGDATA" -p "$DB_PORT" -U postgres -qAt "$@"; }
if [ "${new_database:-false}" = true ]; then
  psql_admin -c "CREATE ROLE $DB_USER LOGIN" -c "CREATE DATABASE $DB_NAME OWNER $DB_USER"
fi
# The password as a SCRAM verifier, through stdin: never on a command line,
# never in clear in SQL the server could log.
echo "ALTER ROLE $DB_USER PASSWORD '$(.venv/bin/python -m deploy.scram_verifier)'" | psql_admin

# Redis: TLS only (port 0 closes the plain port), no default user, the ACL
# user 'rasa' limited to the lock store's keys (lock:*) and commands. Its
# password is in this file (mode 600), not on the command line.
cat > "$STATE/redis.conf" <<REDIS
bind $HOST
port 0
tls-port $REDIS_PORT
tls-cert-file $TLS/server.crt
tls-key-file $TLS/server.key
tls-ca-cert-file $TLS/ca.crt
tls-auth-clients no
save ""
appendonly no
logfile $STATE/logs/redis.log
user default off
user rasa on >$REDIS_PASSWORD ~lock:* resetchannels -@all +get +set +del +watch +unwatch +multi +exec +discard +ping +select +ttl
REDIS
setsid redis-server "$STATE/redis.conf" &
pids+=($!)

setsid .venv/bin/python scripts/action_server.py --actions actions --port "$ACTION_PORT" --interface "$HOST" \
  >> "$STATE/logs/actions.log" 2>&1 &
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
  setsid .venv/bin/python scripts/rasa_server.py run --model models --endpoints deploy/endpoints.cluster.yml --credentials credentials.yml \
    --interface "$HOST" --port "$port" --cors $CORS_ORIGINS >> "$STATE/logs/rasa-$((index + 1)).log" 2>&1 &
  rasa_pids+=($!)
  echo "$!" > "$STATE/pids/rasa-$((index + 1)).pid"
  rasa_servers+="server $HOST:$port max_fails=1 fail_timeout=10s; "
done

HOST=$HOST RASA_PORT=${RASA_PORTS[0]} WEB_PORT=$WEB_PORT BOT_URL="http://localhost:$CLUSTER_PORT" \
  setsid .venv/bin/python web/serve.py >> "$STATE/logs/web.log" 2>&1 &
pids+=($!)

sed -e "s|@STATE@|$STATE|g" -e "s|@HOST@|$HOST|g" -e "s|@PORT@|$CLUSTER_PORT|g" -e "s|@REST_PORT@|$CLUSTER_REST_PORT|g" \
  -e "s|@WEB_PORT@|$WEB_PORT|g" -e "s|@RASA_SERVERS@|$rasa_servers|g" \
  deploy/nginx.conf.template > "$STATE/nginx/nginx.conf"
setsid nginx -c "$STATE/nginx/nginx.conf" -p "$STATE/nginx" -e "$STATE/nginx/error.log" -g "daemon off;" &
pids+=($!)

echo "Cluster starting: http://localhost:$CLUSTER_PORT (web chat, /socket.io), REST for integrators on" \
  "http://$HOST:$CLUSTER_REST_PORT/webhooks/rest/webhook (token in $STATE/secrets.env)," \
  "Rasa servers on ${RASA_PORTS[*]}, logs in $STATE/logs (Ctrl-C to stop)"
# A Rasa server that stops is not restarted here (in production the
# orchestrator does it); the cluster stops when any other service stops.
set +e
wait -n "${pids[@]}"
status=$?
# A service stopping by itself is a failure even with status 0 (the action server exits 0 when its
# port is taken).
if [ "$status" -eq 0 ]; then
  echo "A service stopped by itself (see $STATE/logs): stopping the others." >&2
  status=1
fi
stop
exit "$status"
