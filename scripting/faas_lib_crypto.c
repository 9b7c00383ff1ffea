/*
 * faas.crypto and faas.jwt (SPEC section 5) over OpenSSL 3.
 *
 * faas.crypto
 *     sha1(s), sha256(s), sha512(s)   raw digests
 *     hmac(alg, key, s)               alg "sha1" | "sha256" | "sha512", raw
 *     base64_encode(s)                RFC 4648 section 4, padded
 *     base64_decode(s)                padding optional, but if present exact
 *     base64url_encode(s)             RFC 4648 section 5, unpadded (RFC 7515)
 *     base64url_decode(s)             unpadded or exactly padded
 *     hex(s)                          lowercase
 *     random_bytes(n)                 n <= FAAS_CRYPTO_MAX_RANDOM, RAND_bytes
 *     equals(a, b)                    constant time for equal lengths
 *
 *     The decoders return nil, err for invalid text: characters outside
 *     the alphabet (also whitespace), a wrong length or padding, or non-zero
 *     unused bits (only the canonical encoding is accepted, so a token has
 *     one spelling).  Bad argument types and inputs over the caps raise.
 *
 * faas.jwt.verify(token, key [, opts]) -> claims | nil, err
 *     JWS compact tokens signed with HS256 (key: the secret), RS256 (key:
 *     a PEM public key or certificate, RSA of at least 2048 bits) or ES256
 *     (PEM, P-256; the signature is R || S, RFC 7518 section 3.4).  "none"
 *     is never accepted, the alg must suit the key (HS256 with a PEM key is
 *     the algorithm-confusion attack and is refused; so is RS256/ES256
 *     with a secret), and a "crit" header is refused (we understand no
 *     extension).  The claims must be a JSON object; "exp" and "nbf", when
 *     present, must be numbers and are checked against the current time.
 *     opts (read raw): alg = "RS256" or algorithms = {...} (allow-list,
 *     default all three), leeway = seconds of clock skew forgiven on
 *     exp/nbf (default 0: no skew is assumed unless asked for), now = the
 *     time to check against (tests), iss = required issuer, aud = required
 *     audience (a string equal to "aud" or in the "aud" array).
 *
 * Everything OpenSSL allocates is freed before a Lua error can be raised:
 * a Lua error longjmps, and the sandbox's states are reused.  Output is
 * made in a scratch block before it becomes a Lua string: a buffer on the
 * C stack when it fits (a userdata costs more than the base64 of a short
 * text), else a userdata, which counts against the function's memory cap.
 */

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <lua.h>
#include <lauxlib.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "faas_digest.h"
#include "faas_lib.h"


/*
 * Hashing, HMAC and base64 run in C where the instruction hook cannot
 * stop them (SPEC 6): 16 MiB is ~50 ms of SHA-256 at worst, and more
 * than any edge function has in memory anyway.
 */
#define FAAS_CRYPTO_MAX_INPUT    (16 * 1024 * 1024)

/* random_bytes() is for keys, nonces and ids, not for bulk data. */
#define FAAS_CRYPTO_MAX_RANDOM   (1024 * 1024)

/* Tokens come in headers: nginx's large buffers are 8k by default. */
#define FAAS_JWT_MAX_TOKEN       (64 * 1024)

/* PEM keys and certificates are a few KiB; secrets are shorter. */
#define FAAS_JWT_MAX_KEY         (64 * 1024)

#define FAAS_JWT_MIN_RSA_BITS    2048

#define FAAS_JWT_HS256           0x01
#define FAAS_JWT_RS256           0x02
#define FAAS_JWT_ES256           0x04
#define FAAS_JWT_ALL             0x07
#define FAAS_CRYPTO_SCRATCH      512
#define FAAS_JWT_SCRATCH         2048


static size_t faas_crypto_check_input(lua_State *L, int arg,
    const char **s, const char *fn);
static int faas_crypto_digest(lua_State *L, faas_md_e alg,
    const char *fn);
static int faas_crypto_sha1(lua_State *L);
static int faas_crypto_sha256(lua_State *L);
static int faas_crypto_sha512(lua_State *L);
static int faas_crypto_hmac(lua_State *L);
#define faas_crypto_owner(L)                                                 \
    ((uint64_t) lua_tonumber(L, lua_upvalueindex(1)))

