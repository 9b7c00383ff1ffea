# conf-examples/: each example nginx.conf is started as it is (only its
# listen ports moved to free ones) and its functions are exercised.

use strict;
use warnings;

use Cwd qw(abs_path);
use File::Path qw(make_path remove_tree);
use HTTP::Tiny;
use IO::Socket::INET;
use Test::More;

my $top = abs_path(__FILE__) =~ s{/t/[^/]+$}{}r;
my $nginx = $ENV{TEST_NGINX_BINARY} || '/usr/sbin/nginx';
my ($module) = grep { /ngx_http_faas_module\.so$/ }
               split ' ', ($ENV{TEST_NGINX_LOAD_MODULES} || '');
$module ||= "$top/build/nginx/objs/ngx_http_faas_module.so";

plan skip_all => "the module is not built ($module)" unless -f $module;

sub free_port {
    my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1',
                                  LocalPort => 0, Proto => 'tcp')
        or die "no free port: $!";
    return $s->sockport;
}

# starts conf-examples/NAME with a prefix of its own; returns the prefix
# and the map from the example's ports to the ones used here
sub start_example {
    my ($name) = @_;
    my $prefix = "$top/t/servroot_example_$$";
    remove_tree($prefix);
    make_path("$prefix/logs", "$prefix/modules", "$prefix/conf");
    symlink $module, "$prefix/modules/ngx_http_faas_module.so" or die $!;
    symlink "$top/conf-examples/functions", "$prefix/functions" or die $!;

    open my $in, '<', "$top/conf-examples/$name" or die $!;
    my $conf = do { local $/; <$in> };
    my %ports;
    $conf =~ s{listen\s+127\.0\.0\.1:(\d+)}{
        $ports{$1} //= free_port(); "listen 127.0.0.1:$ports{$1}"
    }ge;
    $conf =~ s{127\.0\.0\.1:(\d+)}{"127.0.0.1:" . ($ports{$1} // $1)}ge;
    $conf =~ s{^daemon\s+\w+;}{}m;

    open my $out, '>', "$prefix/conf/$name" or die $!;
    print $out $conf;
    close $out;

    my $rc = system($nginx, '-p', $prefix, '-c', "$prefix/conf/$name");
    is($rc, 0, "$name starts") or diag(`cat $prefix/logs/error.log`);

    for (1 .. 50) {
        last if IO::Socket::INET->new("127.0.0.1:" . (values %ports)[0]);
        select(undef, undef, undef, 0.1);
    }

    return ($prefix, \%ports);
}

sub stop_example {
    my ($prefix, $name) = @_;
    system($nginx, '-p', $prefix, '-c', "$prefix/conf/$name", '-s', 'quit');
    for (1 .. 50) {
        last unless -f "$prefix/logs/nginx.pid";
        select(undef, undef, undef, 0.1);
    }
    open my $log, '<', "$prefix/logs/error.log" or die $!;
    my @bad = grep { /\[(error|crit|alert|emerg)\]/ } <$log>;
    is(scalar @bad, 0, "$name: no errors in the log") or diag(@bad);
    remove_tree($prefix) unless $ENV{TEST_NGINX_NO_CLEAN};
}

my ($prefix, $ports) = start_example('demo.conf');
my $edge = "http://127.0.0.1:$ports->{8080}";
my $http = HTTP::Tiny->new(max_redirect => 0);

my $res = $http->get("$edge/");
is($res->{status}, 200, 'demo: the origin answers through the edge');
like($res->{content}, qr/^origin: GET \/ variant=[ab]$/m, 'demo: a variant');
is($res->{headers}{'x-frame-options'}, 'DENY', 'demo: security headers');
like($res->{headers}{'strict-transport-security'}, qr/max-age=63072000/,
     'demo: HSTS');
ok(!exists $res->{headers}{server}, 'demo: Server removed');

$res = $http->get("$edge/", { headers => { Cookie => 'ab=b' } });
like($res->{content}, qr/variant=b$/m, 'demo: the variant from the cookie');

$res = $http->get("$edge/old/page?x=1");
is($res->{status}, 301, 'demo: redirect status');
like($res->{headers}{location}, qr{^http://127\.0\.0\.1:\d+/new/page$},
     'demo: redirect location');

$res = $http->get("$edge/hello");
like($res->{content}, qr/^Hello from hello \(version [0-9a-f]{16}\), invocation \d+/,
     'demo: a generated response');
is($res->{headers}{'content-type'}, 'text/plain', 'demo: its content type');

$res = $http->get("$edge/shop/x", { headers => { 'X-Country' => 'DE' } });
like($res->{content}, qr{^origin: GET /shop/de/x }, 'demo: country rewrite');

$res = $http->get("$edge/shop/x", { headers => { 'X-Country' => 'US' } });
like($res->{content}, qr{^origin: GET /shop/x }, 'demo: other countries');

stop_example($prefix, 'demo.conf');

done_testing();
