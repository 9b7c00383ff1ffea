-- origin-response: a caching policy and a header
return function(event)
  local response = event.Records[1].cf.response
  response.headers["cache-control"] = {{ key = "Cache-Control",
                                         value = "public, max-age=60" }}
  response.headers["x-stamp"] = {{ key = "X-Stamp", value = tostring(os.time()) }}
  return response
end
