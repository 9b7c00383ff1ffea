/*
 * faas_forward: an HTTP request becomes the event an API gateway gives a
 * function, and the function's answer becomes the response (SPEC section
 * 8).  Lambda and http backends get the API Gateway proxy event (REST
 * API, payload format 1.0); OpenWhisk gets the web-action parameters
 * (__ow_method, __ow_headers, __ow_path, __ow_query, __ow_body).  Both
 * answer {statusCode, headers, multiValueHeaders, body,
 * isBase64Encoded}.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "faas_state.h"
#include "faas_lib.h"
#include "faas_digest.h"
#include "faas_backend.h"


typedef struct {
    cJSON                     *headers;     /* name: last value */
    cJSON                     *multi;       /* name: [values], or NULL */
    int                        lower;       /* names lowercased */
} faas_forward_headers_t;


static int faas_forward_header(void *arg, faas_header_t *h);
static int faas_forward_query(cJSON *single, cJSON *multi, faas_str_t *q);
static char *faas_forward_unescape(const char *p, size_t len);
static int faas_forward_body(cJSON *event, const char *name, faas_str_t *body,
    const char *flag);
static int faas_forward_get(const faas_host_t *host, void *req,
    faas_field_e field, char **out);


char *
faas_forward_event(const faas_host_t *host, void *req, faas_proto_e protocol,
    faas_str_t *body, size_t *len)
{
    int                     ok;
    char                   *method, *uri, *query, *ip, *id, *text, *p;
    cJSON                  *ev, *ctx, *idn, *single, *multi;
    faas_str_t              q;
    faas_forward_headers_t  fh;

    text = NULL;
    method = uri = query = ip = id = NULL;

    ev = cJSON_CreateObject();
    if (ev == NULL) {
        return NULL;
    }

    ok = faas_forward_get(host, req, FAAS_FIELD_METHOD, &method) == FAAS_OK
         && faas_forward_get(host, req, FAAS_FIELD_URI, &uri) == FAAS_OK
         && faas_forward_get(host, req, FAAS_FIELD_QUERYSTRING, &query)
            == FAAS_OK
         && faas_forward_get(host, req, FAAS_FIELD_CLIENT_IP, &ip) == FAAS_OK
         && faas_forward_get(host, req, FAAS_FIELD_REQUEST_ID, &id)
            == FAAS_OK;

    if (!ok) {
        goto done;
    }

    fh.lower = (protocol == FAAS_PROTO_OPENWHISK);
    fh.headers = cJSON_CreateObject();
    fh.multi = fh.lower ? NULL : cJSON_CreateObject();

    if (fh.headers == NULL || (!fh.lower && fh.multi == NULL)) {
        cJSON_Delete(fh.headers);
        cJSON_Delete(fh.multi);
        goto done;
    }

    if (protocol == FAAS_PROTO_OPENWHISK) {

        /* web actions get the method in lower case */

        for (p = method; *p; p++) {
            *p = (*p >= 'A' && *p <= 'Z') ? *p | 0x20 : *p;
        }

        cJSON_AddItemToObject(ev, "__ow_headers", fh.headers);

        ok = host->headers(req, FAAS_MSG_REQUEST, NULL, faas_forward_header,
                           &fh)
             == FAAS_OK
             && cJSON_AddStringToObject(ev, "__ow_method", method)
             && cJSON_AddStringToObject(ev, "__ow_path", uri)
             && cJSON_AddStringToObject(ev, "__ow_query", query)
             && faas_forward_body(ev, "__ow_body", body, NULL) == FAAS_OK;

        goto print;
    }

    cJSON_AddItemToObject(ev, "headers", fh.headers);
    cJSON_AddItemToObject(ev, "multiValueHeaders", fh.multi);

    ok = host->headers(req, FAAS_MSG_REQUEST, NULL, faas_forward_header,
                       &fh)
         == FAAS_OK
         && cJSON_AddStringToObject(ev, "resource", "/{proxy+}")
         && cJSON_AddStringToObject(ev, "path", uri)
         && cJSON_AddStringToObject(ev, "httpMethod", method);

    if (!ok) {
        goto done;
    }

    single = cJSON_CreateObject();
    multi = cJSON_CreateObject();

    q.data = query;
    q.len = strlen(query);

    ok = single && multi && faas_forward_query(single, multi, &q) == FAAS_OK;

    if (ok && single->child == NULL) {
        cJSON_Delete(single);
        cJSON_Delete(multi);
        cJSON_AddNullToObject(ev, "queryStringParameters");
        cJSON_AddNullToObject(ev, "multiValueQueryStringParameters");

    } else {
        cJSON_AddItemToObject(ev, "queryStringParameters", single);
        cJSON_AddItemToObject(ev, "multiValueQueryStringParameters", multi);
    }

    ctx = cJSON_AddObjectToObject(ev, "requestContext");
    idn = ctx ? cJSON_AddObjectToObject(ctx, "identity") : NULL;

    ok = ok && idn
         && cJSON_AddNullToObject(ev, "pathParameters")
         && cJSON_AddNullToObject(ev, "stageVariables")
         && cJSON_AddStringToObject(ctx, "httpMethod", method)
         && cJSON_AddStringToObject(ctx, "path", uri)
         && cJSON_AddStringToObject(ctx, "requestId", id)
         && cJSON_AddStringToObject(ctx, "stage", "$default")
         && cJSON_AddStringToObject(idn, "sourceIp", ip)
         && faas_forward_body(ev, "body", body, "isBase64Encoded")
            == FAAS_OK;

print:

    if (ok) {
        text = cJSON_PrintUnformatted(ev);

        if (text) {
            *len = strlen(text);
        }
    }

done:

    cJSON_Delete(ev);
    free(method);
    free(uri);
    free(query);
    free(ip);
    free(id);

    return text;
}


