-- origin-request: /edge/v2/... goes to /v2/... on the origin
return function(event)
  local request = event.Records[1].cf.request
  local rest = request.uri:match("^/edge/v2/(.*)$")
  if rest then
    request.uri = "/v2/" .. rest
  end
  return request
end
