# t/backend/faas-backend.py, the test backend: each action behind each
# protocol answers as the real service does, and the checks of
# credentials hold (Basic auth, SigV4 recomputed by botocore, bearer).
# Plain Perl; run by "make backend":
#
#   prove tests/faas-backend/faas-backend.t

use strict;
use warnings;

use Cwd qw(abs_path);
use HTTP::Tiny;
use IO::Socket::INET;
use JSON::PP;
use MIME::Base64;
use Test::More;
use Time::HiRes qw(time);

use lib abs_path(__FILE__) =~ s{/tests/faas-backend/[^/]+$}{/t/inc}r;
use FaasBackend;

my %aws = (aws_access_key => 'AKIDTEST', aws_secret_key => 'SECRET/TEST',
           aws_session_token => 'TOKEN/+=', aws_region => 'eu-west-1');

my $be = FaasBackend->start(ow_auth => 'uuid:key', bearer => 'tok',
                            ow_blocking_wait => 1000, %aws);
my $url = $be->url;
my $http = HTTP::Tiny->new(timeout => 60);
my $json = JSON::PP->new->canonical;

my %proto = (
    openwhisk => sub {
        my ($action, $body, %h) = @_;
        $h{Authorization} //= 'Basic ' . encode_base64('uuid:key', '');
        return $http->post("$url/api/v1/namespaces/_/actions/$action"
                           . '?blocking=true&result=true',
                           { headers => \%h, content => $body });
    },
    lambda => sub {
        my ($action, $body, %h) = @_;
        return lambda("/2015-03-31/functions/$action/invocations", $body,
                      \%h);
    },
    http => sub {
        my ($action, $body, %h) = @_;
        $h{Authorization} //= 'Bearer tok';
        return $http->post("$url/fn/$action",
                           { headers => \%h, content => $body });
    },
);

# a Lambda request signed by botocore (the backend's --sign), sent with
# $tamper applied to the body after signing
sub lambda {
    my ($path, $body, $h, %opt) = @_;
    my %cred = (%aws, %{ $opt{cred} || {} });
    my @cmd = ($FaasBackend::Python, $FaasBackend::Script, '--sign',
               '--url', "$url$path", '--data', $body,
               map { ("--" . tr/_/-/r, $cred{$_}) }
               grep { defined $cred{$_} } sort keys %cred);
    push @cmd, '--date', $opt{date} if $opt{date};
    push @cmd, map { ('--header', "$_: $h->{$_}") } sort keys %$h;
    my $cmd = join ' ', map { "'" . s/'/'\\''/gr . "'" } @cmd;
    my %signed = map { split /: /, $_, 2 } split /\n/, `$cmd 2>/dev/null`;
    $body = $opt{tamper}->($body) if $opt{tamper};
    return $http->post("$url$path", { headers => { %$h, %signed },
                                      content => $body });
}

sub body { my $r = shift; eval { decode_json($r->{content}) } }

# echo: the params as sent, plus the protocol

for my $p (sort keys %proto) {
    my $r = $proto{$p}->('echo', '{"a":[1,"x"],"b":{"c":null}}');
    is($r->{status}, 200, "$p echo: 200");
    is_deeply(body($r), { a => [1, 'x'], b => { c => undef },
                          _protocol => $p }, "$p echo: the params");
    ok($r->{headers}{'content-length'}, "$p echo: Content-Length");
}

is($proto{lambda}->('echo', '{}')->{headers}{'x-amz-executed-version'},
   '$LATEST', 'lambda echo: X-Amz-Executed-Version');

# error: each protocol's function error

my $r = $proto{openwhisk}->('error', '{"message":"boom"}');
is($r->{status}, 502, 'openwhisk error: 502');
is_deeply(body($r), { error => 'boom' }, 'openwhisk error: {error}');

$r = $proto{lambda}->('error', '{"message":"boom"}');
is($r->{status}, 200, 'lambda error: 200');
is($r->{headers}{'x-amz-function-error'}, 'Unhandled',
   'lambda error: X-Amz-Function-Error');
is(body($r)->{errorMessage}, 'boom', 'lambda error: errorMessage');

$r = $proto{http}->('error', '{"message":"boom"}');
is($r->{status}, 500, 'http error: 500');
is(body($r)->{error}, 'boom', 'http error: JSON body');

# an OpenWhisk result with an error field is an application error

$r = $proto{openwhisk}->('echo', '{"error":{"why":1}}');
is($r->{status}, 502, 'openwhisk echo of an error: 502');
is_deeply(body($r), { error => { why => 1 } },
          'openwhisk echo of an error: only the error');

# unknown actions

$r = $proto{openwhisk}->('nope', '{}');
is($r->{status}, 404, 'openwhisk unknown: 404');
is(body($r)->{error}, 'The requested resource does not exist.',
   'openwhisk unknown: the message');
