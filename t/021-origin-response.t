# origin-response: runs in the header filter on what the content phase
# produced (the origin), before viewer-response; it may change headers,
# the status and the body.  Bad returns are a 5xx and one log line, and
# nothing a function returns reaches the client as a header it injected.

use Test::Nginx::Socket 'no_plan';

run_tests();

__DATA__

=== TEST 1: headers of the origin's response changed
--- http_config
faas_function fix html/fix.lua;
--- config
location /t {
    faas_origin_response fix;
    proxy_pass http://127.0.0.1:$server_port/origin;
}
location /origin {
    add_header X-Powered-By "PHP/5.1";
    add_header Cache-Control "no-cache";
    return 200 "origin body\n";
}
--- user_files
>>> fix.lua
return function(event)
  local cf = event.Records[1].cf
  local response = cf.response
  response.headers["x-powered-by"] = nil
  response.headers["cache-control"] = {{ key = "Cache-Control",
                                          value = "max-age=60" }}
  response.headers["x-event"] = {{ value = cf.config.eventType .. " "
                                   .. response.status }}
  return response
end
--- request
GET /t
--- response_headers
Cache-Control: max-age=60
X-Powered-By:
X-Event: origin-response 200
--- response_body
origin body
--- no_error_log
[error]



=== TEST 2: an origin error turned into a 200 with a static body (Lambda@Edge's example)
--- http_config
faas_function custom html/custom.lua;
--- config
location /t {
    faas_origin_response custom;
    proxy_pass http://127.0.0.1:$server_port/origin;
}
location /origin {
    return 503 "origin is down, a long error page nobody should see\n";
}
--- user_files
>>> custom.lua
return function(event)
  local response = event.Records[1].cf.response
  if tonumber(response.status) >= 400 then
    response.status = 200
    response.statusDescription = "OK"
    response.headers["content-type"] = {{ value = "text/html" }}
    response.body = "<p>We are back soon.</p>\n"
  end
  return response
end
--- request
GET /t
--- error_code: 200
--- response_headers
Content-Type: text/html
Content-Length: 25
--- response_body
<p>We are back soon.</p>
--- no_error_log
[error]



=== TEST 3: a status and a description of the function's own
--- http_config
faas_function gone html/gone.lua;
--- config
location /t {
    faas_origin_response gone;
    proxy_pass http://127.0.0.1:$server_port/origin;
}
location /origin {
    return 200 "here\n";
}
--- user_files
>>> gone.lua
return function(event)
  local response = event.Records[1].cf.response
  response.status = "410"
  response.statusDescription = "Gone Fishing"
  response.body = ""
  return response
end
--- request
GET /t
--- raw_response_headers_like eval
qr{^HTTP/1\.1 410 Gone Fishing\r\n}
--- error_code: 410
--- response_body
--- no_error_log
[error]



=== TEST 4: before viewer-response, which sees what it changed
--- http_config
faas_function origin html/origin.lua;
faas_function viewer html/viewer.lua;
--- config
location /t {
    faas_origin_response origin;
    faas_viewer_response viewer;
    proxy_pass http://127.0.0.1:$server_port/origin;
}
location /origin {
    return 404 "missing\n";
}
--- user_files
>>> origin.lua
return function(event)
  local response = event.Records[1].cf.response
  response.headers["x-origin"] = {{ value = "seen " .. response.status }}
  response.status = 200
  return response
end
>>> viewer.lua
return function(event)
  local response = event.Records[1].cf.response
  response.headers["x-viewer"] = {{ value = response.headers["x-origin"][1].value
                                            .. " then " .. response.status }}
  return response
end
--- request
GET /t
--- error_code: 200
--- response_headers
X-Viewer: seen 404 then 200
--- no_error_log
[error]



=== TEST 5: the origin is what the content phase produced: a static file yes, a rewrite-phase return no
--- http_config
faas_function mark html/mark.lua;
--- config
location /static/ {
    alias html/;
    faas_origin_response mark;
}
location /ret {
    faas_origin_response mark;
    return 200 "returned\n";
}
--- user_files
>>> mark.lua
return function(event)
  local response = event.Records[1].cf.response
  response.headers["x-origin-response"] = {{ value = "ran" }}
  return response
end
>>> file.txt
a file
--- request eval
["GET /static/file.txt", "GET /ret"]
--- response_headers eval
["X-Origin-Response: ran", "X-Origin-Response:"]
--- response_body eval
["a file\n", "returned\n"]
--- no_error_log
[error]



=== TEST 6: viewer-response cannot change the status (origin-response can: TEST 3)
--- http_config
faas_function status html/status.lua;
--- config
location /v {
    faas_viewer_response status;
    proxy_pass http://127.0.0.1:$server_port/origin;
}
location /origin {
    return 200 "origin\n";
}
--- user_files
>>> status.lua
return function(event)
  local response = event.Records[1].cf.response
  response.status = 202
  return response
end
--- request
GET /v
--- error_code: 502
--- error_log
viewer-response cannot change response.status



=== TEST 7: a status outside 100-599: 502 and one log line
--- http_config
faas_function bad html/bad.lua;
--- config
location /t {
    faas_origin_response bad;
    proxy_pass http://127.0.0.1:$server_port/origin;
}
location /origin {
    return 200 "origin\n";
}
--- user_files
>>> bad.lua
return function(event)
  local response = event.Records[1].cf.response
  response.status = 600
  return response
end
--- request
GET /t
--- error_code: 502
--- response_body_like eval
qr/502 function error/
--- error_log eval
qr/\[error\] .*faas: function "bad" in origin-response, request_id=\w+: failed \(bad-return\): response.status must be a number from 100 to 599, not "600"/



=== TEST 8: CR/LF in a header value: 502, and no header injected
--- http_config
faas_function inject html/inject.lua;
--- config
location /t {
    faas_origin_response inject;
    proxy_pass http://127.0.0.1:$server_port/origin;
}
location /origin {
    return 200 "origin\n";
}
--- user_files
>>> inject.lua
return function(event)
  local response = event.Records[1].cf.response
  response.headers["x-a"] = {{ value = "a\r\nSet-Cookie: stolen=1" }}
  return response
end
--- request
GET /t
--- error_code: 502
--- response_headers
Set-Cookie:
X-A:
--- error_log
header "x-a" has a control character (CR, LF, NUL ...) in its value



=== TEST 9: an invalid header name: 502 and one log line
--- http_config
faas_function name html/name.lua;
--- config
location /t {
    faas_origin_response name;
    proxy_pass http://127.0.0.1:$server_port/origin;
}
location /origin {
    return 200 "origin\n";
}
--- user_files
>>> name.lua
return function(event)
  local response = event.Records[1].cf.response
  response.headers["x-a: b\r\nx-c"] = {{ value = "v" }}
  return response
end
--- request
GET /t
--- error_code: 502
--- error_log eval
qr/failed \(bad-return\): invalid header name "x-a: b\\r\\nx-c"/



=== TEST 10: a body over faas_response_max: 502 and one log line
--- http_config
faas_function big html/big.lua;
--- config
location /t {
    faas_response_max 16;
    faas_origin_response big;
    proxy_pass http://127.0.0.1:$server_port/origin;
}
location /origin {
    return 200 "origin\n";
}
--- user_files
>>> big.lua
return function(event)
  local response = event.Records[1].cf.response
  response.body = string.rep("x", 17)
  return response
end
--- request
GET /t
--- error_code: 502
--- error_log
the response body of 17 bytes is larger than the limit of 16 bytes



=== TEST 11: Content-Length belongs to nginx in origin-response
--- http_config
faas_function cl html/cl.lua;
--- config
location /t {
    faas_origin_response cl;
    proxy_pass http://127.0.0.1:$server_port/origin;
}
location /origin {
    return 200 "origin\n";
}
--- user_files
>>> cl.lua
return function(event)
  local response = event.Records[1].cf.response
  response.headers["content-length"] = {{ value = "1000" }}
  return response
end
--- request
GET /t
--- error_code: 502
--- error_log
header "content-length" is read-only in origin-response



=== TEST 12: faas_on_error pass keeps the origin's response
--- http_config
faas_function boom html/boom.lua;
--- config
location /t {
    faas_on_error pass;
    faas_origin_response boom;
    proxy_pass http://127.0.0.1:$server_port/origin;
}
location /origin {
    return 200 "origin\n";
}
--- user_files
>>> boom.lua
return function(event) error("kaput") end
--- request
GET /t
--- response_body
origin
--- error_log
failed (runtime)