static void *faas_crypto_scratch(lua_State *L, void *buf, size_t size,
    size_t n);
static void faas_crypto_push(lua_State *L, const void *p, size_t len);
static int faas_crypto_b64enc(lua_State *L, int url, const char *fn);
static int faas_crypto_b64dec(lua_State *L, int url, const char *fn);
static int faas_crypto_base64_encode(lua_State *L);
static int faas_crypto_base64_decode(lua_State *L);
static int faas_crypto_base64url_encode(lua_State *L);
static int faas_crypto_base64url_decode(lua_State *L);
static int faas_crypto_hex(lua_State *L);
static int faas_crypto_random_bytes(lua_State *L);
static int faas_crypto_equals(lua_State *L);
static int faas_jwt_alg(const char *name);
static int faas_jwt_no_password(char *buf, int size, int rwflag, void *u);
static int faas_jwt_verify_pkey(int alg, const char *key, size_t klen,
    const unsigned char *in, size_t inlen, const unsigned char *sig,
    size_t siglen, char *err, size_t errlen);
static int faas_jwt_fail(lua_State *L, int top, const char *fmt, ...);
static int faas_jwt_opts(lua_State *L, int opts, int *allowed,
    double *now, double *leeway);
static int faas_jwt_check_claims(lua_State *L, int opts, int claims,
    double now, double leeway, char *err, size_t errlen);
static int faas_jwt_verify(lua_State *L);


static const char  faas_b64_std[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char  faas_b64_url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";


static size_t
faas_crypto_check_input(lua_State *L, int arg, const char **s,
    const char *fn)
{
    size_t  len;

    *s = luaL_checklstring(L, arg, &len);

    if (len > FAAS_CRYPTO_MAX_INPUT) {
        luaL_error(L, "crypto.%s: input of %d bytes is over the limit of "
                   "%d bytes", fn, (int) len, FAAS_CRYPTO_MAX_INPUT);
    }

    return len;
}


static int
faas_crypto_digest(lua_State *L, faas_md_e alg, const char *fn)
{
    size_t          len, n;
    const char     *s;
    unsigned char   out[EVP_MAX_MD_SIZE];

    len = faas_crypto_check_input(L, 1, &s, fn);

    if (faas_digest(alg, s, len, out, &n) != 0) {
        return luaL_error(L, "crypto.%s: the digest failed in OpenSSL", fn);
    }

    lua_pushlstring(L, (char *) out, n);

    return 1;
}


static int
faas_crypto_sha1(lua_State *L)
{
    return faas_crypto_digest(L, FAAS_MD_SHA1, "sha1");
}


static int
faas_crypto_sha256(lua_State *L)
{
    return faas_crypto_digest(L, FAAS_MD_SHA256, "sha256");
}


static int
faas_crypto_sha512(lua_State *L)
{
    return faas_crypto_digest(L, FAAS_MD_SHA512, "sha512");
}


static int
faas_crypto_hmac(lua_State *L)
{
    size_t          klen, len, n;
    const char     *alg, *key, *s;
    faas_md_e       md;
    unsigned char   out[EVP_MAX_MD_SIZE];

    alg = luaL_checkstring(L, 1);
    klen = faas_crypto_check_input(L, 2, &key, "hmac");
    len = faas_crypto_check_input(L, 3, &s, "hmac");

    if (strcmp(alg, "sha256") == 0) {
        md = FAAS_MD_SHA256;

    } else if (strcmp(alg, "sha1") == 0) {
        md = FAAS_MD_SHA1;

    } else if (strcmp(alg, "sha512") == 0) {
        md = FAAS_MD_SHA512;

    } else {
        return luaL_error(L, "crypto.hmac: unsupported algorithm \"%s\" "
                          "(sha1, sha256 or sha512)", alg);
    }

    if (faas_hmac(md, faas_crypto_owner(L), key, klen, s, len, out, &n)
        != 0)
    {
        return luaL_error(L, "crypto.hmac: the HMAC failed in OpenSSL");
    }

    lua_pushlstring(L, (char *) out, n);

    return 1;
}


void
faas_b64_encode(const unsigned char *in, size_t len, int url, char *out,
    size_t *outlen)
{
    char         *p;
    size_t        i;
    uint32_t      v;
    const char   *a;

    a = url ? faas_b64_url : faas_b64_std;
    p = out;

    for (i = 0; i + 2 < len; i += 3) {
        v = (uint32_t) in[i] << 16 | (uint32_t) in[i + 1] << 8 | in[i + 2];
        *p++ = a[v >> 18];
        *p++ = a[(v >> 12) & 0x3f];
        *p++ = a[(v >> 6) & 0x3f];
        *p++ = a[v & 0x3f];
    }

    if (len - i == 1) {
        v = (uint32_t) in[i] << 16;
        *p++ = a[v >> 18];
        *p++ = a[(v >> 12) & 0x3f];

        if (!url) {
            *p++ = '=';
            *p++ = '=';
        }

    } else if (len - i == 2) {
        v = (uint32_t) in[i] << 16 | (uint32_t) in[i + 1] << 8;
        *p++ = a[v >> 18];
        *p++ = a[(v >> 12) & 0x3f];
        *p++ = a[(v >> 6) & 0x3f];

        if (!url) {
            *p++ = '=';
        }
    }

    *outlen = p - out;
}


static int
faas_b64_value(unsigned char c, int url)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }

    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }

    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }

    if (c == (url ? '-' : '+')) {
        return 62;
    }

    if (c == (url ? '_' : '/')) {
        return 63;
    }

    return -1;
}


