# Many headers in one call: faas.req.set_headers(t), faas.resp.set_headers(t)
# and faas.headers(t).  t maps names (any case) to a string, a number, a
# list of them, or false to remove every header of the name; a header set
# of faas.headers is t checked and copied once, set by every invocation with
# no check but whether the event may write each name.  Every bad call ends
# the invocation with a 502 and one log line, the worker serving on.

use Test::Nginx::Socket 'no_plan';

run_tests();

__DATA__

=== TEST 1: viewer-response: a header set made at the top of the file serves every request (HSTS, X-Frame-Options, two Set-Cookie, no Server)
--- http_config
faas_function security html/security.lua;
--- config
location /t {
    add_header X-Frame-Options SAMEORIGIN;
    faas_viewer_response security;
    return 200 "page\n";
}
--- user_files
>>> security.lua
local SECURITY = faas.headers({
  ["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains",
  ["X-Frame-Options"] = "DENY",
  ["Set-Cookie"] = { "a=1; Path=/; Secure", "b=2; Path=/; HttpOnly" },
  Server = false,
})
local calls = 0
return function(event)
  calls = calls + 1
  faas.resp.set_headers(SECURITY)
  faas.resp.set_header("X-Call", calls)
end
--- pipelined_requests eval
["GET /t", "GET /t", "GET /t"]
--- response_body eval
["page\n", "page\n", "page\n"]
--- response_headers eval
["Strict-Transport-Security: max-age=63072000; includeSubDomains
X-Frame-Options: DENY
X-Call: 1
!Server",
"Strict-Transport-Security: max-age=63072000; includeSubDomains
X-Frame-Options: DENY
X-Call: 2
!Server",
"Strict-Transport-Security: max-age=63072000; includeSubDomains
X-Frame-Options: DENY
X-Call: 3
!Server"]
--- raw_response_headers_like eval
["\r\nSet-Cookie: a=1; Path=/; Secure\r\nSet-Cookie: b=2; Path=/; HttpOnly\r\n",
 "\r\nSet-Cookie: a=1; Path=/; Secure\r\nSet-Cookie: b=2; Path=/; HttpOnly\r\n",
 "\r\nSet-Cookie: a=1; Path=/; Secure\r\nSet-Cookie: b=2; Path=/; HttpOnly\r\n"]
--- no_error_log
[error]



=== TEST 2: the same through a plain table: made in the handler, or at the top of the file and reused
--- http_config
faas_function fresh html/fresh.lua;
faas_function kept html/kept.lua;
--- config
location /fresh {
    add_header X-Frame-Options SAMEORIGIN;
    faas_viewer_response fresh;
    return 200 "fresh\n";
}
location /kept {
    add_header X-Frame-Options SAMEORIGIN;
    faas_viewer_response kept;
    return 200 "kept\n";
}
--- user_files
>>> fresh.lua
return function(event)
  faas.resp.set_headers({
    ["strict-transport-security"] = "max-age=63072000; includeSubDomains",
    ["x-frame-options"] = "DENY",
    ["SET-COOKIE"] = { "a=1; Path=/; Secure", "b=2; Path=/; HttpOnly" },
    server = false,
  })
end
>>> kept.lua
local SECURITY = {
  ["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains",
  ["X-Frame-Options"] = "DENY",
  ["Set-Cookie"] = { "a=1; Path=/; Secure", "b=2; Path=/; HttpOnly" },
  Server = false,
}
return function(event)
  faas.resp.set_headers(SECURITY)
end
--- request eval
["GET /fresh", "GET /kept", "GET /fresh", "GET /kept"]
--- response_body eval
["fresh\n", "kept\n", "fresh\n", "kept\n"]
--- response_headers eval
["Strict-Transport-Security: max-age=63072000; includeSubDomains
X-Frame-Options: DENY
!Server",
"Strict-Transport-Security: max-age=63072000; includeSubDomains
X-Frame-Options: DENY
!Server",
"Strict-Transport-Security: max-age=63072000; includeSubDomains
X-Frame-Options: DENY
!Server",
"Strict-Transport-Security: max-age=63072000; includeSubDomains
X-Frame-Options: DENY
!Server"]
--- raw_response_headers_like eval
["\r\nSET-COOKIE: a=1; Path=/; Secure\r\nSET-COOKIE: b=2; Path=/; HttpOnly\r\n",
 "\r\nSet-Cookie: a=1; Path=/; Secure\r\nSet-Cookie: b=2; Path=/; HttpOnly\r\n",
 "\r\nSET-COOKIE: a=1; Path=/; Secure\r\nSET-COOKIE: b=2; Path=/; HttpOnly\r\n",
 "\r\nSet-Cookie: a=1; Path=/; Secure\r\nSet-Cookie: b=2; Path=/; HttpOnly\r\n"]
--- no_error_log
[error]



=== TEST 3: a header set is a userdata "faas.headers", a copy of its table: numbers as strings, false and an empty list remove
--- http_config
faas_function copy html/copy.lua;
--- config
location /t {
    add_header X-Gone old;
    add_header X-Empty old;
    add_header X-Keep kept;
    faas_viewer_response copy;
    return 200 "page\n";
}
--- user_files
>>> copy.lua
local t = {
  ["X-A"] = "1",
  ["X-L"] = { "a", "b" },
  ["X-N"] = 42,
  ["X-Ns"] = { 1, 2.5 },
  ["X-Gone"] = false,
  ["X-Empty"] = {},
  ["Content-Type"] = "text/x-set",
}
local SET = faas.headers(t)
t["X-A"] = "2"
t["X-L"][1] = "z"
t["X-B"] = "new"
t["X-Gone"] = "back"
t["X-Empty"][1] = "back"
local INFO = type(SET) .. " " .. tostring(getmetatable(SET)) .. " " .. type(faas.headers({}))
return function(event)
  faas.resp.set_headers(SET)
  faas.resp.set_header("X-Info", INFO)
end
--- request
GET /t
--- response_body
page
--- response_headers
X-A: 1
X-N: 42
X-Info: userdata faas.headers userdata
Content-Type: text/x-set
X-Keep: kept
!X-B
!X-Gone
!X-Empty
--- raw_response_headers_like: \r\nX-L: a\r\nX-L: b\r\n
--- raw_response_headers_unlike: \r\nX-L: z\r\n
--- no_error_log
[error]



=== TEST 4: the set's list of numbers keeps each number's string
--- http_config
faas_function nums html/nums.lua;
--- config
location /t {
    faas_viewer_response nums;
    return 200 "page\n";
}
--- user_files
>>> nums.lua
local SET = faas.headers({ ["X-Ns"] = { 1, 2.5, "three" } })
return function(event)
  faas.resp.set_headers(SET)
  faas.resp.set_headers({ ["X-Nt"] = { 4, 5.5, "six" } })
end
--- request
GET /t
--- response_body
page
--- raw_response_headers_like: \r\nX-Ns: 1\r\nX-Ns: 2.5\r\nX-Ns: three\r\n(?s:.*?)X-Nt: 4\r\nX-Nt: 5.5\r\nX-Nt: six\r\n
--- no_error_log
[error]



=== TEST 5: viewer-request: faas.req.set_headers adds, replaces and removes headers in one call; nginx's $http_* and faas.req.header see them
--- http_config
faas_function req html/req.lua;
--- config
location /t {
    faas_viewer_request req;
    return 200 "add=$http_x_add replace=$http_x_replace gone=[$http_x_gone] n=$http_x_n ua=[$http_user_agent] ab=$cookie_ab seen=$http_x_seen\n";
}
--- user_files
>>> req.lua
return function(event)
  faas.req.set_headers({
    ["X-Add"] = "new",
    ["x-REPLACE"] = "replaced",
    ["X-Gone"] = false,
    ["X-N"] = 7,
    ["User-Agent"] = false,
    Cookie = "ab=b",
  })
  local h = faas.req.header
  faas.req.set_header("X-Seen", table.concat({ h("x-add"), h("X-Replace"),
    tostring(h("x-gone")), tostring(h("user-agent")), h("cookie"), h("x-n"),
    h("x-keep") }, "|"))
end
--- request
GET /t
--- more_headers
X-Replace: old
X-Gone: secret
X-Gone: again
User-Agent: test-agent
Cookie: ab=a
X-Keep: kept
--- response_body
add=new replace=replaced gone=[] n=7 ua=[] ab=b seen=new|replaced|nil|nil|ab=b|7|kept
--- no_error_log
[error]



=== TEST 6: viewer-request: what a header set and a table set reaches the origin; a header removed by false does not
--- http_config
faas_function edge html/edge.lua;
faas_function echo html/echo.lua;
--- config
location /t {
    faas_viewer_request edge;
    proxy_pass http://127.0.0.1:$server_port/origin;
}
location /origin {
    faas_viewer_request echo;
    return 200 "unreached\n";
}
--- user_files
>>> edge.lua
local SET = faas.headers({
  ["X-Edge"] = "1",
  ["X-Multi"] = { "a", "b" },
  ["X-Secret"] = false,
})
return function(event)
  if faas.req.querystring() == "table" then
    faas.req.set_headers({ ["X-Edge"] = "table", ["x-multi"] = { "c", "d", "e" }, ["x-secret"] = false })
  else
    faas.req.set_headers(SET)
  end
end
>>> echo.lua
return function(event)
  local h = faas.req.header
  return faas.respond(200, nil, table.concat({ "edge=" .. h("x-edge"),
    "multi=" .. h("x-multi"), "secret=" .. tostring(h("x-secret")),
    "keep=" .. h("x-keep") }, " ") .. "\n")
end
--- request eval
["GET /t", "GET /t?table", "GET /t"]
--- more_headers
X-Secret: s3cr3t
X-Secret: again
X-Multi: old
X-Keep: yes
--- response_body eval
["edge=1 multi=a, b secret=nil keep=yes\n",
 "edge=table multi=c, d, e secret=nil keep=yes\n",
 "edge=1 multi=a, b secret=nil keep=yes\n"]
--- no_error_log
[error]



=== TEST 7: origin-request: set_headers writes what the origin sees, $http_* variables there too
--- http_config
faas_function tag html/tag.lua;
--- config
location /t {
    faas_origin_request tag;
    proxy_pass http://127.0.0.1:$server_port/origin;
}
location /origin {
    return 200 "tag=$http_x_tag by=$http_x_by secret=[$http_x_secret] ua=[$http_user_agent] keep=$http_x_keep\n";
}
--- user_files
>>> tag.lua
local TAG = faas.headers({ ["X-Tag"] = "origin", ["X-Secret"] = false })
return function(event)
  faas.req.set_headers(TAG)
  faas.req.set_headers({ ["X-By"] = "table", ["User-Agent"] = false })
end
--- request
GET /t
--- more_headers
X-Secret: s3cr3t
User-Agent: test-agent
X-Keep: yes
--- response_body
tag=origin by=table secret=[] ua=[] keep=yes
--- no_error_log
[error]



=== TEST 8: origin-response: set_headers changes the origin's response; a set with Warning may be set here, not in viewer-response
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
local CACHE = faas.headers({
  ["Cache-Control"] = "public, max-age=300",
  ["X-Origin"] = false,
  Warning = "199 - \"edge\"",
})
return function(event)
  faas.resp.set_headers(CACHE)
  faas.resp.set_headers({ ["X-Seen"] = faas.resp.status() .. " " .. tostring(faas.resp.header("x-origin")),
                          ["X-List"] = { "1", "2" } })
end
--- request
GET /t
--- response_body
from origin
--- response_headers
Cache-Control: public, max-age=300
X-Seen: 200 nil
Warning: 199 - "edge"
!X-Origin
--- raw_response_headers_like: \r\nX-List: 1\r\nX-List: 2\r\n
--- no_error_log
[error]



=== TEST 9: one header set in every event: a request header in viewer-request and origin-request, a response header in origin-response and viewer-response
--- http_config
faas_function stamp html/stamp.lua;
--- config
location /t {
    faas_viewer_request stamp;
    faas_origin_request stamp;
    faas_origin_response stamp;
    faas_viewer_response stamp;
    proxy_pass http://127.0.0.1:$server_port/origin;
}
location /origin {
    return 200 "stamp=$http_x_stamp\n";
}
--- user_files
>>> stamp.lua
local STAMP = faas.headers({ ["X-Stamp"] = "s" })
return function(event, context)
  if context.event_type:find("request") then
    faas.req.set_headers(STAMP)
  else
    faas.resp.set_headers(STAMP)
    faas.resp.set_headers({ ["X-" .. context.event_type] = "1" })
  end
end
--- request
GET /t
--- response_body
stamp=s
--- response_headers
X-Stamp: s
X-origin-response: 1
X-viewer-response: 1
--- no_error_log
[error]



=== TEST 10: large tables (more names, values or name bytes than the C stack holds) are set whole, on the request
--- http_config
faas_function big html/big.lua;
faas_function echo html/echo.lua;
--- config
location /t {
    faas_viewer_request big;
    proxy_pass http://127.0.0.1:$server_port/origin;
}
location /origin {
    faas_viewer_request echo;
    return 200 "unreached\n";
}
--- user_files
>>> big.lua
local function names(n)
  local t = {}
  for i = 1, n do t[string.format("X-H%02d", i)] = "v" .. i end
  t["X-Old"] = false
  return t
end
local SET = faas.headers(names(40))
return function(event)
  local q = faas.req.querystring()
  if q == "names" then
    faas.req.set_headers(names(40))
  elseif q == "set" then
    faas.req.set_headers(SET)
  elseif q == "values" then
    local t = { ["X-Old"] = false }
    for i = 1, 5 do t["X-V" .. i] = { i, i .. "b", i .. "c", i .. "d", i .. "e" } end
    faas.req.set_headers(t)
  elseif q == "bytes" then
    local t = { ["X-Old"] = false }
    for i = 0, 9 do t["X-Long-" .. i .. "-" .. string.rep("n", 110)] = "l" .. i end
    faas.req.set_headers(t)
  end
end
>>> echo.lua
return function(event)
  local out = {}
  for name, list in pairs(event.Records[1].cf.request.headers) do
    if name:find("^x%-") then
      local v = {}
      for i, h in ipairs(list) do v[i] = h.value end
      out[#out + 1] = name .. "=" .. table.concat(v, ",")
    end
  end
  table.sort(out)
  return faas.respond(200, nil, table.concat(out, "\n") .. "\n")
end
--- request eval
["GET /t?names", "GET /t?set", "GET /t?values", "GET /t?bytes", "GET /t?set"]
--- more_headers
X-Old: old
X-H07: old
X-H40: old
--- response_body eval
my $names = CORE::join('', map { sprintf("x-h%02d=v%d\n", $_, $_) } 1 .. 40);
my $values = CORE::join('', map { "x-v$_=$_,${_}b,${_}c,${_}d,${_}e\n" } 1 .. 5);
my $bytes = CORE::join('', map { "x-long-$_-" . ("n" x 110) . "=l$_\n" } 0 .. 9);
my $kept = "x-h07=old\nx-h40=old\n";
[$names, $names, $kept . $values, $kept . $bytes, $names]
--- no_error_log
[error]



=== TEST 11: large tables and a large header set on the response: 40 names, every one sent
--- http_config
faas_function big html/big.lua;
--- config
location /t {
    add_header X-H07 old;
    add_header X-Old old;
    faas_viewer_response big;
    return 200 "page\n";
}
--- user_files
>>> big.lua
local function names(n)
  local t = { ["X-Old"] = false }
  for i = 1, n do t[string.format("X-H%02d", i)] = "v" .. i end
  return t
end
local SET = faas.headers(names(40))
return function(event)
  if faas.req.querystring() == "set" then
    faas.resp.set_headers(SET)
  else
    faas.resp.set_headers(names(40))
  end
end
--- pipelined_requests eval
["GET /t?set", "GET /t", "GET /t?set"]
--- response_body eval
["page\n", "page\n", "page\n"]
--- raw_response_headers_like eval
my $all = CORE::join('', map { sprintf('(?=.*\r\nX-H%02d: v%d\r\n)', $_, $_) } 1 .. 40);
["^$all", "^$all", "^$all"]
--- raw_response_headers_unlike eval
["X-Old|: old\r\n", "X-Old|: old\r\n", "X-Old|: old\r\n"]
--- no_error_log
[error]



=== TEST 12: a name twice in two cases
--- http_config
faas_function twice html/twice.lua;
--- config
location /t {
    faas_viewer_response twice;
    return 200 "page\n";
}
--- user_files
>>> twice.lua
return function(event)
  faas.resp.set_headers({ ["X-A"] = "1", ["x-a"] = "2" })
end
--- request
GET /t
--- error_code: 502
--- response_body_like: 502 function error
--- error_log eval
qr/\[error\] .*faas: function "twice" in viewer-response, request_id=[0-9a-f]{32}: failed \(runtime\): \S*twice.lua:2: faas.resp.set_headers: header "x-a" is named twice \(a name is one header whatever its case\)/
--- grep_error_log eval: qr/\[error\]/
--- grep_error_log_out
[error]



=== TEST 13: a name twice among 40 (the sorted check of a large table)
--- http_config
faas_function twice html/twice.lua;
--- config
location /t {
    faas_viewer_request twice;
    return 200 "unreached\n";
}
--- user_files
>>> twice.lua
return function(event)
  local t = { ["x-h07"] = "again" }
  for i = 1, 40 do t[string.format("X-H%02d", i)] = "v" .. i end
  faas.req.set_headers(t)
end
--- request
GET /t
--- error_code: 502
--- error_log eval
qr/\[error\] .*faas: function "twice" in viewer-request, request_id=[0-9a-f]{32}: failed \(runtime\): \S*twice.lua:4: faas.req.set_headers: header "x-h07" is named twice \(a name is one header whatever its case\)/
--- grep_error_log eval: qr/\[error\]/
--- grep_error_log_out
[error]



=== TEST 14: faas.headers: a name twice
--- http_config
faas_function twice html/twice.lua;
--- config
location /t {
    faas_origin_request twice;
    proxy_pass http://127.0.0.1:$server_port/origin;
}
location /origin {
    return 200 "origin\n";
}
--- user_files
>>> twice.lua
return function(event)
  local set = faas.headers({ ["Cache-Control"] = "a", ["cache-control"] = "b" })
  faas.req.set_headers(set)
end
--- request
GET /t
--- error_code: 502
--- response_body_unlike: origin
--- error_log eval
qr/function "twice" in origin-request, request_id=[0-9a-f]{32}: failed \(runtime\): \S*twice.lua:2: faas.headers: header "cache-control" is named twice \(a name is one header whatever its case\)/
--- grep_error_log eval: qr/\[error\]/
--- grep_error_log_out
[error]



=== TEST 15: a name that is not a string
--- http_config
faas_function names html/names.lua;
--- config
location /t {
    faas_viewer_response names;
    return 200 "page\n";
}
--- user_files
>>> names.lua
return function(event)
  faas.resp.set_headers({ "positional" })
end
--- request
GET /t
--- error_code: 502
--- error_log eval
qr/function "names" in viewer-response, request_id=[0-9a-f]{32}: failed \(runtime\): \S*names.lua:2: faas.resp.set_headers: header names must be strings, not number/
--- grep_error_log eval: qr/\[error\]/
--- grep_error_log_out
[error]



=== TEST 16: an invalid header name
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
  faas.req.set_headers({ ["X-Fine"] = "1", ["bad name"] = "1" })
end
--- request
GET /t
--- error_code: 502
--- error_log eval
qr/function "name" in viewer-request, request_id=[0-9a-f]{32}: failed \(runtime\): \S*name.lua:2: faas.req.set_headers: invalid header name "bad name"/
--- grep_error_log eval: qr/\[error\]/
--- grep_error_log_out
[error]



=== TEST 17: a value that is not a string or a number
--- http_config
faas_function value html/value.lua;
--- config
location /t {
    faas_origin_response value;
    proxy_pass http://127.0.0.1:$server_port/origin;
}
location /origin {
    return 200 "origin\n";
}
--- user_files
>>> value.lua
return function(event)
  faas.resp.set_headers({ ["X-A"] = true })
end
--- request
GET /t
--- error_code: 502
--- response_body_unlike: origin
--- error_log eval
qr/function "value" in origin-response, request_id=[0-9a-f]{32}: failed \(runtime\): \S*value.lua:2: faas.resp.set_headers: the value of "x-a" must be a string, not boolean/
--- grep_error_log eval: qr/\[error\]/
--- grep_error_log_out
[error]



=== TEST 18: CR/LF in a value is refused, nothing reaches the origin
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
  faas.req.set_headers({ ["x-a"] = "a\r\nX-Injected: 1" })
end
--- request
GET /t
--- error_code: 502
--- response_body_unlike: origin
--- response_headers
!X-Origin-Saw
!X-Injected
--- error_log eval
qr/function "inject" in viewer-request, request_id=[0-9a-f]{32}: failed \(runtime\): \S*inject.lua:2: faas.req.set_headers: the value of "x-a" has a control character/
--- grep_error_log eval: qr/\[error\]/
--- grep_error_log_out
[error]



=== TEST 19: a control character in a header set's list is refused when the set is made
--- http_config
faas_function inject html/inject.lua;
--- config
location /t {
    faas_viewer_response inject;
    return 200 "page\n";
}
--- user_files
>>> inject.lua
return function(event)
  local set = faas.headers({ ["Set-Cookie"] = { "a=1", "b=2\nX-Injected: 1" } })
  faas.resp.set_headers(set)
end
--- request
GET /t
--- error_code: 502
--- response_headers
!Set-Cookie
!X-Injected
--- error_log eval
qr/function "inject" in viewer-response, request_id=[0-9a-f]{32}: failed \(runtime\): \S*inject.lua:2: faas.headers: the value of "set-cookie" has a control character/
--- grep_error_log eval: qr/\[error\]/
--- grep_error_log_out
[error]



=== TEST 20: a read-only header: Content-Length in viewer-response
--- http_config
faas_function length html/length.lua;
--- config
location /t {
    faas_viewer_response length;
    return 200 "page\n";
}
--- user_files
>>> length.lua
return function(event)
  faas.resp.set_headers({ ["X-Fine"] = "1", ["Content-Length"] = "0" })
end
--- request
GET /t
--- error_code: 502
--- response_headers
!X-Fine
--- error_log eval
qr/function "length" in viewer-response, request_id=[0-9a-f]{32}: failed \(runtime\): \S*length.lua:2: faas.resp.set_headers: header "content-length" is read-only in viewer-response/
--- grep_error_log eval: qr/\[error\]/
--- grep_error_log_out
[error]



=== TEST 21: a header nginx owns: Connection in origin-request
--- http_config
faas_function owned html/owned.lua;
--- config
location /t {
    faas_origin_request owned;
    proxy_pass http://127.0.0.1:$server_port/origin;
}
location /origin {
    return 200 "origin\n";
}
--- user_files
>>> owned.lua
return function(event)
  faas.req.set_headers({ Connection = "close" })
end
--- request
GET /t
--- error_code: 502
--- response_body_unlike: origin
--- error_log eval
qr/function "owned" in origin-request, request_id=[0-9a-f]{32}: failed \(runtime\): \S*owned.lua:2: faas.req.set_headers: header "connection" is owned by nginx in origin-request/
--- grep_error_log eval: qr/\[error\]/
--- grep_error_log_out
[error]



=== TEST 22: a header set with Via, made at the top of the file, given to faas.req.set_headers in viewer-request
--- http_config
faas_function via html/via.lua;
--- config
location /t {
    faas_viewer_request via;
    return 200 "unreached $http_x_fine\n";
}
--- user_files
>>> via.lua
local SET = faas.headers({ ["X-Fine"] = "1", Via = "1.1 edge" })
return function(event)
  faas.req.set_headers(SET)
end
--- request
GET /t
--- error_code: 502
--- response_body_unlike: unreached
--- error_log eval
qr/function "via" in viewer-request, request_id=[0-9a-f]{32}: failed \(runtime\): \S*via.lua:3: faas.req.set_headers: header "via" is read-only in viewer-request/
--- grep_error_log eval: qr/\[error\]/
--- grep_error_log_out
[error]



=== TEST 23: a header set with X-Accel-Redirect: owned by nginx in every event, refused when the set is made
--- http_config
faas_function accel html/accel.lua;
--- config
location /t {
    faas_viewer_response accel;
    return 200 "page\n";
}
--- user_files
>>> accel.lua
local SET = faas.headers({ ["X-Accel-Redirect"] = "/internal" })
return function(event)
  faas.resp.set_headers(SET)
end
--- request
GET /t
--- error_code: 502
--- response_headers
!X-Accel-Redirect
--- error_log eval
qr/function "accel" in viewer-response, request_id=[0-9a-f]{32}: failed \(runtime\): \S*accel.lua:1: faas.headers: header "x-accel-redirect" is owned by nginx/
--- grep_error_log eval: qr/\[error\]/
--- grep_error_log_out
[error]



=== TEST 24: a userdata that is not a header set
--- http_config
faas_function other html/other.lua;
--- config
location /t {
    faas_viewer_response other;
    return 200 "page\n";
}
--- user_files
>>> other.lua
local R = faas.respond(200, { ["X-A"] = "1" })
return function(event)
  faas.resp.set_headers(R)
end
--- request
GET /t
--- error_code: 502
--- response_headers
!X-A
--- error_log eval
qr/function "other" in viewer-response, request_id=[0-9a-f]{32}: failed \(runtime\): \S*other.lua:3: faas.resp.set_headers: a table or a header set of faas.headers expected/
--- grep_error_log eval: qr/\[error\]/
--- grep_error_log_out
[error]



=== TEST 25: after the handler took the event's response, set_headers is refused: change that table instead
--- http_config
faas_function mix html/mix.lua;
--- config
location /t {
    faas_viewer_response mix;
    return 200 "page\n";
}
--- user_files
>>> mix.lua
local SET = faas.headers({ ["X-A"] = "1" })
return function(event)
  local response = event.Records[1].cf.response
  faas.resp.set_headers(SET)
  return response
end
--- request
GET /t
--- error_code: 502
--- response_headers
!X-A
--- error_log eval
qr/function "mix" in viewer-response, request_id=[0-9a-f]{32}: failed \(runtime\): \S*mix.lua:4: faas.resp.set_headers: this handler changes the event's response table \(event.Records\[1\].cf.response\): change that table instead, one invocation writes a message one way/
--- grep_error_log eval: qr/\[error\]/
--- grep_error_log_out
[error]



=== TEST 26: the same for the request: after the event's request table, faas.req.set_headers is refused
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
  faas.req.set_headers({ ["X-A"] = "1" })
  return request
end
--- request
GET /t
--- error_code: 502
--- error_log eval
qr/function "mix" in viewer-request, request_id=[0-9a-f]{32}: failed \(runtime\): \S*mix.lua:3: faas.req.set_headers: this handler changes the event's request table \(event.Records\[1\].cf.request\): change that table instead, one invocation writes a message one way/
--- grep_error_log eval: qr/\[error\]/
--- grep_error_log_out
[error]



=== TEST 27: every refused call, caught: its message; nothing of a refused table is set, what was there stays
--- http_config
faas_function errs html/errs.lua;
--- config
location /t {
    add_header X-Old old;
    faas_viewer_response errs;
    return 200 "page\n";
}
--- user_files
>>> errs.lua
local function try(...)
  local ok, err = pcall(...)
  return ok and "ok" or (tostring(err):gsub("^.-:%d+: ", ""))
end
local TOP = try(faas.resp.set_headers, {})
local TOP_REQ = try(faas.req.set_headers, faas.headers({}))
local VIA = faas.headers({ Via = "1.1 edge" })
local function big(extra)
  local t = {}
  for i = 1, 20 do t["X-H" .. i] = "v" .. i end
  for k, v in pairs(extra) do t[k] = v end
  return t
end
return function(event)
  local set, H = faas.resp.set_headers, faas.headers
  local out = {
    TOP,
    TOP_REQ,
    try(set, { ["X-New"] = "1", ["X-Old"] = false, ["X-Bad"] = { "good", {} } }),
    try(set, big({ ["X-Old"] = false, ["X-Bad"] = false, ["x-bad"] = "1" })),
    try(set, big({ ["X-Old"] = false, [true] = "1" })),
    try(set, big({ ["X-Old"] = false, ["bad:name"] = "1" })),
    try(set, big({ ["X-Old"] = false, ["X-Bad"] = "a\0b" })),
    try(set, { [1.5] = "1" }),
    try(set, { [""] = "1" }),
    try(set, { ["X-A"] = { "a", 1, false } }),
    try(set, { Warning = "199 - x" }),
    try(set, { TE = "trailers" }),
    try(set, VIA),
    try(set, "X-A"),
    try(set),
    try(set, H({ ["X-A"] = "1" }), "extra"),
    try(H, { [false] = "1" }),
    try(H, { ["X-A"] = function() end }),
    try(H, { ["X-A"] = "1", ["x-A"] = "2" }),
    try(H, "X-A"),
    try(faas.req.set_headers, { ["X-A"] = "1" }),
    try(faas.req.set_headers, VIA),
  }
  set({ ["X-Errs"] = table.concat(out, " | ") })
end
--- request
GET /t
--- response_body
page
--- response_headers
X-Old: old
!X-New
!X-H1
X-Errs: faas.resp.set_headers: only a handler has a request | faas.req.set_headers: only a handler has a request | faas.resp.set_headers: the value of "x-bad" must be a string, not table | faas.resp.set_headers: header "x-bad" is named twice (a name is one header whatever its case) | faas.resp.set_headers: header names must be strings, not boolean | faas.resp.set_headers: invalid header name "bad:name" | faas.resp.set_headers: the value of "x-bad" has a control character | faas.resp.set_headers: header names must be strings, not number | faas.resp.set_headers: invalid header name "" | faas.resp.set_headers: the value of "x-a" must be a string, not boolean | faas.resp.set_headers: header "warning" is read-only in viewer-response | faas.resp.set_headers: header "te" is owned by nginx in viewer-response | faas.resp.set_headers: header "via" is read-only in viewer-response | bad argument #1 to '?' (table expected, got string) | bad argument #1 to '?' (table expected, got no value) | ok | faas.headers: header names must be strings, not boolean | faas.headers: the value of "x-a" must be a string, not function | faas.headers: header "x-a" is named twice (a name is one header whatever its case) | bad argument #1 to '?' (table expected, got string) | faas.req.set_headers: the request is read-only in viewer-response | faas.req.set_headers: the request is read-only in viewer-response
--- no_error_log
[error]



=== TEST 28: faas.resp.set_headers in a request event: there is no response
--- http_config
faas_function early html/early.lua;
--- config
location /t {
    faas_viewer_request early;
    return 200 "unreached\n";
}
--- user_files
>>> early.lua
local SET = faas.headers({ ["X-A"] = "1" })
return function(event)
  faas.resp.set_headers(SET)
end
--- request
GET /t
--- error_code: 502
--- error_log eval
qr/function "early" in viewer-request, request_id=[0-9a-f]{32}: failed \(runtime\): \S*early.lua:3: faas.resp.set_headers: viewer-request has no response \(faas.respond makes one\)/
--- grep_error_log eval: qr/\[error\]/
--- grep_error_log_out
[error]



=== TEST 29: the worker serves on after every kind of refused call: each 502 is followed by a 200
--- http_config
faas_function bad html/bad.lua;
--- config
location /req {
    faas_viewer_request bad;
    return 200 "req ok $http_x_ok\n";
}
location /resp {
    faas_viewer_response bad;
    return 200 "resp ok\n";
}
--- user_files
>>> bad.lua
local VIA = faas.headers({ Via = "1.1 edge" })
local OK = faas.headers({ ["X-Ok"] = "yes" })
local R = faas.respond(200)
local function big(extra)
  local t = {}
  for i = 1, 40 do t[string.format("X-H%02d", i)] = "v" .. i end
  for k, v in pairs(extra) do t[k] = v end
  return t
end
return function(event, context)
  local q = faas.req.querystring()
  if context.event_type == "viewer-request" then
    local set = faas.req.set_headers
    if q == "twice" then set({ ["X-A"] = "1", ["x-a"] = "2" })
    elseif q == "bigtwice" then set(big({ ["x-h01"] = "again" }))
    elseif q == "number" then set({ "positional" })
    elseif q == "name" then set({ ["bad name"] = "1" })
    elseif q == "value" then set({ ["X-A"] = false, ["X-B"] = true })
    elseif q == "crlf" then set({ ["X-A"] = "1\r\n" })
    elseif q == "host" then set({ Host = "evil.example" })
    elseif q == "owned" then set({ Connection = "close" })
    elseif q == "via" then set(VIA)
    elseif q == "other" then set(R)
    elseif q == "mix" then local r = event.Records[1].cf.request; set(OK)
    elseif q == "resp" then faas.resp.set_headers(OK)
    elseif q == "headers" then faas.headers({ ["X-A"] = "1", ["X-a"] = "2" })
    end
    set(OK)
    return
  end
  local set = faas.resp.set_headers
  if q == "twice" then set({ ["X-A"] = "1", ["x-a"] = "2" })
  elseif q == "length" then set({ ["Content-Length"] = "1" })
  elseif q == "via" then set(VIA)
  elseif q == "mix" then local r = event.Records[1].cf.response; set(OK)
  elseif q == "req" then faas.req.set_headers(OK)
  end
  set(OK)
end
--- request eval
["GET /req?twice", "GET /req",
 "GET /req?bigtwice", "GET /req",
 "GET /req?number", "GET /req",
 "GET /req?name", "GET /req",
 "GET /req?value", "GET /req",
 "GET /req?crlf", "GET /req",
 "GET /req?host", "GET /req",
 "GET /req?owned", "GET /req",
 "GET /req?via", "GET /req",
 "GET /req?other", "GET /req",
 "GET /req?mix", "GET /req",
 "GET /req?resp", "GET /req",
 "GET /req?headers", "GET /req",
 "GET /resp?twice", "GET /resp",
 "GET /resp?length", "GET /resp",
 "GET /resp?via", "GET /resp",
 "GET /resp?mix", "GET /resp",
 "GET /resp?req", "GET /resp"]
--- error_code eval
[map { ($_ % 2) ? 200 : 502 } 0 .. 35]
--- response_body_like eval
[map { ($_ % 2) ? ($_ < 26 ? "^req ok yes\n\$" : "^resp ok\n\$") : "502 function error|502 Bad Gateway" } 0 .. 35]
--- response_headers eval
[map { ($_ % 2 && $_ > 26) ? "X-Ok: yes" : "" } 0 .. 35]
--- no_error_log
[alert]
[crit]
