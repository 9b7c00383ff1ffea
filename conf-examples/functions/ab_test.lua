-- A/B test at the edge: the variant comes from the "ab" cookie, or is
-- drawn once and remembered in the cookie by the origin's response.
return function(event)
  local request = event.Records[1].cf.request
  local variant

  for _, cookie in ipairs(request.headers.cookie or {}) do
    variant = cookie.value:match("ab=([ab])") or variant
  end

  if variant == nil then
    variant = math.random() < 0.5 and "a" or "b"
  end

  request.headers["x-variant"] = {{ key = "X-Variant", value = variant }}
  return request
end
