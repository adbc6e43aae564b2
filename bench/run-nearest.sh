#!/usr/bin/env bash
# Nearest benchmark: GET /api/nearest through the API (wrk) against the same SQL through pgbench, at the same
# concurrency, in the same run, at 100k and 1M synthetic service locations. See bench/README.md.
#
#   bash bench/run-nearest.sh                      # full run (100k and 1M), about 15-20 minutes on 2 cores
#   SIZES=100000 REPS=2 DURATION=10 bash bench/run-nearest.sh   # quick run
#
# Settings (environment): SIZES, REPS, DURATION (s per measured run), WARMUP (s), CONNECTIONS, THREADS, K
# (results per query), SEED (data), REQUEST_SEED (wrk and pgbench request sequences), ORIGINS, API_PORT,
# BENCH_DB, RESULTS (results file), API=0 (SQL runs only), API_SQL=0 (skip the third measurement: the API's own
# statements through pgbench, bench/nearest-api-sql.sql), CHECKS (API-vs-SQL result comparisons, default 27),
# PGBENCH_MODE (extended, like Npgsql's default; or prepared), API_CONNSTR_EXTRA (appended to the API's
# connection string, e.g. "Max Auto Prepare=32" to try Npgsql automatic preparation), REUSE_DB=1 (keep the
# database when it already holds a generated set of that size: for trying API or SQL changes quickly),
# FLOOR=0 (skip the floor reference: bench/floor.sql + bench/nearest-floor.sql), C1=0 (skip the runs at concurrency 1),
# BENCH_QUERY (appended to every API request, e.g. '&search=centro': search combined with nearest; the SQL references
# do not search), INDEX_WAIT=0 (do not wait for the API's in-process nearest index to load before the warm-up),
# ANALYZE_ALL=0 (leave the tiny taxonomy tables without statistics, as the app leaves them: see README),
# BUILD_REF (a git revision, e.g. HEAD: benchmark that commit, exported with git archive into bench/.out/src,
# instead of the working tree), REUSE_BUILD=1 (use the API already published in bench/.out/api: publish it beforehand,
# outside the benchmark lock, e.g. REUSE_BUILD=0 ... or dotnet publish src/Referral.Api -c Release -o bench/.out/api), REFERRAL_PG_PORT.
#
# What it does, once per size: recreate database $BENCH_DB, migrate, load the seed, generate the synthetic
# directory (bench/generate.sql), start the API (Release build, Production settings) on 127.0.0.1:$API_PORT,
# warm up, then REPS times: wrk for DURATION s, pgbench (bench/nearest.sql) for DURATION s and pgbench
# (bench/nearest-api-sql.sql) for DURATION s; stop the API. Then it prints the table
# and writes it to bench/results/. All load goes to 127.0.0.1. The API it started is stopped on exit; the local
# PostgreSQL cluster is left running (other work may be using it) and the database is kept for inspection.
set -euo pipefail

SIZES="${SIZES:-100000 1000000}"
REPS="${REPS:-3}"
DURATION="${DURATION:-20}"
WARMUP="${WARMUP:-10}"
CONNECTIONS="${CONNECTIONS:-16}"
THREADS="${THREADS:-2}"
K="${K:-10}"
SEED="${SEED:-20261129}"
REQUEST_SEED="${REQUEST_SEED:-42}"
ORIGINS="${ORIGINS:-10000}"
API_PORT="${API_PORT:-5090}"
BENCH_DB="${BENCH_DB:-referral_bench}"
API="${API:-1}"
CHECKS="${CHECKS:-27}"
API_SQL="${API_SQL:-1}"
PGBENCH_MODE="${PGBENCH_MODE:-extended}"
API_CONNSTR_EXTRA="${API_CONNSTR_EXTRA:-}"
REUSE_DB="${REUSE_DB:-0}"
ANALYZE_ALL="${ANALYZE_ALL:-1}"
BUILD_REF="${BUILD_REF:-}"
FLOOR="${FLOOR:-1}"
C1="${C1:-1}"
INDEX_WAIT="${INDEX_WAIT:-1}"
REUSE_BUILD="${REUSE_BUILD:-0}"

export PGHOST=127.0.0.1 PGPORT="${REFERRAL_PG_PORT:-55432}" PGUSER=referral PGPASSWORD=referral
CONNSTR="Host=$PGHOST;Port=$PGPORT;Database=$BENCH_DB;Username=$PGUSER;Password=$PGPASSWORD"
API_URL="http://127.0.0.1:$API_PORT"

REPO_ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$REPO_ROOT"
OUT=bench/.out                       # scratch (git-ignored): published API, logs, origins, raw figures
mkdir -p "$OUT" bench/results
DATE="$(date -u +%Y-%m-%d)"
if [ "$SIZES" = "100000 1000000" ]; then
  RESULTS="${RESULTS:-bench/results/nearest-$DATE.md}"
else
  RESULTS="${RESULTS:-bench/results/nearest-$DATE-$(printf '%s' "$SIZES" | tr ' ' '-').md}"
fi

say() { printf '[bench %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { printf '[bench] ERROR: %s\n' "$*" >&2; exit 1; }

for v in REPS DURATION WARMUP CONNECTIONS THREADS K SEED REQUEST_SEED ORIGINS API_PORT CHECKS ANALYZE_ALL FLOOR C1 INDEX_WAIT; do
  case "${!v}" in ''|*[!0-9]*) die "$v must be a positive integer (got '${!v}')" ;; esac
done
for s in $SIZES; do
  case "$s" in ''|*[!0-9]*) die "SIZES must be row counts (got '$s')" ;; esac
done
case "$BENCH_DB" in referral|postgres|template0|template1|*[!a-z0-9_]*) die "BENCH_DB must be a dedicated database name (got '$BENCH_DB')" ;; esac
case "$PGBENCH_MODE" in extended|prepared) ;; *) die "PGBENCH_MODE must be extended or prepared" ;; esac
API_CONNSTR="$CONNSTR${API_CONNSTR_EXTRA:+;$API_CONNSTR_EXTRA}"

