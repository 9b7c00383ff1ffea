# faas-run and nginx give the same results: conf-examples/demo.conf is
# started as it is, and the same requests go through nginx and through
# build/faas-run with the same function files.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/inc";

use FaasNginx;
use HTTP::Tiny;
use JSON::PP;
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
    return decode_json($out);
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

$nginx->stop;
is(scalar(my @e = $nginx->errors), 0, 'no errors in the log')
    or diag($nginx->errors);
$nginx->cleanup;

done_testing();
