-- W4 (bench/run): a generated 302 to https://HOST/URI.
return function(event)
  local request = event.Records[1].cf.request
  return {
    status = 302,
    headers = {
      location = {{ key = "Location",
                    value = "https://" .. request.headers.host[1].value .. request.uri }},
    },
  }
end
