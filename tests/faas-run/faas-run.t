# faas-run (tools/faas-run), the local runner: its options, its output,
# its exit codes and --test.  Plain Perl; run by "make runner":
#
#   prove tests/faas-run/faas-run.t        (FAAS_RUN=path to the binary)

use strict;
use warnings;

use Cwd qw(abs_path);
use File::Temp qw(tempdir);
use Digest::SHA;
use JSON::PP;
use MIME::Base64;
use Test::More;

my $top = abs_path(__FILE__) =~ s{/tests/faas-run/[^/]+$}{}r;
my $run = $ENV{FAAS_RUN} || "$top/build/faas-run";
my $fns = "$top/conf-examples/functions";
my $tmp = tempdir(CLEANUP => 1);

plan skip_all => "$run is not built" unless -x $run;

# runs faas-run with @args: (exit code, decoded stdout or undef, stderr)
sub faas_run {
    my (@args) = @_;
    my $cmd = join ' ', map { "'" . s/'/'\\''/gr . "'" } $run, @args;
    my $out = `$cmd 2>$tmp/stderr`;
    my $rc = $? >> 8;
    open my $e, '<', "$tmp/stderr" or die $!;
    my $err = do { local $/; <$e> };
    my $json = eval { decode_json($out) };
    return ($rc, $json, $err, $out);
}

sub write_file {
    my ($name, $text) = @_;
    open my $f, '>', "$tmp/$name" or die $!;
    print $f $text;
    close $f;
    return "$tmp/$name";
}

sub header { $_[0]{headers}{$_[1]} && $_[0]{headers}{$_[1]}[0]{value} }

my ($rc, $res, $err);

# viewer-request built from --request and -H: a rewritten request

($rc, $res) = faas_run("$fns/country_path.lua", '--request',
                       'GET /shop/x?a=1', '-H', 'X-Country: DE');
is($rc, 0, 'rewrite: exit 0');
is($res->{uri}, '/shop/de/x', 'rewrite: the uri');
is($res->{querystring}, 'a=1', 'rewrite: the query string kept');
is($res->{method}, 'GET', 'rewrite: the method');
is(header($res, 'x-country'), 'DE', 'rewrite: -H header');
is($res->{headers}{host}[0]{key}, 'Host', 'rewrite: a default Host');

# a generated redirect

($rc, $res) = faas_run("$fns/redirect.lua", '--request', 'GET /old/a',
                       '-H', 'Host: example.com');
is($rc, 0, 'redirect: exit 0');
is($res->{status}, '301', 'redirect: status');
ok(!exists $res->{statusDescription}, 'redirect: no description given');
is(header($res, 'location'), 'http://example.com/new/a',
   'redirect: Location');
ok(!exists $res->{uri}, 'redirect: a response, not the request');

# viewer-response: headers added, one removed

($rc, $res) = faas_run("$fns/security_headers.lua", '--event',
                       'viewer-response', '--status', '404', '-R',
                       'Server: nginx', '-R', 'Content-Type: text/html');
is($rc, 0, 'viewer-response: exit 0');
is($res->{status}, '404', 'viewer-response: --status');
is(header($res, 'x-frame-options'), 'DENY', 'viewer-response: added');
is(header($res, 'content-type'), 'text/html', 'viewer-response: kept');
ok(!exists $res->{headers}{server}, 'viewer-response: Server removed');

# failures: exit 1, the runtime's one log line with the class on stderr

my $bad = write_file('bad.lua', "return function(event)\n"
                                . "  local t = nil\n  return t.x\nend\n");
($rc, $res, $err) = faas_run($bad);
is($rc, 1, 'runtime error: exit 1');
like($err, qr/^\[error\] faas: function "bad" in viewer-request, .*failed \(runtime\): .*bad\.lua:3: attempt to index/,
     'runtime error: the log line with its class');
is($res, undef, 'runtime error: nothing on stdout');

my $loop = write_file('loop.lua', "return function() while true do end end\n");
($rc, $res, $err) = faas_run($loop, '--timeout', '5ms');
is($rc, 1, 'timeout: exit 1');
like($err, qr/failed \(timeout\): timeout of 5 ms exceeded/, 'timeout: class');

