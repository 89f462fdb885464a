#!/usr/bin/env bash
# Runs every test Heard has, on SQLite and on PostgreSQL:
#   0. cargo fmt --check and cargo clippy --all-targets -D warnings (the hygiene CI promises)
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

# LibreOffice, the real reader the tests open Word and Excel files with (without the
# desktop's recommends: a few hundred MB less).
if ! command -v soffice >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "==> Installing LibreOffice (writer and calc, headless)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      libreoffice-writer-nogui libreoffice-calc-nogui >/dev/null
  else
    echo "Please install libreoffice-writer-nogui and libreoffice-calc-nogui first" >&2
    exit 1
  fi
fi

echo "==> Formatting and lints (cargo fmt --check, cargo clippy -D warnings)"
cargo fmt --all -- --check
cargo clippy --locked --all-targets -- -D warnings

echo "==> The OpenID provider the single sign-on tests sign in at (npm oidc-provider)"
[ -d tests/oidc/node_modules/oidc-provider ] || npm ci --prefix tests/oidc --no-audit --no-fund --silent

echo "==> Rust tests (SQLite and PostgreSQL)"
cargo test --locked

echo "==> Browser tests"
(cd accessibility && { [ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund --silent; })

# A throwaway PostgreSQL cluster for the browser tests, torn down on exit.
. tests/lib/pg.sh
pgdir="$(mktemp -d /tmp/heard-browser-pg.XXXXXX)"
trap 'pg_stop "$pgdir/pg"; rm -rf "$pgdir"' EXIT
browser_db=$(PG_FAST=1 pg_start "$pgdir/pg" heard_browser -F)

HEARD_TEST_DATABASES="$browser_db" \
  node --test --test-concurrency=1 accessibility/tests/
