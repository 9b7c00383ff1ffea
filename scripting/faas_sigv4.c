/*
 * AWS Signature Version 4 (faas_sigv4.h).
 *
 * The canonical request is built in one malloc()ed buffer whose size is
 * bounded up front from the input lengths (every input byte becomes at
 * most three), so no step can overflow it and nothing reallocates.  The
 * input is validated first: a value that could end a line or a header
 * (CR, LF, NUL) would let a caller sign something other than what is
 * sent, so it is refused rather than encoded.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>

#include "faas_digest.h"
#include "faas_sigv4.h"


#define FAAS_SIGV4_ALGORITHM     "AWS4-HMAC-SHA256"

/* AWS secret access keys are 40 characters; room to spare */
#define FAAS_SIGV4_MAX_SECRET    128

/* the string to sign: algorithm, date, scope and a hex digest */
#define FAAS_SIGV4_STS_SIZE      256


typedef struct {
    const char                *name;
    size_t                     nlen;
    const char                *value;
    size_t                     vlen;
} faas_sigv4_pair_t;


static int faas_sigv4_date(time_t now, char amz_date[17]);
static int faas_sigv4_token(const faas_str_t *s, size_t max,
    const char *forbidden);
static int faas_sigv4_value(const faas_str_t *s);
static int faas_sigv4_check(const faas_sigv4_req_t *r,
    const faas_aws_creds_t *c);
static char *faas_sigv4_encode(char *p, const char *s, size_t len);
static size_t faas_sigv4_piece(const char **s, const char *end, char sep);
static char *faas_sigv4_path(char *out, const faas_str_t *path);
static int faas_sigv4_pair_cmp(const void *one, const void *two);
static char *faas_sigv4_reencode(char *p, const char *s, size_t len);
static char *faas_sigv4_query(char *p, const faas_str_t *query);
static int faas_sigv4_name_cmp(const faas_str_t *a, const faas_str_t *b);
static char *faas_sigv4_lower(char *p, const faas_str_t *s);
static char *faas_sigv4_trim(char *p, const faas_str_t *v);
static char *faas_sigv4_creq(const faas_sigv4_req_t *r,
    const faas_aws_creds_t *c, const char *amz_date, size_t *len,
    const char **signed_headers, size_t *signed_len);
static int faas_sigv4_sts(const faas_sigv4_req_t *r, const char *amz_date,
    const char *creq, size_t len, char *buf, size_t size);
static int faas_sigv4_same(const char *cached, const faas_str_t *s);
static int faas_sigv4_derive(faas_sigv4_key_t *key,
    const faas_sigv4_req_t *r, const faas_aws_creds_t *c,
    const char *amz_date);


static int
faas_sigv4_date(time_t now, char amz_date[17])
{
    struct tm  tm;

    if (gmtime_r(&now, &tm) == NULL
        || strftime(amz_date, 17, "%Y%m%dT%H%M%SZ", &tm) != 16)
    {
        return -1;
    }

    return 0;
}


/* 1..max printable bytes, none of them space or in forbidden */

static int
faas_sigv4_token(const faas_str_t *s, size_t max, const char *forbidden)
{
    size_t         i;
    unsigned char  ch;

    if (s->len == 0 || s->len > max) {
        return -1;
    }

    for (i = 0; i < s->len; i++) {
        ch = (unsigned char) s->data[i];

        if (ch <= ' ' || ch == 0x7f || strchr(forbidden, ch) != NULL) {
            return -1;
        }
    }

    return 0;
}


/* a header value: anything that cannot end the header */

static int
faas_sigv4_value(const faas_str_t *s)
{
    size_t  i;

    for (i = 0; i < s->len; i++) {
        if (s->data[i] == '\r' || s->data[i] == '\n' || s->data[i] == '\0') {
            return -1;
        }
    }

    return 0;
}


