# Viewer geolocation: faas.geo(), the $faas_geo_* variables and the
# CloudFront-Viewer-* headers, over MaxMind's test databases.

use Cwd qw(abs_path);
use Test::Nginx::Socket 'no_plan';

$ENV{TEST_NGINX_GEOIP} ||= abs_path("tests/data/geoip");

run_tests();

__DATA__

=== TEST 1: the viewer through realip: London, and the ASN database
--- http_config
faas_geoip $TEST_NGINX_GEOIP/GeoIP2-City-Test.mmdb;
faas_geoip $TEST_NGINX_GEOIP/GeoLite2-ASN-Test.mmdb;
faas_function where html/where.lua;
--- config
set_real_ip_from 127.0.0.1;
real_ip_header X-Forwarded-For;
location /t {
    faas_viewer_request where;
    return 200 "unreached\n";
}
--- user_files
>>> where.lua
return function(event)
  local g = faas.geo()
  local a = faas.geo("1.128.0.1")
  return { status = 200, body = table.concat({
    g.country_code, g.country_name, g.continent_code, g.region_code,
    g.city, tostring(g.postal_code), g.time_zone,
    string.format("%.4f,%.4f", g.latitude, g.longitude),
    tostring(g.accuracy_radius), tostring(g.asn),
    tostring(a.asn), a.as_org }, "|") .. "\n" }
end
--- request
GET /t
--- more_headers
X-Forwarded-For: 81.2.69.142
--- response_body
GB|United Kingdom|EU|ENG|London|nil|Europe/London|51.5142,-0.0931|10|nil|1221|Telstra Pty Ltd
--- no_error_log
[error]



=== TEST 2: an IPv6 viewer through realip
--- http_config
faas_geoip $TEST_NGINX_GEOIP/GeoIP2-City-Test.mmdb;
faas_function where html/where.lua;
--- config
set_real_ip_from 127.0.0.1;
real_ip_header X-Forwarded-For;
location /t {
    faas_viewer_request where;
    return 200 "unreached\n";
}
--- user_files
>>> where.lua
return function(event)
  local g = faas.geo()
  return { status = 200, body = g.country_code .. " " .. event.Records[1].cf.request.clientIp .. "\n" }
end
--- request
GET /t
--- more_headers
X-Forwarded-For: 2001:218::1
--- response_body
JP 2001:218::1
--- no_error_log
[error]



=== TEST 3: private addresses have nil fields
--- http_config
faas_geoip $TEST_NGINX_GEOIP/GeoIP2-City-Test.mmdb;
faas_function where html/where.lua;
--- config
location /t {
    faas_viewer_request where;
    return 200 "unreached\n";
}
--- user_files
>>> where.lua
return function(event)
  local g = faas.geo()
  local n = 0
  for _ in pairs(g) do n = n + 1 end
  local p = faas.geo("192.168.1.1")
  local bad, err = faas.geo("not-an-ip")
  return { status = 200, body = table.concat({ n, tostring(p.country_code),
    tostring(bad), err }, "|") .. "\n" }
end
--- request
GET /t
--- response_body_like
^0\|nil\|nil\|.+
--- no_error_log
[error]



=== TEST 4: variables for plain nginx config
--- http_config
faas_geoip $TEST_NGINX_GEOIP/GeoIP2-City-Test.mmdb;
faas_geoip $TEST_NGINX_GEOIP/GeoLite2-ASN-Test.mmdb;
map $faas_geo_country_code $eu {
    default no;
    GB      yes;
}
--- config
set_real_ip_from 127.0.0.1;
real_ip_header X-Forwarded-For;
location /t {
    return 200 "$faas_geo_country_code $faas_geo_city $faas_geo_region_code $faas_geo_latitude $faas_geo_longitude $faas_geo_time_zone eu=$eu asn=[$faas_geo_asn]\n";
}
--- request
GET /t
--- more_headers
X-Forwarded-For: 81.2.69.142
--- response_body
GB London ENG 51.5142 -0.0931 Europe/London eu=yes asn=[]
--- no_error_log
[error]



