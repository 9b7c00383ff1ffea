# viewer-request: the Lambda@Edge request event, run first in the
# location's rewrite phase; what the handler changes is what the rest of
# nginx sees.

use Test::Nginx::Socket 'no_plan';

run_tests();

__DATA__

=== TEST 1: a header read and a header added
--- http_config
faas_function variant html/variant.lua;
--- config
location /t {
    faas_viewer_request variant;
    return 200 "variant=$http_x_variant country=$http_x_country\n";
}
--- user_files
>>> variant.lua
return function(event)
  local request = event.Records[1].cf.request
  local country = request.headers["x-country"]
  request.headers["x-variant"] = {{ key = "X-Variant",
                                   value = country and country[1].value == "DE" and "de" or "world" }}
  return request
end
--- request
GET /t
--- more_headers
X-Country: DE
--- response_body
variant=de country=DE
--- no_error_log
[error]



=== TEST 2: a uri rewrite keeps the location; rewrite and return see it
--- http_config
faas_function geo html/geo.lua;
--- config
location /x {
    faas_viewer_request geo;
    rewrite ^/de/(.*)$ /german/$1;
    return 200 "uri=$uri\n";
}
location /de/ {
    return 200 "wrong location\n";
}
--- user_files
>>> geo.lua
return function(event)
  local request = event.Records[1].cf.request
  if request.headers["x-country"][1].value == "DE" then
    request.uri = "/de" .. request.uri
  end
  return request
end
--- request
GET /x/page
--- more_headers
X-Country: DE
--- response_body
uri=/german/x/page
--- no_error_log
[error]



=== TEST 3: the query string
--- http_config
faas_function qs html/qs.lua;
--- config
location /t {
    faas_viewer_request qs;
    return 200 "args=$args a=$arg_a\n";
}
--- user_files
>>> qs.lua
return function(event)
  local request = event.Records[1].cf.request
  request.querystring = request.querystring .. "&a=2"
  return request
end
--- request
GET /t?b=1
--- response_body
args=b=1&a=2 a=2
--- no_error_log
[error]



=== TEST 4: an A/B test on a cookie, the header reaches the origin
--- http_config
faas_function ab html/ab.lua;
--- config
location /t {
    faas_viewer_request ab;
    proxy_pass http://127.0.0.1:$server_port/origin;
}
location /origin {
    return 200 "origin saw variant=$http_x_variant cookie=$cookie_ab\n";
}
--- user_files
>>> ab.lua
return function(event)
  local request = event.Records[1].cf.request
  local variant = "a"
  for _, c in ipairs(request.headers.cookie or {}) do
    if c.value:find("ab=b", 1, true) then variant = "b" end
  end
  request.headers["x-variant"] = {{ key = "X-Variant", value = variant }}
  return request
end
--- request
GET /t
--- more_headers
Cookie: session=1; ab=b
--- response_body
origin saw variant=b cookie=b
--- no_error_log
[error]



=== TEST 5: removing a header hides it from nginx and the origin
--- http_config
faas_function strip html/strip.lua;
--- config
location /t {
    faas_viewer_request strip;
    proxy_pass http://127.0.0.1:$server_port/origin;
}
location /origin {
    return 200 "ua=[$http_user_agent] secret=[$http_x_secret] keep=[$http_x_keep]\n";
}
--- user_files
>>> strip.lua
return function(event)
  local request = event.Records[1].cf.request
  request.headers["user-agent"] = nil
  request.headers["x-secret"] = nil
  return request
end
--- request
GET /t
--- more_headers
User-Agent: test-agent
X-Secret: s3cr3t
X-Keep: yes
--- response_body
ua=[] secret=[] keep=[yes]
--- no_error_log
[error]



=== TEST 6: a generated redirect built from Host and URI
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
  local request = event.Records[1].cf.request
  return {
    status = "302",
    statusDescription = "Found",
    headers = {
      location = {{ key = "Location",
                    value = "https://" .. request.headers.host[1].value .. request.uri }},
      ["cache-control"] = {{ key = "Cache-Control", value = "max-age=60" }},
    },
  }
end
--- request
GET /t/page
--- error_code: 302
--- response_headers
Location: https://localhost/t/page
Cache-Control: max-age=60
--- no_error_log
[error]



=== TEST 7: a generated response with a body, text and base64
--- http_config
faas_function hello html/hello.lua;
--- config
location /t {
    faas_viewer_request hello;
    return 200 "not generated\n";
}
--- user_files
>>> hello.lua
return function(event)
  local request = event.Records[1].cf.request
  if request.querystring == "b64" then
    return { status = 200, body = "aGVsbG8gYmFzZTY0Cg==", bodyEncoding = "base64",
             headers = { ["content-type"] = {{ value = "text/plain" }} } }
  end
  return { status = 201, body = "hello " .. request.method .. "\n",
           headers = { ["content-type"] = {{ value = "text/x-hello" }} } }
end
--- request eval
["GET /t", "GET /t?b64"]
--- error_code eval
[201, 200]
--- response_body eval
["hello GET\n", "hello base64\n"]
--- response_headers eval
["Content-Type: text/x-hello", "Content-Type: text/plain"]
--- no_error_log
[error]



