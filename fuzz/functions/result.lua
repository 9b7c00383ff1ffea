-- fuzz_result: returns whatever table the input's JSON makes (the
-- request body, base64), as a request, a response or a generated
-- response depending on the event: the runtime must validate every
-- field it takes (headers, status, body and encoding, origin).
return function(event)
  local cf = event.Records[1].cf
  local body = cf.request.body
  local t = body and faas.json.decode(faas.crypto.base64_decode(body.data))
  if type(t) ~= "table" then
    return nil
  end
  if t.merge then
    local target = cf.response or cf.request
    for k, v in pairs(t.merge) do
      target[k] = v
    end
    return target
  end
  return t
end
