/*
 * SHA-256, HMAC-SHA256 and hex over OpenSSL 3, for the plain-C users of
 * digests (SigV4 signing) and for faas.crypto: one implementation each.
 */

#ifndef FAAS_DIGEST_H
#define FAAS_DIGEST_H


#include <stddef.h>


#define FAAS_SHA256_LEN  32


/* writes 2 * len lowercase hex digits into dst (no NUL) */
void faas_hex_encode(char *dst, const unsigned char *src, size_t len);

/* the value of a hex digit (either case), -1 for any other character */
int faas_hex_value(int c);

/* 0, or -1 when OpenSSL fails (its error queue is cleared) */
int faas_sha256(const void *data, size_t len,
    unsigned char out[FAAS_SHA256_LEN]);
int faas_hmac_sha256(const void *key, size_t klen, const void *data,
    size_t len, unsigned char out[FAAS_SHA256_LEN]);


#endif /* FAAS_DIGEST_H */