static int
faas_forward_get(const faas_host_t *host, void *req, faas_field_e field,
    char **out)
{
    faas_str_t  v;

    if (host->get(req, field, &v) != FAAS_OK) {
        v.data = "";
        v.len = 0;
    }

    *out = malloc(v.len + 1);
    if (*out == NULL) {
        return FAAS_ERROR;
    }

    if (v.len) {
        memcpy(*out, v.data, v.len);
    }

    (*out)[v.len] = '\0';

    return FAAS_OK;
}


static int
faas_forward_header(void *arg, faas_header_t *h)
{
    int                      ok;
    char                    *name, *value;
    cJSON                   *list, *s;
    faas_str_t              *n;
    faas_forward_headers_t  *fh;

    fh = arg;
    n = fh->lower ? &h->lname : &h->key;

    name = malloc(n->len + 1);
    value = malloc(h->value.len + 1);

    ok = FAAS_ERROR;

    if (name == NULL || value == NULL) {
        goto done;
    }

    memcpy(name, n->data, n->len);
    name[n->len] = '\0';
    memcpy(value, h->value.data, h->value.len);
    value[h->value.len] = '\0';

    /* the last value wins in "headers", as API Gateway does */

    cJSON_DeleteItemFromObjectCaseSensitive(fh->headers, name);

    if (cJSON_AddStringToObject(fh->headers, name, value) == NULL) {
        goto done;
    }

    if (fh->multi) {
        list = cJSON_GetObjectItemCaseSensitive(fh->multi, name);

        if (list == NULL) {
            list = cJSON_AddArrayToObject(fh->multi, name);
        }

        s = cJSON_CreateString(value);

        if (list == NULL || s == NULL) {
            cJSON_Delete(s);
            goto done;
        }

        cJSON_AddItemToArray(list, s);
    }

    ok = FAAS_OK;

done:

    free(name);
    free(value);

    return ok;
}


