# Direct access: faas.req, faas.resp, faas.respond and faas.redirect read
# and write the request and the response through nginx at once, beside the
# Lambda@Edge event; what they write is what the rest of nginx sees, and
# every bad call ends the invocation with a 5xx and one log line naming
# the function, the header and the event, the worker serving on.

use Test::Nginx::Socket 'no_plan';

run_tests();

__DATA__

=== TEST 1: faas.req.header: any case, several headers of one name joined with ", ", Cookie with "; ", nil for none
--- http_config
faas_function read html/read.lua;
--- config
location /t {
    faas_viewer_request read;
    return 200 "$http_x_out\n";
}
--- user_files
>>> read.lua
return function(event)
  local h = faas.req.header
  faas.req.set_header("X-Out", table.concat({
    h("x-a"), h("X-A"), h("cookie"), h("X-ONE"), tostring(h("x-none")),
    h("Host") }, "|"))
end
--- request
GET /t
--- more_headers
X-A: 1
x-a: 2
Cookie: a=1
Cookie: b=2
X-One: only
--- response_body
1, 2|1, 2|a=1; b=2|only|nil|localhost
--- no_error_log
[error]



=== TEST 2: faas.req.set_uri: rewrite and return see the new $uri, the location stays
--- http_config
faas_function geo html/geo.lua;
--- config
location /x {
    faas_viewer_request geo;
    return 200 "uri=$uri seen=$http_x_seen\n";
}
location /de/ {
    return 200 "wrong location\n";
}
--- user_files
>>> geo.lua
return function(event)
  local before = faas.req.uri()
  if faas.req.header("x-country") == "DE" then
    faas.req.set_uri("/de" .. before)
  end
  faas.req.set_header("x-seen", before .. "," .. faas.req.uri())
end
--- request eval
["GET /x/page", "GET /x/page"]
--- more_headers eval
["X-Country: DE", "X-Country: FR"]
--- response_body eval
["uri=/de/x/page seen=/x/page,/de/x/page\n", "uri=/x/page seen=/x/page,/x/page\n"]
--- no_error_log
[error]



=== TEST 3: faas.req.set_header adds a header, replaces one, takes a number; nginx's $http_* see them
--- http_config
faas_function variant html/variant.lua;
--- config
location /t {
    faas_viewer_request variant;
    return 200 "variant=$http_x_variant country=$http_x_country n=$http_x_n read=$http_x_read ua=$http_user_agent ab=$cookie_ab\n";
}
--- user_files
>>> variant.lua
return function(event)
  local country = faas.req.header("x-country")
  faas.req.set_header("X-Variant", country == "DE" and "de" or "world")
  faas.req.set_header("x-country", "FR")
  faas.req.set_header("X-N", 42)
  faas.req.set_header("User-Agent", "edge")
  faas.req.set_header("Cookie", "ab=b")
  faas.req.set_header("x-read", faas.req.header("x-variant") .. "/" .. faas.req.header("X-Country"))
end
--- request
GET /t
--- more_headers
X-Country: DE
User-Agent: test-agent
Cookie: ab=a
--- response_body
variant=de country=FR n=42 read=de/FR ua=edge ab=b
--- no_error_log
[error]



=== TEST 4: a list of values is one header line each, up to the origin (a short list and one longer than 8)
--- http_config
faas_function multi html/multi.lua;
faas_function echo html/echo.lua;
--- config
location /t {
    faas_viewer_request multi;
    proxy_pass http://127.0.0.1:$server_port/origin;
}
location /origin {
    faas_viewer_request echo;
    return 200 "unreached\n";
}
--- user_files
>>> multi.lua
return function(event)
  faas.req.set_header("X-Multi", { "a", "b" })
  faas.req.set_header("x-many", { "1", "2", "3", "4", "5", "6", "7", "8", "9", "10" })
  faas.req.set_header("x-here", faas.req.header("x-multi") .. "|" .. faas.req.header("x-many"))
end
>>> echo.lua
return function(event)
  local h = faas.req.header
  return faas.respond(200, nil, table.concat({ h("x-multi"), h("x-many"), h("x-here") }, "|") .. "\n")
end
--- request
GET /t
--- more_headers
X-Multi: old
--- response_body
a, b|1, 2, 3, 4, 5, 6, 7, 8, 9, 10|a, b|1, 2, 3, 4, 5, 6, 7, 8, 9, 10
--- no_error_log
[error]



=== TEST 5: nil and false remove a header, from nginx's fields and from the origin
--- http_config
faas_function strip html/strip.lua;
--- config
location /t {
    faas_viewer_request strip;
    proxy_pass http://127.0.0.1:$server_port/origin;
}
location /origin {
    return 200 "ua=[$http_user_agent] secret=[$http_x_secret] cookie=[$http_cookie] keep=[$http_x_keep] gone=[$http_x_gone]\n";
}
--- user_files
>>> strip.lua
return function(event)
  faas.req.set_header("user-agent", nil)
  faas.req.set_header("X-Secret", false)
  faas.req.set_header("cookie")
  faas.req.set_header("x-never-there", nil)
  faas.req.set_header("x-gone", tostring(faas.req.header("x-secret")) .. ","
                                 .. tostring(faas.req.header("user-agent")))
