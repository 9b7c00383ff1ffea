# The warm-state lifecycle: the cap on warm states per worker with LRU
# eviction (faas_warm_states), and prewarm at worker start (faas_prewarm).
# Recycling after limits, max_invocations and memory_high is in
# t/004-failures.t and tests/test_recycle.c; the LRU itself is unit
# tested in tests/test_lru.c.

use Test::Nginx::Socket 'no_plan';

# three functions a, b, c at /a, /b, /c, in blocks whose http_config has
# a "# abc" line: each answers "NAME COLD"

my $fns = '';
my $locs = '';

for my $n (qw(a b c)) {
    $fns .= "faas_function $n html/$n.lua;\n";
    $locs .= "location /$n { faas_viewer_request $n; return 200; }\n";
}

add_block_preprocessor(sub {
    my $block = shift;

    return unless ($block->http_config // '') =~ /^# abc$/m;

    my $files = '';

    for my $n (qw(a b c)) {
        $files .= ">>> $n.lua\nreturn function(event, context)\n"
            . "  return { status = 200, body = '$n ' .. "
            . "tostring(context.cold_start) .. '\\n' }\nend\n";
    }

    $block->set_value('http_config', ($block->http_config // '') . $fns);
    $block->set_value('config', ($block->config // '') . $locs);
    $block->set_value('user_files', ($block->user_files // '') . $files);
});

run_tests();

__DATA__

=== TEST 1: without a cap every function stays warm
--- http_config
# abc
--- config
--- request eval
["GET /a", "GET /b", "GET /c", "GET /a"]
--- response_body eval
["a true\n", "b true\n", "c true\n", "a false\n"]
--- no_error_log
[error]



=== TEST 2: faas_warm_states 2: A B C A sees A cold twice
--- http_config
# abc
faas_warm_states 2;
--- config
--- request eval
["GET /a", "GET /b", "GET /c", "GET /a", "GET /c", "GET /a"]
--- response_body eval
["a true\n", "b true\n", "c true\n", "a true\n", "c false\n", "a false\n"]
--- no_error_log
[error]



=== TEST 3: the eviction is logged once at info, naming the state closed
--- http_config
faas_warm_states 2;
faas_function x html/pass.lua;
faas_function y html/pass.lua;
faas_function z html/pass.lua;
--- config
location /t {
    faas_viewer_request x y z;
    return 200 "passed\n";
}
--- user_files
>>> pass.lua
return function(event)
  return event.Records[1].cf.request
end
--- request
GET /t
--- response_body
passed
--- grep_error_log eval
qr/\[info\].*warm state of function "\w" closed: faas_warm_states 2 reached/
--- grep_error_log_out eval
qr/^[^\n]*function "z" in viewer-request[^\n]*warm state of function "x" closed[^\n]*\n\z/
--- no_error_log
[error]



=== TEST 4: a use moves a state to the front: A B A C evicts B
--- http_config
# abc
faas_warm_states 2;
--- config
--- request eval
["GET /a", "GET /b", "GET /a", "GET /c", "GET /a", "GET /b"]
--- response_body eval
["a true\n", "b true\n", "a false\n", "c true\n", "a false\n", "b true\n"]
--- no_error_log
[error]



=== TEST 5: faas_warm_states 0 is refused
--- http_config
faas_warm_states 0;
--- config
location /t { return 200; }
--- must_die
--- error_log
value must be equal to or greater than 1



=== TEST 6: with faas_prewarm the first request is not a cold start
--- http_config
# abc
faas_prewarm on;
--- config
--- request eval
["GET /a", "GET /b", "GET /a"]
--- response_body eval
["a false\n", "b false\n", "a false\n"]
--- no_error_log
[error]



=== TEST 7: prewarm runs the top-level code once, in the worker
--- http_config
faas_prewarm on;
faas_function once html/once.lua;
--- config
location /t { faas_viewer_request once; return 200; }
--- user_files
>>> once.lua
local started = 0
started = started + 1
print("top level of once ran")
return function(event, context)
  return { status = 200, body = started .. " " .. tostring(context.cold_start) .. "\n" }
end
--- request
GET /t
--- response_body
1 false
--- no_error_log
[error]



=== TEST 8: a top level that fails is logged at start; its requests get a 502
--- http_config
faas_prewarm on;
faas_function broken html/broken.lua;
faas_function fine html/fine.lua;
--- config
location /broken { faas_viewer_request broken; return 200 "unreached\n"; }
location /fine { faas_viewer_request fine; return 200 "unreached\n"; }
--- user_files
>>> broken.lua
error("no configuration for this tenant")
>>> fine.lua
return function(event, context)
  return { status = 200, body = "fine " .. tostring(context.cold_start) .. "\n" }
end
--- request
GET /broken
--- error_code: 502
--- error_log eval
[qr/function "broken" in \S+, request_id=-: failed \(runtime\): \S+broken\.lua:1: no configuration for this tenant.*, while prewarming/,
 qr/function "broken" in viewer-request, request_id=\w+: failed \(runtime\)/]
--- no_error_log
[alert]



=== TEST 9: a function that failed its prewarm does not disturb the others
--- http_config
faas_prewarm on;
faas_function broken html/broken.lua;
faas_function fine html/fine.lua;
--- config
location /broken { faas_viewer_request broken; return 200 "unreached\n"; }
location /fine { faas_viewer_request fine; return 200 "unreached\n"; }
--- user_files
>>> broken.lua
error("no configuration for this tenant")
>>> fine.lua
return function(event, context)
  return { status = 200, body = "fine " .. tostring(context.cold_start) .. "\n" }
end
--- request eval
["GET /fine", "GET /broken", "GET /fine", "GET /broken"]
--- error_code eval
[200, 502, 200, 502]
--- response_body_like eval
["fine false", "", "fine false", ""]
--- no_error_log
[alert]
[crit]



=== TEST 10: prewarm with a cap warms the first N functions only
--- http_config
# abc
faas_prewarm on;
faas_warm_states 2;
--- config
--- request eval
["GET /b", "GET /a", "GET /c"]
--- response_body eval
["b false\n", "a false\n", "c true\n"]
--- no_error_log
[error]
