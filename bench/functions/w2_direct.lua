-- W2 (bench/run, contender direct): w2_viewer_request.lua through
-- faas.req instead of the event's tables; the cookie read by
-- faas.req.cookie, as plain nginx reads it with $cookie_ab.
local req = faas.req

return function()
  if req.header("x-country") == "DE" then
    req.set_uri("/de" .. req.uri())
  end
  if req.cookie("ab") == "b" then
    req.set_header("X-Variant", "b")
  end
end
