# origin-request: runs in the PRECONTENT phase, after access control and
# after the CloudFront-Viewer-* headers, when the request is about to go
# to the origin; request.origin (faas_origin) and re-routing through
# "proxy_pass $faas_origin_url"; generated responses.

use Cwd qw(abs_path);
use Test::Nginx::Socket 'no_plan';

$ENV{TEST_NGINX_GEOIP} ||= abs_path("tests/data/geoip");

run_tests();

__DATA__

=== TEST 1: headers and uri changed in origin-request reach the origin
--- http_config
faas_function tag html/tag.lua;
--- config
location /t {
    faas_origin_request tag;
    proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/origin;
}
location /origin {
    return 200 "uri=$uri tag=$http_x_tag event=$http_x_event\n";
}
--- user_files
>>> tag.lua
return function(event)
  local cf = event.Records[1].cf
  local request = cf.request
  request.headers["x-tag"] = {{ key = "X-Tag", value = "origin" }}
  request.headers["x-event"] = {{ value = cf.config.eventType }}
  request.uri = request.uri .. "/more"
  return request
end
--- request
GET /t/a
--- response_body
uri=/origin/a/more tag=origin event=origin-request
--- no_error_log
[error]



=== TEST 2: access control first: a denied request never runs it
--- http_config
faas_function boom html/boom.lua;
--- config
location /t {
    deny all;
    faas_origin_request boom;
    proxy_pass http://127.0.0.1:$server_port/origin;
}
location /origin {
    return 200 "origin\n";
}
--- user_files
>>> boom.lua
return function(event) error("ran") end
--- request
GET /t
--- error_code: 403
--- no_error_log
faas:



=== TEST 3: after viewer-request and the location's rewrite; a return there ends it
--- http_config
faas_function order html/order.lua;
faas_function boom html/boom.lua;
--- config
location /t {
    faas_viewer_request order;
    set $seen "rewrite";
    faas_origin_request order;
    proxy_pass http://127.0.0.1:$server_port/origin;
}
location /r {
    faas_origin_request boom;
    return 200 "returned in rewrite\n";
}
location /origin {
    return 200 "order=$http_x_order\n";
}
--- user_files
>>> order.lua
return function(event)
  local request = event.Records[1].cf.request
  local h = request.headers["x-order"]
  local seen = h and h[1].value .. "," or ""
  request.headers["x-order"] = {{ value = seen
    .. event.Records[1].cf.config.eventType }}
  return request
end
>>> boom.lua
return function(event) error("ran") end
--- request eval
["GET /t", "GET /r"]
--- response_body eval
["order=viewer-request,origin-request\n", "returned in rewrite\n"]
--- no_error_log
[error]



=== TEST 4: the CloudFront-Viewer-* headers are there for origin-request
--- http_config
faas_geoip $TEST_NGINX_GEOIP/GeoIP2-City-Test.mmdb;
faas_function country html/country.lua;
--- config
set_real_ip_from 127.0.0.1;
real_ip_header X-Forwarded-For;
location /t {
    faas_geo_headers on;
    faas_origin_request country;
    proxy_pass http://127.0.0.1:$server_port/origin;
}
location /origin {
    return 200 "seen=$http_x_seen_country\n";
}
--- user_files
>>> country.lua
return function(event)
  local request = event.Records[1].cf.request
  local c = request.headers["cloudfront-viewer-country"]
  request.headers["x-seen-country"] = {{ value = c and c[1].value or "none" }}
  return request
end
--- request
GET /t
--- more_headers
X-Forwarded-For: 81.2.69.142
--- response_body
seen=GB
--- no_error_log
[error]



