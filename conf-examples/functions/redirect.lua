-- A generated redirect: /old/anything -> /new/anything, on the same host.
return function(event)
  local request = event.Records[1].cf.request
  local path = request.uri:gsub("^/old/", "/new/")
  return {
    status = "301",
    statusDescription = "Moved Permanently",
    headers = {
      location = {{ key = "Location",
                    value = "http://" .. request.headers.host[1].value .. path }},
    },
  }
end
