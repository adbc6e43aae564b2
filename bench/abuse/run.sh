#!/usr/bin/env bash
# Victim's nearest latency under abuse, with the cost limits off and on, in the same run (same binary, same data).
# Six "anonymous" abusers (each its own loopback source address, so each is its own client to the limiter) hammer
# GraphQL with 20 aliased nearestServices and REST nearest with a 10-word search, 4 requests in flight each; a victim
# (another address) asks one plain nearest at a time. Reports the victim's median and spread, alone and under abuse.
# Loopback only, bounded: DURATION seconds of abuse per mode.
#
#   bash bench/abuse/run.sh            # needs the Release build and the local cluster (make db), seeds its own database
set -euo pipefail
cd "$(dirname "$0")/../.."
PORT=${PORT:-5190}
DB=${DB:-referral_bench_abuse}
DURATION=${DURATION:-30}
VICTIM_REQUESTS=${VICTIM_REQUESTS:-40}
PG="Host=127.0.0.1;Port=${REFERRAL_PG_PORT:-55432};Username=referral;Password=referral"
DLL=artifacts/bin/Referral.Api/release/Referral.Api.dll
[ -f "$DLL" ] || { echo "build first: dotnet build Referral.sln -c Release" >&2; exit 1; }
PGPASSWORD=referral psql -h 127.0.0.1 -p "${REFERRAL_PG_PORT:-55432}" -U referral -d postgres -qtc \
  "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1 \
  || PGPASSWORD=referral psql -h 127.0.0.1 -p "${REFERRAL_PG_PORT:-55432}" -U referral -d postgres -qc "CREATE DATABASE $DB"

NEAREST="/api/nearest?lat=9.9333&lng=-84.0833&limit=10"
SEARCH="/api/nearest?lat=9.93&lng=-84.08&limit=50&search=$(printf 'abuso%%20infantil%%20apoyo%%20psicologico%%20denuncia%%20policia%%20linea%%20ayuda%%20menores%%20violencia')"
GQL=$(python3 -c 'import json; print(json.dumps({"query": "{ " + " ".join(f"n{i}: nearestServices(near: {{lat: 9.9, lng: -84.1}}, first: 50) {{ results {{ distanceM }} remote {{ service {{ name }} }} }}" for i in range(20)) + " }"}))')

run_mode() { # $1 = label, $2.. = extra environment
  local label=$1; shift
  env "$@" ConnectionStrings__Referral="$PG;Database=$DB" Database__Migrate=true Seeding__Enabled=true \
    ASPNETCORE_URLS="http://127.0.0.1:$PORT" ASPNETCORE_ENVIRONMENT=Production dotnet "$DLL" >/dev/null 2>&1 &
  local app=$!
  for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$PORT/health/ready" >/dev/null && break; sleep 1; done
  victim() { for _ in $(seq 1 "$VICTIM_REQUESTS"); do
      curl -s -o /dev/null --interface 127.0.0.9 -w '%{time_total}\n' "http://127.0.0.1:$PORT$NEAREST"; done; }
  victim >/dev/null   # warm-up
  local alone; alone=$(victim | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]*1000, a[int(NR*0.1)+1]*1000, a[int(NR*0.9)]*1000}')
  local pids=() end=$((SECONDS + DURATION)) codes; codes=$(mktemp)
  for n in 2 3 4 5 6 7; do
    for lane in 1 2 3 4; do
      ( while [ $SECONDS -lt $end ]; do
          if [ $((lane % 2)) -eq 0 ]; then
            curl -s -o /dev/null -w '%{http_code}\n' --interface "127.0.0.$n" -H 'Content-Type: application/json' -d "$GQL" "http://127.0.0.1:$PORT/graphql"
          else
            curl -s -o /dev/null -w '%{http_code}\n' --interface "127.0.0.$n" "http://127.0.0.1:$PORT$SEARCH"
          fi
        done >> "$codes" ) &
      pids+=($!)
    done
  done
  sleep 3
  local abused; abused=$(victim | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]*1000, a[int(NR*0.1)+1]*1000, a[int(NR*0.9)]*1000}')
  wait "${pids[@]}" 2>/dev/null || true
  kill "$app"; wait "$app" 2>/dev/null || true
  read -r a50 a10 a90 <<<"$alone"; read -r b50 b10 b90 <<<"$abused"
  printf '%-12s victim alone p50 %.0f ms (p10–p90 %.0f–%.0f) | under abuse p50 %.0f ms (%.0f–%.0f) | ratio %.2f | abuse answers: %s\n' \
    "$label" "$a50" "$a10" "$a90" "$b50" "$b10" "$b90" "$(echo "$b50 / $a50" | bc -l)" \
    "$(sort "$codes" | uniq -c | awk '{printf "%s×%s ", $1, $2}')"
  rm -f "$codes"
}

run_mode "limits off" RateLimits__AnonymousPerMinute=1000000 RateLimits__ExpensiveConcurrency=1000 GraphQL__CostBudget=1000000
run_mode "limits on" RateLimits__AnonymousPerMinute=1000000
