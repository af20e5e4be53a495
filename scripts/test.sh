#!/usr/bin/env bash
# The one test command: formatting, lints, every test on SQLite and on a throwaway PostgreSQL,
# and the GraphQL-over-HTTP audit against the real binary. Exits non-zero on any failure.
#
# PostgreSQL: uses the PostgreSQL 15 server binaries (installing the Debian package
# postgresql-15 when they are missing; likewise prometheus for promtool), starts a private cluster as an unprivileged user in a
# fresh temporary folder on a free loopback port with trust authentication, and removes it on
# exit. Tests build their per-test databases from templates migrated once (see
# crates/testing/src/lib.rs).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }
started=$(date +%s)

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "build the tests once for both engines"
cargo test --workspace --locked --no-run

# ---- PostgreSQL: a throwaway cluster ---------------------------------------------------------
pg_bin=""
for candidate in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
  if [ -x "$candidate/initdb" ]; then pg_bin=$candidate; break; fi
done
if [ -z "$pg_bin" ]; then
  step "installing postgresql-15 (server binaries missing)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql-15 >/dev/null
  pg_bin=/usr/lib/postgresql/15/bin
fi

# promtool (Debian package prometheus) checks the metrics scrape in tests/binary.rs.
if ! command -v promtool >/dev/null 2>&1; then
  step "installing prometheus (promtool missing)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi

pg_dir=$(mktemp -d /tmp/xieshang-pg.XXXXXX)
pg_user=$(id -un)
run_pg() { "$@"; }
if [ "$(id -u)" = 0 ]; then
  # PostgreSQL refuses to run as root: run it as an unprivileged system user.
  pg_user=xieshang-pg
  id -u "$pg_user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$pg_user"
  chown "$pg_user" "$pg_dir"
  run_pg() { runuser -u "$pg_user" -- "$@"; }
fi
pg_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
cleanup() {
  run_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$pg_dir"
}
trap cleanup EXIT

step "start PostgreSQL ($pg_bin) on 127.0.0.1:$pg_port"
run_pg "$pg_bin/initdb" -D "$pg_dir/data" -U xieshang -A trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
run_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w \
  -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c max_connections=400 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  start >/dev/null

# ---- the suite, once per engine ---------------------------------------------------------------
step "tests on SQLite"
XIESHANG_TEST_ENGINE=sqlite cargo test --workspace --locked

step "tests on PostgreSQL"
XIESHANG_TEST_ENGINE=postgres XIESHANG_TEST_PG_URL="postgres://xieshang@127.0.0.1:$pg_port/postgres" \
  cargo test --workspace --locked

# ---- the GraphQL-over-HTTP audit against the real binary --------------------------------------
step "graphql-http audit (serverAudits) against the running service"
scripts/audit.sh

echo
echo "all checks passed in $(( $(date +%s) - started )) s"
