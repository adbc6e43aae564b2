#!/usr/bin/env bash
# Gap-analysis benchmark (bench/gaps/README.md): the full analysis — nearest in-person site per settlement and category,
# coverage, 2SFCA, service allocation, every aggregate — through the `gaps` CLI verb (GapRunner, Release build), against
# a hand-written PostGIS CROSS JOIN LATERAL … ORDER BY <-> LIMIT 1 query computing the same nearest distances, in the
# same run, on the same database. 100k and 1M settlements against 100k services, 3 categories.
#
#   bash bench/gaps/run.sh                                   # the full run (1M takes a while; see README)
#   SIZES=100000 REPS=1 bash bench/gaps/run.sh               # quick look
#
# Settings (environment): SIZES (settlements), SERVICES, CATEGORIES, REPS, SEED, BENCH_DB, RESULTS, REUSE_DB=1 (keep a
# database that already holds the generated data), REFERRAL_PG_PORT. Needs the local cluster (scripts/localdb.sh start),
# psql, and the .NET SDK. The generated database is kept for inspection; the cluster is left running.
set -euo pipefail

SIZES="${SIZES:-100000 1000000}"
SERVICES="${SERVICES:-100000}"
CATEGORIES="${CATEGORIES:-police,health,shelter}"
REPS="${REPS:-3}"
SEED="${SEED:-20261129}"
BENCH_DB="${BENCH_DB:-referral_gapbench}"
REUSE_DB="${REUSE_DB:-0}"

export PGHOST=127.0.0.1 PGPORT="${REFERRAL_PG_PORT:-55432}" PGUSER=referral PGPASSWORD=referral
CONNSTR="Host=$PGHOST;Port=$PGPORT;Database=$BENCH_DB;Username=$PGUSER;Password=$PGPASSWORD"

REPO_ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)"
cd "$REPO_ROOT"
OUT=bench/.out/gaps                     # scratch (git-ignored with bench/.out/): published app, logs, raw figures
RESULTS="${RESULTS:-bench/gaps/results/gaps-$(date -u +%Y-%m-%d).md}"   # the run's settings are in the file
mkdir -p "$OUT" "$(dirname "$RESULTS")"

say() { printf '[gaps-bench %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { printf '[gaps-bench] ERROR: %s\n' "$*" >&2; exit 1; }

for v in SERVICES REPS SEED; do
  case "${!v}" in ''|*[!0-9]*) die "$v must be a positive integer (got '${!v}')" ;; esac
done
for s in $SIZES; do case "$s" in ''|*[!0-9]*) die "SIZES must be row counts (got '$s')" ;; esac; done
case "$CATEGORIES" in *[!a-z_,]*) die "CATEGORIES must be category codes separated by commas" ;; esac
command -v psql >/dev/null 2>&1 || die "psql is not on PATH (apt-get install postgresql-client-15)"
command -v dotnet >/dev/null 2>&1 || die "dotnet (SDK 10) is not on PATH"

# shellcheck source=bench/lib.sh
. bench/lib.sh
check_bench_db "$BENCH_DB"
# (env: a setting name with dots is not a shell variable name.)
api() { (cd "$OUT/api" && env ConnectionStrings__Referral="$CONNSTR" Logging__LogLevel__Default=Warning \
  "Logging__LogLevel__Referral.Api.Features.Gaps=Information" dotnet Referral.Api.dll "$@"); }

publish_api "$OUT/api" "$OUT/publish.log"

have_data() {
  [ "$(q -d postgres -tAc "SELECT count(*) FROM pg_database WHERE datname = '$BENCH_DB'")" = 1 ] || return 1
  [ "$(q -d "$BENCH_DB" -tAc "SELECT count(*) FROM service WHERE name LIKE '[BENCH]%'" 2>/dev/null)" = "$SERVICES" ] || return 1
  for s in $SIZES; do
    [ "$(q -d "$BENCH_DB" -tAc "SELECT count(*) FROM demand_point p JOIN demand_dataset d ON d.id = p.dataset_id WHERE d.name = 'bench: $s settlements'" 2>/dev/null)" = "$s" ] || return 1
  done
}

if [ "$REUSE_DB" = 1 ] && have_data; then
  say "reusing $BENCH_DB"
  api migrate >"$OUT/migrate.log" 2>&1 || die "migrate failed (see $OUT/migrate.log)"
else
  say "database $BENCH_DB: recreate, migrate, seed"
  q -d postgres -c "DROP DATABASE IF EXISTS $BENCH_DB WITH (FORCE)" -c "CREATE DATABASE $BENCH_DB" >/dev/null
  api seed >"$OUT/seed.log" 2>&1 || { tail -n 30 "$OUT/seed.log" >&2; die "seed failed (see $OUT/seed.log)"; }
  say "generating $SERVICES services (bench/generate.sql)"
  q -d "$BENCH_DB" -v n="$SERVICES" -v seed="$SEED" -f bench/generate.sql >"$OUT/generate.log" 2>&1 \
    || { tail -n 30 "$OUT/generate.log" >&2; die "bench/generate.sql failed"; }
  for s in $SIZES; do
    say "generating $s settlements (bench/gaps/demand.sql)"
    q -d "$BENCH_DB" -v n="$s" -v seed="$SEED" -f bench/gaps/demand.sql >"$OUT/demand-$s.log" 2>&1 \
      || { tail -n 30 "$OUT/demand-$s.log" >&2; die "bench/gaps/demand.sql failed"; }
  done
