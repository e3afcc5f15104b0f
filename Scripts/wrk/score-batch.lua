-- wrk script: one scoring request of ROWS rows (default 1000) of 21 features per call, as the peer's
-- post.lua builds its one row (../shared/peers/serving/post.lua), each row shifted a little.
-- Run: ROWS=1000 wrk -t1 -c16 -d10s --latency -s score-batch.lua http://127.0.0.1:PORT/v1/score
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local rows = tonumber(os.getenv("ROWS") or "1000")
local body = {}
for r = 1, rows do
  local row = {}
  for i = 1, 21 do row[i] = string.format("%.3f", ((i + r) * 0.37) % 3 - 1.5) end
  body[r] = "[" .. table.concat(row, ",") .. "]"
end
wrk.body = '{"rows": [' .. table.concat(body, ",") .. ']}'
