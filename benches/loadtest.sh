#!/usr/bin/env bash
# The performance figures in the README: `heard loadtest` against a release build serving the
# demo, at 8, 64 and 256 simultaneous respondents, on SQLite or on a throwaway PostgreSQL
# cluster (fsync on), with the stored-count check and the server's peak memory.
#
#   benches/loadtest.sh sqlite [SECONDS]
#   benches/loadtest.sh postgres [SECONDS]
#
# Environment: CLIENTS="8 64 256" to choose the levels; HEARD_BIN to use another binary.
set -euo pipefail
cd "$(dirname "$0")/.."

ENGINE="${1:-sqlite}"
SECONDS_EACH="${2:-20}"
LEVELS="${CLIENTS:-8 64 256}"
WAVE=torbay-participation-2025
PG_BIN="${HEARD_PG_BIN:-/usr/lib/postgresql/15/bin}"
HEARD="${HEARD_BIN:-target/release/heard}"
[ -x "$HEARD" ] || cargo build --release --locked --bin heard

work="$(mktemp -d /tmp/heard-load.XXXXXX)"
chmod 755 "$work"
server_pid=""
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  if [ -d "$work/pg" ]; then as_pg "$PG_BIN/pg_ctl" -D "$work/pg/data" -m immediate stop >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

case "$ENGINE" in
  sqlite) export DATABASE_URL="sqlite://$work/heard.db" ;;
  postgres)
    mkdir -p "$work/pg"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$work/pg"
    as_pg "$PG_BIN/initdb" -D "$work/pg/data" -A trust -U postgres -E UTF8 --locale=C >/dev/null
    pgport=$(free_port)
    as_pg "$PG_BIN/pg_ctl" -D "$work/pg/data" -o "-p $pgport -k $work/pg -h 127.0.0.1 -c max_connections=100" \
      -l "$work/pg/log" -w start >/dev/null
    as_pg "$PG_BIN/psql" -h 127.0.0.1 -p "$pgport" -U postgres -qc "CREATE DATABASE heard_load" >/dev/null
    export DATABASE_URL="postgres://postgres@127.0.0.1:$pgport/heard_load"
    ;;
  *) echo "usage: $0 sqlite|postgres [seconds]" >&2; exit 2 ;;
esac

port=$(free_port)
export HEARD_BIND="127.0.0.1:$port" HEARD_MAIL_DIR="$work/mail" RUST_LOG=warn
# Every simulated respondent comes from 127.0.0.1: per-client limits off for the measurement.
export HEARD_PUBLIC_POSTS_PER_MINUTE=0
"$HEARD" demo --no-responses >/dev/null
"$HEARD" serve >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done

echo "== $(nproc) cores, $(uname -r), $ENGINE, ${SECONDS_EACH}s per level, demo wave $WAVE (14 or 15 questions a walk)"
for n in $LEVELS; do
  echo "-- $n respondents"
  "$HEARD" loadtest --url "http://127.0.0.1:$port" --wave "$WAVE" --clients "$n" --seconds "$SECONDS_EACH" \
    --check --server-pid "$server_pid"
done
