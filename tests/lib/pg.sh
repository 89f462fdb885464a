# Shell helpers shared by tests/all.sh, tests/crash-safety.sh and the benches:
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

# For the benches: the binary (target/release/heard, built if missing, or $HEARD_BIN), a work
# folder, DATABASE_URL for ENGINE (sqlite, or a throwaway postgres cluster), and a trap that
# stops $server_pid and the cluster and removes the folder on exit.
#   bench_setup ENGINE NAME [postgres options]
bench_setup() {
  local engine="$1" name="$2"
  shift 2
  HEARD="${HEARD_BIN:-target/release/heard}"
  [ -x "$HEARD" ] || cargo build --release --locked --bin heard
  work="$(mktemp -d "/tmp/heard-$name.XXXXXX")"
  server_pid=""
  trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true; pg_stop "$work/pg"; rm -rf "$work"' EXIT
  case "$engine" in
    sqlite) export DATABASE_URL="sqlite://$work/heard.db" ;;
    postgres)
      DATABASE_URL=$(pg_start "$work/pg" "heard_$name" "$@") || exit 1
      export DATABASE_URL
      ;;
    *) echo "usage: $0 sqlite|postgres ..." >&2; exit 2 ;;
  esac
}
