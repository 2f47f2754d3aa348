-- Rotate through many real requests so that no cache can answer the same question twice in a row.
--
-- Environment (read in each wrk thread):
--   BENCH_REQUESTS  file with one request per line: "PATH" or "PATH<TAB>BODY"
--   BENCH_METHOD    GET (default) or POST
--   BENCH_HEADERS   extra headers, "Name: value" pairs separated by "|"
-- Each thread starts at its own offset in the list.

local requests = {}
local position = 0
local method = os.getenv("BENCH_METHOD") or "GET"
local headers = {}

function setup(thread)
  thread_index = (thread_index or 0) + 1
  thread:set("thread_index", thread_index)
end

function init(args)
  local file = assert(io.open(os.getenv("BENCH_REQUESTS"), "r"))
  for line in file:lines() do
    if #line > 0 then
      local path, body = line:match("^([^\t]*)\t(.*)$")
      requests[#requests + 1] = { path = path or line, body = body }
    end
  end
  file:close()
  assert(#requests > 0, "BENCH_REQUESTS is empty")
  local spec = os.getenv("BENCH_HEADERS") or ""
  for pair in spec:gmatch("[^|]+") do
    local name, value = pair:match("^%s*([^:]+):%s*(.-)%s*$")
    if name then headers[name] = value end
  end
  if method == "POST" and headers["Content-Type"] == nil then
    headers["Content-Type"] = "application/json"
  end
  position = math.floor(#requests * ((thread_index or 1) - 1) / 2)
end

function request()
  position = position % #requests + 1
  local entry = requests[position]
  return wrk.format(method, entry.path, headers, entry.body)
end
