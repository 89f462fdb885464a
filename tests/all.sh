#!/usr/bin/env bash
# Runs every test Heard has, on SQLite and on PostgreSQL:
#   1. Rust unit and integration tests (cargo test): each integration test starts a real
#      server on a random port; PostgreSQL tests start their own throwaway cluster.
#   2. Browser tests (accessibility/): Debian's Chromium driven by playwright-core, against
#      SQLite and against a throwaway PostgreSQL cluster started here.
# On a fresh Debian machine it installs what it needs first (when run as root).
set -euo pipefail
cd "$(dirname "$0")/.."

PG_BIN="${HEARD_PG_BIN:-/usr/lib/postgresql/15/bin}"

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
[ -x "$PG_BIN/initdb" ] || missing+=(postgresql)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
dpkg -s libpq-dev >/dev/null 2>&1 || missing+=(libpq-dev)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "==> Installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "Please install these Debian packages first: ${missing[*]}" >&2
    exit 1
  fi
fi

echo "==> Rust tests (SQLite and PostgreSQL)"
cargo test --locked

echo "==> Browser tests"
(cd accessibility && { [ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund --silent; })

# A throwaway PostgreSQL cluster for the browser tests, torn down on exit.
pgdir="$(mktemp -d /tmp/heard-browser-pg.XXXXXX)"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() { as_pg "$PG_BIN/pg_ctl" -D "$pgdir/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$pgdir"; }
trap cleanup EXIT
[ "$(id -u)" = 0 ] && chown postgres:postgres "$pgdir"
as_pg "$PG_BIN/initdb" -D "$pgdir/data" -A trust -U postgres -E UTF8 --no-sync --locale=C >/dev/null
pgport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
as_pg "$PG_BIN/pg_ctl" -D "$pgdir/data" -o "-p $pgport -k $pgdir -h 127.0.0.1 -F" -l "$pgdir/log" -w start >/dev/null
as_pg "$PG_BIN/psql" -h 127.0.0.1 -p "$pgport" -U postgres -qc "CREATE DATABASE heard_browser" >/dev/null

HEARD_TEST_DATABASES="postgres://postgres@127.0.0.1:$pgport/heard_browser" \
  node --test --test-concurrency=1 accessibility/tests/