/*
 * Strict decoding into out (at least len * 3 / 4 bytes).  Padding is
 * optional, but when present it must complete the last quantum; with
 * nopad it is refused (JWS segments, RFC 7515 section 2).  Returns 0, or
 * -1 for invalid text.
 */

int
faas_b64_decode(const char *in, size_t len, int url, int nopad,
    unsigned char *out, size_t *outlen)
{
    int             v;
    size_t          i, pad, rem;
    uint32_t        acc;
    unsigned char  *p;

    pad = 0;

    if (len > 0 && in[len - 1] == '=') {
        if (nopad || len % 4 != 0) {
            return -1;
        }

        pad = (in[len - 2] == '=') ? 2 : 1;
        len -= pad;
    }

    rem = len % 4;

    if (rem == 1 || (pad && pad != 4 - rem)) {
        return -1;
    }

    p = out;
    acc = 0;

    for (i = 0; i < len; i++) {
        v = faas_b64_value((unsigned char) in[i], url);
        if (v < 0) {
            return -1;
        }

        acc = acc << 6 | (uint32_t) v;

        if (i % 4 == 3) {
            *p++ = (unsigned char) (acc >> 16);
            *p++ = (unsigned char) (acc >> 8);
            *p++ = (unsigned char) acc;
            acc = 0;
        }
    }

    /* the unused low bits of the last character must be zero */

    if (rem == 2) {
        if (acc & 0x0f) {
            return -1;
        }

        *p++ = (unsigned char) (acc >> 4);

    } else if (rem == 3) {
        if (acc & 0x03) {
            return -1;
        }

        *p++ = (unsigned char) (acc >> 10);
        *p++ = (unsigned char) (acc >> 2);
    }

    *outlen = p - out;

    return 0;
}


/*
 * Pushes the decoded base64 text (a generated response's body with
 * bodyEncoding "base64"), with the same strict codec; -1 if invalid.
 */

/*
 * Pushes one slot: nil when n bytes fit in buf (size bytes, the caller's,
 * on the C stack), else a userdata of n bytes; returns where to write.
 * faas_crypto_push() replaces the slot with the string made there, so
 * the stack has the same shape either way.
 */

static void *
faas_crypto_scratch(lua_State *L, void *buf, size_t size, size_t n)
{
    if (n <= size) {
        lua_pushnil(L);
        return buf;
    }

    return lua_newuserdata(L, n);
}


static void
faas_crypto_push(lua_State *L, const void *p, size_t len)
{
    lua_pushlstring(L, p, len);
    lua_replace(L, -2);
}


int
faas_base64_decode_push(lua_State *L, const char *s, size_t len, int url)
{
    size_t          n;
    unsigned char  *out, buf[FAAS_CRYPTO_SCRATCH];

    out = faas_crypto_scratch(L, buf, sizeof(buf), len / 4 * 3 + 3);

    if (faas_b64_decode(s, len, url, 0, out, &n) != 0) {
        lua_pop(L, 1);
        return -1;
    }

    faas_crypto_push(L, out, n);

    return 0;
}


