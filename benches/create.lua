-- wrk script for the create benchmark: each request is the next signed create from BENCH_PATHS (one path
-- a line, prepared by benches/pool.rs); threads take interleaved lines, so no meeting is created twice.
-- Counts answers that are not SUCCESS.
local threads = {}
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do
  paths[#paths + 1] = line
end

function setup(thread)
  thread:set("tid", #threads)
  thread:set("nthreads", 2)
  threads[#threads + 1] = thread
end

local i = 0
failures = 0

function request()
  local index = (tid + i * nthreads) % #paths + 1
  i = i + 1
  return wrk.format("GET", paths[index])
end

function response(status, headers, body)
  if status ~= 200 or not string.find(body, "<returncode>SUCCESS</returncode>", 1, true) then
    failures = failures + 1
  end
end

function done(summary, latency, requests)
  local failed = 0
  for _, thread in ipairs(threads) do
    failed = failed + thread:get("failures")
  end
  io.write(string.format("failures: %d\n", failed))
end
