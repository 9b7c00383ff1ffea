/*
 * faas.crypto and faas.jwt against published vectors: FIPS 180-4
 * examples, RFC 2202 and RFC 4231 HMAC, RFC 4648 base64, RFC 7515 JWS,
 * and RS256/ES256 tokens made with the openssl CLI (data/jwt/make.sh).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

#include "faas_test.h"
#include "scripting/faas_lib.h"


static size_t  faas_test_used;
static size_t  faas_test_limit = (size_t) -1 / 2;


/* A counting allocator with a cap, as the sandbox has. */

static void *
faas_test_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    void  *p;

    (void) ud;

    if (nsize == 0) {
        faas_test_used -= osize;
        free(ptr);
        return NULL;
    }

    if (nsize > osize && faas_test_used + nsize - osize > faas_test_limit) {
        return NULL;
    }

    p = realloc(ptr, nsize);
    if (p != NULL) {
        faas_test_used = faas_test_used - osize + nsize;
    }

    return p;
}


/* check(cond [, what]): one FAAS_CHECK from Lua, with the Lua line. */

static int
faas_test_check(lua_State *L)
{
    lua_Debug  ar;

    if (lua_toboolean(L, 1)) {
        faas_test_passed++;
        return 0;
    }

    faas_test_failed++;

    lua_getstack(L, 1, &ar);
    lua_getinfo(L, "Sl", &ar);
    fprintf(stderr, "%s:%d: check failed: %s\n", ar.short_src,
            ar.currentline, luaL_optstring(L, 2, ""));

    return 0;
}


static void
faas_test_run(lua_State *L, const char *name, const char *code)
{
    if (luaL_loadbuffer(L, code, strlen(code), name) != 0
        || lua_pcall(L, 0, 0, 0) != 0)
    {
        faas_test_failed++;
        fprintf(stderr, "%s: %s\n", name, lua_tostring(L, -1));
        lua_pop(L, 1);
    }
}


static const char  faas_test_prelude[] =
    "function fromhex(h)\n"
    "  return (h:gsub('%x%x', function(c)\n"
    "    return string.char(tonumber(c, 16)) end))\n"
    "end\n"
    "function hex(s) return faas.crypto.hex(s) end\n"
    "function eq(got, want, what)\n"
    "  if got ~= want then\n"
    "    io.stderr:write(('  %s: got %q, want %q\\n'):format(\n"
    "      what or '', tostring(got), tostring(want)))\n"
    "  end\n"
    "  check(got == want, what)\n"
    "end\n"
    "function readfile(name)\n"
    "  local f = assert(io.open('data/jwt/' .. name, 'rb'))\n"
    "  local s = f:read('*a') f:close()\n"
    "  return (s:gsub('%s+$', ''))\n"
    "end\n"
    "function raises(pat, f, ...)\n"
    "  local ok, err = pcall(f, ...)\n"
    "  if ok or not tostring(err):find(pat, 1, true) then\n"
    "    io.stderr:write('  want error \"' .. pat .. '\", got '\n"
    "                    .. tostring(err) .. '\\n')\n"
    "  end\n"
    "  check(not ok and tostring(err):find(pat, 1, true), pat)\n"
    "end\n";


static const char  faas_test_hashes[] =
    "local c = faas.crypto\n"
    "local m448 = 'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'\n"
    /* FIPS 180-4 examples (NIST CSRC "Examples with intermediate values") */
    "eq(hex(c.sha1('abc')), 'a9993e364706816aba3e25717850c26c9cd0d89d')\n"
    "eq(hex(c.sha1(m448)), '84983e441c3bd26ebaae4aa1f95129e5e54670f1')\n"
    "eq(hex(c.sha256('abc')), 'ba7816bf8f01cfea414140de5dae2223'\n"
    "   .. 'b00361a396177a9cb410ff61f20015ad')\n"
    "eq(hex(c.sha256(m448)), '248d6a61d20638b8e5c026930c3e6039'\n"
    "   .. 'a33ce45964ff2167f6ecedd419db06c1')\n"
    "eq(hex(c.sha512('abc')), 'ddaf35a193617abacc417349ae204131'\n"
    "   .. '12e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23'\n"
    "   .. 'a3feebbd454d4423643ce80e2a9ac94fa54ca49f')\n"
    "eq(hex(c.sha512(m448)), '204a8fc6dda82f0a0ced7beb8e08a416'\n"
    "   .. '57c16ef468b228a8279be331a703c33596fd15c13b1b07f9aa1d3bea'\n"
    "   .. '57789ca031ad85c7a71dd70354ec631238ca3445')\n"
    "eq(#c.sha256(''), 32)\n"
    "eq(#c.sha1('a\\0b'), 20)\n"
    "check(c.sha256('a\\0b') ~= c.sha256('a'), 'binary-safe')\n"
    "eq(hex('\\0\\1\\171\\255'), '0001abff')\n"
    "eq(hex(''), '')\n"
    "raises('bad argument', c.sha256)\n"
    "raises('bad argument', c.sha256, {})\n";


