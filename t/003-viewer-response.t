# viewer-response: every response going to the client, error pages
# included; headers may change, the status may not.

use Test::Nginx::Socket 'no_plan';

run_tests();

__DATA__

=== TEST 1: security headers added, Server removed
--- http_config
faas_function security html/security.lua;
--- config
location /t {
    faas_viewer_response security;
    return 200 "page\n";
}
--- user_files
>>> security.lua
return function(event)
  local response = event.Records[1].cf.response
  local h = response.headers
  h["strict-transport-security"] = {{ key = "Strict-Transport-Security",
                                      value = "max-age=63072000; includeSubDomains" }}
  h["x-content-type-options"] = {{ key = "X-Content-Type-Options", value = "nosniff" }}
  h["x-frame-options"] = {{ key = "X-Frame-Options", value = "DENY" }}
  h["server"] = nil
  return response
end
--- request
GET /t
--- response_body
page
--- response_headers
Strict-Transport-Security: max-age=63072000; includeSubDomains
X-Content-Type-Options: nosniff
X-Frame-Options: DENY
!Server
--- no_error_log
[error]



=== TEST 2: the handler sees status, content type and add_header headers, each read by name (those nginx adds itself too)
--- http_config
faas_function echo html/echo.lua;
--- config
location /t {
    add_header X-From-Config yes;
    add_header x-from-config again;
    faas_viewer_response echo;
    return 200 "page\n";
}
--- user_files
>>> echo.lua
return function(event)
  local response = event.Records[1].cf.response
  local h = response.headers
  h["x-seen"] = {{ key = "X-Seen", value = table.concat({
    response.status, response.statusDescription,
    h["content-type"][1].value, h["x-from-config"][1].value,
    h["x-from-config"][2].key, #h["x-from-config"],
    tostring(h["x-none"]), h.server[1].value:match("^nginx") or "?",
    h["content-length"][1].value, tostring(#h.date[1].value > 20),
    event.Records[1].cf.request.uri }, "|") }}
  return response
end
--- request
GET /t
--- response_headers
X-Seen: 200|OK|text/plain|yes|x-from-config|2|nil|nginx|5|true|/t
X-From-Config: yes, again
--- no_error_log
[error]



=== TEST 3: error pages go through viewer-response too
--- http_config
faas_function security html/security.lua;
--- config
location /t {
    faas_viewer_response security;
    return 404;
}
--- user_files
>>> security.lua
return function(event)
  local response = event.Records[1].cf.response
  response.headers["x-frame-options"] = {{ key = "X-Frame-Options", value = "DENY" }}
  return response
end
--- request
GET /t
--- error_code: 404
--- response_headers
X-Frame-Options: DENY
--- no_error_log
[error]



=== TEST 4: a proxied response, header replaced
--- http_config
faas_function rewrite html/rewrite.lua;
--- config
location /t {
    faas_viewer_response rewrite;
    proxy_pass http://127.0.0.1:$server_port/origin;
}
location /origin {
    add_header Cache-Control "no-store";
    add_header X-Origin yes;
    return 200 "from origin\n";
}
--- user_files
>>> rewrite.lua
return function(event)
  local response = event.Records[1].cf.response
  response.headers["cache-control"] = {{ key = "Cache-Control", value = "public, max-age=300" }}
  response.headers["x-origin"] = nil
  return response
end
--- request
GET /t
--- response_body
from origin
--- response_headers
Cache-Control: public, max-age=300
!X-Origin
--- no_error_log
[error]



=== TEST 5: the status cannot change in viewer-response
--- http_config
faas_function status html/status.lua;
--- config
location /t {
    faas_viewer_response status;
    return 200 "page\n";
}
--- user_files
>>> status.lua
return function(event)
  local response = event.Records[1].cf.response
  response.status = "404"
  return response
end
--- request
GET /t
--- error_code: 502
--- response_body_like: 502 function error
--- error_log eval
qr/function "status" in viewer-response, request_id=\w+: failed \(bad-return\): viewer-response cannot change response.status/



=== TEST 6: viewer-response cannot replace the body
--- http_config
faas_function body html/body.lua;
--- config
location /t {
    faas_viewer_response body;
    return 200 "page\n";
}
--- user_files
>>> body.lua
return function(event)
  local response = event.Records[1].cf.response
  response.body = "replaced"
  return response
end
--- request
GET /t
--- error_code: 502
--- error_log
viewer-response cannot replace the body



=== TEST 7: a failing viewer-response with faas_on_error pass keeps the response
--- http_config
faas_function boom html/boom.lua;
--- config
location /t {
    faas_on_error pass;
    faas_viewer_response boom;
    return 200 "untouched\n";
}
--- user_files
>>> boom.lua
return function(event)
  event.Records[1].cf.response.headers["x-half"] = {{ value = "done" }}
  error("boom")
end
--- request
GET /t
--- response_body
untouched
--- response_headers
!X-Half
--- error_log eval
qr/function "boom" in viewer-response, request_id=\w+: failed \(runtime\): \S+boom.lua:3: boom/



=== TEST 8: a failing viewer-response replaces a proxied body with the error page
--- http_config
faas_function boom html/boom.lua;
--- config
location /t {
    faas_viewer_response boom;
    proxy_pass http://127.0.0.1:$server_port/origin;
}
location /origin {
    return 200 "secret origin body\n";
}
--- user_files
>>> boom.lua
return function(event) error("boom") end
--- request
GET /t
--- error_code: 502
--- response_body_like: 502 function error
--- response_body_unlike: secret
--- error_log
failed (runtime)



=== TEST 9: a generated response skips viewer-response, as in Lambda@Edge
--- http_config
faas_function gen html/gen.lua;
faas_function mark html/mark.lua;
--- config
location /t {
    faas_viewer_request gen;
    faas_viewer_response mark;
}
--- user_files
>>> gen.lua
return function(event) return { status = 200, body = "generated\n" } end
>>> mark.lua
return function(event)
  local response = event.Records[1].cf.response
  response.headers["x-mark"] = {{ value = "1" }}
  return response
end
--- request
GET /t
--- response_body
generated
--- response_headers
!X-Mark
--- no_error_log
[error]



=== TEST 10: response headers nginx owns are refused
--- http_config
faas_function owned html/owned.lua;
--- config
location /t {
    faas_viewer_response owned;
    return 200 "page\n";
}
--- user_files
>>> owned.lua
return function(event)
  local response = event.Records[1].cf.response
  response.headers["content-length"] = {{ value = "1" }}
  return response
end
--- request
GET /t
--- error_code: 502
--- error_log
header "content-length" is read-only in viewer-response



=== TEST 11: viewer-response at the server level runs in a location that has only a viewer-request (the filters are installed when any level declares a response event)
--- http_config
faas_function mark html/mark.lua;
faas_function look html/look.lua;
--- config
faas_viewer_response mark;
location /t {
    faas_viewer_request look;
    return 200 "page\n";
}
--- user_files
>>> mark.lua
return function(event)
  local response = event.Records[1].cf.response
  response.headers["x-mark"] = {{ key = "X-Mark", value = "server-level" }}
  return response
end
>>> look.lua
return function(event) end
--- request
GET /t
--- response_body
page
--- response_headers
X-Mark: server-level
--- no_error_log
[error]



=== TEST 12: many names at once (sorted, not scanned): add_header's headers of any case replaced or removed, the others kept
--- http_config
faas_function many html/many.lua;
--- config
location /t {
    faas_viewer_response many;
    add_header X-H-1 old;
    add_header x-h-2 old;
    add_header X-H-3 old;
    add_header X-h-4 old;
    add_header X-H-5 old;
    add_header X-H-6 old;
    add_header X-H-7 old;
    add_header X-H-8 old;
    add_header X-H-9 old;
    add_header X-H-10 old;
    add_header X-Keep kept;
    return 200 "page\n";
}
--- user_files
>>> many.lua
return function(event)
  local response = event.Records[1].cf.response
  local h = response.headers
  for i = 1, 10 do
    if i % 2 == 0 then
      h["x-h-" .. i] = nil
    else
      h["x-h-" .. i] = {{ key = "X-H-" .. i, value = "new" .. i }}
    end
  end
  h["x-new"] = {{ key = "X-New", value = "added" }}
  return response
end
--- request
GET /t
--- response_body
page
--- response_headers
X-H-1: new1
!X-H-2
X-H-3: new3
!X-H-4
X-H-5: new5
!X-H-6
X-H-7: new7
!X-H-8
X-H-9: new9
!X-H-10
X-Keep: kept
X-New: added
--- no_error_log
[error]
