-- wrk script for benches/http_load.sh.
-- LOAD_MODE=award: POST /api/leveling/xp with a varying discord_id (1..100000).
-- Anything else: GET the URL's path as given on the command line.
-- At the end prints one line: RESULT <req/s> <p50 ms> <p99 ms> <non-2xx> <socket errors>.

local mode = os.getenv("LOAD_MODE") or "get"
local key = os.getenv("API_SECRET_KEY") or ""

if mode == "award" then
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. key
end

function setup(thread)
  thread:set("seed", math.random(1, 1000000))
end

function init(args)
  math.randomseed(seed or os.time())
end

function request()
  if mode == "award" then
    local body = string.format('{"discord_id":"%d","amount":%d}', math.random(1, 100000), math.random(1, 500))
    return wrk.format(nil, "/api/leveling/xp", nil, body)
  end
  return wrk.format(nil)
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors
  io.write(string.format("RESULT %.0f %.3f %.3f %d %d\n",
    summary.requests / seconds,
    latency:percentile(50) / 1000,
    latency:percentile(99) / 1000,
    errors.status,
    errors.connect + errors.read + errors.write + errors.timeout))
end
