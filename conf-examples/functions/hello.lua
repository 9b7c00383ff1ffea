-- A whole response from the edge, with what the runtime tells a handler.
local served = 0

return function(event, context)
  served = served + 1
  local request = event.Records[1].cf.request
  return {
    status = 200,
    headers = { ["content-type"] = {{ key = "Content-Type", value = "text/plain" }} },
    body = string.format("%s from %s (version %s), invocation %d of this warm state, "
                         .. "cold start: %s, client %s\n",
                         faas.env.GREETING, context.function_name,
                         context.function_version, served,
                         tostring(context.cold_start), request.clientIp),
  }
end