# ------------------------------------------------------------------------------------------- tools ---
PG_BIN=/usr/lib/postgresql/15/bin
psql_bin() { if [ -x "$PG_BIN/$1" ]; then printf '%s' "$PG_BIN/$1"; else command -v "$1"; fi; }
need() {
  local missing=()
  command -v wrk >/dev/null 2>&1 || missing+=(wrk)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  [ -n "$(psql_bin pgbench 2>/dev/null)" ] || missing+=(postgresql-client-15)
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null || die "apt-get install ${missing[*]} failed"
  else
    die "missing: ${missing[*]} (Debian: apt-get install -y ${missing[*]})"
  fi
}
need
command -v dotnet >/dev/null 2>&1 || die "dotnet (SDK 10) is not on PATH"
PSQL="$(psql_bin psql)"
PGBENCH="$(psql_bin pgbench)"
q() { "$PSQL" -X -q -v ON_ERROR_STOP=1 "$@"; }

# ------------------------------------------------------------------------------------------ cleanup ---
API_PID=""
SAMPLER_PID=""
# stop_pid (and the other shared helpers; q is redefined below with this script's psql).
# shellcheck source=bench/lib.sh
. bench/lib.sh
q() { "$PSQL" -X -q -v ON_ERROR_STOP=1 "$@"; }
stop_api() { stop_pid "$API_PID"; API_PID=""; }
cleanup() {
  local rc=$?
  stop_pid "$SAMPLER_PID"
  stop_api
  rm -f "$OUT"/pgbench-log.* 2>/dev/null || true
  [ "$rc" -eq 0 ] || say "stopped (exit $rc); API stopped, database $BENCH_DB kept"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------------------------------ helpers ---
# stats: median, min, max of the numbers on stdin ("median min max").
stats() {
  sort -g | awk '{ v[NR] = $1 } END {
    if (NR == 0) { print "nan nan nan"; exit }
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "%.6g %.6g %.6g\n", m, v[1], v[NR] }'
}
# cell: "median (min–max)" with the given printf format
cell() { # $1 format, stdin numbers
  local m lo hi
  read -r m lo hi < <(stats)
  if [ "$m" = nan ]; then printf 'n/a'; return; fi
  # shellcheck disable=SC2059
  printf "$1 ($1–$1)" "$m" "$lo" "$hi"
}
kv() { sed -n "s/^$2=//p" "$1" | head -n1; } # kv file key

api_status() { curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$API_URL$1" || true; }

# CPU accounting (what the two shared cores were spent on), from /proc: utime + stime in clock ticks.
TICK="$(getconf CLK_TCK)"
proc_ticks() { # pid → ticks (0 when gone)
  local line rest
  { read -r line <"/proc/$1/stat"; } 2>/dev/null || { echo 0; return; }
  rest="${line##*) }"
  # shellcheck disable=SC2086
  set -- $rest
  echo $(( ${12} + ${13} ))
}
backend_pids() { pgrep -f "^postgres: [^ ]+ $BENCH_DB " || true; } # server processes of our database only
snapshot_backends() { local p; for p in $(backend_pids); do echo "$p $(proc_ticks "$p")"; done; }
start_sampler() { # keeps the last tick count of every backend (short-lived pgbench connections included)
  snapshot_backends >"$OUT/cpu-base.txt"
  : >"$OUT/cpu-samples.txt"
  ( while :; do snapshot_backends >>"$OUT/cpu-samples.txt"; sleep 0.25; done ) &
  SAMPLER_PID=$!
}
stop_sampler() { # → CPU seconds used by our database's backends since start_sampler
  snapshot_backends >>"$OUT/cpu-samples.txt"
  stop_pid "$SAMPLER_PID"; SAMPLER_PID=""
  awk -v tick="$TICK" 'FNR == NR { base[$1] = $2; next }
    { if (!($1 in last) || $2 > last[$1]) last[$1] = $2 }
    END { for (p in last) { d = last[p] - ((p in base) ? base[p] : 0); if (d > 0) t += d }; printf "%.2f\n", t / tick }' \
    "$OUT/cpu-base.txt" "$OUT/cpu-samples.txt"
}
client_cpu() { awk '{ printf "%.2f\n", $1 + $2 }' "$OUT/client-time.txt"; } # user + sys of the last wrk/pgbench

start_api() {
  if [ "$(api_status /health/live)" != "000" ]; then
    die "something already answers on $API_URL: stop it or set API_PORT"
  fi
  say "starting the API (Release, Production) on $API_URL"
  (
    cd "$OUT/api"
    # All load comes from one address: lift the per-address rate and concurrency limits (the limiter stays in the pipeline).
    export ConnectionStrings__Referral="$API_CONNSTR" ASPNETCORE_URLS="$API_URL" ASPNETCORE_ENVIRONMENT=Production \
      Logging__LogLevel__Default=Warning RateLimits__AnonymousPerMinute=2000000000 RateLimits__AuthenticatedPerMinute=2000000000 \
      RateLimits__ExpensiveConcurrency=100000 RateLimits__ExpensiveQueue=100000
    # The nearest index logs its loads at Information (the rest stays at Warning): start_api waits for the first.
    exec env "Logging__LogLevel__Referral.Api.Features.Referrals.NearestIndex=Information" dotnet Referral.Api.dll
  ) >"$OUT/api.log" 2>&1 &
  API_PID=$!
  local i
  for i in $(seq 1 120); do
    kill -0 "$API_PID" 2>/dev/null || { tail -n 30 "$OUT/api.log" >&2; die "the API exited during start-up (see bench/.out/api.log)"; }
    [ "$(api_status /health/live)" = "200" ] && break
    sleep 0.5
  done
  [ "$(api_status /health/live)" = "200" ] || die "the API did not answer $API_URL/health/live within 60 s"
  # Measure the in-process nearest index, not the SQL path that answers while it loads (INDEX_WAIT=0: do not wait).
  if [ "$INDEX_WAIT" = 1 ]; then
    for i in $(seq 1 1200); do
      grep -q 'Nearest index: ' "$OUT/api.log" && { say "$(grep -o 'Nearest index: .*' "$OUT/api.log" | head -n1)"; return 0; }
      kill -0 "$API_PID" 2>/dev/null || die "the API exited while loading its nearest index (see bench/.out/api.log)"
      sleep 0.5
    done
    die "the nearest index did not load within 600 s (bench/.out/api.log)"
  fi
}

# pgbench run → key=value file: tps, p50/p90/p99 from the per-transaction log, failures, CPU seconds.
run_pgbench() { # $1 duration, $2 result file (empty: warm-up), $3 script (default bench/nearest.sql), $4 clients
  local out="$2" script="${3:-bench/nearest.sql}" clients="${4:-$CONNECTIONS}" log="" pg_cpu TIMEFORMAT='%U %S'
  local jobs=$(( clients < THREADS ? clients : THREADS ))
  rm -f "$OUT"/pgbench-log.*
  [ -n "$out" ] && log="-l --log-prefix=$OUT/pgbench-log"
  start_sampler
  # shellcheck disable=SC2086
  { time "$PGBENCH" -n -M "$PGBENCH_MODE" -c "$clients" -j "$jobs" -T "$1" --random-seed="$REQUEST_SEED" \
      -D k="$K" -D origins="$ORIGINS" -f "$script" $log "$BENCH_DB" >"$OUT/pgbench.txt" 2>&1 ; } 2>"$OUT/client-time.txt" \
    || { cat "$OUT/pgbench.txt" >&2; die "pgbench failed"; }
  pg_cpu="$(stop_sampler)"
  [ -n "$out" ] || return 0
  local tps failed
  tps="$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' "$OUT/pgbench.txt")"
  failed="$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$OUT/pgbench.txt")"
  cat "$OUT"/pgbench-log.* | awk '{ print $3 / 1000 }' | sort -g | awk -v tps="$tps" -v failed="${failed:-0}" '
    { v[NR] = $1; s += $1 }
    function pct(p,  i) { i = int(p / 100 * NR); if (i < p / 100 * NR) i++; if (i < 1) i = 1; return v[i] }
    END {
      printf "rps=%s\nrequests=%d\np50_ms=%.3f\np90_ms=%.3f\np99_ms=%.3f\nmean_ms=%.3f\nmax_ms=%.3f\nerrors=%d\n",
        tps, NR, pct(50), pct(90), pct(99), s / NR, v[NR], failed }' >"$out"
  printf 'cpu_pg_s=%s\ncpu_client_s=%s\n' "$pg_cpu" "$(client_cpu)" >>"$out"
  rm -f "$OUT"/pgbench-log.*
}

