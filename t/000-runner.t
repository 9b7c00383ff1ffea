# Self-test of the Test::Nginx::Socket runner (t/lib, or the real one when
# installed): every supported section on stock nginx (no faas directives),
# then the files under t/runner/, which must FAIL, run through prove.

BEGIN {
    # this file tests the runner, not the module: keep it independent of
    # the state of the faas build
    $ENV{TEST_NGINX_LOAD_MODULES} = '';
}

use Test::Nginx::Socket;
use File::Basename qw(dirname);

repeat_each(2);

# our stand-in or the real one?
our $Lib = dirname(dirname(dirname($INC{'Test/Nginx/Socket.pm'})));
our $OurRunner = $INC{'Test/Nginx/Socket.pm'} =~ m{\bt/lib/Test/Nginx/};

# the sub-tests that must fail: [file, the "not ok" test names expected
# (each a prefix of the name, the file name taken out), a pattern the output
# must match (checked with t/lib's runner only), t/lib's runner only]
our @Failing = (
    [ 't/runner/fail-checks.t', [
        'TEST 1: wrong body - response_body - response is expected '
            . '(repeated req 0, req 0)',
        'TEST 2: wrong status - status code ok',
        'TEST 3: wrong headers - header Content-Type not present in the '
            . 'raw headers',
        'TEST 3: wrong headers - header X-Missing ok',
        'TEST 4: logs - pattern "no such line in the log" should match a '
            . 'line in error.log (req 0)',
        'TEST 4: logs - pattern "[error]" should not match any line in '
            . 'error.log but matches line',
        'TEST 5: must_die but starts - die as expected',
        'TEST 6: body like - response_body_like - response is expected',
        'TEST 7: grep - grep_error_log_out (req 0)',
        'TEST 8: shutdown - pattern "no such shutdown line" should match '
            . 'a line in error.log',
        'TEST 9: eval regex - pattern "(?^:never\s+logged)" should match '
            . 'a line in error.log (req 0)',
        'ERROR: client socket timed out - TEST 10: keep-alive times out',
      ], undef ],
    [ 't/runner/die-unsupported.t', [],
      qr/section\(s\) not implemented.*--- no_such_section/, 1 ],
    [ 't/runner/die-noenv.t', [],
      qr/No environment TEST_NGINX_NOT_DEFINED_ANYWHERE defined/ ],
    [ 't/runner/die-nostart.t', [], qr/Cannot start nginx/ ],
);

plan tests => repeat_each() * 78 + 1 + 3 * @Failing;

for my $f (@Failing) {
    my ($file, $not_ok, $out_re, $ours_only) = @$f;

    if ($ours_only && !$OurRunner) {
        SKIP: { skip "$file - tests t/lib's runner only", 3 }
        next;
    }

    local $ENV{TEST_NGINX_RUNNER_SELFTEST} = 1;
    local $ENV{TEST_NGINX_RANDOMIZE} = 1;
    local $ENV{TEST_NGINX_SERVER_PORT};
    local $ENV{TEST_NGINX_PORT};
    delete $ENV{TEST_NGINX_SERVER_PORT};
    delete $ENV{TEST_NGINX_PORT};

    my $out = `prove -v -I '$Lib' '$file' 2>&1`;
    my $rc = $? >> 8;

    isnt($rc, 0, "$file fails under prove");

    my @got = sort map { /^not ok \d+ - (.*)$/ ? $1 : () } split /\n/, $out;
    s/\Q$file\E // for @got;
    my @want = sort @$not_ok;
    my $match = @got == @want
                && !grep { index($got[$_], $want[$_]) != 0 } 0 .. $#want;
    ok($match, "$file fails exactly the expected tests")
        or diag("got:\n  ", join("\n  ", @got), "\nwanted:\n  ",
                join("\n  ", @want), "\noutput:\n$out");

    SKIP: {
        skip "$file - message check is for t/lib's runner only", 1
            if !$OurRunner || !$out_re;
        like($out, $out_re, "$file gives a clear message");
    }
}

no_shuffle();
run_tests();

__DATA__

=== TEST 1: body, headers, absent header, empty header, no_error_log
--- config
    location = /t {
        add_header X-Empty "";
        add_header X-Foo bar;
        return 200 "hello\n";
    }
--- request
GET /t
--- response_body
hello
--- response_headers
Content-Type: text/plain
X-Foo: bar
!X-Absent
X-Empty:
--- no_error_log
[error]
[warn]



=== TEST 2: error_code and error_log on a missing file
--- config
--- request
GET /missing.html
--- error_code: 404
--- error_log
open()
No such file or directory
--- no_error_log
[alert]



=== TEST 3: POST body gets a Content-Length; more_headers are sent
--- config
    location = /t {
        return 200 "$request_method $content_length $http_x_a $http_host\n";
    }
--- request
POST /t
hello world
--- more_headers
X-A: b c
--- response_body
POST 11 b c localhost



=== TEST 4: http_config and $TEST_NGINX_* expansion
--- http_config
    map $uri $faas_test_var {
        default "from-map";
    }
--- config
    location = /t {
        return 200 "$faas_test_var $server_port\n";
    }
--- request
GET /t
--- response_body
from-map $TEST_NGINX_SERVER_PORT



=== TEST 5: user_files, in html/ and (via ../) in conf/
--- config
    include extra.conf;
--- user_files
>>> a.txt
file a
>>> sub/b.txt
file b in $TEST_NGINX_SERVER_ROOT
>>> ../conf/extra.conf
location = /inc {
    return 200 "included\n";
}
--- request eval
["GET /a.txt", "GET /sub/b.txt", "GET /inc"]
--- response_body eval
["file a\n", "file b in $ENV{TEST_NGINX_SERVER_ROOT}\n", "included\n"]



