-- wrk script: submit a written view (the form POST), each with a fresh submission key.
-- CSRF and rate limits are off in bench.wsgi, which only `make bench` serves.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() * 1000 + (tid or 0))
end

request = function()
  counter = counter + 1
  local key = string.format("wrk-%d-%d-%d-%d", os.time(), tid or 0, counter, math.random(1, 1000000000))
  local body = "body=En+synpunkt+fr%C3%A5n+lasttestet.&language=sv&publish_consent=y&website=&agenda_item_id=&submission_key=" .. key
  return wrk.format("POST", nil, { ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
end
