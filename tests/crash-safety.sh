#!/usr/bin/env bash
# Crash safety: kill Heard with SIGKILL at random moments while simulated respondents answer,
# restart it each time, then check that every submission acknowledged to a client is stored
# exactly once, that no stored response is a half-written shell, that the kept counts equal a
# recount, and that the database passes its own integrity check (SQLite: PRAGMA
# integrity_check and foreign_key_check; PostgreSQL: amcheck on every B-tree index).
#
#   tests/crash-safety.sh sqlite            # 20 kills on SQLite
#   tests/crash-safety.sh postgres 20       # 20 kills on a throwaway PostgreSQL cluster
#
# Uses target/release/heard (built if missing) or $HEARD_BIN. Exit code 0 only when sound.
set -euo pipefail
cd "$(dirname "$0")/.."

ENGINE="${1:-sqlite}"
CYCLES="${2:-20}"
CLIENTS="${CLIENTS:-16}"
WAVE=torbay-participation-2025
PG_BIN="${HEARD_PG_BIN:-/usr/lib/postgresql/15/bin}"
HEARD="${HEARD_BIN:-target/release/heard}"
[ -x "$HEARD" ] || cargo build --release --locked --bin heard

work="$(mktemp -d /tmp/heard-crash.XXXXXX)"
chmod 755 "$work"   # the postgres user must reach its cluster inside
server_pid=""
load_pid=""
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  [ -n "$load_pid" ] && kill "$load_pid" 2>/dev/null || true
  [ -n "$server_pid" ] && kill -9 "$server_pid" 2>/dev/null || true
  if [ -d "$work/pg" ]; then as_pg "$PG_BIN/pg_ctl" -D "$work/pg/data" -m immediate stop >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

case "$ENGINE" in
  sqlite)
    export DATABASE_URL="sqlite://$work/heard.db"
    ;;
  postgres)
    [ -x "$PG_BIN/initdb" ] || { echo "PostgreSQL binaries not found at $PG_BIN" >&2; exit 1; }
    mkdir -p "$work/pg"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$work/pg"
    as_pg "$PG_BIN/initdb" -D "$work/pg/data" -A trust -U postgres -E UTF8 --locale=C >/dev/null
    pgport=$(free_port)
    # fsync stays on: this is about durability.
    as_pg "$PG_BIN/pg_ctl" -D "$work/pg/data" -o "-p $pgport -k $work/pg -h 127.0.0.1" -l "$work/pg/log" -w start >/dev/null
    as_pg "$PG_BIN/psql" -h 127.0.0.1 -p "$pgport" -U postgres -qc "CREATE DATABASE heard_crash" >/dev/null
    export DATABASE_URL="postgres://postgres@127.0.0.1:$pgport/heard_crash"
    ;;
  *) echo "usage: $0 sqlite|postgres [cycles]" >&2; exit 2 ;;
esac

port=$(free_port)
export HEARD_BIND="127.0.0.1:$port" HEARD_MAIL_DIR="$work/mail" RUST_LOG=warn
# One simulated address sends for many respondents: per-client limits off for the run.
export HEARD_PUBLIC_POSTS_PER_MINUTE=0 HEARD_SIGN_IN_PER_MINUTE=0
"$HEARD" demo --no-responses >/dev/null

start_server() {
  "$HEARD" serve >>"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 200); do
    curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  echo "the server did not come back; its log:" >&2
  tail -20 "$work/server.log" >&2
  exit 1
}

start_server
seconds=$(( CYCLES * 2 + 6 ))
"$HEARD" loadtest --url "http://127.0.0.1:$port" --wave "$WAVE" --clients "$CLIENTS" --seconds "$seconds" \
  --retry --encoding identity --receipts "$work/receipts.txt" >"$work/load.txt" 2>&1 &
load_pid=$!

sleep 2
for i in $(seq 1 "$CYCLES"); do
  # A random moment: 0.2 to 1.8 s into this cycle's load.
  sleep "$(python3 -c 'import random; print(round(random.uniform(0.2, 1.8), 3))')"
  kill -9 "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  acked=$(wc -l <"$work/receipts.txt" 2>/dev/null || echo 0)
  echo "kill $i/$CYCLES: SIGKILL sent ($acked receipts acknowledged so far); restarting"
  start_server
done

set +e
wait "$load_pid"
load_status=$?
set -e
load_pid=""
kill -TERM "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""

echo "--- load generator (exit $load_status)"
cat "$work/load.txt"
echo "--- verification"
"$HEARD" verify --wave "$WAVE" --receipts "$work/receipts.txt"
echo "crash safety on $ENGINE: $CYCLES kills, $(wc -l <"$work/receipts.txt") acknowledged submissions, all stored exactly once"
