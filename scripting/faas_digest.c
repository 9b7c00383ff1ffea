/*
 * Digests, HMACs and hex (faas_digest.h).  OpenSSL 3's one-shot calls
 * (EVP_Digest() of EVP_sha256(), HMAC()) fetch the algorithm from the
 * provider and make a context on every call, which costs more than
 * hashing a short input (docs/performance.md: the invoke cache's key
 * 5,707 -> 2,958 instructions).  Here the algorithms are fetched once
 * per process and the contexts are kept and reused: a worker runs one
 * digest at a time, and none runs inside another.  What is kept lives
 * as long as the process.
 */

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "faas_digest.h"


static const char   *faas_md_names[FAAS_MD_MAX] = {
    "SHA1", "SHA256", "SHA512"
};

/*
 * An HMAC context keeps its key: keying it costs two hash compressions
 * and the copies of three digest contexts (8,800 instructions), so a call
 * with the key of the last call of its algorithm (a function verifying
 * tokens with its one secret) starts again from the keyed state.  The
 * last key is kept when it fits, with its owner: only the same owner's
 * calls compare with it (see faas_digest.h).
 */
#define FAAS_MAC_KEY_MAX  128

typedef struct {
    EVP_MAC_CTX              *ctx;
    uint64_t                  owner;
    size_t                    klen;
    unsigned                  keyed:1;      /* key[] is the ctx's key */
    unsigned char             key[FAAS_MAC_KEY_MAX];
} faas_mac_t;


static EVP_MD       *faas_mds[FAAS_MD_MAX];
static EVP_MD_CTX   *faas_md_ctx;
static faas_mac_t    faas_macs[FAAS_MD_MAX];


void
faas_hex_encode(char *dst, const unsigned char *src, size_t len)
{
    size_t  i;

    static const char  hex[] = "0123456789abcdef";

    for (i = 0; i < len; i++) {
        dst[2 * i] = hex[src[i] >> 4];
        dst[2 * i + 1] = hex[src[i] & 0x0f];
    }
}


int
faas_hex_value(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }

    c |= 0x20;

    return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}


const EVP_MD *
faas_md(faas_md_e alg)
{
    if (faas_mds[alg] == NULL) {
        faas_mds[alg] = EVP_MD_fetch(NULL, faas_md_names[alg], NULL);
    }

    return faas_mds[alg];
}


int
faas_digest(faas_md_e alg, const void *data, size_t len, unsigned char *out,
    size_t *n)
{
    unsigned int   mdlen;
    const EVP_MD  *md;

    md = faas_md(alg);

    if (md == NULL) {
        goto failed;
    }

    if (faas_md_ctx == NULL) {
        faas_md_ctx = EVP_MD_CTX_new();
        if (faas_md_ctx == NULL) {
            goto failed;
        }
    }

    if (EVP_DigestInit_ex2(faas_md_ctx, md, NULL) != 1
        || EVP_DigestUpdate(faas_md_ctx, data, len) != 1
        || EVP_DigestFinal_ex(faas_md_ctx, out, &mdlen) != 1)
    {
        goto failed;
    }

    if (n) {
        *n = mdlen;
    }

    return 0;

failed:

    ERR_clear_error();
    return -1;
}


int
faas_hmac(faas_md_e alg, uint64_t owner, const void *key, size_t klen,
    const void *data, size_t len, unsigned char *out, size_t *n)
{
    int          same;
    size_t       maclen;
    EVP_MAC     *mac;
    OSSL_PARAM   params[2];
    faas_mac_t  *m;

    m = &faas_macs[alg];

    if (m->ctx == NULL) {
        mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
        if (mac == NULL) {
            goto failed;
        }

        /* the context holds its own reference to the algorithm */

        m->ctx = EVP_MAC_CTX_new(mac);
        EVP_MAC_free(mac);

        if (m->ctx == NULL) {
            goto failed;
        }

        params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                              (char *) faas_md_names[alg], 0);
        params[1] = OSSL_PARAM_construct_end();

        if (EVP_MAC_CTX_set_params(m->ctx, params) != 1) {
            EVP_MAC_CTX_free(m->ctx);
            m->ctx = NULL;
            goto failed;
        }
    }

    same = m->keyed && owner != 0 && owner == m->owner && klen == m->klen
           && CRYPTO_memcmp(key, m->key, klen) == 0;

    /* a NULL key keeps the context's key: an empty one is "" */

    if (EVP_MAC_init(m->ctx, same ? NULL : (klen ? key : (const void *) ""),
                     same ? 0 : klen, NULL)
        != 1)
    {
        m->keyed = 0;
        goto failed;
    }

    if (!same) {
        m->keyed = (owner != 0 && klen <= FAAS_MAC_KEY_MAX);
        m->owner = owner;
        m->klen = klen;

        if (m->keyed) {
            memcpy(m->key, key, klen);
        }
    }

    if (EVP_MAC_update(m->ctx, data, len) != 1
        || EVP_MAC_final(m->ctx, out, &maclen, EVP_MAX_MD_SIZE) != 1)
    {
        goto failed;
    }

    if (n) {
        *n = maclen;
    }

    return 0;

failed:

    ERR_clear_error();
    return -1;
}
