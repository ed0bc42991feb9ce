-- wrk script for bench/load.sh and bench/replicas.sh: rotates GET /api/v1/ask through real
-- questions read from a JSONL evaluation file (the "q" of each line); with the argument
-- "healthz", requests GET /healthz; with "feedback", POSTs one "was this helpful?" vote to
-- /api/v1/feedback over and over (the one write the public makes, which a balancer must never
-- send twice and so never retries once sent). Each way it ends by printing one
-- machine-readable line:
--   RESULT requests=<n> seconds=<s> rps=<r> p50_us=<µs> p99_us=<µs> errors=<n> non2xx=<n>
--
-- Usage: wrk -t1 -c32 -d10s -s bench/ask.lua http://127.0.0.1:PORT -- ask QUESTIONS.jsonl
--        wrk -t1 -c1  -d10s -s bench/ask.lua http://127.0.0.1:PORT -- healthz
--        wrk -t1 -c32 -d10s -s bench/ask.lua http://127.0.0.1:PORT -- feedback

local requests = {}
local next_request = 1

local function encode(text)
  return (text:gsub("[^%w%-%._~]", function(c)
    return string.format("%%%02X", string.byte(c))
  end))
end

local function load_questions(path)
  local questions = {}
  local file = assert(io.open(path, "r"), "cannot open " .. path)
  for line in file:lines() do
    -- The evaluation files write "q" first and never escape a quote inside it.
    local q = line:match('"q"%s*:%s*"(.-)"')
    if q and #q > 0 then
      questions[#questions + 1] = q
    end
  end
  file:close()
  assert(#questions > 0, "no questions in " .. path)
  return questions
end

function init(args)
  local mode = args[1] or "ask"
  if mode == "healthz" then
    requests[1] = wrk.format("GET", "/healthz")
    return
  end
  if mode == "feedback" then
    local body = '{"answer_id":"faq-05","helpful":true,"question":"is there a helpline"}'
    requests[1] = wrk.format("POST", "/api/v1/feedback",
      { ["Content-Type"] = "application/json" }, body)
    return
  end
  local path = args[2] or "tests/data/dev.jsonl"
  local questions = load_questions(path)
  for _, q in ipairs(questions) do
    requests[#requests + 1] = wrk.format("GET", "/api/v1/ask?q=" .. encode(q))
  end
end

function request()
  local r = requests[next_request]
  next_request = next_request % #requests + 1
  return r
end

function done(summary, latency, requests_)
  local seconds = summary.duration / 1e6
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout
  io.write(string.format(
    "RESULT requests=%d seconds=%.3f rps=%.1f p50_us=%d p99_us=%d errors=%d non2xx=%d\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50), latency:percentile(99), errors, summary.errors.status))
end