static const char  faas_test_hmac[] =
    "local c = faas.crypto\n"
    "local function h(alg, k, d) return hex(c.hmac(alg, k, d)) end\n"
    "local k1, d1 = ('\\11'):rep(20), 'Hi There'\n"
    "local k2, d2 = 'Jefe', 'what do ya want for nothing?'\n"
    "local k3, d3 = ('\\170'):rep(20), ('\\221'):rep(50)\n"
    "local k4 = fromhex('0102030405060708090a0b0c0d0e0f10111213141516171819')\n"
    "local d4 = ('\\205'):rep(50)\n"
    "local k6 = ('\\170'):rep(131)\n"
    "local d6 = 'Test Using Larger Than Block-Size Key - Hash Key First'\n"
    "local d7 = 'This is a test using a larger than block-size key and a'\n"
    "  .. ' larger than block-size data. The key needs to be hashed'\n"
    "  .. ' before being used by the HMAC algorithm.'\n"
    /* RFC 2202 section 3 */
    "eq(h('sha1', k1, d1), 'b617318655057264e28bc0b6fb378c8ef146be00', "
    "'2202 1')\n"
    "eq(h('sha1', k2, d2), 'effcdf6ae5eb2fa2d27416d5f184df9c259a7c79', "
    "'2202 2')\n"
    "eq(h('sha1', k3, d3), '125d7342b9ac11cd91a39af48aa17b4f63f175d3', "
    "'2202 3')\n"
    /* RFC 4231 section 4 */
    "eq(h('sha256', k1, d1), 'b0344c61d8db38535ca8afceaf0bf12b'\n"
    "   .. '881dc200c9833da726e9376c2e32cff7', '4231 1')\n"
    "eq(h('sha512', k1, d1), '87aa7cdea5ef619d4ff0b4241a1d6cb0'\n"
    "   .. '2379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274e'\n"
    "   .. 'aea3f4e4be9d914eeb61f1702e696c203a126854', '4231 1')\n"
    "eq(h('sha256', k2, d2), '5bdcc146bf60754e6a042426089575c7'\n"
    "   .. '5a003f089d2739839dec58b964ec3843', '4231 2')\n"
    "eq(h('sha512', k2, d2), '164b7a7bfcf819e2e395fbe73b56e0a3'\n"
    "   .. '87bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65'\n"
    "   .. 'f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737', '4231 2')\n"
    "eq(h('sha256', k3, d3), '773ea91e36800e46854db8ebd09181a7'\n"
    "   .. '2959098b3ef8c122d9635514ced565fe', '4231 3')\n"
    "eq(h('sha512', k3, d3), 'fa73b0089d56a284efb0f0756c890be9'\n"
    "   .. 'b1b5dbdd8ee81a3655f83e33b2279d39bf3e848279a722c806b485a4'\n"
    "   .. '7e67c807b946a337bee8942674278859e13292fb', '4231 3')\n"
    "eq(h('sha256', k4, d4), '82558a389a443c0ea4cc819899f2083a'\n"
    "   .. '85f0faa3e578f8077a2e3ff46729665b', '4231 4')\n"
    "eq(h('sha512', k4, d4), 'b0ba465637458c6990e5a8c5f61d4af7'\n"
    "   .. 'e576d97ff94b872de76f8050361ee3dba91ca5c11aa25eb4d679275c'\n"
    "   .. 'c5788063a5f19741120c4f2de2adebeb10a298dd', '4231 4')\n"
    "eq(h('sha256', k6, d6), '60e431591ee0b67f0d8a26aacbf5b77f'\n"
    "   .. '8e0bc6213728c5140546040f0ee37f54', '4231 6')\n"
    "eq(h('sha512', k6, d6), '80b24263c7c1a3ebb71493c1dd7be8b4'\n"
    "   .. '9b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd221'\n"
    "   .. '5d6a1e5295e64f73f63f0aec8b915a985d786598', '4231 6')\n"
    "eq(h('sha256', k6, d7), '9b09ffa71b942fcb27635fbcd5b0e944'\n"
    "   .. 'bfdc63644f0713938a7f51535c3a35e2', '4231 7')\n"
    "eq(h('sha512', k6, d7), 'e37b6a775dc87dbaa4dfa9f96e5e3ffd'\n"
    "   .. 'debd71f8867289865df5a32d20cdc944b6022cac3c4982b10d5eeb55'\n"
    "   .. 'c3e4de15134676fb6de0446065c97440fa8c6a58', '4231 7')\n"
    /* an empty key is a valid HMAC key */
    "eq(h('sha256', '', ''), 'b613679a0814d9ec772f95d778c35fc5'\n"
    "   .. 'ff1697c493715653c6c712144292c5ad', 'empty key')\n"
    /* the key of the last call is kept: the same key again, then another */
    "eq(h('sha256', k2, d2), h('sha256', k2, d2), 'same key twice')\n"
    "eq(h('sha256', k2, d1), h('sha256', k2 .. '', d1), 'same key, new data')\n"
    "eq(h('sha256', k1, d1), 'b0344c61d8db38535ca8afceaf0bf12b'\n"
    "   .. '881dc200c9833da726e9376c2e32cff7', 'back to k1')\n"
    "eq(h('sha256', k2, d2), '5bdcc146bf60754e6a042426089575c7'\n"
    "   .. '5a003f089d2739839dec58b964ec3843', 'k2 after k1')\n"
    "eq(h('sha256', k2, d2), '5bdcc146bf60754e6a042426089575c7'\n"
    "   .. '5a003f089d2739839dec58b964ec3843', 'k2 kept')\n"
    "eq(h('sha256', k2 .. 'x', d2) ~= h('sha256', k2, d2), true, "
    "'a longer key is another key')\n"
    "eq(h('sha256', 'Jeff', d2) ~= h('sha256', 'Jefe', d2), true, "
    "'a key of the same length is another key')\n"
    "eq(h('sha256', k6, d7), '9b09ffa71b942fcb27635fbcd5b0e944'\n"
    "   .. 'bfdc63644f0713938a7f51535c3a35e2', 'a key over 128 bytes')\n"
    "eq(h('sha256', k6, d7), '9b09ffa71b942fcb27635fbcd5b0e944'\n"
    "   .. 'bfdc63644f0713938a7f51535c3a35e2', 'twice')\n"
    "raises('unsupported algorithm \"md5\"', c.hmac, 'md5', 'k', 'd')\n"
    "raises('bad argument #3', c.hmac, 'sha256', 'k')\n";


