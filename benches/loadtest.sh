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
. tests/lib/pg.sh
bench_setup "$ENGINE" load -c max_connections=100

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
