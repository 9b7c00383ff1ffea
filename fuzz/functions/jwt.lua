-- fuzz_jwt: faas.jwt.verify and the base64 decoders on any token, with
-- a secret and with RSA and EC keys.  A token may verify only when its
-- signed part (header.payload) is that of a token made with the key:
-- "fuzz_jwt:" otherwise.
local b64 = faas.crypto.base64url_encode

local function hs256(claims)
  local signed = b64(faas.json.encode({ alg = "HS256", typ = "JWT" })) .. "."
                 .. b64(faas.json.encode(claims))
  return signed .. "." .. b64(faas.crypto.hmac("sha256", "fuzz-secret", signed))
end

local function signed(token)
  return token:match("^[^.]*%.[^.]*") or ""
end

local valid = {}
for _, t in ipairs({ faas.env.RS256, faas.env.ES256, hs256({ sub = "fuzz" }) }) do
  valid[signed(t)] = true
end

local opts = { algorithms = { "HS256", "RS256", "ES256" } }

return function(event)
  local token = faas.crypto.base64_decode(event.Records[1].cf.request.body.data)
  faas.crypto.base64url_decode(token)
  faas.crypto.base64_decode(token)
  for _, key in ipairs({ "fuzz-secret", faas.env.RSA, faas.env.EC }) do
    local claims = faas.jwt.verify(token, key, opts)
    if claims and not valid[signed(token)] then
      error("fuzz_jwt: verified a token nobody signed: " .. token)
    end
  end
  return { status = 200 }
end
