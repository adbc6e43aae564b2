#!/usr/bin/env bash
# OGC API – Features and vector tile benchmark: GET /ogc/collections/services/items?bbox=<San José>&limit=100 and the
# z10 tile of San José (/tiles/services/10/272/483.mvt) through the API (wrk), against the bare PostGIS queries
# (bench/ogc/items-bbox.sql: the && box select; bench/ogc/tile.sql: ST_AsMVT of the same rows) through pgbench, at
# the same concurrency, in the same run. See bench/README.md.
#
#   bash bench/ogc/run.sh                          # 1M service locations (bench/generate.sql)
#   SIZE=100000 REPS=2 DURATION=10 bash bench/ogc/run.sh
#
# Settings (environment): SIZE, REPS, DURATION (s per measured run), WARMUP (s), CONNECTIONS, THREADS, SEED, API_PORT,
# BENCH_DB, REUSE_DB=1 (keep a database that already holds SIZE generated rows), REFERRAL_PG_PORT.
# It uses the Release build in artifacts/ (run `dotnet build -c Release` first), creates database $BENCH_DB (migrate,
# demo seed, bench/generate.sql), starts the API on 127.0.0.1:$API_PORT, stops it on exit; the cluster is left running.
set -euo pipefail

SIZE="${SIZE:-1000000}"
REPS="${REPS:-3}"
DURATION="${DURATION:-15}"
WARMUP="${WARMUP:-5}"
CONNECTIONS="${CONNECTIONS:-8}"
THREADS="${THREADS:-2}"
SEED="${SEED:-20261129}"
API_PORT="${API_PORT:-5151}"
BENCH_DB="${BENCH_DB:-referral_bench_ogc}"
REUSE_DB="${REUSE_DB:-0}"

export PGHOST=127.0.0.1 PGPORT="${REFERRAL_PG_PORT:-55432}" PGUSER=referral PGPASSWORD=referral
CONNSTR="Host=$PGHOST;Port=$PGPORT;Database=$BENCH_DB;Username=$PGUSER;Password=$PGPASSWORD"
API_URL="http://127.0.0.1:$API_PORT"
BBOX_URL="$API_URL/ogc/collections/services/items?bbox=-84.15,9.88,-84.00,10.00&limit=100"
TILE_URL="$API_URL/tiles/services/10/272/483.mvt"

REPO_ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)"
cd "$REPO_ROOT"
OUT=bench/.out/ogc
mkdir -p "$OUT" bench/results
API_DLL=artifacts/bin/Referral.Api/release/Referral.Api.dll
RESULTS="${RESULTS:-bench/results/ogc-$(date -u +%Y-%m-%d)-$SIZE.md}"

say() { printf '[bench-ogc %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { printf '[bench-ogc] ERROR: %s\n' "$*" >&2; exit 1; }
case "$BENCH_DB" in referral|postgres|template0|template1|*[!a-z0-9_]*) die "BENCH_DB must be a dedicated database name" ;; esac
for t in wrk curl psql pgbench; do command -v "$t" >/dev/null 2>&1 || [ -x "/usr/lib/postgresql/15/bin/$t" ] || die "missing: $t"; done
PATH="/usr/lib/postgresql/15/bin:$PATH"
[ -f "$API_DLL" ] || die "no Release build: run dotnet build Referral.sln -c Release first"
q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

API_PID=""
stop_api() {
  [ -n "$API_PID" ] && kill -0 "$API_PID" 2>/dev/null || return 0
  kill "$API_PID" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$API_PID" 2>/dev/null || break; sleep 0.2; done
  kill -9 "$API_PID" 2>/dev/null || true
  wait "$API_PID" 2>/dev/null || true
  API_PID=""
}
trap stop_api EXIT
trap 'exit 130' INT TERM

app() { ConnectionStrings__Referral="$CONNSTR" Logging__LogLevel__Default=Warning Seeding__Path="$REPO_ROOT/seed" dotnet "$API_DLL" "$@"; }

have="$(q -d "$BENCH_DB" -tA -c "SELECT count(*) FROM location WHERE name LIKE '[BENCH]%'" 2>/dev/null || echo 0)"
if [ "$REUSE_DB" = 1 ] && [ "$have" = "$SIZE" ]; then
  say "reusing $BENCH_DB ($SIZE rows)"
else
  say "database $BENCH_DB: recreate, migrate, seed, generate $SIZE service locations"
  q -d postgres -c "DROP DATABASE IF EXISTS $BENCH_DB WITH (FORCE)" -c "CREATE DATABASE $BENCH_DB" >/dev/null
  app migrate >"$OUT/migrate.log" 2>&1 || { tail -n 20 "$OUT/migrate.log" >&2; die "migrate failed"; }
  app seed >"$OUT/seed.log" 2>&1 || { tail -n 20 "$OUT/seed.log" >&2; die "seed failed"; }
  q -d "$BENCH_DB" -v n="$SIZE" -v seed="$SEED" -f bench/generate.sql >"$OUT/generate.log" 2>&1 || { tail -n 20 "$OUT/generate.log" >&2; die "generate failed"; }
