-- Security headers on every response, the Server header removed.
local added = {
  ["strict-transport-security"] = { key = "Strict-Transport-Security",
                                    value = "max-age=63072000; includeSubDomains; preload" },
  ["x-content-type-options"] = { key = "X-Content-Type-Options", value = "nosniff" },
  ["x-frame-options"] = { key = "X-Frame-Options", value = "DENY" },
  ["referrer-policy"] = { key = "Referrer-Policy", value = "same-origin" },
}

return function(event)
  local response = event.Records[1].cf.response
  for name, header in pairs(added) do
    response.headers[name] = { header }
  end
  response.headers.server = nil
  return response
end
