-- W4 (bench/run, contender direct): w4_redirect.lua with faas.req and
-- faas.redirect instead of the event's tables.
local req = faas.req

return function()
  return faas.redirect("https://" .. req.header("host") .. req.uri())
end
