/*
 * Lambda@Edge JSON for faas-run: an event file (AWS's format, with
 * Records[0].cf.config, .request and .response) loaded onto the host's
 * request, the result printed in the same shape, and two results
 * compared for --test (objects by key, arrays in order).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scripting/faas_backend.h"
#include "scripting/faas_lib.h"
#include "tools/faas-run/faas_run.h"


static const char  *faas_run_ssl_names[] = {
    "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", NULL
};


int
faas_run_event_type(const char *name, faas_event_e *event)
{
    int  i;

    for (i = 0; i < FAAS_EVENT_MAX; i++) {
        if (strcmp(faas_event_name((faas_event_e) i), name) == 0) {
            *event = (faas_event_e) i;
            return FAAS_OK;
        }
    }

    return FAAS_ERROR;
}


static int
faas_run_field(faas_run_req_t *r, faas_field_e field, cJSON *o,
    const char *name, char *err, size_t errlen)
{
    cJSON  *v;

    v = cJSON_GetObjectItemCaseSensitive(o, name);
    if (v == NULL) {
        return FAAS_OK;
    }

    if (!cJSON_IsString(v)) {
        snprintf(err, errlen, "\"%s\" is not a string", name);
        return FAAS_ERROR;
    }

    faas_run_set_field(r, field, v->valuestring);

    return FAAS_OK;
}


/* {"name": [{"key": "Name", "value": "v"}, ...], ...} */

static int
faas_run_load_headers(faas_run_headers_t *hs, cJSON *headers, char *err,
    size_t errlen)
{
    cJSON              *name, *e, *k, *v;
    size_t              i;
    faas_run_header_t  *h;

    if (headers == NULL) {
        return FAAS_OK;
    }

    if (!cJSON_IsObject(headers)) {
        snprintf(err, errlen, "\"headers\" is not an object");
        return FAAS_ERROR;
    }

    cJSON_ArrayForEach(name, headers) {
        if (!cJSON_IsArray(name)) {
            snprintf(err, errlen, "header \"%s\" is not an array",
                     name->string);
            return FAAS_ERROR;
        }

        cJSON_ArrayForEach(e, name) {
            k = cJSON_GetObjectItemCaseSensitive(e, "key");
            v = cJSON_GetObjectItemCaseSensitive(e, "value");

            if (!cJSON_IsString(v) || (k != NULL && !cJSON_IsString(k))) {
                snprintf(err, errlen, "header \"%s\" needs a string "
                         "\"value\" (and \"key\")", name->string);
                return FAAS_ERROR;
            }

            if (hs->nelts == hs->nalloc) {
                hs->nalloc = hs->nalloc ? 2 * hs->nalloc : 8;
                hs->elts = realloc(hs->elts,
                                   hs->nalloc * sizeof(faas_run_header_t));
                if (hs->elts == NULL) {
                    fprintf(stderr, "faas-run: out of memory\n");
                    exit(2);
                }
            }

            h = &hs->elts[hs->nelts++];
            h->lname = faas_run_strndup(name->string, strlen(name->string));
            for (i = 0; h->lname[i]; i++) {
                if (h->lname[i] >= 'A' && h->lname[i] <= 'Z') {
                    h->lname[i] |= 0x20;
                }
            }

            h->key = k ? faas_run_strndup(k->valuestring,
                                          strlen(k->valuestring))
                       : faas_run_strndup(name->string,
                                          strlen(name->string));
            h->value = faas_run_strndup(v->valuestring,
                                        strlen(v->valuestring));
            h->value_len = strlen(v->valuestring);
        }
    }

    return FAAS_OK;
}