static int
faas_sigv4_check(const faas_sigv4_req_t *r, const faas_aws_creds_t *c)
{
    size_t                i, k, total;
    const faas_header_t  *h;

    static const char  *own[] = {
        "host", "x-amz-date", "x-amz-security-token", "authorization"
    };

    if (faas_sigv4_token(&r->method, 32, "") != 0
        || faas_sigv4_token(&r->host, 1024, "") != 0
        || faas_sigv4_token(&r->region, FAAS_SIGV4_MAX_SCOPE, "/") != 0
        || faas_sigv4_token(&r->service, FAAS_SIGV4_MAX_SCOPE, "/") != 0
        || faas_sigv4_token(&c->access_key, FAAS_SIGV4_MAX_ACCESS_KEY,
                            "/,") != 0
        || c->secret_key.len == 0 || c->secret_key.len > FAAS_SIGV4_MAX_SECRET
        || (c->token.len && faas_sigv4_token(&c->token, c->token.len, "")
                            != 0)
        || (r->path.len && r->path.data[0] != '/')
        || r->nheaders > FAAS_SIGV4_MAX_HEADERS)
    {
        return -1;
    }

    total = r->path.len + r->query.len + r->host.len + c->token.len;

    for (i = 0; i < r->nheaders; i++) {
        h = &r->headers[i];

        if (faas_sigv4_token(&h->lname, 256, ":") != 0
            || faas_sigv4_value(&h->value) != 0)
        {
            return -1;
        }

        for (k = 0; k < sizeof(own) / sizeof(own[0]); k++) {
            if (h->lname.len == strlen(own[k])
                && strncasecmp(h->lname.data, own[k], h->lname.len) == 0)
            {
                return -1;
            }
        }

        total += h->lname.len + h->value.len;
    }

    return total <= FAAS_SIGV4_MAX_INPUT ? 0 : -1;
}


/* RFC 3986 percent-encoding of everything but the unreserved characters */

static char *
faas_sigv4_encode(char *p, const char *s, size_t len)
{
    size_t         i;
    unsigned char  ch;

    static const char  hex[] = "0123456789ABCDEF";

    for (i = 0; i < len; i++) {
        ch = (unsigned char) s[i];

        if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z')
            || (ch >= '0' && ch <= '9')
            || ch == '-' || ch == '.' || ch == '_' || ch == '~')
        {
            *p++ = (char) ch;

        } else {
            *p++ = '%';
            *p++ = hex[ch >> 4];
            *p++ = hex[ch & 0x0f];
        }
    }

    return p;
}


/* the piece of [*s, end) before sep; *s moves past the separator */

static size_t
faas_sigv4_piece(const char **s, const char *end, char sep)
{
    const char  *p, *q;

    p = *s;
    q = memchr(p, sep, end - p);

    if (q == NULL) {
        q = end;
    }

    *s = (q < end) ? q + 1 : end;

    return q - p;
}


/*
 * The canonical URI: empty and "." segments dropped, ".." removing the
 * segment before it (RFC 3986 section 5.2.4, and AWS also collapses
 * repeated slashes), then each segment encoded as it stands.  A trailing
 * slash survives when a segment does.  Writes at most 3 * len + 2 bytes.
 */

static char *
faas_sigv4_path(char *out, const faas_str_t *path)
{
    char        *p;
    size_t       n;
    const char  *s, *seg, *end;

    p = out;
    *p++ = '/';

    s = path->data;
    end = s + path->len;

    while (s < end) {
        seg = s;
        n = faas_sigv4_piece(&s, end, '/');

        if (n == 0 || (n == 1 && seg[0] == '.')) {
            continue;
        }

        if (n == 2 && seg[0] == '.' && seg[1] == '.') {

            /* back to the '/' that separates the last segment written */

            while (p > out + 1 && p[-1] != '/') {
                p--;
            }

            if (p > out + 1) {
                p--;
            }

            continue;
        }

        if (p > out + 1) {
            *p++ = '/';
        }

        p = faas_sigv4_encode(p, seg, n);
    }

    if (p > out + 1 && path->data[path->len - 1] == '/') {
        *p++ = '/';
    }

    return p;
}


/* by encoded name, then by encoded value, byte by byte */

static int
faas_sigv4_pair_cmp(const void *one, const void *two)
{
    int                       rc;
    const faas_sigv4_pair_t  *a, *b;

    a = one;
    b = two;

    rc = memcmp(a->name, b->name, a->nlen < b->nlen ? a->nlen : b->nlen);
    if (rc != 0 || a->nlen != b->nlen) {
        return rc != 0 ? rc : (a->nlen < b->nlen ? -1 : 1);
    }

    rc = memcmp(a->value, b->value, a->vlen < b->vlen ? a->vlen : b->vlen);
    if (rc != 0 || a->vlen == b->vlen) {
        return rc;
    }

    return a->vlen < b->vlen ? -1 : 1;
}


/*
 * Percent-decodes s (a '%' not followed by two hex digits stands for
 * itself) and encodes it again, so that "%7e", "~" and "%7E" sign alike,
 * as the service sees them after decoding.  Writes at most 3 * len.
 */

