# Every failure class ends the invocation with a 5xx (or passes with
# faas_on_error pass), logs one line with function, event, request id,
# class and a short traceback, and never takes the worker down.

use Test::Nginx::Socket 'no_plan';

run_tests();

__DATA__

=== TEST 1: a runtime error, with its traceback
--- http_config
faas_function boom html/boom.lua;
--- config
location /t {
    faas_viewer_request boom;
    return 200 "unreached\n";
}
--- user_files
>>> boom.lua
local function inner() error("kaput") end
return function(event)
  inner()
end
--- request
GET /t
--- error_code: 502
--- error_log eval
qr/\[error\] .*faas: function "boom" in viewer-request, request_id=[0-9a-f]{32}: failed \(runtime\): \S+boom.lua:1: kaput; traceback: \S+boom.lua:1 < \S+boom.lua:3/



=== TEST 2: faas_on_error pass continues with the request unchanged
--- http_config
faas_function boom html/boom.lua;
--- config
location /t {
    faas_on_error pass;
    faas_viewer_request boom;
    return 200 "passed uri=$uri\n";
}
--- user_files
>>> boom.lua
return function(event)
  event.Records[1].cf.request.uri = "/changed"
  error("kaput")
end
--- request
GET /t
--- response_body
passed uri=/t
--- error_log
failed (runtime)



=== TEST 3: a timeout, and pcall cannot swallow the kill
--- http_config
faas_function spin html/spin.lua timeout=20ms;
--- config
location /t {
    faas_viewer_request spin;
    return 200 "unreached\n";
}
--- user_files
>>> spin.lua
return function(event)
  while true do
    pcall(function() while true do end end)
  end
end
--- request
GET /t
--- error_code: 503
--- error_log
failed (timeout): timeout of 20 ms exceeded



=== TEST 4: the instruction budget
--- http_config
faas_function count html/count.lua instructions=100000 timeout=1s;
--- config
location /t {
    faas_viewer_request count;
    return 200 "unreached\n";
}
--- user_files
>>> count.lua
return function(event)
  local n = 0
  for i = 1, 1e7 do n = n + i end
end
--- request
GET /t
--- error_code: 503
--- error_log
failed (timeout): instruction budget of 100000 exceeded



=== TEST 5: out of memory recycles the state; the next request is a cold start
--- http_config
faas_function hog html/hog.lua memory=1m timeout=1s;
--- config
location /t {
    faas_viewer_request hog;
    return 200 "unreached\n";
}
--- user_files
>>> hog.lua
local kept = {}
return function(event, context)
  if event.Records[1].cf.request.querystring == "hog" then
    for i = 1, 1e7 do kept[i] = string.rep("x", 64) .. i end
  end
  return { status = 200, body = "cold=" .. tostring(context.cold_start) .. "\n" }
end
--- request eval
["GET /t", "GET /t", "GET /t?hog", "GET /t"]
--- error_code eval
[200, 200, 503, 200]
--- response_body_like eval
["cold=true", "cold=false", "function error|Service", "cold=true"]
--- no_error_log
[alert]



=== TEST 6: out of memory is logged with its class
--- http_config
faas_function hog html/hog.lua memory=1m timeout=1s;
--- config
location /t {
    faas_viewer_request hog;
    return 200 "unreached\n";
}
--- user_files
>>> hog.lua
return function(event)
  local kept = {}
  for i = 1, 1e7 do kept[i] = string.rep("x", 64) .. i end
end
--- request
GET /t
--- error_code: 503
--- error_log
failed (memory)



=== TEST 7: a sandbox violation is sticky
--- http_config
faas_function escape html/escape.lua;
--- config
location /t {
    faas_viewer_request escape;
    return 200 "unreached\n";
}
--- user_files
>>> escape.lua
return function(event, context)
  pcall(rawset, faas.env, "X", "y")
  return { status = 200, body = "escaped\n" }
end
--- request
GET /t
--- error_code: 502
--- error_log
failed (sandbox): rawset on a protected table



=== TEST 8: a bad return value
--- http_config
faas_function bad html/bad.lua;
--- config
location /t {
    faas_viewer_request bad;
    return 200 "unreached\n";
}
--- user_files
>>> bad.lua
return function(event) return 42 end
--- request
GET /t
--- error_code: 502
--- error_log
failed (bad-return): the handler must return the request, a response or nil, not number