static int
faas_run_load_origin(faas_run_req_t *r, cJSON *origin, char *err,
    size_t errlen)
{
    int     i;
    cJSON  *custom, *v;

    custom = cJSON_GetObjectItemCaseSensitive(origin, "custom");
    if (custom == NULL) {
        snprintf(err, errlen, "request.origin: only \"custom\" origins "
                 "are supported");
        return FAAS_ERROR;
    }

    r->has_origin = 1;
    r->origin_protocol = faas_run_strndup("https", 5);
    r->origin_domain = faas_run_strndup("", 0);
    r->origin_path = faas_run_strndup("", 0);
    r->origin_port = 443;
    r->origin_read_timeout = 30;
    r->origin_keepalive_timeout = 5;
    r->origin_ssl = FAAS_SSL_TLSV1_2;

#define faas_run_origin_str(name, field)                                      \
    v = cJSON_GetObjectItemCaseSensitive(custom, name);                       \
    if (cJSON_IsString(v)) {                                                  \
        free(r->field);                                                       \
        r->field = faas_run_strndup(v->valuestring, strlen(v->valuestring));  \
    }

#define faas_run_origin_num(name, field)                                      \
    v = cJSON_GetObjectItemCaseSensitive(custom, name);                       \
    if (cJSON_IsNumber(v)) {                                                  \
        r->field = (unsigned) v->valuedouble;                                 \
    }

    faas_run_origin_str("protocol", origin_protocol);
    faas_run_origin_str("domainName", origin_domain);
    faas_run_origin_str("path", origin_path);
    faas_run_origin_num("port", origin_port);
    faas_run_origin_num("readTimeout", origin_read_timeout);
    faas_run_origin_num("keepaliveTimeout", origin_keepalive_timeout);

    v = cJSON_GetObjectItemCaseSensitive(custom, "sslProtocols");
    if (cJSON_IsArray(v)) {
        cJSON  *p;

        r->origin_ssl = 0;

        cJSON_ArrayForEach(p, v) {
            for (i = 0; faas_run_ssl_names[i]; i++) {
                if (cJSON_IsString(p)
                    && strcmp(p->valuestring, faas_run_ssl_names[i]) == 0)
                {
                    r->origin_ssl |= 1 << i;
                }
            }
        }
    }

    return faas_run_load_headers(&r->origin_headers,
               cJSON_GetObjectItemCaseSensitive(custom, "customHeaders"),
               err, errlen);
}


/*
 * A body of the event file: data as encoding says, "base64" (the
 * default, as AWS writes request.body.data) or "text"; NAME is the
 * member's name for the error.
 */

static int
faas_run_load_body(faas_run_req_t *r, faas_msg_e msg, cJSON *data,
    cJSON *encoding, int truncated, const char *name, char *err,
    size_t errlen)
{
    int      rc;
    char    *buf;
    size_t   len;

    if (!cJSON_IsString(data)) {
        snprintf(err, errlen, "%s is not a string", name);
        return FAAS_ERROR;
    }

    len = strlen(data->valuestring);

    if (cJSON_IsString(encoding)
        && strcmp(encoding->valuestring, "text") == 0)
    {
        faas_run_give_body(r, msg, data->valuestring, len, truncated);
        return FAAS_OK;
    }

    if (encoding != NULL
        && !(cJSON_IsString(encoding)
             && strcmp(encoding->valuestring, "base64") == 0))
    {
        snprintf(err, errlen, "the encoding of %s is not \"base64\" or "
                 "\"text\"", name);
        return FAAS_ERROR;
    }

    buf = faas_run_alloc(len / 4 * 3 + 3);

    rc = faas_b64_decode(data->valuestring, len, 0, 0,
                         (unsigned char *) buf, &len);

    if (rc == 0) {
        faas_run_give_body(r, msg, buf, len, truncated);

    } else {
        snprintf(err, errlen, "%s is not valid base64", name);
    }

    free(buf);

    return rc == 0 ? FAAS_OK : FAAS_ERROR;
}


/*
 * Loads Records[0].cf onto r.  The event type comes from
 * config.eventType unless event_set (--event given); r->event must hold
 * it then.
 */

