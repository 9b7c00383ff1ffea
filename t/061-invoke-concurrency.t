# faas.invoke does not block the worker: one worker serves other requests
# while invokes wait, and the waits overlap; identical cacheable calls
# share one backend request; the circuit breaker closes again after a
# probe; a client that goes away while its invoke waits costs nothing.
# A plain Perl test: these need concurrent clients, which Test::Nginx
# blocks do not have.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/inc";

use FaasBackend;
use FaasNginx;
use IO::Select;
use IO::Socket::INET;
use Test::More;
use Time::HiRes qw(sleep);

plan skip_all => "the module is not built ($FaasNginx::Module)"
    unless -f $FaasNginx::Module;

my $be = FaasBackend->start(bearer => 'tok');
my $port = $be->port;

my $nginx = FaasNginx->new(name => 'invoke.conf', conf => <<"CONF");
load_module modules/ngx_http_faas_module.so;
worker_processes 1;
error_log logs/error.log info;
pid logs/nginx.pid;
events { worker_connections 256; }
http {
    access_log off;
    faas_state state;
    faas_backend fn protocol=http location=/_fn credentials=conf/token
                 timeout=5s;
    faas_backend shared protocol=http location=/_fn credentials=conf/token
                 cache_ttl=60s timeout=5s;
    faas_backend fragile protocol=http location=/fn credentials=conf/token
                 retries=0 breaker=2 breaker_open=1s;
    faas_function invoke conf/invoke.lua timeout=5s;
    server {
        listen 127.0.0.1:8080;
        location /_fn/ { internal; proxy_pass http://127.0.0.1:$port/fn/; }
        location /fn/ { internal; proxy_pass http://\$target; }
        location /quick { return 200 "quick\\n"; }
        location /t {
            set \$target 127.0.0.1:$port;
            if (\$arg_down) { set \$target 127.0.0.1:1; }
            faas_content invoke;
        }
    }
}
CONF

$nginx->write_file('conf/token', "tok\n");
$nginx->write_file('conf/invoke.lua', <<'LUA');
-- /t?BACKEND&ACTION&MS&KEY
return function(event)
  local q = event.Records[1].cf.request.querystring
  local backend, action, ms, key = q:match("^(%w+)&(%w+)&(%d+)&(%w+)")
  local res, err = faas.invoke(backend, action, { ms = tonumber(ms), key = key })
  return { status = 200, body = (res and ("ok " .. res.key) or ("err " .. err)) .. "\n" }
end
LUA

$nginx->start;
my $url = $nginx->url(8080);
my $addr = '127.0.0.1:' . $nginx->port(8080);

# sends a request, returns the socket; read_all() reads the answer
sub send_req {
    my ($path) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => $addr, Proto => 'tcp')
        or die "connect: $!";
    print $s "GET $path HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    return $s;
}

sub read_all {
    my ($s) = @_;
    local $/;
    my $r = <$s>;
    return $r // '';
}

sub body { (split /\r\n\r\n/, $_[0], 2)[1] // '' }

# 1. four slow invokes (1 s each) and a quick request on the one worker

$be->reset;
my @slow = map { send_req("/t?fn&slow&1000&k$_") } 1 .. 4;
sleep 0.2;
my $quick = send_req('/quick');

# the first answer to come back is the quick one: the worker was free
my $sel = IO::Select->new(@slow, $quick);
my @ready = $sel->can_read(10);
ok(@ready && (grep { $_ == $quick } @ready),
   'the worker answers a plain request while four invokes wait');
is(body(read_all($quick)), "quick\n", 'the plain request');

my @bodies = map { body(read_all($_)) } @slow;
is_deeply(\@bodies, [map { "ok k$_\n" } 1 .. 4], 'the four invokes');
is($be->stats->{'http:slow'}, 4, 'four backend requests, all in flight');

# 2. five identical cacheable calls at once: one backend request

$be->reset;
my @same = map { send_req('/t?shared&slow&500&same') } 1 .. 5;
@bodies = map { body(read_all($_)) } @same;
is_deeply(\@bodies, [("ok same\n") x 5], 'five identical calls answered');
is($be->stats->{'http:slow'}, 1, 'they shared one backend request');

# 3. the circuit breaker: opens after two failures, a probe closes it

my @r = map { body(read_all(send_req('/t?fragile&echo&0&b&down=1'))) } 1 .. 3;
like($r[0], qr/^err unreachable/, 'first failure');
like($r[1], qr/^err unreachable/, 'second failure');
like($r[2], qr/^err circuit open/, 'the breaker is open: no request sent');

sleep 1.2;
is(body(read_all(send_req('/t?fragile&echo&0&b'))), "ok b\n",
   'after breaker_open a probe goes, and succeeds');
is(body(read_all(send_req('/t?fragile&echo&0&c'))), "ok c\n",
   'the breaker is closed again');

# 4. a client that goes away while its invoke waits

my $pid = $nginx->workers;
my $gone = send_req('/t?fn&slow&800&gone');
sleep 0.2;
close $gone;
sleep 1;
is(body(read_all(send_req('/t?fn&echo&0&after'))), "ok after\n",
   'the worker serves the next request');
is($nginx->workers, $pid, 'the same worker: it did not crash');

my @bad = grep { /\[(alert|crit|emerg)\]|signal \d+ \(SIG(SEGV|ABRT)/ }
          $nginx->errors;
is_deeply(\@bad, [], 'no alert or crash in the error log');

# the abort ended the request while it waited, not when the call was over
open my $log, '<', "$nginx->{prefix}/logs/error.log" or die $!;
ok((grep { /client prematurely closed connection.*request: "GET \/t\?fn&slow&800&gone/ }
    <$log>), 'the waiting request saw its client go away');

$nginx->stop;
$be->stop;

done_testing;
