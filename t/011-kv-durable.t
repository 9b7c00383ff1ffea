# faas_state across the life of nginx: the state survives a reload (HUP),
# a restart and a killed nginx; the standard lmdb-utils read it; and
# increments from concurrent clients over two workers add up exactly.
# A plain Perl test: it runs nginx itself (master and two workers), which
# Test::Nginx blocks cannot do across restarts.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/inc";

use FaasNginx;
use HTTP::Tiny;
use POSIX ();
use Test::More;

plan skip_all => "the module is not built ($FaasNginx::Module)"
    unless -f $FaasNginx::Module;

my $counter = <<'LUA';
-- GET /incr, GET /get?KEY, GET /set?KEY=VALUE, GET /ttl?KEY=VALUE (1 s)
return function(event)
  local request = event.Records[1].cf.request
  local body
  if request.uri == "/incr" then
    body = faas.kv.incr("hits")
  elseif request.uri == "/set" or request.uri == "/ttl" then
    local k, v = request.querystring:match("^([^=]+)=(.*)$")
    faas.kv.set(k, v, request.uri == "/ttl" and 1 or nil)
    body = "ok"
  else
    body = tostring(faas.kv.get(request.querystring))
  end
  return { status = 200, body = tostring(body) }
end
LUA

# reuseport spreads the connections over both workers
my $nginx = FaasNginx->new(name => 'kv.conf', conf => <<'CONF');
load_module modules/ngx_http_faas_module.so;
worker_processes 2;
error_log logs/error.log info;
pid logs/nginx.pid;
events { worker_connections 256; accept_mutex off; }
http {
    access_log off;
    keepalive_requests 10000;
    faas_state state;
    faas_function counter functions/counter.lua;
    server {
        listen 127.0.0.1:8080 reuseport;
        location / {
            faas_viewer_request counter;
            add_header X-Worker $pid always;
        }
    }
}
CONF

my $prefix = $nginx->{prefix};
my $base = $nginx->url(8080);

mkdir "$prefix/functions" or die $!;
open my $fn, '>', "$prefix/functions/counter.lua" or die $!;
print $fn $counter;
close $fn;

sub running { FaasNginx::alive(@_) }

sub get {
    my ($path) = @_;
    return HTTP::Tiny->new(timeout => 5)->get("$base$path")->{content};
}

sub start {
    is($nginx->start, 0, 'nginx starts')
        or diag(`cat $prefix/logs/error.log $prefix/logs/stderr.log`);
}

start();

# the master created the directory for the workers' user

ok(-f "$prefix/state/data.mdb" && -f "$prefix/state/lock.mdb",
   'the master made the environment');

is(get('/set?persist=across'), 'ok', 'a write');
is(get('/get?persist'), 'across', 'read back');

# 1000 increments from 20 concurrent keep-alive clients

my $clients = 20;
my $each = 50;
my @kids;

for my $c (1 .. $clients) {
    pipe(my $r, my $w) or die $!;
    my $pid = fork() // die $!;
    if ($pid == 0) {
        close $r;
        my $http = HTTP::Tiny->new(keep_alive => 1, timeout => 10);
        my ($ok, %workers) = (0);
        for (1 .. $each) {
            my $res = $http->get("$base/incr");
            $ok++ if $res->{status} == 200;
            $workers{ $res->{headers}{'x-worker'} // '?' } = 1;
        }
        print $w "$ok ", join(',', keys %workers), "\n";
        close $w;
        POSIX::_exit(0);
    }
    close $w;
    push @kids, [$pid, $r];
}

my ($ok, %workers) = (0);
for my $kid (@kids) {
    my $line = readline($kid->[1]) // '';
    waitpid($kid->[0], 0);
    my ($n, $w) = split ' ', $line;
    $ok += $n // 0;
    $workers{$_} = 1 for split /,/, $w // '';
}

is($ok, $clients * $each, 'every increment answered 200');
is(scalar(keys %workers), 2, 'both workers served them');
is(get('/get?hits'), $clients * $each,
   'concurrent increments over two workers add up exactly');

# a reload (HUP): new workers open the same environment

is($nginx->reload, 0, 'a reload replaced the workers');
is(get('/get?persist'), 'across', 'the state survives a reload');
is(get('/incr'), $clients * $each + 1, 'and counts on');

# the standard lmdb-utils read the environment of a running nginx

my $stat = `mdb_stat -s kv "$prefix/state" 2>&1`;
like($stat, qr/Entries: 2\b/, 'mdb_stat reads the kv database');
my $dump = `mdb_dump -p -s kv "$prefix/state" 2>&1`;
like($dump, qr/^ counter\\00persist$/m, 'mdb_dump shows "<function>\0<key>"');
like($dump, qr/across$/m, 'and the value after its header');

# expired entries: invisible at once, removed by worker 0's sweep timer

is(get('/ttl?brief=1'), 'ok', 'a write with a ttl of 1 s');
is(get('/ttl?brief2=2'), 'ok', 'another');
like(`mdb_stat -s kv "$prefix/state" 2>&1`, qr/Entries: 4\b/, 'stored');
select(undef, undef, undef, 1.2);
is(get('/get?brief'), 'nil', 'invisible once expired');
select(undef, undef, undef, 1.5);
like(`mdb_stat -s kv "$prefix/state" 2>&1`, qr/Entries: 2\b/,
     'swept by the timer');

# a restart

my $master = $nginx->pid;
$nginx->stop;
ok(!running($master), 'nginx stopped');
start();
is(get('/get?persist'), 'across', 'the state survives a restart');
is(get('/get?hits'), $clients * $each + 1, 'the counter too');

# a crash of nginx (SIGKILL to every process): nothing committed is lost
# and the reader slots of the dead workers are taken back

is(get('/set?after=crash'), 'ok', 'a write just before the crash');
$master = $nginx->pid;
my @victims = ($master, $nginx->workers);
kill 'KILL', @victims;
for (1 .. 100) {
    last if !grep { running($_) } @victims;
    select(undef, undef, undef, 0.05);
}
unlink "$prefix/logs/nginx.pid";
start();
is(get('/get?after'), 'crash', 'the state survives a killed nginx');
is(get('/incr'), $clients * $each + 2, 'and takes writes again');

$nginx->stop;
is(scalar(my @e = $nginx->errors), 0, 'no errors in the log')
    or diag($nginx->errors);

# running as root, the workers run as another user, who must reach the
# directory: a state directory under a 0700 directory stops nginx -t

SKIP: {
    skip 'the workers switch user only when nginx runs as root', 2
        if $> != 0;

    mkdir "$prefix/private", 0700 or die $!;
    (my $conf = do { local (@ARGV, $/) = $nginx->{conf_file}; <> })
        =~ s{faas_state state;}{faas_state private/state;};
    $nginx->write_conf($conf);
    isnt($nginx->nginx('-t'), 0, 'nginx -t fails');
    like(do { local (@ARGV, $/) = "$prefix/logs/stderr.log"; <> },
         qr/faas_state: the workers' user "\w+" cannot reach state directory "[^"]+\/private\/state": no search permission on "[^"]+\/private" \(mode 0700/,
         'saying which directory the workers cannot search');
}

$nginx->cleanup;

done_testing();