int
faas_run_load_event(faas_run_req_t *r, cJSON *json, int event_set,
    char *err, size_t errlen)
{
    cJSON         *cf, *config, *req, *resp, *type, *origin, *body;
    size_t         max;
    faas_event_e   event;

    cf = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(
             cJSON_GetObjectItemCaseSensitive(json, "Records"), 0), "cf");
    if (!cJSON_IsObject(cf)) {
        snprintf(err, errlen, "no Records[0].cf object");
        return FAAS_ERROR;
    }

    config = cJSON_GetObjectItemCaseSensitive(cf, "config");
    req = cJSON_GetObjectItemCaseSensitive(cf, "request");
    resp = cJSON_GetObjectItemCaseSensitive(cf, "response");

    event = r->event;

    if (!event_set) {
        type = cJSON_GetObjectItemCaseSensitive(config, "eventType");
        if (!cJSON_IsString(type)) {
            snprintf(err, errlen, "no config.eventType (or give --event)");
            return FAAS_ERROR;
        }

        if (faas_run_event_type(type->valuestring, &event) != FAAS_OK) {
            snprintf(err, errlen, "unknown config.eventType \"%s\"",
                     type->valuestring);
            return FAAS_ERROR;
        }
    }

    max = r->body_max;

    faas_run_req_free(r);
    faas_run_req_init(r, event);

    r->body_max = max;

    if (!cJSON_IsObject(req)) {
        snprintf(err, errlen, "no Records[0].cf.request object");
        return FAAS_ERROR;
    }

    if (faas_run_field(r, FAAS_FIELD_REQUEST_ID, config, "requestId", err,
                       errlen) != FAAS_OK
        || faas_run_field(r, FAAS_FIELD_SERVER_NAME, config,
                          "distributionDomainName", err, errlen) != FAAS_OK
        || faas_run_field(r, FAAS_FIELD_CLIENT_IP, req, "clientIp", err,
                          errlen) != FAAS_OK
        || faas_run_field(r, FAAS_FIELD_METHOD, req, "method", err,
                          errlen) != FAAS_OK
        || faas_run_field(r, FAAS_FIELD_URI, req, "uri", err, errlen)
           != FAAS_OK
        || faas_run_field(r, FAAS_FIELD_QUERYSTRING, req, "querystring",
                          err, errlen) != FAAS_OK
        || faas_run_load_headers(&r->headers[FAAS_MSG_REQUEST],
               cJSON_GetObjectItemCaseSensitive(req, "headers"), err,
               errlen) != FAAS_OK)
    {
        return FAAS_ERROR;
    }

    /* request.body: {"inputTruncated", "action", "encoding", "data"} */

    body = cJSON_GetObjectItemCaseSensitive(req, "body");
    if (body
        && faas_run_load_body(r, FAAS_MSG_REQUEST,
               cJSON_GetObjectItemCaseSensitive(body, "data"),
               cJSON_GetObjectItemCaseSensitive(body, "encoding"),
               cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(body,
                                "inputTruncated")),
               "request.body.data", err, errlen) != FAAS_OK)
    {
        return FAAS_ERROR;
    }

    origin = cJSON_GetObjectItemCaseSensitive(req, "origin");
    if (origin && event == FAAS_ORIGIN_REQUEST
        && faas_run_load_origin(r, origin, err, errlen) != FAAS_OK)
    {
        return FAAS_ERROR;
    }

    if (resp && r->has_response) {
        if (faas_run_field(r, FAAS_FIELD_STATUS, resp, "status", err,
                           errlen) != FAAS_OK
            || faas_run_field(r, FAAS_FIELD_STATUS_DESCRIPTION, resp,
                              "statusDescription", err, errlen) != FAAS_OK
            || faas_run_load_headers(&r->headers[FAAS_MSG_RESPONSE],
                   cJSON_GetObjectItemCaseSensitive(resp, "headers"), err,
                   errlen) != FAAS_OK)
        {
            return FAAS_ERROR;
        }

        /* response.body, bodyEncoding: beyond AWS, faas_response_body */

        body = cJSON_GetObjectItemCaseSensitive(resp, "body");
        if (body
            && faas_run_load_body(r, FAAS_MSG_RESPONSE, body,
                   cJSON_GetObjectItemCaseSensitive(resp, "bodyEncoding"),
                   0, "response.body", err, errlen) != FAAS_OK)
        {
            return FAAS_ERROR;
        }
    }

    return FAAS_OK;
}


static cJSON *
faas_run_headers_json(faas_run_headers_t *hs)
{
    size_t              i;
    cJSON              *o, *a, *e;
    faas_run_header_t  *h;

    o = cJSON_CreateObject();

    for (i = 0; i < hs->nelts; i++) {
        h = &hs->elts[i];

        a = cJSON_GetObjectItemCaseSensitive(o, h->lname);
        if (a == NULL) {
            a = cJSON_AddArrayToObject(o, h->lname);
        }

        e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "key", h->key);
        cJSON_AddStringToObject(e, "value", h->value);
        cJSON_AddItemToArray(a, e);
    }

    return o;
}