static int
faas_forward_query(cJSON *single, cJSON *multi, faas_str_t *q)
{
    int          ok;
    char        *k, *v;
    cJSON       *list, *s;
    const char  *p, *end, *amp, *eq;

    p = q->data;
    end = q->data + q->len;

    while (p < end) {
        amp = memchr(p, '&', end - p);
        if (amp == NULL) {
            amp = end;
        }

        if (amp == p) {
            p++;
            continue;
        }

        eq = memchr(p, '=', amp - p);

        k = faas_forward_unescape(p, (eq ? eq : amp) - p);
        v = faas_forward_unescape(eq ? eq + 1 : amp, eq ? amp - eq - 1 : 0);

        ok = 0;

        if (k && v) {
            cJSON_DeleteItemFromObjectCaseSensitive(single, k);
            list = cJSON_GetObjectItemCaseSensitive(multi, k);

            if (list == NULL) {
                list = cJSON_AddArrayToObject(multi, k);
            }

            s = cJSON_CreateString(v);

            if (list && s && cJSON_AddStringToObject(single, k, v)) {
                cJSON_AddItemToArray(list, s);
                ok = 1;

            } else {
                cJSON_Delete(s);
            }
        }

        free(k);
        free(v);

        if (!ok) {
            return FAAS_ERROR;
        }

        p = amp + 1;
    }

    return FAAS_OK;
}


/* %XX and "+" decoded; a bad escape stays as it is; NULs are dropped */

static char *
faas_forward_unescape(const char *p, size_t len)
{
    int     hi, lo;
    char   *out, *o;
    size_t  i;

    out = malloc(len + 1);
    if (out == NULL) {
        return NULL;
    }

    o = out;

    for (i = 0; i < len; i++) {
        if (p[i] == '+') {
            *o++ = ' ';
            continue;
        }

        if (p[i] == '%' && i + 2 < len) {
            hi = faas_hex_value((unsigned char) p[i + 1]);
            lo = faas_hex_value((unsigned char) p[i + 2]);

            if (hi >= 0 && lo >= 0 && (hi | lo)) {
                *o++ = (char) (hi << 4 | lo);
                i += 2;
                continue;
            }
        }

        if (p[i] != '\0') {
            *o++ = p[i];
        }
    }

    *o = '\0';

    return out;
}


/* the body as text when it is UTF-8, else base64, with the flag set */

static int
faas_forward_body(cJSON *event, const char *name, faas_str_t *body,
    const char *flag)
{
    int     b64;
    char   *s;
    size_t  n;
    cJSON  *item;

    if (body == NULL || body->len == 0) {
        item = flag ? cJSON_CreateNull() : cJSON_CreateString("");
        b64 = 0;

    } else {
        b64 = !faas_forward_utf8(body->data, body->len);
        s = malloc(b64 ? (body->len + 2) / 3 * 4 + 1 : body->len + 1);

        if (s == NULL) {
            return FAAS_ERROR;
        }

        if (b64) {
            faas_b64_encode((unsigned char *) body->data, body->len, 0, s,
                            &n);

        } else {
            memcpy(s, body->data, body->len);
            n = body->len;
        }

        s[n] = '\0';
        item = cJSON_CreateString(s);
        free(s);
    }

    if (item == NULL) {
        return FAAS_ERROR;
    }

    cJSON_AddItemToObject(event, name, item);

    if (flag && cJSON_AddBoolToObject(event, flag, b64) == NULL) {
        return FAAS_ERROR;
    }

    return FAAS_OK;
}


/* well-formed UTF-8 without NUL (cJSON strings end at a NUL) */

int
faas_forward_utf8(const char *p, size_t len)
{
    size_t          i, n, k;
    unsigned char   c;
    uint32_t        cp;

    for (i = 0; i < len; i += n) {
        c = (unsigned char) p[i];

        if (c == 0) {
            return 0;
        }

        if (c < 0x80) {
            n = 1;
            continue;
        }

        n = (c >= 0xf0 && c <= 0xf4) ? 4 : (c >= 0xe0) ? 3
            : (c >= 0xc2 && c <= 0xdf) ? 2 : 0;

        if (n == 0 || c >= 0xf5 || i + n > len) {
            return 0;
        }

        cp = c & (0x7f >> n);

        for (k = 1; k < n; k++) {
            c = (unsigned char) p[i + k];

            if ((c & 0xc0) != 0x80) {
                return 0;
            }

            cp = cp << 6 | (c & 0x3f);
        }

        if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)))
            || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
        {
            return 0;
        }
    }

    return 1;
}


