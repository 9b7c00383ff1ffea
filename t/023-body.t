# faas_body off | SIZE: the request body as Lambda@Edge exposes it to the
# request events (request.body = {inputTruncated, action, encoding,
# data}), read from memory or from nginx's temp file, truncated beyond
# SIZE, and replaced upstream with action = "replace".

use Test::Nginx::Socket 'no_plan';

run_tests();

__DATA__

=== TEST 1: viewer-request sees the body, base64 and whole
--- http_config
faas_function show html/show.lua;
--- config
location /t {
    faas_body 1k;
    faas_viewer_request show;
    return 200 "unreached\n";
}
--- user_files
>>> show.lua
return function(event)
  local b = event.Records[1].cf.request.body
  return { status = 200, body = table.concat({ tostring(b.inputTruncated),
    b.action, b.encoding, b.data, faas.crypto.base64_decode(b.data) }, " ")
    .. "\n" }
end
--- request
POST /t
a=1&b=2
--- response_body
false read-only base64 YT0xJmI9Mg== a=1&b=2
--- no_error_log
[error]



=== TEST 2: beyond SIZE the body is truncated, inputTruncated says so
--- http_config
faas_function show html/show.lua;
--- config
location /t {
    faas_body 4;
    faas_origin_request show;
    proxy_pass http://127.0.0.1:$server_port/origin;
}
location /origin {
    return 200 "origin got $content_length bytes\n";
}
--- user_files
>>> show.lua
return function(event)
  local request = event.Records[1].cf.request
  local b = request.body
  request.headers["x-seen"] = {{ value = tostring(b.inputTruncated) .. " "
    .. faas.crypto.base64_decode(b.data) }}
  return request
end
--- request
POST /t
0123456789
--- response_body
origin got 10 bytes
--- no_error_log
[error]



=== TEST 3: a body in a temp file (client_body_buffer_size 16) is read whole
--- http_config
faas_function sum html/sum.lua;
--- config
location /t {
    client_body_buffer_size 16;
    client_body_temp_path client_body_temp;
    faas_body 64k;
    faas_viewer_request sum;
    return 200 "unreached\n";
}
--- user_files
>>> sum.lua
return function(event)
  local b = event.Records[1].cf.request.body
  local data = faas.crypto.base64_decode(b.data)
  return { status = 200, body = #data .. " " .. tostring(b.inputTruncated)
    .. " " .. faas.crypto.hex(faas.crypto.sha256(data)) .. "\n" }
end
--- request eval
"POST /t\n" . ("0123456789abcdef" x 200)
--- response_body eval
use Digest::SHA qw(sha256_hex);
"3200 false " . sha256_hex("0123456789abcdef" x 200) . "\n"
--- error_log
a client request body is buffered to a temporary file
--- no_error_log
[error]



=== TEST 4: a body in a temp file, truncated at SIZE
--- http_config
faas_function sum html/sum.lua;
--- config
location /t {
    client_body_buffer_size 16;
    client_body_temp_path client_body_temp;
    faas_body 100;
    faas_viewer_request sum;
    return 200 "unreached\n";
}
--- user_files
>>> sum.lua
return function(event)
  local b = event.Records[1].cf.request.body
  local data = faas.crypto.base64_decode(b.data)
  return { status = 200, body = #data .. " " .. tostring(b.inputTruncated)
    .. " " .. data:sub(1, 16) .. "\n" }
end
--- request eval
"POST /t\n" . ("0123456789abcdef" x 200)
--- response_body
100 true 0123456789abcdef
--- no_error_log
[error]



=== TEST 5: action "replace" (text): the origin gets the new body and its length
--- http_config
faas_function replace html/replace.lua;
faas_function echo html/echo.lua;
--- config
location /t {
    faas_body 1k;
    faas_origin_request replace;
    proxy_pass http://127.0.0.1:$server_port/echo;
}
location /echo {
    faas_body 1k;
    faas_content echo;
}
--- user_files
>>> replace.lua
return function(event)
  local request = event.Records[1].cf.request
  local old = faas.crypto.base64_decode(request.body.data)
  request.body.action = "replace"
  request.body.encoding = "text"
  request.body.data = '{"wrapped":"' .. old .. '"}'
  return request
end
>>> echo.lua
return function(event)
  local request = event.Records[1].cf.request
  return { status = 200, body = "length=" .. request.headers["content-length"][1].value
    .. " body=" .. faas.crypto.base64_decode(request.body.data) .. "\n" }
end
--- request
POST /t
hello
--- response_body
length=19 body={"wrapped":"hello"}
--- no_error_log
[error]



