# faas.kv and faas_state: function state in LMDB, staged per invocation and
# committed in one transaction after the handler returned a valid result.
# Every block has a state directory of its own under html/ (which the
# runner recreates for each block).  Persistence across reload and
# restart and exact increments over two workers: t/011-kv-durable.t.

use Test::Nginx::Socket 'no_plan';

master_on();
workers(2);

run_tests();

__DATA__

=== TEST 1: set, get, incr and delete across requests and workers
--- http_config
faas_state html/state;
faas_function kv html/kv.lua;
--- config
location /t {
    faas_viewer_request kv;
}
--- user_files
>>> kv.lua
local kv = faas.kv
return function(event)
  local op = event.Records[1].cf.request.querystring
  local body
  if op == "set" then
    kv.set("greeting", "hello")
    kv.set("n", 40)
    body = "set"
  elseif op == "incr" then
    body = kv.incr("n", 2) .. " " .. kv.incr("fresh") .. " " .. kv.incr("n", -0.5)
  elseif op == "delete" then
    kv.delete("greeting")
    body = "deleted"
  else
    body = tostring(kv.get("greeting")) .. " " .. tostring(kv.get("n"))
  end
  return { status = 200, body = body .. "\n" }
end
--- request eval
["GET /t?get", "GET /t?set", "GET /t?get", "GET /t?incr", "GET /t?get",
 "GET /t?delete", "GET /t?get"]
--- response_body eval
["nil nil\n", "set\n", "hello 40\n", "42 1 41.5\n", "hello 41.5\n",
 "deleted\n", "nil 41.5\n"]
--- no_error_log
[error]



