-- W2 (bench/run): viewer-request. /x becomes /de/x for X-Country: DE, and
-- X-Variant: b is added when the cookie has ab=b.
return function(event)
  local request = event.Records[1].cf.request
  local headers = request.headers
  local country = headers["x-country"]
  if country and country[1].value == "DE" then
    request.uri = "/de" .. request.uri
  end
  local cookie = headers.cookie
  if cookie and (";" .. cookie[1].value):find(";%s*ab=b%f[;%z]") then
    headers["x-variant"] = {{ key = "X-Variant", value = "b" }}
  end
  return request
end
