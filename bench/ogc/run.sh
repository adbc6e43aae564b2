#!/usr/bin/env bash
# OGC API – Features and vector tile benchmark: GET /ogc/collections/services/items?bbox=<San José>&limit=100 and the
# z10 tile of San José (/tiles/services/10/272/483.mvt) through the API (wrk), against the bare PostGIS queries
# (bench/ogc/items-bbox.sql: the && box select; the statement the API sends for that page, src/Referral.Api/Features/Ogc/
# services-page.sql read from the source with its placeholders written in; the tile: the API's own statement, src/Referral.Api/Features/Tiles/services-cells.sql read
# from the source with its parameters written in, ST_AsMVT of the same pre-aggregated grid cells) through pgbench, at
# the same concurrency, interleaved in the same run. For context, bench/ogc/tile-points.sql (the same tile clustered on
# the fly from every public point, the API's statement before tile_cell) and the naive tile (every point of the tile as
# its own feature, what clustering avoids: the API's zoom-13+ statement, src/Referral.Api/Features/Tiles/services-points.sql
# read from the source with its parameters written in; NAIVE=0 skips it) are timed once per run with psql. The tile is measured
# three times: from an API with its tile cache and its tile store off (Tiles__CacheMegabytes=0 Tiles__StoreMaxZoom=-1: every
# request builds the tile, the cost of the query path), from one with only the store (Tiles__CacheMegabytes=0: the tile
# read from tile_store, what any instance answers after a restart) and with both on (the default: a repeated tile from
# memory). After the reps, the regeneration: REGEN times (default 10) a mark of one cell of the tile in tile_cell_dirty
# (what a write to a service there leaves) then one request to the store-only API, timed by curl: the recount of that
# cell, the drop of the stored tile, its build and store.
# With BASELINE_DLL (for example a Release build of main) the same requests also go to that build: before/after in
# one run. Per rep each ratio is API ÷ bare of that rep; the table gives the median of the reps and their range,
# and the load average around each rep. See bench/README.md.
#
#   bash bench/ogc/run.sh                          # 1M service locations (bench/generate.sql), 3 reps of 15 s
#   SIZE=10000 REPS=3 DURATION=5 bash bench/ogc/run.sh
#   BASELINE_DLL=../main/artifacts/bin/Referral.Api/release/Referral.Api.dll SIZE=10000 bash bench/ogc/run.sh
#
# Settings (environment): SIZE, REPS (at least 3), DURATION (s per measured run), WARMUP (s), CONNECTIONS, THREADS,
# SEED, API_PORT (and the next two ports), BENCH_DB, REUSE_DB=1 (keep a database that already holds SIZE generated
# rows), BASELINE_DLL, NAIVE (0: skip the naive tile, about a minute at 1M), REGEN, REFERRAL_PG_PORT. It uses the Release build in artifacts/ (run `dotnet build -c Release`
# first), creates database $BENCH_DB (migrate, demo seed, bench/generate.sql), starts the APIs on 127.0.0.1 and stops
# them on exit; the cluster is left running.
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
BASELINE_DLL="${BASELINE_DLL:-}"
NAIVE="${NAIVE:-1}"
REGEN="${REGEN:-10}"

export PGHOST=127.0.0.1 PGPORT="${REFERRAL_PG_PORT:-55432}" PGUSER=referral PGPASSWORD=referral
CONNSTR="Host=$PGHOST;Port=$PGPORT;Database=$BENCH_DB;Username=$PGUSER;Password=$PGPASSWORD"
BBOX_PATH="/ogc/collections/services/items?bbox=-84.15,9.88,-84.00,10.00&limit=100"
TILE_PATH="/tiles/services/10/272/483.mvt"
API_URL="http://127.0.0.1:$API_PORT"          # this build, tile cache on (the default)
COLD_URL="http://127.0.0.1:$((API_PORT + 1))" # this build, tile cache and tile store off
BASE_URL="http://127.0.0.1:$((API_PORT + 2))" # BASELINE_DLL
STORE_URL="http://127.0.0.1:$((API_PORT + 3))" # this build, tile cache off, tile store on

