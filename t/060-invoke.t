# faas.invoke and faas_backend: calls to the regional tier through
# subrequests, against t/backend/faas-backend.py, a test backend that
# speaks OpenWhisk, Lambda (it checks SigV4 with botocore, independently
# of our signer) and plain HTTP.  Concurrency, coalescing, the circuit
# breaker's recovery and client aborts: t/061-invoke-concurrency.t.
# faas_forward: t/062-forward.t.

use FindBin;
use lib "$FindBin::Bin/inc";

use Test::Nginx::Socket 'no_plan';
use FaasBackend;

our $Backend = FaasBackend->start(ow_auth => 'uuid-1:secret-key',
                                  bearer => 'bearer-token',
                                  aws_access_key => 'AKIDTEST',
                                  aws_secret_key => 'test/secret+key',
                                  aws_session_token => 'session-token',
                                  aws_region => 'eu-west-1');

$ENV{TEST_NGINX_BACKEND} = '127.0.0.1:' . $Backend->port;

# a lambda backend without credentials= takes these (nginx inherits them)
$ENV{AWS_ACCESS_KEY_ID} = 'AKIDTEST';
$ENV{AWS_SECRET_ACCESS_KEY} = 'test/secret+key';
$ENV{AWS_SESSION_TOKEN} = 'session-token';

our $Backends = <<'CONF';
faas_backend ow protocol=openwhisk location=/_ow credentials=html/ow.auth
             timeout=2s;
faas_backend lam protocol=lambda location=/_lam credentials=html/aws.ini
             region=eu-west-1 host=$TEST_NGINX_BACKEND timeout=2s;
faas_backend fn protocol=http location=/_fn credentials=html/token
             timeout=2s;
CONF