fi
q -d "$BENCH_DB" -c "VACUUM ANALYZE" >/dev/null

# The reference: the nearest-neighbour join a GIS engineer writes by hand for the same distances. The sites of the
# requested categories as the public sees them (active services, in person or outreach or no mode listed, physical
# locations with a public point) go into a table with a GiST index; then one CROSS JOIN LATERAL … ORDER BY <-> LIMIT 1
# per settlement × category, the nearest one's ellipsoidal ST_Distance, materialised like the analysis's rows. Every
# timed statement counts, the site table included. (The one-statement form that joins service → attribute → taxonomy
# inside the LATERAL is not a fair reference: PostgreSQL 15 plans it as a full join + top-N sort per row instead of a
# KNN index scan, and did not finish 100k settlements × 3 categories in 16 minutes here.)
IFS=, read -r -a CATS <<<"$CATEGORIES"
CAT_VALUES="$(printf "('%s')," "${CATS[@]}")"
CAT_LIST="$(printf "'%s'," "${CATS[@]}")"
bare_sql() { cat <<SQL
SET jit = off;
DROP TABLE IF EXISTS pg_temp.bare, pg_temp.bare_site;
\\timing on
CREATE TEMP TABLE bare_site AS
SELECT t.code, l.public_point AS pt, l.visibility = 'approximate' AS approximate
FROM service s
JOIN service_at_location x ON x.service_id = s.id
JOIN location l ON l.id = x.location_id
JOIN attribute a ON a.service_id = s.id
JOIN taxonomy_term t ON t.id = a.taxonomy_term_id
JOIN taxonomy tx ON tx.id = t.taxonomy_id
WHERE s.status = 'active' AND l.public_point IS NOT NULL AND l.location_type = 'physical'
  AND (cardinality(s.delivery_modes) = 0 OR s.delivery_modes && ARRAY['in_person', 'outreach'])
  AND tx.name = 'referral-category' AND t.code IN (${CAT_LIST%,});
CREATE INDEX ON bare_site USING gist (pt);
ANALYZE bare_site;
CREATE TEMP TABLE bare AS
SELECT d.seq, c.code, n.distance_m, n.approximate
FROM demand_point d
CROSS JOIN (VALUES ${CAT_VALUES%,}) AS c(code)
CROSS JOIN LATERAL (
    SELECT ST_Distance(b.pt, d.point) AS distance_m, b.approximate
    FROM bare_site b
    WHERE b.code = c.code
    ORDER BY b.pt <-> d.point
    LIMIT 1) n
WHERE d.dataset_id = (SELECT id FROM demand_dataset WHERE name = 'bench: $1 settlements');
\\timing off
-- Agreement with the analysis just computed (same settlements, same categories). Where the bare query's nearest site
-- is public, the analysis can only agree or be nearer (it re-ranks on the ellipsoid, and an approximate site's rounded
-- public distance can win); "bare nearer" would be a bug. Where it is approximate, the analysis rounds to 500 m.
SELECT count(*) FILTER (WHERE NOT b.approximate) AS compared,
       count(*) FILTER (WHERE NOT b.approximate AND abs(b.distance_m - r.distance_m[k.i]) <= 1) AS agree,
       count(*) FILTER (WHERE NOT b.approximate AND r.distance_m[k.i] < b.distance_m - 1) AS analysis_nearer,
       count(*) FILTER (WHERE NOT b.approximate AND r.distance_m[k.i] > b.distance_m + 1) AS bare_nearer,
       count(*) FILTER (WHERE b.approximate) AS approximate,
       count(*) FILTER (WHERE b.approximate AND abs(b.distance_m - r.distance_m[k.i]) <= 500) AS approximate_within_500m
FROM bare b
JOIN (SELECT code, row_number() OVER () AS i FROM (VALUES ${CAT_VALUES%,}) AS v(code)) k ON k.code = b.code
JOIN gap_point_result r ON r.seq = b.seq
 AND r.analysis_id = (SELECT a.id FROM gap_analysis a JOIN demand_dataset d ON d.id = a.dataset_id
                      WHERE d.name = 'bench: $1 settlements' AND a.status = 'succeeded' ORDER BY a.finished_at DESC LIMIT 1);
SQL
}

run_analysis() { # $1 size, $2 rep → seconds (wall, process start to exit) on stdout
  local log="$OUT/analysis-$1-$2.log" t0 t1
  t0=$(date +%s.%N)
  api gaps --dataset "bench: $1 settlements" --categories "$CATEGORIES" --force >"$log" 2>&1 \
    || { tail -n 30 "$log" >&2; die "analysis failed (see $log)"; }
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", b - a }'
}