static char *
faas_sigv4_reencode(char *p, const char *s, size_t len)
{
    int     hi, lo;
    char    ch;
    size_t  i;

    for (i = 0; i < len; i++) {
        ch = s[i];

        if (ch == '%' && i + 2 < len) {
            hi = faas_hex_value((unsigned char) s[i + 1]);
            lo = faas_hex_value((unsigned char) s[i + 2]);

            if (hi >= 0 && lo >= 0) {
                ch = (char) (hi << 4 | lo);
                i += 2;
            }
        }

        p = faas_sigv4_encode(p, &ch, 1);
    }

    return p;
}


/*
 * The canonical query string: each name and value re-encoded, the pairs
 * sorted, "name=value" joined by '&' (a name without '=' gets an empty
 * value; empty pieces between '&'s are no parameters).  Writes at most
 * 4 * len bytes; NULL when out of memory.
 */

static char *
faas_sigv4_query(char *p, const faas_str_t *query)
{
    char               *text, *t;
    size_t              i, n, len, max;
    const char         *s, *end, *piece, *eq;
    faas_sigv4_pair_t  *pairs;

    if (query->len == 0) {
        return p;
    }

    max = 1;
    for (i = 0; i < query->len; i++) {
        max += (query->data[i] == '&');
    }

    pairs = malloc(max * sizeof(faas_sigv4_pair_t));
    text = malloc(3 * query->len);

    if (pairs == NULL || text == NULL) {
        free(pairs);
        free(text);
        return NULL;
    }

    n = 0;
    t = text;
    s = query->data;
    end = s + query->len;

    while (s < end) {
        piece = s;
        len = faas_sigv4_piece(&s, end, '&');

        if (len == 0) {
            continue;
        }

        eq = memchr(piece, '=', len);
        if (eq == NULL) {
            eq = piece + len;
        }

        pairs[n].name = t;
        t = faas_sigv4_reencode(t, piece, eq - piece);
        pairs[n].nlen = t - pairs[n].name;

        pairs[n].value = t;
        if (eq < piece + len) {
            t = faas_sigv4_reencode(t, eq + 1, piece + len - eq - 1);
        }
        pairs[n].vlen = t - pairs[n].value;

        n++;
    }

    qsort(pairs, n, sizeof(faas_sigv4_pair_t), faas_sigv4_pair_cmp);

    for (i = 0; i < n; i++) {
        if (i > 0) {
            *p++ = '&';
        }

        memcpy(p, pairs[i].name, pairs[i].nlen);
        p += pairs[i].nlen;
        *p++ = '=';
        memcpy(p, pairs[i].value, pairs[i].vlen);
        p += pairs[i].vlen;
    }

    free(pairs);
    free(text);

    return p;
}


/* header names compare as they are written: lowercase */

static int
faas_sigv4_name_cmp(const faas_str_t *a, const faas_str_t *b)
{
    int     rc;
    size_t  n;

    n = a->len < b->len ? a->len : b->len;

    rc = strncasecmp(a->data, b->data, n);
    if (rc != 0 || a->len == b->len) {
        return rc;
    }

    return a->len < b->len ? -1 : 1;
}


static char *
faas_sigv4_lower(char *p, const faas_str_t *s)
{
    size_t  i;

    for (i = 0; i < s->len; i++) {
        *p++ = (s->data[i] >= 'A' && s->data[i] <= 'Z') ? s->data[i] | 0x20
                                                       : s->data[i];
    }

    return p;
}


/* leading and trailing blanks dropped, inner runs of blanks made one */

static char *
faas_sigv4_trim(char *p, const faas_str_t *v)
{
    int     blank;
    char   *start;
    size_t  i;

    start = p;
    blank = 0;

    for (i = 0; i < v->len; i++) {
        if (v->data[i] == ' ' || v->data[i] == '\t') {
            blank = (p > start);
            continue;
        }

        if (blank) {
            *p++ = ' ';
            blank = 0;
        }

        *p++ = v->data[i];
    }

    return p;
}


/*
 * Builds the canonical request at amz_date; *signed_headers points into
 * it (the SignedHeaders value, signed_len bytes).
 */

