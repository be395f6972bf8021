-- Shared by pages.lua and submit.lua: reads the files `probity bench web` wrote, and gives each
-- wrk thread its share of the sessions (every T-th line from FIRST on).
local M = {}

function M.read_lines(path, first, last)
  local lines, n = {}, 0
  for line in io.lines(path) do
    n = n + 1
    if n >= first and (last == nil or n <= last) then
      lines[#lines + 1] = line
    end
    if last ~= nil and n >= last then break end
  end
  return lines
end

-- The sessions FIRST..LAST (1-based lines) of thread ID among T: each with its cookie, CSRF token
-- and report.
function M.share(dir, first, last, id, t)
  local sessions = M.read_lines(dir .. "/sessions.txt", first, last)
  local reports = M.read_lines(dir .. "/reports.jsonl", first, last)
  local mine = {}
  for i, line in ipairs(sessions) do
    if (i - 1) % t == id then
      local token, csrf = line:match("^(%S+) (%S+)$")
      mine[#mine + 1] = {
        cookie = "probity_session=" .. token,
        csrf = csrf,
        report = reports[i],
      }
    end
  end
  return mine
end

M.threads = {}
local next_id = 0

function M.setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(M.threads, thread)
end

function M.percentiles(latency)
  local parts = {}
  for _, p in ipairs({50, 90, 99, 99.9}) do
    parts[#parts + 1] = string.format("p%g %.1f ms", p, latency:percentile(p) / 1000)
  end
  return table.concat(parts, ", ") .. string.format(", max %.1f ms", latency.max / 1000)
end

return M