/*
 * An HMAC key is kept for its owner only (a state: the upvalue its crypto
 * functions share), so one function cannot time whether a key it tries
 * is another function's secret.  Calls of two owners in turn with the
 * same and with other keys all give RFC 4231's values.
 */

static const char  faas_test_owners[] =
    "local a, b = faas.crypto, other.crypto\n"
    "local o1 = select(2, debug.getupvalue(a.hmac, 1))\n"
    "local o2 = select(2, debug.getupvalue(b.hmac, 1))\n"
    "check(o1 ~= o2, 'two states, two owners')\n"
    "eq(select(2, debug.getupvalue(faas.jwt.verify, 1)), o1, 'jwt shares it')\n"
    "local k, d = 'Jefe', 'what do ya want for nothing?'\n"
    "local want = '5bdcc146bf60754e6a042426089575c7'\n"
    "  .. '5a003f089d2739839dec58b964ec3843'\n"
    "for _, c in ipairs({ a, b, b, a, a, b }) do\n"
    "  eq(hex(c.hmac('sha256', k, d)), want, 'owners in turn')\n"
    "  check(hex(c.hmac('sha256', k .. '!', d)) ~= want, 'another key')\n"
    "end\n";


static const char  faas_test_base64[] =
    "local c = faas.crypto\n"
    /* RFC 4648 section 10 */
    "local v = { {'', ''}, {'f', 'Zg=='}, {'fo', 'Zm8='}, {'foo', 'Zm9v'},\n"
    "  {'foob', 'Zm9vYg=='}, {'fooba', 'Zm9vYmE='}, {'foobar', 'Zm9vYmFy'} }\n"
    "for _, t in ipairs(v) do\n"
    "  eq(c.base64_encode(t[1]), t[2], 'encode ' .. t[1])\n"
    "  eq(c.base64_decode(t[2]), t[1], 'decode ' .. t[2])\n"
    "  eq(c.base64_decode((t[2]:gsub('=', ''))), t[1], 'unpadded')\n"
    "  eq(c.base64url_encode(t[1]), (t[2]:gsub('=', '')), 'url ' .. t[1])\n"
    "  eq(c.base64url_decode((t[2]:gsub('=', ''))), t[1], 'url dec')\n"
    "end\n"
    /* RFC 7515 appendix C and the A.1 header */
    "local oct = string.char(3, 236, 255, 224, 193)\n"
    "eq(c.base64url_encode(oct), 'A-z_4ME', '7515 C')\n"
    "eq(c.base64url_decode('A-z_4ME'), oct, '7515 C decode')\n"
    "eq(c.base64_encode(oct), 'A+z/4ME=', 'std alphabet')\n"
    "eq(c.base64url_encode('{\"typ\":\"JWT\",\\r\\n \"alg\":\"HS256\"}'),\n"
    "   'eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9', '7515 A.1 header')\n"
    /* binary round trip */
    "local all = {} for i = 0, 255 do all[#all + 1] = string.char(i) end\n"
    "all = table.concat(all)\n"
    "for n = 0, 10 do\n"
    "  local s = all:sub(1, 200 + n)\n"
    "  eq(c.base64_decode(c.base64_encode(s)), s, 'round trip')\n"
    "  eq(c.base64url_decode(c.base64url_encode(s)), s, 'url round trip')\n"
    "end\n"
    /* outputs around the 512-byte scratch on the C stack, and past it */
    "local long = all:rep(8)\n"
    "for _, n in ipairs({ 0, 1, 255, 256, 257, 381, 382, 383, 384, 385,\n"
    "                     386, 511, 512, 513, 1500 }) do\n"
    "  local s = long:sub(1, n)\n"
    "  local e = c.base64_encode(s)\n"
    "  eq(#e, math.ceil(n / 3) * 4, 'encoded length ' .. n)\n"
    "  eq(c.base64_decode(e), s, 'round trip ' .. n)\n"
    "  eq(c.base64url_decode(c.base64url_encode(s)), s, 'url ' .. n)\n"
    "  local h = c.hex(s)\n"
    "  eq(#h, 2 * n, 'hex length ' .. n)\n"
    "  eq(h:sub(-2), n > 0 and ('%02x'):format(s:byte(n)) or '', "
    "'hex tail ' .. n)\n"
    "  eq(#c.random_bytes(n), n, 'random_bytes ' .. n)\n"
    "end\n"
    /* invalid text: nil, err */
    "for _, bad in ipairs({ 'Zg=', 'Z', 'Zg===', '=Zg=', 'Zm9v\\n', "
    "'Zm 9v', 'Zm9v!', 'Zh==', 'Zm9=', 'Zm=v', '====', 'A-z_4ME=' }) do\n"
    "  local s, err = c.base64_decode(bad)\n"
    "  check(s == nil and err:find('invalid base64'), 'std ' .. bad)\n"
    "end\n"
    "for _, bad in ipairs({ 'A+z/4ME', 'Z', 'Zh', 'Zg=', 'a.b' }) do\n"
    "  local s, err = c.base64url_decode(bad)\n"
    "  check(s == nil and err:find('invalid base64url'), 'url ' .. bad)\n"
    "end\n"
    "eq(c.base64url_decode('Zg=='), 'f', 'exact padding accepted')\n";


