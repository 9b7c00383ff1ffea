/*
 * Digests, HMACs and hex over OpenSSL 3, for the plain-C users of digests
 * (SigV4 signing, the invoke cache's keys, function versions) and for
 * faas.crypto: one implementation each.
 */

#ifndef FAAS_DIGEST_H
#define FAAS_DIGEST_H


#include <stddef.h>
#include <stdint.h>
#include <openssl/types.h>


#define FAAS_SHA256_LEN  32


/* writes 2 * len lowercase hex digits into dst (no NUL) */
void faas_hex_encode(char *dst, const unsigned char *src, size_t len);

/* the value of a hex digit (either case), -1 for any other character */
int faas_hex_value(int c);

typedef enum {
    FAAS_MD_SHA1 = 0,
    FAAS_MD_SHA256,
    FAAS_MD_SHA512,
    FAAS_MD_MAX
} faas_md_e;


/* the algorithm, fetched once per process; NULL if OpenSSL has none */
const EVP_MD *faas_md(faas_md_e alg);

/*
 * 0 with the digest or MAC in out (room for EVP_MAX_MD_SIZE) and its
 * length in *n, or -1 when OpenSSL fails (its error queue is cleared).
 * owner: who may reuse the key of its own last HMAC (a state's serial),
 * 0 for nobody: another owner's call always keys the context afresh, so
 * no function can time whether its key is another function's secret.
 */
int faas_digest(faas_md_e alg, const void *data, size_t len,
    unsigned char *out, size_t *n);
int faas_hmac(faas_md_e alg, uint64_t owner, const void *key, size_t klen,
    const void *data, size_t len, unsigned char *out, size_t *n);

#define faas_sha256(data, len, out)                                          \
    faas_digest(FAAS_MD_SHA256, data, len, out, NULL)
#define faas_hmac_sha256(key, klen, data, len, out)                          \
    faas_hmac(FAAS_MD_SHA256, 0, key, klen, data, len, out, NULL)


#endif /* FAAS_DIGEST_H */
