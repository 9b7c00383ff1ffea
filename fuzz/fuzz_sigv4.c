/*
 * SigV4 canonicalisation (scripting/faas_sigv4.c) of hostile requests:
 * path, query, headers and body from the input, split at NUL bytes.  The
 * canonical request must be built twice alike (no state leaks between
 * calls), and signing must not fail where canonicalising succeeded.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scripting/faas_sigv4.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                 i, rc;
    char               *copy, *part[6], *p, *end, *c1, *c2;
    char                *authz, date[17];
    size_t              len[6];
    faas_header_t       h[2];
    faas_aws_creds_t    creds;
    faas_sigv4_key_t    key;
    faas_sigv4_req_t    r;

    copy = malloc(size + 1);
    if (copy == NULL) {
        return 0;
    }

    memcpy(copy, data, size);
    copy[size] = '\0';
    end = copy + size;

    /* path, query, header name, header value, body, session token */

    for (i = 0, p = copy; i < 6; i++) {
        part[i] = p;
        p = memchr(p, '\0', end - p + 1);
        len[i] = p - part[i];
        p = (p < end) ? p + 1 : end;
    }

    memset(&r, 0, sizeof(r));
    r.method.data = "POST";
    r.method.len = 4;
    r.host.data = "lambda.us-east-1.amazonaws.com";
    r.host.len = 30;
    r.path.data = part[0];
    r.path.len = len[0];
    r.query.data = part[1];
    r.query.len = len[1];

    h[0].lname.data = part[2];
    h[0].lname.len = len[2];
    h[0].key = h[0].lname;
    h[0].value.data = part[3];
    h[0].value.len = len[3];
    h[1].lname.data = "content-type";
    h[1].lname.len = 12;
    h[1].key = h[1].lname;
    h[1].value.data = "application/json";
    h[1].value.len = 16;

    r.headers = h;
    r.nheaders = len[2] ? 2 : 1;
    r.headers += len[2] ? 0 : 1;
    r.body.data = part[4];
    r.body.len = len[4];
    r.region.data = "us-east-1";
    r.region.len = 9;
    r.service.data = "lambda";
    r.service.len = 6;
    r.now = 1440938160;

    creds.access_key.data = "AKIDEXAMPLE";
    creds.access_key.len = 11;
    creds.secret_key.data = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    creds.secret_key.len = 40;
    creds.token.data = part[5];
    creds.token.len = len[5];

    c1 = faas_sigv4_canonical_request(&r, &creds);
    c2 = faas_sigv4_canonical_request(&r, &creds);

    if ((c1 == NULL) != (c2 == NULL) || (c1 && strcmp(c1, c2) != 0)) {
        abort();
    }

    /* room for the credential scope and every signed header name */

    authz = malloc(len[2] + 512);
    if (authz == NULL) {
        free(c1);
        free(c2);
        free(copy);
        return 0;
    }

    memset(&key, 0, sizeof(key));
    rc = faas_sigv4_sign(&r, &creds, &key, authz, len[2] + 512, date);

    if (c1 && rc != 0) {
        abort();
    }

    free(authz);
    free(c1);
    free(c2);
    free(copy);

    return 0;
}
