# A replaced database is picked up by nginx -s reload; requests keep
# being served across the reload.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/inc";

use File::Copy qw(copy);
use FaasNginx;
use HTTP::Tiny;
use Test::More;

plan skip_all => "the module is not built" unless -f $FaasNginx::Module;

my $data = "$FaasNginx::Top/tests/data/geoip";
my $nginx = FaasNginx->new(conf => <<'CONF');
load_module modules/ngx_http_faas_module.so;
worker_processes 1;
error_log logs/error.log info;
pid logs/nginx.pid;
events { worker_connections 64; }
http {
    access_log off;
    faas_geoip geo.mmdb;
    server {
        listen 127.0.0.1:8080;
        set_real_ip_from 127.0.0.1;
        real_ip_header X-Forwarded-For;
        location / {
            return 200 "country=[$faas_geo_country_code] asn=[$faas_geo_asn]\n";
        }
    }
}
CONF

my $db = "$nginx->{prefix}/geo.mmdb";
copy("$data/GeoIP2-City-Test.mmdb", $db) or die $!;
is($nginx->start, 0, 'starts with the City database');

my $http = HTTP::Tiny->new;
my $url = $nginx->url(8080);
sub lookup {
    my ($ip) = @_;
    return $http->get($url, { headers => { 'X-Forwarded-For' => $ip } })
           ->{content};
}

is(lookup('81.2.69.142'), "country=[GB] asn=[]\n", 'City data');

# replaced the way geoipupdate does it: a new file renamed over the old
copy("$data/GeoLite2-ASN-Test.mmdb", "$db.new") or die $!;
rename("$db.new", $db) or die $!;

is(lookup('81.2.69.142'), "country=[GB] asn=[]\n",
   'the running workers keep the data they mapped');

is($nginx->reload, 0, 'reload');

is(lookup('81.2.69.142'), "country=[] asn=[]\n", 'the City data is gone');
is(lookup('1.128.0.1'), "country=[] asn=[1221]\n", 'the ASN data is there');

# a corrupt replacement is refused by nginx -t and the reload keeps the
# running configuration
copy("$data/GeoIP2-City-Test-Invalid-Node-Count.mmdb", "$db.new") or die;
rename("$db.new", $db) or die $!;
isnt($nginx->nginx('-t', '-q'), 0, 'nginx -t refuses the corrupt file');
$nginx->nginx('-s', 'reload');
sleep 1;
is(lookup('1.128.0.1'), "country=[] asn=[1221]\n",
   'a failed reload keeps serving the old data');

$nginx->stop;
my @errors = grep { !/GeoIP2-City-Test-Invalid-Node-Count|geo\.mmdb/ }
             $nginx->errors;
is(scalar @errors, 0, 'no other errors') or diag(@errors);
$nginx->cleanup;

done_testing();
