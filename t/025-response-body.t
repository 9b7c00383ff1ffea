# faas_response_body SIZE: the response events see the response body
# (response.body, beyond Lambda@Edge).  The header waits until the body
# is in; a body larger than SIZE goes through untouched and the events
# run without it.

use Test::Nginx::Socket 'no_plan';

run_tests();

__DATA__

=== TEST 1: viewer-response reads the body of a proxied response
--- http_config
faas_function measure html/measure.lua;
--- config
location /t {
    faas_response_body 4k;
    faas_viewer_response measure;
    proxy_pass http://127.0.0.1:$server_port/origin;
}
location /origin {
    return 200 "the origin's body\n";
}
--- user_files
>>> measure.lua
return function(event)
  local response = event.Records[1].cf.response
  response.headers["x-length"] = {{ value = tostring(#response.body) }}
  response.headers["x-first"] = {{ value = response.body:match("^(%S+)") }}
  return response
end
--- request
GET /t
--- response_headers
X-Length: 18
X-First: the
--- response_body
the origin's body
--- no_error_log
[error]



=== TEST 2: viewer-response rewrites an HTML page it was shown
--- http_config
faas_function inject html/inject.lua;
--- config
location /t {
    faas_response_body 64k;
    faas_viewer_response inject;
    proxy_pass http://127.0.0.1:$server_port/origin;
}
location /origin {
    default_type text/html;
    return 200 "<html><head></head><body>hi</body></html>\n";
}
--- user_files
>>> inject.lua
return function(event)
  local response = event.Records[1].cf.response
  response.body = response.body:gsub("</head>",
    '<script src="/rum.js"></script></head>', 1)
  return response
end
--- request
GET /t
--- response_headers
Content-Length: 73
--- response_body
<html><head><script src="/rum.js"></script></head><body>hi</body></html>
--- no_error_log
[error]



=== TEST 3: origin-response replaces the body, viewer-response sees the new one
--- http_config
faas_function origin html/origin.lua;
faas_function viewer html/viewer.lua;
--- config
location /t {
    faas_response_body 4k;
    faas_origin_response origin;
    faas_viewer_response viewer;
    proxy_pass http://127.0.0.1:$server_port/origin;
}
location /origin {
    return 200 "lowercase\n";
}
--- user_files
>>> origin.lua
return function(event)
  local response = event.Records[1].cf.response
  response.body = response.body:upper()
  return response
end
>>> viewer.lua
return function(event)
  local response = event.Records[1].cf.response
  response.headers["x-seen"] = {{ value = response.body:sub(1, 9) }}
  return response
end
--- request
GET /t
--- response_headers
X-Seen: LOWERCASE
--- response_body
LOWERCASE
--- no_error_log
[error]



=== TEST 4: a static file (its body comes from a file) is read too
--- http_config
faas_function measure html/measure.lua;
--- config
location /static/ {
    alias html/;
    faas_response_body 64k;
    faas_viewer_response measure;
}
--- user_files eval
">>> measure.lua
return function(event)
  local response = event.Records[1].cf.response
  response.headers['x-sha'] = {{ value = faas.crypto.hex(faas.crypto.sha256(response.body)) }}
  return response
end
>>> big.txt
" . ("0123456789abcdef" x 1000)
--- request
GET /static/big.txt
--- response_headers eval
use Digest::SHA qw(sha256_hex);
"X-Sha: " . sha256_hex("0123456789abcdef" x 1000)
--- response_body eval
"0123456789abcdef" x 1000
--- no_error_log
[error]



=== TEST 5: a body larger than SIZE (Content-Length known): no response.body, the response as it was
--- http_config
faas_function measure html/measure.lua;
--- config
location /static/ {
    alias html/;
    faas_response_body 100;
    faas_viewer_response measure;
}
--- user_files eval
">>> measure.lua
return function(event)
  local response = event.Records[1].cf.response
  response.headers['x-body'] = {{ value = tostring(response.body) }}
  return response
end
>>> big.txt
" . ("x" x 1000)
--- request
GET /static/big.txt
--- response_headers
X-Body: nil
Content-Length: 1000
--- response_body eval
"x" x 1000
--- no_error_log
[error]



=== TEST 6: a body larger than SIZE of unknown length: held, then let go whole
--- http_config
faas_function measure html/measure.lua;
--- config
location /t {
    faas_response_body 100;
    faas_viewer_response measure;
    proxy_pass http://127.0.0.1:$server_port/origin/big.txt;
}
location /origin/ {
    alias html/;
    sub_filter_types text/plain;
    sub_filter "x" "y";
    sub_filter_once off;
}
--- user_files eval
">>> measure.lua
return function(event)
  local response = event.Records[1].cf.response
  response.headers['x-body'] = {{ value = tostring(response.body) }}
  return response
end
>>> big.txt
" . ("x" x 3000)
--- request
GET /t
--- response_headers
X-Body: nil
--- response_body eval
"y" x 3000
--- no_error_log
[error]



=== TEST 7: a held response answers a Range request in full
--- http_config
faas_function measure html/measure.lua;
--- config
location /static/ {
    alias html/;
    faas_response_body 4k;
    faas_viewer_response measure;
}
--- user_files
>>> measure.lua
return function(event)
  local response = event.Records[1].cf.response
  response.headers["x-length"] = {{ value = tostring(#response.body) }}
  return response
end
>>> f.txt
0123456789
--- request
GET /static/f.txt
--- more_headers
Range: bytes=0-3
--- error_code: 200
--- response_headers
X-Length: 11
--- response_body
0123456789
--- no_error_log
[error]



=== TEST 8: a failure after holding: a clean 502 (the header was not sent)
--- http_config
faas_function boom html/boom.lua;
--- config
location /t {
    faas_response_body 4k;
    faas_viewer_response boom;
    proxy_pass http://127.0.0.1:$server_port/origin;
}
location /origin {
    return 200 "origin\n";
}
--- user_files
>>> boom.lua
return function(event)
  local _ = event.Records[1].cf.response.body
  error("kaput")
end
--- request
GET /t
--- error_code: 502
--- response_body_like eval
qr/502 function error/
--- error_log
failed (runtime)



=== TEST 9: without faas_response_body viewer-response cannot replace the body
--- http_config
faas_function inject html/inject.lua;
--- config
location /t {
    faas_viewer_response inject;
    proxy_pass http://127.0.0.1:$server_port/origin;
}
location /origin {
    return 200 "origin\n";
}
--- user_files
>>> inject.lua
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
