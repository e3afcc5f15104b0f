-- wrk script: malformed and hostile scoring bodies, a different one per request (seeded, so runs repeat).
-- Every answer must be 4xx JSON (or 200 for the few mutations that stay valid); the server must stay up
-- and its memory must come back to its baseline. Run:
--   wrk -t1 -c16 -d10s -s fuzz.lua http://127.0.0.1:PORT/v1/score
math.randomseed(2026)
local valid = '{"rows": [[0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1.0,1.1,1.2,1.3,1.4,1.5,1.6,1.7,1.8,1.9,2.0,2.1]]}'
local fixed = {
  '', '{', '[', '{"rows": [[1,2', '{"rows": [[NaN]]}', '{"rows": 3}', '{"rows": [], "rows": []}',
  '{"rows": [["a","b"]]}', '{"rows": [[1e999,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21]]}',
  '{"rows": [{"f0": 1, "f0": 2}]}', string.rep("[", 100000), '{"rows": [' .. string.rep("[", 5000) .. ']}',
  '{"rows": [[' .. string.rep("9", 200000) .. ']]}', '{"rows": ["' .. string.rep("x", 200000) .. '"]}',
  '{"rows": [' .. string.rep('[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21],', 20000) .. '[]]}',
  string.rep("\0", 1000), '{"rows": [[true, false, null, {}, [], "x"]]}', '{"rows": [{"f0": {"f0": {"f0": []}}}]}',
}
local alphabet = '{}[]":,.-+eE0123456789 \ntruefalsenull\\'
local function mutate(s)
  for _ = 1, math.random(1, 4) do
    local p = math.random(0, #s)
    local k = math.random(1, 4)
    if k == 1 then
      local c = math.random(1, #alphabet)
      s = s:sub(1, p) .. alphabet:sub(c, c) .. s:sub(p + 1)
    elseif k == 2 then
      s = s:sub(1, p) .. s:sub(p + 2)
    elseif k == 3 then
      s = s:sub(1, p)
    else
      s = s:sub(1, p) .. string.char(math.random(0, 255)) .. s:sub(p + 2)
    end
  end
  return s
end
local bodies = {}
for i = 1, #fixed do bodies[i] = fixed[i] end
for i = #fixed + 1, 2000 do bodies[i] = mutate(valid) end
local n = 0
request = function()
  n = n % #bodies + 1
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, bodies[n])
end