void
faas_base64_encode_push(lua_State *L, const char *s, size_t len, int url)
{
    char    *out, buf[FAAS_CRYPTO_SCRATCH];
    size_t   n;

    out = faas_crypto_scratch(L, buf, sizeof(buf), (len + 2) / 3 * 4 + 1);

    faas_b64_encode((const unsigned char *) s, len, url, out, &n);

    faas_crypto_push(L, out, n);
}


static int
faas_crypto_b64enc(lua_State *L, int url, const char *fn)
{
    size_t       len;
    const char  *s;

    len = faas_crypto_check_input(L, 1, &s, fn);

    faas_base64_encode_push(L, s, len, url);

    return 1;
}


static int
faas_crypto_b64dec(lua_State *L, int url, const char *fn)
{
    size_t       len;
    const char  *s;

    len = faas_crypto_check_input(L, 1, &s, fn);

    if (faas_base64_decode_push(L, s, len, url) != 0) {
        lua_pushnil(L);
        lua_pushfstring(L, "crypto.%s: invalid %s", fn,
                        url ? "base64url" : "base64");
        return 2;
    }

    return 1;
}


static int
faas_crypto_base64_encode(lua_State *L)
{
    return faas_crypto_b64enc(L, 0, "base64_encode");
}


static int
faas_crypto_base64_decode(lua_State *L)
{
    return faas_crypto_b64dec(L, 0, "base64_decode");
}


static int
faas_crypto_base64url_encode(lua_State *L)
{
    return faas_crypto_b64enc(L, 1, "base64url_encode");
}


static int
faas_crypto_base64url_decode(lua_State *L)
{
    return faas_crypto_b64dec(L, 1, "base64url_decode");
}


static int
faas_crypto_hex(lua_State *L)
{
    char                 *out, buf[FAAS_CRYPTO_SCRATCH];
    size_t                len;
    const unsigned char  *s;

    len = faas_crypto_check_input(L, 1, (const char **) &s, "hex");

    out = faas_crypto_scratch(L, buf, sizeof(buf), len * 2);

    faas_hex_encode(out, s, len);

    faas_crypto_push(L, out, len * 2);

    return 1;
}


static int
faas_crypto_random_bytes(lua_State *L)
{
    double          n;
    unsigned char  *out, buf[FAAS_CRYPTO_SCRATCH];

    n = luaL_checknumber(L, 1);

    if (!(n >= 0 && n <= FAAS_CRYPTO_MAX_RANDOM) || n != floor(n)) {
        return luaL_error(L, "crypto.random_bytes: n must be an integer "
                          "from 0 to %d", FAAS_CRYPTO_MAX_RANDOM);
    }

    out = faas_crypto_scratch(L, buf, sizeof(buf), (size_t) n);

    if (n > 0 && RAND_bytes(out, (int) n) != 1) {
        ERR_clear_error();
        return luaL_error(L, "crypto.random_bytes: RAND_bytes() failed");
    }

    faas_crypto_push(L, out, (size_t) n);

    return 1;
}


static int
faas_crypto_equals(lua_State *L)
{
    size_t       la, lb;
    const char  *a, *b;

    a = luaL_checklstring(L, 1, &la);
    b = luaL_checklstring(L, 2, &lb);

    /* only the length may leak through timing, never the content */

    lua_pushboolean(L, la == lb && CRYPTO_memcmp(a, b, la) == 0);

    return 1;
}


static int
faas_jwt_alg(const char *name)
{
    if (strcmp(name, "HS256") == 0) {
        return FAAS_JWT_HS256;
    }

    if (strcmp(name, "RS256") == 0) {
        return FAAS_JWT_RS256;
    }

    if (strcmp(name, "ES256") == 0) {
        return FAAS_JWT_ES256;
    }

    return 0;
}


/* Never let OpenSSL prompt on the terminal for a PEM pass phrase. */

static int
faas_jwt_no_password(char *buf, int size, int rwflag, void *u)
{
    (void) buf;
    (void) size;
    (void) rwflag;
    (void) u;

    return 0;
}


/*
 * RS256/ES256 with OpenSSL only: no Lua call in here, and everything is
 * freed before returning.  Returns 1 for a valid signature, 0 for an
 * invalid one and -1 for an unusable key, with a message in err.
 */

