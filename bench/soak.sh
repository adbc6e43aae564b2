#!/usr/bin/env bash
# Soak: two API instances on a primary + streaming standby, a bounded mixed workload on loopback (issue 17).
#
#   bash bench/soak.sh                 # 10 minutes (DURATION=600); needs the Release build
#   DURATION=60 bash bench/soak.sh     # a one-minute smoke
#
# Starts its own throwaway primary (scripts/localdb.sh) and standby (scripts/standby.sh) in a temporary directory on
# SOAK_PG_PORT / SOAK_STANDBY_PORT (default 55462 / 55463), two API instances on PORT_A / PORT_B (default 5206 / 5207)
# with ConnectionStrings__ReferralRead pointing at the standby, seeds the demo through instance A, then runs WORKERS
# client threads (default 6) alternating between the instances: nearest, referral, lists, GraphQL, writes
# (organizations), one import (the directory's own CSV export posted back) and one gap analysis. Reports per route and
# per minute p50/p99, the status codes (a 4xx the workload provokes on purpose counts as deliberate), each API
# process's resident memory and managed heap per minute, the live heap after a full GC (dotnet-gcdump) at the end of the
# warm-up and at the end with the types that grew most, and whether every acknowledged write is on the primary.
# Everything it started is stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-600}
WORKERS=${WORKERS:-6}
PORT_A=${PORT_A:-5206}
PORT_B=${PORT_B:-5207}
PG_PORT=${SOAK_PG_PORT:-55462}
STANDBY_PORT=${SOAK_STANDBY_PORT:-55463}
DLL=artifacts/bin/Referral.Api/release/Referral.Api.dll
dotnet tool restore >/dev/null   # dotnet-gcdump, for the live-heap check
[ -f "$DLL" ] || { echo "build first: dotnet build Referral.sln -c Release" >&2; exit 1; }
command -v python3 >/dev/null || { echo "python3 is needed for the load generator" >&2; exit 1; }

WORK=$(mktemp -d -t referral-soak-XXXXXX)
export REFERRAL_PG_DIR="$WORK" REFERRAL_PG_PORT="$PG_PORT" REFERRAL_STANDBY_PORT="$STANDBY_PORT"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  bash scripts/standby.sh stop immediate >/dev/null 2>&1 || true
  bash scripts/localdb.sh stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

bash scripts/localdb.sh start >/dev/null
PRIMARY="Host=127.0.0.1;Port=$PG_PORT;Database=referral;Username=referral;Password=referral"
READ="Host=127.0.0.1:$STANDBY_PORT,127.0.0.1:$PG_PORT;Database=referral;Username=referral;Password=referral;Target Session Attributes=prefer-standby;Host Recheck Seconds=5"

start_api() { # $1 port, $2 seed
  ConnectionStrings__Referral="$PRIMARY" ConnectionStrings__ReferralRead="$READ" Database__Migrate=true Seeding__Enabled="$2" \
    ASPNETCORE_URLS="http://127.0.0.1:$1" ASPNETCORE_ENVIRONMENT=Production \
    RateLimits__AnonymousPerMinute=1000000 RateLimits__AuthenticatedPerMinute=1000000 RateLimits__ExpensiveConcurrency=64 \
    dotnet "$DLL" >"$WORK/api-$1.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 180); do curl -sf "http://127.0.0.1:$1/health/ready" >/dev/null && return 0; sleep 1; done
  echo "API on port $1 did not start; log:" >&2; tail -n 30 "$WORK/api-$1.log" >&2; exit 1
}
start_api "$PORT_A" true   # migrates and seeds the demo
bash scripts/standby.sh start >/dev/null   # the copy includes the seeded demo
start_api "$PORT_B" false
KEY=$(ConnectionStrings__Referral="$PRIMARY" dotnet "$DLL" keys create --role admin --name "soak-$$" 2>/dev/null | tail -n 1)

python3 - "$DURATION" "$WORKERS" "$PORT_A" "$PORT_B" "$KEY" "${PIDS[0]}" "${PIDS[1]}" "$PG_PORT" <<'PY'
import json, random, statistics, subprocess, sys, threading, time, urllib.request, urllib.error
duration, workers = int(sys.argv[1]), int(sys.argv[2])
ports, key, pids, pg_port = [sys.argv[3], sys.argv[4]], sys.argv[5], [sys.argv[6], sys.argv[7]], sys.argv[8]
start = time.time()
lock = threading.Lock()
lat = {}        # (route, minute) -> [seconds]
codes = {}      # (route, code) -> count
acked = []      # ids of acknowledged writes
rss = []        # (minute, pid, RSS kB, managed heap bytes or None)

