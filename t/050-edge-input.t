# Bad input at the edge: oversized and malformed headers stop in nginx
# with a 4xx before any function runs; invalid UTF-8 and 10,000 headers
# reach handlers byte for byte; nothing crashes or logs worse than info.
# (The 1 GiB body is t/051-big-body.t.)

use Test::Nginx::Socket 'no_plan';

run_tests();

__DATA__

=== TEST 1: a header line longer than large_client_header_buffers: 400, no function
--- http_config
faas_function seen html/seen.lua;
faas_function vr html/vr.lua timeout=1s;
--- config
faas_viewer_response vr;
location /t {
    faas_viewer_request seen;
    return 200 "unreached\n";
}
--- user_files
>>> seen.lua
return function(event)
  faas.log.error("the function ran")
end
>>> vr.lua
-- viewer-response runs on error pages too: here on a request nginx
-- refused half-read
return function(event)
  local cf = event.Records[1].cf
  local n = 0
  for _ in pairs(cf.request.headers) do n = n + 1 end
  cf.response.headers["x-vr"] = {{ value = cf.request.method .. " "
    .. tostring(cf.request.uri) .. " " .. n .. " " .. cf.response.status }}
  return cf.response
end
--- request
GET /t
--- more_headers eval
"X-Big: " . ("a" x 9000)
--- error_code: 400
--- response_body_like: Request Header Or Cookie Too Large
--- response_headers_like
X-VR: ^GET /t \d+ 400$
--- no_error_log
the function ran
[crit]
[alert]



=== TEST 2: malformed header line, a space in the header name: 400, no viewer-request, viewer-response runs
--- http_config
faas_function seen html/seen.lua;
faas_function vr html/vr.lua timeout=1s;
--- config
faas_viewer_response vr;
location /t {
    faas_viewer_request seen;
    return 200 "unreached\n";
}
--- user_files
>>> seen.lua
return function(event)
  faas.log.error("the function ran")
end
>>> vr.lua
-- viewer-response runs on error pages too: here on a request nginx
-- refused half-read
return function(event)
  local cf = event.Records[1].cf
  local n = 0
  for _ in pairs(cf.request.headers) do n = n + 1 end
  cf.response.headers["x-vr"] = {{ value = cf.request.method .. " "
    .. tostring(cf.request.uri) .. " " .. n .. " " .. cf.response.status }}
  return cf.response
end
--- raw_request eval
"GET /t HTTP/1.1\r\nHost: localhost\r\nX Bad: 1\r\nConnection: close\r\n\r\n"
--- error_code: 400
--- response_headers_like
X-VR: ^GET /t \d+ 400$
--- no_error_log
the function ran
[crit]
[alert]



=== TEST 3: malformed header line, a NUL in a header value: 400, no viewer-request, viewer-response runs
--- http_config
faas_function seen html/seen.lua;
faas_function vr html/vr.lua timeout=1s;
--- config
faas_viewer_response vr;
location /t {
    faas_viewer_request seen;
    return 200 "unreached\n";
}
--- user_files
>>> seen.lua
return function(event)
  faas.log.error("the function ran")
end
>>> vr.lua
-- viewer-response runs on error pages too: here on a request nginx
-- refused half-read
return function(event)
  local cf = event.Records[1].cf
  local n = 0
  for _ in pairs(cf.request.headers) do n = n + 1 end
  cf.response.headers["x-vr"] = {{ value = cf.request.method .. " "
    .. tostring(cf.request.uri) .. " " .. n .. " " .. cf.response.status }}
  return cf.response
end
--- raw_request eval
"GET /t HTTP/1.1\r\nHost: localhost\r\nX-Nul: a\0b\r\nConnection: close\r\n\r\n"
--- error_code: 400
--- response_headers_like
X-VR: ^GET /t \d+ 400$
--- no_error_log
the function ran
[crit]
[alert]



=== TEST 4: malformed header line, a bare CR in a value: 400, no viewer-request, viewer-response runs
--- http_config
faas_function seen html/seen.lua;
faas_function vr html/vr.lua timeout=1s;
--- config
faas_viewer_response vr;
location /t {
    faas_viewer_request seen;
    return 200 "unreached\n";
}
--- user_files
>>> seen.lua
return function(event)
  faas.log.error("the function ran")
end
>>> vr.lua
-- viewer-response runs on error pages too: here on a request nginx
-- refused half-read
return function(event)
  local cf = event.Records[1].cf
  local n = 0
  for _ in pairs(cf.request.headers) do n = n + 1 end
  cf.response.headers["x-vr"] = {{ value = cf.request.method .. " "
    .. tostring(cf.request.uri) .. " " .. n .. " " .. cf.response.status }}
  return cf.response
end
--- raw_request eval
"GET /t HTTP/1.1\r\nHost: localhost\r\nX-Cr: a\rb\r\nConnection: close\r\n\r\n"
--- error_code: 400
--- response_headers_like
X-VR: ^GET /t \d+ 400$
--- no_error_log
the function ran
[crit]
[alert]



