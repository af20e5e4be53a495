#!/usr/bin/env bash
# xieshang beside PostGraphile 4.14.1 on the same PostgreSQL database, same machine, one run:
#
#   benches/read/compare.sh [bench options, e.g. --seconds 10 --rounds 3 --query city]
#
# 1. builds xieshang (release) and the read benchmark (`cargo bench --bench read --no-run`),
#    and installs PostGraphile from the committed lockfile (`npm ci` in postgraphile/);
# 2. starts a throwaway PostgreSQL 15 cluster with its DEFAULT durability settings (fsync,
#    synchronous_commit and full_page_writes on; as the `xieshang-pg` user when run as root),
#    migrates and seeds it with the demo data (`xieshang migrate`, `xieshang seed`), and adds
#    the views PostGraphile serves (postgraphile/schema.sql: the rows an anonymous xieshang
#    caller sees);
# 3. starts `xieshang serve` (release) and PostGraphile (NODE_ENV=production, no --watch,
#    --disable-query-log, one process) over that database, both with a pool of
#    XIESHANG_DB_POOL_SIZE connections (xieshang's default, 8);
# 4. checks that both answers to each query hold the same items (postgraphile/same-items.js)
#    and stops if they do not;
# 5. drives both with the benchmark's load generator (its own process, keep-alive HTTP/1.1),
#    warm-up, then rounds alternating between the sides, and prints the medians side by side
#    with the ratios.
#
# Not part of scripts/test.sh. Needs the Rust toolchain, Node.js/npm and PostgreSQL 15 server
# binaries; everything it starts is stopped and removed on exit.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
pool=${XIESHANG_DB_POOL_SIZE:-8}
queries=()
for ((i = 1; i <= $#; i++)); do
  if [ "${!i}" = "--query" ]; then
    next=$((i + 1))
    queries+=("${!next}")
  fi
done
[ ${#queries[@]} -gt 0 ] || queries=(city province)

step() { printf '\n==> %s\n' "$*" >&2; }

step "build xieshang (release) and the read benchmark"
cargo build --release --locked --bin xieshang
target_dir=$(cargo metadata --format-version 1 --no-deps | node -e \
  'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')
xieshang="$target_dir/release/xieshang"
bench=$(cargo bench --locked --bench read --no-run --message-format=json 2>/dev/null | node -e '
  let s = ""; process.stdin.on("data", d => s += d).on("end", () => {
    for (const line of s.split("\n")) {
      if (!line.trim()) continue;
      const m = JSON.parse(line);
      if (m.executable && m.target && m.target.name === "read") console.log(m.executable);
    }
  })')
[ -x "$bench" ] || { echo "compare.sh: could not find the read benchmark binary" >&2; exit 1; }

step "PostGraphile 4.14.1 from the committed lockfile"
if [ ! -x "$here/postgraphile/node_modules/.bin/postgraphile" ]; then
  (cd "$here/postgraphile" && npm ci --no-audit --no-fund)
fi

# ---- PostgreSQL: a throwaway cluster with default durability -------------------------------
pg_bin=""
for candidate in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
  if [ -x "$candidate/initdb" ]; then pg_bin=$candidate; break; fi
done
[ -n "$pg_bin" ] || { echo "compare.sh: PostgreSQL server binaries not found" >&2; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
work=$(mktemp -d /tmp/xieshang-read-compare.XXXXXX)
run_pg() { "$@"; }
if [ "$(id -u)" = 0 ]; then
  # PostgreSQL refuses to run as root: run it as an unprivileged system user.
  id -u xieshang-pg >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin xieshang-pg
  chown xieshang-pg "$work"
  run_pg() { runuser -u xieshang-pg -- "$@"; }
fi
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  run_pg "$pg_bin/pg_ctl" -D "$work/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

pg_port=$(free_port)
step "PostgreSQL ($pg_bin) on 127.0.0.1:$pg_port, default durability"
run_pg "$pg_bin/initdb" -D "$work/data" -U xieshang -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
run_pg "$pg_bin/pg_ctl" -D "$work/data" -l "$work/postgres.log" -w \
  -o "-p $pg_port -k $work -c listen_addresses=127.0.0.1" start >/dev/null
postmaster=$(head -1 "$work/data/postmaster.pid")
database_url="postgres://xieshang@127.0.0.1:$pg_port/postgres"
"$pg_bin/psql" -q -X -v ON_ERROR_STOP=1 "$database_url" \
  -c "SELECT 'fsync=' || current_setting('fsync') || ' synchronous_commit=' || current_setting('synchronous_commit') || ' full_page_writes=' || current_setting('full_page_writes') AS durability" -t

step "migrate and seed the demo data; PostGraphile's views"
DATABASE_URL=$database_url "$xieshang" migrate >"$work/migrate.log" 2>&1 || { cat "$work/migrate.log" >&2; exit 1; }
DATABASE_URL=$database_url "$xieshang" seed >"$work/seed.log" 2>&1 || { cat "$work/seed.log" >&2; exit 1; }
grep '^demo data' "$work/seed.log" >&2 || true
"$pg_bin/psql" -q -X -v ON_ERROR_STOP=1 "$database_url" -f "$here/postgraphile/schema.sql"
"$pg_bin/psql" -q -X -v ON_ERROR_STOP=1 "$database_url" -c "VACUUM ANALYZE"

# ---- both servers ----------------------------------------------------------------------------
xieshang_port=$(free_port)
postgraphile_port=$(free_port)
step "xieshang on :$xieshang_port and PostGraphile on :$postgraphile_port, pools of $pool"
# Per-client cost budgets and the in-flight cost cap are off: every request comes from one
# address here, and they would shed the load being measured. Logging at warn: PostGraphile's
# query log is off too.
DATABASE_URL=$database_url \
  XIESHANG_LISTEN=127.0.0.1:$xieshang_port \
  XIESHANG_DB_POOL_SIZE=$pool \
  XIESHANG_JWT_SECRET=read-benchmark-secret-read-benchmark-secret \
  XIESHANG_ANONYMOUS_COST_PER_MINUTE=0 \
  XIESHANG_ANONYMOUS_COST_IN_FLIGHT=0 \
  XIESHANG_LOG=${XIESHANG_LOG:-warn} \
  "$xieshang" serve >"$work/xieshang.log" 2>&1 &
xieshang_pid=$!
pids+=("$xieshang_pid")
NODE_ENV=production "$here/postgraphile/node_modules/.bin/postgraphile" \
  --connection "$database_url" --schema peer \
  --host 127.0.0.1 --port "$postgraphile_port" \
  --max-pool-size "$pool" --disable-query-log --disable-graphiql \
  >"$work/postgraphile.log" 2>&1 &
postgraphile_pid=$!
pids+=("$postgraphile_pid")

xieshang_url="http://127.0.0.1:$xieshang_port/graphql"
postgraphile_url="http://127.0.0.1:$postgraphile_port/graphql"
ask() { # url query-file output-file
  node -e 'const fs=require("fs");process.stdout.write(JSON.stringify({query:fs.readFileSync(process.argv[1],"utf8")}))' "$2" \
    | curl -sf -X POST "$1" -H 'content-type: application/json' --data-binary @- -o "$3"
}
for url in "$xieshang_url" "$postgraphile_url"; do
  for _ in $(seq 1 120); do
    if curl -sf -X POST "$url" -H 'content-type: application/json' -d '{"query":"{__typename}"}' >/dev/null 2>&1; then
      continue 2
    fi
    sleep 0.5
  done
  echo "compare.sh: $url did not come up; logs:" >&2
  tail -20 "$work/xieshang.log" "$work/postgraphile.log" >&2
  exit 1
done

step "both answers hold the same items"
for query in "${queries[@]}"; do
  ask "$xieshang_url" "$here/queries/$query.graphql" "$work/$query.xieshang.json"
  ask "$postgraphile_url" "$here/postgraphile/$query.graphql" "$work/$query.postgraphile.json"
  printf '%s: ' "$query"
  node "$here/postgraphile/same-items.js" "$work/$query.xieshang.json" "$work/$query.postgraphile.json"
done

step "load: alternating sides"
"$bench" \
  --target "xieshang=$xieshang_url" --server-pid "xieshang=$xieshang_pid" \
  --target "postgraphile=$postgraphile_url" --server-pid "postgraphile=$postgraphile_pid" \
  --queries "postgraphile=$here/postgraphile" \
  --postgres-pid "$postmaster" "$@"
