/*
 * SHA-256, HMAC-SHA256 and hex (faas_digest.h).  The one-shot OpenSSL
 * calls allocate and free their own contexts, so nothing outlives a call.
 */

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "faas_digest.h"


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


int
faas_sha256(const void *data, size_t len, unsigned char out[FAAS_SHA256_LEN])
{
    if (EVP_Digest(data, len, out, NULL, EVP_sha256(), NULL) != 1) {
        ERR_clear_error();
        return -1;
    }

    return 0;
}


int
faas_hmac_sha256(const void *key, size_t klen, const void *data, size_t len,
    unsigned char out[FAAS_SHA256_LEN])
{
    if (HMAC(EVP_sha256(), key, (int) klen, data, len, out, NULL) == NULL) {
        ERR_clear_error();
        return -1;
    }

    return 0;
}
