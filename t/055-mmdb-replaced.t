# The mmdb file replaced during traffic.  4 clients look up addresses
# through faas.geo while the database file is replaced the way
# geoipupdate does it (a new file renamed over the old one), and then
# overwritten in place (as cp over it does).  No request fails, the
# workers keep the data they loaded, and nginx -s reload under the same
# traffic picks up the new file.  Before the databases were mapped from
# a private copy, the in-place overwrite crashed every worker with SIGBUS
# (and each respawned one, until a reload).

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/inc";

use File::Copy qw(copy);
use FaasLoad;
use FaasNginx;
use HTTP::Tiny;
use Test::More;

plan skip_all => "the module is not built" unless -f $FaasNginx::Module;

my $data = "$FaasNginx::Top/tests/data/geoip";
my $nginx = FaasNginx->new(conf => <<'CONF');
load_module modules/ngx_http_faas_module.so;
worker_processes 2;
error_log logs/error.log info;
pid logs/nginx.pid;
events { worker_connections 256; }
http {
    access_log off;
    faas_geoip geo.mmdb;
    faas_function where functions/where.lua timeout=1s;
    server {
        listen 127.0.0.1:8080;
        location / { faas_viewer_request where; }
    }
}
CONF

mkdir "$nginx->{prefix}/functions" or die $!;
open my $f, '>', "$nginx->{prefix}/functions/where.lua" or die $!;
print $f <<'LUA';
return function(event)
  local g = faas.geo(event.Records[1].cf.request.querystring:match("ip=(.*)"))
  return { status = 200, body = string.format("[%s] [%s] [%s]\n",
    tostring(g.country_code), tostring(g.city), tostring(g.asn)) }
end
LUA
close $f;

my $db = "$nginx->{prefix}/geo.mmdb";
copy("$data/GeoIP2-City-Test.mmdb", $db) or die $!;
is($nginx->start, 0, 'starts with the City database');

my $url = $nginx->url(8080);
my $http = HTTP::Tiny->new;
sub where { $http->get("$url/?ip=$_[0]")->{content} }

# 81.2.69.142 is in London (City), in GB (City, Country); 1.128.0.1 is
# AS 1221 (ASN)
my $london = "[GB] [London] [nil]\n";
is(where('81.2.69.142'), $london, 'City data');

my $load = FaasLoad->start(
    clients => 4,
    url => sub { "$url/?ip=" . ($_[1] % 2 ? '81.2.69.142' : '1.128.0.1') },
    check => sub { $_[0] =~ /^\[(GB|nil)\] \[(London|nil)\] \[(nil|1221)\]\n$/ });
sleep 1;

# the mapped file overwritten in place with the ASN database, 4 KiB at a
# time: it is truncated, then grows
open my $out, '+<', $db or die $!;
truncate $out, 0 or die $!;
open my $in, '<', "$data/GeoLite2-ASN-Test.mmdb" or die $!;
binmode $_ for $in, $out;
while (read $in, my $buf, 4096) {
    print $out $buf;
    $out->flush;
    select(undef, undef, undef, 0.005);
}
close $in;
close $out;
sleep 1;
is(where('81.2.69.142'), $london,
   'overwritten in place: the loaded City data serves');

# replaced the way geoipupdate does it
copy("$data/GeoIP2-Country-Test.mmdb", "$db.new") or die $!;
rename("$db.new", $db) or die $!;
sleep 1;
is(where('81.2.69.142'), $london, 'renamed over: the City data serves');

is($nginx->reload, 0, 'reload under traffic');
is(where('81.2.69.142'), "[GB] [nil] [nil]\n",
   'after the reload, the Country data');

sleep 1;
my $r = $load->stop;
is(scalar @{ $r->{failures} }, 0, "no failed request of $r->{total}")
    or diag(join "\n", grep { defined } @{ $r->{failures} }[0 .. 9]);

$nginx->stop;
my @errors = $nginx->errors;
is(scalar @errors, 0, 'no errors') or diag(@errors);
$nginx->cleanup;

done_testing();