static const char  *faas_forward_hop[] = {
    "connection", "keep-alive", "transfer-encoding", "content-length",
    "upgrade", "te", "trailer", "proxy-connection", NULL
};


/* headers go first in the block, then their strings, then the body */

typedef struct {
    faas_header_t             *h;
    size_t                     n;
    char                      *p;
    char                      *err;
    size_t                     errlen;
} faas_forward_out_t;


static void faas_forward_measure(cJSON *obj, size_t *count, size_t *bytes);
static int faas_forward_out_header(faas_forward_out_t *o, const char *name,
    cJSON *value);


int
faas_forward_response(faas_proto_e protocol, faas_str_t *result,
    faas_response_t *resp, void **mem, char *err, size_t errlen)
{
    int                  rc;
    char                *block, *printed;
    size_t               count, bytes, n;
    cJSON               *j, *code, *hs, *mh, *h, *v, *body, *b64;
    const char          *text;
    faas_forward_out_t   o;

    *mem = NULL;
    printed = NULL;
    rc = FAAS_ERROR;

    j = cJSON_ParseWithLength(result->data, result->len);

    if (!cJSON_IsObject(j)) {
        snprintf(err, errlen, "the function's answer is not a JSON object "
                 "with statusCode, headers and body");
        goto done;
    }

    code = cJSON_GetObjectItemCaseSensitive(j, "statusCode");
    hs = cJSON_GetObjectItemCaseSensitive(j, "headers");
    mh = cJSON_GetObjectItemCaseSensitive(j, "multiValueHeaders");
    body = cJSON_GetObjectItemCaseSensitive(j, "body");
    b64 = cJSON_GetObjectItemCaseSensitive(j, "isBase64Encoded");

    memset(resp, 0, sizeof(faas_response_t));
    resp->status = 200;

    /* API Gateway calls an answer without statusCode malformed; an
       OpenWhisk web action's status defaults to 200 */

    if (code == NULL && protocol != FAAS_PROTO_OPENWHISK) {
        snprintf(err, errlen, "the function's answer has no statusCode");
        goto done;
    }

    if (code) {
        if (!cJSON_IsNumber(code) || code->valuedouble < 200
            || code->valuedouble > 599
            || code->valuedouble != (int) code->valuedouble)
        {
            snprintf(err, errlen, "statusCode must be an integer from 200 "
                     "to 599");
            goto done;
        }

        resp->status = (unsigned) code->valueint;
    }

    if ((hs && !cJSON_IsObject(hs)) || (mh && !cJSON_IsObject(mh))) {
        snprintf(err, errlen, "headers and multiValueHeaders must be "
                 "objects");
        goto done;
    }

    /* a body that is not a string is sent as JSON (OpenWhisk allows it) */

    text = NULL;

    if (cJSON_IsString(body)) {
        text = body->valuestring;

    } else if (body && !cJSON_IsNull(body)) {
        printed = cJSON_PrintUnformatted(body);
        if (printed == NULL) {
            snprintf(err, errlen, "out of memory");
            goto done;
        }

        text = printed;
    }

    count = 0;
    bytes = text ? strlen(text) + 1 : 1;
    faas_forward_measure(hs, &count, &bytes);
    faas_forward_measure(mh, &count, &bytes);

    block = malloc(count * sizeof(faas_header_t) + bytes);
    if (block == NULL) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }

    *mem = block;

    o.h = (faas_header_t *) block;
    o.n = 0;
    o.p = block + count * sizeof(faas_header_t);
    o.err = err;
    o.errlen = errlen;

    cJSON_ArrayForEach(h, hs) {
        if (faas_forward_out_header(&o, h->string, h) != FAAS_OK) {
            goto done;
        }
    }

    cJSON_ArrayForEach(h, mh) {
        if (!cJSON_IsArray(h)) {
            snprintf(err, errlen, "multiValueHeaders.%s must be an array",
                     h->string);
            goto done;
        }

        cJSON_ArrayForEach(v, h) {
            if (faas_forward_out_header(&o, h->string, v) != FAAS_OK) {
                goto done;
            }
        }
    }

    resp->headers = o.h;
    resp->nheaders = o.n;

    if (text) {
        n = strlen(text);

        if (cJSON_IsTrue(b64)) {
            if (faas_b64_decode(text, n, 0, 0, (unsigned char *) o.p, &n)
                != 0)
            {
                snprintf(err, errlen, "isBase64Encoded is true but the body "
                         "is not base64");
                goto done;
            }

        } else {
            memcpy(o.p, text, n);
        }

        resp->body.data = o.p;
        resp->body.len = n;
    }

    rc = FAAS_OK;

