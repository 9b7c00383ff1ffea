# faas_content: a function is the location's content handler (the API
# gateway case).  It gets the request event (eventType "content") and
# must return a response; origin-request runs before it, origin-response
# and viewer-response after.

use Test::Nginx::Socket 'no_plan';

run_tests();

__DATA__

=== TEST 1: a JSON API answered by a function
--- http_config
faas_function api html/api.lua;
--- config
location /api/ {
    faas_content api;
}
--- user_files
>>> api.lua
local calls = 0
return function(event, context)
  calls = calls + 1
  local request = event.Records[1].cf.request
  return {
    status = 200,
    headers = { ["content-type"] = {{ value = "application/json" }} },
    body = faas.json.encode({ uri = request.uri, args = request.querystring,
      method = request.method,
      event = event.Records[1].cf.config.eventType,
      context = context.event_type }) .. "\n"
  }
end
--- request
GET /api/users?id=7
--- response_headers
Content-Type: application/json
--- response_body_like eval
qr/^\{(?=.*"uri":"\/api\/users")(?=.*"args":"id=7")(?=.*"method":"GET")(?=.*"event":"content")(?=.*"context":"content").*\}\n$/
--- no_error_log
[error]



=== TEST 2: a POST body with faas_body
--- http_config
faas_function echo html/echo.lua;
--- config
location /api/ {
    faas_body 64k;
    faas_content echo;
}
--- user_files
>>> echo.lua
return function(event)
  local request = event.Records[1].cf.request
  local body = faas.crypto.base64_decode(request.body.data)
  return { status = 201, body = request.method .. " " .. body .. " "
           .. tostring(request.body.inputTruncated) .. "\n" }
end
--- request
POST /api/items
{"name":"x"}
--- error_code: 201
--- response_body
POST {"name":"x"} false
--- no_error_log
[error]



=== TEST 3: origin-request before, origin-response and viewer-response after
--- http_config
faas_function auth html/auth.lua;
faas_function api html/api.lua;
faas_function origin html/origin.lua;
faas_function viewer html/viewer.lua;
--- config
location /api/ {
    faas_origin_request auth;
    faas_content api;
    faas_origin_response origin;
    faas_viewer_response viewer;
}
--- user_files
>>> auth.lua
return function(event)
  local request = event.Records[1].cf.request
  if not request.headers.authorization then
    return { status = 401, body = "no\n" }
  end
  request.headers["x-user"] = {{ value = "alice" }}
  return request
end
>>> api.lua
return function(event)
  local request = event.Records[1].cf.request
  return { status = 200, body = "hello " .. request.headers["x-user"][1].value .. "\n" }
end
>>> origin.lua
return function(event)
  local response = event.Records[1].cf.response
  response.headers["cache-control"] = {{ value = "max-age=5" }}
  return response
end
>>> viewer.lua
return function(event)
  local response = event.Records[1].cf.response
  response.headers["x-viewer"] = {{ value = response.status }}
  return response
end
--- request eval
["GET /api/me", "GET /api/me"]
--- more_headers eval
["Authorization: Bearer x", ""]
--- error_code eval
[200, 401]
--- response_headers eval
["Cache-Control: max-age=5\nX-Viewer: 200", "Cache-Control:\nX-Viewer: 401"]
--- response_body eval
["hello alice\n", "no\n"]
--- no_error_log
[error]



=== TEST 4: returning nothing is a 502 and one log line
--- http_config
faas_function none html/none.lua;
--- config
location /api/ {
    faas_content none;
}
--- user_files
>>> none.lua
return function(event) end
--- request
GET /api/x
--- error_code: 502
--- error_log eval
qr/\[error\] .*faas: function "none" in content, request_id=\w+: failed \(bad-return\): a content function must return a response, not nil/



=== TEST 5: a body over faas_response_max is a 502; the default cap is 1 MiB
--- http_config
faas_function big html/big.lua;
--- config
location /small/ {
    faas_response_max 1k;
    faas_content big;
}
--- user_files
>>> big.lua
return function(event)
  return { status = 200, body = string.rep("x", 1025) }
end
--- request
GET /small/x
--- error_code: 502
--- error_log
the response body of 1025 bytes is larger than the limit of 1024 bytes



=== TEST 6: the default cap: 1 MiB passes, one byte more does not
--- http_config
faas_function big html/big.lua;
--- config
location /api/ {
    faas_content big;
}
--- user_files
>>> big.lua
return function(event)
  local n = 1024 * 1024 + (event.Records[1].cf.request.querystring == "over" and 1 or 0)
  return { status = 200, body = string.rep("x", n) }
end
--- request eval
["GET /api/x", "GET /api/x?over"]
--- error_code eval
[200, 502]
--- response_headers eval
["Content-Length: 1048576", "Content-Type: text/html"]



=== TEST 7: a base64 body (binary API responses)
--- http_config
faas_function bin html/bin.lua;
--- config
location /api/ {
    faas_content bin;
}
--- user_files
>>> bin.lua
return function(event)
  return { status = 200, bodyEncoding = "base64", body = "aGVsbG8K",
           headers = { ["content-type"] = {{ value = "application/octet-stream" }} } }
end
--- request
GET /api/x
--- response_headers
Content-Type: application/octet-stream
--- response_body
hello
--- no_error_log
[error]



=== TEST 8: faas_content and proxy_pass in one location stop nginx -t
--- http_config
faas_function api html/api.lua;
--- config
location /api/ {
    faas_content api;
    proxy_pass http://127.0.0.1:$server_port;
}
--- user_files
>>> api.lua
return function(event) return { status = 200 } end
--- must_die
--- error_log
"faas_content" and another content handler (proxy_pass, fastcgi_pass ...) in location "/api/"



=== TEST 9: auth_request to a content function
--- http_config
faas_function check html/check.lua;
--- config
location /private/ {
    auth_request /auth;
    alias html/;
}
location = /auth {
    internal;
    faas_content check;
}
--- user_files
>>> check.lua
return function(event)
  local request = event.Records[1].cf.request
  local token = request.headers["x-token"]
  return { status = (token and token[1].value == "ok") and 204 or 403 }
end
>>> secret.txt
secret
--- request eval
["GET /private/secret.txt", "GET /private/secret.txt"]
--- more_headers eval
["X-Token: ok", "X-Token: bad"]
--- error_code eval
[200, 403]
--- no_error_log
[error]



=== TEST 10: an empty generated body that origin-response fills in
--- http_config
faas_function empty html/empty.lua;
faas_function fill html/fill.lua;
--- config
location /api/ {
    faas_content empty;
    faas_origin_response fill;
}
--- user_files
>>> empty.lua
return function(event) return { status = 404 } end
>>> fill.lua
return function(event)
  local response = event.Records[1].cf.response
  response.status = 200
  response.body = "filled in\n"
  return response
end
--- request
GET /api/x
--- error_code: 200
--- response_headers
Content-Length: 10
--- response_body
filled in
--- no_error_log
[error]
[alert]
