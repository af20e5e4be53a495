#!/usr/bin/env bash
# The roster import at the size of Zhejiang, on SQLite and on PostgreSQL, release build:
#
#   benches/import/run.sh [rounds, default 3]
#
# 1. builds xieshang (release);
# 2. exports the demo data of the whole province with `xieshang export <kind> --region 330000`:
#    members (25,733 rows), lounges (110) and memberships (761), one XLSX file each;
# 3. per round and engine: a fresh database holding the divisions only (`seed --no-demo`),
#    then `xieshang import <kind> FILE --region 330000` for the three files in order, timed
#    together (wall clock, three processes), then the same three imports again (every row
#    unchanged) timed;
# 4. prints the medians.
#
# PostgreSQL is a throwaway cluster with default durability (run as the `xieshang-pg` user
# when this runs as root); everything started is stopped and removed on exit. Not part of
# scripts/test.sh: it measures speed, the tests check behaviour.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
rounds=${1:-3}
step() { printf '\n==> %s\n' "$*" >&2; }

step "release build"
cargo build --release --quiet
xieshang="$root/target/release/xieshang"

pg_bin=""
for candidate in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
  if [ -x "$candidate/initdb" ]; then pg_bin=$candidate; break; fi
done
[ -n "$pg_bin" ] || { echo "run.sh: PostgreSQL server binaries not found" >&2; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
work=$(mktemp -d /tmp/xieshang-import-bench.XXXXXX)
chmod 755 "$work"
run_pg() { "$@"; }
if [ "$(id -u)" = 0 ]; then
  id -u xieshang-pg >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin xieshang-pg
  run_pg() { runuser -u xieshang-pg -- "$@"; }
fi
cleanup() {
  run_pg "$pg_bin/pg_ctl" -D "$work/pg/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
export XIESHANG_LOG=warn

step "export the demo's members, lounges and memberships of 330000"
XIESHANG_SQLITE_PATH="$work/demo.db" "$xieshang" seed >/dev/null
kinds=(members lounges memberships)
for kind in "${kinds[@]}"; do
  XIESHANG_SQLITE_PATH="$work/demo.db" "$xieshang" export "$kind" --region 330000 \
    --output "$work/$kind.xlsx" >&2
done

mkdir -p "$work/pg"
[ "$(id -u)" = 0 ] && chown xieshang-pg "$work/pg"
pg_port=$(free_port)
run_pg "$pg_bin/initdb" -D "$work/pg/data" -U xieshang -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
run_pg "$pg_bin/pg_ctl" -D "$work/pg/data" -l "$work/pg/postgres.log" -w \
  -o "-p $pg_port -k $work/pg -c listen_addresses=127.0.0.1" start >/dev/null
pg_url="postgres://xieshang@127.0.0.1:$pg_port"

seconds() { python3 -c 'import sys,time; print(f"{time.time():.3f}")'; }
# Times the three imports, in order, with the environment given as arguments.
timed() {
  local start end kind
  start=$(seconds)
  for kind in "${kinds[@]}"; do
    "$@" "$xieshang" import "$kind" "$work/$kind.xlsx" --region 330000 >/dev/null
  done
  end=$(seconds)
  python3 -c "print(f'{$end - $start:.2f}')"
}
median() { python3 -c 'import sys,statistics; print(f"{statistics.median(map(float,sys.argv[1:])):.2f}")' "$@"; }

declare -A first second
for engine in sqlite postgres; do
  first[$engine]=""
  second[$engine]=""
done
for ((round = 1; round <= rounds; round++)); do
  for engine in sqlite postgres; do
    if [ "$engine" = sqlite ]; then
      rm -f "$work/empty.db"*
      env_vars=(env -u DATABASE_URL XIESHANG_SQLITE_PATH="$work/empty.db")
    else
      "$pg_bin/psql" -q -X "$pg_url/postgres" -c "DROP DATABASE IF EXISTS bench" -c "CREATE DATABASE bench"
      env_vars=(env DATABASE_URL="$pg_url/bench" XIESHANG_JWT_SECRET=import-bench-secret-import-bench-secret)
    fi
    "${env_vars[@]}" "$xieshang" seed --no-demo >/dev/null
    a=$(timed "${env_vars[@]}")
    b=$(timed "${env_vars[@]}")
    first[$engine]+=" $a"
    second[$engine]+=" $b"
    printf 'round %d %-8s import %6ss   again (unchanged) %6ss\n' "$round" "$engine" "$a" "$b" >&2
  done
done
printf '\n25,733 members, 110 lounges, 761 memberships (XLSX files of %s bytes), release build; medians of %d rounds\n' \
  "$(cat "$work"/*.xlsx | wc -c)" "$rounds"
for engine in sqlite postgres; do
  # shellcheck disable=SC2086
  printf '%-9s import %6ss   again (unchanged) %6ss\n' "$engine" "$(median ${first[$engine]})" "$(median ${second[$engine]})"
done
