#!/usr/bin/env bash
# Retakes the README's screenshots of the web app (docs/webapp-{find,gaps}-{desktop,phone}.png) from the full demo seed:
# a Release build of the API with a fresh database (migrate, demo seed), a planner key made with the CLI, and headless
# Chromium (Debian `chromium`) driven by bench/web (Microsoft.Playwright): "Find help" for a 13-year-old in San José
# (police, health, shelter), and a gap analysis of the demo towns for police and health.
#
#   bash scripts/screenshots.sh                # writes docs/
#
# Settings (environment): OUT_DIR, PLACE, API_PORT, SHOTS_DB, REFERRAL_PG_PORT, REFERRAL_CHROMIUM.
set -euo pipefail

PLACE="${PLACE:-San José}"
API_PORT="${API_PORT:-5154}"
SHOTS_DB="${SHOTS_DB:-referral_screenshots}"

export PGHOST=127.0.0.1 PGPORT="${REFERRAL_PG_PORT:-55432}" PGUSER=referral PGPASSWORD=referral
CONNSTR="Host=$PGHOST;Port=$PGPORT;Database=$SHOTS_DB;Username=$PGUSER;Password=$PGPASSWORD"
API_URL="http://127.0.0.1:$API_PORT"
REPO_ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$REPO_ROOT"
OUT_DIR="${OUT_DIR:-docs}"
LOGS=bench/.out/screenshots
mkdir -p "$LOGS" "$OUT_DIR"
API_DLL=artifacts/bin/Referral.Api/release/Referral.Api.dll

say() { printf '[screenshots %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { printf '[screenshots] ERROR: %s\n' "$*" >&2; exit 1; }
case "$SHOTS_DB" in referral|postgres|template0|template1|*[!a-z0-9_]*) die "SHOTS_DB must be a dedicated database name" ;; esac
PATH="/usr/lib/postgresql/15/bin:$PATH"
[ -f "$API_DLL" ] || die "no Release build: run dotnet build Referral.sln -c Release first"
[ -f src/Referral.Api/wwwroot/lib/app/app.js ] || die "no web app bundle: install Node.js 20+ with npm, then dotnet build Referral.sln -c Release"
q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

API_PID=""
stop_api() {
  [ -n "$API_PID" ] && kill -0 "$API_PID" 2>/dev/null || return 0
  kill "$API_PID" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$API_PID" 2>/dev/null || break; sleep 0.2; done
  kill -9 "$API_PID" 2>/dev/null || true
  wait "$API_PID" 2>/dev/null || true
}
trap 'stop_api; q -d postgres -c "DROP DATABASE IF EXISTS $SHOTS_DB WITH (FORCE)" >/dev/null 2>&1 || true' EXIT
trap 'exit 130' INT TERM

app() { ConnectionStrings__Referral="$CONNSTR" ASPNETCORE_CONTENTROOT="$REPO_ROOT/src/Referral.Api" Logging__LogLevel__Default=Warning \
  Seeding__Path="$REPO_ROOT/seed" dotnet "$API_DLL" "$@"; }

say "database $SHOTS_DB: recreate, migrate, demo seed"
q -d postgres -c "DROP DATABASE IF EXISTS $SHOTS_DB WITH (FORCE)" -c "CREATE DATABASE $SHOTS_DB" >/dev/null
app migrate >"$LOGS/migrate.log" 2>&1 || { tail -n 20 "$LOGS/migrate.log" >&2; die "migrate failed"; }
app seed >"$LOGS/seed.log" 2>&1 || { tail -n 20 "$LOGS/seed.log" >&2; die "seed failed"; }
key="$(app keys create --role planner --name screenshots 2>"$LOGS/key.log" | tail -n 1)"
[ -n "$key" ] || die "could not create a planner key"
dataset="$(q -d "$SHOTS_DB" -tA -c "SELECT id FROM demand_dataset WHERE is_demo ORDER BY name LIMIT 1")"
[ -n "$dataset" ] || die "the demo seed has no demand dataset"

dotnet build bench/web/WebBench.csproj -c Release -nologo -v quiet >"$LOGS/build.log" 2>&1 || { tail -n 20 "$LOGS/build.log" >&2; die "bench/web build failed"; }
(export ASPNETCORE_URLS="$API_URL" ASPNETCORE_ENVIRONMENT=Production; app) >"$LOGS/api.log" 2>&1 &
API_PID=$!
for _ in $(seq 1 120); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$API_URL/health/live" || true)" = 200 ] && break
  kill -0 "$API_PID" 2>/dev/null || { tail -n 20 "$LOGS/api.log" >&2; die "the API exited"; }
  sleep 0.5
done
say "taking the screenshots into $OUT_DIR/"
dotnet artifacts/bin/WebBench/release/WebBench.dll screenshots --base "$API_URL" --key "$key" --dataset "$dataset" --place "$PLACE" --out "$OUT_DIR"
