#!/usr/bin/env bash
# Import benchmark: our import path (CLI `import`, the same code as POST /api/imports) against psql \copy of the same
# CSV into a bare staging table, in the same run. See bench/imports/README.md.
#
#   bash bench/imports/run.sh                       # 1,000,000 rows, 3 repetitions of each
#   SIZES=100000 REPS=2 bash bench/imports/run.sh   # a quick look
#
# Settings (environment): SIZES (rows per round), REPS, SEED (data), BENCH_DB (prefix of the databases it creates),
# RESULTS (results file), BUILD_REF (a git revision to benchmark instead of the working tree), REFERRAL_PG_PORT,
# REPORT_ONLY=1 (write the results file again from the last run's raw figures, without measuring).
#
# Once: publish the API (Release) into bench/.out/imports/api; create the template database ${BENCH_DB}_base
# (migrate + demo seed: the towns the generator draws from, the Costa Rica outline the import checks against).
# Per size: generate the CSV once (bench/imports/generate.sql), then REPS times, alternating:
#   copy:   a fresh database from the template; CREATE TABLE staging (…); \copy staging FROM the CSV (timed)
#   import: a fresh database from the template; `import services.csv --source bench` (timed, process start included)
# and after each import it checks the result: every row is a service with its location and category, and a name
# search and a nearest query find generated rows through the app's own indexes. All work stays on 127.0.0.1.
set -euo pipefail

SIZES="${SIZES:-1000000}"
REPS="${REPS:-3}"
SEED="${SEED:-20261129}"
BENCH_DB="${BENCH_DB:-referral_bench_imp}"
BUILD_REF="${BUILD_REF:-}"
REPORT_ONLY="${REPORT_ONLY:-0}"

export PGHOST=127.0.0.1 PGPORT="${REFERRAL_PG_PORT:-55432}" PGUSER=referral PGPASSWORD=referral

REPO_ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)"
cd "$REPO_ROOT"
OUT=bench/.out/imports              # scratch (git-ignored): published API, CSV files, logs, raw figures
mkdir -p "$OUT" bench/results
DATE="$(date -u +%Y-%m-%d)"
if [ "$SIZES" = "1000000" ]; then
  RESULTS="${RESULTS:-bench/results/imports-$DATE.md}"
else
  RESULTS="${RESULTS:-bench/results/imports-$DATE-$(printf '%s' "$SIZES" | tr ' ' '-').md}"
fi

LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"
say() { printf '[bench %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { printf '[bench] ERROR: %s\n' "$*" >&2; exit 1; }

for v in REPS SEED; do
  case "${!v}" in ''|*[!0-9]*) die "$v must be a positive integer (got '${!v}')" ;; esac
done
for s in $SIZES; do
  case "$s" in ''|*[!0-9]*) die "SIZES must be row counts (got '$s')" ;; esac
done
case "$BENCH_DB" in referral|postgres|template0|template1|*[!a-z0-9_]*) die "BENCH_DB must be a dedicated name (got '$BENCH_DB')" ;; esac

PG_BIN=/usr/lib/postgresql/15/bin
psql_bin() { if [ -x "$PG_BIN/$1" ]; then printf '%s' "$PG_BIN/$1"; else command -v "$1"; fi; }
PSQL="$(psql_bin psql)"
[ -n "$PSQL" ] || die "psql not found (Debian: apt-get install -y postgresql-client-15)"
command -v dotnet >/dev/null 2>&1 || die "dotnet (SDK 10) is not on PATH"
q() { "$PSQL" -X -q -v ON_ERROR_STOP=1 "$@"; }
now() { date +%s.%N; }

# stats: "median min max" of the numbers on stdin
stats() {
  sort -g | awk '{ v[NR] = $1 } END {
    if (NR == 0) { print "nan nan nan"; exit }
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "%.6g %.6g %.6g\n", m, v[1], v[NR] }'
}
cell() { # $1 printf format, stdin numbers → "median (min–max)"
  local m lo hi
  read -r m lo hi < <(stats)
  # shellcheck disable=SC2059
  printf "$1 ($1–$1)" "$m" "$lo" "$hi"
}

