# faas-run and nginx give the same results: conf-examples/demo.conf is
# started as it is, and the same requests go through nginx and through
# build/faas-run with the same function files; then an nginx of its own
# with faas_body 1k for the request body (faas-run --body-max 1k).

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/inc";

use FaasNginx;
use File::Temp qw(tempfile);
use HTTP::Tiny;
use JSON::PP;
use MIME::Base64;
use Test::More;

my $run = $ENV{FAAS_RUN} || "$FaasNginx::Top/build/faas-run";
my $fns = "$FaasNginx::Top/conf-examples/functions";
my $mmdb = "$FaasNginx::Top/tests/data/geoip/GeoIP2-City-Test.mmdb";

plan skip_all => "the module is not built ($FaasNginx::Module)"
    unless -f $FaasNginx::Module;
plan skip_all => "faas-run is not built ($run)" unless -x $run;

sub faas_run {
    my $cmd = join ' ', map { "'" . s/'/'\\''/gr . "'" } $run, @_;
    my $out = `$cmd`;
    is($? >> 8, 0, "faas-run @_[0 .. 0]: exit 0");
    # a failed run fails its tests, not the file: nginx is stopped at the end
    return eval { decode_json($out) } || {};
}

sub header { $_[0]{headers}{$_[1]} && $_[0]{headers}{$_[1]}[0]{value} }

open my $in, '<', "$FaasNginx::Top/conf-examples/demo.conf" or die $!;
my $nginx = FaasNginx->new(name => 'demo.conf',
    conf => do { local $/; <$in> },
    links => { functions => $fns,
               geoip => "$FaasNginx::Top/tests/data/geoip" });
is($nginx->start, 0, 'demo.conf starts')
    or diag(`cat $nginx->{prefix}/logs/error.log`);

