-- W3 (bench/run): viewer-response. Three security headers, Server removed.
local added = {
  ["strict-transport-security"] = {{ key = "Strict-Transport-Security",
                                     value = "max-age=63072000; includeSubDomains" }},
  ["x-content-type-options"] = {{ key = "X-Content-Type-Options", value = "nosniff" }},
  ["x-frame-options"] = {{ key = "X-Frame-Options", value = "DENY" }},
}

return function(event)
  local response = event.Records[1].cf.response
  local headers = response.headers
  for name, list in pairs(added) do
    headers[name] = list
  end
  headers.server = nil
  return response
end
