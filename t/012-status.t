# faas_status: Prometheus text and JSON from counters shared by all
# workers; $faas_request_id and $faas_duration for log_format.

use Test::Nginx::Socket 'no_plan';

master_on();
workers(2);

run_tests();

__DATA__

=== TEST 1: invocations, errors, cold starts and durations add up
--- http_config
faas_function ok html/ok.lua;
faas_function boom html/boom.lua;
--- config
location /ok { faas_viewer_request ok; return 200 "ok\n"; }
location /boom { faas_viewer_request boom; return 200 "unreached\n"; }
location = /metrics { faas_status; }
--- user_files
>>> ok.lua
return function(event) end
>>> boom.lua
return function(event) error("boom") end
--- request eval
["GET /ok", "GET /ok", "GET /ok", "GET /boom", "GET /metrics"]
--- error_code eval
[200, 200, 200, 502, 200]
--- response_body_like eval
["ok", "ok", "ok", "", qr/faas_invocations_total\{function="ok",event="viewer-request"\} 3
.*faas_invocations_total\{function="boom",event="viewer-request"\} 1
.*faas_errors_total\{function="boom",class="runtime"\} 1
.*faas_cold_starts_total\{function="ok"\} [12]
.*faas_duration_seconds_bucket\{function="ok",le="\+Inf"\} 3
.*faas_duration_seconds_count\{function="ok"\} 3
.*faas_memory_bytes\{function="ok"\} [1-9]\d+
/s]



=== TEST 2: the JSON form
--- http_config
faas_function ok html/ok.lua;
--- config
location /ok { faas_viewer_request ok; return 200 "ok\n"; }
location = /metrics { faas_status; }
--- user_files
>>> ok.lua
return function(event) end
--- request eval
["GET /ok", "GET /metrics?format=json"]
--- response_body_like eval
["ok", qr/^\{"functions":\{"ok":\{"invocations":\{"viewer-request":1\},"errors":\{\},"cold_starts":1,"duration_seconds":\{"sum":0\.\d{6},"count":1\},"memory_bytes":\d+\}\},"backends":\{\}\}$/]
--- response_headers eval
["", "Content-Type: application/json"]



=== TEST 3: the request id and the time in functions for log_format
--- http_config
faas_function ok html/ok.lua;
log_format faas '$faas_request_id $request_id $faas_duration';
--- config
location /ok {
    access_log logs/faas.log faas;
    faas_viewer_request ok;
    return 200 "id=$faas_request_id\n";
}
--- user_files
>>> ok.lua
return function(event) faas.log.warn("in the function") end
--- request
GET /ok
--- response_body_like
^id=[0-9a-f]{32}$
--- error_log eval
qr/request_id=[0-9a-f]{32}: in the function/



=== TEST 4: the state map's use
--- http_config
faas_state state size=1m;
faas_function count html/count.lua;
--- config
location /count { faas_viewer_request count; return 200 "counted\n"; }
location = /metrics { faas_status; }
--- user_files
>>> count.lua
return function(event) faas.kv.incr("hits") end
--- request eval
["GET /count", "GET /metrics"]
--- response_body_like eval
["counted", qr/\nfaas_state_used_bytes [1-9]\d+\n/]
--- no_error_log
[error]