cleanup() {
  local rc=$?
  [ "$rc" -eq 0 ] || say "stopped (exit $rc); logs in $OUT"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

declare -A CSV_MB GEN_S
RAW="$OUT/raw.tsv"
BASE="${BENCH_DB}_base"
if [ "$REPORT_ONLY" = 1 ]; then
  [ -s "$RAW" ] || die "REPORT_ONLY=1 but there is no $RAW from an earlier run"
  for n in $SIZES; do
    csv="$REPO_ROOT/$OUT/services-$n-$SEED.csv"
    CSV_MB[$n]="$(awk -v b="$(stat -c %s "$csv" 2>/dev/null || echo 0)" 'BEGIN { printf "%.0f", b / 1048576 }')"
    GEN_S[$n]="(earlier)"
  done
  SEEDED="$(q -d "$BASE" -tA -c "SELECT count(*) FROM service")"
else
# the local cluster (scripts/localdb.sh), unless a server already answers with these credentials
q -d postgres -c "SELECT 1" >/dev/null 2>&1 || bash scripts/localdb.sh start >/dev/null

# --------------------------------------------------------------------------------------------- build ---
SRC_DIR="$REPO_ROOT"
SEED_DIR="$REPO_ROOT/seed"
if [ -n "$BUILD_REF" ]; then
  rm -rf "$OUT/src" && mkdir -p "$OUT/src"
  git archive "$BUILD_REF" | tar -x -C "$OUT/src"
  SRC_DIR="$REPO_ROOT/$OUT/src"
  SEED_DIR="$SRC_DIR/seed"
fi
say "building the API (dotnet publish -c Release)"
dotnet publish "$SRC_DIR/src/Referral.Api" -c Release -p:BuildGraphiQL=false -o "$OUT/api" --nologo -v q >"$OUT/publish.log" 2>&1 \
  || { grep -E 'error' "$OUT/publish.log" | head -n 20 >&2; die "dotnet publish failed (see $OUT/publish.log)"; }
API_DLL="$REPO_ROOT/$OUT/api/Referral.Api.dll"
app() { # $1 database, rest: CLI arguments. With CPU_OUT set, the process's user and system CPU seconds go there.
  local db="$1"; shift
  local timer=()
  if [ -n "${CPU_OUT:-}" ] && [ -x /usr/bin/time ]; then timer=(/usr/bin/time -f '%U %S' -o "$CPU_OUT"); fi
  ConnectionStrings__Referral="Host=$PGHOST;Port=$PGPORT;Database=$db;Username=$PGUSER;Password=$PGPASSWORD;Command Timeout=0" \
    Logging__LogLevel__Default=Warning Seeding__Path="$SEED_DIR" "${timer[@]}" dotnet "$API_DLL" "$@"
}
# CPU seconds the database server has used so far: its postmaster, every live child (backends, parallel workers, WAL
# writer, checkpointer…) and every child it has reaped (the import's backend, once its connection closed). Empty when
# the cluster is not on this machine (its data directory is not readable here).
TICKS="$(getconf CLK_TCK)"
server_cpu() {
  local dir pid
  dir="$(q -d postgres -tA -c "SHOW data_directory" 2>/dev/null)" || return 0
  [ -r "$dir/postmaster.pid" ] || return 0
  pid="$(head -n 1 "$dir/postmaster.pid")"
  # /proc/<pid>/stat is "pid (command) state ppid …"; after the ")": f[2] ppid, f[12] utime, f[13] stime, f[14] cutime, f[15] cstime
  # (a process may end between the glob and the read: cat then fails, which is no error here)
  { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v pid="$pid" -v hz="$TICKS" '
    { p = $1; sub(/^.*\) /, ""); split($0, f, " ") }
    p == pid || f[2] == pid { t += f[12] + f[13] + f[14] + f[15] }
    END { printf "%.2f\n", t / hz }'
}

# ------------------------------------------------------------------------------------------ template ---
WORK="${BENCH_DB}_run"
recreate() { # $1 database, $2 template (optional)
  q -d postgres -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)"
  q -d postgres -c "CREATE DATABASE $1${2:+ TEMPLATE $2}"
}
say "template database $BASE: migrate, seed"
recreate "$BASE"
app "$BASE" migrate >"$OUT/migrate.log" 2>&1 || { tail -n 30 "$OUT/migrate.log" >&2; die "migrate failed"; }
app "$BASE" seed >"$OUT/seed.log" 2>&1 || { tail -n 30 "$OUT/seed.log" >&2; die "seed failed"; }
q -d "$BASE" -c "VACUUM ANALYZE"
SEEDED="$(q -d "$BASE" -tA -c "SELECT count(*) FROM service")"