static cJSON *
faas_run_origin_json(faas_run_req_t *r)
{
    int     i;
    cJSON  *o, *c, *ssl;

    o = cJSON_CreateObject();
    c = cJSON_AddObjectToObject(o, "custom");

    cJSON_AddStringToObject(c, "domainName", r->origin_domain);
    cJSON_AddStringToObject(c, "protocol", r->origin_protocol);
    cJSON_AddNumberToObject(c, "port", r->origin_port);
    cJSON_AddStringToObject(c, "path", r->origin_path);

    ssl = cJSON_AddArrayToObject(c, "sslProtocols");
    for (i = 0; faas_run_ssl_names[i]; i++) {
        if (r->origin_ssl & (1 << i)) {
            cJSON_AddItemToArray(ssl,
                                 cJSON_CreateString(faas_run_ssl_names[i]));
        }
    }

    cJSON_AddNumberToObject(c, "readTimeout", r->origin_read_timeout);
    cJSON_AddNumberToObject(c, "keepaliveTimeout",
                            r->origin_keepalive_timeout);
    cJSON_AddItemToObject(c, "customHeaders",
                          faas_run_headers_json(&r->origin_headers));

    return o;
}


static char *
faas_run_base64(faas_run_body_t *b)
{
    char    *s;
    size_t   n;

    s = faas_run_alloc((b->len + 2) / 3 * 4 + 1);
    faas_b64_encode((unsigned char *) b->data, b->len, 0, s, &n);
    s[n] = '\0';

    return s;
}


/* a response body: text when JSON can hold it, else base64 */

static void
faas_run_response_body_json(cJSON *o, faas_run_body_t *b)
{
    char  *s;

    if (faas_forward_utf8(b->data, b->len)) {
        cJSON_AddStringToObject(o, "body", b->data);
        return;
    }

    s = faas_run_base64(b);

    cJSON_AddStringToObject(o, "body", s);
    cJSON_AddStringToObject(o, "bodyEncoding", "base64");

    free(s);
}


/*
 * request.body as Lambda@Edge writes it, base64; "replace" when the
 * handler replaced it (the body that goes upstream)
 */

static cJSON *
faas_run_request_body_json(faas_run_body_t *b)
{
    char   *s;
    cJSON  *o;

    o = cJSON_CreateObject();
    s = faas_run_base64(b);

    cJSON_AddBoolToObject(o, "inputTruncated", b->truncated);
    cJSON_AddStringToObject(o, "action", b->replaced ? "replace"
                                                     : "read-only");
    cJSON_AddStringToObject(o, "encoding", "base64");
    cJSON_AddStringToObject(o, "data", s);

    free(s);

    return o;
}


/*
 * The result in Lambda@Edge's shape: the generated response, the
 * response of a response event, or the request of a request event.
 */

cJSON *
faas_run_result(faas_run_req_t *r)
{
    cJSON            *o;
    faas_run_body_t  *b;

    o = cJSON_CreateObject();

    if (r->responded || r->has_response) {
        b = &r->bodies[FAAS_MSG_RESPONSE];

        cJSON_AddStringToObject(o, "status", r->fields[FAAS_FIELD_STATUS]);

        if (r->fields[FAAS_FIELD_STATUS_DESCRIPTION][0] != '\0') {
            cJSON_AddStringToObject(o, "statusDescription",
                                    r->fields[FAAS_FIELD_STATUS_DESCRIPTION]);
        }

        cJSON_AddItemToObject(o, "headers",
            faas_run_headers_json(&r->headers[FAAS_MSG_RESPONSE]));

        if ((r->responded && b->len) || b->on || b->replaced) {
            faas_run_response_body_json(o, b);
        }

        return o;
    }

    cJSON_AddStringToObject(o, "clientIp", r->fields[FAAS_FIELD_CLIENT_IP]);
    cJSON_AddStringToObject(o, "method", r->fields[FAAS_FIELD_METHOD]);
    cJSON_AddStringToObject(o, "uri", r->fields[FAAS_FIELD_URI]);
    cJSON_AddStringToObject(o, "querystring",
                            r->fields[FAAS_FIELD_QUERYSTRING]);
    cJSON_AddItemToObject(o, "headers",
                          faas_run_headers_json(&r->headers[FAAS_MSG_REQUEST]));

    if (r->bodies[FAAS_MSG_REQUEST].on) {
        cJSON_AddItemToObject(o, "body",
            faas_run_request_body_json(&r->bodies[FAAS_MSG_REQUEST]));
    }

    if (r->has_origin) {
        cJSON_AddItemToObject(o, "origin", faas_run_origin_json(r));
    }

    return o;
}


