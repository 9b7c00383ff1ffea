# conf-examples/edge-cdn.conf, the two-tier CDN layout of SPEC section 3,
# started as it is (ports and the unix socket moved into the test's
# prefix).  It proves the CloudFront semantics with nginx's proxy_cache:
# origin events never run on a cache hit, what origin-response changes is
# what the cache stores, viewer-response runs on hits and misses, and a
# response origin-request generates is cached.  Function invocations are
# counted from the edge's faas_status.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/inc";

use FaasNginx;
use HTTP::Tiny;
use Test::More;

plan skip_all => "the module is not built ($FaasNginx::Module)"
    unless -f $FaasNginx::Module;

open my $in, '<', "$FaasNginx::Top/conf-examples/edge-cdn.conf" or die $!;
my $conf = do { local $/; <$in> };
close $in;

my $nginx = FaasNginx->new(name => 'edge-cdn.conf', conf => $conf, links => {
    functions => "$FaasNginx::Top/conf-examples/functions" });
is($nginx->start, 0, 'edge-cdn.conf starts')
    or diag(`cat $nginx->{prefix}/logs/error.log $nginx->{prefix}/logs/stderr.log`);

my $edge = $nginx->url(8080);
my $http = HTTP::Tiny->new(max_redirect => 0);

# invocations per function and event, summed over the workers
sub invocations {
    my $res = $http->get("$edge/faas/metrics");
    my %n;
    while ($res->{content} =~ /^faas_invocations_total\{function="([^"]+)",
                               event="([^"]+)"\}\s+(\d+)$/mgx)
    {
        $n{"$1 $2"} = $3;
    }
    return \%n;
}

sub delta {
    my ($before, $after, $key) = @_;
    return ($after->{$key} // 0) - ($before->{$key} // 0);
}

# a miss, then a hit of the same object (tracking parameters differ)

my $n0 = invocations();

my $miss = $http->get("$edge/page?id=1&utm_source=news");
is($miss->{status}, 200, 'miss: 200');
is($miss->{headers}{'x-cache'}, 'MISS', 'miss: from the origin');
like($miss->{content}, qr{^origin GET /page id=[0-9a-f]{32}\n$},
     'miss: the origin answered');
is($miss->{headers}{'cache-control'}, 'public, max-age=60',
   'miss: origin-response changed Cache-Control ("private" at the origin)');
like($miss->{headers}{'x-origin-response'}, qr/^[0-9a-f]{32}$/,
     'miss: origin-response added its header');
like($miss->{headers}{'strict-transport-security'}, qr/max-age=63072000/,
     'miss: viewer-response ran');

my $hit = $http->get("$edge/page?utm_campaign=x&id=1");
is($hit->{status}, 200, 'hit: 200');
is($hit->{headers}{'x-cache'}, 'HIT',
   'hit: viewer-request stripped the tracking parameters of the cache key');
is($hit->{content}, $miss->{content}, 'hit: the stored body');
is($hit->{headers}{'x-origin-response'}, $miss->{headers}{'x-origin-response'},
   'hit: the header origin-response added is stored with the object');
is($hit->{headers}{'cache-control'}, 'public, max-age=60',
   'hit: the stored Cache-Control is the one origin-response set');
like($hit->{headers}{'strict-transport-security'}, qr/max-age=63072000/,
     'hit: viewer-response ran');

my $n1 = invocations();
is(delta($n0, $n1, 'origin_router origin-request'), 1,
   'origin-request ran once: on the miss, not on the hit');
is(delta($n0, $n1, 'cache_policy origin-response'), 1,
   'origin-response ran once: on the miss, not on the hit');
is(delta($n0, $n1, 'strip_tracking viewer-request'), 3,
   'viewer-request ran on the miss, the hit and the metrics request');
is(delta($n0, $n1, 'security viewer-response'), 3,
   'viewer-response ran on the miss, the hit and the metrics response');

# a response generated in origin-request is cached by the edge

my $r1 = $http->get("$edge/robots.txt");
my $r2 = $http->get("$edge/robots.txt");
is($r1->{status}, 200, 'generated: 200');
is($r1->{content}, "User-agent: *\nDisallow: /private/\n",
   'generated: the body origin-request returned');
is($r1->{headers}{'x-cache'}, 'MISS', 'generated: the first is a miss');
is($r2->{headers}{'x-cache'}, 'HIT', 'generated: then it is cached');
is($r2->{content}, $r1->{content}, 'generated: the cached body');
ok(!defined $r1->{headers}{'x-origin-response'},
   'generated: origin-response does not run on it (Lambda@Edge)');
like($r2->{headers}{'strict-transport-security'}, qr/max-age/,
     'generated: viewer-response runs on it at the edge');

my $n2 = invocations();
is(delta($n1, $n2, 'origin_router origin-request'), 1,
   'generated: origin-request ran once for two requests');
is(delta($n1, $n2, 'cache_policy origin-response'), 0,
   'generated: no origin-response');

# request.origin re-routes /v2/ to another origin

my $v2 = $http->get("$edge/v2/item");
is($v2->{content}, "origin v2 /v2/item routed-by=origin_router\n",
   're-routed to origin-v2.internal with the custom header');
is($v2->{headers}{'cache-control'}, 'public, max-age=60',
   're-routed: origin-response ran on it');
is($http->get("$edge/v2/item")->{headers}{'x-cache'}, 'HIT',
   're-routed: and the edge cached it');

$nginx->stop;

open my $log, '<', "$nginx->{prefix}/logs/error.log" or die $!;
my @log = <$log>;
close $log;
is(scalar(grep { /has origin events and/ } @log), 0,
   'no warning: the origin events are not next to the cache');
is(scalar(my @e = $nginx->errors), 0, 'no errors in the log')
    or diag($nginx->errors);
$nginx->cleanup;

done_testing();
