-- viewer-request: geo of the viewer, a counter per country in faas.kv,
-- a header added, /edge/old/ answered with a generated redirect
return function(event)
  local request = event.Records[1].cf.request
  if request.uri:sub(1, 10) == "/edge/old/" then
    return { status = 301, headers = { location = {{ key = "Location",
      value = "https://example.com/" .. request.uri:sub(11) }} } }
  end
  local country = faas.geo().country_code or "none"
  faas.kv.incr("views:" .. country)
  request.headers["x-country"] = {{ key = "X-Country", value = country }}
  return request
end