=== TEST 5: request.origin from faas_origin, the documented structure
--- http_config
faas_function show html/show.lua;
--- config
location /t {
    faas_origin https://origin.example.com:8443/base/;
    faas_origin_request show;
    proxy_pass $faas_origin_url;
}
location /u {
    faas_origin_request show;
    proxy_pass http://127.0.0.1:$server_port/origin;
}
location /origin {
    return 200 "no origin\n";
}
--- user_files
>>> show.lua
return function(event)
  local o = event.Records[1].cf.request.origin
  if not o then
    return event.Records[1].cf.request
  end
  local c = o.custom
  local n = 0
  for _ in pairs(c.customHeaders) do n = n + 1 end
  return { status = 200, body = table.concat({ c.protocol, c.domainName,
    tostring(c.port), c.path, tostring(c.readTimeout),
    tostring(c.keepaliveTimeout), table.concat(c.sslProtocols, ","),
    tostring(n) }, " ") .. "\n" }
end
--- request eval
["GET /t", "GET /u"]
--- response_body eval
["https origin.example.com 8443 /base 30 5 TLSv1.2 0\n", "no origin\n"]
--- no_error_log
[error]



=== TEST 6: proxy_pass $faas_origin_url follows faas_origin, path and query
--- http_config
faas_function pass html/pass.lua;
--- config
location /t {
    faas_origin http://127.0.0.1:$TEST_NGINX_SERVER_PORT/origin;
    faas_origin_request pass;
    proxy_pass $faas_origin_url;
}
location /origin {
    return 200 "origin saw $request_uri host=$http_host\n";
}
--- user_files
>>> pass.lua
return function(event) return event.Records[1].cf.request end
--- request
GET /t/a%20b?x=1
--- response_body_like
^origin saw /origin/t/a%20b\?x=1 host=127\.0\.0\.1:\d+$
--- no_error_log
[error]



=== TEST 7: writing request.origin re-routes to another origin (an upstream{} name)
--- http_config
faas_function route html/route.lua;
upstream origin_b {
    server 127.0.0.1:$TEST_NGINX_SERVER_PORT;
}
--- config
location /t {
    faas_origin http://127.0.0.1:$TEST_NGINX_SERVER_PORT/origin-a;
    faas_origin_request route;
    proxy_pass $faas_origin_url;
}
location /origin-a {
    return 200 "a\n";
}
location /origin-b {
    return 200 "b: $request_uri host=$http_host key=$http_x_origin_key\n";
}
--- user_files
>>> route.lua
return function(event)
  local request = event.Records[1].cf.request
  if request.querystring == "b" then
    request.origin = {
      custom = {
        domainName = "origin_b", port = 80, protocol = "http",
        path = "/origin-b", sslProtocols = { "TLSv1.2" },
        readTimeout = 30, keepaliveTimeout = 5,
        customHeaders = {
          ["x-origin-key"] = {{ key = "X-Origin-Key", value = "k1" }}
        }
      }
    }
  end
  return request
end
--- request eval
["GET /t/p?b", "GET /t/p?a"]
--- response_body eval
["b: /origin-b/t/p?b host=origin_b key=k1\n", "a\n"]
--- no_error_log
[error]



=== TEST 8: a generated response: no origin, no origin-response, viewer-response runs
--- http_config
faas_function gen html/gen.lua;
faas_function boom html/boom.lua;
faas_function stamp html/stamp.lua;
--- config
location /t {
    faas_origin_request gen;
    faas_origin_response boom;
    faas_viewer_response stamp;
    proxy_pass http://127.0.0.1:$server_port/origin;
}
location /origin {
    return 500 "origin reached\n";
}
--- user_files
>>> gen.lua
return function(event)
  return { status = "401", statusDescription = "Unauthorized",
    headers = { ["www-authenticate"] = {{ value = "Basic" }} },
    body = "generated in origin-request\n" }
end
>>> boom.lua
return function(event) error("origin-response ran") end
>>> stamp.lua
return function(event)
  local response = event.Records[1].cf.response
  response.headers["x-viewer"] = {{ value = response.status }}
  return response
end
--- request
GET /t
--- error_code: 401
--- response_headers
WWW-Authenticate: Basic
X-Viewer: 401
--- response_body
generated in origin-request
--- no_error_log
[error]



