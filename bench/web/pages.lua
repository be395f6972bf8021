-- 200 signed-in declarants load their pages and save drafts: each request takes the next
-- session of its thread in turn, and the next of three actions — GET /me, GET /file,
-- PUT /api/drafts/2025/annual (the session's report as the draft, with its X-CSRF-Token).
-- Arguments after `--`: DIR SESSIONS THREADS [ONLY], ONLY one of me, file, draft to send only
-- that action (to see what each costs).
package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
local common = require("common")

setup = common.setup

function init(args)
  local dir, n, t = args[1], tonumber(args[2]), tonumber(args[3])
  mine = common.share(dir, 1, n, id, t)
  only = ({ me = 0, file = 1, draft = 2 })[args[4] or ""]
  i = 0
  failed = 0
  sample = ""
end

function request()
  i = i + 1
  local s = mine[((i - 1) % #mine) + 1]
  local action = only or (i % 3)
  if action == 0 then
    return wrk.format("GET", "/me", { Cookie = s.cookie })
  elseif action == 1 then
    return wrk.format("GET", "/file", { Cookie = s.cookie })
  else
    return wrk.format("PUT", "/api/drafts/2025/annual", {
      Cookie = s.cookie,
      ["X-CSRF-Token"] = s.csrf,
      ["Content-Type"] = "application/json",
    }, s.report)
  end
end

function response(status, headers, body)
  if status ~= 200 and status ~= 204 then
    failed = failed + 1
    if sample == "" then sample = status .. " " .. body:sub(1, 200) end
  end
end

function done(summary, latency, requests)
  local failed, sample = 0, ""
  for _, t in ipairs(common.threads) do
    failed = failed + t:get("failed")
    if sample == "" then sample = t:get("sample") end
  end
  local seconds = summary.duration / 1e6
  io.write(string.format("pages and drafts: %d requests in %.1f s, %.0f/s; %d not 200/204%s\n",
    summary.requests, seconds, summary.requests / seconds, failed,
    sample ~= "" and (" (first: " .. sample .. ")") or ""))
  io.write("latency: " .. common.percentiles(latency) .. "\n")
end
