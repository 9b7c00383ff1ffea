/*
 * AWS Signature Version 4 (SPEC section 8, protocol=lambda), plain C over
 * OpenSSL 3, and the AWS shared-credentials file.
 *
 * The signer follows the published algorithm for every service but S3:
 * the path is normalized (dot segments and empty segments removed) and
 * URI-encoded once more as given, so a path already percent-encoded on
 * the wire is encoded twice, as AWS requires; query names and values are
 * percent-decoded and encoded again in RFC 3986 form, then sorted.
 */

#ifndef FAAS_SIGV4_H
#define FAAS_SIGV4_H


#include <stddef.h>
#include <time.h>

#include "faas_runtime.h"


/* ASIA..., AKIA...: AWS allows access key ids of up to 128 characters */
#define FAAS_SIGV4_MAX_ACCESS_KEY   128
#define FAAS_SIGV4_MAX_SCOPE        31      /* region, service */

/* further headers a request may sign (Lambda needs one or two) */
#define FAAS_SIGV4_MAX_HEADERS      64

/* path, query and headers together; the body is only hashed */
#define FAAS_SIGV4_MAX_INPUT        (1024 * 1024)


typedef struct {
    faas_str_t                 access_key;
    faas_str_t                 secret_key;
    faas_str_t                 token;       /* empty: long-term keys */
} faas_aws_creds_t;


/*
 * The signing key of one day, region and service: the caller keeps one
 * per backend, zeroed before the first use, and the signer derives it
 * again only when one of those or the access key changes.
 */
typedef struct {
    char                       date[9];
    char                       region[FAAS_SIGV4_MAX_SCOPE + 1];
    char                       service[FAAS_SIGV4_MAX_SCOPE + 1];
    char                       access_key[FAAS_SIGV4_MAX_ACCESS_KEY + 1];
    unsigned char              key[32];
} faas_sigv4_key_t;


typedef struct {
    faas_str_t                 method;
    faas_str_t                 host;
    faas_str_t                 path;        /* as sent on the wire */
    faas_str_t                 query;       /* as sent, without '?' */

    /* further headers to sign, lname and value; never host, x-amz-date,
       x-amz-security-token or authorization, which the signer owns */
    faas_header_t             *headers;
    size_t                     nheaders;

    faas_str_t                 body;
    faas_str_t                 region;
    faas_str_t                 service;
    time_t                     now;
} faas_sigv4_req_t;


/*
 * Writes "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=...,
 * Signature=..." into authz (NUL-terminated) and the X-Amz-Date value
 * (YYYYMMDDTHHMMSSZ, NUL-terminated) into amz_date.  Signs host,
 * x-amz-date, x-amz-security-token when c->token is set, and r->headers;
 * the caller sends exactly those values and r->body.  Returns 0, or -1
 * for bad input, a small authz buffer or no memory.
 */
int faas_sigv4_sign(const faas_sigv4_req_t *r, const faas_aws_creds_t *c,
    faas_sigv4_key_t *key, char *authz, size_t authz_size,
    char amz_date[17]);

/*
 * The canonical request and the string to sign that faas_sigv4_sign()
 * computes, for tests and fuzzing: malloc()ed, NUL-terminated, NULL for
 * bad input or no memory.
 */
char *faas_sigv4_canonical_request(const faas_sigv4_req_t *r,
    const faas_aws_creds_t *c);
char *faas_sigv4_string_to_sign(const faas_sigv4_req_t *r,
    const char *creq);

/*
 * Reads the profile (NULL: "default") of an AWS shared-credentials file:
 * aws_access_key_id, aws_secret_access_key and the optional
 * aws_session_token.  out points into text.  Returns 0, or -1 with a
 * message ("line N: ...") in err for a malformed file, a missing profile
 * or a missing key.
 */
int faas_aws_credentials_parse(const char *text, size_t len,
    const char *profile, faas_aws_creds_t *out, char *err, size_t errlen);


#endif /* FAAS_SIGV4_H */