static int
faas_jwt_verify_pkey(int alg, const char *key, size_t klen,
    const unsigned char *in, size_t inlen, const unsigned char *sig,
    size_t siglen, char *err, size_t errlen)
{
    int              rc, derlen;
    BIO             *bio;
    X509            *x509;
    BIGNUM          *r, *s;
    EVP_PKEY        *pkey;
    ECDSA_SIG       *es;
    EVP_MD_CTX      *ctx;
    unsigned char   *der;
    char             group[64];

    rc = -1;
    bio = NULL;
    x509 = NULL;
    r = NULL;
    s = NULL;
    pkey = NULL;
    es = NULL;
    ctx = NULL;
    der = NULL;

    bio = BIO_new_mem_buf(key, (int) klen);
    if (bio == NULL) {
        snprintf(err, errlen, "BIO_new_mem_buf() failed");
        goto done;
    }

    pkey = PEM_read_bio_PUBKEY(bio, NULL, faas_jwt_no_password, NULL);

    if (pkey == NULL) {
        BIO_free(bio);

        bio = BIO_new_mem_buf(key, (int) klen);
        if (bio == NULL) {
            snprintf(err, errlen, "BIO_new_mem_buf() failed");
            goto done;
        }

        x509 = PEM_read_bio_X509(bio, NULL, faas_jwt_no_password, NULL);
        if (x509 != NULL) {
            pkey = X509_get_pubkey(x509);
        }
    }

    if (pkey == NULL) {
        snprintf(err, errlen, "key is not a PEM public key or certificate");
        goto done;
    }

    if (alg == FAAS_JWT_RS256) {
        if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA) {
            snprintf(err, errlen, "RS256 token but the key is not RSA");
            goto done;
        }

        if (EVP_PKEY_get_bits(pkey) < FAAS_JWT_MIN_RSA_BITS) {
            snprintf(err, errlen, "RSA key of %d bits is shorter than "
                     "%d bits", EVP_PKEY_get_bits(pkey),
                     FAAS_JWT_MIN_RSA_BITS);
            goto done;
        }

    } else {
        if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_EC
            || EVP_PKEY_get_utf8_string_param(pkey,
                                              OSSL_PKEY_PARAM_GROUP_NAME,
                                              group, sizeof(group), NULL)
               != 1
            || strcmp(group, "prime256v1") != 0)
        {
            snprintf(err, errlen, "ES256 token but the key is not a P-256 "
                     "EC key");
            goto done;
        }

        /* JWS carries R || S (RFC 7518 3.4); OpenSSL verifies DER */

        if (siglen != 64) {
            snprintf(err, errlen, "invalid signature");
            rc = 0;
            goto done;
        }

        r = BN_bin2bn(sig, 32, NULL);
        s = BN_bin2bn(sig + 32, 32, NULL);
        es = ECDSA_SIG_new();

        if (r == NULL || s == NULL || es == NULL
            || ECDSA_SIG_set0(es, r, s) != 1)
        {
            snprintf(err, errlen, "ECDSA_SIG_set0() failed");
            goto done;
        }

        /* es owns them now */
        r = NULL;
        s = NULL;

        derlen = i2d_ECDSA_SIG(es, &der);
        if (derlen <= 0) {
            snprintf(err, errlen, "i2d_ECDSA_SIG() failed");
            goto done;
        }

        sig = der;
        siglen = (size_t) derlen;
    }

    ctx = EVP_MD_CTX_new();

    if (ctx == NULL
        || EVP_DigestVerifyInit(ctx, NULL, faas_md(FAAS_MD_SHA256), NULL,
                                pkey) != 1)
    {
        snprintf(err, errlen, "EVP_DigestVerifyInit() failed");
        goto done;
    }

    if (EVP_DigestVerify(ctx, sig, siglen, in, inlen) == 1) {
        rc = 1;

    } else {
        snprintf(err, errlen, "invalid signature");
        rc = 0;
    }

done:

    OPENSSL_free(der);
    ECDSA_SIG_free(es);
    BN_free(r);
    BN_free(s);
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(pkey);
    X509_free(x509);
    BIO_free(bio);

    /* leave nothing in the queue for the next user of this worker */
    ERR_clear_error();

    return rc;
}


static int
faas_jwt_fail(lua_State *L, int top, const char *fmt, ...)
{
    char     buf[256];
    va_list  args;

    va_start(args, fmt);
    vsnprintf(buf, sizeof(buf), fmt, args);
    va_end(args);

    lua_settop(L, top);
    lua_pushnil(L);
    lua_pushfstring(L, "jwt.verify: %s", buf);

    return 2;
}


