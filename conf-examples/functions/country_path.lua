-- Country-specific content: /shop/x -> /shop/de/x for X-Country: DE
-- (a CDN in front sets the header; geolocation in nginx comes later).
local countries = { de = true, fr = true, jp = true }

return function(event)
  local request = event.Records[1].cf.request
  local header = request.headers["x-country"]
  local country = header and header[1].value:lower()

  if country and countries[country] then
    request.uri = request.uri:gsub("^/shop/", "/shop/" .. country .. "/")
  end

  return request
end
