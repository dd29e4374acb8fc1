#!/usr/bin/env bash
# Load test of GET /api/v1/lookup with wrk (Debian package "wrk"), as
# documented in BENCHMARKS.md. Usage:
#   [CONNS=8] api/loadtest/run.sh [DB] [DURATION]
# DB defaults to /tmp/catchment-loadtest.db; an empty DB gets the
# 1,000,000-pupil demo city (the first solve takes minutes). The server
# runs with the per-client look-up limit raised far above the offered load
# (so the limiter code runs but never refuses wrk's single address) and
# warn-level logs. Phase 1 measures a steady plan; phase 2 measures while a
# re-solve of the same city runs and swaps the published plan.
set -euo pipefail
cd "$(dirname "$0")/../.."
DB=${1:-/tmp/catchment-loadtest.db}
DUR=${2:-30s}
CONNS=${CONNS:-8}
ADDR=127.0.0.1:18090
BIN=$(mktemp -d)/catchment
go build -o "$BIN" ./cmd/catchment
"$BIN" serve --db "$DB" --addr "$ADDR" --demo-pupils 1000000 --lookup-rate 1000000 --lookup-burst 1000000 --log-level warn >"$BIN.out" 2>"$BIN.err" &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
until curl -sf "http://$ADDR/readyz" >/dev/null; do sleep 2; done
TOKEN=${CATCHMENT_TOKEN:-$(cat "$DB.token")}
BBOX=$(curl -s "http://$ADDR/api/v1/collections/zones-primary" | python3 -c 'import json,sys; b=json.load(sys.stdin)["extent"]["spatial"]["bbox"][0]; print(*b)')
echo "city bbox: $BBOX"
echo "== phase 1: steady plan"
wrk -t2 -c"$CONNS" -d"$DUR" --latency -s api/loadtest/lookup.lua "http://$ADDR" -- $BBOX
echo "== phase 2: during a re-solve and plan swap"
BEFORE=$(curl -s "http://$ADDR/api/v1/plans/current" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
JOB=$(curl -s -X POST -H "Authorization: Bearer $TOKEN" "http://$ADDR/api/v1/scenarios/demo/solve" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
while :; do
  wrk -t2 -c"$CONNS" -d"$DUR" --latency -s api/loadtest/lookup.lua "http://$ADDR" -- $BBOX
  STATE=$(curl -s -H "Authorization: Bearer $TOKEN" "http://$ADDR/api/v1/jobs/$JOB" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')
  echo "solve job: $STATE"
  [ "$STATE" = running ] || [ "$STATE" = queued ] || break
done
AFTER=$(curl -s "http://$ADDR/api/v1/plans/current" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
echo "published plan before $BEFORE, after $AFTER"
curl -s "http://$ADDR/metrics" | grep -E 'catchment_(plan_swaps|lookup_rate_limited)_total|route="/api/v1/lookup",code' || true
