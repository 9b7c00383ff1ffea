# docs/getting-started.md works as written: its shell blocks are run with
# the guide's /tmp/edge moved under t/ and port 8090 moved to a free one.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/inc";

use FaasNginx;
use File::Path qw(remove_tree);
use Test::More;

plan skip_all => "the module is not built" unless -f $FaasNginx::Module;

my $top = $FaasNginx::Top;
my $dir = "$top/t/servroot_guide_$$";
my $port = FaasNginx::free_port();

open my $in, '<', "$top/docs/getting-started.md" or die $!;
my $guide = do { local $/; <$in> };
my @blocks = $guide =~ /```sh\n(.*?)```/sg;

# 1: make build (done by the test command); 2-4: function, config, curl;
# then the stop command of section 5
my $script = join "\n", @blocks[1 .. 3];
$script =~ s{/tmp/edge}{$dir}g;
$script =~ s{\b8090\b}{$port}g;
$script =~ s{\$PWD/build/nginx/objs/ngx_http_faas_module\.so}
           {$FaasNginx::Module}g;
$script =~ s{\$PWD}{$top}g;
$script =~ s{\bnginx -}{$FaasNginx::Nginx -}g;

remove_tree($dir);
my $out = `cd $top && set -e && $script 2>&1`;
is($?, 0, 'the guide runs') or diag($out);

like($out, qr/^hello #1 from hello$/m, 'the generated response');
like($out, qr/^the origin saw X-Edge: seen$/m, 'the request went on changed');
like($out, qr/^faas_invocations_total\{function="hello",event="viewer-request"\} 2$/m,
     'the metrics');

system("$FaasNginx::Nginx -s quit -p $dir -c $dir/nginx.conf 2>/dev/null");
for (1 .. 50) {
    last unless -f "$dir/logs/nginx.pid";
    select(undef, undef, undef, 0.1);
}
remove_tree($dir) unless $ENV{TEST_NGINX_NO_CLEAN};

done_testing();