# wrk run → key=value file (written by bench/nearest.lua) plus CPU seconds of the API, PostgreSQL and wrk.
run_wrk() { # $1 duration, $2 result file (empty: warm-up), $3 connections
  local out="${2:-$OUT/wrk-warmup.txt}" conns="${3:-$CONNECTIONS}" api0 pg_cpu TIMEFORMAT='%U %S'
  local threads=$(( conns < THREADS ? conns : THREADS ))
  api0="$(proc_ticks "$API_PID")"
  start_sampler
  { time env BENCH_ORIGINS="$OUT/origins.csv" BENCH_RESULT="$out" BENCH_LIMIT="$K" BENCH_SEED="$REQUEST_SEED" BENCH_QUERY="${BENCH_QUERY:-}" \
      wrk -t"$threads" -c"$conns" -d"$1"s --timeout 10s -s bench/nearest.lua "$API_URL" >"$OUT/wrk.txt" 2>&1 ; } \
      2>"$OUT/client-time.txt" \
    || { cat "$OUT/wrk.txt" >&2; die "wrk failed"; }
  pg_cpu="$(stop_sampler)"
  printf 'cpu_app_s=%s\ncpu_pg_s=%s\ncpu_client_s=%s\n' \
    "$(awk -v a="$api0" -v b="$(proc_ticks "$API_PID")" -v t="$TICK" 'BEGIN { printf "%.2f", (b - a) / t }')" \
    "$pg_cpu" "$(client_cpu)" >>"$out"
}

prepare_floor() { # the floor reference: bench_floor (id, category, public_point) + GiST (category, public_point)
  say "floor table (bench/floor.sql)"
  q -d "$BENCH_DB" -f bench/floor.sql >"$OUT/floor.log" 2>&1 || { tail -n 20 "$OUT/floor.log" >&2; die "bench/floor.sql failed"; }
}
api_rss_mib() { # resident memory of the API process now and its peak (VmRSS VmHWM, MiB)
  awk '/^VmRSS/ { r = $2 } /^VmHWM/ { h = $2 } END { printf "%.0f %.0f\n", r / 1024, h / 1024 }' "/proc/$API_PID/status" 2>/dev/null || echo "0 0"
}

bench_rows() { # generated services in $BENCH_DB, or nothing when there is no generated set
  q -d "$BENCH_DB" -tA -c "SELECT count(*) FROM service WHERE is_demo AND name LIKE '[BENCH]%' AND to_regclass('bench_origin') IS NOT NULL" 2>/dev/null || true
}