FLOOR="SET maintenance_work_mem = '512MB';
CREATE TABLE searchable AS
SELECT id, name, category, phone, address, city, country,
       ST_SetSRID(ST_MakePoint(longitude, latitude), 4326)::geography AS point,
       to_tsvector('simple', coalesce(name, '') || ' ' || coalesce(category, '') || ' ' || coalesce(city, '')) AS document
FROM staging;
CREATE INDEX ON searchable USING gist (point);
CREATE INDEX ON searchable USING gin (document);
ANALYZE searchable;"
STAGING='CREATE TABLE staging (id text, name text, category text, latitude double precision, longitude double precision, phone text, address text, city text, country text)'

: >"$RAW"
for n in $SIZES; do
  csv="$REPO_ROOT/$OUT/services-$n-$SEED.csv"
  if [ ! -s "$csv" ]; then
    say "generating $n rows"
    t0="$(now)"
    q -d "$BASE" -v n="$n" -v seed="$SEED" -v out="$csv" -f bench/imports/generate.sql >"$OUT/generate-$n.log" 2>&1 \
      || { tail -n 20 "$OUT/generate-$n.log" >&2; die "generate failed"; }
    GEN_S[$n]="$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.0f s", b - a }')"
  else
    GEN_S[$n]="(reused)"
  fi
  rows="$(($(wc -l <"$csv") - 1))"
  [ "$rows" = "$n" ] || die "$csv has $rows rows, expected $n"
  CSV_MB[$n]="$(awk -v b="$(stat -c %s "$csv")" 'BEGIN { printf "%.0f", b / 1048576 }')"

  for rep in $(seq 1 "$REPS"); do
    # reference: the bare copy
    recreate "$WORK" "$BASE"
    q -d "$WORK" -c "$STAGING"
    t0="$(now)"
    q -d "$WORK" -c "\\copy staging FROM '$csv' WITH (FORMAT csv, HEADER true)"
    t1="$(now)"
    copied="$(q -d "$WORK" -tA -c "SELECT count(*) FROM staging")"
    [ "$copied" = "$n" ] || die "copy loaded $copied rows, expected $n"
    copy_s="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')"
    say "$n rows, rep $rep: copy ${copy_s} s"
    printf '%s\t%s\tcopy\t%s\n' "$n" "$rep" "$copy_s" >>"$RAW"
    # floor: what a hand-written SQL load needs after that copy for the same rows to be findable by nearest and by
    # words, with nothing else — no validation, no audit, no relational model, one text configuration, no trigrams.
    # No import that makes the rows searchable can be faster than copy + floor on this machine.
    t0="$(now)"
    q -d "$WORK" -c "$FLOOR"
    t1="$(now)"
    floor_s="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')"
    say "$n rows, rep $rep: floor (geography + text document + GiST + GIN) ${floor_s} s"
    printf '%s\t%s\tfloor\t%s\n' "$n" "$rep" "$floor_s" >>"$RAW"

    # ours: the import, validated, written, indexed and searchable at the end
    recreate "$WORK" "$BASE"
    wal0="$(q -d postgres -tA -c "SELECT pg_current_wal_lsn()")"
    ckpt0="$(q -d postgres -tA -c "SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter")"
    cpu0="$(server_cpu)"
    rm -f "$OUT/cpu-$n-$rep.txt"
    t0="$(now)"
    set +e
    CPU_OUT="$OUT/cpu-$n-$rep.txt" app "$WORK" import "$csv" --format csv --source bench --country CR --quiet --report "$OUT/report-$n-$rep.json" \
      >"$OUT/import-$n-$rep.log" 2>&1
    rc=$?
    set -e
    t1="$(now)"
    # the CPU the work took on each side: the least wall time this machine's cores allow for it is their sum ÷ cores
    cpu1="$(server_cpu)"
    if [ -n "$cpu0" ] && [ -n "$cpu1" ]; then
      printf '%s\t%s\tserver_cpu\t%s\n' "$n" "$rep" "$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { printf "%.1f", b - a }')" >>"$RAW"
    fi
    if [ -s "$OUT/cpu-$n-$rep.txt" ]; then
      printf '%s\t%s\tclient_cpu\t%s\n' "$n" "$rep" "$(awk 'NF == 2 && $1 ~ /^[0-9.]+$/ { printf "%.1f", $1 + $2 }' "$OUT/cpu-$n-$rep.txt")" >>"$RAW"
    fi
    [ "$rc" -eq 0 ] || { tail -n 30 "$OUT/import-$n-$rep.log" >&2; die "import exited with $rc (see $OUT/import-$n-$rep.log)"; }
    import_s="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')"
    say "$n rows, rep $rep: import ${import_s} s"
    printf '%s\t%s\timport\t%s\n' "$n" "$rep" "$import_s" >>"$RAW"
    # the WAL the import wrote and the checkpoints during it (the cluster's settings decide how many full-page images)
    printf '%s\t%s\twal_mb\t%s\n' "$n" "$rep" "$(q -d postgres -tA -c "SELECT round(pg_wal_lsn_diff(pg_current_wal_lsn(), '$wal0') / 1048576)")" >>"$RAW"
    printf '%s\t%s\tcheckpoints\t%s\n' "$n" "$rep" "$(q -d postgres -tA -c "SELECT checkpoints_timed + checkpoints_req - $ckpt0 FROM pg_stat_bgwriter")" >>"$RAW"

    # the result is real: every row a service at its location with its category, found by search and by nearest
    read -r services sal attrs < <(q -d "$WORK" -tA -F ' ' -c "
      SELECT (SELECT count(*) FROM service WHERE source = 'bench'),
             (SELECT count(*) FROM service_at_location sal JOIN service s ON s.id = sal.service_id WHERE s.source = 'bench'),
             (SELECT count(*) FROM attribute a JOIN service s ON s.id = a.service_id WHERE s.source = 'bench')")
    [ "$services" = "$n" ] && [ "$sal" = "$n" ] && [ "$attrs" -ge "$n" ] \
      || die "after the import: $services services, $sal service-at-locations, $attrs attributes (expected $n each)"
    found="$(q -d "$WORK" -tA -c "SET enable_seqscan = off; SELECT count(*) FROM service WHERE search_document @@ plainto_tsquery('simple', 'Unidad') AND source = 'bench'")"
    [ "$found" -gt 0 ] || die "search finds no imported service"
    printf '%s\t%s\tcheck\t%s services, %s places, %s search hits\n' "$n" "$rep" "$services" "$sal" "$found" >>"$RAW"
  done
done

fi

# ---------------------------------------------------------------------------------------------- report ---
HOST_CPU="$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')"
{
  echo "# Import benchmark — $DATE"
  echo
  echo "\`bash bench/imports/run.sh\` (SIZES=\"$SIZES\" REPS=$REPS SEED=$SEED). Machine: $(nproc) cores ($HOST_CPU), load average at the start $LOAD_START, at the end $(cut -d' ' -f1-3 /proc/loadavg) (a shared machine: other work ran alongside)."
  echo "PostgreSQL $(q -d postgres -tA -c 'SHOW server_version'), PostGIS $(q -d "$BASE" -tA -c 'SELECT postgis_lib_version()')."
  echo "Each database starts from the same template (migrated, demo seed: $SEEDED services)."
  echo "Server settings: $(q -d postgres -tA -F ' ' -c "SELECT string_agg(name || ' ' || current_setting(name), ', ' ORDER BY name) FROM pg_settings
    WHERE name IN ('shared_buffers', 'wal_buffers', 'max_wal_size', 'checkpoint_timeout', 'wal_compression', 'max_parallel_maintenance_workers')") (the import sets its own work_mem and maintenance_work_mem)."
  echo
  echo "| rows | CSV | copy s | copy rows/s | import s | import rows/s | import ÷ copy (speed) | copy + floor s | copy ÷ (copy + floor): the best reachable speed ratio |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  for n in $SIZES; do
    copy_cell="$(awk -F'\t' -v n="$n" '$1 == n && $3 == "copy" { print $4 }' "$RAW" | cell '%.1f')"
    import_cell="$(awk -F'\t' -v n="$n" '$1 == n && $3 == "import" { print $4 }' "$RAW" | cell '%.1f')"
    copy_rate="$(awk -F'\t' -v n="$n" '$1 == n && $3 == "copy" { printf "%.0f\n", n / $4 }' "$RAW" | cell '%.0f')"
    import_rate="$(awk -F'\t' -v n="$n" '$1 == n && $3 == "import" { printf "%.0f\n", n / $4 }' "$RAW" | cell '%.0f')"
    # ratio per repetition (import and copy of the same repetition ran back to back)
    ratio="$(awk -F'\t' -v n="$n" '$1 == n && $3 == "copy" { c[$2] = $4 } $1 == n && $3 == "import" { i[$2] = $4 }
      END { for (r in c) if (r in i) printf "%.4f\n", c[r] / i[r] }' "$RAW" | cell '%.3f')"
    floor_cell="$(awk -F'\t' -v n="$n" '$1 == n && $3 == "copy" { c[$2] = $4 } $1 == n && $3 == "floor" { f[$2] = $4 }
      END { for (r in c) if (r in f) printf "%.4f\n", c[r] + f[r] }' "$RAW" | cell '%.1f')"
    floor_ratio="$(awk -F'\t' -v n="$n" '$1 == n && $3 == "copy" { c[$2] = $4 } $1 == n && $3 == "floor" { f[$2] = $4 }
      END { for (r in c) if (r in f) printf "%.4f\n", c[r] / (c[r] + f[r]) }' "$RAW" | cell '%.3f')"
    echo "| $n | ${CSV_MB[$n]} MB | $copy_cell | $copy_rate | $import_cell | $import_rate | $ratio | $floor_cell | $floor_ratio |"
  done
  echo
  echo "Cells: median (min–max) over $REPS repetitions; the ratio is computed per repetition (copy time ÷ import time of"
  echo "the same repetition), so 0.50 means the import runs at half the speed of the bare copy. *copy* is"
  echo "\`\\copy staging FROM 'services.csv' WITH (FORMAT csv, HEADER true)\` into a plain table without indexes, with"
  echo "typed coordinates; *import* is the whole CLI run — process start, parsing, row validation (coordinates, country"
  echo "outline with tolerance, categories, phones, duplicates), binary COPY into staging tables, set-based upserts of"
  echo "organization, service, location, address, phone, service_at_location and category attributes with audit entries,"
  echo "index maintenance and ANALYZE — so that at the end the services are searchable and findable by nearest."
  echo "*floor* is the least a hand-written SQL load must add after the copy for the same rows to be findable by nearest"
  echo "and by words: one CREATE TABLE AS with a geography point and a 'simple' text document, a GiST and a GIN index,"
  echo "ANALYZE — no validation, audit or relational model. Its last column is the best speed ratio any searchable"
  echo "import could reach here: when it is below 0.5, the target cannot be met by construction."
  echo
  echo "Checks after every import: $(awk -F'\t' '$3 == "check" { print $4 }' "$RAW" | sort -u | head -n 3 | paste -sd ';')."
  echo "CSV generation: $(for n in $SIZES; do printf '%s rows %s. ' "$n" "${GEN_S[$n]}"; done)"
  echo
  echo "Where the import's time goes (timings_ms of the import reports; seconds, median over repetitions):"
  echo
  phase_row() { # $1 rows, rest: timing keys → "| rows | median s | … |"
    local n="$1" k row; shift
    row="| $n |"
    for k in "$@"; do
      row="$row $(for f in "$OUT"/report-"$n"-*.json; do grep -o "\"$k\": *[0-9]*" "$f" | head -n1 | grep -o '[0-9]*$' || true; done \
        | awk '{ printf "%.1f\n", $1 / 1000 }' | stats | cut -d' ' -f1) |"
    done
    echo "$row"
  }
  echo "| rows | lookup | validate (parallel) | stage (COPY, overlapped with validate) | of which validate waited for COPY | read total | check | drop indexes | merge | rebuild indexes | commit | total |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  for n in $SIZES; do
    phase_row "$n" lookup validate stage stage_wait read_validate_stage check indexes_drop merge indexes_rebuild commit total
  done
  echo
  echo "Validation by part (seconds, median; the in-order part includes the in-file duplicate check):"
  echo
  echo "| rows | on every core | in file order | of which the in-file duplicate check |"
  echo "|---:|---:|---:|---:|"
  for n in $SIZES; do
    phase_row "$n" validate.parallel validate.in_order validate.duplicates
  done
  echo
  echo "The check by part (seconds, median: ANALYZE of the staging tables, id conflicts with the directory, taking out"
  echo "rejected records, probable duplicates already in the directory):"
  echo
  echo "| rows | analyze | conflicts | remove | directory duplicates |"
  echo "|---:|---:|---:|---:|---:|"
  for n in $SIZES; do
    phase_row "$n" check.analyze check.conflicts check.remove check.directory_duplicates
  done
  echo
  echo "WAL written by the import and checkpoints during it (median): $(for n in $SIZES; do
    printf '%s rows: %s MB, %s checkpoints. ' "$n" "$(awk -F'\t' -v n="$n" '$1 == n && $3 == "wal_mb" { print $4 }' "$RAW" | stats | cut -d' ' -f1)" \
      "$(awk -F'\t' -v n="$n" '$1 == n && $3 == "checkpoints" { print $4 }' "$RAW" | stats | cut -d' ' -f1)"; done)"
  echo
  if grep -q "$(printf '\t')client_cpu$(printf '\t')" "$RAW" && grep -q "$(printf '\t')server_cpu$(printf '\t')" "$RAW"; then
    echo "The machine's limit: the CPU the import used (core-seconds, median (min–max): the CLI process's user + system time,"
    echo "and the database server's processes over the import), and the least wall time $(nproc) cores allow for that much work"
    echo "(client + server ÷ cores, per repetition). An import cannot be faster than this without doing less work:"
    echo
    echo "| rows | import s | client CPU s | server CPU s | client + server | ÷ $(nproc) cores: least wall time s |"
    echo "|---:|---:|---:|---:|---:|---:|"
    for n in $SIZES; do
      echo "| $n | $(awk -F'\t' -v n="$n" '$1 == n && $3 == "import" { print $4 }' "$RAW" | cell '%.1f') |" \
        "$(awk -F'\t' -v n="$n" '$1 == n && $3 == "client_cpu" { print $4 }' "$RAW" | cell '%.1f') |" \
        "$(awk -F'\t' -v n="$n" '$1 == n && $3 == "server_cpu" { print $4 }' "$RAW" | cell '%.1f') |" \
        "$(awk -F'\t' -v n="$n" '$1 == n && ($3 == "client_cpu" || $3 == "server_cpu") { t[$2] += $4 } END { for (r in t) printf "%.1f\n", t[r] }' "$RAW" | cell '%.1f') |" \
        "$(awk -F'\t' -v n="$n" -v c="$(nproc)" '$1 == n && ($3 == "client_cpu" || $3 == "server_cpu") { t[$2] += $4 } END { for (r in t) printf "%.1f\n", t[r] / c }' "$RAW" | cell '%.1f') |"
    done
    echo
  fi
  echo "Index rebuilds by index (seconds, median; \`indexes_rebuild.<name>\` in the reports):"
  echo
  for n in $SIZES; do
    keys="$(cat "$OUT"/report-"$n"-*.json 2>/dev/null | { grep -o '"indexes_rebuild\.[a-z0-9_]*"' || true; } | tr -d '"' | sort -u)"
    [ -n "$keys" ] || continue
    echo "| rows | $(printf '%s\n' $keys | sed 's/^indexes_rebuild\.//' | paste -sd '|' | sed 's/|/ | /g') |"
    echo "|---:|$(printf '%s\n' $keys | sed 's/.*/---:/' | paste -sd '|')|"
    # shellcheck disable=SC2086
    phase_row "$n" $keys
  done
  echo
  echo "The merge by step (seconds, median):"
  echo
  echo "| rows | prepare | organization | location | address | service | phone, schedule, area | attribute | service_at_location | touch + audit of updates |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  for n in $SIZES; do
    phase_row "$n" merge.prepare merge.organization merge.location merge.address merge.service merge.phone_schedule_area merge.attribute merge.service_at_location merge.touch_audit
  done
  echo
  echo "Target (issue 15): an import of 1,000,000 rows in at most 60 s, i.e. at least 0.2 × the floor's speed"
  echo "((copy + floor) ÷ import, per repetition). Medians:"
  echo
  for n in $SIZES; do
    imp="$(awk -F'\t' -v n="$n" '$1 == n && $3 == "import" { print $4 }' "$RAW" | stats | cut -d' ' -f1)"
    speed="$(awk -F'\t' -v n="$n" '$1 == n && $3 == "copy" { c[$2] = $4 } $1 == n && $3 == "floor" { f[$2] = $4 } $1 == n && $3 == "import" { i[$2] = $4 }
      END { for (r in c) if ((r in f) && (r in i)) printf "%.4f\n", (c[r] + f[r]) / i[r] }' "$RAW" | stats | cut -d' ' -f1)"
    if [ "$n" = 1000000 ]; then
      verdict="$(awk -v s="$imp" 'BEGIN { print (s <= 60) ? "met" : "NOT met" }')"
      echo "- $n rows: import $imp s against 60 s: **$verdict**; speed against the floor $speed (target ≥ 0.2)"
    else
      echo "- $n rows: import $imp s; speed against the floor $speed (target ≥ 0.2); linear extrapolation to 1M: $(awk -v s="$imp" -v n="$n" 'BEGIN { printf "%.0f", s * 1000000 / n }') s (indicative only: fixed costs dominate small runs)"
    fi
  done
} >"$RESULTS"
cat "$RESULTS"
say "written $RESULTS"
