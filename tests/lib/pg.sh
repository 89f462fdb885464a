# Shell helpers shared by tests/all.sh, tests/crash-safety.sh and benches/loadtest.sh:
# a free local port, and a throwaway PostgreSQL cluster (as the postgres user when root).
#   . tests/lib/pg.sh
#   pg_start DIR NAME [postgres options]   # prints postgres://postgres@127.0.0.1:PORT/NAME
#   (PG_FAST=1: no fsync at initdb, for tests where durability is not the point)
#   pg_stop DIR
PG_BIN="${HEARD_PG_BIN:-/usr/lib/postgresql/15/bin}"

as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

pg_start() {
  local dir="$1" name="$2"
  shift 2
  [ -x "$PG_BIN/initdb" ] || { echo "PostgreSQL binaries not found at $PG_BIN" >&2; return 1; }
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then
    chmod 755 "$(dirname "$dir")"   # the postgres user must reach its cluster
    chown postgres:postgres "$dir"
  fi
  as_pg "$PG_BIN/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C ${PG_FAST:+--no-sync} >/dev/null
  local port
  port=$(free_port)
  as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -o "-p $port -k $dir -h 127.0.0.1 $*" -l "$dir/log" -w start >/dev/null
  as_pg "$PG_BIN/psql" -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE DATABASE $name" >/dev/null
  echo "postgres://postgres@127.0.0.1:$port/$name"
}

pg_stop() {
  [ -d "$1/data" ] && as_pg "$PG_BIN/pg_ctl" -D "$1/data" -m immediate stop >/dev/null 2>&1
  return 0
}
