# The sandbox allow-list: what is removed is really absent, what is left
# cannot reach outside the function's own state.

use Test::Nginx::Socket 'no_plan';

run_tests();

__DATA__

=== TEST 1: every removed global is absent
--- http_config
faas_function probe html/probe.lua;
--- config
location /t {
    faas_viewer_request probe;
    return 200 "unreached\n";
}
--- user_files
>>> probe.lua
local removed = { "load", "loadstring", "dofile", "loadfile", "require",
  "module", "getfenv", "setfenv", "collectgarbage", "newproxy", "gcinfo",
  "io", "debug", "ffi", "jit", "package" }
return function(event)
  local present = {}
  for _, name in ipairs(removed) do
    if _G[name] ~= nil then present[#present + 1] = name end
  end
  for _, name in ipairs({ "execute", "getenv", "exit", "remove", "rename",
                          "tmpname", "setlocale" }) do
    if os[name] ~= nil then present[#present + 1] = "os." .. name end
  end
  if string.dump ~= nil then present[#present + 1] = "string.dump" end
  if ("").dump ~= nil then present[#present + 1] = "(''):dump" end
  return { status = 200, body = "present: [" .. table.concat(present, ",") .. "]\n" }
end
--- request
GET /t
--- response_body
present: []
--- no_error_log
[error]



=== TEST 2: what is allowed works
--- http_config
faas_function allowed html/allowed.lua;
--- config
location /t {
    faas_viewer_request allowed;
    return 200 "unreached\n";
}
--- user_files
>>> allowed.lua
return function(event)
  local co = coroutine.wrap(function() coroutine.yield(1) end)
  local parts = {
    type(os.time()), type(os.clock()), os.date("!%Y", 0),
    tostring(bit.band(12, 10)), tostring(math.floor(2.5)),
    string.format("%03d", 7), ("abc"):upper(), tostring(co()),
    table.concat({ "a", "b" }, "+"), tostring(select("#", 1, 2)),
    tostring(pcall(error, "x")),
  }
  return { status = 200, body = table.concat(parts, " ") .. "\n" }
end
--- request
GET /t
--- response_body
number number 1970 8 2 007 ABC 1 a+b 2 false
--- no_error_log
[error]



=== TEST 3: the string metatable is protected
--- http_config
faas_function mt html/mt.lua;
--- config
location /t {
    faas_viewer_request mt;
    return 200 "unreached\n";
}
--- user_files
>>> mt.lua
return function(event)
  return { status = 200, body = tostring(getmetatable("")) .. "\n" }
end
--- request
GET /t
--- response_body
false
--- no_error_log
[error]



=== TEST 4: faas.env and the context are read-only
--- http_config
faas_function ro html/ro.lua env=A=1;
--- config
location /t {
    faas_viewer_request ro;
    return 200 "unreached\n";
}
--- user_files
>>> ro.lua
return function(event, context)
  faas.env.A = "2"
end
--- request
GET /t
--- error_code: 502
--- error_log
attempt to write to a read-only table



=== TEST 5: functions do not share globals or metatables
--- http_config
faas_function writer html/writer.lua;
faas_function reader html/reader.lua;
--- config
location /t {
    faas_viewer_request writer reader;
    return 200 "unreached\n";
}
--- user_files
>>> writer.lua
return function(event)
  shared_secret = "tenant-a"
  string.upper = function() return "hijacked" end
  math.pi = 3
end
>>> reader.lua
return function(event)
  return { status = 200, body = table.concat({ tostring(shared_secret),
    ("x"):upper(), tostring(math.pi > 3.14) }, " ") .. "\n" }
end
--- request
GET /t
--- response_body
nil X true
--- no_error_log
[error]



=== TEST 6: a request table kept from an earlier invocation reads nothing new
--- http_config
faas_function keep html/keep.lua;
--- config
location /t {
    faas_viewer_request keep;
    return 200 "unreached\n";
}
--- user_files
>>> keep.lua
local old
return function(event)
  local request = event.Records[1].cf.request
  if old == nil then
    old = request
    return { status = 200, body = "kept\n" }
  end
  return { status = 200, body = "old uri=" .. tostring(old.uri) .. "\n" }
end
--- request eval
["GET /t/first", "GET /t/second"]
--- response_body eval
["kept\n", "old uri=nil\n"]
--- no_error_log
[error]
