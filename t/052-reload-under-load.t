# nginx -s reload three times under load loses no request: 4 clients
# send requests on new connections while the function file changes and
# nginx reloads; every response is a 200 from one of the versions, once
# the old workers are gone the new version serves, and the faas.kv
# counter every request increments equals the number of responses (no
# write lost or doubled across the workers of two generations).  Until
# the old workers have closed their listening sockets both generations
# accept, so a client may see an old version after a new one.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/inc";

use FaasLoad;
use FaasNginx;
use HTTP::Tiny;
use Test::More;

plan skip_all => "the module is not built" unless -f $FaasNginx::Module;

my $nginx = FaasNginx->new(conf => <<'CONF');
load_module modules/ngx_http_faas_module.so;
worker_processes 2;
error_log logs/error.log info;
pid logs/nginx.pid;
events { worker_connections 256; }
http {
    access_log off;
    faas_state state size=16m;
    faas_function count functions/count.lua timeout=1s;
    server {
        listen 127.0.0.1:8080;
        location = /count { faas_viewer_request count; }
        location = /total { faas_viewer_request count; }
    }
}
CONF

my $dir = "$nginx->{prefix}/functions";
mkdir $dir or die $!;
mkdir "$nginx->{prefix}/state" or die $!;

sub version {
    my ($v) = @_;
    open my $f, '>', "$dir/count.lua.new" or die $!;
    print $f <<"LUA";
return function(event)
  if event.Records[1].cf.request.uri == "/total" then
    return { status = 200, body = tostring(faas.kv.get("n")) }
  end
  return { status = 200, body = "v$v " .. faas.kv.incr("n") }
end
LUA
    close $f;
    rename "$dir/count.lua.new", "$dir/count.lua" or die $!;
}

version(1);
is($nginx->start, 0, 'starts');

my $url = $nginx->url(8080);
my $load = FaasLoad->start(clients => 4, url => sub { "$url/count" },
                           check => sub { $_[0] =~ /^v[1-4] \d+$/ });

my $http = HTTP::Tiny->new;
my $mine = 0;

sleep 1;
for my $v (2 .. 4) {
    version($v);
    is($nginx->reload, 0, "reload $v: the old workers are gone");
    like($http->get("$url/count")->{content}, qr/^v$v \d+$/,
         "then version $v serves");
    $mine++;
    sleep 1;
}

my $r = $load->stop;

is(scalar @{ $r->{failures} }, 0, "no failed request of $r->{total}")
    or diag(join "\n", @{ $r->{failures} }[0 .. 9]);
cmp_ok($r->{ok}, '>', 100, 'the load ran');

is($http->get("$url/total")->{content}, $r->{ok} + $mine,
   'the counter equals the responses: no write lost');

$nginx->stop;
my @errors = $nginx->errors;
is(scalar @errors, 0, 'no errors') or diag(@errors);
$nginx->cleanup;

done_testing();