/* Pushes opts[name], read raw; returns its type. */

static int
faas_jwt_field(lua_State *L, int t, const char *name)
{
    lua_pushstring(L, name);
    lua_rawget(L, t);

    return lua_type(L, -1);
}


static int
faas_jwt_opts(lua_State *L, int opts, int *allowed, double *now,
    double *leeway)
{
    int          t, a, i;
    const char  *name;

    *allowed = FAAS_JWT_ALL;
    *now = (double) time(NULL);
    *leeway = 0;

    if (lua_isnoneornil(L, opts)) {
        return 0;
    }

    luaL_checktype(L, opts, LUA_TTABLE);

    t = faas_jwt_field(L, opts, "now");
    if (t == LUA_TNUMBER) {
        *now = lua_tonumber(L, -1);

    } else if (t != LUA_TNIL) {
        return luaL_error(L, "jwt.verify: opts.now must be a number");
    }

    lua_pop(L, 1);

    t = faas_jwt_field(L, opts, "leeway");
    if (t == LUA_TNUMBER && lua_tonumber(L, -1) >= 0) {
        *leeway = lua_tonumber(L, -1);

    } else if (t != LUA_TNIL) {
        return luaL_error(L, "jwt.verify: opts.leeway must be a number "
                          ">= 0");
    }

    lua_pop(L, 1);

    t = faas_jwt_field(L, opts, "alg");
    if (t == LUA_TSTRING) {
        *allowed = faas_jwt_alg(lua_tostring(L, -1));
        if (*allowed == 0) {
            return luaL_error(L, "jwt.verify: unsupported opts.alg \"%s\" "
                              "(HS256, RS256 or ES256)",
                              lua_tostring(L, -1));
        }

    } else if (t != LUA_TNIL) {
        return luaL_error(L, "jwt.verify: opts.alg must be a string");
    }

    lua_pop(L, 1);

    t = faas_jwt_field(L, opts, "algorithms");
    if (t == LUA_TTABLE) {
        a = 0;

        for (i = 1; ; i++) {
            lua_rawgeti(L, -1, i);

            if (lua_isnil(L, -1)) {
                lua_pop(L, 1);
                break;
            }

            name = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1)
                                                  : NULL;

            if (name == NULL || faas_jwt_alg(name) == 0) {
                return luaL_error(L, "jwt.verify: opts.algorithms[%d] is "
                                  "not HS256, RS256 or ES256", i);
            }

            a |= faas_jwt_alg(name);
            lua_pop(L, 1);
        }

        *allowed &= a;

    } else if (t != LUA_TNIL) {
        return luaL_error(L, "jwt.verify: opts.algorithms must be a table");
    }

    lua_pop(L, 1);

    return 0;
}


/* Time claims (RFC 7519 4.1.4, 4.1.5) and the optional iss, aud. */

static int
faas_jwt_check_claims(lua_State *L, int opts, int claims, double now,
    double leeway, char *err, size_t errlen)
{
    int      t, found, i;
    double   v;

    t = faas_jwt_field(L, claims, "exp");
    if (t != LUA_TNIL) {
        if (t != LUA_TNUMBER) {
            snprintf(err, errlen, "exp claim is not a number");
            return -1;
        }

        v = lua_tonumber(L, -1);

        if (!(now < v + leeway)) {
            snprintf(err, errlen, "token expired");
            return -1;
        }
    }

    lua_pop(L, 1);

    t = faas_jwt_field(L, claims, "nbf");
    if (t != LUA_TNIL) {
        if (t != LUA_TNUMBER) {
            snprintf(err, errlen, "nbf claim is not a number");
            return -1;
        }

        v = lua_tonumber(L, -1);

        if (!(now + leeway >= v)) {
            snprintf(err, errlen, "token not valid yet (nbf)");
            return -1;
        }
    }

    lua_pop(L, 1);

    if (lua_isnoneornil(L, opts)) {
        return 0;
    }

    if (faas_jwt_field(L, opts, "iss") != LUA_TNIL) {
        if (faas_jwt_field(L, claims, "iss") != LUA_TSTRING
            || !lua_rawequal(L, -1, -2))
        {
            snprintf(err, errlen, "iss claim does not match");
            return -1;
        }

        lua_pop(L, 1);
    }

    lua_pop(L, 1);

    if (faas_jwt_field(L, opts, "aud") != LUA_TNIL) {
        t = faas_jwt_field(L, claims, "aud");
        found = 0;

        if (t == LUA_TSTRING) {
            found = lua_rawequal(L, -1, -2);

        } else if (t == LUA_TTABLE) {
            for (i = 1; !found; i++) {
                lua_rawgeti(L, -1, i);

                if (lua_isnil(L, -1)) {
                    lua_pop(L, 1);
                    break;
                }

                found = lua_rawequal(L, -1, -3);
                lua_pop(L, 1);
            }
        }

        if (!found) {
            snprintf(err, errlen, "aud claim does not match");
            return -1;
        }

        lua_pop(L, 1);
    }

    lua_pop(L, 1);

    return 0;
}


