-- W3 (bench/run, contender direct): w3_viewer_response.lua through
-- faas.resp instead of the event's tables.
local set = faas.resp.set_header

return function()
  set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
  set("X-Content-Type-Options", "nosniff")
  set("X-Frame-Options", "DENY")
  set("Server", nil)
end
