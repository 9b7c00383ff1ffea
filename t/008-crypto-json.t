# faas.crypto, faas.jwt and faas.json inside nginx: JWT auth at the edge,
# signed URLs, JSON bodies.  The published vectors are in tests/.

use Digest::SHA qw(hmac_sha256);
use MIME::Base64 qw(encode_base64url);
use Test::Nginx::Socket 'no_plan';

sub hs256 {
    my ($claims, $secret) = @_;
    my $head = encode_base64url('{"alg":"HS256","typ":"JWT"}');
    my $body = encode_base64url($claims);
    return "$head.$body." . encode_base64url(hmac_sha256("$head.$body", $secret));
}

my $exp = time() + 3600;
$ENV{TEST_NGINX_JWT_OK} = hs256(qq({"sub":"alice","exp":$exp}), "s3cret");
$ENV{TEST_NGINX_JWT_EXPIRED} = hs256(qq({"sub":"alice","exp":1000}), "s3cret");
$ENV{TEST_NGINX_JWT_FORGED} = hs256(qq({"sub":"mallory","exp":$exp}), "guess");

run_tests();

__DATA__

=== TEST 1: JWT auth at the edge: a valid token passes with its subject
--- http_config
faas_function auth html/auth.lua env=JWT_SECRET=s3cret;
--- config
location /login {
    set $token $TEST_NGINX_JWT_OK;
    proxy_set_header Authorization "Bearer $token";
    proxy_pass http://127.0.0.1:$server_port/t;
}
location /t {
    faas_viewer_request auth;
    return 200 "user=$http_x_user auth=[$http_authorization]\n";
}
--- user_files
>>> auth.lua
return function(event)
  local request = event.Records[1].cf.request
  local h = request.headers.authorization
  local token = h and h[1].value:match("^Bearer%s+(.+)$")
  local claims, err = token and faas.jwt.verify(token, faas.env.JWT_SECRET,
                                               { alg = "HS256" })
  if not claims then
    faas.log.info("rejected: ", err or "no token")
    return { status = 401, headers = { ["www-authenticate"] =
      {{ key = "WWW-Authenticate", value = 'Bearer error="invalid_token"' }} } }
  end
  request.headers["x-user"] = {{ key = "X-User", value = claims.sub }}
  request.headers.authorization = nil
  return request
end
--- request
GET /login
--- response_body
user=alice auth=[]
--- no_error_log
[error]
rejected



=== TEST 2: expired and forged tokens are rejected
--- http_config
faas_function auth html/auth.lua env=JWT_SECRET=s3cret;
--- config
location /expired {
    set $token $TEST_NGINX_JWT_EXPIRED;
    proxy_set_header Authorization "Bearer $token";
    proxy_pass http://127.0.0.1:$server_port/t;
}
location /forged {
    set $token $TEST_NGINX_JWT_FORGED;
    proxy_set_header Authorization "Bearer $token";
    proxy_pass http://127.0.0.1:$server_port/t;
}
location /t {
    faas_viewer_request auth;
    return 200 "user=$http_x_user\n";
}
--- user_files
>>> auth.lua
return function(event)
  local request = event.Records[1].cf.request
  local h = request.headers.authorization
  local token = h and h[1].value:match("^Bearer%s+(.+)$")
  local claims, err = token and faas.jwt.verify(token, faas.env.JWT_SECRET)
  if not claims then
    faas.log.warn("rejected: ", err or "no token")
    return { status = 401 }
  end
  return request
end
--- request eval
["GET /expired", "GET /forged", "GET /t"]
--- error_code eval
[401, 401, 401]
--- no_error_log
[error]



=== TEST 3: a signed URL checked with HMAC and a constant-time compare
--- http_config
faas_function signed html/signed.lua env=KEY=k3y;
--- config
location /t {
    faas_viewer_request signed;
    return 200 "allowed $uri\n";
}
--- user_files
>>> signed.lua
return function(event)
  local request = event.Records[1].cf.request
  local sig = request.querystring:match("sig=(%x+)")
  local want = faas.crypto.hex(faas.crypto.hmac("sha256", faas.env.KEY, request.uri))
  if not sig or not faas.crypto.equals(sig, want) then
    return { status = 403, body = "want " .. want .. "\n" }
  end
  return request
end
--- request eval
["GET /t/file", "GET /t/file?sig=b1c4c4f6a3cd4b2bca8f4fdcfc4f1d4e6c3f0e1c7b6d5a4938271605f4e3d2c1"]
--- error_code eval
[403, 403]
--- response_body_like eval
["^want [0-9a-f]{64}\$", "^want [0-9a-f]{64}\$"]
--- no_error_log
[error]



=== TEST 4: JSON in and out, with its limits as Lua errors
--- http_config
faas_function api html/api.lua;
--- config
location /t {
    faas_viewer_request api;
    return 200 "unreached\n";
}
--- user_files
>>> api.lua
return function(event)
  local request = event.Records[1].cf.request
  local q = faas.json.decode(request.headers["x-query"][1].value)
  local ok, err = pcall(faas.json.encode, { f = function() end })
  local deep = faas.json.decode(string.rep("[", 100) .. string.rep("]", 100))
  return { status = 200,
           headers = { ["content-type"] = {{ value = "application/json" }} },
           body = table.concat({ faas.json.encode({ sum = q.a + q.b }),
                                 #q.list, tostring(not ok),
                                 tostring(deep == nil) }, " ") .. "\n" }
end
--- request
GET /t
--- more_headers
X-Query: {"a": 1, "b": 2, "list": [1, 2, 3]}
--- response_body
{"sum":3} 3 true true
--- no_error_log
[error]
