# Hostile functions: one block per known way out of a LuaJIT sandbox or
# around its limits (docs/security.md has the threat model).  Each ends
# in a clean 5xx or a safe result, with at most one failure line in the
# log, and the worker alive.
#
# Every block also gets a second function, "fine", at /fine (added by the
# preprocessor below).  Blocks that fail ask /fine before and after the
# hostile request: "fine 1" then "fine 2" shows the same worker is still
# serving with fine's warm state intact, and the rest of its body shows
# that fine's globals, string methods and math library are untouched.
#
# The stand-in runner, like Test::Nginx, checks error_log patterns for
# each request separately.  So the failure's message is checked as
# "fine N or the failure" (the hostile request never runs fine), and
# grep_error_log_out allows one failure line or none per request.

use Test::Nginx::Socket 'no_plan';

my $fine = <<'END';
>>> fine.lua
local calls = 0
return function(event)
  calls = calls + 1
  print("fine " .. calls)
  return { status = 200, body = table.concat({ "fine", calls,
    tostring(rawget(_G, "hostile")), ("x"):upper(), tostring(string.hostile),
    tostring(math.pi == 3.141592653589793) }, " ") .. "\n" }
end
END

add_block_preprocessor(sub {
    my $block = shift;

    return if defined $block->must_die;

    my $files = $block->user_files // '';
    $files .= "\n" if $files ne '' && $files !~ /\n\z/;

    $block->set_value('http_config', ($block->http_config // '')
                      . "faas_function fine html/fine.lua;\n");
    $block->set_value('config', ($block->config // '')
                      . "location /fine { faas_viewer_request fine; "
                      . "return 200 \"unreached\\n\"; }\n");
    $block->set_value('user_files', $files . $fine);
});

run_tests();

__DATA__

=== TEST 1: the whole reachable surface: no loader, debug, ffi, jit, exdata, userdata
--- http_config
faas_function h html/h.lua;
--- config
location /t {
    faas_viewer_request h;
    return 200 "unreached\n";
}
--- user_files
>>> h.lua
-- anywhere (the library names debug, ffi, jit, io and package are
-- checked by the exact list of globals below: faas.log.debug is fine)
local forbidden = {}
for name in ([[load loadstring dofile loadfile require module getfenv setfenv
  collectgarbage gcinfo newproxy dump preload loaded exdata getregistry
  sethook gethook getupvalue setupvalue getlocal setlocal getinfo upvalueid
  upvaluejoin execute getenv exit popen tmpname setlocale metatype typeof
  cast]]):gmatch("%a+") do
  forbidden[name] = true
end
local function keys(t)
  local list = {}
  for k in next, t do list[#list + 1] = tostring(k) end
  table.sort(list)
  return table.concat(list, " ")
end
return function(event, context)
  local seen, bad, other = {}, {}, {}
  local function walk(v, path)
    local t = type(v)
    if t == "table" then
      if seen[v] then return end
      seen[v] = true
      for k, x in next, v do
        if forbidden[tostring(k)] then bad[#bad + 1] = path .. "." .. tostring(k) end
        walk(x, path .. "." .. tostring(k))
      end
      local mt = getmetatable(v)
      if mt ~= nil then walk(mt, path .. "<mt>") end
    elseif t == "userdata" or t == "thread" or t == "cdata" then
      other[#other + 1] = path .. ":" .. t
    end
  end
  walk(_G, "_G")
  walk(event, "event")
  walk(context, "context")
  return { status = 200, body = table.concat({
    "forbidden: [" .. table.concat(bad, ",") .. "]",
    "userdata/threads: [" .. table.concat(other, ",") .. "]",
    "_G: " .. keys(_G),
    "string: " .. keys(string),
    "table: " .. keys(table),
    "os: " .. keys(os),
    "coroutine: " .. keys(coroutine),
    "string mt: " .. tostring(getmetatable("")),
    "" }, "\n") }
end
--- request
GET /t
--- response_body
forbidden: []
userdata/threads: [_G.faas.json.null:userdata]
_G: _G _VERSION assert bit coroutine error faas getmetatable ipairs math next os pairs pcall print rawequal rawget rawset select setmetatable string table tonumber tostring type unpack xpcall
string: byte char find format gmatch gsub len lower match rep reverse sub upper
table: concat foreach foreachi getn insert maxn move remove sort
os: clock date difftime time
coroutine: create isyieldable resume running status wrap yield
string mt: false
--- no_error_log
[error]



=== TEST 2: with jit=on the jit library is just as absent
--- http_config
faas_function h html/h.lua jit=on;
--- config
location /t {
    faas_viewer_request h;
    return 200 "unreached\n";
}
--- user_files
>>> h.lua
return function(event)
  return { status = 200, body = tostring(jit) .. " " .. tostring(require)
    .. " " .. tostring(rawget(_G, "ffi")) .. "\n" }
end
--- request
GET /t
--- response_body
nil nil nil
--- error_log
jit=on



=== TEST 3: no loader at run time: bytecode cannot be loaded
--- http_config
faas_function h html/h.lua;
--- config
location /t {
    faas_viewer_request h;
    return 200 "unreached\n";
}
--- user_files
>>> h.lua
return function(event)
  local chunk = "\27LJ\2\0\5=stdin"
  return loadstring(chunk)()
end
--- request eval
["GET /fine", "GET /t", "GET /fine"]
--- error_code eval
[200, 502, 200]
--- response_body_like eval
["^fine 1 nil X nil true\n\$", "", "^fine 2 nil X nil true\n\$"]
--- error_log eval
qr/: fine \d+|failed \(runtime\): \S+h\.lua:3: attempt to call global 'loadstring' \(a nil value\)/
--- grep_error_log eval: qr/failed \([a-z-]+\)/
--- grep_error_log_out eval: qr/^(failed \(runtime\)\n)?$/
--- no_error_log
[alert]
[crit]



=== TEST 4: bytecode behind a #! line is refused at configuration time
--- http_config
faas_function h html/h.lua;
--- config
location /t { return 200; }
--- user_files eval
">>> h.lua\n#!/usr/bin/luajit\n\x1bLJ\x02\x00junk"
--- must_die
--- error_log
cannot load malformed bytecode



=== TEST 5: a 64-bit cdata literal is refused at configuration time, with its line
--- http_config
faas_function h html/h.lua;
--- config
location /t { return 200; }
--- user_files
>>> h.lua
local s = "1LL in a string" -- and 2LL in a comment
return function(event)
  local big = 0x7fffffffffffffffLL
  return nil
end
--- must_die
--- error_log eval
qr/\S+html\/h\.lua:3: cdata literals \(1LL, 1ULL, 1i\) are refused/



=== TEST 6: an imaginary cdata literal is refused too
--- http_config
faas_function h html/h.lua;
--- config
location /t { return 200; }
--- user_files
>>> h.lua
return function(event) return 12i end
--- must_die
--- error_log eval
qr/\S+html\/h\.lua:1: cdata literals/



=== TEST 7: getfenv and setfenv do not exist
--- http_config
faas_function h html/h.lua;
--- config
location /t {
    faas_viewer_request h;
    return 200 "unreached\n";
}
--- user_files
>>> h.lua
return function(event)
  setfenv(1, { hostile = true })
end
--- request eval
["GET /fine", "GET /t", "GET /fine"]
--- error_code eval
[200, 502, 200]
--- response_body_like eval
["^fine 1 nil X nil true\n\$", "", "^fine 2 nil X nil true\n\$"]
--- error_log eval
qr/: fine \d+|failed \(runtime\): \S+h\.lua:2: attempt to call global 'setfenv' \(a nil value\)/
--- grep_error_log eval: qr/failed \([a-z-]+\)/
--- grep_error_log_out eval: qr/^(failed \(runtime\)\n)?$/
--- no_error_log
[alert]



=== TEST 8: the string metatable cannot be reached; changing string methods stays in the function
--- http_config
faas_function h html/h.lua;
--- config
location /t {
    faas_viewer_request h;
    return 200 "unreached\n";
}
--- user_files
>>> h.lua
return function(event)
  string.upper = function() return "hijacked" end
  string.hostile = "yes"
  hostile = "global"
  math.pi = 3
  local mt = getmetatable("")
  return { status = 200, body = table.concat({ tostring(mt),
    ("x"):upper(), ("x").hostile, tostring(("x").dump),
    tostring(pcall(setmetatable, "", {})) }, " ") .. "\n" }
end
--- request eval
["GET /fine", "GET /t", "GET /fine"]
--- response_body eval
["fine 1 nil X nil true\n", "false hijacked yes nil false\n",
 "fine 2 nil X nil true\n"]
--- no_error_log
[error]



=== TEST 9: thread.exdata and require are out of reach; a thread has no methods
--- http_config
faas_function h html/h.lua;
--- config
location /t {
    faas_viewer_request h;
    return 200 "unreached\n";
}
--- user_files
>>> h.lua
return function(event)
  local co = coroutine.running()
  local ok, err = pcall(function() return co.exdata end)
  return { status = 200, body = table.concat({ type(co), tostring(ok),
    err:match("attempt to index .*"), tostring(getmetatable(co)),
    tostring(require), tostring(package) }, " ") .. "\n" }
end
--- request
GET /t
--- response_body
thread false attempt to index upvalue 'co' (a thread value) nil nil nil
--- no_error_log
[error]



=== TEST 10: __gc on tables never runs, not at a collection nor when the state is dropped
--- http_config
faas_function h html/h.lua memory=1m timeout=1s;
--- config
location /t {
    faas_viewer_request h;
    return 200 "unreached\n";
}
--- user_files
>>> h.lua
local keep = {}
return function(event)
  for i = 1, 100 do
    keep[i] = setmetatable({}, { __gc = function() print("finalizer ran") end })
    setmetatable({}, { __gc = function() print("finalizer ran") end })
  end
  for i = 1, 2000 do local garbage = { ("x"):rep(200) .. i } end
  if event.Records[1].cf.request.querystring == "hog" then
    local t = {}
    for i = 1, 1e7 do t[i] = ("y"):rep(64) .. i end
  end
  return { status = 200, body = "newproxy=" .. tostring(newproxy) .. "\n" }
end
--- request eval
["GET /fine", "GET /t", "GET /t?hog", "GET /t", "GET /fine"]
--- error_code eval
[200, 200, 503, 200, 200]
--- response_body_like eval
["^fine 1 ", "^newproxy=nil\n\$", "", "^newproxy=nil\n\$", "^fine 2 "]
--- grep_error_log eval: qr/failed \([a-z-]+\)/
--- grep_error_log_out eval: qr/^(failed \(memory\)\n)?$/
--- no_error_log
finalizer ran
[alert]



=== TEST 11: a returned response with trap metamethods is read raw: no trap runs
--- http_config
faas_function h html/h.lua;
--- config
location /t {
    faas_viewer_request h;
    return 200 "unreached\n";
}
--- user_files
>>> h.lua
local function trap(name)
  return function(...) print("trap " .. name .. " ran") return "evil" end
end
local mt = { __index = trap("__index"), __newindex = trap("__newindex"),
  __pairs = trap("__pairs"), __len = trap("__len"), __call = trap("__call"),
  __tostring = trap("__tostring"), __eq = trap("__eq"),
  __concat = trap("__concat"), __metatable = "locked" }
return function(event)
  local entry = setmetatable({ key = "X-Raw", value = "raw" }, mt)
  local headers = setmetatable({ ["x-raw"] = setmetatable({ entry }, mt) }, mt)
  return setmetatable({ status = 200, headers = headers,
                        body = "raw body\n" }, mt)
end
--- request
GET /t
--- response_headers
X-Raw: raw
--- response_body
raw body
--- no_error_log
trap
[error]



=== TEST 12: a header entry whose value exists only through __index is refused
--- http_config
faas_function h html/h.lua;
--- config
location /t {
    faas_viewer_request h;
    return 200 "unreached\n";
}
--- user_files
>>> h.lua
return function(event)
  local request = event.Records[1].cf.request
  request.headers["x-trap"] = { setmetatable({}, { __index = function(t, k)
    print("trap ran") return "v" end }) }
  return request
end
--- request eval
["GET /fine", "GET /t", "GET /fine"]
--- error_code eval
[200, 502, 200]
--- response_body_like eval
["^fine 1 ", "", "^fine 2 "]
--- error_log eval
qr/: fine \d+|failed \(bad-return\): headers\["x-trap"\]\[1\]\.value must be a string/
--- grep_error_log eval: qr/failed \([a-z-]+\)/
--- grep_error_log_out eval: qr/^(failed \(bad-return\)\n)?$/
--- no_error_log
trap ran
[alert]



=== TEST 13: coroutine.yield at the handler's top level
--- http_config
faas_function h html/h.lua;
--- config
location /t {
    faas_viewer_request h;
    return 200 "unreached\n";
}
--- user_files
>>> h.lua
return function(event)
  coroutine.yield("out")
  return { status = 200, body = "resumed?\n" }
end
--- request eval
["GET /fine", "GET /t", "GET /t", "GET /fine"]
--- error_code eval
[200, 502, 502, 200]
--- response_body_like eval
["^fine 1 ", "", "", "^fine 2 "]
--- error_log eval
qr/: fine \d+|failed \(runtime\): the handler yielded outside a faas call/
--- grep_error_log eval: qr/failed \([a-z-]+\)/
--- grep_error_log_out eval: qr/^(failed \(runtime\)\n)?$/
--- no_error_log
resumed
[alert]



=== TEST 14: a coroutine kept in the state runs only when resumed, under that call's limits
--- http_config
faas_function h html/h.lua timeout=20ms;
--- config
location /t {
    faas_viewer_request h;
    return 200 "unreached\n";
}
--- user_files
>>> h.lua
local steps = 0
local co = coroutine.wrap(function()
  while true do steps = steps + 1 coroutine.yield() end
end)
local spin = coroutine.create(function() while true do end end)
return function(event)
  local before = steps
  co()
  if event.Records[1].cf.request.querystring == "spin" then
    coroutine.resume(spin)
  end
  return { status = 200, body = before .. " " .. steps .. "\n" }
end
--- request eval
["GET /t", "GET /t", "GET /t?spin", "GET /t"]
--- error_code eval
[200, 200, 503, 200]
--- response_body_like eval
["^0 1\n\$", "^1 2\n\$", "", "^0 1\n\$"]
--- grep_error_log eval: qr/failed \([a-z-]+\): [^;]*/
--- grep_error_log_out eval: qr/^(failed \(timeout\): (\S+: )?timeout of 20 ms exceeded\n)?$/
--- no_error_log
[alert]



=== TEST 15: a coroutine killed by a violation stays dead; the function goes on
--- http_config
faas_function h html/h.lua;
--- config
location /t {
    faas_viewer_request h;
    return 200 "unreached\n";
}
--- user_files
>>> h.lua
local co
return function(event)
  if co == nil then
    co = coroutine.create(function() rawset(faas.env, "x", 1) end)
    print("first resume: " .. tostring(coroutine.resume(co)))
    return { status = 200, body = "escaped\n" }
  end
  return { status = 200, body = coroutine.status(co) .. " "
    .. tostring(coroutine.resume(co)) .. "\n" }
end
--- request eval
["GET /fine", "GET /t", "GET /t", "GET /fine"]
--- error_code eval
[200, 502, 200, 200]
--- response_body_like eval
["^fine 1 ", "", "^dead false\n\$", "^fine 2 "]
--- grep_error_log eval: qr/failed \([a-z-]+\): [^;]*/
--- grep_error_log_out eval: qr/^(failed \(sandbox\): rawset on a protected table\n)?$/
--- no_error_log
escaped
[alert]



=== TEST 16: after a kill, neither pcall nor a fresh coroutine can run on
--- http_config
faas_function h html/h.lua timeout=20ms;
--- config
location /t {
    faas_viewer_request h;
    return 200 "unreached\n";
}
--- user_files
>>> h.lua
return function(event)
  pcall(function() while true do end end)
  pcall(coroutine.wrap(function() print("escaped into a coroutine") end))
  print("escaped")
  return { status = 200, body = "escaped\n" }
end
--- request eval
["GET /fine", "GET /t", "GET /fine"]
--- error_code eval
[200, 503, 200]
--- response_body_like eval
["^fine 1 ", "", "^fine 2 "]
--- error_log eval
qr/: fine \d+|failed \(timeout\): (\S+: )?timeout of 20 ms exceeded/
--- grep_error_log eval: qr/failed \([a-z-]+\)/
--- grep_error_log_out eval: qr/^(failed \(timeout\)\n)?$/
--- no_error_log
escaped
[alert]



=== TEST 17: pcall cannot swallow running out of memory
--- http_config
faas_function h html/h.lua memory=1m timeout=1s;
--- config
location /t {
    faas_viewer_request h;
    return 200 "unreached\n";
}
--- user_files
>>> h.lua
return function(event)
  for round = 1, 3 do
    pcall(function()
      local t = {}
      for i = 1, 1e7 do t[i] = ("x"):rep(64) .. i end
    end)
  end
  print("escaped")
  return { status = 200, body = "escaped\n" }
end
--- request eval
["GET /fine", "GET /t", "GET /fine"]
--- error_code eval
[200, 503, 200]
--- response_body_like eval
["^fine 1 ", "", "^fine 2 "]
--- error_log eval
qr/: fine \d+|failed \(memory\): (\S+: )?memory limit of 1024 KiB exceeded/
--- grep_error_log eval: qr/failed \([a-z-]+\)/
--- grep_error_log_out eval: qr/^(failed \(memory\)\n)?$/
--- no_error_log
escaped
[alert]



=== TEST 18: pcall cannot swallow the instruction budget
--- http_config
faas_function h html/h.lua instructions=100000 timeout=1s;
--- config
location /t {
    faas_viewer_request h;
    return 200 "unreached\n";
}
--- user_files
>>> h.lua
return function(event)
  while true do
    pcall(function() local n = 0 for i = 1, 1e9 do n = n + i end end)
  end
end
--- request eval
["GET /fine", "GET /t", "GET /fine"]
--- error_code eval
[200, 503, 200]
--- response_body_like eval
["^fine 1 ", "", "^fine 2 "]
--- error_log eval
qr/: fine \d+|failed \(timeout\): (\S+: )?instruction budget of 100000 exceeded/
--- grep_error_log eval: qr/failed \([a-z-]+\)/
--- grep_error_log_out eval: qr/^(failed \(timeout\)\n)?$/
--- no_error_log
[alert]



=== TEST 19: deep Lua recursion is an ordinary error
--- http_config
faas_function h html/h.lua timeout=1s;
--- config
location /t {
    faas_viewer_request h;
    return 200 "unreached\n";
}
--- user_files
>>> h.lua
local function down(n) return 1 + down(n + 1) end
return function(event)
  down(1)
end
--- request eval
["GET /fine", "GET /t", "GET /fine"]
--- error_code eval
[200, 502, 200]
--- response_body_like eval
["^fine 1 ", "", "^fine 2 "]
--- error_log eval
qr/: fine \d+|failed \(runtime\): \S+h\.lua:1: stack overflow/
--- grep_error_log eval: qr/failed \([a-z-]+\)/
--- grep_error_log_out eval: qr/^(failed \(runtime\)\n)?$/
--- no_error_log
[alert]



=== TEST 20: recursion through C (gsub, sort, print, __index) ends in "C stack overflow"
--- http_config
faas_function h html/h.lua timeout=1s;
--- config
location /t {
    faas_viewer_request h;
    return 200 "unreached\n";
}
--- user_files
>>> h.lua
local function try(f)
  local ok, err = pcall(f)
  return (tostring(err):gsub("^[^:]*:%d+: ", ""))
end
return function(event)
  local out = {}
  out[1] = try(function()
    local function f(s) return (s:gsub(".", f)) end
    return f("ab")
  end)
  out[2] = try(function()
    local function less(a, b) table.sort({ 3, 2, 1 }, less) return a < b end
    table.sort({ 3, 2, 1 }, less)
  end)
  out[3] = try(function()
    local t = setmetatable({}, {})
    getmetatable(t).__tostring = function(x) print(x) return "x" end
    print(t)
  end)
  out[4] = try(function()
    local t = setmetatable({}, {})
    getmetatable(t).__index = function(x, k) return ("x"):gsub(".", x) end
    return t.x
  end)
  out[5] = try(function()
    local a, b = {}, {}
    setmetatable(a, { __index = b })
    setmetatable(b, { __index = a })
    return a.x
  end)
  return { status = 200, body = table.concat(out, "\n") .. "\n" }
end
--- request eval
["GET /fine", "GET /t", "GET /fine"]
--- response_body eval
["fine 1 nil X nil true\n",
 "C stack overflow\nC stack overflow\nC stack overflow\nC stack overflow\nloop in gettable\n",
 "fine 2 nil X nil true\n"]
--- no_error_log
[error]
[alert]



=== TEST 21: nested coroutines end in "C stack overflow", never a crash
--- http_config
faas_function h html/h.lua memory=64m timeout=1s;
--- config
location /t {
    faas_viewer_request h;
    return 200 "unreached\n";
}
--- user_files
>>> h.lua
return function(event)
  local depth = 0
  local function f()
    depth = depth + 1
    return coroutine.wrap(f)()
  end
  local ok, err = pcall(f)
  return { status = 200, body = tostring(err):gsub("^[^:]*:%d+: ", "")
    .. (depth > 1000 and " deep\n" or " shallow\n") }
end
--- request eval
["GET /fine", "GET /t", "GET /fine"]
--- response_body eval
["fine 1 nil X nil true\n", "C stack overflow deep\n",
 "fine 2 nil X nil true\n"]
--- no_error_log
[error]
[alert]



=== TEST 22: pcall chains and __call = pcall (LuaJIT issue #1048) do not crash
--- http_config
faas_function h html/h.lua timeout=1s;
--- config
location /t {
    faas_viewer_request h;
    return 200 "unreached\n";
}
--- user_files
>>> h.lua
return function(event)
  local out = {}
  for n = 1, 300 do
    local p = {}
    for i = 1, n do p[i] = pcall end
    out[1] = select("#", pcall(unpack(p)))
  end
  local t = setmetatable({}, {})
  getmetatable(t).__call = pcall
  out[2] = tostring(t())
  getmetatable(t).__call = xpcall
  out[3] = tostring(t(error))
  return { status = 200, body = table.concat(out, " ") .. "\n" }
end
--- request eval
["GET /fine", "GET /t", "GET /fine"]
--- response_body eval
["fine 1 nil X nil true\n", "301 true false\n", "fine 2 nil X nil true\n"]
--- no_error_log
[error]
[alert]



=== TEST 23: __tostring = tostring loops in bytecode, so the timeout stops it
--- http_config
faas_function h html/h.lua timeout=20ms;
--- config
location /t {
    faas_viewer_request h;
    return 200 "unreached\n";
}
--- user_files
>>> h.lua
return function(event)
  return { status = 200,
           body = tostring(setmetatable({}, { __tostring = tostring })) }
end
--- request eval
["GET /fine", "GET /t", "GET /fine"]
--- error_code eval
[200, 503, 200]
--- response_body_like eval
["^fine 1 ", "", "^fine 2 "]
--- error_log eval
qr/: fine \d+|failed \(timeout\): (\S+: )?timeout of 20 ms exceeded/
--- grep_error_log eval: qr/failed \([a-z-]+\)/
--- grep_error_log_out eval: qr/^(failed \(timeout\)\n)?$/
--- no_error_log
[alert]



=== TEST 24: a catastrophic pattern ends as a timeout
--- http_config
faas_function h html/h.lua timeout=20ms;
--- config
location /t {
    faas_viewer_request h;
    return 200 "unreached\n";
}
--- user_files
>>> h.lua
return function(event)
  local s = string.rep("a", 3000)
  return { status = 200, body = tostring(s:find(".-.-.-.-b")) }
end
--- request eval
["GET /fine", "GET /t", "GET /fine"]
--- error_code eval
[200, 503, 200]
--- response_body_like eval
["^fine 1 ", "", "^fine 2 "]
--- error_log eval
qr/: fine \d+|failed \(timeout\): (\S+: )?timeout of 20 ms exceeded/
--- grep_error_log eval: qr/failed \([a-z-]+\)/
--- grep_error_log_out eval: qr/^(failed \(timeout\)\n)?$/
--- no_error_log
[alert]



=== TEST 25: the other uninterruptible loops of LuaJIT's library end as timeouts too
--- http_config
faas_function h html/h.lua timeout=50ms memory=32m;
--- config
location /t {
    faas_viewer_request h;
    return 200 "unreached\n";
}
--- user_files
>>> h.lua
return function(event)
  local q = event.Records[1].cf.request.querystring
  if q == "gsub" then
    return { status = 200, body = (string.rep("a", 3000):gsub(".-.-.-.-b", "")) }
  elseif q == "balance" then
    return { status = 200, body = tostring(string.rep("(", 100000):find("%b()")) }
  elseif q == "insert" then
    table.insert({}, -1e9, "x")
  elseif q == "sort" then
    local t = {}
    for i = 1, 1000000 do t[i] = -i end
    table.sort(t)
  elseif q == "concat" then
    local t = {}
    for i = 1, 1000000 do t[i] = "" end
    while true do table.concat(t) end
  end
  return { status = 200, body = "done\n" }
end
--- request eval
["GET /t?gsub", "GET /t?balance", "GET /t?insert", "GET /t?sort",
 "GET /t?concat", "GET /fine"]
--- error_code eval
[503, 503, 503, 503, 503, 200]
--- response_body_like eval
["", "", "", "", "", "^fine 1 "]
--- grep_error_log eval: qr/failed \([a-z-]+\): [^;]*/
--- grep_error_log_out eval: qr/^(failed \(timeout\): (\S+: )?timeout of 50 ms exceeded\n)?$/
--- no_error_log
[alert]



=== TEST 26: honest pattern work on large strings stays fast and right
--- http_config
faas_function h html/h.lua timeout=50ms;
--- config
location /t {
    faas_viewer_request h;
    return 200 "unreached\n";
}
--- user_files
>>> h.lua
return function(event)
  local s = (" "):rep(4000) .. ("word "):rep(20000) .. (" "):rep(4000)
  local trimmed = s:match("^%s*(.-)%s*$")
  local words = 0
  for w in s:gmatch("%a+") do words = words + 1 end
  local replaced, n = s:gsub("word", "w")
  local t = {}
  for i = 1, 20000 do t[i] = (i * 7919) % 20011 end
  table.sort(t)
  return { status = 200, body = table.concat({ #trimmed, words, #replaced,
    n, t[1], t[20000], tostring(s:find("word word", 1, true)) }, " ") .. "\n" }
end
--- request
GET /t
--- response_body
99999 20000 48000 20000 1 20010 4001
--- no_error_log
[error]



=== TEST 27: string.rep past the memory cap is a memory failure, not a crash
--- http_config
faas_function h html/h.lua memory=1m;
--- config
location /t {
    faas_viewer_request h;
    return 200 "unreached\n";
}
--- user_files
>>> h.lua
return function(event)
  local s = ("x"):rep(1e9)
  return { status = 200, body = #s .. "\n" }
end
--- request eval
["GET /fine", "GET /t", "GET /fine"]
--- error_code eval
[200, 503, 200]
--- response_body_like eval
["^fine 1 ", "", "^fine 2 "]
--- error_log eval
qr/: fine \d+|failed \(memory\)/
--- grep_error_log eval: qr/failed \([a-z-]+\)/
--- grep_error_log_out eval: qr/^(failed \(memory\)\n)?$/
--- no_error_log
[alert]



=== TEST 28: format widths, unpack, select, char, byte, tostring and os.date at their edges
--- http_config
faas_function h html/h.lua;
--- config
location /t {
    faas_viewer_request h;
    return 200 "unreached\n";
}
--- user_files
>>> h.lua
local function try(f, ...)
  local r = { pcall(f, ...) }
  if not r[1] then return "E(" .. tostring(r[2]):gsub("^[^:]*:%d+: ", "") .. ")" end
  return tostring(r[2])
end
return function(event)
  local out = {
    try(string.format, "%100d", 1),
    try(string.format, "%.100f", 1),
    #string.format("%99.99f", 1e308),
    try(string.rep, "x", 2^31),
    try(function() return select("#", unpack({}, 1, 1e8)) end),
    try(function() return select("#", unpack({}, -2^31, 2^31 - 1)) end),
    try(select, 2^31, "a"),
    try(select, -2^31, "a"),
    try(string.char, 256),
    try(function() return select("#", string.byte(("x"):rep(1e6), 1, -1)) end),
    tostring(1e309) .. "," .. tostring(-1e309) .. "," .. tostring(2^63),
    os.date("!%", 0), os.date("!%c", 0), type(os.date("*t")),
    tostring(os.date("%Y", 1e300)), os.date("!%Q%Ez", 0),
  }
  return { status = 200, body = table.concat(out, "\n") .. "\n" }
end
--- request
GET /t
--- response_body
E(invalid option '%100' to 'format')
E(invalid option '%.100' to 'format')
409

E(too many results to unpack)
E(too many results to unpack)
E(bad argument #1 to '?' (index out of range))
E(bad argument #1 to '?' (index out of range))
E(bad argument #1 to '?' (invalid value))
E(string slice too long)
inf,-inf,9.2233720368548e+18
%
Thu Jan  1 00:00:00 1970
table
nil
%Q+0000
--- no_error_log
[error]



=== TEST 29: giant tables and table.concat are memory failures
--- http_config
faas_function h html/h.lua memory=2m timeout=1s;
--- config
location /t {
    faas_viewer_request h;
    return 200 "unreached\n";
}
--- user_files
>>> h.lua
return function(event)
  local t = {}
  for i = 1, 40000 do t[i] = "0123456789" end
  local s = table.concat(t, ("-"):rep(100))
  return { status = 200, body = #s .. "\n" }
end
--- request eval
["GET /fine", "GET /t", "GET /fine"]
--- error_code eval
[200, 503, 200]
--- response_body_like eval
["^fine 1 ", "", "^fine 2 "]
--- error_log eval
qr/: fine \d+|failed \(memory\)/
--- grep_error_log eval: qr/failed \([a-z-]+\)/
--- grep_error_log_out eval: qr/^(failed \(memory\)\n)?$/
--- no_error_log
[alert]



=== TEST 30: a header key with CR/LF is refused, and logged on one line
--- http_config
faas_function h html/h.lua;
--- config
location /t {
    faas_viewer_request h;
    return 200 "unreached\n";
}
--- user_files
>>> h.lua
return function(event)
  return { status = 200, headers = {
    ["a*set-cookie"] = {{ key = "a\nset-cookie", value = "x" }} } }
end
--- request eval
["GET /fine", "GET /t", "GET /fine"]
--- error_code eval
[200, 502, 200]
--- response_body_like eval
["^fine 1 ", "", "^fine 2 "]
--- response_headers eval
["", "!Set-Cookie", ""]
--- error_log eval
qr/: fine \d+|failed \(bad-return\): headers\["a\*set-cookie"\]\[1\]\.key "a\\nset-cookie" does not match its name/
--- grep_error_log eval: qr/failed \([a-z-]+\)/
--- grep_error_log_out eval: qr/^(failed \(bad-return\)\n)?$/
--- no_error_log
[alert]



=== TEST 31: one function cannot see or change another's globals, methods or random state
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
  hostile = "writer"
  string.hostile = "writer"
  string.upper = function() return "hijacked" end
  setmetatable(_G, { __index = function() return "trap" end })
  math.randomseed(42)
  local first, second = math.random(1e9), math.random(1e9)
  math.randomseed(42)
  math.random(1e9)
  local request = event.Records[1].cf.request
  request.headers["x-second"] = {{ value = tostring(second) }}
  return request
end
>>> reader.lua
return function(event)
  local second = event.Records[1].cf.request.headers["x-second"][1].value
  local mine = tostring(math.random(1e9))
  return { status = 200, body = table.concat({ tostring(hostile),
    tostring(string.hostile), ("x"):upper(), tostring(undefined_global),
    mine == second and "shared random" or "own random" }, " ") .. "\n" }
end
--- request eval
["GET /t", "GET /fine"]
--- response_body eval
["nil nil X nil own random\n", "fine 1 nil X nil true\n"]
--- no_error_log
[error]
