-- W3 (bench/run, contender direct): w3_viewer_response.lua through
-- faas.resp instead of the event's tables: a header set made and checked
-- once, set in one call.
local set_headers = faas.resp.set_headers

local security = faas.headers({
  ["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains",
  ["X-Content-Type-Options"] = "nosniff",
  ["X-Frame-Options"] = "DENY",
  Server = false,
})

return function()
  set_headers(security)
end