static const char  faas_test_misc[] =
    "local c = faas.crypto\n"
    "eq(#c.random_bytes(32), 32)\n"
    "eq(c.random_bytes(0), '')\n"
    "check(c.random_bytes(16) ~= c.random_bytes(16), 'random')\n"
    "eq(#c.random_bytes(1024 * 1024), 1024 * 1024)\n"
    "raises('from 0 to 1048576', c.random_bytes, 1024 * 1024 + 1)\n"
    "raises('from 0 to 1048576', c.random_bytes, -1)\n"
    "raises('from 0 to 1048576', c.random_bytes, 1.5)\n"
    "raises('from 0 to 1048576', c.random_bytes, 0/0)\n"
    "raises('bad argument', c.random_bytes, 'x')\n"
    "eq(c.equals('abc', 'abc'), true)\n"
    "eq(c.equals('abc', 'abd'), false)\n"
    "eq(c.equals('abc', 'abcd'), false)\n"
    "eq(c.equals('', ''), true)\n"
    "eq(c.equals('a\\0b', 'a\\0c'), false)\n"
    "raises('bad argument #2', c.equals, 'a')\n"
    /* the input cap */
    "local big = ('x'):rep(16 * 1024 * 1024 + 1)\n"
    "raises('over the limit of 16777216 bytes', c.sha256, big)\n"
    "raises('over the limit of 16777216 bytes', c.base64_encode, big)\n"
    "raises('over the limit of 16777216 bytes', c.hmac, 'sha1', big, '')\n"
    "eq(#c.sha1(big:sub(2)), 20, 'at the cap')\n";