my $hog = write_file('hog.lua', "return function()\n  local t = {}\n"
                     . "  for i = 1, 1e7 do t[i] = ('x'):rep(64) .. i end\n"
                     . "end\n");
($rc, $res, $err) = faas_run($hog, '--memory', '1m', '--timeout', '1s');
is($rc, 1, 'memory: exit 1');
like($err, qr/failed \(memory\)/, 'memory: class');

my $syntax = write_file('syntax.lua', "return function(\n");
($rc, $res, $err) = faas_run($syntax);
is($rc, 1, 'syntax error: exit 1');
like($err, qr/syntax\.lua:\d+: .*\(syntax\)/, 'syntax error: file and line');

# usage errors: exit 2

is((faas_run())[0], 2, 'no file: exit 2');
is((faas_run($bad, '--event', 'nope'))[0], 2, 'unknown event: exit 2');
is((faas_run($bad, '--memory', 'lots'))[0], 2, 'bad --memory: exit 2');
is((faas_run($bad, '--timeout', '0'))[0], 2, 'zero --timeout: exit 2');
is((faas_run($bad, '--event-file', "$tmp/none.json"))[0], 2,
   'missing event file: exit 2');
is((faas_run($bad, '-H', 'no colon'))[0], 2, 'bad -H: exit 2');

# AWS's example events as input: a handler returning what it got prints
# the event's own request or response

my $same = write_file('same.lua', "return function(event)\n"
                      . "  local cf = event.Records[1].cf\n"
                      . "  return cf.response or cf.request\nend\n");
for my $name (qw(viewer-request origin-request origin-response
                 viewer-response)) {
    my $file = "$top/tests/data/events/$name.json";
    open my $f, '<', $file or die $!;
    my $cf = decode_json(do { local $/; <$f> })->{Records}[0]{cf};
    ($rc, $res, $err) = faas_run($same, '--event-file', $file);
    is($rc, 0, "$name.json: exit 0") or diag($err);
    is_deeply($res, $cf->{response} || $cf->{request},
              "$name.json: the same " . ($cf->{response} ? 'response'
                                                         : 'request'));
}

($rc, $res) = faas_run("$fns/country_path.lua", '--event-file',
                       "$top/tests/data/events/viewer-request.json",
                       '--request', 'GET /shop/y', '-H', 'X-Country: fr');
is($res->{uri}, '/shop/fr/y', 'event file: options override it');
is($res->{clientIp}, '203.0.113.178', 'event file: the rest is kept');

# faas.kv in a local LMDB dir: the count goes on across runs

for my $n (1, 2) {
    ($rc, $res, $err) = faas_run("$fns/visits.lua", '--state',
                                 "$tmp/state", '-H', 'Cookie: visitor=ann');
    is($rc, 0, "kv run $n: exit 0") or diag($err);
    like($res->{body}, qr/^visit $n in total, $n by ann/, "kv run $n: count");
}
ok(-f "$tmp/state/data.mdb", 'kv: the state directory');

# faas.geo with MaxMind's test database

($rc, $res, $err) = faas_run("$fns/geo_redirect.lua", '--request',
    'GET /geo/store', '--geoip',
    "$top/tests/data/geoip/GeoIP2-City-Test.mmdb", '--client-ip',
    '81.2.69.142');
is($rc, 0, 'geo: exit 0') or diag($err);
is(header($res, 'location'), '/geo/gb/store', 'geo: GB');

my $geo = write_file('geo.lua', "return function(event)\n"
                     . "  local g = faas.geo()\n"
                     . "  return { status = 200, body = tostring(g.country_code) }\n"
                     . "end\n");
($rc, $res) = faas_run($geo, '--geoip',
                       "$top/tests/data/geoip/GeoIP2-City-Test.mmdb",
                       '--client-ip', '81.2.69.142');
is($res->{body}, 'GB', 'geo: faas.geo().country_code');
is((faas_run($geo, '--geoip', "$tmp/none.mmdb"))[0], 2,
   'geo: a missing database is a usage error');

# --env