prepare_db() { # $1 rows
  if [ "$REUSE_DB" = 1 ] && [ "$(bench_rows)" = "$1" ] && [ "$(q -d "$BENCH_DB" -tA -c "SELECT count(*) FROM bench_origin")" = "$ORIGINS" ]; then
    say "database $BENCH_DB already holds $1 generated rows: reusing it (REUSE_DB=1)"
    GEN_SECONDS[$1]="(reused)"
    q -d "$BENCH_DB" -c "\\copy (SELECT lat, lng FROM bench_origin ORDER BY id) TO '$OUT/origins.csv' WITH (FORMAT csv)"
    DB_SIZE[$1]="$(q -d "$BENCH_DB" -tA -c "SELECT pg_size_pretty(pg_database_size(current_database()))")"
    return 0
  fi
  say "database $BENCH_DB: recreate, migrate, seed"
  q -d postgres -c "DROP DATABASE IF EXISTS $BENCH_DB WITH (FORCE)" -c "CREATE DATABASE $BENCH_DB" >/dev/null
  q -d "$BENCH_DB" -c "SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS postgis" >/dev/null
  (cd "$OUT/api" && ConnectionStrings__Referral="$CONNSTR" Logging__LogLevel__Default=Warning dotnet Referral.Api.dll migrate) \
    >"$OUT/migrate.log" 2>&1 || { tail -n 30 "$OUT/migrate.log" >&2; die "migrate failed (see bench/.out/migrate.log)"; }
  (cd "$OUT/api" && ConnectionStrings__Referral="$CONNSTR" Logging__LogLevel__Default=Warning Seeding__Path="$SEED_DIR" \
     dotnet Referral.Api.dll seed) \
    >"$OUT/seed.log" 2>&1 || { tail -n 30 "$OUT/seed.log" >&2; die "seed failed (see bench/.out/seed.log)"; }
  q -d "$BENCH_DB" -c "SELECT 1 FROM pg_attribute WHERE attrelid = 'location'::regclass AND attname = 'public_point'" -tA \
    | grep -q 1 || die "location.public_point is missing: the migrations in this tree do not have it yet"
  say "generating $1 service locations (bench/generate.sql)"
  local t0=$SECONDS
  q -d "$BENCH_DB" -v n="$1" -v seed="$SEED" -v origins="$ORIGINS" -v analyze_all="$ANALYZE_ALL" -f bench/generate.sql >"$OUT/generate-$1.log" 2>&1 \
    || { tail -n 30 "$OUT/generate-$1.log" >&2; die "generate.sql failed (see bench/.out/generate-$1.log)"; }
  GEN_SECONDS[$1]=$((SECONDS - t0))
  q -d "$BENCH_DB" -c "\\copy (SELECT lat, lng FROM bench_origin ORDER BY id) TO '$OUT/origins.csv' WITH (FORMAT csv)"
  DB_SIZE[$1]="$(q -d "$BENCH_DB" -tA -c "SELECT pg_size_pretty(pg_database_size(current_database()))")"
}

CATEGORIES=(police helpline legal_aid social_services health psychosocial shelter online_reporting justice)
sql_for() { # $1 origin row, $2 category number (1-9): the pgbench statement with its variables filled in
  sed -e '/^\\set/d' -e '/^--/d' -e "s/:origin/$1/g; s/:category/$2/g" \
    -e "s/:candidates/$((K * 3 + 10))/g; s/:k/$K/g" bench/nearest.sql
}

explain_sample() { # one plan of the pgbench statement: origin 1, category shelter (7)
  { echo "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)"; sql_for 1 7; } | q -d "$BENCH_DB" 2>&1
}

# Does the API answer what the SQL answers? CHECKS (origin, category) pairs: same ordered service_at_location ids.
check_agreement() { # → "same/total"
  local i o c lat lng same=0 total=0
  : >"$OUT/agreement-diff.txt"
  for i in $(seq 1 "$CHECKS"); do
    o=$(( (i * 7919) % ORIGINS + 1 )); c=$(( (i - 1) % 9 + 1 ))
    IFS=, read -r lat lng < <(sed -n "${o}p" "$OUT/origins.csv")
    curl -s --max-time 30 "$API_URL/api/nearest?lat=$lat&lng=$lng&category=${CATEGORIES[$((c - 1))]}&limit=$K" \
      | grep -o '"service_at_location_id":"[0-9a-f-]*"' | cut -d'"' -f4 >"$OUT/check-api.txt" || true
    sql_for "$o" "$c" | q -d "$BENCH_DB" -tA -F'|' | cut -d'|' -f1 >"$OUT/check-sql.txt"
    total=$((total + 1))
    if [ -s "$OUT/check-sql.txt" ] && cmp -s "$OUT/check-api.txt" "$OUT/check-sql.txt"; then
      same=$((same + 1))
    else
      { echo "origin $o ($lat,$lng) category ${CATEGORIES[$((c - 1))]}: API | SQL"
        paste -d' ' "$OUT/check-api.txt" "$OUT/check-sql.txt"; echo; } >>"$OUT/agreement-diff.txt"
    fi
  done
  echo "$same/$total"
}

# ---------------------------------------------------------------------------------------------- run ---
declare -A GEN_SECONDS DB_SIZE PLAN AGREE
T_START=$SECONDS
say "sizes: $SIZES; $REPS x ${DURATION}s per tool; -c$CONNECTIONS, $THREADS threads; k=$K"
# A cluster that already answers on PGPORT is used as it is (a shared one); else the repository's local one is started.
q -d postgres -c "SELECT 1" >/dev/null 2>&1 || bash scripts/localdb.sh start >&2

SRC_DIR=.
SEED_DIR="$REPO_ROOT/seed"
if [ -n "$BUILD_REF" ]; then
  git rev-parse --verify -q "$BUILD_REF^{commit}" >/dev/null || die "BUILD_REF=$BUILD_REF is not a commit"
  say "exporting $BUILD_REF ($(git rev-parse --short "$BUILD_REF")) into bench/.out/src"
  rm -rf "$OUT/src" && mkdir -p "$OUT/src"
  git archive "$BUILD_REF" | tar -x -C "$OUT/src"
  SRC_DIR="$OUT/src"
  SEED_DIR="$REPO_ROOT/$OUT/src/seed"
fi
if [ "$REUSE_BUILD" = 1 ] && [ -f "$OUT/api/Referral.Api.dll" ]; then
  say "reusing the API published in bench/.out/api (REUSE_BUILD=1)"
else
  say "building the API (dotnet publish -c Release)"
  rm -rf "$OUT/api"
  dotnet publish "$SRC_DIR/src/Referral.Api" -c Release -o "$OUT/api" --nologo -v q >"$OUT/publish.log" 2>&1 \
    || { grep -E 'error' "$OUT/publish.log" | sed "s|$REPO_ROOT/||g" | head -n 20 >&2
         die "dotnet publish failed (see bench/.out/publish.log; BUILD_REF=HEAD benchmarks the last commit instead)"; }
