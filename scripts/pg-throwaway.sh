#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests: its own temporary directory, its own port on 127.0.0.1,
# no system service. Installs PostgreSQL from Debian packages when no server binaries are present.
#   scripts/pg-throwaway.sh start   → prints the connection URL on stdout (state kept in $PG_THROWAWAY_DIR)
#   scripts/pg-throwaway.sh stop DIR
set -euo pipefail

find_pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

as_pg() {
  # initdb refuses to run as root: use the postgres system user when we are root.
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
  start)
    bin=$(find_pg_bin || true)
    if [ -z "$bin" ]; then
      echo "PostgreSQL not found: installing it from Debian packages" >&2
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq >&2
      apt-get install -y -qq postgresql >&2
      bin=$(find_pg_bin)
    fi
    dir=$(mktemp -d /tmp/mooring-pg.XXXXXX)
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    as_pg "$bin/initdb" -D "$dir/data" -A trust -U postgres --no-sync >"$dir/initdb.log" 2>&1
    # fsync off: a throwaway test cluster trades durability for speed.
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      start >&2
    echo "$port" >"$dir/port"
    echo "$dir"
    ;;
  stop)
    dir="${2:?usage: pg-throwaway.sh stop DIR}"
    bin=$(find_pg_bin)
    as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate stop >&2 || true
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start | stop DIR" >&2
    exit 64
    ;;
esac