our $Locations = <<'CONF';
location /_ow/ { internal; proxy_pass http://$TEST_NGINX_BACKEND/; }
location /_lam/ {
    internal;
    proxy_set_header Host $http_host;
    proxy_pass http://$TEST_NGINX_BACKEND/;
}
location /_fn/ { internal; proxy_pass http://$TEST_NGINX_BACKEND/fn/; }
location /stats { proxy_pass http://$TEST_NGINX_BACKEND/__stats; }
location /reset {
    proxy_method POST;
    proxy_pass http://$TEST_NGINX_BACKEND/__reset;
}
CONF

# GET /t?BACKEND/ACTION[&json payload, url-encoded]: "ok RESULT" or "err ERR"
our $Invoker = <<'LUA';
return function(event)
  local q = event.Records[1].cf.request.querystring
  local backend, action, rest = q:match("^([%w_]+)/([%w_]+)&?(.*)$")
  local payload = { n = 1 }
  if rest ~= "" then
    payload = faas.json.decode((rest:gsub("%%(%x%x)", function(h)
      return string.char(tonumber(h, 16))
    end)))
  end
  local res, err = faas.invoke(backend, action, payload)
  local body = res and ("ok " .. faas.json.encode(res)) or ("err " .. err)
  return { status = 200, body = body .. "\n" }
end
LUA

our $Files = <<"FILES";
>>> ow.auth
uuid-1:secret-key
>>> token
bearer-token
>>> aws.ini
# the shared-credentials file of the AWS CLI
[default]
aws_access_key_id = AKIDTEST
aws_secret_access_key = test/secret+key
aws_session_token = session-token
>>> invoke.lua
$Invoker
FILES

add_block_preprocessor(sub {
    my $block = shift;

    $block->set_value('http_config', $Backends . 'faas_function invoke '
                      . "html/invoke.lua timeout=5s;\n"
                      . ($block->http_config // ''));
    $block->set_value('config', $Locations . ($block->config // ''));
    $block->set_value('user_files', $Files . ($block->user_files // ''));
});

run_tests();

$Backend->stop;

__DATA__

=== TEST 1: the three protocols: OpenWhisk, Lambda (SigV4) and HTTP
--- config
location /t { faas_content invoke; }
--- request eval
["GET /t?ow/echo", "GET /t?lam/echo", "GET /t?fn/echo"]
--- response_body_like eval
[qr/^ok \{(?=.*"n":1\b)(?=.*"_protocol":"openwhisk").*\}\n$/,
 qr/^ok \{(?=.*"n":1\b)(?=.*"_protocol":"lambda").*\}\n$/,
 qr/^ok \{(?=.*"n":1\b)(?=.*"_protocol":"http").*\}\n$/]
--- no_error_log
[error]



=== TEST 2: a function error: OpenWhisk's 502, Lambda's X-Amz-Function-Error, HTTP's 500
--- config
location /t { faas_content invoke; }
--- request eval
["GET /t?ow/error", "GET /t?lam/error", "GET /t?fn/error"]
--- response_body_like eval
[qr/^err function error \(HTTP 502\): .+\n$/,
 qr/^err function error \(HTTP 200\): Error: .+\n$/,
 qr/^err function error \(HTTP 500\)/]



=== TEST 3: an OpenWhisk activation still running after the blocking wait (202) is a timeout
--- config
location /t { faas_content invoke; }
--- request
GET /t?ow/running
--- response_body_like
^err timeout: the activation outlived the blocking wait \(HTTP 202\): [0-9a-f]{32}$



=== TEST 4: unknown action, bad credentials
--- http_config
faas_backend badow protocol=openwhisk location=/_ow credentials=html/bad.auth;
--- config
location /t { faas_content invoke; }
--- user_files
>>> bad.auth
uuid-1:wrong
--- request eval
["GET /t?ow/nosuch", "GET /t?badow/echo"]
--- response_body_like eval
[qr/^err refused: no such function \(HTTP 404\)/,
 qr/^err refused: authentication or authorization failed \(HTTP 401\)/]



=== TEST 5: a backend slower than timeout= is a timeout, within it
--- http_config
faas_backend quick protocol=http location=/_fn credentials=html/token
                   timeout=300ms retries=0;
--- config
location /t { faas_content invoke; }
--- request
GET /t?quick/slow&%7B%22ms%22%3A3000%7D
--- response_body
err timeout: backend "quick" gave no answer within the deadline
--- timeout: 2



=== TEST 6: the function's remaining time bounds a call too
--- http_config
faas_function short html/invoke.lua timeout=300ms;
--- config
location /t { faas_content short; }
--- request
GET /t?fn/slow&%7B%22ms%22%3A3000%7D
--- response_body
err timeout: backend "fn" gave no answer within the deadline
--- timeout: 2



=== TEST 7: connection refused: unreachable, after the retry
--- http_config
faas_backend down protocol=http location=/_down credentials=html/token
                  retries=1;
--- config
location /_down/ { internal; proxy_pass http://127.0.0.1:1/; }
location /t { faas_content invoke; }
--- request
GET /t?down/echo
--- response_body_like eval
qr/^err unreachable: no answer from backend "down"/
--- error_log
connect() failed



=== TEST 8: an answer that is not JSON, and one over max_answer=
--- http_config
faas_backend capped protocol=http location=/_fn credentials=html/token
                    max_answer=64k;
--- config
location /t { faas_content invoke; }
--- request eval
["GET /t?fn/garbage", "GET /t?capped/huge&%7B%22bytes%22%3A200000%7D",
 "GET /t?capped/huge&%7B%22bytes%22%3A1000%7D"]
--- response_body_like eval
[qr/^err invalid answer: http backend "fn" answered 200 with a body that is not JSON\n$/,
 qr/^err invalid answer: larger than max_answer=65536 of backend "capped"\n$/,
 qr/^ok \{"data":"x+"\}\n$/]



=== TEST 9: 429 with Retry-After: one retry after the delay, then "throttled"
--- config
location /t { faas_content invoke; }
--- request eval
["POST /reset", "GET /t?ow/throttle", "GET /stats"]
--- response_body_like eval
[qr/reset/, qr/^err throttled: backend "ow" answered 429 Too Many Requests, Retry-After: 1\n$/,
 qr/"openwhisk:throttle": 2\b/]
--- timeout: 5



=== TEST 10: 503 is retried within retries=
--- http_config
faas_backend twice protocol=openwhisk location=/_ow credentials=html/ow.auth
              retries=2;
faas_backend once protocol=openwhisk location=/_ow credentials=html/ow.auth
             retries=1;
--- config
location /t { faas_content invoke; }
--- request eval
["GET /t?twice/flaky&%7B%22key%22%3A%22a%22%7D",
 "GET /t?once/flaky&%7B%22key%22%3A%22b%22%7D"]
--- response_body_like eval
[qr/^ok \{.*"key":"a"/, qr/^err unreachable: backend "once" answered 503\n$/]



=== TEST 11: the circuit breaker opens after breaker= failures and fails fast
--- http_config
faas_backend fragile protocol=http location=/_down retries=0 breaker=2
                     breaker_open=60s credentials=html/token;
--- config
location /_down/ { internal; proxy_pass http://127.0.0.1:1/; }
location /t { faas_content invoke; }
--- request eval
["GET /t?fragile/echo", "GET /t?fragile/echo", "GET /t?fragile/echo"]
--- response_body_like eval
[qr/^err unreachable/, qr/^err unreachable/,
 qr/^err circuit open: backend "fragile" failed 2 times in a row; next try in \d+\.\d s\n$/]



=== TEST 12: cache_ttl: a cached result is served without a backend request
--- http_config
faas_state html/state;
faas_backend cached protocol=http location=/_fn cache_ttl=60s
                    credentials=html/token;
--- config
location /t { faas_content invoke; }
location /metrics { faas_status; }
--- request eval
["POST /reset", "GET /t?cached/counter", "GET /t?cached/counter",
 "GET /t?fn/counter", "GET /metrics"]
--- response_body_like eval
[qr/reset/, qr/^ok \{"n":1\}\n$/, qr/^ok \{"n":1\}\n$/, qr/^ok \{"n":2\}\n$/,
 qr/faas_backend_cache_total\{backend="cached",result="hit"\}[ ]1\n
    faas_backend_cache_total\{backend="cached",result="miss"\}[ ]1\n/x]



=== TEST 13: stale_if_error: an expired result is served when the backend fails
--- http_config
faas_state html/state;
faas_backend sw protocol=http location=/fn stale_if_error=60s
                credentials=html/token;
faas_function stale html/stale.lua timeout=5s;
--- config
location /fn/ { internal; proxy_pass http://$target; }
location /t {
    set $target $TEST_NGINX_BACKEND;
    if ($arg_down) { set $target 127.0.0.1:1; }
    faas_content stale;
}
--- user_files
>>> stale.lua
return function(event)
  -- cached for a millisecond: stale by the next request
  local res, err = faas.invoke("sw", "counter", {}, { cache_ttl = 0.001 })
  return { status = 200,
           body = (res and faas.json.encode(res) or err) .. "\n" }
end
--- request eval
["POST /reset", "GET /t", "GET /t?down=1"]
--- response_body_like eval
[qr/reset/, qr/^\{"n":1\}\n$/, qr/^\{"n":1\}\n$/]



=== TEST 14: faas.invoke where it cannot wait: a clear error
--- http_config
faas_function resp html/resp.lua;
--- config
location /t { faas_viewer_response resp; return 200 "x\n"; }
--- user_files
>>> resp.lua
return function(event) faas.invoke("ow", "echo", {}) end
--- request
GET /t
--- error_code: 502
--- error_log
faas.invoke cannot wait in viewer-response: it works in viewer-request, origin-request and content functions



=== TEST 15: faas.invoke in the file's top-level code
--- http_config
faas_function top html/top.lua;
--- config
location /t { faas_content top; }
--- user_files
>>> top.lua
faas.invoke("ow", "echo", {})
return function() end
--- request
GET /t
--- error_code: 502
--- error_log
faas.invoke belongs in the handler, not in the file's top-level code



=== TEST 16: faas.invoke from a coroutine of the handler's own
--- http_config
faas_function co html/co.lua;
--- config
location /t { faas_content co; }
--- user_files
>>> co.lua
return function(event)
  local f = coroutine.wrap(function() return faas.invoke("ow", "echo") end)
  return { status = 200, body = tostring(f()) }
end
--- request
GET /t
--- error_code: 502
--- error_log
faas.invoke must be called by the handler itself, not from a coroutine it made



=== TEST 17: an unknown backend
--- config
location /t { faas_content invoke; }
--- request
GET /t?nosuch/echo
--- error_code: 502
--- error_log
faas.invoke: no faas_backend "nosuch"



=== TEST 18: viewer-request and origin-request wait too; a sequence goes on after the wait
--- http_config
faas_function tag html/tag.lua timeout=5s;
faas_function after html/after.lua;
--- config
location /t {
    faas_viewer_request tag after;
    faas_origin_request tag;
    return 200 "$http_x_viewer|$http_x_after|$http_x_origin\n";
}
--- user_files
>>> tag.lua
return function(event)
  local request = event.Records[1].cf.request
  local res = assert(faas.invoke("fn", "echo", { where = event.Records[1].cf.config.eventType }))
  local name = res.where == "viewer-request" and "x-viewer" or "x-origin"
  request.headers[name] = { { value = res.where } }
  return request
end
>>> after.lua
return function(event)
  local request = event.Records[1].cf.request
  request.headers["x-after"] = { { value = request.headers["x-viewer"][1].value } }
  return request
end
--- request
GET /t
--- response_body
viewer-request|viewer-request|



=== TEST 19: kv writes before the wait commit with the invocation, after it
--- http_config
faas_state html/state;
faas_function kvwait html/kvwait.lua timeout=5s;
--- config
location /t { faas_content kvwait; }
--- user_files
>>> kvwait.lua
return function(event)
  faas.kv.set("before", "1")
  local res = faas.invoke("fn", "echo", {})
  local n = faas.kv.incr("count")
  return { status = 200, body = faas.kv.get("before") .. " " .. n .. " "
                               .. res._protocol .. "\n" }
end
--- request eval
["GET /t", "GET /t"]
--- response_body eval
["1 1 http\n", "1 2 http\n"]



=== TEST 20: Lambda credentials from AWS_* of the environment
--- http_config
faas_backend envlam protocol=lambda location=/_lam region=eu-west-1
                    host=$TEST_NGINX_BACKEND;
--- config
location /t { faas_content invoke; }
--- request
GET /t?envlam/echo
--- response_body_like eval
qr/^ok \{.*"_protocol":"lambda"/



=== TEST 21: a backend that closes the connection in the headers or the body
--- config
location /t { faas_content invoke; }
--- request eval
["GET /t?fn/close&%7B%22at%22%3A%22headers%22%7D", "GET /t?fn/close"]
--- response_body_like eval
[qr/^err unreachable: no answer from backend "fn"/,
 qr/^err unreachable: no answer from backend "fn"/]



=== TEST 22: a location that answers itself is a backend too
--- http_config
faas_backend self protocol=http location=/_self;
--- config
location /_self/ {
    internal;
    default_type application/json;
    return 200 '{"_protocol":"self","n":1}';
}
location /_self/missing { internal; return 404; }
location /t { faas_content invoke; }
--- request eval
["GET /t?self/echo", "GET /t?self/missing"]
--- response_body_like eval
[qr/^ok \{(?=.*"_protocol":"self").*\}\n$/,
 qr/^err refused: no such function \(HTTP 404\)/]



=== TEST 23: configuration errors name the parameter
--- http_config
faas_backend x protocol=grpc location=/_x;
--- must_die
--- error_log
invalid parameter "protocol=grpc"



=== TEST 24: openwhisk needs credentials, lambda a region
--- http_config
faas_backend x protocol=openwhisk location=/_x;
--- must_die
--- error_log
faas_backend "x": protocol=openwhisk needs credentials=FILE holding UUID:KEY



=== TEST 25: a location that is not a URI, a missing credentials file
--- http_config
faas_backend x protocol=http location=http://example.com;
--- must_die
--- error_log
location= must be a URI of this server



=== TEST 26: a credentials file that cannot be read
--- http_config
faas_backend x protocol=lambda region=us-east-1 location=/_x credentials=html/none.ini;
--- must_die
--- error_log eval
qr/faas_backend "x": credentials: cannot open "\S+none\.ini": No such file or directory/
