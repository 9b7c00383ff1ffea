-- Geo redirect: /geo/anything -> /geo/<country>/anything for viewers whose
-- country the databases know; others go on to the origin unchanged.
return function(event)
  local request = event.Records[1].cf.request
  local rest = request.uri:match("^/geo/(.*)$")
  local where = faas.geo()

  if rest == nil or rest:match("^%a%a/") or where.country_code == nil then
    return request
  end

  return {
    status = 302,
    headers = {
      location = {{ key = "Location",
                    value = "/geo/" .. where.country_code:lower() .. "/" .. rest }},
      ["cache-control"] = {{ key = "Cache-Control", value = "private" }},
    },
  }
end
