-- JWT auth at the edge: only requests with a valid HS256 bearer token
-- reach the origin, which gets the user's name instead of the token.
return function(event)
  local request = event.Records[1].cf.request
  local header = request.headers.authorization
  local token = header and header[1].value:match("^Bearer%s+(%S+)$")
  local claims, err

  if token then
    claims, err = faas.jwt.verify(token, faas.env.JWT_SECRET, { alg = "HS256" })
  end

  if not claims then
    faas.log.info("rejected: ", err or "no bearer token")
    return {
      status = 401,
      headers = {
        ["www-authenticate"] = {{ key = "WWW-Authenticate",
                                  value = 'Bearer realm="demo"' }},
        ["content-type"] = {{ key = "Content-Type", value = "text/plain" }},
      },
      body = "a valid bearer token is needed\n",
    }
  end

  request.headers.authorization = nil
  request.headers["x-user"] = {{ key = "X-User", value = tostring(claims.sub) }}
  return request
end
