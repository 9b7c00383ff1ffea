# A 1 GiB request body with faas_body set: over client_max_body_size it
# is refused up front (413) and no function runs; within it, nginx spools
# it to a temp file, the handler sees the first faas_body bytes with
# inputTruncated, and the worker's memory stays far below the body's size.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/inc";

use FaasNginx;
use IO::Socket::INET;
use Test::More;

plan skip_all => "the module is not built" unless -f $FaasNginx::Module;

my $GiB = 1024 * 1024 * 1024;

my $nginx = FaasNginx->new(conf => <<'CONF');
load_module modules/ngx_http_faas_module.so;
worker_processes 1;
error_log logs/error.log info;
pid logs/nginx.pid;
events { worker_connections 64; }
http {
    access_log off;
    faas_function body functions/body.lua timeout=1s;
    client_body_temp_path body_temp;
    server {
        listen 127.0.0.1:8080;
        faas_body 64k;
        location /default { faas_viewer_request body; return 200 "unreached\n"; }
        location /big {
            client_max_body_size 2g;
            faas_viewer_request body;
            return 200 "unreached\n";
        }
    }
}
CONF

mkdir "$nginx->{prefix}/functions" or die $!;
open my $fn, '>', "$nginx->{prefix}/functions/body.lua" or die $!;
print $fn <<'LUA';
return function(event)
  local b = event.Records[1].cf.request.body
  local data = faas.crypto.base64_decode(b.data)
  faas.log.info("body seen")
  return { status = 200, body = string.format("truncated=%s bytes=%d first=%s\n",
    tostring(b.inputTruncated), #data, data:sub(1, 8)) }
end
LUA
close $fn;

is($nginx->start, 0, 'starts');

# sends a POST with a Content-Length of $len, then $len bytes of "x" (or
# until the server closes); returns the response
sub post {
    my ($uri, $len) = @_;
    my $s = IO::Socket::INET->new('127.0.0.1:' . $nginx->port(8080))
        or die "connect: $!";
    print $s "POST $uri HTTP/1.1\r\nHost: localhost\r\n"
           . "Content-Length: $len\r\nConnection: close\r\n\r\n";
    my $chunk = "x" x (1024 * 1024);
    local $SIG{PIPE} = 'IGNORE';
    for (my $sent = 0; $sent < $len; $sent += length $chunk) {
        last unless print $s $chunk;
    }
    local $/;
    my $res = <$s>;
    return $res // '';
}

my $res = post('/default', $GiB);
like($res, qr{^HTTP/1\.1 413 }, 'over client_max_body_size: 413');

# the worker is there once it has answered (start() waits for the port,
# which the master opens)
my ($worker) = $nginx->workers;

$res = post('/big', $GiB);
like($res, qr{^HTTP/1\.1 200 }, 'within client_max_body_size: 200');
like($res, qr{\r\n\r\ntruncated=true bytes=65536 first=xxxxxxxx\n$},
     'the handler saw the first 64k, inputTruncated');

# the 1 GiB went to a temp file, not to memory
open my $status, '<', "/proc/$worker/status" or die $!;
my ($hwm) = map { /^VmHWM:\s+(\d+) kB/ ? $1 : () } <$status>;
note("worker VmHWM: $hwm kB");
cmp_ok($hwm, '<', 256 * 1024, "the worker's peak RSS ($hwm kB) is far "
                               . "below the body");

opendir my $dir, "$nginx->{prefix}/body_temp" or die $!;
is(scalar(grep { !/^\./ } readdir $dir), 0, 'no temp file is left');

$nginx->stop;

open my $log, '<', "$nginx->{prefix}/logs/error.log" or die $!;
my @lines = <$log>;
is(scalar(grep { /body seen/ } @lines), 1, 'one function run: the 413 ran none');
my @errors = grep { /\[(error|crit|alert|emerg)\]/ } @lines;
is(scalar(grep { /client intended to send too large body: $GiB bytes/ }
          @errors), 1, 'the 413 is logged');
is(scalar(grep { !/client intended to send too large body/ } @errors), 0,
   'no other errors') or diag(@errors);

$nginx->cleanup;

done_testing();