end
--- request
GET /t
--- more_headers
User-Agent: test-agent
X-Secret: s3cr3t
X-Secret: again
Cookie: a=1
X-Keep: yes
--- response_body
ua=[] secret=[] cookie=[] keep=[yes] gone=[nil,nil]
--- no_error_log
[error]



=== TEST 6: faas.req.querystring and faas.req.set_querystring: $args and $arg_* see the new one
--- http_config
faas_function qs html/qs.lua;
--- config
location /t {
    faas_viewer_request qs;
    return 200 "args=$args a=$arg_a b=$arg_b read=$http_x_read\n";
}
--- user_files
>>> qs.lua
return function(event)
  local before = faas.req.querystring()
  faas.req.set_querystring(before .. "&a=2")
  faas.req.set_header("x-read", "[" .. before .. "][" .. faas.req.querystring() .. "]")
end
--- request eval
["GET /t?b=1", "GET /t"]
--- response_body eval
["args=b=1&a=2 a=2 b=1 read=[b=1][b=1&a=2]\n", "args=&a=2 a=2 b= read=[][&a=2]\n"]
--- no_error_log
[error]



=== TEST 7: faas.req.method and faas.req.client_ip
--- http_config
faas_function who html/who.lua;
--- config
location /t {
    faas_viewer_request who;
    return 200 "unreached\n";
}
--- user_files
>>> who.lua
return function(event)
  return faas.respond(200, nil, faas.req.method() .. " " .. faas.req.client_ip() .. "\n")
end
--- request eval
["GET /t", "DELETE /t"]
--- response_body eval
["GET 127.0.0.1\n", "DELETE 127.0.0.1\n"]
--- no_error_log
[error]



