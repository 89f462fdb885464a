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
. tests/lib/pg.sh
HEARD="${HEARD_BIN:-target/release/heard}"
[ -x "$HEARD" ] || cargo build --release --locked --bin heard

work="$(mktemp -d /tmp/heard-crash.XXXXXX)"
server_pid=""
load_pid=""
cleanup() {
  [ -n "$load_pid" ] && kill "$load_pid" 2>/dev/null || true
  [ -n "$server_pid" ] && kill -9 "$server_pid" 2>/dev/null || true
  pg_stop "$work/pg"
  rm -rf "$work"
}
trap cleanup EXIT


case "$ENGINE" in
  sqlite)
    export DATABASE_URL="sqlite://$work/heard.db"
    ;;
  postgres)
    url=$(pg_start "$work/pg" heard_crash) || exit 1
    export DATABASE_URL="$url"
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
