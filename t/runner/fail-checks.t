# Runner self-test input: every block here MUST produce the failures listed
# in t/000-runner.t.  Skipped unless run from t/000-runner.t.

use Test::Nginx::Socket;

plan $ENV{TEST_NGINX_RUNNER_SELFTEST}
     ? ('no_plan')
     : (skip_all => 'input of t/000-runner.t (expected to fail)');

repeat_each(1);
no_shuffle();
run_tests();

__DATA__

=== TEST 1: wrong body
--- config
    location = /t { return 200 "hello\n"; }
--- request
GET /t
--- response_body
bye



=== TEST 2: wrong status
--- config
    location = /t { return 200 "hello\n"; }
--- request
GET /t
--- error_code: 404



=== TEST 3: wrong headers
--- config
    location = /t { return 200 "hello\n"; }
--- request
GET /t
--- response_headers
!Content-Type
X-Missing: foo



=== TEST 4: logs
--- config
--- request
GET /missing.html
--- error_code: 404
--- error_log
no such line in the log
--- no_error_log
[error]



=== TEST 5: must_die but starts
--- config
    location = /t { return 200 "hello\n"; }
--- must_die



=== TEST 6: body like
--- config
    location = /t { return 200 "hello\n"; }
--- request
GET /t
--- response_body_like: ^nomatch$



=== TEST 7: grep
--- config
--- request
GET /missing.html
--- error_code: 404
--- grep_error_log: open()
--- grep_error_log_out
something else



=== TEST 8: shutdown
--- config
    location = /t { return 200 "hello\n"; }
--- request
GET /t
--- shutdown_error_log
no such shutdown line



=== TEST 9: eval regex
--- config
    location = /t { return 200 "hello\n"; }
--- request
GET /t
--- error_log eval
qr/never\s+logged/



=== TEST 10: keep-alive times out
the server does not close: reading stops at the timeout, as in the real one
--- config
    location = /t { return 200 "kept\n"; }
--- request
GET /t
--- more_headers
Connection: keep-alive
--- timeout: 0.3
--- response_body
kept
