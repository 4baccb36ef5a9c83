-- wrk script: send a spoken view (the form POST with a recording of about 1 MB,
-- multipart), each with a fresh submission key. The file is BENCH_VOICE_FILE,
-- written by bench/run.py. CSRF and rate limits are off in bench.wsgi.
local threads = {}
local counter = 0
local sound = nil
local boundary = "----samrad-bench-voice"

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() * 1000 + (tid or 0))
  local handle = assert(io.open(os.getenv("BENCH_VOICE_FILE"), "rb"))
  sound = handle:read("*a")
  handle:close()
end

local function part(name, value)
  return "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"" .. name .. "\"\r\n\r\n" .. value .. "\r\n"
end

request = function()
  counter = counter + 1
  local key = string.format("wrk-voice-%d-%d-%d-%d", os.time(), tid or 0, counter, math.random(1, 1000000000))
  local body = part("body", "") .. part("language", "rom") .. part("romani_variety", "kalderash")
    .. part("agenda_item_id", "") .. part("recording_consent", "y") .. part("website", "")
    .. part("submission_key", key)
    .. "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"recording\"; filename=\"view.wav\"\r\n"
    .. "Content-Type: audio/wav\r\n\r\n" .. sound .. "\r\n--" .. boundary .. "--\r\n"
  return wrk.format("POST", nil, { ["Content-Type"] = "multipart/form-data; boundary=" .. boundary }, body)
end