fi

COLUMNS_RAW="rows rep load1 api_rps api_requests api_p50 api_p99 api_errors api_cpu_app api_cpu_pg api_cpu_client sql_tps sql_requests sql_p50 sql_p99 sql_errors sql_cpu_pg sql_cpu_client asql_tps asql_requests asql_p50 asql_p99 asql_errors asql_cpu_pg asql_cpu_client floor_tps floor_requests floor_p50 floor_p99 floor_errors floor_cpu_pg api1_rps api1_p50 api1_p99 api1_errors floor1_tps floor1_p50 floor1_p99 api_rss api_hwm"
RAW="$OUT/raw.tsv"
echo "$COLUMNS_RAW" | tr ' ' '\t' >"$RAW"

for size in $SIZES; do
  stop_api
  prepare_db "$size"
  [ "$FLOOR" = 1 ] && prepare_floor
  PLAN[$size]="$(explain_sample)"
  have_api=0
  AGREE[$size]="not checked"
  if [ "$API" = 1 ]; then
    start_api
    # The first request compiles and connects: on a loaded machine it may take longer than one curl's 10 s.
    for _ in 1 2 3 4 5 6; do
      code="$(api_status '/api/nearest?lat=9.93&lng=-84.08&category=police&limit=10')"
      [ "$code" = 200 ] && break
      sleep 5
    done
    if [ "$code" = 200 ]; then
      have_api=1
    else
      say "GET /api/nearest answers HTTP $code: measuring pgbench only"
      stop_api
    fi
  fi
  say "$size rows: warm-up ${WARMUP}s"
  if [ "$have_api" = 1 ]; then
    run_wrk "$WARMUP" ""
    AGREE[$size]="$(check_agreement)"
    say "$size rows: API and SQL agree on ${AGREE[$size]} sample queries"
  fi
  run_pgbench "$(( WARMUP / 2 > 0 ? WARMUP / 2 : 1 ))" ""
  [ "$API_SQL" = 1 ] && run_pgbench "$(( WARMUP / 2 > 0 ? WARMUP / 2 : 1 ))" "" bench/nearest-api-sql.sql
  [ "$FLOOR" = 1 ] && run_pgbench "$(( WARMUP / 2 > 0 ? WARMUP / 2 : 1 ))" "" bench/nearest-floor.sql
  for rep in $(seq 1 "$REPS"); do
    load1="$(cut -d' ' -f1 /proc/loadavg)"
    a="$OUT/api-$size-$rep.txt" s="$OUT/sql-$size-$rep.txt" x="$OUT/apisql-$size-$rep.txt"
    f="$OUT/floor-$size-$rep.txt" a1="$OUT/api1-$size-$rep.txt" f1="$OUT/floor1-$size-$rep.txt"
    rm -f "$a" "$x" "$f" "$a1" "$f1"
    if [ "$have_api" = 1 ]; then
      say "$size rows, repetition $rep/$REPS: wrk ${DURATION}s"
      run_wrk "$DURATION" "$a"
      read -r rss hwm < <(api_rss_mib)
      printf 'rss_mib=%s\nhwm_mib=%s\n' "$rss" "$hwm" >>"$a"
    fi
    if [ "$FLOOR" = 1 ]; then
      say "$size rows, repetition $rep/$REPS: pgbench (floor) ${DURATION}s"
      run_pgbench "$DURATION" "$f" bench/nearest-floor.sql
    fi
    if [ "$C1" = 1 ]; then
      if [ "$have_api" = 1 ]; then
        say "$size rows, repetition $rep/$REPS: wrk -c1 ${DURATION}s"
        run_wrk "$DURATION" "$a1" 1
      fi
      if [ "$FLOOR" = 1 ]; then
        say "$size rows, repetition $rep/$REPS: pgbench (floor) -c1 ${DURATION}s"
        run_pgbench "$DURATION" "$f1" bench/nearest-floor.sql 1
      fi
    fi
    say "$size rows, repetition $rep/$REPS: pgbench ${DURATION}s"
    run_pgbench "$DURATION" "$s"
    if [ "$API_SQL" = 1 ]; then
      say "$size rows, repetition $rep/$REPS: pgbench (the API's statements) ${DURATION}s"
      run_pgbench "$DURATION" "$x" bench/nearest-api-sql.sql
    fi
    {
      printf '%s\t%s\t%s' "$size" "$rep" "$load1"
      if [ -f "$a" ]; then
        printf '\t%s' "$(kv "$a" rps)" "$(kv "$a" requests)" "$(kv "$a" p50_ms)" "$(kv "$a" p99_ms)" \
          "$(( $(kv "$a" errors) + $(kv "$a" non2xx) ))" "$(kv "$a" cpu_app_s)" "$(kv "$a" cpu_pg_s)" "$(kv "$a" cpu_client_s)"
      else
        printf '\t%s' "" "" "" "" "" "" "" ""
      fi
      printf '\t%s' "$(kv "$s" rps)" "$(kv "$s" requests)" "$(kv "$s" p50_ms)" "$(kv "$s" p99_ms)" "$(kv "$s" errors)" \
        "$(kv "$s" cpu_pg_s)" "$(kv "$s" cpu_client_s)"
      if [ -f "$x" ]; then
        printf '\t%s' "$(kv "$x" rps)" "$(kv "$x" requests)" "$(kv "$x" p50_ms)" "$(kv "$x" p99_ms)" "$(kv "$x" errors)" \
          "$(kv "$x" cpu_pg_s)" "$(kv "$x" cpu_client_s)"
      else
        printf '\t%s' "" "" "" "" "" "" ""
      fi
      if [ -f "$f" ]; then
        printf '\t%s' "$(kv "$f" rps)" "$(kv "$f" requests)" "$(kv "$f" p50_ms)" "$(kv "$f" p99_ms)" "$(kv "$f" errors)" "$(kv "$f" cpu_pg_s)"
      else
        printf '\t%s' "" "" "" "" "" ""
      fi
      if [ -f "$a1" ]; then
        printf '\t%s' "$(kv "$a1" rps)" "$(kv "$a1" p50_ms)" "$(kv "$a1" p99_ms)" "$(( $(kv "$a1" errors) + $(kv "$a1" non2xx) ))"
      else
        printf '\t%s' "" "" "" ""
      fi
      if [ -f "$f1" ]; then
        printf '\t%s' "$(kv "$f1" rps)" "$(kv "$f1" p50_ms)" "$(kv "$f1" p99_ms)"
      else
        printf '\t%s' "" "" ""
      fi
      if [ -f "$a" ]; then
        printf '\t%s' "$(kv "$a" rss_mib)" "$(kv "$a" hwm_mib)"
      else
        printf '\t%s' "" ""
      fi
      printf '\n'
    } >>"$RAW"
  done
  stop_api