REPO_ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)"
cd "$REPO_ROOT"
OUT=bench/.out/ogc
mkdir -p "$OUT" bench/results
API_DLL=artifacts/bin/Referral.Api/release/Referral.Api.dll
RESULTS="${RESULTS:-bench/results/ogc-$(date -u +%Y-%m-%d)-$SIZE.md}"

say() { printf '[bench-ogc %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { printf '[bench-ogc] ERROR: %s\n' "$*" >&2; exit 1; }
# shellcheck source=bench/lib.sh
. bench/lib.sh
check_bench_db "$BENCH_DB"
[ "$REPS" -ge 3 ] 2>/dev/null || die "REPS must be at least 3 (median and spread)"
PATH="/usr/lib/postgresql/15/bin:$PATH"
for t in wrk curl psql pgbench; do command -v "$t" >/dev/null 2>&1 || die "missing: $t"; done
[ -f "$API_DLL" ] || die "no Release build: run dotnet build Referral.sln -c Release first"
[ -z "$BASELINE_DLL" ] || [ -f "$BASELINE_DLL" ] || die "BASELINE_DLL: no file $BASELINE_DLL"
trap stop_apis EXIT
trap 'exit 130' INT TERM

app() { ConnectionStrings__Referral="$CONNSTR" Logging__LogLevel__Default=Warning Seeding__Path="$REPO_ROOT/seed" dotnet "$API_DLL" "$@"; }

have="$(q -d "$BENCH_DB" -tA -c "SELECT count(*) FROM location WHERE name LIKE '[BENCH]%'" 2>/dev/null || echo 0)"
if [ "$REUSE_DB" = 1 ] && [ "$have" = "$SIZE" ]; then
  say "reusing $BENCH_DB ($SIZE rows)"
  app migrate >"$OUT/migrate.log" 2>&1 || { tail -n 20 "$OUT/migrate.log" >&2; die "migrate failed"; }
else
  say "database $BENCH_DB: recreate, migrate, seed, generate $SIZE service locations"
  q -d postgres -c "DROP DATABASE IF EXISTS $BENCH_DB WITH (FORCE)" -c "CREATE DATABASE $BENCH_DB" >/dev/null
  app migrate >"$OUT/migrate.log" 2>&1 || { tail -n 20 "$OUT/migrate.log" >&2; die "migrate failed"; }
  app seed >"$OUT/seed.log" 2>&1 || { tail -n 20 "$OUT/seed.log" >&2; die "seed failed"; }
  q -d "$BENCH_DB" -v n="$SIZE" -v seed="$SEED" -f bench/generate.sql >"$OUT/generate.log" 2>&1 || { tail -n 20 "$OUT/generate.log" >&2; die "generate failed"; }
fi
# The tile's grid cells (tile_cell): counted once here after a migration or a generate (the API would count them on
# its first tile), so no rep pays for it.
say "counting the tile grid cells (tile_cells_refresh)"
cells_start="$(date +%s%N)"
q -d "$BENCH_DB" -c "SELECT tile_cells_refresh()" >/dev/null
cells_ms="$(( ($(date +%s%N) - cells_start) / 1000000 ))"
q -d "$BENCH_DB" -c "VACUUM ANALYZE location" -c "VACUUM ANALYZE service_at_location" -c "VACUUM ANALYZE tile_cell" >/dev/null
# The API's tile statement, from the source, with the parameters of 10/272/483 written in.
sed -e 's/@z\b/10/g; s/@x\b/272/g; s/@y\b/483/g; s/@extent\b/4096/g; s/@cells\b/64/g; s/@grid\b/64::float8/g; $ s/$/;/' \
  src/Referral.Api/Features/Tiles/services-cells.sql >"$OUT/tile.sql"
grep -q '@' "$OUT/tile.sql" && die "services-cells.sql has a parameter the bench does not write in"
# The naive tile: the API's zoom-13+ statement (every point its own feature) for 10/272/483, its length.
sed -e '/^--/d; s/@z\b/10/g; s/@x\b/272/g; s/@y\b/483/g; s/@margin\b/(64.0 \/ 4096)/g; s/@extent\b/4096/g; s/@buffer\b/64/g' \
  -e "s/^SELECT ST_AsMVT(t, 'services', 4096, 'geom') FROM/SELECT length(ST_AsMVT(t, 'services', 4096, 'geom')) FROM/; \$ s/\$/;/" \
  src/Referral.Api/Features/Tiles/services-points.sql >"$OUT/tile-naive.sql"
grep -q '@' "$OUT/tile-naive.sql" && die "services-points.sql has a parameter the bench does not write in"
grep -q 'SELECT length(ST_AsMVT' "$OUT/tile-naive.sql" || die "services-points.sql: its last SELECT is not the one the bench measures"
# The API's items statement, from the source (the same file the API embeds), with the box, limit + 1 and offset of
# $BBOX_PATH written in as OgcFeatures.PublicPageStatement writes them.
sed -e '/^--/d' -e 's/@box\b/(f.public_point \&\& ST_MakeEnvelope(-84.15, 9.88, -84, 10, 4326))/; s/@limit\b/101/; s/@offset\b/0/; $ s/$/;/' \
  src/Referral.Api/Features/Ogc/services-page.sql >"$OUT/items-api.sql"
grep -q '@' "$OUT/items-api.sql" && die "services-page.sql has a placeholder the bench does not write in"

say "starting the APIs (Release, Production): $API_URL (tile cache on), $COLD_URL (tile cache and store off), $STORE_URL (tile store only)${BASELINE_DLL:+, $BASE_URL (baseline)}"
start_api "$API_URL" "$OUT/api.log" "$API_DLL" ConnectionStrings__Referral="$CONNSTR"
start_api "$COLD_URL" "$OUT/api-cold.log" "$API_DLL" ConnectionStrings__Referral="$CONNSTR" Tiles__CacheMegabytes=0 Tiles__StoreMaxZoom=-1
start_api "$STORE_URL" "$OUT/api-store.log" "$API_DLL" ConnectionStrings__Referral="$CONNSTR" Tiles__CacheMegabytes=0
[ -z "$BASELINE_DLL" ] || start_api "$BASE_URL" "$OUT/api-baseline.log" "$BASELINE_DLL" ConnectionStrings__Referral="$CONNSTR"

returned="$(curl -s "$API_URL$BBOX_PATH" | grep -o '"numberReturned":[0-9]*' | cut -d: -f2 || true)"
matched="$(curl -s "$API_URL$BBOX_PATH" | grep -o '"numberMatched":[0-9]*' | cut -d: -f2 || true)"; matched="${matched:-$(q -d "$BENCH_DB" -tA -c "SELECT count(*) FROM service_at_location sal JOIN location l ON l.id = sal.location_id WHERE l.public_point::geometry && ST_MakeEnvelope(-84.15, 9.88, -84.00, 10.00, 4326)")}"
tile_bytes="$(curl -s -o "$OUT/tile.mvt" -w '%{size_download}' "$API_URL$TILE_PATH")"
sql_rows="$(q -d "$BENCH_DB" -tA -f bench/ogc/items-bbox.sql | wc -l)"
sql_tile="$(q -d "$BENCH_DB" -tA -c "SELECT length(t) FROM ($(sed -e '/^--/d' -e 's/;$//' "$OUT/tile.sql")) AS x(t)")"
say "items: $returned of $matched features (SQL: $sql_rows rows); tile: $tile_bytes bytes (bare SQL: $sql_tile bytes)"
say "the tile clustered on the fly from every point (the statement before tile_cell), once, for context"
points_start="$(date +%s%N)"
points_bytes="$(PGOPTIONS='-c statement_timeout=300s' q -d "$BENCH_DB" -tA -f bench/ogc/tile-points.sql 2>/dev/null || echo "timed out")"
points_ms="$(( ($(date +%s%N) - points_start) / 1000000 ))"
naive_ms=skipped naive_bytes=skipped
if [ "$NAIVE" = 1 ]; then
  say "naive tile (every point a feature), once, for context"
  naive_start="$(date +%s%N)"
  naive_bytes="$(PGOPTIONS='-c statement_timeout=300s' q -d "$BENCH_DB" -tA -f "$OUT/tile-naive.sql" 2>/dev/null || echo "timed out")"
  naive_ms="$(( ($(date +%s%N) - naive_start) / 1000000 ))"
fi

wrk_run() { # url [connections threads] → "req/s p50_ms"
  wrk -t"${3:-$THREADS}" -c"${2:-$CONNECTIONS}" -d"${DURATION}s" --timeout 10s --latency "$1" >"$OUT/wrk.txt" 2>&1
  local rps p50
  rps="$(awk '/Requests\/sec/ {print $2}' "$OUT/wrk.txt")"
  p50="$(awk '$1 == "50%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; print v}' "$OUT/wrk.txt")"
  echo "${rps:-0} ${p50:-n/a}"
}
pgbench_run() { # file → tps
  pgbench -n -M prepared -c "$CONNECTIONS" -j "$THREADS" -T "$DURATION" -f "$1" "$BENCH_DB" 2>&1 | awk '/^tps/ {print $3; exit}'
}