=== TEST 6: action "replace" (base64) in viewer-request, of a chunked body in a temp file
--- http_config
faas_function replace html/replace.lua;
faas_function echo html/echo.lua;
--- config
location /t {
    client_body_buffer_size 16;
    client_body_temp_path client_body_temp;
    faas_body 1k;
    faas_viewer_request replace;
    proxy_pass http://127.0.0.1:$server_port/echo;
}
location /echo {
    faas_body 1k;
    faas_content echo;
}
--- user_files
>>> replace.lua
return function(event)
  local request = event.Records[1].cf.request
  local old = faas.crypto.base64_decode(request.body.data)
  request.body = { action = "replace",
                   data = faas.crypto.base64_encode(#old .. " bytes were here") }
  return request
end
>>> echo.lua
return function(event)
  local request = event.Records[1].cf.request
  local te = request.headers["transfer-encoding"]
  return { status = 200, body = "length=" .. request.headers["content-length"][1].value
    .. " te=" .. tostring(te) .. " body=" .. faas.crypto.base64_decode(request.body.data) .. "\n" }
end
--- raw_request eval
"POST /t HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
. "20\r\n" . ("x" x 32) . "\r\n" . "20\r\n" . ("y" x 32) . "\r\n0\r\n\r\n"
--- response_body
length=18 te=nil body=64 bytes were here
--- no_error_log
[error]



=== TEST 7: a body sent slowly: the phases wait for it, then resume
--- http_config
faas_function show html/show.lua;
--- config
location /t {
    faas_body 1k;
    faas_origin_request show;
    proxy_pass http://127.0.0.1:$server_port/origin;
}
location /origin {
    return 200 "origin saw $http_x_body\n";
}
--- user_files
>>> show.lua
return function(event)
  local request = event.Records[1].cf.request
  request.headers["x-body"] = {{ value = faas.crypto.base64_decode(request.body.data) }}
  return request
end
--- raw_request eval
["POST /t HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: 10\r\n\r\nfirst",
 "-last"]
--- raw_request_middle_delay: 0.1
--- response_body
origin saw first-last
--- no_error_log
[error]



=== TEST 8: faas_body off: no request.body, the body goes upstream untouched
--- http_config
faas_function show html/show.lua;
faas_function echo html/echo.lua;
--- config
location /t {
    faas_viewer_request show;
    proxy_pass http://127.0.0.1:$server_port/echo;
}
location /echo {
    faas_body 1k;
    faas_content echo;
}
--- user_files
>>> show.lua
return function(event)
  local request = event.Records[1].cf.request
  request.headers["x-had-body"] = {{ value = tostring(request.body ~= nil) }}
  return request
end
>>> echo.lua
return function(event)
  local request = event.Records[1].cf.request
  return { status = 200, body = request.headers["x-had-body"][1].value .. " "
    .. faas.crypto.base64_decode(request.body.data) .. "\n" }
end
--- request
POST /t
untouched
--- response_body
false untouched
--- no_error_log
[error]



=== TEST 9: a replacement larger than faas_body: 502 and one log line
--- http_config
faas_function grow html/grow.lua;
--- config
location /t {
    faas_body 8;
    faas_viewer_request grow;
    proxy_pass http://127.0.0.1:$server_port/origin;
}
location /origin {
    return 200 "origin\n";
}
--- user_files
>>> grow.lua
return function(event)
  local request = event.Records[1].cf.request
  request.body = { action = "replace", encoding = "text", data = "123456789" }
  return request
end
--- request
POST /t
x
--- error_code: 502
--- error_log
the replaced request body of 9 bytes is larger than the limit of 8 bytes (faas_body)



=== TEST 10: a body larger than client_max_body_size is nginx's 413, no function runs
--- http_config
faas_function boom html/boom.lua;
--- config
location /t {
    client_max_body_size 4;
    faas_body 1k;
    faas_viewer_request boom;
    return 200 "unreached\n";
}
--- user_files
>>> boom.lua
return function(event) error("ran") end
--- request
POST /t
0123456789
--- error_code: 413
--- no_error_log
faas:



=== TEST 11: a slow body for viewer-request (rewrite phase) and for a content function
--- http_config
faas_function show html/show.lua;
faas_function echo html/echo.lua;
--- config
location /t {
    faas_body 1k;
    faas_viewer_request show;
    proxy_pass http://127.0.0.1:$server_port/echo;
}
location /echo {
    faas_body 1k;
    faas_content echo;
}
--- user_files
>>> show.lua
return function(event)
  local request = event.Records[1].cf.request
  request.headers["x-viewer-saw"] = {{ value = faas.crypto.base64_decode(request.body.data) }}
  return request
end
>>> echo.lua
return function(event)
  local request = event.Records[1].cf.request
  return { status = 200, body = request.headers["x-viewer-saw"][1].value .. " "
    .. faas.crypto.base64_decode(request.body.data) .. "\n" }
end
--- raw_request eval
["POST /t HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: 10\r\n\r\nfirst",
 "-last"]
--- raw_request_middle_delay: 0.1
--- response_body
first-last first-last
--- no_error_log
[error]



=== TEST 12: a slow body straight to a content function
--- http_config
faas_function echo html/echo.lua;
--- config
location /api {
    faas_body 1k;
    faas_content echo;
}
--- user_files
>>> echo.lua
return function(event)
  local request = event.Records[1].cf.request
  return { status = 200, body = faas.crypto.base64_decode(request.body.data) .. "\n" }
end
--- raw_request eval
["POST /api HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: 10\r\n\r\nfirst",
 "-last"]
--- raw_request_middle_delay: 0.1
--- response_body
first-last
--- no_error_log
[error]
