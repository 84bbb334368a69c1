#!/usr/bin/env bash
# One gateway worker vs two (ADR 0021): registry, gateway (`serve gateway --workers N`)
# and the example agents, all on PostgreSQL + Redis on this machine, loaded by
# autocannon with GetTask calls (authenticated, quota-checked in Redis, forwarded,
# audited; the agent answers -32001). A fresh tenant per measured run keeps it
# under the tenant quota (10,000 calls a minute).
# Usage: [ROUNDS=3] [WARMUP=5] bench/gateway/workers-bench.sh [duration_s=5] [connections=50]
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${1:-5}
CONNECTIONS=${2:-50}
export PGOPTIONS="-c client_min_messages=warning"
PG=${PG_URL:-postgres://postgres@127.0.0.1:5432/test}
SCHEMA=workers_bench_$$
psql "$PG" -qc "create schema $SCHEMA"
WORK=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; psql "$PG" -qc "drop schema $SCHEMA cascade" || true; rm -rf "$WORK"; }
trap cleanup EXIT
export DATABASE_URL="$PG?options=-csearch_path%3D$SCHEMA" REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
export LOG_LEVEL=error AGENTMESH_DEV=1 AGENTMESH_ALLOW_HOSTS=127.0.0.1,localhost HOST=127.0.0.1
export GATEWAY_SECRET=workers-bench-secret-0123456789abcdef0123 GATEWAY_ADMIN_TOKEN=workers-bench-admin-0123456789
export GATEWAY_PUBLIC_URL=http://127.0.0.1:4720 GATEWAY_METRICS_PORT=4729 GATEWAY_DEFAULT_RPM=10000000
export REGISTRY_URL=http://127.0.0.1:4710
CLI=(node --import tsx src/cli/bin.ts)
wait_for() { until curl -sf "$1" >/dev/null; do sleep 0.3; done; }
"${CLI[@]}" serve registry --port 4710 --data-dir "$WORK/registry" >"$WORK/registry.log" 2>&1 & PIDS+=($!)
wait_for http://127.0.0.1:4710/ready
token_for() {
  local client id secret
  client=$(curl -sf -X POST http://127.0.0.1:4720/v1/clients -H "authorization: Bearer $GATEWAY_ADMIN_TOKEN" -H 'content-type: application/json' \
    -d "{\"name\":\"bench\",\"tenant\":\"$1\",\"scopes\":[\"a2a:tasks:read\"],\"authMethod\":\"client_secret_basic\",\"rateLimit\":{\"requestsPerMinute\":10000000,\"burst\":100000}}")
  id=$(node -p "JSON.parse(process.argv[1]).client_id" "$client"); secret=$(node -p "JSON.parse(process.argv[1]).client_secret" "$client")
  curl -sf -u "$id:$secret" -d grant_type=client_credentials http://127.0.0.1:4720/oauth/token | node -p 'JSON.parse(require("fs").readFileSync(0)).access_token'
}
# CPU ticks (1/100 s) of the gateway: the process and its workers (primary included).
cpu_ticks() { local sum=0 p; for p in $1 $(pgrep -P "$1" || true); do sum=$((sum + $(awk '{print $14+$15}' /proc/$p/stat))); done; echo $sum; }
run() {
  local workers=$1
  "${CLI[@]}" serve gateway --workers "$workers" --port 4720 --data-dir "$WORK/gateway" >"$WORK/gateway-$workers.log" 2>&1 & local gw=$!; PIDS+=($gw)
  until grep -q "gateway listening on" "$WORK/gateway-$workers.log"; do kill -0 $gw; sleep 0.3; done
  if [ -z "${AGENTS_PID:-}" ]; then
    GATEWAY_JWKS_URL=http://127.0.0.1:4720/.well-known/jwks.json GATEWAY_ISSUER=http://127.0.0.1:4720 AGENTMESH_REQUIRE_GATEWAY=1 \
      "${CLI[@]}" serve agents --only sales --port 4730 --data-dir "$WORK/agents" >"$WORK/agents.log" 2>&1 & AGENTS_PID=$!; PIDS+=($AGENTS_PID)
    wait_for http://127.0.0.1:4730/ready
  fi
  local warm token
  warm=$(token_for "warm-$workers-$RANDOM"); token=$(token_for "bench-$workers-$RANDOM")
  local body='{"jsonrpc":"2.0","id":1,"method":"GetTask","params":{"id":"no-such-task"}}'
  until curl -s -X POST http://127.0.0.1:4720/agents/sales -H "authorization: Bearer $warm" -H 'a2a-version: 1.0' -H 'content-type: application/json' -d "$body" | grep -q -- -32001; do sleep 0.3; done
  # warm-up on a tenant of its own (each tenant may make 10,000 calls a minute), then the measured run
  npx autocannon -c "$CONNECTIONS" -d "${WARMUP:-5}" -m POST -H "authorization=Bearer $warm" -H 'a2a-version=1.0' -H 'content-type=application/json' -b "$body" http://127.0.0.1:4720/agents/sales >/dev/null 2>&1
  echo "== --workers $workers: $CONNECTIONS connections, ${DURATION}s"
  local before out after primary_before primary_after
  before=$(cpu_ticks $gw); primary_before=$(awk '{print $14+$15}' /proc/$gw/stat)
  out=$(npx autocannon --json -c "$CONNECTIONS" -d "$DURATION" -m POST -H "authorization=Bearer $token" -H 'a2a-version=1.0' -H 'content-type=application/json' -b "$body" http://127.0.0.1:4720/agents/sales 2>/dev/null)
  after=$(cpu_ticks $gw); primary_after=$(awk '{print $14+$15}' /proc/$gw/stat)
  node -e '
    const r = JSON.parse(process.argv[1]); const cpuMs = Number(process.argv[2]) * 10;
    console.log(`req/s ${r.requests.average}  calls ${r.requests.total}  non-2xx ${r.non2xx}  errors ${r.errors}  p50 ${r.latency.p50} ms  p99 ${r.latency.p99} ms  gateway CPU ${Math.round((cpuMs * 1000) / r.requests.total)} µs/call (the primary process ${Math.round((Number(process.argv[3]) * 10 * 1000) / r.requests.total)})`);
  ' "$out" $((after - before)) $((primary_after - primary_before))
  kill -TERM $gw; wait $gw || true
}
for round in $(seq 1 "${ROUNDS:-3}"); do run 1; run 2; done
