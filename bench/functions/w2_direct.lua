-- W2 (bench/run, contender direct): w2_viewer_request.lua through
-- faas.req instead of the event's tables.
local req = faas.req

return function()
  if req.header("x-country") == "DE" then
    req.set_uri("/de" .. req.uri())
  end
  local cookie = req.header("cookie")
  if cookie and (";" .. cookie):find(";%s*ab=b%f[;%z]") then
    req.set_header("X-Variant", "b")
  end
end