=== TEST 8: module-level state survives between requests (warm state)
--- http_config
faas_function counter html/counter.lua;
--- config
location /t {
    faas_viewer_request counter;
    return 200 "unreached\n";
}
--- user_files
>>> counter.lua
local hits = 0
return function(event, context)
  hits = hits + 1
  return { status = 200,
           body = string.format("hits=%d cold=%s invocation=%d\n", hits,
                                tostring(context.cold_start), context.invocation) }
end
--- pipelined_requests eval
["GET /t", "GET /t", "GET /t"]
--- response_body eval
["hits=1 cold=true invocation=1\n", "hits=2 cold=false invocation=2\n", "hits=3 cold=false invocation=3\n"]
--- no_error_log
[error]



=== TEST 9: a sequence feeds each function the request the previous one wrote
--- http_config
faas_function first html/first.lua;
faas_function second html/second.lua;
--- config
location /t {
    faas_viewer_request first second;
    return 200 "uri=$uri steps=$http_x_steps\n";
}
--- user_files
>>> first.lua
return function(event)
  local request = event.Records[1].cf.request
  request.uri = "/one" .. request.uri
  request.headers["x-steps"] = {{ key = "X-Steps", value = "first" }}
  return request
end
>>> second.lua
return function(event)
  local request = event.Records[1].cf.request
  request.uri = "/two" .. request.uri
  request.headers["x-steps"][1].value = request.headers["x-steps"][1].value .. ",second"
  return request
end
--- request
GET /t
--- response_body
uri=/two/one/t steps=first,second
--- no_error_log
[error]



=== TEST 10: a generated response ends a sequence
--- http_config
faas_function deny html/deny.lua;
faas_function never html/never.lua;
--- config
location /t {
    faas_viewer_request deny never;
    return 200 "unreached\n";
}
--- user_files
>>> deny.lua
return function(event)
  return { status = 403, body = "denied\n" }
end
>>> never.lua
return function(event)
  error("the sequence went on after a generated response")
end
--- request
GET /t
--- error_code: 403
--- response_body
denied
--- no_error_log
[error]



=== TEST 11: nil means unchanged, even after changes to the table
--- http_config
faas_function noop html/noop.lua;
--- config
location /t {
    faas_viewer_request noop;
    return 200 "uri=$uri\n";
}
--- user_files
>>> noop.lua
return function(event)
  event.Records[1].cf.request.uri = "/changed"
  return nil
end
--- request
GET /t
--- response_body
uri=/t
--- no_error_log
[error]



=== TEST 12: the event and the context as Lambda@Edge documents them
--- http_config
faas_function show html/show.lua memory=2m;
--- config
location /t {
    faas_viewer_request show;
    return 200 "unreached\n";
}
--- user_files
>>> show.lua
return function(event, context)
  local cf = event.Records[1].cf
  local r = cf.request
  return { status = 200, body = table.concat({
    cf.config.eventType, r.method, r.uri, r.querystring, r.clientIp,
    r.headers.host[1].key, r.headers.host[1].value,
    tostring(#cf.config.requestId == 32), tostring(cf.config.requestId == context.request_id),
    context.function_name, tostring(#context.function_version == 16),
    context.event_type, tostring(context.memory_limit_in_mb),
    tostring(context.get_remaining_time_in_millis() <= 5),
  }, "|") .. "\n" }
end
--- request
GET /t/x?y=1
--- response_body
viewer-request|GET|/t/x|y=1|127.0.0.1|Host|localhost|true|true|show|true|viewer-request|2|true
--- no_error_log
[error]



=== TEST 13: viewer-request runs once per viewer request, not again after error_page
--- http_config
faas_function once html/once.lua;
--- config
faas_viewer_request once;
error_page 404 /missing.html;
location /files/ {
}
location = /missing.html {
    return 404 "not found\n";
}
--- user_files
>>> once.lua
return function(event)
  faas.log.warn("viewer-request ran for ", event.Records[1].cf.request.uri)
end
--- request
GET /files/nothing-here
--- error_code: 404
--- response_body
not found
--- grep_error_log eval
qr/viewer-request ran for [^,\s]+/
--- grep_error_log_out
viewer-request ran for /files/nothing-here



=== TEST 14: headers the request did not have: nginx's own fields see them
--- http_config
faas_function add html/add.lua;
--- config
location /t {
    faas_viewer_request add;
    return 200 "referer=$http_referer ab=$cookie_ab new=$http_x_new\n";
}
--- user_files
>>> add.lua
return function(event)
  local h = event.Records[1].cf.request.headers
  h.referer = {{ key = "Referer", value = "https://example.com/" }}
  h.cookie = {{ key = "Cookie", value = "ab=b" }}
  h["x-new"] = {{ key = "X-New", value = "1" }}
  return event.Records[1].cf.request
end
--- request
GET /t
--- response_body
referer=https://example.com/ ab=b new=1
--- no_error_log
[error]