static char *
faas_sigv4_creq(const faas_sigv4_req_t *r, const faas_aws_creds_t *c,
    const char *amz_date, size_t *len, const char **signed_headers,
    size_t *signed_len)
{
    char                 *creq, *p;
    size_t                i, j, n, size;
    unsigned char         hash[FAAS_SHA256_LEN];
    faas_header_t         own[3];
    const faas_header_t  *h[FAAS_SIGV4_MAX_HEADERS + 3], *t;

    if (faas_sigv4_check(r, c) != 0) {
        return NULL;
    }

    own[0].lname.data = "host";
    own[0].lname.len = 4;
    own[0].value = r->host;
    own[1].lname.data = "x-amz-date";
    own[1].lname.len = 10;
    own[1].value.data = amz_date;
    own[1].value.len = 16;
    own[2].lname.data = "x-amz-security-token";
    own[2].lname.len = 20;
    own[2].value = c->token;

    n = 0;
    h[n++] = &own[0];
    h[n++] = &own[1];

    if (c->token.len) {
        h[n++] = &own[2];
    }

    for (i = 0; i < r->nheaders; i++) {
        h[n++] = &r->headers[i];
    }

    /* insertion sort: stable, so repeated headers keep their order */

    for (i = 1; i < n; i++) {
        t = h[i];

        for (j = i; j > 0 && faas_sigv4_name_cmp(&h[j - 1]->lname, &t->lname)
                             > 0; j--)
        {
            h[j] = h[j - 1];
        }

        h[j] = t;
    }

    size = r->method.len + 3 * r->path.len + 4 * r->query.len
           + 2 * FAAS_SHA256_LEN + 16;

    for (i = 0; i < n; i++) {
        size += 2 * h[i]->lname.len + h[i]->value.len + 3;
    }

    creq = malloc(size);
    if (creq == NULL) {
        return NULL;
    }

    p = creq;
    memcpy(p, r->method.data, r->method.len);
    p += r->method.len;
    *p++ = '\n';

    p = faas_sigv4_path(p, &r->path);
    *p++ = '\n';

    p = faas_sigv4_query(p, &r->query);
    if (p == NULL) {
        free(creq);
        return NULL;
    }

    *p++ = '\n';

    for (i = 0; i < n; i = j) {
        p = faas_sigv4_lower(p, &h[i]->lname);
        *p++ = ':';

        for (j = i; j < n && faas_sigv4_name_cmp(&h[j]->lname,
                                                 &h[i]->lname) == 0; j++)
        {
            if (j > i) {
                *p++ = ',';
            }

            p = faas_sigv4_trim(p, &h[j]->value);
        }

        *p++ = '\n';
    }

    *p++ = '\n';
    *signed_headers = p;

    for (i = 0; i < n; i++) {
        if (i > 0 && faas_sigv4_name_cmp(&h[i - 1]->lname, &h[i]->lname)
                     == 0)
        {
            continue;
        }

        if (i > 0) {
            *p++ = ';';
        }

        p = faas_sigv4_lower(p, &h[i]->lname);
    }

    *signed_len = p - *signed_headers;
    *p++ = '\n';

    if (faas_sha256(r->body.data, r->body.len, hash) != 0) {
        free(creq);
        return NULL;
    }

    faas_hex_encode(p, hash, FAAS_SHA256_LEN);
    p += 2 * FAAS_SHA256_LEN;
    *p = '\0';

    *len = p - creq;

    return creq;
}


/* the string to sign into buf; its length, or -1 */

static int
faas_sigv4_sts(const faas_sigv4_req_t *r, const char *amz_date,
    const char *creq, size_t len, char *buf, size_t size)
{
    int            n;
    char           hex[2 * FAAS_SHA256_LEN];
    unsigned char  hash[FAAS_SHA256_LEN];

    if (faas_sha256(creq, len, hash) != 0) {
        return -1;
    }

    faas_hex_encode(hex, hash, FAAS_SHA256_LEN);

    n = snprintf(buf, size, FAAS_SIGV4_ALGORITHM "\n%.16s\n"
                 "%.8s/%.*s/%.*s/aws4_request\n%.64s",
                 amz_date, amz_date, (int) r->region.len, r->region.data,
                 (int) r->service.len, r->service.data, hex);

    return (n < 0 || (size_t) n >= size) ? -1 : n;
}


static int
faas_sigv4_same(const char *cached, const faas_str_t *s)
{
    return strlen(cached) == s->len && memcmp(cached, s->data, s->len) == 0;
}


/*
 * kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" secret, date), region), service),
 * "aws4_request"): four HMACs a day per backend instead of per request.
 */