=== TEST 5: CloudFront-Viewer headers reach the origin, forged ones do not
--- http_config
faas_geoip $TEST_NGINX_GEOIP/GeoIP2-City-Test.mmdb;
--- config
set_real_ip_from 127.0.0.1;
real_ip_header X-Forwarded-For;
location /t {
    faas_geo_headers on;
    proxy_pass http://127.0.0.1:$server_port/origin;
}
location /origin {
    return 200 "country=$http_cloudfront_viewer_country name=$http_cloudfront_viewer_country_name city=$http_cloudfront_viewer_city region=$http_cloudfront_viewer_country_region lat=$http_cloudfront_viewer_latitude tz=$http_cloudfront_viewer_time_zone asn=[$http_cloudfront_viewer_asn]\n";
}
--- request
GET /t
--- more_headers
X-Forwarded-For: 81.2.69.142
CloudFront-Viewer-Country: XX
CloudFront-Viewer-ASN: 666
--- response_body
country=GB name=United Kingdom city=London region=ENG lat=51.5142 tz=Europe/London asn=[]
--- no_error_log
[error]



=== TEST 6: the viewer is looked up once per request
--- http_config
faas_geoip $TEST_NGINX_GEOIP/MaxMind-DB-test-broken-pointers-24.mmdb;
faas_function twice html/twice.lua;
--- config
set_real_ip_from 127.0.0.1;
real_ip_header X-Forwarded-For;
location /t {
    faas_viewer_request twice;
    return 200 "[$faas_geo_country_code]\n";
}
--- user_files
>>> twice.lua
return function(event)
  local a, err1 = faas.geo()
  local b, err2 = faas.geo()
  faas.log.warn("lookups: ", tostring(a), " ", tostring(b), " ", tostring(err1 ~= nil))
end
--- request
GET /t
--- more_headers
X-Forwarded-For: 1.1.1.16
--- response_body
[]
--- grep_error_log eval
qr/faas: geolocation of \S+ failed|lookups: .*true/
--- grep_error_log_out
faas: geolocation of 1.1.1.16 failed
lookups: nil nil true



=== TEST 7: and only when asked
--- http_config
faas_geoip $TEST_NGINX_GEOIP/MaxMind-DB-test-broken-pointers-24.mmdb;
faas_function never html/never.lua;
--- config
set_real_ip_from 127.0.0.1;
real_ip_header X-Forwarded-For;
location /t {
    faas_viewer_request never;
    return 200 "ok\n";
}
--- user_files
>>> never.lua
return function(event) end
--- request
GET /t
--- more_headers
X-Forwarded-For: 1.1.1.16
--- response_body
ok
--- no_error_log
geolocation



=== TEST 8: a corrupt database stops nginx -t with libmaxminddb's reason
--- http_config
faas_geoip $TEST_NGINX_GEOIP/GeoIP2-City-Test-Invalid-Node-Count.mmdb;
--- config
location /t { return 200; }
--- must_die
--- error_log eval
qr/GeoIP2-City-Test-Invalid-Node-Count\.mmdb.*in .*nginx\.conf:\d+/



=== TEST 9: a missing database stops nginx -t
--- http_config
faas_geoip $TEST_NGINX_GEOIP/nonexistent.mmdb;
--- config
location /t { return 200; }
--- must_die
--- error_log eval
qr/nonexistent\.mmdb.*No such file or directory/



=== TEST 10: faas_geo_headers without a database
--- config
location /t { faas_geo_headers on; return 200; }
--- must_die
--- error_log
"faas_geo_headers on" needs a database: add "faas_geoip" to the http block



=== TEST 11: faas.geo without a database is a clear error
--- http_config
faas_function where html/where.lua;
--- config
location /t {
    faas_viewer_request where;
    return 200 "unreached\n";
}
--- user_files
>>> where.lua
return function(event) return faas.geo() end
--- request
GET /t
--- error_code: 502
--- error_log
faas.geo needs a database: add faas_geoip to the http block