$r = $proto{lambda}->('nope', '{}');
is($r->{status}, 404, 'lambda unknown: 404');
is($r->{headers}{'x-amzn-errortype'}, 'ResourceNotFoundException',
   'lambda unknown: ResourceNotFoundException');
is($proto{http}->('nope', '{}')->{status}, 404, 'http unknown: 404');

# throttle, garbage, huge, counter, running

for my $p (sort keys %proto) {
    $r = $proto{$p}->('throttle', '{}');
    is($r->{status}, 429, "$p throttle: 429");
    is($r->{headers}{'retry-after'}, '1', "$p throttle: Retry-After");

    $r = $proto{$p}->('garbage', '{}');
    is($r->{status}, 200, "$p garbage: 200");
    ok(!defined body($r), "$p garbage: not JSON");

    $r = $proto{$p}->('huge', '{"bytes":100000}');
    is(length $r->{content}, 100000, "$p huge: the size asked for");
    ok(body($r), "$p huge: JSON");
}

like(body($proto{openwhisk}->('throttle', '{}'))->{error},
     qr/^Too many requests in the last minute \(count: \d+, allowed: \d+\)/,
     'openwhisk throttle: the message');
is($proto{lambda}->('throttle', '{}')->{headers}{'x-amzn-errortype'},
   'TooManyRequestsException', 'lambda throttle: the error type');

is(length $proto{http}->('huge', '{}')->{content}, 4 * 1024 * 1024,
   'huge: 4 MiB by default');

$r = $proto{openwhisk}->('running', '{}');
is($r->{status}, 202, 'openwhisk running: 202');
like(body($r)->{activationId}, qr/^[0-9a-f]{32}$/,
     'openwhisk running: an activation id');

$r = $proto{openwhisk}->('slow', '{"ms":3000}');
is($r->{status}, 202, 'openwhisk slow beyond the blocking wait: 202');

$r = $proto{openwhisk}->('echo', '[1]');
is($r->{status}, 400, 'openwhisk params not an object: 400');

$r = $proto{lambda}->('running', '{"ms":100}');
is($r->{status}, 200, 'lambda running: answers after ms');

$be->reset;
is(body($proto{http}->('counter', '{}'))->{n}, 1, 'counter: 1 after a reset');
is(body($proto{lambda}->('counter', '{}'))->{n}, 2,
   'counter: one count for all protocols');

# flaky: fail times per key, then echo

for my $p (sort keys %proto) {
    my @s = map { $proto{$p}->('flaky', qq({"key":"k","fail":2}))->{status} }
            1 .. 3;
    is("@s", '503 503 200', "$p flaky: two failures then success");
    is($proto{$p}->('flaky', '{"key":"other","fail":1}')->{status}, 503,
       "$p flaky: per key");
}

# slow: threads, so requests overlap

my $t0 = time;
my @pids = map {
    my $pid = fork // die;
    if ($pid == 0) {
        my $s = $proto{http}->('slow', '{"ms":1000}')->{status};
        exit($s == 200 ? 0 : 1);
    }
    $pid;
} 1 .. 4;
my $ok = 0;
for (@pids) { waitpid $_, 0; $ok++ if $? == 0 }
is($ok, 4, 'slow: four answered');
cmp_ok(time - $t0, '<', 3, 'slow: four slow requests at once');

# close: the connection ends within the response

for my $at ('body', 'headers') {
    my $s = IO::Socket::INET->new("127.0.0.1:" . $be->port) or die;
    my $b = qq({"at":"$at"});
    print $s "POST /fn/close HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
             . "tok\r\nContent-Length: " . length($b) . "\r\n\r\n$b";
    my $got = do { local $/; <$s> };
    like($got, qr/^HTTP\/1\.1 200/, "close at $at: a status line");
    ok($at eq 'headers' ? $got !~ /\r\n\r\n/
                        : $got =~ /Content-Length: 1000\r\n\r\n.{1,100}$/s,
       "close at $at: cut short");
}

# keep-alive: two requests on one connection

{
    my $s = IO::Socket::INET->new("127.0.0.1:" . $be->port) or die;
    my $req = "POST /fn/echo HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
              . "tok\r\nContent-Length: 2\r\n\r\n{}";
    print $s $req . $req;
    my $n = 0;
    local $/ = '"_protocol": "http"}';
    while (<$s>) { last if ++$n == 2 }
    is($n, 2, 'keep-alive: two answers on one connection');
}

# web: the proxy event in, statusCode/headers/body out

my $event = $json->encode({ httpMethod => 'PUT', path => '/p/q',
                            headers => { 'X-Test' => 'yes' },
                            queryStringParameters => { a => '1' },
                            body => encode_base64('hi', ''),
                            isBase64Encoded => JSON::PP::true });
