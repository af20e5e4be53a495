#!/usr/bin/env bash
# Runs the graphql-http audit suite (npm graphql-http, serverAudits) against the real binary on a
# temporary SQLite database. Fails on any failed MUST or unmet SHOULD.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --locked --quiet
workdir=$(mktemp -d /tmp/xieshang-audit.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
XIESHANG_SQLITE_PATH="$workdir/audit.db" XIESHANG_DEMO=off XIESHANG_LISTEN="127.0.0.1:$port" \
  XIESHANG_LOG=warn "${CARGO_TARGET_DIR:-target}/debug/xieshang" serve &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$workdir"' EXIT

for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then break; fi
  sleep 0.2
done
curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null

(cd tools/graphql-http-audit && { [ -d node_modules ] || npm ci --no-audit --no-fund --silent; })
node tools/graphql-http-audit/audit.mjs "http://127.0.0.1:$port/graphql"
