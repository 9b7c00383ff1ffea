-- Security headers on every response, the Server header removed.  The
-- header set is made and checked once, when the file loads; each
-- response gets it in one call (docs/lua-api.md, "Direct access").
local security = faas.headers({
  ["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains; preload",
  ["X-Content-Type-Options"] = "nosniff",
  ["X-Frame-Options"] = "DENY",
  ["Referrer-Policy"] = "same-origin",
  Server = false,
})

return function()
  faas.resp.set_headers(security)
end
