#!/usr/bin/env bash
# A throwaway PostgreSQL for trying deploy/dagster.yaml locally (and for tests/test_postgres_storage.py).
#
#   ensure_postgres.sh PORT DIR      install Debian's PostgreSQL if missing, create a cluster in DIR (once),
#                                    start it on 127.0.0.1:PORT (if not running), and print the connection
#                                    settings as DAGSTER_PG_*=value lines on stdout (for `eval`)
#   ensure_postgres.sh --stop DIR    stop that cluster
#
# Idempotent and quick when already installed and running. As root, the server runs as the `postgres` user
# (PostgreSQL refuses root), so DIR must be reachable by that user: use a directory under /tmp.
set -euo pipefail

log() { echo "ensure_postgres: $*" >&2; }
die() { log "$*"; exit 1; }

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

as_server_user() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if [ "${1:-}" = "--stop" ]; then
    [ $# -eq 2 ] || die "usage: $0 --stop DIR"
    data="$(cd "$2" && pwd)/data"
    bin=$(pg_bin)
    [ -n "$bin" ] || die "PostgreSQL is not installed"
    if as_server_user "$bin/pg_ctl" status -D "$data" >/dev/null 2>&1; then
        as_server_user "$bin/pg_ctl" stop -D "$data" -m fast -w >/dev/null
        log "stopped the cluster in $data"
    fi
    exit 0
fi

[ $# -eq 2 ] || die "usage: $0 PORT DIR | $0 --stop DIR"
port=$1
[[ "$port" =~ ^[0-9]+$ ]] && [ "$port" -ge 1024 ] && [ "$port" -le 65535 ] || die "PORT must be 1024..65535, got '$port'"
mkdir -p "$2"
dir=$(cd "$2" && pwd)
data="$dir/data"

if [ -z "$(pg_bin)" ]; then
    [ "$(id -u)" = 0 ] || die "PostgreSQL is missing and installing it needs root: apt-get install -y postgresql"
    log "installing PostgreSQL (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends postgresql >&2
fi
bin=$(pg_bin)

if [ "$(id -u)" = 0 ]; then
    chown postgres: "$dir"
    runuser -u postgres -- test -w "$dir" || die "the postgres user cannot reach $dir (a parent directory is private): use a directory under /tmp"
fi

# The password lives beside the cluster, so a second call prints the same settings.
password_file="$dir/password"
if [ ! -s "$password_file" ]; then
    (umask 077; od -An -tx1 -N12 /dev/urandom | tr -d ' \n' > "$password_file")
    [ "$(id -u)" = 0 ] && chown postgres: "$password_file"
fi
password=$(cat "$password_file")

if [ ! -f "$data/PG_VERSION" ]; then
    log "creating a cluster in $data"
    # Local socket connections are trusted (only the server user reaches DIR); TCP needs the password.
    as_server_user "$bin/initdb" -D "$data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
        --encoding=UTF8 --locale=C.UTF-8 >/dev/null
fi

if ! as_server_user "$bin/pg_ctl" status -D "$data" >/dev/null 2>&1; then
    log "starting PostgreSQL on 127.0.0.1:$port"
    as_server_user "$bin/pg_ctl" start -D "$data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir" >/dev/null \
        || die "the server did not start; see $dir/server.log"
fi
running_port=$(sed -n 4p "$data/postmaster.pid")
[ "$running_port" = "$port" ] || die "the cluster in $data already runs on port $running_port, not $port"

psql_local() { as_server_user "$bin/psql" -h "$dir" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA "$@"; }
if [ "$(psql_local -c "SELECT 1 FROM pg_roles WHERE rolname = 'dagster'")" != 1 ]; then
    psql_local -c "CREATE ROLE dagster LOGIN PASSWORD '$password'"
fi
if [ "$(psql_local -c "SELECT 1 FROM pg_database WHERE datname = 'dagster'")" != 1 ]; then
    psql_local -c "CREATE DATABASE dagster OWNER dagster"
fi

echo "DAGSTER_PG_HOST=127.0.0.1"
echo "DAGSTER_PG_PORT=$port"
echo "DAGSTER_PG_USER=dagster"
echo "DAGSTER_PG_PASSWORD=$password"
echo "DAGSTER_PG_DB=dagster"