say "warm-up ${WARMUP} s each"
for url in "$API_URL" "$COLD_URL" "$STORE_URL" ${BASELINE_DLL:+"$BASE_URL"}; do
  wrk -t1 -c2 -d"${WARMUP}s" "$url$BBOX_PATH" >/dev/null 2>&1 || true
  wrk -t1 -c2 -d"${WARMUP}s" "$url$TILE_PATH" >/dev/null 2>&1 || true
done

# raw.txt: "<rep> <measure> <per-second> [p50 ms]"; loads.txt: "<rep> <load before> <load after>".
: >"$OUT/raw.txt"
: >"$OUT/loads.txt"
for rep in $(seq 1 "$REPS"); do
  say "rep $rep/$REPS (load $(load1))"
  before="$(load1)"
  echo "$rep bbox_sql $(pgbench_run bench/ogc/items-bbox.sql)" >>"$OUT/raw.txt"
  echo "$rep bbox_apisql $(pgbench_run "$OUT/items-api.sql")" >>"$OUT/raw.txt"
  echo "$rep bbox_api $(wrk_run "$API_URL$BBOX_PATH")" >>"$OUT/raw.txt"
  [ -z "$BASELINE_DLL" ] || echo "$rep bbox_base $(wrk_run "$BASE_URL$BBOX_PATH")" >>"$OUT/raw.txt"
  echo "$rep tile_sql $(pgbench_run "$OUT/tile.sql")" >>"$OUT/raw.txt"
  echo "$rep tile_cold $(wrk_run "$COLD_URL$TILE_PATH")" >>"$OUT/raw.txt"
  echo "$rep tile_cold1 $(wrk_run "$COLD_URL$TILE_PATH" 1 1)" >>"$OUT/raw.txt"
  echo "$rep tile_store $(wrk_run "$STORE_URL$TILE_PATH")" >>"$OUT/raw.txt"
  echo "$rep tile_store1 $(wrk_run "$STORE_URL$TILE_PATH" 1 1)" >>"$OUT/raw.txt"
  echo "$rep tile_api $(wrk_run "$API_URL$TILE_PATH")" >>"$OUT/raw.txt"
  [ -z "$BASELINE_DLL" ] || echo "$rep tile_base $(wrk_run "$BASE_URL$TILE_PATH")" >>"$OUT/raw.txt"
  echo "$rep $before $(load1)" >>"$OUT/loads.txt"
