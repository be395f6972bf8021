-- Report submissions: every request is POST /api/reports by a distinct signed-in declarant
-- filing their own annual report (a first filing, so each is a new report). A thread that has
-- used all its declarants stops (its count is then a lower bound of the rate).
-- Arguments after `--`: DIR FIRST_SESSION THREADS.
package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
local common = require("common")

setup = common.setup

function init(args)
  local dir, first, t = args[1], tonumber(args[2]), tonumber(args[3])
  mine = common.share(dir, first, nil, id, t)
  i = 0
  created = 0
  failed = 0
  exhausted = 0
  sample = ""
end

function request()
  i = i + 1
  if i > #mine then
    exhausted = 1
    wrk.thread:stop()
    i = #mine
  end
  local s = mine[i]
  return wrk.format("POST", "/api/reports", {
    Cookie = s.cookie,
    ["X-CSRF-Token"] = s.csrf,
    ["Content-Type"] = "application/json",
  }, s.report)
end

function response(status, headers, body)
  if status == 201 then
    created = created + 1
  else
    failed = failed + 1
    if sample == "" then sample = status .. " " .. body:sub(1, 200) end
  end
end

function done(summary, latency, requests)
  local created, failed, exhausted, sample = 0, 0, 0, ""
  for _, t in ipairs(common.threads) do
    created = created + t:get("created")
    failed = failed + t:get("failed")
    exhausted = exhausted + t:get("exhausted")
    if sample == "" then sample = t:get("sample") end
  end
  local seconds = summary.duration / 1e6
  io.write(string.format("submissions: %d created (201) in %.1f s: %.0f/s; %d refused%s%s\n",
    created, seconds, created / seconds, failed,
    sample ~= "" and (" (first: " .. sample .. ")") or "",
    exhausted > 0 and "; ran out of declarants: the rate is a lower bound" or ""))
  io.write("latency: " .. common.percentiles(latency) .. "\n")
end
