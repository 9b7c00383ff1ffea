-- viewer-response on every response, errors included
return function(event)
  local response = event.Records[1].cf.response
  response.headers["strict-transport-security"] = {{
    key = "Strict-Transport-Security", value = "max-age=63072000" }}
  response.headers["x-content-type-options"] = {{
    key = "X-Content-Type-Options", value = "nosniff" }}
  response.headers.server = nil
  return response
end
