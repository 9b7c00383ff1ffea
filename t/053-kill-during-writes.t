# A worker killed with SIGKILL during LMDB writes leaves a consistent
# store: every invocation of "batch" writes a new generation into 50 keys
# and "gen" in one transaction, with sync=on so that a worker spends most
# of its time inside the commit (fdatasync) and the kills land there.
# The master respawns the workers; they and a restarted nginx write on
# from the last generation, which is above the number of batches
# answered; mdb_dump finds all 50 keys at that generation.

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
    faas_state state size=16m sync=on;
    faas_function batch functions/batch.lua timeout=1s;
    server {
        listen 127.0.0.1:8080;
        location = /batch { faas_viewer_request batch; }
    }
}
CONF

my $dir = "$nginx->{prefix}/functions";
mkdir $dir or die $!;
mkdir "$nginx->{prefix}/state" or die $!;

open my $f, '>', "$dir/batch.lua" or die $!;
print $f <<'LUA';
local pad = string.rep("x", 200)
return function(event)
  local g = faas.kv.incr("gen")
  for i = 1, 50 do
    faas.kv.set("k" .. i, g .. " " .. pad)
  end
  return { status = 200, body = "gen " .. g }
end
LUA
close $f;

is($nginx->start, 0, 'starts');
my @first = sort $nginx->workers;
is(scalar @first, 2, 'two workers');

my $url = $nginx->url(8080);
my $load = FaasLoad->start(clients => 4, url => sub { "$url/batch" },
                           check => sub { $_[0] =~ /^gen \d+$/ });

# kill a worker every 0.3 s, five times, alternating between them
my %killed;
for my $i (1 .. 5) {
    select(undef, undef, undef, 0.3);
    my @w = sort $nginx->workers;
    my $victim = $w[$i % @w];
    kill 'KILL', $victim;
    $killed{$victim} = 1;
}
select(undef, undef, undef, 0.5);

my $r = $load->stop;
cmp_ok($r->{ok}, '>', 0, "batches answered: $r->{ok} of $r->{total}");

my @now = sort $nginx->workers;
is(scalar(grep { $killed{$_} } @now), 0, 'the killed workers are gone');
is(scalar @now, 2, 'the master respawned them');

# the respawned workers read the store and write on from it
my $http = HTTP::Tiny->new;
my ($gen) = $http->get("$url/batch")->{content} =~ /^gen (\d+)$/;
ok($gen, 'a respawned worker writes the next generation');
cmp_ok($gen, '>', $r->{ok}, 'no answered batch was lost');

$nginx->stop;

# the files, read by lmdb-utils with no nginx running
my $state = "$nginx->{prefix}/state";
my $stat = `mdb_stat -a $state 2>&1`;
is($?, 0, 'mdb_stat reads the store') or diag($stat);
my @dump = `mdb_dump -a $state 2>&1`;
is($?, 0, 'mdb_dump reads every database');

# key and value lines in hex; a value is a 12-byte header
# (cache/faas_store.h), then the string
my %gens;
for (@dump) {
    next unless /^ ([0-9a-f]{26,})$/;       # keys are shorter
    my $value = substr(pack('H*', $1), 12);
    $gens{$1}++ if $value =~ /^(\d+) x{200}$/;
}
is_deeply(\%gens, { $gen => 50 }, "the 50 keys are all at generation $gen");

# and a new nginx reads it
is($nginx->start, 0, 'restarts');
like($http->get("$url/batch")->{content}, qr/^gen ${\($gen + 1)}$/,
     'a new nginx continues from the last generation');
$nginx->stop;

my @errors = $nginx->errors;
is(scalar(grep { /worker process \d+ exited on signal 9$/ } @errors), 5,
   'the five kills are logged');
is(scalar(grep { !/exited on signal 9$/ } @errors), 0, 'no other errors')
    or diag(@errors);
$nginx->cleanup;

done_testing();
