# Configuration: functions are compiled at start (never run), and every
# mistake stops nginx -t with a message that names the problem.

use Test::Nginx::Socket 'no_plan';

run_tests();

__DATA__

=== TEST 1: a function loads and serves
--- http_config
faas_function hello html/hello.lua memory=1m timeout=20ms;
--- config
location /t {
    faas_viewer_request hello;
    return 200 "ok\n";
}
--- user_files
>>> hello.lua
return function(event) return nil end
--- request
GET /t
--- response_body
ok
--- no_error_log
[error]



=== TEST 2: a syntax error names the file and the line
--- http_config
faas_function broken html/broken.lua;
--- config
location /t { return 200; }
--- user_files
>>> broken.lua
return function(event)
  if then end
end
--- must_die
--- error_log eval
qr/function "broken": \S+html\/broken\.lua:2: unexpected symbol near 'then'/



=== TEST 3: the top-level code is not run at configuration time
--- http_config
faas_function lazy html/lazy.lua;
--- config
location /t { return 200 "started\n"; }
--- user_files
>>> lazy.lua
error("top-level code ran at configuration time")
--- request
GET /t
--- response_body
started
--- no_error_log
top-level code ran



=== TEST 4: an unknown function name
--- config
location /t { faas_viewer_request nosuch; return 200; }
--- must_die
--- error_log
unknown function "nosuch" in "faas_viewer_request"



=== TEST 5: a duplicate function name
--- http_config
faas_function twice html/a.lua;
faas_function twice html/a.lua;
--- config
location /t { return 200; }
--- user_files
>>> a.lua
return function() end
--- must_die
--- error_log
duplicate function "twice"



=== TEST 6: a bad size
--- http_config
faas_function f html/a.lua memory=lots;
--- config
location /t { return 200; }
--- user_files
>>> a.lua
return function() end
--- must_die
--- error_log
invalid parameter "memory=lots" in "faas_function" directive



=== TEST 7: a bad time
--- http_config
faas_function f html/a.lua timeout=soon;
--- config
location /t { return 200; }
--- user_files
>>> a.lua
return function() end
--- must_die
--- error_log
invalid parameter "timeout=soon" in "faas_function" directive



=== TEST 8: an unknown parameter
--- http_config
faas_function f html/a.lua colour=blue;
--- config
location /t { return 200; }
--- user_files
>>> a.lua
return function() end
--- must_die
--- error_log
invalid parameter "colour=blue" in "faas_function" directive



=== TEST 9: a missing file
--- http_config
faas_function f html/missing.lua;
--- config
location /t { return 200; }
--- must_die
--- error_log eval
qr/function "f": cannot open "\S+html\/missing\.lua": No such file or directory/



=== TEST 10: a bytecode file is refused
--- http_config
faas_function f html/bc.lua;
--- config
location /t { return 200; }
--- user_files eval
">>> bc.lua\n\x1bLJ\x02\x00junk"
--- must_die
--- error_log
bytecode is refused, only Lua source is loaded



=== TEST 11: a directive given twice in one location
--- http_config
faas_function f html/a.lua;
--- config
location /t {
    faas_viewer_request f;
    faas_viewer_request f;
    return 200;
}
--- user_files
>>> a.lua
return function() end
--- must_die
--- error_log
"faas_viewer_request" directive is duplicate



=== TEST 12: faas_on_error takes fail or pass
--- config
location /t { faas_on_error maybe; return 200; }
--- must_die
--- error_log
invalid value "maybe"



=== TEST 13: a file that does not return a handler
--- http_config
faas_function f html/noreturn.lua;
--- config
location /t { faas_viewer_request f; return 200 "ok\n"; }
--- user_files
>>> noreturn.lua
local x = 1
--- request
GET /t
--- error_code: 502
--- error_log eval
qr/function "f" in viewer-request, request_id=\w+: failed \(bad-return\): \S+noreturn.lua: the file must return the handler function/



=== TEST 14: env= values are the function's faas.env
--- http_config
faas_function f html/env.lua env=STAGE=prod env=REGION=eu-west-1;
--- config
location /t { faas_viewer_request f; return 200 "unreached\n"; }
--- user_files
>>> env.lua
return function(event)
  return { status = 200, body = faas.env.STAGE .. " " .. faas.env.REGION }
end
--- request
GET /t
--- response_body chomp
prod eu-west-1
--- no_error_log
[error]



=== TEST 15: max_invocations recycles the warm state
--- http_config
faas_function counter html/counter.lua max_invocations=2;
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
  return { status = 200, body = hits .. " " .. tostring(context.cold_start) .. "\n" }
end
--- pipelined_requests eval
["GET /t", "GET /t", "GET /t"]
--- response_body eval
["1 true\n", "2 false\n", "1 true\n"]
--- no_error_log
[error]



=== TEST 16: memory_high must be below memory
--- http_config
faas_function f html/a.lua memory=1m memory_high=2m;
--- config
location /t { return 200; }
--- user_files
>>> a.lua
return function() end
--- must_die
--- error_log
"memory_high=" must be below "memory=" in "faas_function" directive
