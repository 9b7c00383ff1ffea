-- /v1/products?category=C: a bearer JWT is checked at the edge, then the
-- catalog function of the regional tier is asked (faas.invoke waits
-- without blocking nginx; its result is cached by the backend's
-- cache_ttl=), and the answer is shaped here.
return function(event)
  local request = event.Records[1].cf.request
  local header = request.headers.authorization
  local token = header and header[1].value:match("^Bearer%s+(%S+)$")
  local claims = token and faas.jwt.verify(token, faas.env.JWT_SECRET,
                                           { alg = "HS256" })
  if not claims then
    return { status = 401, body = "a valid bearer token is needed\n" }
  end

  local category = request.querystring:match("category=([%w_-]+)") or "all"

  -- the test backend's "echo" action stands in for the catalog here
  local result, err = faas.invoke("catalog", "echo", { category = category })
  if not result then
    faas.log.warn("catalog: ", err)
    local status = err:match("^timeout") and 504 or 502
    return { status = status, body = "the catalog is not available\n" }
  end

  return {
    status = 200,
    headers = { ["content-type"] = {{ value = "application/json" }} },
    body = faas.json.encode({ user = claims.sub,
                              category = result.category }) .. "\n",
  }
end
