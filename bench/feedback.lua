-- wrk script for bench/replicas.sh (LOAD=feedback): POST /api/v1/feedback, a "was this
-- helpful?" vote on a real answer, over and over: the one write the public makes, which a
-- balancer must never send twice and so never retries once sent. Ends, like bench/ask.lua,
-- with one machine-readable line:
--   RESULT requests=<n> seconds=<s> rps=<r> p50_us=<µs> p99_us=<µs> errors=<n> non2xx=<n>
--
-- Usage: wrk -t1 -c32 -d10s -s bench/feedback.lua http://127.0.0.1:PORT   (the path is set here)

local body = '{"answer_id":"faq-05","helpful":true,"question":"is there a helpline"}'

function init(args)
  wrk.method = "POST"
  wrk.path = "/api/v1/feedback"
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
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
