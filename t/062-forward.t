# faas_forward BACKEND ACTION: the request goes to a backend function as
# the API Gateway proxy event (Lambda, HTTP) or OpenWhisk's web-action
# parameters, and the function's {statusCode, headers, body,
# isBase64Encoded} comes back as the response.  Against the test backend
# of t/backend/faas-backend.py, whose "web" action describes what it got.

use FindBin;
use lib "$FindBin::Bin/inc";

use Test::Nginx::Socket 'no_plan';
use FaasBackend;

our $Backend = FaasBackend->start(ow_auth => 'uuid-1:secret-key',
                                  bearer => 'bearer-token',
                                  aws_access_key => 'AKIDTEST',
                                  aws_secret_key => 'test/secret+key',
                                  aws_region => 'eu-west-1');

$ENV{TEST_NGINX_BACKEND} = '127.0.0.1:' . $Backend->port;

add_block_preprocessor(sub {
    my $block = shift;

    $block->set_value('http_config', <<'CONF' . ($block->http_config // ''));
faas_backend ow protocol=openwhisk location=/_ow credentials=html/ow.auth;
faas_backend lam protocol=lambda location=/_lam credentials=html/aws.ini
             region=eu-west-1 host=$TEST_NGINX_BACKEND;
faas_backend fn protocol=http location=/_fn credentials=html/token;
CONF

    $block->set_value('config', <<'CONF' . ($block->config // ''));
location /_ow/ { internal; proxy_pass http://$TEST_NGINX_BACKEND/; }
location /_lam/ {
    internal;
    proxy_set_header Host $http_host;
    proxy_pass http://$TEST_NGINX_BACKEND/;
}
location /_fn/ { internal; proxy_pass http://$TEST_NGINX_BACKEND/fn/; }
CONF

    $block->set_value('user_files', <<'FILES' . ($block->user_files // ''));
>>> ow.auth
uuid-1:secret-key
>>> token
bearer-token
>>> aws.ini
[default]
aws_access_key_id = AKIDTEST
aws_secret_access_key = test/secret+key
FILES
});

run_tests();

$Backend->stop;

__DATA__

=== TEST 1: OpenWhisk web action: method, path, query, headers and body
--- config
location /api/ow { faas_forward ow web; }
--- request
POST /api/ow/items?color=red&size=2
{"name":"x"}
--- more_headers
X-Test: hello
Content-Type: application/json
--- response_headers
Content-Type: application/json
X-Backend: openwhisk
--- response_body chop
{"method": "POST", "path": "/api/ow/items", "query": {"color": "red", "size": "2"}, "x_test": "hello", "body": "{\"name\":\"x\"}"}



=== TEST 2: Lambda, API Gateway proxy event (SigV4 checked by the backend)
--- config
location /api/lam { faas_forward lam web; }
--- request
PUT /api/lam/items?a=1&a=2&b=%20x
payload
--- more_headers
X-Test: lambda
--- response_headers
X-Backend: lambda
--- response_body chop
{"method": "PUT", "path": "/api/lam/items", "query": {"a": "2", "b": " x"}, "x_test": "lambda", "body": "payload"}



=== TEST 3: HTTP function; a binary body goes base64 with isBase64Encoded
--- config
location /api/fn { faas_forward fn web; }
--- request eval
"POST /api/fn\n" . "\xff\xfeok"
--- response_headers
X-Backend: http
--- response_body chop
{"method": "POST", "path": "/api/fn", "query": {}, "x_test": null, "body": "\ufffd\ufffdok"}



=== TEST 4: a function error is 502, or function_error=
--- http_config
faas_backend fn500 protocol=http location=/_fn credentials=html/token
                   function_error=500;
--- config
location /a { faas_forward fn error; }
location /b { faas_forward fn500 error; }
--- request eval
["GET /a", "GET /b"]
--- error_code eval
[502, 500]



=== TEST 5: a timeout is 504, an unreachable backend 502
--- http_config
faas_backend quick protocol=http location=/_fn credentials=html/token
                   timeout=300ms retries=0;
faas_backend down protocol=http location=/_down retries=0;
--- config
location /_down/ { internal; proxy_pass http://127.0.0.1:1/; }
location /slow { faas_forward quick slow; }
location /down { faas_forward down echo; }
--- request eval
["GET /slow", "GET /down"]
--- error_code eval
[504, 502]
--- timeout: 3



=== TEST 6: an answer that is no proxy response is 502, with the reason logged
--- config
location /t { faas_forward fn echo; }
--- request
GET /t
--- error_code: 502
--- error_log eval
qr/faas_forward: action "echo", request_id=[0-9a-f]{32}: invalid answer: the function.s answer has no statusCode/



=== TEST 7: a body over faas_body is refused before any call
--- config
location /t { faas_body 8; faas_forward fn web; }
--- request
POST /t
0123456789abcdef
--- error_code: 413
--- error_log
faas_forward: a request body of 16 bytes is over the 8 of faas_body



=== TEST 8: an unknown backend is a configuration error
--- config
location /t { faas_forward nosuch web; }
--- must_die
--- error_log
unknown faas_backend "nosuch"