=== TEST 8: viewer-response: faas.resp.set_header adds and replaces headers, removes Server and an add_header header
--- http_config
faas_function security html/security.lua;
--- config
location /t {
    add_header X-Powered-By config;
    add_header X-Keep kept;
    faas_viewer_response security;
    return 200 "page\n";
}
--- user_files
>>> security.lua
return function(event)
  faas.resp.set_header("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
  faas.resp.set_header("x-frame-options", "DENY")
  faas.resp.set_header("Content-Type", "text/x-page")
  faas.resp.set_header("server", nil)
  faas.resp.set_header("x-powered-by", false)
end
--- request
GET /t
--- response_body
page
--- response_headers
Strict-Transport-Security: max-age=63072000; includeSubDomains
X-Frame-Options: DENY
Content-Type: text/x-page
X-Keep: kept
!Server
!X-Powered-By
--- no_error_log
[error]



=== TEST 9: viewer-response: a list of values is one response header line each
--- http_config
faas_function multi html/multi.lua;
--- config
location /t {
    faas_viewer_response multi;
    return 200 "page\n";
}
--- user_files
>>> multi.lua
return function(event)
  faas.resp.set_header("X-Multi", { "one", "two" })
end
--- request
GET /t
--- response_body
page
--- raw_response_headers_like: \r\nX-Multi: one\r\nX-Multi: two\r\n
--- no_error_log
[error]



=== TEST 10: viewer-response reads: faas.resp.header (add_header's, nginx's own), faas.resp.status as a number, the request
--- http_config
faas_function look html/look.lua;
--- config
location /t {
    add_header X-From-Config yes;
    add_header x-from-config again;
    faas_viewer_response look;
    return 200 "page\n";
}
location /missing {
    faas_viewer_response look;
    return 404;
}
--- user_files
>>> look.lua
return function(event)
  local s = faas.resp.status()
  faas.resp.set_header("X-Seen", table.concat({
    type(s), tostring(s + 1),
    tostring(faas.resp.header("x-from-config")), faas.resp.header("Content-Type"),
    tostring(faas.resp.header("x-none")), faas.resp.header("server"):match("^nginx") or "?",
    faas.req.uri(), faas.req.header("x-client") }, "|"))
end
--- request eval
["GET /t", "GET /missing"]
--- more_headers
X-Client: c
--- error_code eval
[200, 404]
--- response_headers eval
["X-Seen: number|201|yes, again|text/plain|nil|nginx|/t|c", "X-Seen: number|405|nil|text/html|nil|nginx|/missing|c"]
--- no_error_log
[error]



=== TEST 11: origin-response: faas.resp reads and writes the origin's response
--- http_config
faas_function cache html/cache.lua;
--- config
location /t {
    faas_origin_response cache;
    proxy_pass http://127.0.0.1:$server_port/origin;
}
location /origin {
    add_header Cache-Control "no-store";
    add_header X-Origin yes;
    return 200 "from origin\n";
}
--- user_files
>>> cache.lua
return function(event)
  faas.resp.set_header("Cache-Control", "public, max-age=300")
  faas.resp.set_header("X-Seen", faas.resp.status() .. " " .. faas.resp.header("x-origin"))
  faas.resp.set_header("x-origin", nil)
end
--- request
GET /t
--- response_body
from origin
--- response_headers
Cache-Control: public, max-age=300
X-Seen: 200 yes
!X-Origin
--- no_error_log
[error]



=== TEST 12: faas.respond in viewer-request: status, headers (a list is one line each), body
--- http_config
faas_function deny html/deny.lua;
--- config
location /t {
    faas_viewer_request deny;
    return 200 "not generated\n";
}
--- user_files
>>> deny.lua
return function(event)
  return faas.respond(403, { ["Content-Type"] = "text/plain",
                             ["X-Multi"] = { "a", "b" },
                             ["cache-control"] = "no-store" }, "no\n")
end
--- request
GET /t
--- error_code: 403
--- response_body
no
--- response_headers
Content-Type: text/plain
Cache-Control: no-store
--- raw_response_headers_like: \r\nX-Multi: a\r\nX-Multi: b\r\n
--- no_error_log
[error]



=== TEST 13: faas.respond with a status only: no headers, no body
--- http_config
faas_function empty html/empty.lua;
--- config
location /t {
    faas_viewer_request empty;
    return 200 "not generated\n";
}
--- user_files
>>> empty.lua
return function(event)
  return faas.respond(204)
end
--- request
GET /t
--- error_code: 204
--- response_body eval
""
--- no_error_log
[error]



=== TEST 14: faas.redirect: 302 by default, 301 when asked; Location as given
--- http_config
faas_function redirect html/redirect.lua;
--- config
location /t {
    faas_viewer_request redirect;
    return 200 "not redirected\n";
}
--- user_files
>>> redirect.lua
return function(event)
  local url = "https://" .. faas.req.header("host") .. faas.req.uri()
  if faas.req.querystring() == "perm" then
    return faas.redirect(url, 301)
  end
  return faas.redirect(url)
end
--- request eval
["GET /t/page", "GET /t/old?perm"]
--- error_code eval
[302, 301]
--- response_headers eval
["Location: https://localhost/t/page", "Location: https://localhost/t/old"]
--- no_error_log
[error]



=== TEST 15: a response made once at the top of the file serves every invocation
--- http_config
faas_function gone html/gone.lua;
--- config
location /t {
    faas_viewer_request gone;
    return 200 "not generated\n";
}
--- user_files
>>> gone.lua
local GONE = faas.respond(410, { ["Content-Type"] = "text/plain", ["X-Shared"] = "yes" }, "gone\n")
return function(event)
  return GONE
end
--- pipelined_requests eval
["GET /t", "GET /t", "GET /t"]
--- error_code eval
[410, 410, 410]
--- response_body eval
["gone\n", "gone\n", "gone\n"]
--- response_headers eval
["X-Shared: yes", "X-Shared: yes", "X-Shared: yes"]
--- no_error_log
[error]



=== TEST 16: faas.respond and faas.redirect in a content function
--- http_config
faas_function api html/api.lua;
--- config
location /api/ {
    faas_content api;
}
--- user_files
>>> api.lua
return function(event)
  if faas.req.uri() == "/api/old" then
    return faas.redirect("https://example.com/api/new", 308)
  end
  return faas.respond(201, { ["Content-Type"] = "application/json" },
                      faas.json.encode({ uri = faas.req.uri(), method = faas.req.method() }) .. "\n")
end
--- request eval
["POST /api/items", "GET /api/old"]
--- error_code eval
[201, 308]
--- response_headers eval
["Content-Type: application/json", "Location: https://example.com/api/new"]
--- response_body_like eval
['^\{(?=.*"uri":"\/api\/items")(?=.*"method":"POST").*\}\n$', '']
--- no_error_log
[error]



=== TEST 17: origin-request: headers, uri and query string written directly reach the origin
--- http_config
faas_function tag html/tag.lua;
--- config
location /t {
    faas_origin_request tag;
    proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/origin;
}
location /origin {
    return 200 "uri=$uri args=$args tag=$http_x_tag secret=[$http_x_secret]\n";
}
--- user_files
>>> tag.lua
return function(event)
  faas.req.set_header("X-Tag", "origin")
  faas.req.set_header("x-secret", nil)
  faas.req.set_uri(faas.req.uri() .. "/more")
  faas.req.set_querystring("q=1")
end
--- request
GET /t/a?old=1
--- more_headers
X-Secret: s3cr3t
--- response_body
uri=/origin/a/more args=q=1 tag=origin secret=[]
--- no_error_log
[error]



=== TEST 18: origin-request: faas.respond answers instead of the origin
--- http_config
faas_function auth html/auth.lua;
--- config
location /t {
    faas_origin_request auth;
    proxy_pass http://127.0.0.1:$server_port/origin;
}
location /origin {
    return 200 "origin\n";
}
--- user_files
>>> auth.lua
local DENIED = faas.respond(401, { ["WWW-Authenticate"] = "Bearer" }, "no\n")
return function(event)
  if not faas.req.header("authorization") then
    return DENIED
  end
end
--- request eval
["GET /t", "GET /t"]
--- more_headers eval
["", "Authorization: Bearer x"]
--- error_code eval
[401, 200]
--- response_body eval
["no\n", "origin\n"]
--- response_headers eval
["WWW-Authenticate: Bearer", "!WWW-Authenticate"]
--- no_error_log
[error]



=== TEST 19: direct writes first, then the event's request: the table sees them and its return does not undo them
--- http_config
faas_function mix html/mix.lua;
--- config
location /t {
    faas_viewer_request mix;
    return 200 "uri=$uri a=$http_x_a b=$http_x_b seen=$http_x_seen\n";
}
--- user_files
>>> mix.lua
return function(event)
  faas.req.set_header("x-a", "1")
  faas.req.set_uri("/direct")
  local request = event.Records[1].cf.request
  local a = request.headers["x-a"]
  request.headers["x-b"] = {{ key = "X-B", value = "2" }}
  request.headers["x-seen"] = {{ value = a[1].value .. "," .. a[1].key .. "," .. request.uri }}
  return request
end
--- request
GET /t
--- response_body
uri=/direct a=1 b=2 seen=1,x-a,/direct
--- no_error_log
[error]



=== TEST 20: the same in viewer-response: direct writes first, then the event's response sees them and keeps them
--- http_config
faas_function mix html/mix.lua;
--- config
location /t {
    add_header X-Old old;
    faas_viewer_response mix;
    return 200 "page\n";
}
--- user_files
>>> mix.lua
return function(event)
  faas.resp.set_header("X-D", "1")
  faas.resp.set_header("server", nil)
  faas.resp.set_header("x-old", nil)
  local response = event.Records[1].cf.response
  local h = response.headers
  h["x-t"] = {{ key = "X-T", value = table.concat({ h["x-d"][1].value, h["x-d"][1].key,
    tostring(h.server), tostring(h["x-old"]) }, ",") }}
  return response
end
--- request
GET /t
--- response_body
page
--- response_headers
X-D: 1
X-T: 1,X-D,nil,nil
!Server
!X-Old
--- no_error_log
[error]



=== TEST 21: Host is read-only in viewer-request
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
  faas.req.set_header("Host", "evil.example")
end
--- request
GET /t
--- error_code: 502
--- error_log eval
qr/\[error\] .*faas: function "host" in viewer-request, request_id=[0-9a-f]{32}: failed \(runtime\): \S*host.lua:2: faas.req.set_header: header "host" is read-only in viewer-request/



=== TEST 22: Content-Length is read-only in viewer-request
--- http_config
faas_function length html/length.lua;
--- config
location /t {
    faas_viewer_request length;
    return 200 "unreached\n";
}
--- user_files
>>> length.lua
return function(event)
  faas.req.set_header("content-length", "0")
end
--- request
GET /t
--- error_code: 502
--- error_log
faas.req.set_header: header "content-length" is read-only in viewer-request



=== TEST 23: every event's own list: nginx's headers everywhere, the read-only ones of each request event
--- http_config
faas_function names html/names.lua;
--- config
location /v {
    faas_viewer_request names;
    return 200 "unreached\n";
}
location /o {
    faas_origin_request names;
    proxy_pass http://127.0.0.1:$server_port/origin;
}
location /origin {
    return 200 "unreached\n";
}
--- user_files
>>> names.lua
local function try(name)
  local ok, err = pcall(faas.req.set_header, name, "x")
  return ok and name .. " ok" or (tostring(err):gsub("^.-:%d+: ", ""))
end
return function(event)
  local out = {}
  for _, name in ipairs({ "Transfer-Encoding", "connection", "Keep-Alive", "TE",
                          "Upgrade", "X-Accel-Redirect", "x-accel-buffering",
                          "Via", "Expect", "Host", "Accept-Encoding", "If-None-Match",
                          "X-Fine" }) do
    out[#out + 1] = try(name)
  end
  return faas.respond(200, nil, table.concat(out, "\n") .. "\n")
end
--- request eval
["GET /v", "GET /o"]
--- response_body eval
['faas.req.set_header: header "transfer-encoding" is owned by nginx in viewer-request
faas.req.set_header: header "connection" is owned by nginx in viewer-request
faas.req.set_header: header "keep-alive" is owned by nginx in viewer-request
faas.req.set_header: header "te" is owned by nginx in viewer-request
faas.req.set_header: header "upgrade" is owned by nginx in viewer-request
faas.req.set_header: header "x-accel-redirect" is owned by nginx in viewer-request
faas.req.set_header: header "x-accel-buffering" is owned by nginx in viewer-request
faas.req.set_header: header "via" is read-only in viewer-request
faas.req.set_header: header "expect" is read-only in viewer-request
faas.req.set_header: header "host" is read-only in viewer-request
Accept-Encoding ok
If-None-Match ok
X-Fine ok
',
'faas.req.set_header: header "transfer-encoding" is owned by nginx in origin-request
faas.req.set_header: header "connection" is owned by nginx in origin-request
faas.req.set_header: header "keep-alive" is owned by nginx in origin-request
faas.req.set_header: header "te" is owned by nginx in origin-request
faas.req.set_header: header "upgrade" is owned by nginx in origin-request
faas.req.set_header: header "x-accel-redirect" is owned by nginx in origin-request
faas.req.set_header: header "x-accel-buffering" is owned by nginx in origin-request
faas.req.set_header: header "via" is read-only in origin-request
Expect ok
Host ok
faas.req.set_header: header "accept-encoding" is read-only in origin-request
faas.req.set_header: header "if-none-match" is read-only in origin-request
X-Fine ok
']
--- no_error_log
[error]



=== TEST 24: an invalid header name is refused
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
  faas.req.set_header("bad name", "1")
end
--- request
GET /t
--- error_code: 502
--- error_log
faas.req.set_header: invalid header name "bad name"



=== TEST 25: CR/LF in a value is refused, never injected
--- http_config
faas_function inject html/inject.lua;
--- config
location /t {
    faas_viewer_request inject;
    proxy_pass http://127.0.0.1:$server_port/origin;
}
location /origin {
    add_header X-Origin-Saw "$http_x_a|$http_x_injected";
    return 200 "origin\n";
}
--- user_files
>>> inject.lua
return function(event)
  faas.req.set_header("x-a", "a\r\nX-Injected: 1")
end
--- request
GET /t
--- error_code: 502
--- response_body_unlike: origin
--- response_headers
!X-Origin-Saw
!X-Injected
--- error_log
faas.req.set_header: the value of "x-a" has a control character



=== TEST 26: a refused write changes nothing: a list with one bad value sets none, the old header stays
--- http_config
faas_function half html/half.lua;
--- config
location /t {
    faas_viewer_request half;
    proxy_pass http://127.0.0.1:$server_port/origin;
}
location /origin {
    return 200 "a=[$http_x_a] injected=[$http_x_injected] new=[$http_x_new]\n$http_x_errs\n";
}
--- user_files
>>> half.lua
local function try(...)
  local ok, err = pcall(...)
  return ok and "ok" or (tostring(err):gsub("^.-:%d+: ", ""))
end
return function(event)
  local set = faas.req.set_header
  faas.req.set_header("x-errs", table.concat({
    try(set, "x-a", { "good", "bad\r\nX-Injected: 1" }),
    try(set, "x-new", { "good", "bad\0" }),
    try(set, "x-a", true),
    try(set, "x-a", { "good", {} }),
    try(set, "x-a", { "good", 42, false }),
    try(faas.req.header, "bad:name"),
    try(set, "", "1"),
  }, " | "))
end
--- request
GET /t
--- more_headers
X-A: old
--- response_body
a=[old] injected=[] new=[]
faas.req.set_header: the value of "x-a" has a control character | faas.req.set_header: the value of "x-new" has a control character | faas.req.set_header: the value of "x-a" must be a string, not boolean | faas.req.set_header: the value of "x-a" must be a string, not table | faas.req.set_header: the value of "x-a" must be a string, not boolean | faas.req.header: invalid header name "bad:name" | faas.req.set_header: invalid header name ""
--- no_error_log
[error]



=== TEST 27: faas.req.set_uri refuses a path without a leading "/"
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
  faas.req.set_uri("no-slash")
end
--- request
GET /t
--- error_code: 502
--- error_log eval
qr/failed \(runtime\): \S*uri.lua:2: faas.req.set_uri: invalid value "no-slash": a path starts with "\/" and has no "\?"/



=== TEST 28: the other bad uris and query strings; a refused one leaves the request as it was
--- http_config
faas_function uri html/uri.lua;
--- config
location /t {
    faas_viewer_request uri;
    return 200 "unreached\n";
}
--- user_files
>>> uri.lua
local function try(...)
  local ok, err = pcall(...)
  if ok then return "ok" end
  err = tostring(err):gsub("^.-:%d+: ", "")
  return (err:gsub("%c", function(c) return "\\" .. c:byte() end))
end
return function(event)
  local out = {
    try(faas.req.set_uri, "/a?b=1"),
    try(faas.req.set_uri, ""),
    try(faas.req.set_uri, "/a\nb"),
    try(faas.req.set_querystring, "a=1 b"),
    try(faas.req.set_querystring, "a=1#frag"),
    try(faas.req.set_querystring, "a=\r\n"),
    faas.req.uri() .. "?" .. faas.req.querystring(),
  }
  return faas.respond(200, nil, table.concat(out, "\n") .. "\n")
end
--- request
GET /t/x?q=1
--- response_body
faas.req.set_uri: invalid value "/a?b=1": a path starts with "/" and has no "?" (set the querystring) or control characters
faas.req.set_uri: invalid value "": a path starts with "/" and has no "?" (set the querystring) or control characters
faas.req.set_uri: invalid value "/a\10b": a path starts with "/" and has no "?" (set the querystring) or control characters
faas.req.set_querystring: invalid value "a=1 b": a query string has no "#", spaces or control characters
faas.req.set_querystring: invalid value "a=1#frag": a query string has no "#", spaces or control characters
faas.req.set_querystring: invalid value "a=\13\10": a query string has no "#", spaces or control characters
/t/x?q=1
--- no_error_log
[error]



=== TEST 29: the request is read-only in viewer-response
--- http_config
faas_function late html/late.lua;
--- config
location /t {
    faas_viewer_response late;
    return 200 "page\n";
}
--- user_files
>>> late.lua
return function(event)
  faas.req.set_header("x-late", "1")
end
--- request
GET /t
--- error_code: 502
--- response_body_like: 502 function error
--- error_log eval
qr/function "late" in viewer-response, request_id=\w+: failed \(runtime\): \S*late.lua:2: faas.req.set_header: the request is read-only in viewer-response/



=== TEST 30: faas.resp in viewer-request: there is no response
--- http_config
faas_function early html/early.lua;
--- config
location /t {
    faas_viewer_request early;
    return 200 "unreached\n";
}
--- user_files
>>> early.lua
return function(event)
  local ct = faas.resp.header("content-type")
end
--- request
GET /t
--- error_code: 502
--- error_log eval
qr/function "early" in viewer-request, request_id=\w+: failed \(runtime\): \S*early.lua:2: faas.resp.header: viewer-request has no response \(faas.respond makes one\)/



=== TEST 31: faas.resp in every event without a response, faas.req writes in both response events
--- http_config
faas_function probe html/probe.lua;
faas_function probe_resp html/probe.lua;
--- config
location /v {
    faas_viewer_request probe;
    return 200 "unreached\n";
}
location /o {
    faas_origin_request probe;
    proxy_pass http://127.0.0.1:$server_port/origin;
}
location /api/ {
    faas_content probe;
}
location /r {
    faas_origin_response probe_resp;
    faas_viewer_response probe_resp;
    proxy_pass http://127.0.0.1:$server_port/origin;
}
location /origin {
    return 200 "origin\n";
}
--- user_files
>>> probe.lua
local function try(...)
  local ok, err = pcall(...)
  return ok and "ok" or (tostring(err):gsub("^.-:%d+: ", ""))
end
return function(event, context)
  if context.event_type:find("response") then
    local prev = faas.resp.header("x-probe")
    faas.resp.set_header("x-probe", (prev and prev .. " / " or "")
      .. try(faas.req.set_header, "x-a", "1") .. " | "
      .. try(faas.req.set_uri, "/x") .. " | "
      .. try(faas.req.set_querystring, "x") .. " | "
      .. tostring(faas.req.header("x-none")))
    return
  end
  return faas.respond(200, nil, table.concat({
    try(faas.resp.header, "server"),
    try(faas.resp.set_header, "x-a", "1"),
    try(faas.resp.status),
  }, "\n") .. "\n")
end
--- request eval
["GET /v", "GET /o", "GET /api/x", "GET /r"]
--- response_body eval
["faas.resp.header: viewer-request has no response (faas.respond makes one)
faas.resp.set_header: viewer-request has no response (faas.respond makes one)
faas.resp.status: viewer-request has no response (faas.respond makes one)
",
"faas.resp.header: origin-request has no response (faas.respond makes one)
faas.resp.set_header: origin-request has no response (faas.respond makes one)
faas.resp.status: origin-request has no response (faas.respond makes one)
",
"faas.resp.header: content has no response (faas.respond makes one)
faas.resp.set_header: content has no response (faas.respond makes one)
faas.resp.status: content has no response (faas.respond makes one)
",
"origin\n"]
--- response_headers eval
["", "", "", "X-Probe: faas.req.set_header: the request is read-only in origin-response | faas.req.set_uri: the request is read-only in origin-response | faas.req.set_querystring: the request is read-only in origin-response | nil / faas.req.set_header: the request is read-only in viewer-response | faas.req.set_uri: the request is read-only in viewer-response | faas.req.set_querystring: the request is read-only in viewer-response | nil"]
--- no_error_log
[error]



=== TEST 32: faas.redirect with a status that is not a redirect
--- http_config
faas_function redirect html/redirect.lua;
--- config
location /t {
    faas_viewer_request redirect;
    return 200 "unreached\n";
}
--- user_files
>>> redirect.lua
return function(event)
  local r = faas.redirect("https://example.com/", 200)
  return r
end
--- request
GET /t
--- error_code: 502
--- response_headers
!Location
--- error_log eval
qr/failed \(runtime\): \S*redirect.lua:2: faas.redirect: the status must be 301, 302, 303, 307 or 308, not 200/



=== TEST 33: faas.respond with a status below 100
--- http_config
faas_function respond html/respond.lua;
--- config
location /t {
    faas_viewer_request respond;
    return 200 "unreached\n";
}
--- user_files
>>> respond.lua
return function(event)
  local r = faas.respond(99, nil, "x")
  return r
end
--- request
GET /t
--- error_code: 502
--- error_log eval
qr/failed \(runtime\): \S*respond.lua:2: faas.respond: the status must be a number from 100 to 599/



=== TEST 34: the other bad responses: statuses, headers a generated response cannot have, control characters, locations
--- http_config
faas_function respond html/respond.lua;
--- config
location /t {
    faas_viewer_request respond;
    return 200 "unreached\n";
}
--- user_files
>>> respond.lua
local function try(...)
  local ok, err = pcall(...)
  return ok and "ok" or (tostring(err):gsub("^.-:%d+: ", ""))
end
return function(event)
  local R, D = faas.respond, faas.redirect
  return R(200, nil, table.concat({
    try(R, 600),
    try(R, 200.5),
    try(R, 200, { ["Content-Length"] = "1" }, "abc"),
    try(R, 200, { Connection = "close" }),
    try(R, 200, { ["X-Accel-Redirect"] = "/internal" }),
    try(R, 200, { ["X-A"] = { "ok", "a\r\nSet-Cookie: admin=1" } }),
    try(R, 200, { ["bad name"] = "1" }),
    try(R, 200, { "positional" }),
    try(R, 200, { ["X-A"] = true }),
    try(D, "", 302),
    try(D, "https://example.com/\r\nX-A: 1"),
    try(D, "https://example.com/", 304),
    try(R, 599, { ["X-Fine"] = "1" }, "fine"),
    tostring(getmetatable(R(200))) .. " " .. type(D("/x")),
  }, "\n") .. "\n")
end
--- request
GET /t
--- response_body
faas.respond: the status must be a number from 100 to 599
faas.respond: the status must be a number from 100 to 599
faas.respond: header "content-length" is read-only in a generated response
faas.respond: header "connection" is owned by nginx in a generated response
faas.respond: header "x-accel-redirect" is owned by nginx in a generated response
faas.respond: the value of "x-a" has a control character
faas.respond: invalid header name "bad name"
faas.respond: header names must be strings
faas.respond: the value of "x-a" must be a string, not boolean
faas.redirect: the location is empty or has a control character
faas.redirect: the location is empty or has a control character
faas.redirect: the status must be 301, 302, 303, 307 or 308, not 304
ok
faas.response userdata
--- no_error_log
[error]



=== TEST 35: returning a faas.respond response from viewer-response is a bad return
--- http_config
faas_function gen html/gen.lua;
--- config
location /t {
    faas_viewer_response gen;
    return 200 "page\n";
}
--- user_files
>>> gen.lua
local R = faas.respond(200, nil, "replaced\n")
return function(event)
  return R
end
--- request
GET /t
--- error_code: 502
--- response_body_like: 502 function error
--- response_body_unlike: replaced
--- error_log eval
qr/function "gen" in viewer-response, request_id=\w+: failed \(bad-return\): viewer-response must return the response: faas.respond serves request events and content functions/



=== TEST 36: after the event's request table, a direct write to the request is refused
--- http_config
faas_function mix html/mix.lua;
--- config
location /t {
    faas_viewer_request mix;
    return 200 "unreached\n";
}
--- user_files
>>> mix.lua
return function(event)
  local request = event.Records[1].cf.request
  faas.req.set_header("x-a", "1")
  return request
end
--- request
GET /t
--- error_code: 502
--- error_log eval
qr/function "mix" in viewer-request, request_id=\w+: failed \(runtime\): \S*mix.lua:3: faas.req.set_header: this handler changes the event's request table \(event.Records\[1\].cf.request\): change that table instead, one invocation writes a message one way/



=== TEST 37: one message one way: every direct write to a message whose table was read is refused, reads and the other message are not
--- http_config
faas_function mix html/mix.lua;
--- config
location /t {
    faas_viewer_request mix;
    return 200 "uri=$uri a=$http_x_a\n$http_x_errs\n";
}
location /r {
    faas_viewer_response mix;
    return 200 "page\n";
}
--- user_files
>>> mix.lua
local function try(...)
  local ok, err = pcall(...)
  return ok and "ok" or (tostring(err):gsub("^.-:%d+: ", ""))
end
return function(event, context)
  if context.event_type == "viewer-request" then
    local request = event.Records[1].cf.request
    request.headers["x-errs"] = {{ value = table.concat({
      try(faas.req.set_uri, "/other"),
      try(faas.req.set_querystring, "a=1"),
      try(faas.req.set_header, "x-a", "1"),
      faas.req.header("x-client"),
    }, " | ") }}
    return request
  end
  local response = event.Records[1].cf.response
  local request = event.Records[1].cf.request
  response.headers["x-errs"] = {{ value = table.concat({
    try(faas.resp.set_header, "x-a", "1"),
    faas.resp.header("content-type"),
    tostring(faas.resp.status()),
    request.uri,
  }, " | ") }}
  return response
end
--- request eval
["GET /t", "GET /r"]
--- more_headers
X-Client: c
--- response_body eval
["uri=/t a=
faas.req.set_uri: this handler changes the event's request table (event.Records[1].cf.request): change that table instead, one invocation writes a message one way | faas.req.set_querystring: this handler changes the event's request table (event.Records[1].cf.request): change that table instead, one invocation writes a message one way | faas.req.set_header: this handler changes the event's request table (event.Records[1].cf.request): change that table instead, one invocation writes a message one way | c
", "page\n"]
--- response_headers eval
["", "X-Errs: faas.resp.set_header: this handler changes the event's response table (event.Records[1].cf.response): change that table instead, one invocation writes a message one way | text/plain | 200 | /r"]
--- no_error_log
[error]



=== TEST 38: the worker serves on after every kind of refused call
--- http_config
faas_function bad html/bad.lua;
faas_function fine html/fine.lua;
--- config
location /bad {
    faas_viewer_request bad;
    return 200 "bad ok $http_x_ok\n";
}
location /fine {
    faas_viewer_request fine;
    return 200 "unreached\n";
}
--- user_files
>>> bad.lua
local GONE = faas.respond(410, nil, "gone\n")
return function(event)
  local q = faas.req.querystring()
  if q == "host" then faas.req.set_header("Host", "x")
  elseif q == "name" then faas.req.set_header("bad name", "1")
  elseif q == "crlf" then faas.req.set_header("x-a", "1\r\n")
  elseif q == "uri" then faas.req.set_uri("x")
  elseif q == "resp" then faas.resp.header("x")
  elseif q == "redirect" then return faas.redirect("/x", 200)
  elseif q == "respond" then return faas.respond(99)
  elseif q == "mix" then local r = event.Records[1].cf.request; faas.req.set_header("x-a", "1")
  elseif q == "gone" then return GONE
  end
  faas.req.set_header("x-ok", "yes")
end
>>> fine.lua
local calls = 0
return function(event)
  calls = calls + 1
  return faas.respond(200, nil, "fine " .. calls .. "\n")
end
--- request eval
["GET /fine", "GET /bad?host", "GET /bad?name", "GET /bad?crlf", "GET /bad?uri", "GET /bad?resp",
 "GET /bad?redirect", "GET /bad?respond", "GET /bad?mix", "GET /bad?gone", "GET /bad", "GET /fine"]
--- error_code eval
[200, 502, 502, 502, 502, 502, 502, 502, 502, 410, 200, 200]
--- response_body_like eval
["^fine 1\n\$", "", "", "", "", "", "", "", "", "^gone\n\$", "^bad ok yes\n\$", "^fine 2\n\$"]
--- no_error_log
[alert]
[crit]



=== TEST 39: faas_on_error pass: a request event that wrote directly and then failed changes nothing, up to the origin; one that ran before it in the sequence keeps its writes
--- http_config
faas_function first html/first.lua;
faas_function failing html/failing.lua;
faas_function echo html/echo.lua;
--- config
location /t {
    faas_on_error pass;
    faas_viewer_request first failing;
    proxy_set_header X-Uri $uri;
    proxy_pass http://127.0.0.1:$server_port/origin$is_args$args;
}
location /origin {
    faas_viewer_request echo;
    return 200 "unreached\n";
}
--- user_files
>>> first.lua
return function(event)
  faas.req.set_header("X-First", "kept")
end
>>> failing.lua
local SET = faas.headers({ ["X-Set"] = "1", ["X-Secret"] = false })
return function(event)
  faas.req.set_headers(SET)
  faas.req.set_header("X-Many", { "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16", "17", "18", "19", "20", "21", "22" })
  faas.req.set_header("User-Agent", "changed")
  faas.req.set_uri("/elsewhere")
  faas.req.set_querystring("changed=1")
  error("boom")
end
>>> echo.lua
return function(event)
  local h = faas.req.header
  return faas.respond(200, nil, table.concat({ h("x-uri"), faas.req.querystring() or "",
    tostring(h("x-first")), tostring(h("x-set")), tostring(h("x-secret")),
    tostring(h("x-many")), tostring(h("user-agent")) }, "|") .. "\n")
end
--- request
GET /t?q=1
--- more_headers
X-Secret: s3cret
User-Agent: agent
--- response_body
/t|q=1|kept|nil|s3cret|nil|agent
--- error_log
boom



=== TEST 40: faas_on_error pass: a response event that wrote directly and then failed leaves the response as it was (headers hidden and added, Server, Content-Type)
--- http_config
faas_function failing html/failing.lua;
--- config
location /t {
    faas_on_error pass;
    add_header X-Frame-Options SAMEORIGIN;
    faas_viewer_response failing;
    return 200 "page\n";
}
--- user_files
>>> failing.lua
return function(event)
  faas.resp.set_headers({ ["X-Frame-Options"] = "DENY", ["X-Added"] = "1", Server = false,
    ["Content-Type"] = "application/json" })
  error("boom")
end
--- request
GET /t
--- response_headers
X-Frame-Options: SAMEORIGIN
X-Added:
Content-Type: text/plain
--- response_headers_like
Server: nginx.*
--- response_body
page
--- error_log
boom



=== TEST 41: faas_on_error fail (the default): the same request event fails the request
--- http_config
faas_function failing html/failing.lua;
--- config
location /t {
    faas_viewer_request failing;
    return 200 "unreached\n";
}
--- user_files
>>> failing.lua
return function(event)
  faas.req.set_header("X-Set", "1")
  error("boom")
end
--- request
GET /t
--- error_code: 502
--- error_log
boom



=== TEST 42: a response returned each time ends the invocation without a protected call; what cannot be sent so gets the protected ending's error, and the worker serves on
--- http_config
faas_function quick html/quick.lua;
faas_response_max 1k;
--- config
location /t {
    faas_viewer_request quick;
    return 200 "unreached\n";
}
--- user_files
>>> quick.lua
local OK = faas.respond(200, { ["X-Quick"] = "yes" }, "ok\n")
local SET = faas.headers({ ["X-A"] = "a" })
local BIG = faas.respond(200, nil, ("b"):rep(2000))
return function(event)
  local q = faas.req.querystring()
  if q == "set" then return SET end
  if q == "big" then return BIG end
  if q == "redirect" then return faas.redirect("https://example.com" .. faas.req.uri(), 301) end
  return OK
end
--- pipelined_requests eval
["GET /t", "GET /t", "GET /t?set", "GET /t", "GET /t?big", "GET /t?redirect", "GET /t"]
--- error_code eval
[200, 200, 502, 200, 502, 301, 200]
--- response_body_like eval
["^ok\n\$", "^ok\n\$", "", "^ok\n\$", "", "", "^ok\n\$"]
--- no_error_log
[alert]
[crit]



=== TEST 43: faas.req.cookie: a cookie of any Cookie header, spaces ignored, the name exact, nil for none
--- http_config
faas_function cookie html/cookie.lua;
--- config
location /t {
    faas_viewer_request cookie;
    return 200 "unreached\n";
}
--- user_files
>>> cookie.lua
return function(event)
  local c = faas.req.cookie
  return faas.respond(200, nil, table.concat({ c("ab"), c("x"), c("q"),
    tostring(c("AB")), tostring(c("none")) }, "|") .. "\n")
end
--- request
GET /t
--- more_headers
Cookie: x = 2 ; ab=b
Cookie: ab=second; q="v"
--- response_body
b|2|"v"|nil|nil
--- no_error_log
[error]



=== TEST 44: faas.req.cookie of a name that is no token: a 502 and the reason
--- http_config
faas_function cookie html/cookie.lua;
--- config
location /t {
    faas_viewer_request cookie;
    return 200 "unreached\n";
}
--- user_files
>>> cookie.lua
return function(event)
  return faas.respond(200, nil, tostring(faas.req.cookie("a b")))
end
--- request
GET /t
--- error_code: 502
--- error_log
faas.req.cookie: invalid cookie name "a b"
