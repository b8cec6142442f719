-- wrk script: as post.lua, but each request's Observations get ids never sent before, so an input
-- check (validation: warn or strict) finds nothing it has seen and validates every Observation.
local f = assert(io.open(os.getenv("BODY"), "r"))
local template = f:read("*a")
f:close()
local threads = 0
local sent = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread", threads)
end

function request()
  sent = sent + 1
  local body = template:gsub('"preop%-', '"preop-' .. thread .. '-' .. sent .. '-')
  return wrk.format("POST", nil, { ["Content-Type"] = "application/json" }, body)
end
