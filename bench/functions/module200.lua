-- A handler with a 200-line module at its top level (the sandbox has
-- no require: a function's modules are part of its file).  The cold
-- start benchmark of issue 7: faas_bench cold against noop.lua.
local M = {}
M.name = "module200"
M.version = 1

function M.f0(s, n)
  local t = { s, tostring(n + 0) }
  return table.concat(t, "-")
end

function M.f1(s, n)
  local t = { s, tostring(n + 1) }
  return table.concat(t, "-")
end

function M.f2(s, n)
  local t = { s, tostring(n + 2) }
  return table.concat(t, "-")
end

function M.f3(s, n)
  local t = { s, tostring(n + 3) }
  return table.concat(t, "-")
end

function M.f4(s, n)
  local t = { s, tostring(n + 4) }
  return table.concat(t, "-")
end

function M.f5(s, n)
  local t = { s, tostring(n + 5) }
  return table.concat(t, "-")
end

function M.f6(s, n)
  local t = { s, tostring(n + 6) }
  return table.concat(t, "-")
end

function M.f7(s, n)
  local t = { s, tostring(n + 7) }
  return table.concat(t, "-")
end

function M.f8(s, n)
  local t = { s, tostring(n + 8) }
  return table.concat(t, "-")
end

function M.f9(s, n)
  local t = { s, tostring(n + 9) }
  return table.concat(t, "-")
end

function M.f10(s, n)
  local t = { s, tostring(n + 10) }
  return table.concat(t, "-")
end

function M.f11(s, n)
  local t = { s, tostring(n + 11) }
  return table.concat(t, "-")
end

function M.f12(s, n)
  local t = { s, tostring(n + 12) }
  return table.concat(t, "-")
end

function M.f13(s, n)
  local t = { s, tostring(n + 13) }
  return table.concat(t, "-")
end

function M.f14(s, n)
  local t = { s, tostring(n + 14) }
  return table.concat(t, "-")
end

function M.f15(s, n)
  local t = { s, tostring(n + 15) }
  return table.concat(t, "-")
end

function M.f16(s, n)
  local t = { s, tostring(n + 16) }
  return table.concat(t, "-")
end

function M.f17(s, n)
  local t = { s, tostring(n + 17) }
  return table.concat(t, "-")
end

function M.f18(s, n)
  local t = { s, tostring(n + 18) }
  return table.concat(t, "-")
end

function M.f19(s, n)
  local t = { s, tostring(n + 19) }
  return table.concat(t, "-")
end

function M.f20(s, n)
  local t = { s, tostring(n + 20) }
  return table.concat(t, "-")
end

function M.f21(s, n)
  local t = { s, tostring(n + 21) }
  return table.concat(t, "-")
end

function M.f22(s, n)
  local t = { s, tostring(n + 22) }
  return table.concat(t, "-")
end

function M.f23(s, n)
  local t = { s, tostring(n + 23) }
  return table.concat(t, "-")
end

function M.f24(s, n)
  local t = { s, tostring(n + 24) }
  return table.concat(t, "-")
end

function M.f25(s, n)
  local t = { s, tostring(n + 25) }
  return table.concat(t, "-")
end

function M.f26(s, n)
  local t = { s, tostring(n + 26) }
  return table.concat(t, "-")
end

function M.f27(s, n)
  local t = { s, tostring(n + 27) }
  return table.concat(t, "-")
end

function M.f28(s, n)
  local t = { s, tostring(n + 28) }
  return table.concat(t, "-")
end

function M.f29(s, n)
  local t = { s, tostring(n + 29) }
  return table.concat(t, "-")
end

function M.f30(s, n)
  local t = { s, tostring(n + 30) }
  return table.concat(t, "-")
end

function M.f31(s, n)
  local t = { s, tostring(n + 31) }
  return table.concat(t, "-")
end

function M.f32(s, n)
  local t = { s, tostring(n + 32) }
  return table.concat(t, "-")
end

function M.f33(s, n)
  local t = { s, tostring(n + 33) }
  return table.concat(t, "-")
end

function M.f34(s, n)
  local t = { s, tostring(n + 34) }
  return table.concat(t, "-")
end

function M.f35(s, n)
  local t = { s, tostring(n + 35) }
  return table.concat(t, "-")
end

function M.f36(s, n)
  local t = { s, tostring(n + 36) }
  return table.concat(t, "-")
end

M.count = 37

return function(event)
  local request = event.Records[1].cf.request
  request.headers["x-module"] = {
    { key = "X-Module", value = M.f7(request.uri, M.count) } }
  return request
end