static int
faas_sigv4_derive(faas_sigv4_key_t *key, const faas_sigv4_req_t *r,
    const faas_aws_creds_t *c, const char *amz_date)
{
    int            rc;
    unsigned char  k[FAAS_SHA256_LEN];
    char           secret[4 + FAAS_SIGV4_MAX_SECRET];

    if (memcmp(key->date, amz_date, 8) == 0 && key->date[8] == '\0'
        && faas_sigv4_same(key->region, &r->region)
        && faas_sigv4_same(key->service, &r->service)
        && faas_sigv4_same(key->access_key, &c->access_key))
    {
        return 0;
    }

    memcpy(secret, "AWS4", 4);
    memcpy(secret + 4, c->secret_key.data, c->secret_key.len);

    rc = faas_hmac_sha256(secret, 4 + c->secret_key.len, amz_date, 8, k);
    rc |= faas_hmac_sha256(k, sizeof(k), r->region.data, r->region.len, k);
    rc |= faas_hmac_sha256(k, sizeof(k), r->service.data, r->service.len, k);
    rc |= faas_hmac_sha256(k, sizeof(k), "aws4_request", 12, key->key);

    /* the secret and the intermediate keys stay out of freed stack */
    OPENSSL_cleanse(secret, sizeof(secret));
    OPENSSL_cleanse(k, sizeof(k));

    if (rc != 0) {
        key->date[0] = '\0';
        return -1;
    }

    memcpy(key->date, amz_date, 8);
    key->date[8] = '\0';
    memcpy(key->region, r->region.data, r->region.len);
    key->region[r->region.len] = '\0';
    memcpy(key->service, r->service.data, r->service.len);
    key->service[r->service.len] = '\0';
    memcpy(key->access_key, c->access_key.data, c->access_key.len);
    key->access_key[c->access_key.len] = '\0';

    return 0;
}


int
faas_sigv4_sign(const faas_sigv4_req_t *r, const faas_aws_creds_t *c,
    faas_sigv4_key_t *key, char *authz, size_t authz_size,
    char amz_date[17])
{
    int             n;
    char           *creq, sts[FAAS_SIGV4_STS_SIZE];
    char            sig[2 * FAAS_SHA256_LEN];
    size_t          len, signed_len;
    const char     *signed_headers;
    unsigned char   mac[FAAS_SHA256_LEN];

    if (faas_sigv4_date(r->now, amz_date) != 0) {
        return -1;
    }

    creq = faas_sigv4_creq(r, c, amz_date, &len, &signed_headers,
                           &signed_len);
    if (creq == NULL) {
        return -1;
    }

    n = faas_sigv4_sts(r, amz_date, creq, len, sts, sizeof(sts));

    if (n < 0
        || faas_sigv4_derive(key, r, c, amz_date) != 0
        || faas_hmac_sha256(key->key, sizeof(key->key), sts, n, mac) != 0)
    {
        free(creq);
        return -1;
    }

    faas_hex_encode(sig, mac, FAAS_SHA256_LEN);

    n = snprintf(authz, authz_size, FAAS_SIGV4_ALGORITHM " Credential="
                 "%.*s/%.8s/%.*s/%.*s/aws4_request, SignedHeaders=%.*s, "
                 "Signature=%.64s",
                 (int) c->access_key.len, c->access_key.data, amz_date,
                 (int) r->region.len, r->region.data,
                 (int) r->service.len, r->service.data,
                 (int) signed_len, signed_headers, sig);

    free(creq);

    return (n < 0 || (size_t) n >= authz_size) ? -1 : 0;
}


char *
faas_sigv4_canonical_request(const faas_sigv4_req_t *r,
    const faas_aws_creds_t *c)
{
    char         amz_date[17];
    size_t       len, signed_len;
    const char  *signed_headers;

    if (faas_sigv4_date(r->now, amz_date) != 0) {
        return NULL;
    }

    return faas_sigv4_creq(r, c, amz_date, &len, &signed_headers,
                           &signed_len);
}


char *
faas_sigv4_string_to_sign(const faas_sigv4_req_t *r, const char *creq)
{
    char  amz_date[17], *sts;

    sts = malloc(FAAS_SIGV4_STS_SIZE);

    if (sts == NULL
        || faas_sigv4_date(r->now, amz_date) != 0
        || faas_sigv4_sts(r, amz_date, creq, strlen(creq), sts,
                          FAAS_SIGV4_STS_SIZE) < 0)
    {
        free(sts);
        return NULL;
    }

    return sts;
}