static const char  faas_test_jwt_hs256[] =
    "local c, jwt = faas.crypto, faas.jwt\n"
    /* RFC 7515 appendix A.1 */
    "local tok = 'eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9'\n"
    "  .. '.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9l'\n"
    "  .. 'eGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ'\n"
    "  .. '.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'\n"
    "local key = c.base64url_decode('AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-'\n"
    "  .. 'EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow')\n"
    "local claims, err = jwt.verify(tok, key, { now = 1300819379 })\n"
    "check(claims, err)\n"
    "eq(claims and claims.iss, 'joe', 'iss')\n"
    "eq(claims and claims.exp, 1300819380, 'exp')\n"
    "eq(claims and claims['http://example.com/is_root'], true, 'is_root')\n"
    /* exp is in the past: expired by default, and at exp itself */
    "local ok, err = jwt.verify(tok, key)\n"
    "check(ok == nil and err == 'jwt.verify: token expired', err)\n"
    "ok, err = jwt.verify(tok, key, { now = 1300819380 })\n"
    "check(ok == nil and err:find('expired'), 'at exp')\n"
    "check(jwt.verify(tok, key, { now = 1300819390, leeway = 11 }), "
    "'leeway')\n"
    "check(not jwt.verify(tok, key, { now = 1300819390, leeway = 10 }), "
    "'leeway')\n"
    /* tampering */
    "local h, p, s = tok:match('^([^.]*)%.([^.]*)%.([^.]*)$')\n"
    "local p2 = c.base64url_encode(\n"
    "  (c.base64url_decode(p):gsub('joe', 'bob')))\n"
    "ok, err = jwt.verify(h .. '.' .. p2 .. '.' .. s, key, "
    "{ now = 1300819379 })\n"
    "check(ok == nil and err:find('invalid signature'), 'payload')\n"
    "local s2 = s:sub(1, 10) .. (s:sub(11, 11) == 'A' and 'B' or 'A')\n"
    "  .. s:sub(12)\n"
    "ok, err = jwt.verify(h .. '.' .. p .. '.' .. s2, key, "
    "{ now = 1300819379 })\n"
    "check(ok == nil and err:find('invalid signature'), 'signature')\n"
    "ok, err = jwt.verify(tok, key .. 'x', { now = 1300819379 })\n"
    "check(ok == nil and err:find('invalid signature'), 'wrong key')\n"
    "ok, err = jwt.verify(h .. '.' .. p .. '.', key, { now = 1300819379 })\n"
    "check(ok == nil and err:find('invalid signature'), 'no signature')\n"
    /* malformed tokens */
    "for _, bad in ipairs({ '', 'abc', h .. '.' .. p,\n"
    "    tok .. '.x', tok .. '..', h .. '.' .. p .. '.' .. s .. '.a.b' }) do\n"
    "  ok, err = jwt.verify(bad, key)\n"
    "  check(ok == nil and err:find('three dot%-separated'), bad)\n"
    "end\n"
    "ok, err = jwt.verify('e30=.e30.' .. s, key)\n"
    "check(ok == nil and err:find('header is not base64url'), err)\n"
    "ok, err = jwt.verify(h .. '.e!30.' .. s, key)\n"
    "check(ok == nil and err:find('payload is not base64url'), err)\n"
    "ok, err = jwt.verify(c.base64url_encode('{\"alg\":') .. '.e30.' .. s,"
    " key)\n"
    "check(ok == nil and err:find('header: invalid JSON'), err)\n"
    "ok, err = jwt.verify(c.base64url_encode('[1]') .. '.e30.' .. s, key)\n"
    "check(ok == nil and err:find('no alg'), err)\n"
    /* our own HS256 tokens, for the claim checks */
    "function hs256(header, payload, k)\n"
    "  local i = c.base64url_encode(header) .. '.'\n"
    "    .. c.base64url_encode(payload)\n"
    "  return i .. '.' .. c.base64url_encode(c.hmac('sha256', k, i))\n"
    "end\n"
    "local H = '{\"alg\":\"HS256\",\"typ\":\"JWT\"}'\n"
    "claims = jwt.verify(hs256(H, '{\"sub\":\"x\"}', 'k'), 'k')\n"
    "eq(claims and claims.sub, 'x', 'no exp, no nbf')\n"
    "ok, err = jwt.verify(hs256(H, '{\"nbf\":4102444800}', 'k'), 'k')\n"
    "check(ok == nil and err:find('not valid yet'), 'nbf in the future')\n"
    "check(jwt.verify(hs256(H, '{\"nbf\":100}', 'k'), 'k', { now = 100 }), "
    "'nbf now')\n"
    "check(jwt.verify(hs256(H, '{\"nbf\":105}', 'k'), 'k',\n"
    "  { now = 100, leeway = 5 }), 'nbf leeway')\n"
    "ok, err = jwt.verify(hs256(H, '{\"exp\":\"soon\"}', 'k'), 'k')\n"
    "check(ok == nil and err:find('exp claim is not a number'), err)\n"
    "ok, err = jwt.verify(hs256(H, '[1,2]', 'k'), 'k')\n"
    "check(ok == nil and err:find('claims are not a JSON object'), err)\n"
    "ok, err = jwt.verify(hs256(H, '{\"a\":', 'k'), 'k')\n"
    "check(ok == nil and err:find('claims: invalid JSON'), err)\n"
    "ok, err = jwt.verify(hs256('{\"alg\":\"HS256\",\"crit\":[\"x\"]}',\n"
    "  '{}', 'k'), 'k')\n"
    "check(ok == nil and err:find('crit'), err)\n"
    "ok, err = jwt.verify(hs256('{\"alg\":\"HS512\"}', '{}', 'k'), 'k')\n"
    "check(ok == nil and err:find('unsupported alg \"HS512\"'), err)\n"
    "ok, err = jwt.verify(hs256(H, '{}', ''), '')\n"
    "check(ok == nil and err:find('empty HS256 secret'), err)\n"
    /* alg none, signed or not */
    "local none = c.base64url_encode('{\"alg\":\"none\"}') .. '.'\n"
    "  .. c.base64url_encode('{\"sub\":\"x\"}') .. '.'\n"
    "ok, err = jwt.verify(none, 'k')\n"
    "check(ok == nil and err:find('alg none'), err)\n"
    "ok, err = jwt.verify(hs256('{\"alg\":\"none\"}', '{}', 'k'), 'k')\n"
    "check(ok == nil and err:find('alg none'), err)\n"
    /* iss and aud */
    "local t = hs256(H, '{\"iss\":\"me\",\"aud\":[\"a\",\"b\"]}', 'k')\n"
    "check(jwt.verify(t, 'k', { iss = 'me', aud = 'b' }), 'iss aud')\n"
    "ok, err = jwt.verify(t, 'k', { iss = 'you' })\n"
    "check(ok == nil and err:find('iss claim'), err)\n"
    "ok, err = jwt.verify(t, 'k', { aud = 'c' })\n"
    "check(ok == nil and err:find('aud claim'), err)\n"
    "t = hs256(H, '{\"aud\":\"a\"}', 'k')\n"
    "check(jwt.verify(t, 'k', { aud = 'a' }), 'aud string')\n"
    /* opts */
    "check(jwt.verify(t, 'k', { alg = 'HS256' }), 'opts.alg')\n"
    "ok, err = jwt.verify(t, 'k', { algorithms = { 'RS256', 'ES256' } })\n"
    "check(ok == nil and err:find('HS256 is not allowed'), err)\n"
    "raises('unsupported opts.alg \"none\"', jwt.verify, t, 'k',\n"
    "  { alg = 'none' })\n"
    "raises('opts.algorithms[1]', jwt.verify, t, 'k',\n"
    "  { algorithms = { 'HS384' } })\n"
    "raises('opts.leeway', jwt.verify, t, 'k', { leeway = -1 })\n"
    "raises('bad argument #3', jwt.verify, t, 'k', 5)\n"
    "raises('bad argument #1', jwt.verify, nil, 'k')\n"
    /* opts are read raw */
    "local o = setmetatable({}, { __index = function() error('meta') end })\n"
    "check(jwt.verify(t, 'k', o), 'raw opts')\n"
    "ok, err = jwt.verify(('a'):rep(70000), 'k')\n"
    "check(ok == nil and err:find('token longer than'), err)\n"
    "ok, err = jwt.verify(t, ('k'):rep(70000))\n"
    "check(ok == nil and err:find('key longer than 65536'), err)\n";


