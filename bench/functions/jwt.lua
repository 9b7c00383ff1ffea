-- JWT verification: N HS256 verifies of one token per invocation
local token = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
  .. "eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0."
local secret = "s3cret"
token = token .. faas.crypto.base64url_encode(
  faas.crypto.hmac("sha256", secret, token:sub(1, -2)))

return function(event)
  local n = tonumber(event.Records[1].cf.request.querystring) or 1
  for _ = 1, n do
    assert(faas.jwt.verify(token, secret, { alg = "HS256" }))
  end
end
