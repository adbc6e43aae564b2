# Helpers shared by the bench scripts (sourced, not run): psql, median and spread, the API process.
# The sourcing script defines say() and die() and sets API_DLL (the Release build, or a published folder's dll).

q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

# stdin numbers → their median / "min–max".
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "n/a"; else if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
minmax() { sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { if (NR == 0) print "n/a"; else printf "%s–%s", lo, hi }'; }

# The 1-minute load average now (the machine's load, reported next to every figure).
load1() { cut -d' ' -f1 /proc/loadavg; }

# Refuses a database name a benchmark must not drop.
check_bench_db() {
  case "$1" in referral|postgres|template0|template1|*[!a-z0-9_]*) die "BENCH_DB must be a dedicated database name (got '$1')" ;; esac
}

# Builds the API into a folder of its own (dotnet publish -c Release): $1 the folder, $2 its log.
publish_api() {
  say "building the app (dotnet publish -c Release)"
  dotnet publish src/Referral.Api -c Release -o "$1" --nologo -v q >"$2" 2>&1 \
    || { grep -E 'error' "$2" | head -n 20 >&2; die "dotnet publish failed (see $2)"; }
}

BENCH_API_PIDS=()

# Stops one process: TERM, up to 10 s, then KILL.
stop_pid() {
  local pid="$1"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# Stops every API this script started (the scripts trap it on EXIT).
stop_apis() {
  local pid
  for pid in "${BENCH_API_PIDS[@]}"; do stop_pid "$pid"; done
  BENCH_API_PIDS=()
}

# Starts an API and waits until /health/live answers 200: $1 its URL, $2 its log file, $3 the dll, then settings as
# NAME=value words (Release build, Production environment, rate limits out of the way). Sets API_PID.
start_api() {
  local url="$1" log="$2" dll="$3"
  shift 3
  (exec env ASPNETCORE_URLS="$url" ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning \
     RateLimits__AnonymousPerMinute=2000000000 RateLimits__AuthenticatedPerMinute=2000000000 "$@" dotnet "$dll") >"$log" 2>&1 &
  API_PID=$!
  BENCH_API_PIDS+=("$API_PID")
  for _ in $(seq 1 120); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$url/health/live" || true)" = 200 ] && return 0
    kill -0 "$API_PID" 2>/dev/null || { tail -n 20 "$log" >&2; die "the API exited (see $log)"; }
    sleep 0.5
  done
  die "the API did not answer $url/health/live within 60 s (see $log)"
}
