# conf-examples/: each example nginx.conf is started as it is (only its
# listen ports moved to free ones) and its functions are exercised.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/inc";

use FaasNginx;
use HTTP::Tiny;
use Test::More;

plan skip_all => "the module is not built ($FaasNginx::Module)"
    unless -f $FaasNginx::Module;

sub example {
    my ($name) = @_;
    open my $in, '<', "$FaasNginx::Top/conf-examples/$name" or die $!;
    my $conf = do { local $/; <$in> };
    my $nginx = FaasNginx->new(name => $name, conf => $conf, links => {
        functions => "$FaasNginx::Top/conf-examples/functions",
        geoip => "$FaasNginx::Top/tests/data/geoip" });
    is($nginx->start, 0, "$name starts")
        or diag(`cat $nginx->{prefix}/logs/error.log`);
    return $nginx;
}

my $nginx = example('demo.conf');
my $edge = $nginx->url(8080);
my $http = HTTP::Tiny->new(max_redirect => 0);

my $res = $http->get("$edge/");
is($res->{status}, 200, 'demo: the origin answers through the edge');
like($res->{content}, qr/^origin: GET \/ variant=[ab] /m, 'demo: a variant');
is($res->{headers}{'x-frame-options'}, 'DENY', 'demo: security headers');
like($res->{headers}{'strict-transport-security'}, qr/max-age=63072000/,
     'demo: HSTS');
ok(!exists $res->{headers}{server}, 'demo: Server removed');

$res = $http->get("$edge/", { headers => { Cookie => 'ab=b' } });
like($res->{content}, qr/variant=b /m, 'demo: the variant from the cookie');

$res = $http->get("$edge/old/page?x=1");
is($res->{status}, 301, 'demo: redirect status');
like($res->{headers}{location}, qr{^http://127\.0\.0\.1:\d+/new/page$},
     'demo: redirect location');

$res = $http->get("$edge/hello");
like($res->{content},
     qr/^Hello from hello \(version [0-9a-f]{16}\), invocation \d+/,
     'demo: a generated response');
is($res->{headers}{'content-type'}, 'text/plain', 'demo: its content type');

$res = $http->get("$edge/shop/x", { headers => { 'X-Country' => 'DE' } });
like($res->{content}, qr{^origin: GET /shop/de/x }, 'demo: country rewrite');

$res = $http->get("$edge/shop/x", { headers => { 'X-Country' => 'US' } });
like($res->{content}, qr{^origin: GET /shop/x }, 'demo: other countries');

$res = $http->get("$edge/visits", { headers => { Cookie => 'visitor=ann' } });
like($res->{content}, qr/^visit 1 in total, 1 by ann\n/, 'demo: a kv counter');
$res = $http->get("$edge/visits", { headers => { Cookie => 'visitor=bob' } });
like($res->{content}, qr/^visit 2 in total, 1 by bob\n/,
     'demo: per-visitor counts');
$res = $http->get("$edge/visits", { headers => { Cookie => 'visitor=ann' } });
like($res->{content}, qr/^visit 3 in total, 2 by ann \(last one \d+ s ago\)/,
     'demo: the state is kept between requests');
ok(-f "$nginx->{prefix}/state/data.mdb",
   'demo: faas_state made its directory under the prefix');

$res = $http->get("$edge/geo/store",
                  { headers => { 'X-Forwarded-For' => '81.2.69.142' } });
is($res->{status}, 302, 'demo: a geo redirect');
like($res->{headers}{location}, qr{^http://127\.0\.0\.1:\d+/geo/gb/store$},
     'demo: to the country path');

$res = $http->get("$edge/geo/gb/store",
                  { headers => { 'X-Forwarded-For' => '81.2.69.142' } });
like($res->{content}, qr{^origin: GET /geo/gb/store .*country=GB },
     'demo: the origin gets CloudFront-Viewer-Country');

$res = $http->get("$edge/geo/store",
                  { headers => { 'X-Forwarded-For' => '10.1.2.3' } });
like($res->{content}, qr{^origin: GET /geo/store }, 'demo: unknown viewers');

$res = $http->get("$edge/private/report");
is($res->{status}, 401, 'demo: no token, no entry');

my ($token) = `cat $FaasNginx::Top/tools/demo` =~ /^\s*token=(\S+)$/m;
$res = $http->get("$edge/private/report",
                  { headers => { Authorization => "Bearer $token" } });
like($res->{content}, qr{^origin: GET /private/report .*user=demo-user$}m,
     'demo: the token of tools/demo passes the JWT check');

$res = $http->get("$edge/api/quote?n=2");
is($res->{status}, 200, 'demo: the API route answers');
is($res->{headers}{'x-regional'}, 'quote',
   'demo: the answer of the regional function');
like($res->{content},
     qr/^\{(?=.*"quote":"Make it work, make it right, make it fast\.")(?=.*"path":"\/api\/quote")/,
     'demo: the function got the API Gateway event of the request');

$res = $http->get("$edge/api/quote");
like($res->{content}, qr/"quote":"Simplicity is prerequisite for reliability\."/,
     'demo: the API route without a query string');

$res = $http->get("$edge/faas/metrics");
like($res->{content}, qr/^faas_invocations_total\{function="visits",event="viewer-request"\} 3$/m,
     'demo: the metrics page');
like($res->{content}, qr/^faas_backend_requests_total\{backend="regional",status="200"\} 2$/m,
     'demo: the backend request counted');

$nginx->stop;
is(scalar(my @e = $nginx->errors), 0, 'demo: no errors in the log')
    or diag($nginx->errors);
$nginx->cleanup;

done_testing();
