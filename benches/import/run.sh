#!/usr/bin/env bash
# The roster import at the size of Zhejiang, on SQLite and on PostgreSQL, release build:
#
#   benches/import/run.sh [rounds, default 3]
#
# 1. builds xieshang (release);
# 2. exports the demo data of the whole province with `xieshang export <kind> --region 330000`:
#    members (25,733 rows), lounges (110), memberships (761), activities and consultations
#    (with their linked sheets), one XLSX file each;
# 3. per round and engine: a fresh database holding the divisions only (`seed --no-demo`),
#    then `xieshang import <kind> FILE --region 330000` for the five files in order, each timed
#    (wall clock, one process each), then the same five imports again (every row unchanged);
# 4. prints the medians per kind, and of the rounds' totals.
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

step "export the demo's records of 330000"
XIESHANG_SQLITE_PATH="$work/demo.db" "$xieshang" seed >/dev/null
kinds=(members lounges memberships activities consultations)
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

seconds() { python3 -c 'import time; print(f"{time.time():.3f}")'; }
# Imports the five files in order with the environment given as arguments; appends one line
# "<engine> <pass> <kind> <seconds>" per kind to $work/times.
timed() {
  local engine=$1 pass=$2 start end kind
  shift 2
  for kind in "${kinds[@]}"; do
    start=$(seconds)
    "$@" "$xieshang" import "$kind" "$work/$kind.xlsx" --region 330000 >"$work/last.out" 2>&1 ||
      { cat "$work/last.out" >&2; exit 1; }
    end=$(seconds)
    python3 -c "print('$engine $pass $kind', f'{$end - $start:.2f}')" | tee -a "$work/times" >&2
  done
}

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
    step "round $round, $engine"
    timed "$engine" import "${env_vars[@]}"
    timed "$engine" again "${env_vars[@]}"
  done
done
printf '\nXLSX files: %s; release build; medians of %d rounds\n' \
  "$(cd "$work" && for kind in "${kinds[@]}"; do printf '%s %s bytes  ' "$kind" "$(wc -c <"$kind.xlsx")"; done)" "$rounds"
python3 - "$work/times" "$rounds" "${kinds[@]}" <<'SUMMARY'
import statistics, sys
path, rounds, kinds = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
times = {}
for line in open(path):
    engine, phase, kind, seconds = line.split()
    times.setdefault((engine, phase, kind), []).append(float(seconds))
print(f"{'kind':<14}" + "".join(f"{e + ' ' + p:>20}" for e in ("sqlite", "postgres") for p in ("import", "again")))
for kind in kinds + ["total"]:
    cells = []
    for engine in ("sqlite", "postgres"):
        for phase in ("import", "again"):
            if kind == "total":
                totals = [sum(times[(engine, phase, k)][r] for k in kinds) for r in range(rounds)]
                cells.append(statistics.median(totals))
            else:
                cells.append(statistics.median(times[(engine, phase, kind)]))
    print(f"{kind:<14}" + "".join(f"{c:>19.2f}s" for c in cells))
SUMMARY