static const char  faas_test_jwt_pkey[] =
    "local c, jwt = faas.crypto, faas.jwt\n"
    "local rs, es = readfile('rs256.jwt'), readfile('es256.jwt')\n"
    "local rsa, ec = readfile('rsa-public.pem'), readfile('ec-public.pem')\n"
    "local cert = readfile('rsa-cert.pem')\n"
    "local claims, err = jwt.verify(rs, rsa)\n"
    "check(claims, err)\n"
    "eq(claims and claims.sub, 'alice', 'rs256 sub')\n"
    "eq(claims and claims.aud[2], 'api', 'rs256 aud')\n"
    "claims, err = jwt.verify(rs, cert, { aud = 'edge', iss = 'faas-test' })\n"
    "check(claims, err)\n"
    "claims, err = jwt.verify(es, ec, { algorithms = { 'ES256' } })\n"
    "check(claims, err)\n"
    "eq(claims and claims.iss, 'faas-test', 'es256 iss')\n"
    /* wrong key types */
    "local ok\n"
    "ok, err = jwt.verify(rs, ec)\n"
    "check(ok == nil and err:find('not RSA'), err)\n"
    "ok, err = jwt.verify(es, rsa)\n"
    "check(ok == nil and err:find('not a P%-256 EC key'), err)\n"
    "ok, err = jwt.verify(es, readfile('ec384-public.pem'))\n"
    "check(ok == nil and err:find('not a P%-256 EC key'), err)\n"
    "ok, err = jwt.verify(rs, readfile('rsa1024-public.pem'))\n"
    "check(ok == nil and err:find('1024 bits is shorter'), err)\n"
    "ok, err = jwt.verify(rs, readfile('rsa-private.pem'))\n"
    "check(ok == nil and err:find('not a PEM public key'), err)\n"
    "ok, err = jwt.verify(rs, '-----BEGIN PUBLIC KEY-----\\nxx\\n')\n"
    "check(ok == nil and err:find('not a PEM public key'), err)\n"
    /* RS256/ES256 with a secret */
    "ok, err = jwt.verify(rs, 'secret')\n"
    "check(ok == nil and err:find('RS256 token needs a PEM'), err)\n"
    "ok, err = jwt.verify(es, 'secret')\n"
    "check(ok == nil and err:find('ES256 token needs a PEM'), err)\n"
    /* algorithm confusion: HS256 signed with the public PEM as secret */
    "local i = c.base64url_encode('{\"alg\":\"HS256\"}') .. '.'\n"
    "  .. c.base64url_encode('{\"sub\":\"admin\"}')\n"
    "local forged = i .. '.' .. c.base64url_encode(c.hmac('sha256', rsa, i))\n"
    "ok, err = jwt.verify(forged, rsa)\n"
    "check(ok == nil and err:find('algorithm confusion'), err)\n"
    "ok, err = jwt.verify(forged, '\\n' .. rsa)\n"
    "check(ok == nil and err:find('algorithm confusion'), err)\n"
    /* tampering */
    "for _, t in ipairs({ { rs, rsa }, { es, ec } }) do\n"
    "  local h, p, s = t[1]:match('^([^.]*)%.([^.]*)%.([^.]*)$')\n"
    "  local p2 = c.base64url_encode(\n"
    "    (c.base64url_decode(p):gsub('alice', 'admin')))\n"
    "  ok, err = jwt.verify(h .. '.' .. p2 .. '.' .. s, t[2])\n"
    "  check(ok == nil and err:find('invalid signature'), 'payload')\n"
    "  local raw = c.base64url_decode(s)\n"
    "  local s2 = c.base64url_encode(raw:sub(1, 20)\n"
    "    .. string.char((raw:byte(21) + 1) % 256) .. raw:sub(22))\n"
    "  ok, err = jwt.verify(h .. '.' .. p .. '.' .. s2, t[2])\n"
    "  check(ok == nil and err:find('invalid signature'), 'signature')\n"
    "  ok, err = jwt.verify(h .. '.' .. p .. '.' .. s:sub(1, 40), t[2])\n"
    "  check(ok == nil and err:find('invalid signature'), 'short sig')\n"
    "  ok, err = jwt.verify(h .. '.' .. p .. '.', t[2])\n"
    "  check(ok == nil and err:find('invalid signature'), 'no sig')\n"
    "  ok, err = jwt.verify(t[1], t[2], { now = 4102444800 })\n"
    "  check(ok == nil and err:find('expired'), 'expired')\n"
    "  ok, err = jwt.verify(t[1], t[2], { now = 1600000000 })\n"
    "  check(ok == nil and err:find('not valid yet'), 'nbf')\n"
    "end\n"
    /* ES256 signatures are R || S, not DER */
    "local h, p, s = es:match('^([^.]*)%.([^.]*)%.([^.]*)$')\n"
    "eq(#c.base64url_decode(s), 64, 'R || S')\n"
    "ok, err = jwt.verify(h .. '.' .. p .. '.' .. s .. 'AA', ec)\n"
    "check(ok == nil and err:find('invalid signature'), '66 bytes')\n";


