-- viewer-request at the edge: drop tracking parameters (utm_*, fbclid,
-- gclid) from the query string, so that they neither reach the origin
-- nor split the cache (the edge's cache key uses $args after this).
return function(event)
  local request = event.Records[1].cf.request
  local kept = {}
  for param in request.querystring:gmatch("[^&]+") do
    local name = param:match("^([^=]*)")
    if not (name:find("^utm_") or name == "fbclid" or name == "gclid") then
      kept[#kept + 1] = param
    end
  end
  request.querystring = table.concat(kept, "&")
  return request
end