def call(route, method, path, body=None, ctype="application/json", deliberate=()):
    port = random.choice(ports)
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method,
                                 headers={"X-Api-Key": key, "Content-Type": ctype, "Accept": "application/json"})
    t0 = time.time()
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            status, payload = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, payload = e.code, e.read()
    except Exception as e:
        status, payload = "error:" + type(e).__name__, b""
    took = time.time() - t0
    minute = int((t0 - start) // 60)
    with lock:
        lat.setdefault((route, minute), []).append(took)
        label = status if status not in deliberate else f"{status} (deliberate)"
        codes[(route, label)] = codes.get((route, label), 0) + 1
    return status, payload

def point():
    return round(random.uniform(8.3, 11.0), 4), round(random.uniform(-85.7, -82.7), 4)

def worker(n):
    i = 0
    while time.time() - start < duration:
        i += 1
        lat_, lng = point()
        kind = i % 8
        if kind in (0, 1):
            call("nearest", "GET", f"/api/nearest?lat={lat_}&lng={lng}&limit=10")
        elif kind == 2:
            call("referral", "GET", f"/api/referral?lat={lat_}&lng={lng}")
        elif kind == 3:
            call("services list", "GET", f"/api/services?per_page=20&page={random.randint(1, 5)}")
        elif kind == 4:
            q = {"query": "query($p: GeoPointInput!) { nearestServices(near: $p, first: 5) { results { distanceM } } }",
                 "variables": {"p": {"lat": lat_, "lng": lng}}}
            call("graphql", "POST", "/graphql", q)
        elif kind == 5:
            status, payload = call("write", "POST", "/api/organizations", {"name": f"Soak {n}-{i}", "description": "soak test (demo)"})
            if status == 201:
                with lock:
                    acked.append(json.loads(payload)["id"])
        elif kind == 6:
            call("bad request", "GET", "/api/nearest?lat=91&lng=0", deliberate=(400,))
        else:
            call("organizations list", "GET", "/api/organizations?per_page=20")

def heap_bytes(port):
    # The managed heap left after the last collection (System.Runtime meter, summed over generations): a leak grows it,
    # while RSS also moves with the GC's own sizing.
    try:
        req = urllib.request.Request(f"http://127.0.0.1:{port}/metrics", headers={"X-Api-Key": key})
        with urllib.request.urlopen(req, timeout=10) as r:
            text = r.read().decode()
        return sum(float(l.rsplit(" ", 1)[1]) for l in text.splitlines() if l.startswith("dotnet_gc_last_collection_heap_size_bytes"))
    except Exception:
        return None

def sampler():
    while time.time() - start < duration:
        minute = int((time.time() - start) // 60)
        for pid, port in zip(pids, ports):
            try:
                kb = int([l for l in open(f"/proc/{pid}/status") if l.startswith("VmRSS")][0].split()[1])
                rss.append((minute, pid, kb, heap_bytes(port)))
            except OSError:
                pass
        time.sleep(10)

def once():
    # One import (the directory's own CSV export posted back: everything unchanged) and one gap analysis.
    s, csv = call("export", "GET", "/api/exports/csv")
    if s == 200:
        call("import", "POST", "/api/imports?country=CR&valid_only=true", csv, ctype="text/csv")
    call("gap analysis", "POST", "/api/gap_analyses",
         {"dataset": "demo: Costa Rica towns (GeoNames)", "categories": ["police"], "force": True})

def live_heap(pid):
    # The live managed heap: dotnet-gcdump forces a full (gen 2) collection and reports what survives it, by type.
    # Growth of this between the end of the warm-up and the end of the run is what a leak looks like.
    out = subprocess.run(["dotnet", "tool", "run", "dotnet-gcdump", "report", "-p", str(pid)], capture_output=True, text=True)
    total, types = None, {}
    for line in out.stdout.splitlines():
        parts = line.split(None, 2)
        if len(parts) == 3 and parts[0].replace(",", "").isdigit():
            if parts[1:] == ["GC", "Heap bytes"] or line.strip().endswith("GC Heap bytes"):
                total = int(parts[0].replace(",", ""))
            elif parts[1].replace(",", "").isdigit():
                types[parts[2].split("  [")[0]] = int(parts[0].replace(",", ""))
    return total, types

live = {}       # pid -> [(when, bytes, types)]
def heap_probe():
    time.sleep(min(90, duration / 4))   # after seeding, the import and the gap analysis
    for pid in pids:
        live.setdefault(pid, []).append(("warm", *live_heap(pid)))

threads = [threading.Thread(target=worker, args=(n,)) for n in range(workers)]
threads.append(threading.Thread(target=heap_probe))
threads += [threading.Thread(target=sampler), threading.Thread(target=once)]
for t in threads: t.start()
for t in threads: t.join()

def pct(xs, p):
    xs = sorted(xs); return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] * 1000
minutes = sorted({m for (_, m) in lat})
first, last = minutes[0], minutes[-1]
print(f"soak: {duration} s, {workers} workers, instances on {ports}, reads to the standby")
print(f"{'route':<20}{'requests':>9}{'p50 first':>11}{'p99 first':>11}{'p50 last':>10}{'p99 last':>10}  (ms; first and last minute)")
for route in sorted({r for (r, _) in lat}):
    all_ = [x for (r, m), xs in lat.items() if r == route for x in xs]
    f, l = lat.get((route, first), []), lat.get((route, last), [])
    cell = lambda xs, p: f"{pct(xs, p):.0f}" if xs else "-"
    print(f"{route:<20}{len(all_):>9}{cell(f, 50):>11}{cell(f, 99):>11}{cell(l, 50):>10}{cell(l, 99):>10}")
print("status codes:", ", ".join(f"{r} {c}: {n}" for (r, c), n in sorted(codes.items(), key=str)))
errors = sum(n for (r, c), n in codes.items() if not (isinstance(c, int) and c < 400) and "deliberate" not in str(c))
print(f"errors other than deliberate 4xx: {errors}")
# Memory per minute (the largest sample of each minute): resident set and the managed heap after the last GC.
for pid in pids:
    xs = [(m, kb, h) for (m, p, kb, h) in rss if p == pid]
    if not xs:
        continue
    mins = sorted({m for m, _, _ in xs})
    at = lambda m: (max(kb for n, kb, _ in xs if n == m), max((h or 0) for n, _, h in xs if n == m))
    series = " ".join(f"{at(m)[0] / 1024:.0f}/{at(m)[1] / 2**20:.0f}" for m in mins)
    print(f"API pid {pid}: MiB per minute, RSS/managed heap: {series}")
    (a, ha), (b, hb) = at(mins[0]), at(mins[-1])
    print(f"API pid {pid}: RSS first minute {a / 1024:.0f} MiB, last minute {b / 1024:.0f} MiB ({(b - a) / a * 100:+.1f} %)"
          + (f"; managed heap {ha / 2**20:.0f} -> {hb / 2**20:.0f} MiB ({(hb - ha) / ha * 100:+.1f} %)" if ha and hb else ""))
    if len(mins) > 2:
        (a2, ha2) = at(mins[1])
        print(f"API pid {pid}: after the first minute's warm-up (seeding, the import and the gap analysis run then): "
              f"RSS {a2 / 1024:.0f} -> {b / 1024:.0f} MiB ({(b - a2) / a2 * 100:+.1f} %)"
              + (f", managed heap {ha2 / 2**20:.0f} -> {hb / 2**20:.0f} MiB ({(hb - ha2) / ha2 * 100:+.1f} %)" if ha2 and hb else ""))
for pid in pids:
    live.setdefault(pid, []).append(("end", *live_heap(pid)))
    (_, a, ta), (_, b, tb) = live[pid][0], live[pid][-1]
    if a and b:
        print(f"API pid {pid}: live managed heap after a full GC (dotnet-gcdump), after warm-up {a / 2**20:.1f} MiB, "
              f"at the end {b / 2**20:.1f} MiB ({(b - a) / a * 100:+.1f} %)")
        grew = sorted(((tb.get(t, 0) - ta.get(t, 0), t) for t in set(ta) | set(tb)), reverse=True)[:5]
        print("  grew most: " + "; ".join(f"{t} {d / 1024:+.0f} KiB" for d, t in grew))
ids = "','".join(acked)
# The ids go on stdin: thousands of them overflow a command line.
out = subprocess.run(["psql", "-X", "-tA", "-h", "127.0.0.1", "-p", pg_port, "-U", "referral", "-d", "referral"],
                     input=f"SELECT count(*) FROM organization WHERE id IN ('{ids}');", capture_output=True, text=True,
                     env={"PGPASSWORD": "referral", "PATH": "/usr/bin:/bin:/usr/lib/postgresql/15/bin"})
found = int(out.stdout.strip() or 0) if acked else 0
print(f"acknowledged writes: {len(acked)}, on the primary: {found}, lost: {len(acked) - found}")
sys.exit(1 if errors or found != len(acked) else 0)
PY
