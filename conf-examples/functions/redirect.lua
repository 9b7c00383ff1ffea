-- A generated redirect: /old/anything -> /new/anything, on the same host.
-- faas.req and faas.redirect read the request and answer without making
-- the event's tables (docs/lua-api.md, "Direct access").
local req = faas.req

return function()
  local path = req.uri():gsub("^/old/", "/new/")
  return faas.redirect("http://" .. req.header("host") .. path, 301)
end