done

# --------------------------------------------------------------------------------------------- report ---
# col ROWS EXPR: one value per repetition; EXPR is an awk expression over the raw column names.
col() {
  awk -F'\t' -v r="$1" -v cols="$COLUMNS_RAW" "
    BEGIN { n = split(cols, name, \" \") }
    NR > 1 && \$1 == r { for (i = 1; i <= n; i++) f[name[i]] = \$i; if ($2) print ($3) }" "$RAW"
}
# guards: the API columns are empty in a pgbench-only run
API_OK='f["api_rps"] != "" && f["api_requests"] > 0 && f["sql_requests"] > 0 && f["sql_p50"] > 0 && f["sql_p99"] > 0'
SQL_OK='f["sql_requests"] > 0'
ASQL_OK='f["asql_requests"] > 0 && f["sql_requests"] > 0 && f["sql_p50"] > 0'
AA_OK='f["asql_requests"] > 0 && f["api_rps"] != "" && f["api_requests"] > 0 && f["asql_p50"] > 0'
pretty_rows() { awk -v n="$1" 'BEGIN { if (n >= 1000000 && n % 1000000 == 0) print n / 1000000 "M"; else if (n >= 1000 && n % 1000 == 0) print n / 1000 "k"; else print n }'; }

TABLE="$({
  echo "| rows | API req/s | API p50 ms | API p99 ms | SQL tx/s | SQL p50 ms | SQL p99 ms | API/SQL throughput | API/SQL p50 | API/SQL p99 |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  for size in $SIZES; do
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$(pretty_rows "$size")" \
      "$(col "$size" "$API_OK" 'f["api_rps"]' | cell %.0f)" \
      "$(col "$size" "$API_OK" 'f["api_p50"]' | cell %.1f)" \
      "$(col "$size" "$API_OK" 'f["api_p99"]' | cell %.1f)" \
      "$(col "$size" "$SQL_OK" 'f["sql_tps"]' | cell %.0f)" \
      "$(col "$size" "$SQL_OK" 'f["sql_p50"]' | cell %.1f)" \
      "$(col "$size" "$SQL_OK" 'f["sql_p99"]' | cell %.1f)" \
      "$(col "$size" "$API_OK" 'f["api_rps"] / f["sql_tps"]' | cell %.2f)" \
      "$(col "$size" "$API_OK" 'f["api_p50"] / f["sql_p50"]' | cell %.2f)" \
      "$(col "$size" "$API_OK" 'f["api_p99"] / f["sql_p99"]' | cell %.2f)"
  done
})"

CPU_TABLE="$({
  echo "| rows | API run: API process | API run: PostgreSQL | API run: wrk | API run: total | SQL run: PostgreSQL | SQL run: pgbench | SQL run: total | PostgreSQL, API/SQL |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  for size in $SIZES; do
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$(pretty_rows "$size")" \
      "$(col "$size" "$API_OK" '1000 * f["api_cpu_app"] / f["api_requests"]' | cell %.2f)" \
      "$(col "$size" "$API_OK" '1000 * f["api_cpu_pg"] / f["api_requests"]' | cell %.2f)" \
      "$(col "$size" "$API_OK" '1000 * f["api_cpu_client"] / f["api_requests"]' | cell %.2f)" \
      "$(col "$size" "$API_OK" '1000 * (f["api_cpu_app"] + f["api_cpu_pg"] + f["api_cpu_client"]) / f["api_requests"]' | cell %.2f)" \
      "$(col "$size" "$SQL_OK" '1000 * f["sql_cpu_pg"] / f["sql_requests"]' | cell %.2f)" \
      "$(col "$size" "$SQL_OK" '1000 * f["sql_cpu_client"] / f["sql_requests"]' | cell %.2f)" \
      "$(col "$size" "$SQL_OK" '1000 * (f["sql_cpu_pg"] + f["sql_cpu_client"]) / f["sql_requests"]' | cell %.2f)" \
      "$(col "$size" "$API_OK" '(f["api_cpu_pg"] / f["api_requests"]) / (f["sql_cpu_pg"] / f["sql_requests"])' | cell %.2f)"
  done
})"

SPLIT_TABLE="$({
  echo "| rows | SQL: one statement, tx/s | the API's statements, tx/s | API req/s | statements / one: throughput | API / statements: throughput | statements / one: p50 | API / statements: p50 | PostgreSQL CPU ms/request: one / statements / API run |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  for size in $SIZES; do
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s / %s / %s |\n' "$(pretty_rows "$size")" \
      "$(col "$size" "$SQL_OK" 'f["sql_tps"]' | cell %.0f)" \
      "$(col "$size" "$ASQL_OK" 'f["asql_tps"]' | cell %.0f)" \
      "$(col "$size" "$API_OK" 'f["api_rps"]' | cell %.0f)" \
      "$(col "$size" "$ASQL_OK" 'f["asql_tps"] / f["sql_tps"]' | cell %.2f)" \
      "$(col "$size" "$AA_OK" 'f["api_rps"] / f["asql_tps"]' | cell %.2f)" \
      "$(col "$size" "$ASQL_OK" 'f["asql_p50"] / f["sql_p50"]' | cell %.2f)" \
      "$(col "$size" "$AA_OK" 'f["api_p50"] / f["asql_p50"]' | cell %.2f)" \
      "$(col "$size" "$SQL_OK" '1000 * f["sql_cpu_pg"] / f["sql_requests"]' | cell %.2f)" \
      "$(col "$size" "$ASQL_OK" '1000 * f["asql_cpu_pg"] / f["asql_requests"]' | cell %.2f)" \
      "$(col "$size" "$API_OK" '1000 * f["api_cpu_pg"] / f["api_requests"]' | cell %.2f)"
  done
})"

