-- wrk script for any server speaking Appsmith's RTS HTTP API (rts, or
-- Appsmith's Node RTS), fed with the data `go run ./benchmarks/cmd/tracegen`
-- writes. Settings come from the environment:
--
--   WRK_DATA   folder written by tracegen (required)
--   WRK_MODE   what every request is:
--     single-same     single-script-data, one real binding, the same each time
--     single-fresh    single-script-data, corpus scripts in turn, each made
--                     never-seen by a comment naming the request
--     multiple-same   multiple-script-data, the same WRK_BATCH corpus scripts
--                     (spread over the corpus)
--     multiple-fresh  multiple-script-data, WRK_BATCH never-seen scripts
--     refactor        entity-refactor, the rename corpus in turn
--     pagesave        the page-save trace: every widget binding of a page,
--                     one of them edited (never seen) per save, WRK_SAVES
--                     saves per page before the next page
--     health          GET health-check: no work, so its latency is what the
--                     machine (scheduler, loopback, wrk) adds to every mode
--   WRK_BATCH  scripts per multiple-script-data request (default 50)
--   WRK_SAVES  saves per page in the trace (default 20)
--   WRK_SECRET sent as x-rts-secret when set
--
--   WRK_DATA=/tmp/trace WRK_MODE=pagesave wrk -t2 -c8 -d20s --latency -s benchmarks/wrk/rts.lua http://127.0.0.1:8091
--
-- Each wrk thread has its own copy of this script; setup numbers them so
-- that their never-seen scripts differ.

local mode = os.getenv("WRK_MODE") or "single-same"
local dir = os.getenv("WRK_DATA") or error("WRK_DATA: the folder tracegen wrote")
local batch = tonumber(os.getenv("WRK_BATCH") or "50")
local saves = tonumber(os.getenv("WRK_SAVES") or "20")

local headers = { ["Content-Type"] = "application/json" }
if os.getenv("WRK_SECRET") then headers["x-rts-secret"] = os.getenv("WRK_SECRET") end

local SINGLE = "/rts-api/v1/ast/single-script-data"
local MULTIPLE = "/rts-api/v1/ast/multiple-script-data"
local REFACTOR = "/rts-api/v1/ast/entity-refactor"

local counter = 0
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_id", thread_count)
end

local function read_lines(name)
  local t = {}
  for l in io.lines(dir .. "/" .. name) do
    if l ~= "" then t[#t + 1] = l end
  end
  return t
end

-- edited turns a JSON string into one for the same script with a comment
-- appended (benchmarks.EditScript): never seen, parsed like the original.
local function edited(json_string, tag)
  return json_string:sub(1, -2) .. "\\n// edit " .. tag .. '"'
end

local scripts, refactors, pages
local fixed -- the whole request, for the modes that repeat one
local page_index, saves_left

-- raw is a whole POST request, as wrk.format would give it, built with one
-- concatenation: wrk runs every thread's Lua on the load core, and on the
-- fast modes its string building, not the server, set the pace.
local head -- "Host: …\r\n" and the fixed headers
local function raw_prefix(path)
  return "POST " .. path .. " HTTP/1.1\r\n" .. head .. "Content-Length: "
end
local function raw(path, body)
  return raw_prefix(path) .. #body .. "\r\n\r\n" .. body
end

function init(args)
  local id = thread_id or 1
  head = "Host: " .. wrk.headers["Host"] .. "\r\n"
  for name, value in pairs(headers) do head = head .. name .. ": " .. value .. "\r\n" end
  if mode == "health" then
    fixed = wrk.format("GET", "/rts-api/v1/health-check", headers)
  elseif mode == "single-same" then
    scripts = read_lines("scripts.txt")
    -- A real binding from the middle of the corpus (a table column, 190 bytes).
    fixed = raw(SINGLE, '{"script":' .. scripts[math.floor(#scripts / 2) + 1] .. '}')
  elseif mode == "multiple-same" then
    scripts = read_lines("scripts.txt")
    local part = {}
    local step = math.floor(#scripts / batch) -- spread over the corpus
    for i = 1, batch do part[i] = scripts[(i - 1) * step + 1] end
    fixed = raw(MULTIPLE, '{"scripts":[' .. table.concat(part, ",") .. '],"evalVersion":2}')
  elseif mode == "single-fresh" or mode == "multiple-fresh" then
    scripts = read_lines("scripts.txt")
  elseif mode == "refactor" then
    -- Whole requests, built once: the corpus is sent in turn, unchanged.
    refactors = {}
    for i, body in ipairs(read_lines("refactor.txt")) do refactors[i] = raw(REFACTOR, body) end
  elseif mode == "pagesave" then
    -- A page is kept as the pieces of its whole request, the request line
    -- and headers first ({head, '{"scripts":[', s1, ',', s2, …, tail}), so
    -- that a save swaps one script and concatenates once; script i is at
    -- 2i + 1. size is the body's length with no script edited.
    pages = {}
    local cur
    local function close()
      if cur then cur.parts[#cur.parts] = '],"evalVersion":2}' end
    end
    for _, l in ipairs(read_lines("pages.txt")) do
      if l:sub(1, 2) == "# " then
        close()
        cur = { parts = { "", '{"scripts":[' }, n = 0, size = #'{"scripts":[],"evalVersion":2}' - 1 }
        pages[#pages + 1] = cur
      else
        cur.n = cur.n + 1
        cur.parts[#cur.parts + 1] = l
        cur.parts[#cur.parts + 1] = ","
        cur.size = cur.size + #l + 1
      end
    end
    close()
    page_index = ((id - 1) * 7) % #pages + 1 -- threads start on different pages
    saves_left = saves
  else
    error("WRK_MODE " .. mode .. ": want single-same, single-fresh, multiple-same, multiple-fresh, refactor, pagesave or health")
  end
  counter = id * 1000000000
end

function request()
  counter = counter + 1
  if fixed then
    return fixed
  end
  if mode == "single-fresh" then
    local s = scripts[counter % #scripts + 1]
    return raw(SINGLE, '{"script":' .. edited(s, counter) .. '}')
  elseif mode == "multiple-fresh" then
    local part = {}
    local start = counter * batch
    for i = 1, batch do
      part[i] = edited(scripts[(start + i) % #scripts + 1], counter .. "." .. i)
    end
    return raw(MULTIPLE, '{"scripts":[' .. table.concat(part, ",") .. '],"evalVersion":2}')
  elseif mode == "refactor" then
    return refactors[counter % #refactors + 1]
  else -- pagesave
    if saves_left == 0 then
      page_index = page_index % #pages + 1
      saves_left = saves
    end
    saves_left = saves_left - 1
    local page = pages[page_index]
    local parts = page.parts
    local at = 2 * (counter % page.n + 1) + 1
    local original = parts[at]
    local changed = edited(original, counter)
    parts[at] = changed
    parts[1] = raw_prefix(MULTIPLE) .. (page.size + #changed - #original) .. "\r\n\r\n"
    local request = table.concat(parts)
    parts[at] = original
    return request
  end
end
