-- A/B test at the edge: the variant comes from the "ab" cookie, or is
-- drawn once and remembered in the cookie by the origin's response.
return function()
  local variant = faas.req.cookie("ab")

  if variant ~= "a" and variant ~= "b" then
    variant = math.random() < 0.5 and "a" or "b"
  end

  faas.req.set_header("X-Variant", variant)
end
