#!/usr/bin/env bash
# Placement benchmark: "where should k = 10 new police sites go?" (maximal coverage at 25 km) through the `place` CLI verb
# (PlacementRunner, Release build), timed against the gap analysis of the same dataset and category through the `gaps`
# verb, in the same run, on the same database. Defaults: 100k settlements, 100k services, 10,000 candidate points.
#
#   bash bench/placements/run.sh                                          # the full run
#   SIZES=10000 SERVICES=10000 CANDIDATES=1000 REPS=1 bash bench/placements/run.sh   # quick look
#
# The data come from the gap benchmark's generators (bench/generate.sql, bench/gaps/demand.sql). Candidates
# (CANDIDATE_SOURCE): "points" (default) are CANDIDATES settlements of the dataset drawn with a seeded hash, passed as a
# file (--candidates FILE, as a ministry's list of usable sites would be): every one is a candidate, whether or not it
# can help anyone; "grid" are the cell centres of a grid whose cell is chosen so that the dataset's extent holds about
# CANDIDATES cells (the grid keeps only cells within reach of an uncovered settlement: results say how many were left,
# and with many existing sites that is few). A placement first obtains its
# "before" gap analysis; the script times (a) the gap analysis alone (--force), (b) the placement right after it (which
# reuses that analysis: the placement's own work), and reports (a) + (b) as the cost of a placement from scratch.
# Figures on a shared, loaded machine are indicative: compare the ratio, not the seconds.
set -euo pipefail

SIZES="${SIZES:-100000}"
SERVICES="${SERVICES:-100000}"
CANDIDATES="${CANDIDATES:-10000}"
CANDIDATE_SOURCE="${CANDIDATE_SOURCE:-points}"
K="${K:-10}"
TARGET_KM="${TARGET_KM:-25}"
# Coverage targets (km) to run, each with its own gap analysis: the issue's 25 km, and e.g. 2 km, where many more
# settlements are beyond the existing sites, so the candidates have pairs and the greedy has work.
TARGETS="${TARGETS:-$TARGET_KM}"
# REUSE_BUILD=1: use the app published by an earlier run ($OUT/api) instead of publishing again.
REUSE_BUILD="${REUSE_BUILD:-0}"
REPS="${REPS:-3}"
SEED="${SEED:-20261129}"
BENCH_DB="${BENCH_DB:-referral_placebench}"
REUSE_DB="${REUSE_DB:-0}"

export PGHOST=127.0.0.1 PGPORT="${REFERRAL_PG_PORT:-55432}" PGUSER=referral PGPASSWORD=referral
CONNSTR="Host=$PGHOST;Port=$PGPORT;Database=$BENCH_DB;Username=$PGUSER;Password=$PGPASSWORD"

REPO_ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)"
cd "$REPO_ROOT"
OUT=bench/.out/placements
RESULTS="${RESULTS:-bench/results/placements-$(date -u +%Y-%m-%d).md}"
mkdir -p "$OUT" "$(dirname "$RESULTS")"

say() { printf '[place-bench %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { printf '[place-bench] ERROR: %s\n' "$*" >&2; exit 1; }
for v in SERVICES CANDIDATES K REPS SEED; do
  case "${!v}" in ''|*[!0-9]*) die "$v must be a positive integer (got '${!v}')" ;; esac
done
for s in $SIZES; do case "$s" in ''|*[!0-9]*) die "SIZES must be row counts (got '$s')" ;; esac; done
for t in $TARGETS; do case "$t" in ''|*[!0-9.]*) die "TARGETS must be kilometres (got '$t')" ;; esac; done
case "$CANDIDATE_SOURCE" in points|grid) ;; *) die "CANDIDATE_SOURCE must be points or grid (got '$CANDIDATE_SOURCE')" ;; esac
command -v psql >/dev/null 2>&1 || die "psql is not on PATH"
command -v dotnet >/dev/null 2>&1 || die "dotnet (SDK 10) is not on PATH"

