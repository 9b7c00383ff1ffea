# conf-examples/api-gateway.conf, run as it is (the backends' address
# moved to the test backend's port, the listen port to a free one): a
# Lambda route, an OpenWhisk web-action route, and a function that checks
# a JWT and makes a cached call to an HTTP function.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/inc";

use FaasBackend;
use FaasNginx;
use HTTP::Tiny;
use JSON::PP;
use Test::More;

plan skip_all => "the module is not built ($FaasNginx::Module)"
    unless -f $FaasNginx::Module;

my $be = FaasBackend->start(ow_auth => 'uuid-demo:key-demo',
                            bearer => 'catalog-token',
                            aws_access_key => 'AKIDEXAMPLE',
                            aws_secret_key => 'example/secret/key',
                            aws_region => 'eu-west-1');

open my $in, '<', "$FaasNginx::Top/conf-examples/api-gateway.conf" or die $!;
my $conf = do { local $/; <$in> };
my $port = $be->port;
$conf =~ s/127\.0\.0\.1:9000/127.0.0.1:$port/g;

my $nginx = FaasNginx->new(name => 'api-gateway.conf', conf => $conf, links => {
    functions => "$FaasNginx::Top/conf-examples/functions",
    credentials => "$FaasNginx::Top/conf-examples/credentials" });
is($nginx->start, 0, 'api-gateway.conf starts')
    or diag(`cat $nginx->{prefix}/logs/error.log`);

my $url = $nginx->url(8083);
my $http = HTTP::Tiny->new(timeout => 10);

my $res = $http->post("$url/v1/orders/42?expand=items",
                      { content => '{"qty":2}',
                        headers => { 'X-Test' => 'order' } });
is($res->{status}, 200, 'orders: forwarded to Lambda (SigV4 accepted)');
is($res->{headers}{'x-backend'}, 'lambda', 'orders: the function answered');
my $got = decode_json($res->{content});
is_deeply([@$got{qw(method path x_test body)}],
          ['POST', '/v1/orders/42', 'order', '{"qty":2}'],
          'orders: the API Gateway event of the request');
is_deeply($got->{query}, { expand => 'items' }, 'orders: the query');

$res = $http->get("$url/v1/reports/daily?day=mon");
is($res->{status}, 200, 'reports: forwarded to OpenWhisk');
is($res->{headers}{'x-backend'}, 'openwhisk', 'reports: the web action');
is(decode_json($res->{content})->{path}, '/v1/reports/daily',
   'reports: __ow_path');

$res = $http->get("$url/v1/products?category=books");
is($res->{status}, 401, 'products: no token, no call');

# the HS256 token of tools/demo (same secret)
my ($token) = `cat $FaasNginx::Top/tools/demo` =~ /^\s*token=(\S+)$/m;
$be->reset;
for (1 .. 2) {
    $res = $http->get("$url/v1/products?category=books",
                      { headers => { Authorization => "Bearer $token" } });
    is($res->{status}, 200, "products: call $_");
    is_deeply(decode_json($res->{content}),
              { user => 'demo-user', category => 'books' },
              "products: call $_ answer");
}
is($be->stats->{'http:echo'}, 1, 'products: the second answer came from the cache');

$res = $http->get("$url/faas/metrics");
like($res->{content}, qr/^faas_backend_cache_total\{backend="catalog",result="hit"\} 1$/m,
     'metrics: the cache hit');
like($res->{content}, qr/^faas_backend_requests_total\{backend="orders",status="200"\} 1$/m,
     'metrics: the Lambda request');

$nginx->stop;
is(scalar(my @e = $nginx->errors), 0, 'no errors in the log')
    or diag($nginx->errors);
$nginx->cleanup;
$be->stop;

done_testing();