FL_OK='f["floor_requests"] > 0'
AF_OK='f["api_rps"] != "" && f["api_requests"] > 0 && f["floor_requests"] > 0 && f["floor_p50"] > 0 && f["floor_p99"] > 0'
A1_OK='f["api1_rps"] != "" && f["api1_p50"] > 0'
F1_OK='f["floor1_tps"] != "" && f["floor1_p50"] > 0'
RSS_OK='f["api_rss"] != "" && f["api_rss"] > 0'
FLOOR_TABLE="$({
  echo "| rows | floor tx/s (c=$CONNECTIONS) | floor p50 ms | floor p99 ms | API/floor throughput | API/floor p50 | API/floor p99 | SQL/floor throughput | floor PostgreSQL CPU ms/tx | floor p50 ms at c=1 | API p50 ms at c=1 | API p99 ms at c=1 |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  for size in $SIZES; do
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$(pretty_rows "$size")" \
      "$(col "$size" "$FL_OK" 'f["floor_tps"]' | cell %.0f)" \
      "$(col "$size" "$FL_OK" 'f["floor_p50"]' | cell %.2f)" \
      "$(col "$size" "$FL_OK" 'f["floor_p99"]' | cell %.2f)" \
      "$(col "$size" "$AF_OK" 'f["api_rps"] / f["floor_tps"]' | cell %.2f)" \
      "$(col "$size" "$AF_OK" 'f["api_p50"] / f["floor_p50"]' | cell %.2f)" \
      "$(col "$size" "$AF_OK" 'f["api_p99"] / f["floor_p99"]' | cell %.2f)" \
      "$(col "$size" "$FL_OK && $SQL_OK" 'f["sql_tps"] / f["floor_tps"]' | cell %.2f)" \
      "$(col "$size" "$FL_OK" '1000 * f["floor_cpu_pg"] / f["floor_requests"]' | cell %.2f)" \
      "$(col "$size" "$F1_OK" 'f["floor1_p50"]' | cell %.2f)" \
      "$(col "$size" "$A1_OK" 'f["api1_p50"]' | cell %.2f)" \
      "$(col "$size" "$A1_OK" 'f["api1_p99"]' | cell %.2f)"
  done
})"
# verdict: "met" / "NOT met" / "n/a" for the median of the values on stdin against a bound
verdict() { # $1 op (ge|le), $2 bound
  local m lo hi
  read -r m lo hi < <(stats)
  [ "$m" = nan ] && { printf 'n/a'; return; }
  awk -v m="$m" -v b="$2" -v op="$1" 'BEGIN { ok = (op == "ge") ? (m >= b) : (m <= b); printf "%s (median %.3g)", ok ? "met" : "NOT met", m }'
}
TARGETS="$({
  echo "| rows | 1. API/floor throughput ≥ 1.0 (c=$CONNECTIONS) | 2a. API p50 at c=1 ≤ 3 ms | 2b. API p99 ≤ 2 × floor p99 (c=$CONNECTIONS) | 4. API RSS ≤ 1024 MiB (peak) |"
  echo "|---:|---|---|---|---|"
  for size in $SIZES; do
    printf '| %s | %s | %s | %s | %s |\n' "$(pretty_rows "$size")" \
      "$(col "$size" "$AF_OK" 'f["api_rps"] / f["floor_tps"]' | verdict ge 1.0)" \
      "$(col "$size" "$A1_OK" 'f["api1_p50"]' | verdict le 3)" \
      "$(col "$size" "$AF_OK" 'f["api_p99"] / f["floor_p99"]' | verdict le 2)" \
      "$(col "$size" "$RSS_OK" 'f["api_hwm"]' | verdict le 1024)"
  done
})"

CPU="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
MEM="$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
OS="$(. /etc/os-release 2>/dev/null && printf '%s' "${PRETTY_NAME:-unknown}")"
PGV="$(q -d "$BENCH_DB" -tA -c "SELECT split_part(version(), ' on ', 1)")"
PGISV="$(q -d "$BENCH_DB" -tA -c "SELECT postgis_lib_version() || ' (GEOS ' || postgis_geos_version() || ')'")"
PGCONF="$(q -d "$BENCH_DB" -tA -c "SELECT string_agg(name || '=' || current_setting(name), ', ' ORDER BY name) FROM pg_settings WHERE name IN ('shared_buffers', 'work_mem', 'max_connections', 'jit')")"
DOTNETV="$(dotnet --version 2>/dev/null || echo unknown)"
WRKV="$({ wrk -v 2>&1 || true; } | head -n1 | awk '{ print $2 }')"
if [ -n "$BUILD_REF" ]; then
  COMMIT="$(git rev-parse --short "$BUILD_REF")"; DIRTY=" (BUILD_REF=$BUILD_REF)"
else
  COMMIT="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  DIRTY="$(git status --porcelain -- src 2>/dev/null | grep -q . && echo ' + uncommitted changes in src/' || true)"
fi
ELAPSED=$(( SECONDS - T_START ))

