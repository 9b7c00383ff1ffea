-- content: JSON in and out, a JWT, digests, faas.kv with expiry (so the
-- store keeps writing, expiring and sweeping)
local token
local calls = 0

return function(event, context)
  local request = event.Records[1].cf.request
  calls = calls + 1
  if not token then
    local b64 = faas.crypto.base64url_encode
    local head = b64(faas.json.encode({ alg = "HS256", typ = "JWT" }))
    local body = b64(faas.json.encode({ sub = "soak", exp = os.time() + 86400 * 365 }))
    token = head .. "." .. body .. "." ..
      b64(faas.crypto.hmac("sha256", faas.env.JWT_SECRET, head .. "." .. body))
  end
  local claims = assert(faas.jwt.verify(token, faas.env.JWT_SECRET, { alg = "HS256" }))

  local input = {}
  if request.body and request.body.data ~= "" then
    input = faas.json.decode(faas.crypto.base64_decode(request.body.data)) or {}
  end

  local key = "session:" .. faas.crypto.hex(faas.crypto.random_bytes(4))
  faas.kv.set(key, faas.json.encode(input), 30)
  local n = faas.kv.incr("api:" .. request.uri)

  return {
    status = 200,
    headers = { ["content-type"] = {{ key = "Content-Type", value = "application/json" }} },
    body = faas.json.encode({
      sub = claims.sub, n = n, calls = calls, key = key,
      digest = faas.crypto.hex(faas.crypto.sha256(request.uri)),
      echo = input, country = faas.geo(request.clientIp).country_code,
    }),
  }
end