=== TEST 5: headers nginx ignores (underscores, invalid names) do not reach the handler
--- http_config
faas_function names html/names.lua;
--- config
location /t {
    faas_viewer_request names;
    return 200 "unreached\n";
}
--- user_files
>>> names.lua
return function(event)
  local names = {}
  for name in pairs(event.Records[1].cf.request.headers) do
    names[#names + 1] = name
  end
  table.sort(names)
  return { status = 200, body = table.concat(names, " ") .. "\n" }
end
--- raw_request eval
"GET /t HTTP/1.1\r\nHost: localhost\r\nX_Under: 1\r\nX\@At: 2\r\nX-Fine: 3\r\nConnection: close\r\n\r\n"
--- response_body
connection host x-fine
--- no_error_log
[error]



=== TEST 6: invalid UTF-8 in the uri, the query string and a header reaches the handler byte for byte, and back
--- http_config
faas_function bytes html/bytes.lua;
--- config
location /t {
    faas_viewer_request bytes;
    proxy_pass http://127.0.0.1:$server_port;
}
location /origin/ {
    return 200 "origin: [$http_x_copy] [$uri] [$args]\n";
}
--- user_files
>>> bytes.lua
local function hex(s)
  return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end))
end
return function(event)
  local request = event.Records[1].cf.request
  local raw = request.headers["x-raw"][1].value
  local json = faas.json.encode({ uri = request.uri, raw = raw })
  local back = faas.json.decode(json)
  faas.log.info("uri ", hex(request.uri), " qs ", hex(request.querystring),
                " raw ", hex(raw), " json round trip ",
                tostring(back.uri == request.uri and back.raw == raw))
  request.headers["x-copy"] = {{ key = "X-Copy", value = raw .. "\xc3" }}
  request.uri = "/origin" .. request.uri
  request.querystring = request.querystring .. "\xfe"
  return request
end
--- raw_request eval
"GET /t/\xff\xfe%C3%28?q=\xc3\x28 HTTP/1.1\r\nHost: localhost\r\nX-Raw: a\xed\xa0\x80z\r\nConnection: close\r\n\r\n"
--- response_body eval
"origin: [a\xed\xa0\x80z\xc3] [/origin/t/\xff\xfe\xc3\x28] [q=\xc3\x28\xfe]\n"
--- error_log eval
"uri 2f742ffffec328 qs 713dc328 raw 61eda0807a json round trip true"
--- no_error_log
[error]



=== TEST 7: 10,000 headers with the default limits: 400, no function
--- http_config
faas_function seen html/seen.lua;
faas_function vr html/vr.lua timeout=1s;
--- config
faas_viewer_response vr;
location /t {
    faas_viewer_request seen;
    return 200 "unreached\n";
}
--- user_files
>>> seen.lua
return function(event)
  faas.log.error("the function ran")
end
>>> vr.lua
-- viewer-response runs on error pages too: here on a request nginx
-- refused half-read
return function(event)
  local cf = event.Records[1].cf
  local n = 0
  for _ in pairs(cf.request.headers) do n = n + 1 end
  cf.response.headers["x-vr"] = {{ value = cf.request.method .. " "
    .. tostring(cf.request.uri) .. " " .. n .. " " .. cf.response.status }}
  return cf.response
end
--- request
GET /t
--- more_headers eval
CORE::join "\n", map { "X-H-$_: v$_" } 1 .. 10000
--- error_code: 400
--- response_headers_like
X-VR: ^GET /t \d+ 400$
--- no_error_log
the function ran
[crit]
[alert]



=== TEST 8: 10,000 headers within the limits reach the handler, which changes one
--- http_config
faas_function count html/count.lua timeout=5s;
--- config
large_client_header_buffers 64 8k;
max_headers 10100;
location /t {
    faas_viewer_request count;
    proxy_pass http://127.0.0.1:$server_port/origin;
}
location /origin {
    return 200 "origin: x-h-1=$http_x_h_1 x-h-9999=$http_x_h_9999 x-h-10000=$http_x_h_10000\n";
}
--- user_files
>>> count.lua
return function(event)
  local request = event.Records[1].cf.request
  local n = 0
  for name, list in pairs(request.headers) do
    if name:sub(1, 4) == "x-h-" and list[1].value == "v" .. name:sub(5) then
      n = n + 1
    end
  end
  faas.log.info("x-h- headers: ", n)
  request.headers["x-h-1"] = {{ key = "X-H-1", value = "changed" }}
  request.headers["x-h-10000"] = nil
  return request
end
--- request
GET /t
--- more_headers eval
CORE::join "\n", map { "X-H-$_: v$_" } 1 .. 10000
--- response_body
origin: x-h-1=changed x-h-9999=v9999 x-h-10000=
--- error_log
x-h- headers: 10000
--- no_error_log
[error]



=== TEST 9: within the default limits (990 headers), a handler rewrites every header
--- http_config
faas_function upper html/upper.lua timeout=1s;
--- config
location /t {
    faas_viewer_request upper;
    proxy_pass http://127.0.0.1:$server_port/origin;
}
location /origin {
    return 200 "origin: x-h-1=$http_x_h_1 x-h-990=$http_x_h_990 host=$http_host\n";
}
--- user_files
>>> upper.lua
return function(event)
  local request = event.Records[1].cf.request
  for name, list in pairs(request.headers) do
    if name:sub(1, 4) == "x-h-" then
      list[1].value = list[1].value:upper()
    end
  end
  return request
end
--- request
GET /t
--- more_headers eval
CORE::join "\n", map { "X-H-$_: v$_" } 1 .. 990
--- response_body
origin: x-h-1=V1 x-h-990=V990 host=127.0.0.1:$TEST_NGINX_SERVER_PORT
--- no_error_log
[error]