/*
 * jwt.verify() running out of Lua memory at every step: a Lua error must
 * never leak what OpenSSL or cJSON allocated (valgrind checks this).
 */

static void
faas_test_oom(lua_State *L)
{
    int  i, j, ok, errors;

    static const char  *const  calls[] = {
        "return faas.jwt.verify(readfile('rs256.jwt'), "
        "readfile('rsa-public.pem'))",
        "return faas.jwt.verify(readfile('es256.jwt'), "
        "readfile('ec-public.pem'))",
        "return faas.jwt.verify(readfile('es256.jwt'), "
        "readfile('rsa-cert.pem'))"
    };

    ok = 0;
    errors = 0;

    for (j = 0; j < 3; j++) {
        for (i = 0; i < 120; i++) {
            lua_settop(L, 0);

            if (luaL_loadstring(L, calls[j]) != 0) {
                FAAS_CHECK(0);
                return;
            }

            lua_gc(L, LUA_GCCOLLECT, 0);
            faas_test_limit = faas_test_used + (size_t) i * 256;

            if (lua_pcall(L, 0, 1, 0) == 0) {
                ok++;

            } else {
                errors++;
            }

            faas_test_limit = (size_t) -1 / 2;
        }
    }

    lua_settop(L, 0);

    FAAS_CHECK(ok > 0 && errors > 0);
}