done:

    free(printed);
    cJSON_Delete(j);

    if (rc != FAAS_OK) {
        free(*mem);
        *mem = NULL;
    }

    return rc;
}


/* an upper bound: each value as text, its name twice (as sent, lower) */

static void
faas_forward_measure(cJSON *obj, size_t *count, size_t *bytes)
{
    cJSON  *h, *v;

    /* every entry once, an array's values too: a header is written
       before its value is found wrong */

    cJSON_ArrayForEach(h, obj) {
        (*count)++;
        *bytes += 2 * strlen(h->string) + 32
                  + (cJSON_IsString(h) ? strlen(h->valuestring) : 0);

        if (cJSON_IsArray(h)) {
            cJSON_ArrayForEach(v, h) {
                (*count)++;
                *bytes += 2 * strlen(h->string) + 32
                          + (cJSON_IsString(v) ? strlen(v->valuestring) : 0);
            }
        }
    }
}


static int
faas_forward_out_header(faas_forward_out_t *o, const char *name,
    cJSON *value)
{
    int             n;
    size_t          i, len;
    faas_header_t  *h;

    len = strlen(name);

    if (!faas_header_name_valid(name, len)) {
        snprintf(o->err, o->errlen, "invalid header name \"%.64s\"", name);
        return FAAS_ERROR;
    }

    h = &o->h[o->n];

    h->key.data = o->p;
    h->key.len = len;
    memcpy(o->p, name, len);
    o->p += len;

    h->lname.data = o->p;
    h->lname.len = len;

    for (i = 0; i < len; i++) {
        o->p[i] = (name[i] >= 'A' && name[i] <= 'Z') ? name[i] | 0x20
                                                     : name[i];
    }

    o->p += len;

    for (i = 0; faas_forward_hop[i]; i++) {
        if (strlen(faas_forward_hop[i]) == len
            && memcmp(faas_forward_hop[i], h->lname.data, len) == 0)
        {
            /* nginx frames the response itself */
            return FAAS_OK;
        }
    }

    h->value.data = o->p;

    if (cJSON_IsString(value)) {
        n = (int) strlen(value->valuestring);
        memcpy(o->p, value->valuestring, n);

    } else if (cJSON_IsNumber(value)) {
        n = snprintf(o->p, 32, "%.17g", value->valuedouble);

    } else if (cJSON_IsBool(value)) {
        n = snprintf(o->p, 32, "%s", cJSON_IsTrue(value) ? "true" : "false");

    } else {
        snprintf(o->err, o->errlen, "header \"%.64s\" must be a string, "
                 "number or boolean", name);
        return FAAS_ERROR;
    }

    h->value.len = n;
    o->p += n;

    if (!faas_header_value_valid(h->value.data, h->value.len)) {
        snprintf(o->err, o->errlen, "invalid value of header \"%.64s\"",
                 name);
        return FAAS_ERROR;
    }

    o->n++;

    return FAAS_OK;
}
