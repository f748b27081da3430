#!/usr/bin/env bash
# Start a throw-away PostgreSQL server on loopback for the test suite.
# Usage: .ci/postgres.sh start DIR PORT   (prints nothing; server URL is postgresql://postgres@127.0.0.1:PORT)
#        .ci/postgres.sh stop DIR
# PostgreSQL refuses to run as root, so the server runs as the `postgres` user.
set -euo pipefail

action=${1:?start|stop}
dir=${2:?data directory}
port=${3:-55432}

pg_bin() {
    local bin
    bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    if [[ -z "$bin" ]]; then
        echo "PostgreSQL server binaries not found under /usr/lib/postgresql" >&2
        exit 1
    fi
    echo "$bin"
}

as_postgres() {
    if [[ "$(id -u)" == "0" ]]; then
        su postgres -s /bin/bash -c "$*"
    else
        bash -c "$*"
    fi
}

case "$action" in
start)
    bin=$(pg_bin)
    mkdir -p "$dir"
    if [[ "$(id -u)" == "0" ]]; then chown postgres:postgres "$dir"; fi
    if [[ ! -f "$dir/data/PG_VERSION" ]]; then
        as_postgres "'$bin/initdb' -D '$dir/data' -A trust -U postgres -E UTF8 --no-locale >'$dir/initdb.log'"
    fi
    as_postgres "'$bin/pg_ctl' -D '$dir/data' -l '$dir/server.log' -w -t 60 \
        -o \"-p $port -k '$dir' -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200\" start" >/dev/null
    "$bin/pg_isready" -h 127.0.0.1 -p "$port" -t 30 >/dev/null
    ;;
stop)
    bin=$(pg_bin)
    as_postgres "'$bin/pg_ctl' -D '$dir/data' -m fast stop" >/dev/null || true
    ;;
*)
    echo "usage: $0 start|stop DIR [PORT]" >&2
    exit 2
    ;;
esac
