#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests.
#
#   scripts/postgres-test.sh start   installs PostgreSQL if missing, creates and starts a cluster in a
#                                    temporary directory (127.0.0.1 only, a free port, role `lessor`
#                                    with a random password, database `lessor_test`), prints its URL
#   scripts/postgres-test.sh url     prints the URL of the running cluster
#   scripts/postgres-test.sh stop    stops the cluster and deletes its directory
#
# Idempotent: `start` on a running cluster prints its URL again; `stop` without one does nothing.
# The URL and the cluster's directory are recorded in $LESSOR_PG_STATE_DIR (default .build-pg/),
# so concurrent runs that set different state directories get different clusters.
set -euo pipefail
cd "$(dirname "$0")/.."

state_dir="${LESSOR_PG_STATE_DIR:-$PWD/.build-pg}"
url_file="$state_dir/url"
cluster_file="$state_dir/cluster"

pg_bin() {
    local initdb
    initdb="$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)"
    if [ -z "$initdb" ]; then
        local sudo_cmd=()
        [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
        echo "installing: postgresql" >&2
        "${sudo_cmd[@]}" apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq postgresql >/dev/null
        initdb="$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)"
    fi
    dirname "$initdb"
}

# Runs a command as the cluster's owner: `postgres` when we are root (initdb refuses root).
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

running() {
    [ -f "$cluster_file" ] && [ -f "$url_file" ] || return 1
    local bin
    bin="$(pg_bin)"
    as_owner "$bin/pg_ctl" status -D "$(cat "$cluster_file")/data" >/dev/null 2>&1
}

start() {
    if running; then
        cat "$url_file"
        return
    fi
    stop
    local bin cluster password port
    bin="$(pg_bin)"
    cluster="$(mktemp -d "${TMPDIR:-/tmp}/lessor-pg.XXXXXX")"
    mkdir -p "$state_dir"
    printf '%s\n' "$cluster" >"$cluster_file"
    [ "$(id -u)" -ne 0 ] || chown postgres: "$cluster"
    password="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"

    as_owner "$bin/initdb" -D "$cluster/data" -U postgres -E UTF8 --locale=C --no-sync \
        --auth-local=trust --auth-host=scram-sha-256 >"$cluster/initdb.log" 2>&1 \
        || { cat "$cluster/initdb.log" >&2; exit 1; }

    local attempt
    for attempt in 1 2 3 4 5 6 7 8 9 10; do
        port=$((20000 + RANDOM % 40000))
        port_in_use "$port" && continue
        as_owner tee -a "$cluster/data/postgresql.conf" >/dev/null <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$cluster'
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
        if as_owner "$bin/pg_ctl" start -w -s -D "$cluster/data" -l "$cluster/server.log" >/dev/null 2>&1; then
            break
        fi
        port=""
    done
    if [ -z "$port" ]; then
        echo "PostgreSQL did not start; see $cluster/server.log" >&2
        tail -n 20 "$cluster/server.log" >&2 || true
        exit 1
    fi

    as_owner "$bin/psql" -q -v ON_ERROR_STOP=1 -h "$cluster" -p "$port" -U postgres -d postgres >/dev/null <<EOF
CREATE ROLE lessor LOGIN CREATEDB PASSWORD '$password';
CREATE DATABASE lessor_test OWNER lessor;
EOF
    printf 'postgres://lessor:%s@127.0.0.1:%s/lessor_test?sslmode=disable\n' "$password" "$port" >"$url_file"
    chmod 600 "$url_file"
    cat "$url_file"
}

stop() {
    if [ -f "$cluster_file" ]; then
        local cluster bin
        cluster="$(cat "$cluster_file")"
        bin="$(pg_bin)"
        if [ -d "$cluster/data" ]; then
            as_owner "$bin/pg_ctl" stop -w -s -m immediate -D "$cluster/data" >/dev/null 2>&1 || true
        fi
        case "$cluster" in
            */lessor-pg.*) rm -rf "$cluster" ;;
        esac
    fi
    rm -f "$url_file" "$cluster_file"
    rmdir "$state_dir" 2>/dev/null || true
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    url)
        running || { echo "no test cluster is running; run scripts/postgres-test.sh start" >&2; exit 1; }
        cat "$url_file"
        ;;
    *)
        echo "usage: $0 start|url|stop" >&2
        exit 2
        ;;
esac