{
  echo "# Nearest benchmark — $DATE"
  echo
  echo "\`GET /api/nearest?lat&lng&category=<one>&limit=$K\` through the API (wrk) against the same query as one SQL"
  echo "statement (pgbench, \`bench/nearest.sql\`), same concurrency, same run. Produced by \`bash bench/run-nearest.sh\`;"
  echo "how to read it: \`bench/README.md\`. Cells: median (min–max) over $REPS repetitions of ${DURATION} s;"
  echo "ratios are computed per repetition (an API run and the pgbench run right after it), then summarised."
  echo
  echo "$TABLE"
  echo
  echo "CPU per request, ms (all processes of that side, user + system; PostgreSQL = the backends of \`$BENCH_DB\`):"
  echo
  echo "$CPU_TABLE"
  echo
  if [ "$API_SQL" = 1 ]; then
    echo "Where the ratio goes: the statements the API sends for one request (\`bench/nearest-api-sql.sql\`), run by pgbench"
    echo "at the same concurrency, sit between the one statement and the API:"
    echo
    echo "$SPLIT_TABLE"
    echo
  fi
  if [ "$FLOOR" = 1 ]; then
    echo "## Against the floor"
    echo
    echo "The floor (\`bench/nearest-floor.sql\` on \`bench_floor\`, built by \`bench/floor.sql\`): a minimal table"
    echo "(id, category, public_point), one row per public service-at-location and category, GiST on (category, public_point),"
    echo "\`WHERE category = \$1 ORDER BY public_point <-> \$2 LIMIT $((K * 3 + 10))\` — the least the database must do to find the"
    echo "candidates. Same origins, categories and concurrency as the API run. Latency at concurrency 1: wrk -c1 and pgbench -c1."
    echo
    echo "$FLOOR_TABLE"
    echo
    echo "Targets (issue 15), medians over the repetitions:"
    echo
    echo "$TARGETS"
    echo
  fi
  for size in $SIZES; do
    echo "- $(pretty_rows "$size") rows: API and SQL returned the same ordered results for ${AGREE[$size]} sample queries"
  done
  echo
  echo "## Set-up"
  echo
  echo "- Machine: $(nproc) CPUs ($CPU), $MEM RAM, $OS — shared by wrk, the API and PostgreSQL; other jobs ran on it too (load column below)"
  echo "- PostgreSQL: $PGV; PostGIS $PGISV; $PGCONF"
  echo "- .NET SDK $DOTNETV, API published Release, \`ASPNETCORE_ENVIRONMENT=Production\`, log level Warning; wrk $WRKV"
  [ -n "$API_CONNSTR_EXTRA" ] && echo "- API connection string extra: \`$API_CONNSTR_EXTRA\`"
  echo "- Code: commit $COMMIT$DIRTY"
  echo "- Load: wrk -t$THREADS -c$CONNECTIONS, pgbench -c$CONNECTIONS -j$THREADS -M $PGBENCH_MODE; warm-up ${WARMUP} s; request seed $REQUEST_SEED"
  [ "$ANALYZE_ALL" = 1 ] || echo "- ANALYZE_ALL=0: no database-wide ANALYZE after generating (taxonomy tables without statistics)"
  echo "- Data: bench/generate.sql, seed $SEED; $ORIGINS origins (town-weighted plus 15% rural, like the locations); one category per request, uniform over the nine"
  for size in $SIZES; do
    echo "- $(pretty_rows "$size") rows: generated in ${GEN_SECONDS[$size]} s, database ${DB_SIZE[$size]}" | sed 's/in (reused) s/earlier (reused)/'
  done
  echo "- Whole run: $((ELAPSED / 60)) min $((ELAPSED % 60)) s"
  echo
  echo "## Repetitions"
  echo
  echo "| rows | rep | load (1 min) | API req/s | API p50 ms | API p99 ms | API errors | SQL tx/s | SQL p50 ms | SQL p99 ms | SQL errors | API's SQL tx/s | API's SQL p50 ms | API's SQL p99 ms | API's SQL errors | floor tx/s | floor p50 ms | floor p99 ms | API p50 ms c=1 | floor p50 ms c=1 | API RSS / peak MiB |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  awk -F'\t' 'function v(x, fmt) { return x == "" ? "n/a" : sprintf(fmt, x) }
    NR > 1 { printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s / %s |\n", $1, $2, $3,
      v($4, "%.0f"), v($6, "%.1f"), v($7, "%.1f"), v($8, "%d"), v($12, "%.0f"), v($14, "%.1f"), v($15, "%.1f"), v($16, "%d"),
      v($19, "%.0f"), v($21, "%.1f"), v($22, "%.1f"), v($23, "%d"), v($26, "%.0f"), v($28, "%.2f"), v($29, "%.2f"),
      v($33, "%.2f"), v($37, "%.2f"), v($39, "%.0f"), v($40, "%.0f") }' "$RAW"
  echo
  echo "## Plan of the SQL statement (origin 1, category shelter)"
  for size in $SIZES; do
    echo
    echo "<details><summary>$(pretty_rows "$size") rows</summary>"
    echo
    echo '```'
    printf '%s\n' "${PLAN[$size]}" | sed 's/[[:space:]]*$//'
    echo '```'
    echo
    echo "</details>"
  done
} >"$RESULTS"

echo
echo "$TABLE"
echo
echo "CPU per request, ms:"
echo "$CPU_TABLE"
echo
if [ "$API_SQL" = 1 ]; then echo "Where the ratio goes:"; echo "$SPLIT_TABLE"; echo; fi
if [ "$FLOOR" = 1 ]; then echo "Against the floor:"; echo "$FLOOR_TABLE"; echo; echo "Targets:"; echo "$TARGETS"; echo; fi
for size in $SIZES; do echo "$(pretty_rows "$size") rows: API and SQL agree on ${AGREE[$size]} sample queries"; done
echo "machine: $(nproc) CPUs ($CPU), $MEM; $PGV; PostGIS $PGISV"
echo "results: $RESULTS (raw figures: $RAW)"
if awk -F'\t' 'NR > 1 && ($8 > 0 || $16 > 0 || $23 > 0 || $30 > 0 || $35 > 0) { bad = 1 } END { exit !bad }' "$RAW"; then
  say "WARNING: some requests failed (errors columns in $RESULTS): the figures are not comparable"
fi
say "done in $((ELAPSED / 60)) min $((ELAPSED % 60)) s"