=== TEST 9: a status outside 100-599
--- http_config
faas_function bad html/bad.lua;
--- config
location /t {
    faas_viewer_request bad;
    return 200 "unreached\n";
}
--- user_files
>>> bad.lua
return function(event) return { status = 999 } end
--- request
GET /t
--- error_code: 502
--- error_log
response.status must be a number from 100 to 599, not "999"



=== TEST 10: CR/LF in a header value is refused, never injected
--- http_config
faas_function inject html/inject.lua;
--- config
location /t {
    faas_viewer_request inject;
    return 200 "unreached\n";
}
--- user_files
>>> inject.lua
return function(event)
  return { status = 200, headers = {
    ["x-a"] = {{ value = "a\r\nSet-Cookie: admin=1" }} } }
end
--- request
GET /t
--- error_code: 502
--- response_headers
!Set-Cookie
!X-A
--- error_log
header "x-a" has a control character (CR, LF, NUL ...) in its value



=== TEST 11: an invalid header name is refused
--- http_config
faas_function name html/name.lua;
--- config
location /t {
    faas_viewer_request name;
    return 200 "unreached\n";
}
--- user_files
>>> name.lua
return function(event)
  local request = event.Records[1].cf.request
  request.headers["x bad:name"] = {{ value = "1" }}
  return request
end
--- request
GET /t
--- error_code: 502
--- error_log
invalid header name "x bad:name"



=== TEST 12: headers nginx owns are refused in viewer-request
--- http_config
faas_function owned html/owned.lua;
--- config
location /t {
    faas_viewer_request owned;
    return 200 "unreached\n";
}
--- user_files
>>> owned.lua
return function(event)
  local request = event.Records[1].cf.request
  request.headers["transfer-encoding"] = {{ value = "chunked" }}
  return request
end
--- request
GET /t
--- error_code: 502
--- error_log
header "transfer-encoding" is owned by nginx in viewer-request



=== TEST 13: Host is read-only in viewer-request
--- http_config
faas_function host html/host.lua;
--- config
location /t {
    faas_viewer_request host;
    return 200 "unreached\n";
}
--- user_files
>>> host.lua
return function(event)
  local request = event.Records[1].cf.request
  request.headers.host = {{ key = "Host", value = "evil.example" }}
  return request
end
--- request
GET /t
--- error_code: 502
--- error_log
header "host" is read-only in viewer-request



=== TEST 14: the method is read-only
--- http_config
faas_function method html/method.lua;
--- config
location /t {
    faas_viewer_request method;
    return 200 "unreached\n";
}
--- user_files
>>> method.lua
return function(event)
  local request = event.Records[1].cf.request
  request.method = "DELETE"
  return request
end
--- request
GET /t
--- error_code: 502
--- error_log
request.method is read-only in viewer-request



=== TEST 15: an invalid uri is refused
--- http_config
faas_function uri html/uri.lua;
--- config
location /t {
    faas_viewer_request uri;
    return 200 "unreached\n";
}
--- user_files
>>> uri.lua
return function(event)
  local request = event.Records[1].cf.request
  request.uri = "no-slash"
  return request
end
--- request
GET /t
--- error_code: 502
--- error_log
invalid request.uri "no-slash"



=== TEST 16: an error object with a looping __tostring is not run
--- http_config
faas_function obj html/obj.lua;
--- config
location /t {
    faas_viewer_request obj;
    return 200 "unreached\n";
}
--- user_files
>>> obj.lua
return function(event)
  error(setmetatable({}, { __tostring = function() while true do end end }))
end
--- request
GET /t
--- error_code: 502
--- error_log
failed (runtime): (error object is a table value)



=== TEST 17: the worker survives and other functions keep working
--- http_config
faas_function hog html/hog.lua memory=1m timeout=1s;
faas_function fine html/fine.lua;
--- config
location /hog {
    faas_viewer_request hog;
    return 200 "unreached\n";
}
location /fine {
    faas_viewer_request fine;
    return 200 "unreached\n";
}
--- user_files
>>> hog.lua
return function(event)
  local t = {}
  for i = 1, 1e8 do t[i] = i end
end
>>> fine.lua
local calls = 0
return function(event)
  calls = calls + 1
  return { status = 200, body = "fine " .. calls .. "\n" }
end
--- request eval
["GET /fine", "GET /hog", "GET /fine"]
--- error_code eval
[200, 503, 200]
--- response_body_like eval
["fine 1", "", "fine 2"]
--- no_error_log
[alert]
[crit]
