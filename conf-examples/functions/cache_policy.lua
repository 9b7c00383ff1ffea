-- origin-response on the origin tier: what it changes is what the edge
-- stores.  A 200 becomes cacheable for a minute whatever the origin
-- said, and carries the id of the origin request that produced it (a
-- cache hit at the edge shows the id of the miss that filled the cache).
return function(event, context)
  local response = event.Records[1].cf.response

  if response.status == "200" then
    response.headers["cache-control"] = {{ key = "Cache-Control",
                                           value = "public, max-age=60" }}
  end

  response.headers["x-origin-response"] = {{ key = "X-Origin-Response",
                                             value = context.request_id }}
  return response
end