=== TEST 2: reads see the invocation's own staged writes
--- http_config
faas_state html/state;
faas_function kv html/kv.lua;
--- config
location /t {
    faas_viewer_request kv;
}
--- user_files
>>> kv.lua
local kv = faas.kv
return function(event)
  local seen = {}
  kv.set("a", "staged")
  seen[#seen + 1] = kv.get("a")
  kv.incr("c", 5)
  kv.incr("c", 5)
  seen[#seen + 1] = kv.get("c")
  kv.delete("a")
  seen[#seen + 1] = tostring(kv.get("a"))
  kv.set("a", nil)
  kv.set("b", 1)
  seen[#seen + 1] = kv.incr("b", 1)
  return { status = 200, body = table.concat(seen, " ") .. "\n" }
end
--- request eval
["GET /t", "GET /t"]
--- response_body eval
["staged 10 nil 2\n", "staged 20 nil 2\n"]
--- no_error_log
[error]



=== TEST 3: a handler that fails after its writes commits none of them
--- http_config
faas_state html/state;
faas_function kv html/kv.lua;
--- config
location /t {
    faas_viewer_request kv;
    error_page 502 /after;
}
location /after {
    faas_viewer_response kv;
    return 200 "after\n";
}
--- user_files
>>> kv.lua
local kv = faas.kv
return function(event, context)
  if context.event_type == "viewer-response" then
    local response = event.Records[1].cf.response
    response.headers["x-seen"] = {{ key = "X-Seen", value =
      tostring(kv.get("written")) .. " " .. tostring(kv.get("count")) }}
    return response
  end
  kv.set("written", "yes")
  kv.incr("count", 100)
  error("failing after the writes")
end
--- request
GET /t
--- error_code: 502
--- response_headers
X-Seen: nil nil
--- error_log
kv.lua:11: failing after the writes
--- no_error_log
failed (state)



=== TEST 4: a result that fails validation commits nothing either
--- http_config
faas_state html/state;
faas_function kv html/kv.lua;
--- config
location /t {
    faas_viewer_request kv;
    error_page 502 /after;
}
location /after {
    faas_viewer_response kv;
    return 200 "after\n";
}
--- user_files
>>> kv.lua
return function(event, context)
  if context.event_type == "viewer-response" then
    local response = event.Records[1].cf.response
    response.headers["x-seen"] = {{ key = "X-Seen",
                                   value = tostring(faas.kv.get("written")) }}
    return response
  end
  faas.kv.set("written", "yes")
  return { status = "not a status" }
end
--- request
GET /t
--- error_code: 502
--- response_headers
X-Seen: nil
--- error_log
failed (bad-return): response.status must be a number



=== TEST 5: namespaces: two functions never see each other's keys
--- http_config
faas_state html/state;
faas_function one html/ns.lua;
faas_function two html/ns.lua;
--- config
location /one {
    faas_viewer_request one;
}
location /two {
    faas_viewer_request two;
}
--- user_files
>>> ns.lua
return function(event, context)
  local request = event.Records[1].cf.request
  if request.querystring == "write" then
    faas.kv.set("owner", context.function_name)
  end
  return { status = 200, body = context.function_name .. ": "
                                .. tostring(faas.kv.get("owner")) .. "\n" }
end
--- request eval
["GET /one?write", "GET /two", "GET /two?write", "GET /one"]
--- response_body eval
["one: one\n", "two: nil\n", "two: two\n", "one: one\n"]
--- no_error_log
[error]



=== TEST 6: a ttl: the entry is gone once it expired, others stay
--- http_config
faas_state html/state;
faas_function kv html/kv.lua;
--- config
location /t {
    faas_viewer_request kv;
}
--- user_files
>>> kv.lua
return function(event)
  if event.Records[1].cf.request.querystring == "set" then
    faas.kv.set("short", "lived", 1)
    faas.kv.set("long", "lived", 3600)
    faas.kv.incr("window", 1, 1)
  end
  return { status = 200, body = tostring(faas.kv.get("short")) .. " "
           .. tostring(faas.kv.get("long")) .. " "
           .. tostring(faas.kv.get("window")) .. "\n" }
end
--- request eval
["GET /t?set", "GET /t"]
--- wait: 1.5
--- response_body eval
["lived lived 1\n", "nil lived nil\n"]
--- no_error_log
[error]



=== TEST 7: values over the size limit are a runtime error, nothing is staged
--- http_config
faas_state html/state;
faas_function kv html/kv.lua;
--- config
location /t {
    faas_viewer_request kv;
    error_page 502 /after;
}
location /after {
    faas_viewer_response kv;
    return 200 "after\n";
}
--- user_files
>>> kv.lua
return function(event, context)
  if context.event_type == "viewer-response" then
    local response = event.Records[1].cf.response
    response.headers["x-seen"] = {{ key = "X-Seen",
                                   value = tostring(faas.kv.get("fits")) }}
    return response
  end
  faas.kv.set("fits", "yes")
  faas.kv.set("big", string.rep("x", 70 * 1024))
end
--- request
GET /t
--- error_code: 502
--- response_headers
X-Seen: nil
--- error_log
kv.lua:9: faas.kv.set: value of 71680 bytes exceeds the limit of 65536 bytes



=== TEST 8: map full: class state, a 503, a log line naming faas_state size=; what was committed before stays readable
--- http_config
faas_state html/state size=64k;
faas_function early html/early.lua;
faas_function fill html/fill.lua timeout=1s;
--- config
location /t {
    # a sequence: each step is an invocation of its own and commits alone
    faas_viewer_request early fill;
    error_page 503 /after;
}
location /after {
    faas_viewer_response early;
    return 200 "after\n";
}
--- user_files
>>> early.lua
return function(event, context)
  if context.event_type == "viewer-response" then
    local response = event.Records[1].cf.response
    response.headers["x-seen"] = {{ key = "X-Seen",
                                   value = tostring(faas.kv.get("early")) }}
    return response
  end
  faas.kv.set("early", "kept")
  return event.Records[1].cf.request
end
>>> fill.lua
return function(event)
  for i = 1, 32 do
    faas.kv.set("fill" .. i, string.rep("v", 4000))
  end
  return event.Records[1].cf.request
end
--- request
GET /t
--- error_code: 503
--- response_headers
X-Seen: kept
--- error_log eval
qr/function "fill" in viewer-request, request_id=\w+: failed \(state\): faas\.kv: the commit of 32 staged keys failed: the state map of \d+ bytes in "[^"]+\/html\/state" is full, raise faas_state size= \(mdb_\w+\(\) failed: MDB_MAP_FULL/



=== TEST 9: without faas_state, faas.kv says which directive is missing
--- http_config
faas_function kv html/kv.lua;
--- config
location /t {
    faas_viewer_request kv;
}
--- user_files
>>> kv.lua
return function(event)
  faas.kv.get("x")
end
--- request
GET /t
--- error_code: 502
--- error_log
faas.kv needs function state: add "faas_state DIR" to the http block



=== TEST 10: every way out of a handler commits: continue, nil, viewer-response (sync=on)
--- http_config
faas_state html/state sync=on;
faas_function req html/req.lua;
faas_function resp html/resp.lua;
--- config
location /continue {
    faas_viewer_request req;
    return 200 "continue=$http_x_count\n";
}
location /response {
    faas_viewer_response resp;
    return 200 "response\n";
}
--- user_files
>>> req.lua
return function(event)
  local request = event.Records[1].cf.request
  local n = faas.kv.incr("c")
  if request.querystring == "nil" then return nil end
  request.headers["x-count"] = {{ key = "X-Count", value = tostring(n) }}
  return request
end
>>> resp.lua
return function(event)
  local response = event.Records[1].cf.response
  response.headers["x-count"] = {{ key = "X-Count",
                                  value = tostring(faas.kv.incr("c")) }}
  return response
end
--- request eval
["GET /continue", "GET /continue?nil", "GET /continue", "GET /response",
 "GET /response"]
--- response_body eval
["continue=1\n", "continue=\n", "continue=3\n", "response\n", "response\n"]
--- response_headers eval
["", "", "", "X-Count: 1", "X-Count: 2"]
--- no_error_log
[error]



=== TEST 11: a state directory that is a file stops nginx -t
--- http_config
faas_state html/state;
--- user_files
>>> state
not a directory
--- must_die
--- error_log eval
[qr/\[emerg\] .*state directory "[^"]+\/html\/state" is not a directory in .*nginx\.conf:\d+/]



=== TEST 12: a corrupt data.mdb stops nginx -t
--- http_config
faas_state html/state;
--- user_files
>>> state/data.mdb
this is not an LMDB environment, it is just some text that is long enough to look like a file of a few pages: 0123456789 0123456789 0123456789 0123456789 0123456789 0123456789 0123456789 0123456789 0123456789 0123456789
--- must_die
--- error_log eval
[qr/\[emerg\] .*cannot open state directory "[^"]+\/html\/state": mdb_env_open\(\) failed: .*corrupt/]



=== TEST 13: a missing parent directory stops nginx -t
--- http_config
faas_state html/no/such/state;
--- must_die
--- error_log eval
[qr/\[emerg\] .*cannot create state directory "[^"]+\/html\/no\/such\/state": mkdir\(\) failed/]



=== TEST 14: bad parameters
--- http_config
faas_state html/state size=16k;
--- must_die
--- error_log
invalid value "size=16k" in "faas_state" directive: size= takes at least 64k



=== TEST 15: unknown parameter
--- http_config
faas_state html/state sync=maybe;
--- must_die
--- error_log
invalid parameter "sync=maybe" in "faas_state" directive



=== TEST 16: one faas_state per http block
--- http_config
faas_state html/state;
faas_state html/other;
--- must_die
--- error_log
"faas_state" directive is duplicate