done

# The regeneration: a cell of the tile marked as a write marks it, then the first request after it (the store-only API).
say "regeneration of the stored tile after a write, $REGEN times (load $(load1))"
regen_before="$(load1)"
cell="$(q -d "$BENCH_DB" -tA -c "SELECT tile_cell_key(public_point) FROM location WHERE public_point::geometry && ST_MakeEnvelope(-84.09, 9.92, -84.07, 9.94, 4326) LIMIT 1")"
[ -n "$cell" ] || die "no public point in the tile to mark"
: >"$OUT/regen.txt"
for _ in $(seq 1 "$REGEN"); do
  q -d "$BENCH_DB" -c "INSERT INTO tile_cell_dirty VALUES ($cell)" >/dev/null
  curl -s -o /dev/null -w '%{time_total}\n' "$STORE_URL$TILE_PATH" | awk '{printf "%.2f\n", $1 * 1000}' >>"$OUT/regen.txt"
done
regen_after="$(load1)"
stop_apis

col() { awk -v k="$1" -v c="$2" '$2 == k {print $c}' "$OUT/raw.txt"; }
# Per rep: measure ÷ its bare query in the same rep.
ratios() { join <(awk -v k="$1" '$2 == k {print $1, $3}' "$OUT/raw.txt" | sort) <(awk -v k="$2" '$2 == k {print $1, $3}' "$OUT/raw.txt" | sort) \
  | awk '$3 > 0 {printf "%.3f\n", $2 / $3}'; }
