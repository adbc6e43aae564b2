-- wrk script: GET /api/nearest?lat=..&lng=..&category=<one>&limit=k from many origins.
--
--   BENCH_ORIGINS=bench/.out/origins.csv BENCH_RESULT=bench/.out/wrk.txt \
--     wrk -t2 -c16 -d20s -s bench/nearest.lua http://127.0.0.1:5090
--
-- Environment:
--   BENCH_ORIGINS  file of "lat,lng" lines (bench/run-nearest.sh exports bench_origin, the same points the
--                  pgbench script uses); required
--   BENCH_RESULT   where done() writes its figures as key=value lines (optional)
--   BENCH_LIMIT    k, default 10
--   BENCH_SEED     seed of the request sequence, default 42
-- Each wrk thread draws (origin, category) from its own MINSTD generator seeded from BENCH_SEED and its thread
-- number: the request sequence is the same on every run with the same -t (how far it gets depends on speed).

local categories = {
  "police", "helpline", "legal_aid", "social_services", "health",
  "psychosocial", "shelter", "online_reporting", "justice",
}

local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("thread_id", next_id)
  table.insert(threads, thread)
end

local origins = {}
local state = 1
local limit = tonumber(os.getenv("BENCH_LIMIT") or "10")
-- BENCH_QUERY: appended to every request, e.g. "&search=centro" (search combined with nearest, issue 15)
local extra = os.getenv("BENCH_QUERY") or ""

-- Park-Miller MINSTD: exact in doubles (48271 * (2^31 - 1) < 2^53), identical on every platform.
local function rand()
  state = (state * 48271) % 2147483647
  return state
end

function init(args)
  local path = os.getenv("BENCH_ORIGINS")
  if not path then
    error("BENCH_ORIGINS is not set (a file of lat,lng lines)")
  end
  local f = assert(io.open(path, "r"))
  for line in f:lines() do
    local lat, lng = line:match("^%s*([-%d%.]+)%s*,%s*([-%d%.]+)")
    if lat then
      origins[#origins + 1] = lat .. "&lng=" .. lng
    end
  end
  f:close()
  if #origins == 0 then
    error("no origins in " .. path)
  end
  local seed = tonumber(os.getenv("BENCH_SEED") or "42")
  state = (seed * 7919 + (thread_id or 1) * 104729) % 2147483647
  if state == 0 then state = 1 end
  for _ = 1, 10 do rand() end
end

function request()
  local o = origins[rand() % #origins + 1]
  local c = categories[rand() % #categories + 1]
  return wrk.format("GET", "/api/nearest?lat=" .. o .. "&category=" .. c .. "&limit=" .. limit .. extra)
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  local lines = {
    string.format("requests=%d", summary.requests),
    string.format("duration_s=%.3f", seconds),
    string.format("rps=%.2f", summary.requests / seconds),
    string.format("p50_ms=%.3f", latency:percentile(50) / 1000),
    string.format("p90_ms=%.3f", latency:percentile(90) / 1000),
    string.format("p99_ms=%.3f", latency:percentile(99) / 1000),
    string.format("mean_ms=%.3f", latency.mean / 1000),
    string.format("max_ms=%.3f", latency.max / 1000),
    string.format("errors=%d", e.connect + e.read + e.write + e.timeout),
    string.format("non2xx=%d", e.status),
  }
  local text = table.concat(lines, "\n") .. "\n"
  local out = os.getenv("BENCH_RESULT")
  if out then
    local f = assert(io.open(out, "w"))
    f:write(text)
    f:close()
  end
  io.write(text)
end
