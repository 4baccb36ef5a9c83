-- wrk script: consultation pages over many ids (BENCH_SPREAD_IDS, comma-separated),
-- Zipf-distributed (s = 1: the first id is asked twice as often as the second, ...),
-- as real traffic is. Counts the page cache's answers (X-Page-Cache) and prints
-- "Page cache: H hits, M misses" at the end (bench/run.py reads it).
-- BENCH_OTHER_PATHS ("path weight,path weight", weights as fractions of all
-- requests) mixes other pages in: the cold-start scenario asks for the home
-- page, the list and the calendar of all too.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("seed", #threads)
end

local ids, cdf, others = {}, {}, {}

function init(args)
  for id in string.gmatch(os.getenv("BENCH_SPREAD_IDS") or "", "%d+") do
    table.insert(ids, id)
  end
  local total = 0
  for k = 1, #ids do
    total = total + 1 / k
    cdf[k] = total
  end
  for k = 1, #ids do
    cdf[k] = cdf[k] / total
  end
  local upto = 0
  for path, weight in string.gmatch(os.getenv("BENCH_OTHER_PATHS") or "", "([^%s,]+) ([%d.]+)") do
    upto = upto + tonumber(weight)
    table.insert(others, {path, upto})
  end
  math.randomseed(os.time() * 1000 + (seed or 0))
  hits, misses = 0, 0
end

local function pick()
  local u = math.random()
  local lo, hi = 1, #ids
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if cdf[mid] < u then lo = mid + 1 else hi = mid end
  end
  return ids[lo]
end

request = function()
  local u = math.random()
  for _, other in ipairs(others) do
    if u < other[2] then
      return wrk.format("GET", other[1])
    end
  end
  return wrk.format("GET", "/sv/consultations/" .. pick())
end

response = function(status, headers, body)
  local state = headers["X-Page-Cache"]
  if state == "hit" then
    hits = hits + 1
  elseif state == "miss" then
    misses = misses + 1
  end
end

done = function(summary, latency, requests)
  local h, m = 0, 0
  for _, thread in ipairs(threads) do
    h = h + (thread:get("hits") or 0)
    m = m + (thread:get("misses") or 0)
  end
  io.write(string.format("Page cache: %d hits, %d misses\n", h, m))
end
