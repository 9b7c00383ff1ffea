-- one failure of each class, on demand: the states are dropped and
-- rebuilt, the errors logged and counted
local keep = {}

return function(event)
  local kind = event.Records[1].cf.request.querystring:match("kind=(%a+)")
  if kind == "error" then
    error("failing on purpose")
  elseif kind == "timeout" then
    while true do end
  elseif kind == "memory" then
    while true do keep[#keep + 1] = string.rep("m", 1024) .. #keep end
  elseif kind == "bad" then
    return { status = "not a status" }
  end
  return { status = 200, body = "fine\n" }
end