for my $p (qw(lambda http)) {
    my $res = body($proto{$p}->('web', $event));
    is($res->{statusCode}, 200, "$p web: statusCode");
    is($res->{headers}{'x-backend'}, $p, "$p web: headers");
    is_deeply(decode_json($res->{body}),
              { method => 'PUT', path => '/p/q', query => { a => '1' },
                x_test => 'yes', body => 'hi' }, "$p web: what it got");
}

my $ow = body($proto{openwhisk}->('web', $json->encode({
    __ow_method => 'post', __ow_path => '/p', __ow_query => 'a=1&b=',
    __ow_headers => { 'x-test' => 'ow' }, __ow_body => 'data' })));
is_deeply(decode_json($ow->{body}),
          { method => 'POST', path => '/p', query => { a => '1', b => '' },
            x_test => 'ow', body => 'data' }, 'openwhisk web: __ow_*');

$r = $http->request('DELETE', "$url/api/v1/web/_/default/web.http/x/y?q=1",
                    { headers => { 'X-Test' => 'w' }, content => 'zz' });
is($r->{status}, 200, 'openwhisk web action URL: 200');
is($r->{headers}{'x-backend'}, 'openwhisk', 'openwhisk web action URL: '
   . 'headers from the result');
is_deeply(body($r), { method => 'DELETE', path => '/x/y',
                      query => { q => '1' }, x_test => 'w', body => 'zz' },
          'openwhisk web action URL: the request as __ow_* params');

# credentials: OpenWhisk Basic auth

$r = $proto{openwhisk}->('echo', '{}', Authorization => 'Basic '
                         . encode_base64('uuid:x', ''));
is($r->{status}, 401, 'openwhisk wrong key: 401');
is(body($r)->{error}, 'The supplied authentication is invalid',
   'openwhisk wrong key: the message');
like(body($r)->{code}, qr/^\w+$/, 'openwhisk wrong key: a code');
$r = $http->post("$url/api/v1/namespaces/_/actions/echo?blocking=true",
                 { content => '{}' });
is($r->{status}, 401, 'openwhisk no auth: 401');

# bearer

is($proto{http}->('echo', '{}', Authorization => 'Bearer x')->{status}, 401,
   'http wrong bearer: 401');

# SigV4: botocore recomputes what it received

my $p = '/2015-03-31/functions/echo/invocations';
$r = lambda($p, '{"x":1}', {}, tamper => sub { '{"x":2}' });
is($r->{status}, 403, 'sigv4 tampered body: 403');
is($r->{headers}{'x-amzn-errortype'}, 'InvalidSignatureException',
   'sigv4 tampered body: InvalidSignatureException');
like(body($r)->{message}, qr/^The request signature we calculated does not /,
     'sigv4 tampered body: the message');

$r = lambda($p, '{}', {}, cred => { aws_secret_key => 'wrong' });
is($r->{status}, 403, 'sigv4 wrong secret: 403');

$r = lambda($p, '{}', {}, cred => { aws_session_token => undef });
is($r->{headers}{'x-amzn-errortype'}, 'UnrecognizedClientException',
   'sigv4 no session token: UnrecognizedClientException');

$r = lambda($p, '{}', {}, date => '20200101T000000Z');
like(body($r)->{message}, qr/^Signature expired: 20200101T000000Z is now /,
     'sigv4 old date: Signature expired');

$r = lambda($p, '{}', { 'X-Amz-Content-Sha256' => '0' x 64 });
is($r->{status}, 400, 'sigv4 wrong X-Amz-Content-Sha256: refused');

$r = lambda("$p?Qualifier=3", '{"q":1}',
            { 'X-Amz-Invocation-Type' => 'RequestResponse',
              'Content-Type' => 'application/json' });
is($r->{status}, 200, 'sigv4 with a qualifier and signed headers: 200');
is($r->{headers}{'x-amz-executed-version'}, '3',
   'lambda qualifier: the executed version');

$r = lambda($p, '{}', { 'X-Amz-Invocation-Type' => 'Event' });
is($r->{status}, 400, 'lambda Event invocations: refused');

$r = $http->post("$url$p", { content => '{}' });
is($r->{headers}{'x-amzn-errortype'}, 'MissingAuthenticationTokenException',
   'sigv4 unsigned: MissingAuthenticationTokenException');

# stats count every request, the failed ones too

$be->reset;
$proto{lambda}->('echo', '{}');
lambda($p, '{}', {}, cred => { aws_secret_key => 'wrong' });
$proto{openwhisk}->('nope', '{}');
is_deeply($be->stats, { 'lambda:echo' => 2, 'openwhisk:nope' => 1 },
          'stats: per protocol and action');
$be->reset;
is_deeply($be->stats, {}, 'stats: reset');

$be->stop;

done_testing();