=== TEST 6: response_body_like and response_headers_like
--- config
    location = /t {
        add_header X-Id abc123;
        return 200 "value=42\n";
    }
--- request
GET /t
--- response_body_like: ^value=\d+$
--- response_headers_like
X-Id: abc\d+



=== TEST 7: response_body_unlike, error_code_like
--- config
    location = /t {
        return 201 "created\n";
    }
--- request
GET /t
--- error_code_like: ^20[01]$
--- response_body_unlike: error



=== TEST 8: error_log / no_error_log with eval regexes and arrays
--- config
    location = /t {
        return 200 "ok\n";
    }
--- request
GET /nothere
--- error_code: 404
--- error_log eval
[qr/open\(\) "[^"]+nothere" failed/, "No such file"]
--- no_error_log eval
qr/\[(alert|crit|emerg)\]/



=== TEST 9: grep_error_log / grep_error_log_out
--- config
--- request
GET /gone.txt
--- error_code: 404
--- grep_error_log eval: qr/open\(\) "[^"]+" failed/
--- grep_error_log_out eval
qr{^open\(\) "\Q$ENV{TEST_NGINX_SERVER_ROOT}\E/html/gone\.txt" failed\n$}



=== TEST 10: several requests, expected values per request
--- config
    location = /a { return 200 "a\n"; }
    location = /b { return 404; }
--- request eval
["GET /a", "GET /b"]
--- error_code eval
[200, 404]
--- response_headers eval
["Content-Length: 2", "!X-Nothing"]



=== TEST 11: pipelined requests on one connection
--- config
    location = /a { return 200 "a\n"; }
    location = /b { return 200 "bb\n"; }
--- pipelined_requests eval
["GET /a", "GET /b"]
--- response_body eval
["a\n", "bb\n"]



=== TEST 12: raw_request
--- config
    location = /t { return 200 "raw $server_protocol\n"; }
--- raw_request eval
"GET /t HTTP/1.0\r\nHost: localhost\r\n\r\n"
--- response_body
raw HTTP/1.0



=== TEST 13: chunked response is decoded
--- config
    location = /t {
        sub_filter "aaa" "bbb";
        sub_filter_types text/plain;
        default_type text/plain;
        alias $TEST_NGINX_SERVER_ROOT/html/c.txt;
    }
--- user_files
>>> c.txt
xx aaa yy
--- request
GET /t
--- response_headers
Transfer-Encoding: chunked
!Content-Length
--- response_body
xx bbb yy



=== TEST 14: HEAD request
--- config
    location = /t { return 200 "body\n"; }
--- request
HEAD /t
--- response_headers
Content-Length: 5
--- response_body:



=== TEST 15: must_die with error_log from nginx's startup stderr
--- config
    location = /t {
        return a b c;
    }
--- request
GET /t
--- must_die
--- error_log
invalid number of arguments in "return" directive
--- no_error_log
[error]



=== TEST 16: must_die with an exit code; main_config is at main level
--- main_config
    no_such_main_directive on;
--- config
--- must_die: 1
--- error_log
unknown directive "no_such_main_directive"



=== TEST 17: log_level per block, wait
--- log_level: warn
--- config
    location = /t { return 200 "ok\n"; }
--- request
GET /t
--- wait: 0.05
--- no_error_log
[debug]
[info]



=== TEST 18: the default log level is debug
--- config
    location = /t { return 200 "ok\n"; }
--- request
GET /t
--- error_log
[debug]



=== TEST 19: ignore_response on a closed connection (444)
--- config
    location = /t { return 444; }
--- request
GET /t
--- ignore_response
--- no_error_log
[error]



=== TEST 20: shutdown_error_log sees what nginx logs on exit
--- config
    location = /t { return 200 "ok\n"; }
--- request
GET /t
--- shutdown_error_log
exit



=== TEST 21: skip_nginx that does not apply
--- skip_nginx: 2: < 1.0.0
--- config
    location = /t { return 200 "ok\n"; }
--- request
GET /t
--- response_body
ok



=== TEST 22: skip_nginx that applies: 2 tests skipped
--- skip_nginx: 2: > 1.0.0
--- config
    location = /t { return 500; }
--- request
GET /t
--- response_body
never



=== TEST 23: init runs Perl before each round of requests
--- config
    location = /t { alias $TEST_NGINX_SERVER_ROOT/html/init.txt; }
--- init
open my $f, '>', "$ENV{TEST_NGINX_SERVER_ROOT}/html/init.txt" or die $!;
print $f "from init\n";
close $f;
--- request
GET /t
--- response_body
from init



=== TEST 24: raw_response_headers_like / _unlike
--- config
    location = /t { return 200 "ok\n"; }
--- request
GET /t
--- raw_response_headers_like: ^HTTP/1\.1 200 OK\r\n
--- raw_response_headers_unlike: X-Nope



=== TEST 25: access_log / no_access_log
--- config
    location = /t { return 200 "ok\n"; }
--- request
GET /t?from=access
--- access_log
"GET /t?from=access HTTP/1.1" 200
--- no_access_log
"GET /other



=== TEST 26: a request body with Content-Length already in more_headers
--- config
    location = /t { return 200 "$content_length\n"; }
--- request
PUT /t
abc
--- more_headers
Content-Length: 3
--- response_body
3



=== TEST 27: a 4xx from nginx's own request parsing
--- config
--- raw_request eval
"GET /t HTTP/1.1\r\n\r\n"
--- error_code: 400
--- error_log
client sent HTTP/1.1 request without "Host" header