row() { # label measure bare
  echo "| $1 | $(col "$2" 3 | median) ($(col "$2" 3 | minmax)) | $(col "$3" 3 | median) ($(col "$3" 3 | minmax)) | **$(ratios "$2" "$3" | median)** ($(ratios "$2" "$3" | minmax)) | $(col "$2" 4 | median) |"
}
{
  echo "# OGC API / vector tile benchmark, $SIZE service locations ($(date -u +%Y-%m-%d))"
  echo
  echo "\`SIZE=$SIZE REPS=$REPS DURATION=$DURATION CONNECTIONS=$CONNECTIONS bash bench/ogc/run.sh\`${BASELINE_DLL:+ with BASELINE_DLL}."
  echo "wrk -t$THREADS -c$CONNECTIONS and pgbench -c$CONNECTIONS -j$THREADS -M prepared, ${DURATION} s per run, $REPS reps, interleaved;"
  echo "median (min–max) over the reps; each ratio is API ÷ bare query of the same rep. APIs: Release build, Production settings."
  echo "Load average (1 min) around the reps: $(awk '{print $2; print $3}' "$OUT/loads.txt" | minmax) on $(nproc) cores."
  echo
  echo "| request | API req/s | bare SQL tx/s | API ÷ bare | API p50 ms |"
  echo "|---|---|---|---|---|"
  row "items bbox, San José, limit 100 ($matched matched)" bbox_api bbox_sql
  row "(the API's own items statement, services-page.sql, bare, vs the bare select)" bbox_apisql bbox_sql
  row "items bbox vs the API's own statement bare" bbox_api bbox_apisql
  [ -z "$BASELINE_DLL" ] || row "items bbox, baseline build" bbox_base bbox_sql
  row "z10 tile 10/272/483, built per request (tile cache and store off; $tile_bytes bytes; bare: the API's statement, services-cells.sql)" tile_cold tile_sql
  row "z10 tile, built per request, one client at a time (wrk -c1: the build's own latency, no queue)" tile_cold1 tile_sql
  row "z10 tile, stored tiles, in-process cache off (tile_store: any instance, also after a restart)" tile_store tile_sql
  row "z10 tile, stored tiles, in-process cache off, one client at a time (wrk -c1)" tile_store1 tile_sql
  row "z10 tile, tile cache on (repeated tile)" tile_api tile_sql
  [ -z "$BASELINE_DLL" ] || row "z10 tile, baseline build" tile_base tile_sql
  echo
  echo "The first request after a write (a cell of the tile marked in tile_cell_dirty, then one request to the store-only API:"
  echo "the cell recounted, the stored tile dropped, built and stored again), $REGEN times, curl's total: median"
  echo "$(median <"$OUT/regen.txt") ms ($(minmax <"$OUT/regen.txt")) at load $regen_before–$regen_after."
  echo
  echo "For context, once each, bare: counting every grid cell (tile_cells_refresh() after a migration or a bulk load) took"
  echo "$cells_ms ms; the same z10 tile clustered on the fly from every public point (bench/ogc/tile-points.sql, the API's"
  echo "statement before tile_cell) took $points_ms ms ($points_bytes bytes); the naive z10 tile (every public point its own"
  echo "feature with its attributes: services-points.sql, what the API serves from zoom 13) took $naive_ms ms ($naive_bytes bytes)."
  echo
  echo "Targets (issue 14, at 1M): items ≥ 0.5× the bare select; z10 tile ≥ 0.5× the bare ST_AsMVT and p50 ≤ 50 ms."
} | tee "$RESULTS"
say "written to $RESULTS"