/* cJSON_Print() indents with tabs: two spaces per level instead */

char *
faas_run_print(cJSON *json)
{
    int    bol;
    char  *s, *out, *p, *q;

    s = cJSON_Print(json);
    if (s == NULL) {
        return NULL;
    }

    out = faas_run_alloc(2 * strlen(s) + 2);

    for (p = s, q = out, bol = 1; *p; p++) {
        if (*p == '\t') {
            *q++ = ' ';
            if (bol) {
                *q++ = ' ';
            }
            continue;
        }

        bol = *p == '\n';
        *q++ = *p;
    }

    *q++ = '\n';
    *q = '\0';

    cJSON_free(s);

    return out;
}


static void
faas_run_show(cJSON *v, char *buf, size_t len)
{
    char  *s;

    if (v == NULL) {
        snprintf(buf, len, "(none)");
        return;
    }

    s = cJSON_PrintUnformatted(v);
    snprintf(buf, len, "%.*s%s", 60, s, strlen(s) > 60 ? "..." : "");
    cJSON_free(s);
}


/*
 * FAAS_OK when got and want are the same JSON value (object members in
 * any order); else FAAS_ERROR with the first difference in diff, as
 * "PATH: got X, want Y".
 */

int
faas_run_compare(cJSON *got, cJSON *want, char *path, size_t pathlen,
    char *diff, size_t difflen)
{
    int     i, n;
    char    g[80], w[80];
    size_t  len;
    cJSON  *e;

    len = strlen(path);

    if (got == NULL || want == NULL
        || (got->type & 0xff) != (want->type & 0xff))
    {
        goto differ;
    }

    if (cJSON_IsObject(want)) {
        cJSON_ArrayForEach(e, want) {
            snprintf(path + len, pathlen - len, ".%s", e->string);
            if (faas_run_compare(
                    cJSON_GetObjectItemCaseSensitive(got, e->string), e,
                    path, pathlen, diff, difflen) != FAAS_OK)
            {
                return FAAS_ERROR;
            }
        }

        cJSON_ArrayForEach(e, got) {
            if (cJSON_GetObjectItemCaseSensitive(want, e->string) == NULL) {
                snprintf(path + len, pathlen - len, ".%s", e->string);
                faas_run_show(e, g, sizeof(g));
                snprintf(diff, difflen, "%s: got %s, want (none)",
                         path[0] == '.' ? path + 1 : path, g);
                return FAAS_ERROR;
            }
        }

        path[len] = '\0';
        return FAAS_OK;
    }

    if (cJSON_IsArray(want)) {
        n = cJSON_GetArraySize(want);

        if (cJSON_GetArraySize(got) != n) {
            goto differ;
        }

        for (i = 0; i < n; i++) {
            snprintf(path + len, pathlen - len, "[%d]", i);
            if (faas_run_compare(cJSON_GetArrayItem(got, i),
                                 cJSON_GetArrayItem(want, i), path, pathlen,
                                 diff, difflen) != FAAS_OK)
            {
                return FAAS_ERROR;
            }
        }

        path[len] = '\0';
        return FAAS_OK;
    }

    if (cJSON_Compare(got, want, 1)) {
        return FAAS_OK;
    }

differ:

    faas_run_show(got, g, sizeof(g));
    faas_run_show(want, w, sizeof(w));
    snprintf(diff, difflen, "%s: got %s, want %s",
             path[0] == '\0' ? "." : path[0] == '.' ? path + 1 : path, g, w);

    return FAAS_ERROR;
}
