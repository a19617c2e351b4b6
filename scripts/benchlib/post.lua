-- POST the request bodies of a file (one JSON document a line) in turn, and print wrk's
-- figures as one JSON line at the end. Arguments (after `--`): the path, the bodies file.
-- Headers come from wrk's -H options.

local requests = {}
local next_index = 1

function init(args)
  local path, file = args[1], args[2]
  for line in io.lines(file) do
    if #line > 0 then
      requests[#requests + 1] = wrk.format("POST", path, nil, line)
    end
  end
  if #requests == 0 then
    error("no request bodies in " .. file)
  end
  -- Each connection pattern starts at a different body; the order is the file's.
  next_index = math.random(#requests)
end

function request()
  local r = requests[next_index]
  next_index = next_index % #requests + 1
  return r
end

function done(summary, latency, _)
  local e = summary.errors
  io.write(string.format(
    'BENCH_WRK {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"mean": %.1f, "stdev": %.1f, "min": %d, "max": %d, ' ..
    '"p50": %d, "p90": %d, "p99": %d, "p999": %d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency.stdev, latency.min, latency.max,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9)))
end
