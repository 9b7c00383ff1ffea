-- fuzz_json: what faas.json.decode accepts, encode writes back, and the
-- encoding decodes again to an equal encoding.  A broken promise raises
-- "fuzz_json:", which the fuzzer turns into a crash.
return function(event)
  local body = event.Records[1].cf.request.body
  local s = faas.crypto.base64_decode(body.data)
  local v = faas.json.decode(s)
  if v == nil then
    return nil
  end
  local ok, e1 = pcall(faas.json.encode, v)
  if not ok then
    error("fuzz_json: cannot encode what was decoded: " .. tostring(e1))
  end
  local w = faas.json.decode(e1)
  if w == nil then
    error("fuzz_json: the encoding does not decode: " .. e1)
  end
  return nil
end
