# The state disk full.  A full file system needs root to make (a small
# tmpfs); the same failure, a write(2) of the store that fails while the
# map has room, comes from RLIMIT_FSIZE: nginx starts under "ulimit -f"
# with SIGXFSZ ignored, so a write past the limit fails with EFBIG as a
# full disk fails with ENOSPC.  Writes then fail with a clear error (503,
# class state, one log line naming the call and the directory), reads of
# what was committed go on, the worker lives, and once there is room
# again (the limit lifted on the running workers) writes work without a
# restart; the files stay consistent for mdb_dump and a new nginx.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/inc";

use FaasNginx;
use HTTP::Tiny;
use Test::More;

plan skip_all => "the module is not built" unless -f $FaasNginx::Module;
plan skip_all => "prlimit (util-linux) is missing"
    unless system('prlimit --version >/dev/null 2>&1') == 0;

my $conf = <<'CONF';
load_module modules/ngx_http_faas_module.so;
worker_processes 1;
user root;
error_log logs/error.log error;
pid logs/nginx.pid;
events { worker_connections 64; }
http {
    access_log off;
    faas_state state size=16m;
    faas_function fill functions/fill.lua timeout=1s;
    server {
        listen 127.0.0.1:8080;
        location /put/ { faas_viewer_request fill; }
        location /get/ { faas_viewer_request fill; }
    }
}
CONF

# 1024 blocks of 1 KiB: data.mdb may grow to 1 MiB, the map is 16 MiB.
# The soft limit only, and a worker of the test's user (user root is
# ignored with a warning when the test is not root): prlimit may then
# lift it without privileges.
my $nginx = FaasNginx->new(conf => $conf,
                           shell => 'ulimit -S -f 1024 && exec ');

my $dir = "$nginx->{prefix}/functions";
mkdir $dir or die $!;
mkdir "$nginx->{prefix}/state" or die $!;
open my $f, '>', "$dir/fill.lua" or die $!;
print $f <<'LUA';
local big = string.rep("v", 16000)
return function(event)
  local uri = event.Records[1].cf.request.uri
  local key = uri:match("^/%a+/(%d+)$")
  if uri:sub(1, 5) == "/put/" then
    faas.kv.set("k" .. key, key .. big)
    return { status = 200, body = "put " .. key }
  end
  local v = faas.kv.get("k" .. key)
  return { status = 200, body = v and v:sub(1, #key) or "nil" }
end
LUA
close $f;

{
    local $SIG{XFSZ} = 'IGNORE';        # inherited through exec
    is($nginx->start, 0, 'starts under ulimit -S -f 1024');
}

my $http = HTTP::Tiny->new;
my $url = $nginx->url(8080);
my ($worker) = $nginx->workers;

# 16 kB values: the file passes 1 MiB after some 60 of them
my ($n, $status) = (0, 200);
while ($status == 200 && $n < 200) {
    $status = $http->get("$url/put/" . ++$n)->{status};
}
is($status, 503, "the write past the limit fails: 503 (put $n)");
ok($n > 10 && $n < 200, 'after the file filled');
my $last = $n - 1;

is($http->get("$url/put/" . ($n + 1000))->{status}, 503,
   'the next write fails the same way');
is($http->get("$url/get/1")->{content}, '1', 'committed data is read');
is($http->get("$url/get/$last")->{content}, $last,
   'the last committed write is read');
is($http->get("$url/get/$n")->{content}, 'nil',
   'the failed write left nothing');
is_deeply([$nginx->workers], [$worker], 'the same worker');

# room again: no restart needed
system('prlimit', "--pid=$worker", '--fsize=unlimited') == 0
    or die "prlimit: $?";
is($http->get("$url/put/$n")->{status}, 200, 'with room, writes work again');
is($http->get("$url/get/$n")->{content}, $n, 'and are read');

$nginx->stop;

open my $log, '<', "$nginx->{prefix}/logs/error.log" or die $!;
my @errors = grep { /\[(error|crit|alert|emerg)\]/ } <$log>;
my @full = grep { /failed \(state\): .*mdb_txn_commit\(\) failed in "[^"]*state": File too large/ }
           @errors;
is(scalar @full, 2, 'each failed write is one error line: class, call, '
                    . 'directory, reason');
is(scalar(@errors), scalar(@full), 'no other errors') or diag(@errors);

my @dump = `mdb_dump -a $nginx->{prefix}/state 2>&1`;
is($?, 0, 'mdb_dump reads the store');

# a new nginx, without the limit, reads and writes it
$nginx->{shell} = '';
is($nginx->start, 0, 'restarts without the limit');
is($http->get("$url/get/$last")->{content}, $last, 'the data is there');
is($http->get("$url/put/" . ($n + 1))->{status}, 200, 'writes work');
$nginx->stop;

$nginx->cleanup;

done_testing();
