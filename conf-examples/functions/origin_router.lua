-- origin-request on the origin tier: runs only when the edge's cache
-- misses.  /robots.txt is answered here (the edge caches the answer);
-- /v2/ goes to another origin, named like an upstream{} block so that
-- "proxy_pass $faas_origin_url" finds it without a resolver.
local robots = "User-agent: *\nDisallow: /private/\n"

return function(event)
  local request = event.Records[1].cf.request

  if request.uri == "/robots.txt" then
    return {
      status = "200",
      statusDescription = "OK",
      headers = {
        ["content-type"] = {{ key = "Content-Type", value = "text/plain" }},
        ["cache-control"] = {{ key = "Cache-Control",
                               value = "public, max-age=300" }},
      },
      body = robots,
    }
  end

  if request.uri:sub(1, 4) == "/v2/" then
    request.origin = {
      custom = {
        domainName = "origin-v2.internal",
        port = 80,
        protocol = "http",
        path = "",
        sslProtocols = { "TLSv1.2" },
        readTimeout = 30,
        keepaliveTimeout = 5,
        customHeaders = {
          ["x-routed-by"] = {{ key = "X-Routed-By", value = "origin_router" }},
        },
      },
    }
  end

  return request
end