# shellcheck source=bench/lib.sh
. bench/lib.sh
check_bench_db "$BENCH_DB"
api() { (cd "$OUT/api" && env ConnectionStrings__Referral="$CONNSTR" Logging__LogLevel__Default=Warning dotnet Referral.Api.dll "$@"); }

if [ "$REUSE_BUILD" = 1 ] && [ -f "$OUT/api/Referral.Api.dll" ]; then
  say "reusing the app published in $OUT/api"
else
  publish_api "$OUT/api" "$OUT/publish.log"
fi

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
  q -d "$BENCH_DB" -v n="$SERVICES" -v seed="$SEED" -f bench/generate.sql >"$OUT/generate.log" 2>&1 || die "bench/generate.sql failed"
  for s in $SIZES; do
    say "generating $s settlements (bench/gaps/demand.sql)"
    q -d "$BENCH_DB" -v n="$s" -v seed="$SEED" -f bench/gaps/demand.sql >"$OUT/demand-$s.log" 2>&1 || die "bench/gaps/demand.sql failed"
  done
fi
q -d "$BENCH_DB" -c "VACUUM ANALYZE" >/dev/null

# The grid cell (km) that gives the dataset's extent about CANDIDATES cells (area from the extent at its mean latitude).
cell_km() {
  q -d "$BENCH_DB" -tAc "SELECT round(sqrt(greatest(
      (max(ST_Y(p.point::geometry)) - min(ST_Y(p.point::geometry))) * 111.32
    * (max(ST_X(p.point::geometry)) - min(ST_X(p.point::geometry))) * 111.32 * cos(radians(avg(ST_Y(p.point::geometry)))), 1)
    / $CANDIDATES)::numeric, 3) FROM demand_point p JOIN demand_dataset d ON d.id = p.dataset_id WHERE d.name = 'bench: $1 settlements'"
}
gap_seconds() {
  q -d "$BENCH_DB" -tAc "SELECT round(extract(epoch FROM a.finished_at - a.started_at)::numeric, 2) FROM gap_analysis a
    JOIN demand_dataset d ON d.id = a.dataset_id WHERE d.name = 'bench: $1 settlements' AND a.status = 'succeeded'
    ORDER BY a.finished_at DESC LIMIT 1"
}
placement_field() { # $1 size, $2 SQL expression over p (placement) → value of the newest succeeded placement
  q -d "$BENCH_DB" -tAc "SELECT $2 FROM placement p JOIN demand_dataset d ON d.id = p.dataset_id
    WHERE d.name = 'bench: $1 settlements' AND p.status = 'succeeded' ORDER BY p.finished_at DESC LIMIT 1"
}

# CANDIDATES settlements of the dataset, drawn by a seeded hash of their id, as a candidates file (lat,lng,name).
candidate_file() {
  local file="$OUT/candidates-$1.csv"
  { echo "lat,lng,name"
    q -d "$BENCH_DB" -tA -F, -c "SELECT round(ST_Y(p.point::geometry)::numeric, 6), round(ST_X(p.point::geometry)::numeric, 6), 'candidate ' || row_number() OVER ()
      FROM demand_point p JOIN demand_dataset d ON d.id = p.dataset_id WHERE d.name = 'bench: $1 settlements'
      ORDER BY md5(p.id::text || '$SEED') LIMIT $CANDIDATES"
  } >"$file"
  echo "$file"
}

LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"
declare -A G P R CELLS CANDS PAIRS
for s in $SIZES; do
  if [ "$CANDIDATE_SOURCE" = grid ]; then
    CELLS[$s]="$(cell_km "$s")"
    WHERE=(--candidates grid --cell-km "${CELLS[$s]}")
  else
    CELLS[$s]="-"
    WHERE=(--candidates "$REPO_ROOT/$(candidate_file "$s")")
  fi
  for rep in $(seq 1 "$REPS"); do
    for t in $TARGETS; do
      key="$s/$t"
      # The gap analysis with the placement's target, so that the placement reuses it as its "before".
      say "size $s, target $t km, rep $rep: gap analysis (police)"
      api gaps --dataset "bench: $s settlements" --categories police --target-km "$t" --force >"$OUT/gap-$s-$t-$rep.log" 2>&1 \
        || { tail -n 30 "$OUT/gap-$s-$t-$rep.log" >&2; die "gap analysis failed"; }
      g=$(gap_seconds "$s"); G[$key]+="$g "
      say "  gap analysis $g s; placement k=$K, coverage $t km, candidates: $CANDIDATE_SOURCE ${CELLS[$s]}"
      api place --dataset "bench: $s settlements" --category police --k "$K" --target-km "$t" \
        "${WHERE[@]}" --force >"$OUT/place-$s-$t-$rep.log" 2>&1 || { tail -n 30 "$OUT/place-$s-$t-$rep.log" >&2; die "placement failed"; }
      p=$(placement_field "$s" "round(extract(epoch FROM p.finished_at - p.started_at)::numeric, 2)"); P[$key]+="$p "
      R[$key]+="$(awk -v a="$p" -v b="$g" 'BEGIN { printf "%.3f", a / b }') "
      CANDS[$key]=$(placement_field "$s" "(p.results->'totals'->>'candidates') || ' candidates, ' || (p.results->'totals'->>'candidates_reaching') || ' helping someone'")
      PAIRS[$key]=$(placement_field "$s" "p.results->'totals'->>'pairs'")
      say "  placement $p s (${CANDS[$key]}, ${PAIRS[$key]} pairs)"
    done
  done
done
LOAD_END="$(cut -d' ' -f1-3 /proc/loadavg)"

{
  echo "# Placement vs gap analysis"
  echo
  echo "Run $(date -u +%Y-%m-%dT%H:%MZ) by \`bash bench/placements/run.sh\` (SIZES=\"$SIZES\" SERVICES=$SERVICES CANDIDATES=$CANDIDATES CANDIDATE_SOURCE=$CANDIDATE_SOURCE K=$K TARGETS=\"$TARGETS\" REPS=$REPS SEED=$SEED)."
  echo
  echo "- Machine: $(nproc) CPUs, shared and loaded: load average at start / end $LOAD_START / $LOAD_END. Indicative figures."
  echo "- Gap analysis = \`gaps --categories police --target-km T --force\` (the full analysis); placement = \`place --category police --k $K --target-km T\`"
  echo "  right after it: its own work (candidates, pairs, greedy, exact after-distances, figures), reusing that analysis as its \"before\"."
  echo "- placement ÷ gap is the median of the per-repetition ratios (each placement against the gap analysis just before it)."
  echo
  echo "| settlements | target km | grid cell km | candidates | pairs | gap analysis (police), s (median, range) | placement, s (median, range) | placement ÷ gap (median, range) | from scratch (gap + placement) ÷ gap |"
  echo "|---:|---:|---:|---|---:|---:|---:|---:|---:|"
  for s in $SIZES; do
    for t in $TARGETS; do
      key="$s/$t"
      gm=$(tr ' ' '\n' <<<"${G[$key]}" | grep -v '^$' | median); gr=$(tr ' ' '\n' <<<"${G[$key]}" | grep -v '^$' | minmax)
      pm=$(tr ' ' '\n' <<<"${P[$key]}" | grep -v '^$' | median); pr=$(tr ' ' '\n' <<<"${P[$key]}" | grep -v '^$' | minmax)
      rm_=$(tr ' ' '\n' <<<"${R[$key]}" | grep -v '^$' | median); rr=$(tr ' ' '\n' <<<"${R[$key]}" | grep -v '^$' | minmax)
      echo "| $s | $t | ${CELLS[$s]} | ${CANDS[$key]} | ${PAIRS[$key]} | $gm ($gr) | $pm ($pr) | $rm_ ($rr) | $(awk -v a="$rm_" 'BEGIN { printf "%.2f", 1 + a }') |"
    done
  done
  echo
  echo "Per repetition (gap s / placement s):"
  for s in $SIZES; do
    for t in $TARGETS; do
      echo "- $s settlements, $t km: gap ${G[$s/$t]}/ placement ${P[$s/$t]}"
    done
  done
} | tee "$RESULTS"
say "wrote $RESULTS"
