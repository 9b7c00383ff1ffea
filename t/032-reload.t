# faas_reload_check: a changed function file is taken without a restart;
# one that does not compile leaves the running version serving.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/inc";

use FaasNginx;
use HTTP::Tiny;
use Test::More;

plan skip_all => "the module is not built" unless -f $FaasNginx::Module;

my $nginx = FaasNginx->new(conf => <<'CONF');
load_module modules/ngx_http_faas_module.so;
worker_processes 1;
error_log logs/error.log info;
pid logs/nginx.pid;
events { worker_connections 64; }
http {
    access_log off;
    faas_reload_check 100ms;
    faas_function deploy functions/deploy.lua;
    server {
        listen 127.0.0.1:8080;
        location / { faas_viewer_request deploy; return 200 "unreached\n"; }
    }
}
CONF

my $file = "$nginx->{prefix}/functions/deploy.lua";
mkdir "$nginx->{prefix}/functions" or die $!;

sub deploy {
    my ($text) = @_;
    open my $f, '>', "$file.new" or die $!;
    print $f $text;
    close $f;
    rename "$file.new", $file or die $!;
}

sub version {
    my ($v) = @_;
    return "local n = 0\n"
         . "return function(event, context)\n"
         . "  n = n + 1\n"
         . "  return { status = 200,\n"
         . "           body = '$v ' .. context.function_version .. ' ' .. n .. '\\n' }\n"
         . "end\n";
}

deploy(version('v1'));
is($nginx->start, 0, 'starts');

my $http = HTTP::Tiny->new;
my $url = $nginx->url(8080);
my ($v1) = $http->get($url)->{content} =~ /^v1 ([0-9a-f]{16}) 1$/m;
ok($v1, 'the first version serves');
like($http->get($url)->{content}, qr/^v1 \Q$v1\E 2$/, 'warm');

deploy(version('v2'));
select(undef, undef, undef, 0.5);

my $res = $http->get($url)->{content};
like($res, qr/^v2 ([0-9a-f]{16}) 1$/, 'the new version, from a cold start');
my ($v2) = $res =~ /^v2 (\S+)/;
isnt($v2, $v1, 'context.function_version changed');

deploy("return function(event)\n  if then end\nend\n");
select(undef, undef, undef, 0.5);

like($http->get($url)->{content}, qr/^v2 \Q$v2\E 2$/,
     'a file that does not compile leaves the running version serving');
select(undef, undef, undef, 0.3);

$nginx->stop;

open my $log, '<', "$nginx->{prefix}/logs/error.log" or die $!;
my @lines = <$log>;
is(scalar(grep { /function "deploy" reloaded, version \Q$v2\E/ } @lines), 1,
   'the reload is logged');
is(scalar(grep { /function "deploy" not reloaded, the running version \Q$v2\E keeps serving: \S+deploy\.lua:2:/ } @lines),
   1, 'the syntax error is logged once, with its line');
is(scalar(grep { /\[(crit|alert|emerg)\]/ } @lines), 0, 'nothing worse');

$nginx->cleanup;

done_testing();