analysis_seconds() { # the analysis's own duration (started_at → finished_at), without process start-up
  q -d "$BENCH_DB" -tAc "SELECT round(extract(epoch FROM a.finished_at - a.started_at)::numeric, 2) FROM gap_analysis a
    JOIN demand_dataset d ON d.id = a.dataset_id WHERE d.name = 'bench: $1 settlements' AND a.status = 'succeeded'
    ORDER BY a.finished_at DESC LIMIT 1"
}

run_bare() { # $1 size, $2 rep → seconds on stdout
  local log="$OUT/bare-$1-$2.log"
  bare_sql "$1" | q -d "$BENCH_DB" >"$log" 2>&1 || { tail -n 30 "$log" >&2; die "bare SQL failed (see $log)"; }
  grep -E '^Time: ' "$log" | awk '{ ms += $2 } END { printf "%.2f\n", ms / 1000 }'
}

LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"
declare -A A_WALL A_RUN B_RUN AGREE
for s in $SIZES; do
  for rep in $(seq 1 "$REPS"); do
    # Alternate the order so that slow drift (other load, caches) does not favour one side.
    if [ $((rep % 2)) = 1 ]; then order="analysis bare"; else order="bare analysis"; fi
    for what in $order; do
      if [ "$what" = analysis ]; then
        say "size $s, rep $rep: full analysis"
        wall=$(run_analysis "$s" "$rep"); run=$(analysis_seconds "$s")
        A_WALL[$s]+="$wall "; A_RUN[$s]+="$run "
        say "  analysis $run s (process $wall s)"
      else
        say "size $s, rep $rep: bare SQL nearest join"
        t=$(run_bare "$s" "$rep"); B_RUN[$s]+="$t "
        AGREE[$s]="$(grep -A2 'compared' "$OUT/bare-$s-$rep.log" | tail -n 1 | tr -s ' ')"
        say "  bare SQL $t s"
      fi
    done
  done
done
LOAD_END="$(cut -d' ' -f1-3 /proc/loadavg)"

CPU="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
PG="$(q -d "$BENCH_DB" -tAc "SELECT split_part(version(), ' on ', 1) || ', PostGIS ' || postgis_lib_version()")"
{
  echo "# Gap analysis vs bare PostGIS nearest join"
  echo
  echo "Run $(date -u +%Y-%m-%dT%H:%MZ) by \`bash bench/gaps/run.sh\` (SIZES=\"$SIZES\" SERVICES=$SERVICES CATEGORIES=$CATEGORIES REPS=$REPS SEED=$SEED)."
  echo
  echo "- Machine: $(nproc) CPUs ($CPU), $(free -g | awk '/Mem:/ { print $2 }') GiB RAM; $PG; shared_buffers $(q -d "$BENCH_DB" -tAc 'SHOW shared_buffers'), max_parallel_workers_per_gather $(q -d "$BENCH_DB" -tAc 'SHOW max_parallel_workers_per_gather')."
  echo "- Load average at start / end: $LOAD_START / $LOAD_END (the machine is shared; both sides ran alternately in the same minutes)."
  echo "- Data: $SERVICES synthetic services (bench/generate.sql), settlements from bench/gaps/demand.sql; categories $CATEGORIES."
  echo
  echo "| settlements | full analysis, s (median, range) | bare SQL join, s (median, range) | bare ÷ analysis | distances compared with the bare query's |"
  echo "|---:|---:|---:|---:|---|"
  for s in $SIZES; do
    am=$(tr ' ' '\n' <<<"${A_RUN[$s]}" | grep -v '^$' | median); ar=$(tr ' ' '\n' <<<"${A_RUN[$s]}" | grep -v '^$' | minmax)
    bm=$(tr ' ' '\n' <<<"${B_RUN[$s]}" | grep -v '^$' | median); br=$(tr ' ' '\n' <<<"${B_RUN[$s]}" | grep -v '^$' | minmax)
    ratio=$(awk -v a="$am" -v b="$bm" 'BEGIN { printf "%.2f", b / a }')
    read -r compared agree nearer farther approx approx500 <<<"$(tr '|' ' ' <<<"${AGREE[$s]}")"
    echo "| $s | $am ($ar) | $bm ($br) | **$ratio×** | public nearest: $agree of $compared equal (±1 m), $nearer nearer (ellipsoid re-rank / rounded approximate site), $farther farther; approximate nearest: $approx500 of $approx within 500 m (rounded by design) |"
  done
  echo
  echo "Each analysis time is the analysis's own duration (started_at → finished_at in gap_analysis), from a fresh process"
  echo "with \`--force\` (no reuse). Process wall times including start-up: $(for s in $SIZES; do printf '%s: %s s; ' "$s" "$(tr ' ' '\n' <<<"${A_WALL[$s]}" | grep -v '^$' | median)"; done)"
  echo
  echo "Stage times of the last analysis per size (from its log):"
  echo
  for s in $SIZES; do
    echo "- $s: $(grep -hoE '(distances, 2SFCA and allocation on [0-9]+ connections in [0-9.]+ s|aggregation in [0-9.]+ s)' "$OUT/analysis-$s-$REPS.log" | paste -sd ';' | sed 's/;/; /g')"
  done
} >"$RESULTS"
cat "$RESULTS"
say "wrote $RESULTS"