fi
q -d "$BENCH_DB" -c "VACUUM ANALYZE location" -c "VACUUM ANALYZE service_at_location" >/dev/null

say "starting the API (Release, Production) on $API_URL"
(export ConnectionStrings__Referral="$CONNSTR" ASPNETCORE_URLS="$API_URL" ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning \
   RateLimits__AnonymousPerMinute=2000000000 RateLimits__AuthenticatedPerMinute=2000000000
 exec dotnet "$API_DLL") >"$OUT/api.log" 2>&1 &
API_PID=$!
for _ in $(seq 1 120); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$API_URL/health/live" || true)" = 200 ] && break
  kill -0 "$API_PID" 2>/dev/null || { tail -n 20 "$OUT/api.log" >&2; die "the API exited"; }
  sleep 0.5
done
returned="$(curl -s "$BBOX_URL" | grep -o '"numberReturned":[0-9]*' | cut -d: -f2 || true)"
matched="$(curl -s "$BBOX_URL" | grep -o '"numberMatched":[0-9]*' | cut -d: -f2 || true)"; matched="${matched:-more than 1000}"
tile_bytes="$(curl -s -o "$OUT/tile.mvt" -w '%{size_download}' "$TILE_URL")"
sql_rows="$(q -d "$BENCH_DB" -tA -f bench/ogc/items-bbox.sql | wc -l)"
sql_tile="$(q -d "$BENCH_DB" -tA -f bench/ogc/tile.sql)"
say "items: $returned of $matched features (SQL: $sql_rows rows); tile: $tile_bytes bytes (SQL, fewer attributes: $sql_tile bytes)"

wrk_run() { # url → "req/s p50_ms"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$1" >"$OUT/wrk.txt" 2>&1
  local rps p50
  rps="$(awk '/Requests\/sec/ {print $2}' "$OUT/wrk.txt")"
  p50="$(awk '$1 == "50%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; print v}' "$OUT/wrk.txt")"
  echo "$rps $p50"
}
pgbench_run() { # file → tps
  pgbench -n -M extended -c "$CONNECTIONS" -j "$THREADS" -T "$DURATION" -f "$1" "$BENCH_DB" 2>&1 | awk '/^tps/ {print $3; exit}'
}
median() { sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
range() { sort -g | awk 'NR==1 {lo=$1} {hi=$1} END {printf "%s–%s", lo, hi}'; }

say "warm-up ${WARMUP} s"
wrk -t1 -c2 -d"${WARMUP}s" "$BBOX_URL" >/dev/null 2>&1 || true
wrk -t1 -c2 -d"${WARMUP}s" "$TILE_URL" >/dev/null 2>&1 || true

: >"$OUT/raw.txt"
for rep in $(seq 1 "$REPS"); do
  say "rep $rep/$REPS"
  read -r a b <<<"$(wrk_run "$BBOX_URL")"; echo "bbox_api $a $b" >>"$OUT/raw.txt"
  echo "bbox_sql $(pgbench_run bench/ogc/items-bbox.sql)" >>"$OUT/raw.txt"
  read -r a b <<<"$(wrk_run "$TILE_URL")"; echo "tile_api $a $b" >>"$OUT/raw.txt"
  echo "tile_sql $(pgbench_run bench/ogc/tile.sql)" >>"$OUT/raw.txt"
done
stop_api

col() { awk -v k="$1" -v c="$2" '$1 == k {print $c}' "$OUT/raw.txt"; }
ratio() { paste <(col "$1" 2) <(col "$2" 2) | awk '{print $1 / $2}'; }
{
  echo "# OGC API / vector tile benchmark, $SIZE service locations ($(date -u +%Y-%m-%d))"
  echo
  echo "Indicative: a shared 2-core machine under other load. wrk -t$THREADS -c$CONNECTIONS and pgbench -c$CONNECTIONS -j$THREADS -M extended,"
  echo "${DURATION} s per run, $REPS runs each, interleaved; median (min–max). API: Release build, Production settings."
  echo
  echo "| request | API req/s | bare SQL tx/s | API/SQL | API p50 ms |"
  echo "|---|---|---|---|---|"
  echo "| items bbox (San José, limit 100; $matched matched) | $(col bbox_api 2 | median) ($(col bbox_api 2 | range)) | $(col bbox_sql 2 | median) ($(col bbox_sql 2 | range)) | $(ratio bbox_api bbox_sql | median) | $(col bbox_api 3 | median) |"
  echo "| z10 tile 10/272/483 ($tile_bytes bytes) | $(col tile_api 2 | median) ($(col tile_api 2 | range)) | $(col tile_sql 2 | median) ($(col tile_sql 2 | range)) | $(ratio tile_api tile_sql | median) | $(col tile_api 3 | median) |"
} | tee "$RESULTS"
say "written to $RESULTS"
