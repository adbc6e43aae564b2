#!/usr/bin/env bash
# Web app speed: "choose a place → rendered referral card" in headless Chromium (Debian `chromium`, driven by
# Microsoft.Playwright), against a Release build of the API with the demo seed; the same GET /api/referral fetched
# straight from the benchmark in the same runs is the reference. Median and spread of RUNS runs. See bench/README.md.
#
#   bash bench/web/run.sh                      # 15 runs, "San José"
#   RUNS=5 PLACE=Liberia bash bench/web/run.sh
#
# Settings (environment): RUNS, PLACE, API_PORT, BENCH_DB, REFERRAL_PG_PORT, REFERRAL_CHROMIUM.
# It uses the Release build in artifacts/ with the web app bundle (run `dotnet build Referral.sln -c Release` with
# Node.js first), recreates database $BENCH_DB (migrate, demo seed), starts the API on 127.0.0.1:$API_PORT and stops it on exit.
set -euo pipefail

RUNS="${RUNS:-15}"
PLACE="${PLACE:-San José}"
API_PORT="${API_PORT:-5153}"
BENCH_DB="${BENCH_DB:-referral_bench_web}"

export PGHOST=127.0.0.1 PGPORT="${REFERRAL_PG_PORT:-55432}" PGUSER=referral PGPASSWORD=referral
CONNSTR="Host=$PGHOST;Port=$PGPORT;Database=$BENCH_DB;Username=$PGUSER;Password=$PGPASSWORD"
API_URL="http://127.0.0.1:$API_PORT"

REPO_ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)"
cd "$REPO_ROOT"
OUT=bench/.out/web
mkdir -p "$OUT" bench/results
API_DLL=artifacts/bin/Referral.Api/release/Referral.Api.dll
RESULTS="${RESULTS:-bench/results/web-card-$(date -u +%Y-%m-%d).md}"

say() { printf '[bench-web %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { printf '[bench-web] ERROR: %s\n' "$*" >&2; exit 1; }
# shellcheck source=bench/lib.sh
. bench/lib.sh
check_bench_db "$BENCH_DB"
PATH="/usr/lib/postgresql/15/bin:$PATH"
for t in curl psql; do command -v "$t" >/dev/null 2>&1 || die "missing: $t"; done
[ -f "$API_DLL" ] || die "no Release build: run dotnet build Referral.sln -c Release first"
[ -f src/Referral.Api/wwwroot/lib/app/app.js ] || die "no web app bundle: install Node.js 20+ with npm, then dotnet build Referral.sln -c Release"
trap stop_apis EXIT
trap 'exit 130' INT TERM

# The content root is the API project (its wwwroot holds the bundle), as with `make run`.
app() { ConnectionStrings__Referral="$CONNSTR" ASPNETCORE_CONTENTROOT="$REPO_ROOT/src/Referral.Api" Logging__LogLevel__Default=Warning \
  Seeding__Path="$REPO_ROOT/seed" dotnet "$API_DLL" "$@"; }

say "database $BENCH_DB: recreate, migrate, demo seed"
q -d postgres -c "DROP DATABASE IF EXISTS $BENCH_DB WITH (FORCE)" -c "CREATE DATABASE $BENCH_DB" >/dev/null
app migrate >"$OUT/migrate.log" 2>&1 || { tail -n 20 "$OUT/migrate.log" >&2; die "migrate failed"; }
app seed >"$OUT/seed.log" 2>&1 || { tail -n 20 "$OUT/seed.log" >&2; die "seed failed"; }

say "building the browser driver (bench/web)"
dotnet build bench/web/WebBench.csproj -c Release -nologo -v quiet >"$OUT/build.log" 2>&1 || { tail -n 20 "$OUT/build.log" >&2; die "bench/web build failed"; }

say "starting the API (Release, Production) on $API_URL"
start_api "$API_URL" "$OUT/api.log" "$API_DLL" ConnectionStrings__Referral="$CONNSTR" ASPNETCORE_CONTENTROOT="$REPO_ROOT/src/Referral.Api" \
  Seeding__Path="$REPO_ROOT/seed"

say "$RUNS runs (+1 warm-up), place \"$PLACE\""
dotnet artifacts/bin/WebBench/release/WebBench.dll card --base "$API_URL" --runs "$RUNS" --place "$PLACE" --out "$RESULTS"
say "written to $RESULTS"