=== TEST 9: a failure is a 502 with one log line; faas_on_error pass goes on
--- http_config
faas_function boom html/boom.lua;
--- config
location /t {
    faas_origin_request boom;
    proxy_pass http://127.0.0.1:$server_port/origin;
}
location /p {
    faas_on_error pass;
    faas_origin_request boom;
    proxy_pass http://127.0.0.1:$server_port/origin;
}
location /origin {
    return 200 "origin\n";
}
--- user_files
>>> boom.lua
return function(event) error("kaput") end
--- request eval
["GET /t", "GET /p"]
--- error_code eval
[502, 200]
--- error_log eval
qr/\[error\] .*faas: function "boom" in origin-request, request_id=\w+: failed \(runtime\): \S+boom.lua:1: kaput/



=== TEST 10: the read-only headers of origin-request
--- http_config
faas_function ro html/ro.lua;
--- config
location /t {
    faas_origin_request ro;
    proxy_pass http://127.0.0.1:$server_port/origin;
}
location /origin {
    return 200 "origin\n";
}
--- user_files
>>> ro.lua
return function(event)
  local request = event.Records[1].cf.request
  request.headers["accept-encoding"] = {{ value = "identity" }}
  return request
end
--- request
GET /t/ae
--- error_code: 502
--- error_log
header "accept-encoding" is read-only in origin-request



=== TEST 11: Host is writable in origin-request (it is read-only in viewer-request)
--- http_config
faas_function ro html/ro.lua;
--- config
location /t {
    faas_origin_request ro;
    proxy_set_header Host $http_host;
    proxy_pass http://127.0.0.1:$server_port/origin;
}
location /origin {
    return 200 "origin host=$http_host\n";
}
--- user_files
>>> ro.lua
return function(event)
  local request = event.Records[1].cf.request
  request.headers.host = {{ value = "writable.example" }}
  return request
end
--- request
GET /t
--- response_body
origin host=writable.example
--- no_error_log
[error]



=== TEST 12: once per request, across an internal redirect
--- http_config
faas_function count html/count.lua;
--- config
location /t {
    faas_origin_request count;
    try_files /nonexistent @named;
}
location @named {
    faas_origin_request count;
    proxy_pass http://127.0.0.1:$server_port/origin;
}
location /origin {
    return 200 "runs=$http_x_runs\n";
}
--- user_files
>>> count.lua
return function(event)
  local request = event.Records[1].cf.request
  local h = request.headers["x-runs"]
  request.headers["x-runs"] = {{ value = tostring((h and tonumber(h[1].value) or 0) + 1) }}
  return request
end
--- request
GET /t
--- response_body
runs=1
--- no_error_log
[error]



=== TEST 13: origin events next to proxy_cache: a warning at start explains the two-tier layout
--- http_config
proxy_cache_path cache levels=1 keys_zone=edge:1m;
faas_function pass html/pass.lua;
--- config
location /t {
    proxy_cache edge;
    faas_origin_request pass;
    proxy_pass http://127.0.0.1:$server_port/origin;
}
location /origin {
    return 200 "origin\n";
}
--- user_files
>>> pass.lua
return function(event) return event.Records[1].cf.request end
--- request
GET /t
--- response_body
origin
--- error_log
location "/t" has origin events and "proxy_cache": the origin events run on cache hits too
put the origin events in an origin-tier server that the caching edge proxies to



=== TEST 14: no warning without a cache in the location, nor for a content function
--- http_config
proxy_cache_path cache levels=1 keys_zone=edge:1m;
faas_function pass html/pass.lua;
faas_function api html/api.lua;
--- config
proxy_cache edge;
location /t {
    proxy_cache off;
    faas_origin_response pass;
    proxy_pass http://127.0.0.1:$server_port/origin;
}
location /api {
    faas_origin_request pass;
    faas_content api;
}
location /origin {
    return 200 "origin\n";
}
--- user_files
>>> pass.lua
return function(event) return nil end
>>> api.lua
return function(event) return { status = 200, body = "api\n" } end
--- request eval
["GET /t", "GET /api"]
--- response_body eval
["origin\n", "api\n"]
--- no_error_log
[warn]
[error]



