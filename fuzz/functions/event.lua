-- fuzz_event: reads every field of an event built from a hostile request
-- and response, encodes it, then writes back changes derived from the
-- input (header names and keys taken from values, the uri, the query
-- string, the status, the origin), which the runtime must validate.
return function(event, context)
  local cf = event.Records[1].cf
  local request = cf.request
  local target = cf.response or request
  local values = {}

  for name, list in pairs(request.headers) do
    for _, h in ipairs(list) do
      values[#values + 1] = h.value
      values[#values + 1] = name .. tostring(h.key)
    end
  end
  if cf.response then
    for name, list in pairs(cf.response.headers) do
      values[#values + 1] = name .. list[1].value
    end
  end

  faas.json.encode({ cf.config, request.method, request.uri,
                     request.querystring, request.clientIp, values })
  faas.geo(request.clientIp)
  faas.geo()

  local v = values[1] or ""
  local w = values[2] or ""
  target.headers[v:lower()] = {{ key = v, value = w }}
  target.headers[w] = {{ value = v }, { key = w:upper(), value = w }}
  if #values % 3 == 0 then
    request.uri = v
    request.querystring = w
  end
  if cf.response and #values % 2 == 0 then
    cf.response.status = v
    cf.response.statusDescription = w
  end
  if request.origin and #values % 5 == 0 then
    request.origin = { custom = { domainName = v, path = w, protocol = "https",
                                  port = tonumber(w) or 443,
                                  customHeaders = { [v] = {{ value = w }} } } }
  end
  return target
end