my $env = write_file('env.lua', "return function()\n"
                     . "  return { status = 200, body = faas.env.A .. faas.env.B }\n"
                     . "end\n");
($rc, $res) = faas_run($env, '--env', 'A=1', '--env', 'B=x=y');
is($res->{body}, '1x=y', 'env: two --env');

# the request body (faas_body): --body, --body-file, --body-max and an
# event file's request.body, read and replaced as in nginx

my $body = "$top/tests/faas-run/functions/body.lua";
my $sha = sub { Digest::SHA::sha256_hex($_[0]) };

($rc, $res, $err) = faas_run($body, '--request', 'POST /form', '--body',
                             'a=1&b=2');
is($rc, 0, 'body: exit 0') or diag($err);
is($res->{body}, "read-only base64 truncated=false bytes=7 sha256="
   . $sha->('a=1&b=2') . "\n", 'body: --body as request.body');

($rc, $res) = faas_run($body);
is($res->{body}, "no body\n", 'body: none without --body');

my $bin = join '', map { chr } 0 .. 255;
my $binfile = write_file('bin', $bin);
($rc, $res) = faas_run($body, '--body-file', $binfile);
is($res->{body}, "read-only base64 truncated=false bytes=256 sha256="
   . $sha->($bin) . "\n", 'body: --body-file, binary');

($rc, $res) = faas_run($body, '--body-file', $binfile, '--body-max', '100');
is($res->{body}, "read-only base64 truncated=true bytes=100 sha256="
   . $sha->(substr $bin, 0, 100) . "\n",
   'body: cut at --body-max, inputTruncated');

# a handler returning the request prints request.body, cut and flagged

($rc, $res) = faas_run($same, '--request', 'POST /x', '--body', 'abcdef',
                       '--body-max', '4');
is_deeply($res->{body}, { inputTruncated => JSON::PP::true,
                          action => 'read-only', encoding => 'base64',
                          data => encode_base64('abcd', '') },
          'body: the read-only body printed');
is(header($res, 'content-length'), '6', 'body: Content-Length of --body');

# a replacement is written back: "replace", base64, Content-Length

($rc, $res) = faas_run($body, '--request', 'POST /replace', '--body',
                       'hello');
is($rc, 0, 'replace: exit 0');
is($res->{body}{action}, 'replace', 'replace: action');
is($res->{body}{encoding}, 'base64', 'replace: base64');
is(decode_base64($res->{body}{data}), 'replaced 5 bytes: HELLO',
   'replace: the new body');
is(header($res, 'content-length'), '23', 'replace: Content-Length follows');

($rc, $res, $err) = faas_run($body, '--request', 'POST /replace', '--body',
                             'x' x 40, '--body-max', '40');
is($rc, 1, 'replace over the cap: exit 1');
like($err, qr/failed \(bad-return\): the replaced request body of 59 bytes is larger than the limit of 40 bytes/,
     'replace over the cap: bad-return');

my $nobody = write_file('nobody.lua', "return function(event)\n"
                        . "  local r = event.Records[1].cf.request\n"
                        . "  r.body = { action = 'replace', data = 'eA==' }\n"
                        . "  return r\nend\n");
($rc, $res, $err) = faas_run($nobody);
is($rc, 1, 'replace without a body: exit 1');
like($err, qr/cannot be replaced without faas_body/,
     'replace without a body: as without faas_body');

# request.body of an event file: base64 (AWS's) or text; --body wins

my $ev = decode_json(do {
    open my $f, '<', "$top/tests/data/events/viewer-request.json" or die $!;
    local $/; <$f>
});
my $req = $ev->{Records}[0]{cf}{request};
$req->{body} = { inputTruncated => JSON::PP::false, action => 'read-only',
                 encoding => 'base64', data => encode_base64($bin, '') };
my $evfile = write_file('body.json', encode_json($ev));
($rc, $res, $err) = faas_run($body, '--event-file', $evfile);
is($rc, 0, 'event file body: exit 0') or diag($err);
is($res->{body}, "read-only base64 truncated=false bytes=256 sha256="
   . $sha->($bin) . "\n", 'event file body: base64 decoded');

