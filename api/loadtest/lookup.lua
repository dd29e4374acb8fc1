-- wrk script for GET /api/v1/lookup: uniformly random points in a
-- bounding box given as script arguments (lon_min lat_min lon_max lat_max),
-- e.g. the extent of /api/v1/collections/zones-primary.
--   wrk -t2 -c64 -d30s --latency -s api/loadtest/lookup.lua \
--       http://127.0.0.1:8080 -- 116.8 35.2 117.2 35.6
local box = {116.8, 35.2, 117.2, 35.6}

-- Give each wrk thread its own id, so that threads draw different points.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end

function init(args)
  if #args >= 4 then
    for i = 1, 4 do box[i] = tonumber(args[i]) end
  end
  math.randomseed(os.time() * 1000 + (id or 0))
end

request = function()
  local lon = box[1] + math.random() * (box[3] - box[1])
  local lat = box[2] + math.random() * (box[4] - box[2])
  return wrk.format("GET", string.format("/api/v1/lookup?lon=%.6f&lat=%.6f&crs=wgs84", lon, lat))
end

local errors = 0
response = function(status, headers, body)
  if status ~= 200 then errors = errors + 1 end
end

done = function(summary, latency, requests)
  io.write(string.format("requests %d, non-2xx+socket errors %d, rps %.0f, p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
    summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