int
main(void)
{
    lua_State  *L;

    L = lua_newstate(faas_test_alloc, NULL);
    luaL_openlibs(L);

    lua_pushcfunction(L, faas_test_check);
    lua_setglobal(L, "check");

    lua_newtable(L);
    faas_lib_crypto_open(L);
    faas_lib_json_open(L);
    FAAS_CHECK(lua_gettop(L) == 1);
    lua_setglobal(L, "faas");

    /* a second state's functions, for the owners of kept HMAC keys */

    lua_newtable(L);
    faas_lib_crypto_open(L);
    lua_setglobal(L, "other");

    faas_test_run(L, "=prelude", faas_test_prelude);
    faas_test_run(L, "=hashes", faas_test_hashes);
    faas_test_run(L, "=hmac", faas_test_hmac);
    faas_test_run(L, "=owners", faas_test_owners);
    faas_test_run(L, "=base64", faas_test_base64);
    faas_test_run(L, "=misc", faas_test_misc);
    faas_test_run(L, "=jwt_hs256", faas_test_jwt_hs256);
    faas_test_run(L, "=jwt_pkey", faas_test_jwt_pkey);

    faas_test_oom(L);

    lua_close(L);
    FAAS_CHECK(faas_test_used == 0);

    return FAAS_TEST_DONE();
}
