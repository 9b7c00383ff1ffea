-- a module-level table, a closure, string methods, varargs, long strings
local seen, n = {}, 0
local function tag(s, ...) return (s:gsub("%W", "_")) .. select("#", ...) end
return { handler = function(event, context)
  n = n + 1
  local r = event.Records[1].cf.request
  seen[tag(r.uri, 1, 2)] = [[long
string]] .. [==[ with ]] inside ]==]
  for i = 1, #r.uri, 2 do if i % 3 == 0 then break end end
  repeat n = n - 1 until n < 10
  return r, 0x1p4, 1e-3, "\65\u{48}\z
      tail"
end }