static int
faas_jwt_verify(lua_State *L)
{
    int             top, alg, allowed, rc, claims;
    char            err[256];
    double          now, leeway;
    size_t          tlen, klen, hlen, plen, slen, n;
    const char     *token, *key, *dot1, *dot2, *name;
    unsigned char  *hdr, *payload, *sig, *p, mac[EVP_MAX_MD_SIZE];
    unsigned char   jbuf[FAAS_JWT_SCRATCH];
    size_t          maclen;

    token = luaL_checklstring(L, 1, &tlen);
    key = luaL_checklstring(L, 2, &klen);

    /* opts stays at index 3, nil or not, under what we push */
    lua_settop(L, 3);

    faas_jwt_opts(L, 3, &allowed, &now, &leeway);

    top = lua_gettop(L);

    if (tlen > FAAS_JWT_MAX_TOKEN) {
        return faas_jwt_fail(L, top, "token longer than %d bytes",
                             FAAS_JWT_MAX_TOKEN);
    }

    if (klen > FAAS_JWT_MAX_KEY) {
        return faas_jwt_fail(L, top, "key longer than %d bytes",
                             FAAS_JWT_MAX_KEY);
    }

    dot1 = memchr(token, '.', tlen);
    dot2 = dot1 ? memchr(dot1 + 1, '.', tlen - (dot1 + 1 - token)) : NULL;

    if (dot2 == NULL || memchr(dot2 + 1, '.', tlen - (dot2 + 1 - token))) {
        return faas_jwt_fail(L, top, "malformed token: not three "
                             "dot-separated segments");
    }

    hlen = dot1 - token;
    plen = dot2 - (dot1 + 1);
    slen = tlen - (dot2 + 1 - token);

    /* decoded segments are shorter than the token: one scratch block */

    p = faas_crypto_scratch(L, jbuf, sizeof(jbuf), tlen + 3);

    hdr = p;
    if (faas_b64_decode(token, hlen, 1, 1, hdr, &hlen) != 0) {
        return faas_jwt_fail(L, top, "malformed token: header is not "
                             "base64url");
    }

    payload = hdr + hlen;
    if (faas_b64_decode(dot1 + 1, plen, 1, 1, payload, &plen) != 0) {
        return faas_jwt_fail(L, top, "malformed token: payload is not "
                             "base64url");
    }

    sig = payload + plen;
    if (faas_b64_decode(dot2 + 1, slen, 1, 1, sig, &slen) != 0) {
        return faas_jwt_fail(L, top, "malformed token: signature is not "
                             "base64url");
    }

    if (faas_json_push_decoded(L, (char *) hdr, hlen, err, sizeof(err))
        != 0)
    {
        return faas_jwt_fail(L, top, "malformed token: header: %s", err);
    }

    if (!lua_istable(L, -1)) {
        return faas_jwt_fail(L, top, "malformed token: header is not a "
                             "JSON object");
    }

    if (faas_jwt_field(L, top + 2, "alg") != LUA_TSTRING) {
        return faas_jwt_fail(L, top, "malformed token: no alg in header");
    }

    name = lua_tostring(L, -1);

    if (strcmp(name, "none") == 0) {
        return faas_jwt_fail(L, top, "unsigned tokens (alg none) are not "
                             "accepted");
    }

    alg = faas_jwt_alg(name);

    if (alg == 0) {
        return faas_jwt_fail(L, top, "unsupported alg \"%.32s\"", name);
    }

    if (!(alg & allowed)) {
        return faas_jwt_fail(L, top, "alg %s is not allowed", name);
    }

    lua_pop(L, 1);

    if (faas_jwt_field(L, top + 2, "crit") != LUA_TNIL) {
        return faas_jwt_fail(L, top, "unsupported crit header");
    }

    lua_settop(L, top + 1);

    /* the alg must suit the key: the algorithm-confusion attack */

    n = 0;
    while (n < klen && (key[n] == ' ' || key[n] == '\t' || key[n] == '\r'
                        || key[n] == '\n'))
    {
        n++;
    }

    if (klen - n >= 10 && memcmp(key + n, "-----BEGIN", 10) == 0) {
        if (alg == FAAS_JWT_HS256) {
            return faas_jwt_fail(L, top, "HS256 token with a PEM key "
                                 "(algorithm confusion): refused");
        }

        rc = faas_jwt_verify_pkey(alg, key, klen,
                                  (const unsigned char *) token,
                                  dot2 - token, sig, slen, err,
                                  sizeof(err));
        if (rc != 1) {
            return faas_jwt_fail(L, top, "%s", err);
        }

    } else {
        if (alg != FAAS_JWT_HS256) {
            return faas_jwt_fail(L, top, "%s token needs a PEM public key "
                                 "or certificate, not a secret",
                                 alg == FAAS_JWT_RS256 ? "RS256" : "ES256");
        }

        if (klen == 0) {
            return faas_jwt_fail(L, top, "empty HS256 secret");
        }

        if (faas_hmac(FAAS_MD_SHA256, faas_crypto_owner(L), key, klen,
                      token, dot2 - token, mac, &maclen)
            != 0)
        {
            return faas_jwt_fail(L, top, "the HMAC failed in OpenSSL");
        }

        if (slen != maclen || CRYPTO_memcmp(sig, mac, maclen) != 0) {
            return faas_jwt_fail(L, top, "invalid signature");
        }
    }

    /* only a verified payload is parsed */

    if (faas_json_push_decoded(L, (char *) payload, plen, err, sizeof(err))
        != 0)
    {
        return faas_jwt_fail(L, top, "malformed token: claims: %s", err);
    }

    claims = lua_gettop(L);

    n = 0;
    while (n < plen && (payload[n] == ' ' || payload[n] == '\t'
                        || payload[n] == '\r' || payload[n] == '\n'))
    {
        n++;
    }

    if (n == plen || payload[n] != '{') {
        return faas_jwt_fail(L, top, "malformed token: claims are not a "
                             "JSON object");
    }

    if (faas_jwt_check_claims(L, 3, claims, now, leeway, err, sizeof(err))
        != 0)
    {
        return faas_jwt_fail(L, top, "%s", err);
    }

    lua_settop(L, claims);

    return 1;
}


