-- wrk script for the HTTP load benchmark: each connection walks the path list (one path a
-- line, from urls.py) from its own starting point, and the run ends with one JSON line of
-- results (latencies in microseconds) for bench_http.sh to read.
local paths = {}
for line in io.lines(os.getenv("GONGKAI_PATHS")) do
  if #line > 0 then paths[#paths + 1] = line end
end
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("start", counter * 97)
end

function init(args)
  position = start or 0
end

function request()
  position = position + 1
  return wrk.format("GET", paths[(position % #paths) + 1])
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"non_2xx":%d,"socket_errors":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout))
end