($rc, $res) = faas_run($body, '--event-file', $evfile, '--body-max', '10');
like($res->{body}, qr/truncated=true bytes=10 /,
     'event file body: cut at --body-max');

($rc, $res) = faas_run($body, '--event-file', $evfile, '--body', 'mine');
like($res->{body}, qr/truncated=false bytes=4 /, 'event file body: --body wins');

($rc, $res) = faas_run($same, '--event-file', $evfile);
is_deeply($res, $req, 'event file body: printed back as it came');

$req->{body} = { inputTruncated => JSON::PP::true, encoding => 'text',
                 data => 'plain' };
($rc, $res) = faas_run($body, '--event-file',
                       write_file('text.json', encode_json($ev)));
is($res->{body}, "read-only base64 truncated=true bytes=5 sha256="
   . $sha->('plain') . "\n", 'event file body: text, inputTruncated kept');

$req->{body} = { data => 'not base64!' };
($rc, $res, $err) = faas_run($body, '--event-file',
                             write_file('bad.json', encode_json($ev)));
is($rc, 2, 'event file body: bad base64, exit 2');
like($err, qr/request\.body\.data is not valid base64/,
     'event file body: bad base64, the reason');

is((faas_run($body, '--body', 'a', '--body-file', $binfile))[0], 2,
   '--body and --body-file: exit 2');
is((faas_run($body, '--body-max', '0'))[0], 2, 'zero --body-max: exit 2');
is((faas_run($body, '--body-file', "$tmp/none"))[0], 2,
   'missing --body-file: exit 2');

# response.body: --response-body in response events (faas_response_body),
# a static body of origin-response, base64 when it is not text

my $resp = write_file('resp.lua', "return function(event)\n"
                      . "  local r = event.Records[1].cf.response\n"
                      . "  r.body = (r.body or 'none') .. '!'\n"
                      . "  return r\nend\n");
($rc, $res, $err) = faas_run($resp, '--event', 'viewer-response',
                             '--response-body', 'hi', '-R',
                             'Content-Length: 2');
is($rc, 0, 'response body: exit 0') or diag($err);
is($res->{body}, 'hi!', 'response body: read and replaced');
is(header($res, 'content-length'), '3', 'response body: Content-Length');

($rc, $res) = faas_run($resp, '--event', 'origin-response');
is($res->{body}, 'none!', 'response body: origin-response sets one');

($rc, $res, $err) = faas_run($resp, '--event', 'viewer-response');
is($rc, 1, 'response body: viewer-response without one, exit 1');
like($err, qr/viewer-response cannot replace the body/,
     'response body: viewer-response without one, bad-return');

my $rbin = write_file('rbin.lua', "return function(event)\n"
                      . "  local r = event.Records[1].cf.response\n"
                      . "  r.body = '\\0\\255'\n  return r\nend\n");
($rc, $res) = faas_run($rbin, '--event', 'origin-response');
is($res->{body}, 'AP8=', 'response body: binary as base64');
is($res->{bodyEncoding}, 'base64', 'response body: bodyEncoding');

is((faas_run($resp, '--response-body', 'x'))[0], 2,
   '--response-body in a request event: exit 2');

# --test: the example cases pass, a failing case fails the run

my $out;
($rc, $res, $err, $out) = faas_run('--test', "$top/tests/faas-run/cases");
is($rc, 0, '--test cases: exit 0') or diag($out);
like($out, qr/^ok redirect$/m, '--test cases: one line per case');
like($out, qr/^\d+ passed, 0 failed$/m, '--test cases: the closing line');

($rc, $res, $err, $out) = faas_run('--test', "$top/tests/faas-run/failing");
is($rc, 1, '--test failing: exit 1');
like($out, qr/^ok passes$/m, '--test failing: the passing case');
like($out, qr{^FAIL fails: uri: got "/shop/jp/x", want "/shop/de/x"$}m,
     '--test failing: a short diff');
like($out, qr/^1 passed, 1 failed$/m, '--test failing: the closing line');

is((faas_run('--test', "$tmp/nothing"))[0], 2, '--test: no directory');

done_testing();