int
faas_lib_crypto_open(lua_State *L)
{
    static const luaL_Reg  crypto[] = {
        { "sha1", faas_crypto_sha1 },
        { "sha256", faas_crypto_sha256 },
        { "sha512", faas_crypto_sha512 },
        { "hmac", faas_crypto_hmac },
        { "base64_encode", faas_crypto_base64_encode },
        { "base64_decode", faas_crypto_base64_decode },
        { "base64url_encode", faas_crypto_base64url_encode },
        { "base64url_decode", faas_crypto_base64url_decode },
        { "hex", faas_crypto_hex },
        { "random_bytes", faas_crypto_random_bytes },
        { "equals", faas_crypto_equals },
        { NULL, NULL }
    };

    const luaL_Reg  *r;

    /*
     * The functions of one state share an owner number, their upvalue,
     * which no other state in the process has (see faas_hmac())
     */

    static uint64_t  owners;

    owners++;

    lua_createtable(L, 0, sizeof(crypto) / sizeof(crypto[0]) - 1);

    for (r = crypto; r->name != NULL; r++) {
        lua_pushnumber(L, (lua_Number) owners);
        lua_pushcclosure(L, r->func, 1);
        lua_setfield(L, -2, r->name);
    }

    lua_setfield(L, -2, "crypto");

    lua_createtable(L, 0, 1);
    lua_pushnumber(L, (lua_Number) owners);
    lua_pushcclosure(L, faas_jwt_verify, 1);
    lua_setfield(L, -2, "verify");
    lua_setfield(L, -2, "jwt");

    return 0;
}