my $edge = $nginx->url(8080);
my $host = $edge =~ s{^http://}{}r;
my $http = HTTP::Tiny->new(max_redirect => 0);

# redirect.lua: the same status and Location

my $res = $http->get("$edge/old/a/b?x=1");
my $fr = faas_run("$fns/redirect.lua", '--request', 'GET /old/a/b?x=1',
                  '-H', "Host: $host");
is($fr->{status}, $res->{status}, 'redirect: the same status');
is(header($fr, 'location'), $res->{headers}{location},
   'redirect: the same Location');

# security_headers.lua in viewer-response (of the origin's answer, as
# a generated response does not go through it): the same headers added,
# and Server removed by both

$res = $http->get("$edge/");
$fr = faas_run("$fns/security_headers.lua", '--event', 'viewer-response',
               '--status', $res->{status}, '-R', 'Server: nginx',
               '-R', "Content-Type: $res->{headers}{'content-type'}");
is(header($fr, 'content-type'), $res->{headers}{'content-type'},
   'security: the same Content-Type');
for my $name (qw(strict-transport-security x-content-type-options
                 x-frame-options referrer-policy)) {
    ok(defined $res->{headers}{$name}, "security: nginx sends $name");
    is(header($fr, $name), $res->{headers}{$name},
       "security: the same $name");
}
ok(!exists $res->{headers}{server} && !exists $fr->{headers}{server},
   'security: Server removed by both');

# country_path.lua: the same rewritten uri (the origin shows it)

for my $country (qw(DE US)) {
    $res = $http->get("$edge/shop/x",
                      { headers => { "X-Country" => $country } });
    my ($uri) = $res->{content} =~ m{^origin: GET (\S+) };
    $fr = faas_run("$fns/country_path.lua", '--request', 'GET /shop/x',
                   '-H', "X-Country: $country");
    is($fr->{uri}, $uri, "country $country: the same uri ($uri)");
}

# geo_redirect.lua: the same Location for a viewer in GB

$res = $http->get("$edge/geo/store",
                  { headers => { 'X-Forwarded-For' => '81.2.69.142' } });
$fr = faas_run("$fns/geo_redirect.lua", '--request', 'GET /geo/store',
               '--geoip', $mmdb, '--client-ip', '81.2.69.142');
is($fr->{status}, $res->{status}, 'geo: the same status');
my ($path) = ($res->{headers}{location} || '') =~ m{^http://[^/]+(/.*)$};
is(header($fr, 'location'), $path, 'geo: the same Location path');

# quote.lua, the regional tier's content function behind faas_body 64k:
# the same answer to the same POST body (JSON compared as data: member
# order is the Lua table's)

my $api = encode_json({ httpMethod => 'POST', path => '/fn/quote',
                        queryStringParameters => { n => '2' } });
$res = $http->post($nginx->url(8082) . '/fn/quote', { content => $api });
$fr = faas_run("$fns/quote.lua", '--event', 'content', '--request',
               'POST /fn/quote', '--body', $api, '--body-max', '64k');
is($fr->{status}, $res->{status}, 'quote: the same status');
my ($ngx_answer, $run_answer) = map { eval { decode_json($_) } || {} }
    $res->{content}, $fr->{body} // '';
$_->{body} = eval { decode_json($_->{body}) } for $ngx_answer, $run_answer;
is_deeply($run_answer, $ngx_answer, 'quote: the same answer');
is($run_answer->{body}{quote}, 'Make it work, make it right, make it fast.',
   'quote: read from the body');

$nginx->stop;
is(scalar(my @e = $nginx->errors), 0, 'no errors in the log')
    or diag($nginx->errors);
$nginx->cleanup;

# the request body (tests/faas-run/functions/body.lua): nginx with
# faas_body 1k and faas-run with --body-max 1k see the same body, cut
# the same way, and send the same replacement upstream (an echo origin
# shows what nginx sent; faas-run prints it)

my $body_fn = "$FaasNginx::Top/tests/faas-run/functions/body.lua";
$nginx = FaasNginx->new(conf => <<'CONF', links => { 'body.lua' => $body_fn });
load_module modules/ngx_http_faas_module.so;
error_log  logs/error.log info;
pid        logs/nginx.pid;
events { }
http {
    faas_function  body  body.lua;
    faas_function  echo  echo.lua;
    server {
        listen      127.0.0.1:8080;
        faas_body   1k;
        location / {
            faas_viewer_request  body;
            return 404;
        }
        location /replace {
            faas_viewer_request  body;
            proxy_pass           http://127.0.0.1:$server_port/echo;
        }
        location /echo {
            faas_content  echo;
        }
    }
}
CONF
$nginx->write_file('echo.lua', <<'LUA');
return function(event)
  local request = event.Records[1].cf.request
  return { status = 200, body = request.headers["content-length"][1].value
    .. " " .. faas.crypto.base64_decode(request.body.data) }
end
LUA
is($nginx->start, 0, 'faas_body 1k starts')
    or diag(`cat $nginx->{prefix}/logs/error.log`);
$edge = $nginx->url(8080);

my $bin = join '', map { chr(($_ * 7) % 256) } 1 .. 1500;
for my $case (['text', 'name=ann&x=1'], ['binary', substr($bin, 0, 600)],
              ['over 1k', $bin]) {
    my ($what, $data) = @$case;
    my ($fh, $file) = tempfile(UNLINK => 1);
    print $fh $data;
    close $fh;
    $res = $http->post("$edge/form", { content => $data });
    $fr = faas_run($body_fn, '--request', 'POST /form', '--body-file',
                   $file, '--body-max', '1k');
    like($res->{content}, qr/^read-only base64 truncated=/,
         "body $what: nginx shows it");
    is($fr->{body}, $res->{content}, "body $what: the same");
}

$res = $http->post("$edge/replace", { content => 'hello' });
$fr = faas_run($body_fn, '--request', 'POST /replace', '--body', 'hello',
               '--body-max', '1k');
is($fr->{body}{action}, 'replace', 'replace: faas-run writes it back');
is(header($fr, 'content-length') . ' ' . decode_base64($fr->{body}{data}),
   $res->{content}, 'replace: the body and length nginx sent upstream');

$nginx->stop;
is(scalar(@e = $nginx->errors), 0, 'faas_body 1k: no errors in the log')
    or diag($nginx->errors);
$nginx->cleanup;

done_testing();