=== TEST 15: a malformed origin, a bad port: 502, one log line, the origin not reached
--- http_config
faas_function bad html/bad.lua;
--- config
location /t {
    faas_origin http://127.0.0.1:$TEST_NGINX_SERVER_PORT/origin;
    faas_origin_request bad;
    proxy_pass $faas_origin_url;
}
location /origin {
    return 200 "origin reached\n";
}
--- user_files
>>> bad.lua
return function(event)
  local request = event.Records[1].cf.request
  request.origin = { custom = { domainName = "b.example", protocol = "http",
                                port = 70000 } }
  return request
end
--- request
GET /t
--- error_code: 502
--- response_body_unlike
origin reached
--- grep_error_log eval
qr/\[error\].*faas: .*/
--- grep_error_log_out eval
qr/^[^\n]*failed \(bad-return\): request\.origin\.custom\.port 70000 is invalid: 80, 443 or 1024 to 65535[^\n]*\n$/



=== TEST 16: a malformed origin, an IP address where a domain is required
--- http_config
faas_function bad html/bad.lua;
--- config
location /t {
    faas_origin http://127.0.0.1:$TEST_NGINX_SERVER_PORT/origin;
    faas_origin_request bad;
    proxy_pass $faas_origin_url;
}
location /origin {
    return 200 "origin reached\n";
}
--- user_files
>>> bad.lua
return function(event)
  local request = event.Records[1].cf.request
  request.origin.custom.domainName = "203.0.113.9"
  return request
end
--- request
GET /t
--- error_code: 502
--- grep_error_log eval
qr/\[error\].*faas: .*/
--- grep_error_log_out eval
qr/^[^\n]*failed \(bad-return\): request\.origin\.custom\.domainName "203\.0\.113\.9" is an IP address: a custom origin is a domain name[^\n]*\n$/



=== TEST 17: a malformed origin, the protocol missing
--- http_config
faas_function bad html/bad.lua;
--- config
location /t {
    faas_origin http://127.0.0.1:$TEST_NGINX_SERVER_PORT/origin;
    faas_origin_request bad;
    proxy_pass $faas_origin_url;
}
location /origin {
    return 200 "origin reached\n";
}
--- user_files
>>> bad.lua
return function(event)
  local request = event.Records[1].cf.request
  request.origin = { custom = { domainName = "b.example", port = 443 } }
  return request
end
--- request
GET /t
--- error_code: 502
--- grep_error_log eval
qr/\[error\].*faas: .*/
--- grep_error_log_out eval
qr/^[^\n]*failed \(bad-return\): request\.origin\.custom\.protocol is missing: "http" or "https"[^\n]*\n$/



=== TEST 18: CR/LF in a custom header: 502, nothing injected, one escaped log line
--- http_config
faas_function bad html/bad.lua;
--- config
location /t {
    faas_origin http://127.0.0.1:$TEST_NGINX_SERVER_PORT/origin;
    faas_origin_request bad;
    proxy_pass $faas_origin_url;
}
location /origin {
    return 200 "origin reached\n";
}
--- user_files
>>> bad.lua
return function(event)
  local request = event.Records[1].cf.request
  request.origin.custom.customHeaders["x-a\r\nx-injected"] = {{ value = "1" }}
  return request
end
--- request
GET /t
--- error_code: 502
--- grep_error_log eval
qr/\[error\].*faas: .*/
--- grep_error_log_out eval
qr/^[^\n]*failed \(bad-return\): invalid header name "x-a\\r\\nx-injected"[^\n]*\n$/



=== TEST 19: origin-request declared at the server level runs in its locations (its handler is installed when any level declares an origin event)
--- http_config
faas_function tag html/tag.lua;
--- config
faas_origin_request tag;
location /t {
    proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/origin;
}
location /origin {
    return 200 "tag=$http_x_tag\n";
}
--- user_files
>>> tag.lua
return function(event)
  local request = event.Records[1].cf.request
  request.headers["x-tag"] = {{ key = "X-Tag", value = "server-level" }}
  return request
end
--- request
GET /t
--- response_body
tag=server-level
--- no_error_log
[error]
