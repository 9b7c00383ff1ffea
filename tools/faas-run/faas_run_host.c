/*
 * The host of faas-run: faas_host_t over one request held in growable
 * arrays of heap strings.  Nothing is truncated but the request body,
 * which is cut to --body-max as faas_body cuts it: a header or a
 * response body of any size the runtime accepts is kept whole.
 */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/faas-run/faas_run.h"


static int faas_run_get(void *req, faas_field_e field, faas_str_t *value);
static int faas_run_headers(void *req, faas_msg_e msg, faas_str_t *lname,
    faas_header_pt cb, void *arg);
static int faas_run_set(void *req, faas_field_e field, faas_str_t *value);
static int faas_run_set_headers(void *req, faas_msg_e msg,
    faas_str_t *lnames, size_t nnames, faas_header_t *h, size_t n);
static int faas_run_respond(void *req, faas_response_t *resp);
static void faas_run_log(void *req, faas_log_e level, const char *msg,
    size_t len);
static int faas_run_geo(void *req, faas_str_t *addr, faas_geo_result_t *res,
    char *err, size_t errlen);
static int faas_run_body(void *req, faas_msg_e msg, faas_body_t *body);
static int faas_run_set_body(void *req, faas_msg_e msg, faas_str_t *data);
static int faas_run_origin(void *req, faas_origin_t *origin);
static int faas_run_set_origin(void *req, faas_origin_t *origin);
static void faas_run_headers_free(faas_run_headers_t *hs);
static faas_run_header_t *faas_run_push(faas_run_headers_t *hs);
static void faas_run_replace(char **p, faas_str_t *s);


const faas_host_t  faas_run_host = {
    faas_run_get,
    faas_run_headers,
    faas_run_set,
    faas_run_set_headers,
    faas_run_respond,
    faas_run_log,
    faas_run_geo,
    faas_run_body,
    faas_run_set_body,
    faas_run_origin,
    faas_run_set_origin,
    NULL,                       /* backend: faas-run calls none */
    NULL                        /* invoked */
};


static const char  *faas_run_levels[] = { "error", "warn", "info", "debug" };


void *
faas_run_alloc(size_t size)
{
    void  *p;

    p = calloc(1, size ? size : 1);
    if (p == NULL) {
        fprintf(stderr, "faas-run: out of memory\n");
        exit(2);
    }

    return p;
}


char *
faas_run_strndup(const char *s, size_t len)
{
    char  *p;

    p = faas_run_alloc(len + 1);
    if (len) {
        memcpy(p, s, len);
    }

    return p;
}


void
faas_run_req_init(faas_run_req_t *r, faas_event_e event)
{
    memset(r, 0, sizeof(faas_run_req_t));

    r->event = event;
    r->has_response = event == FAAS_ORIGIN_RESPONSE
                      || event == FAAS_VIEWER_RESPONSE;

    faas_run_set_field(r, FAAS_FIELD_METHOD, "GET");
    faas_run_set_field(r, FAAS_FIELD_URI, "/");
    faas_run_set_field(r, FAAS_FIELD_QUERYSTRING, "");
    faas_run_set_field(r, FAAS_FIELD_CLIENT_IP, "127.0.0.1");
    faas_run_set_field(r, FAAS_FIELD_STATUS, "200");
    faas_run_set_field(r, FAAS_FIELD_STATUS_DESCRIPTION, "OK");
    faas_run_set_field(r, FAAS_FIELD_SERVER_NAME, "localhost");
    faas_run_set_field(r, FAAS_FIELD_REQUEST_ID, "faas-run");
}


static void
faas_run_headers_free(faas_run_headers_t *hs)
{
    size_t  i;

    for (i = 0; i < hs->nelts; i++) {
        free(hs->elts[i].lname);
        free(hs->elts[i].key);
        free(hs->elts[i].value);
    }

    free(hs->elts);
    memset(hs, 0, sizeof(faas_run_headers_t));
}


void
faas_run_req_free(faas_run_req_t *r)
{
    int  i;

    for (i = 0; i < FAAS_FIELD_MAX; i++) {
        free(r->fields[i]);
    }

    faas_run_headers_free(&r->headers[FAAS_MSG_REQUEST]);
    faas_run_headers_free(&r->headers[FAAS_MSG_RESPONSE]);
    faas_run_headers_free(&r->origin_headers);

    free(r->bodies[FAAS_MSG_REQUEST].data);
    free(r->bodies[FAAS_MSG_RESPONSE].data);
    free(r->origin_protocol);
    free(r->origin_domain);
    free(r->origin_path);
    free(r->origin_fh);
    free(r->log);
}


void
faas_run_set_field(faas_run_req_t *r, faas_field_e field, const char *value)
{
    free(r->fields[field]);
    r->fields[field] = faas_run_strndup(value, strlen(value));
}


static faas_run_header_t *
faas_run_push(faas_run_headers_t *hs)
{
    faas_run_header_t  *elts;

    if (hs->nelts == hs->nalloc) {
        hs->nalloc = hs->nalloc ? 2 * hs->nalloc : 8;
        elts = realloc(hs->elts, hs->nalloc * sizeof(faas_run_header_t));
        if (elts == NULL) {
            fprintf(stderr, "faas-run: out of memory\n");
            exit(2);
        }

        hs->elts = elts;
    }

    return &hs->elts[hs->nelts++];
}


static void
faas_run_add(faas_run_headers_t *hs, const char *key, size_t key_len,
    const char *value, size_t value_len)
{
    size_t              i;
    faas_run_header_t  *h;

    h = faas_run_push(hs);

    h->key = faas_run_strndup(key, key_len);
    h->lname = faas_run_strndup(key, key_len);
    for (i = 0; i < key_len; i++) {
        h->lname[i] = tolower((unsigned char) h->lname[i]);
    }

    h->value = faas_run_strndup(value, value_len);
    h->value_len = value_len;
}


void
faas_run_add_header(faas_run_req_t *r, faas_msg_e msg, const char *key,
    const char *value, size_t value_len)
{
    faas_run_add(&r->headers[msg], key, strlen(key), value, value_len);
}


const char *
faas_run_find_header(faas_run_req_t *r, faas_msg_e msg, const char *lname)
{
    size_t  i;

    for (i = 0; i < r->headers[msg].nelts; i++) {
        if (strcmp(r->headers[msg].elts[i].lname, lname) == 0) {
            return r->headers[msg].elts[i].value;
        }
    }

    return NULL;
}


static int
faas_run_get(void *req, faas_field_e field, faas_str_t *value)
{
    faas_run_req_t  *r = req;

    if (r->fields[field] == NULL) {
        return FAAS_ERROR;
    }

    value->data = r->fields[field];
    value->len = strlen(r->fields[field]);

    return FAAS_OK;
}


static int
faas_run_headers(void *req, faas_msg_e msg, faas_str_t *lname,
    faas_header_pt cb, void *arg)
{
    size_t              i;
    faas_header_t       h;
    faas_run_req_t     *r = req;
    faas_run_header_t  *e;

    for (i = 0; i < r->headers[msg].nelts; i++) {
        e = &r->headers[msg].elts[i];

        h.lname.data = e->lname;
        h.lname.len = strlen(e->lname);

        if (lname && (lname->len != h.lname.len
                      || memcmp(lname->data, h.lname.data, h.lname.len)))
        {
            continue;
        }
        h.key.data = e->key;
        h.key.len = strlen(e->key);
        h.value.data = e->value;
        h.value.len = e->value_len;

        if (cb(arg, &h) != FAAS_OK) {
            return FAAS_ERROR;
        }
    }

    return FAAS_OK;
}


static int
faas_run_set(void *req, faas_field_e field, faas_str_t *value)
{
    faas_run_req_t  *r = req;

    faas_run_replace(&r->fields[field], value);

    return FAAS_OK;
}


static int
faas_run_set_headers(void *req, faas_msg_e msg, faas_str_t *lnames,
    size_t nnames, faas_header_t *h, size_t n)
{
    size_t               i, j, k;
    faas_run_req_t      *r = req;
    faas_run_headers_t  *hs;

    hs = &r->headers[msg];

    for (i = 0, j = 0; i < hs->nelts; i++) {
        for (k = 0; k < nnames; k++) {
            if (strlen(hs->elts[i].lname) == lnames[k].len
                && memcmp(hs->elts[i].lname, lnames[k].data, lnames[k].len)
                   == 0)
            {
                break;
            }
        }

        if (k < nnames) {
            free(hs->elts[i].lname);
            free(hs->elts[i].key);
            free(hs->elts[i].value);
            continue;
        }

        hs->elts[j++] = hs->elts[i];
    }

    hs->nelts = j;

    for (i = 0; i < n; i++) {
        faas_run_add(hs, h[i].key.data, h[i].key.len, h[i].value.data,
                     h[i].value.len);
    }

    return FAAS_OK;
}


static int
faas_run_respond(void *req, faas_response_t *resp)
{
    char             status[16];
    size_t           i;
    faas_run_req_t  *r = req;

    r->responded = 1;

    snprintf(status, sizeof(status), "%u", resp->status);
    faas_run_set_field(r, FAAS_FIELD_STATUS, status);

    faas_run_replace(&r->fields[FAAS_FIELD_STATUS_DESCRIPTION],
                     &resp->description);

    faas_run_headers_free(&r->headers[FAAS_MSG_RESPONSE]);

    for (i = 0; i < resp->nheaders; i++) {
        faas_run_add(&r->headers[FAAS_MSG_RESPONSE],
                     resp->headers[i].key.data, resp->headers[i].key.len,
                     resp->headers[i].value.data,
                     resp->headers[i].value.len);
    }

    faas_run_replace(&r->bodies[FAAS_MSG_RESPONSE].data, &resp->body);
    r->bodies[FAAS_MSG_RESPONSE].len = resp->body.len;

    return FAAS_OK;
}


static void
faas_run_log(void *req, faas_log_e level, const char *msg, size_t len)
{
    char            *p;
    size_t           n;
    faas_run_req_t  *r = req;

    if (!r->quiet) {
        fprintf(stderr, "[%s] %.*s\n", faas_run_levels[level], (int) len,
                msg);
        return;
    }

    n = strlen(faas_run_levels[level]) + len + 4;

    p = realloc(r->log, r->log_len + n + 1);
    if (p == NULL) {
        return;
    }

    r->log = p;
    r->log_len += snprintf(r->log + r->log_len, n + 1, "[%s] %.*s\n",
                           faas_run_levels[level], (int) len, msg);
}


static int
faas_run_geo(void *req, faas_str_t *addr, faas_geo_result_t *res, char *err,
    size_t errlen)
{
    faas_run_req_t  *r = req;

    if (r->geo == NULL) {
        return FAAS_DECLINED;
    }

    if (addr == NULL) {
        return faas_geo_lookup(r->geo, r->fields[FAAS_FIELD_CLIENT_IP],
                               strlen(r->fields[FAAS_FIELD_CLIENT_IP]), res,
                               err, errlen);
    }

    return faas_geo_lookup(r->geo, addr->data, addr->len, res, err, errlen);
}


/*
 * The body a handler sees: the request body of --body, --body-file or
 * the event file (faas_body on, max --body-max), the response body of
 * --response-body (faas_response_body, large enough to hold it).
 */

void
faas_run_give_body(faas_run_req_t *r, faas_msg_e msg, const char *data,
    size_t len, int truncated)
{
    faas_run_body_t  *b;

    b = &r->bodies[msg];

    b->on = 1;
    b->max = (msg == FAAS_MSG_REQUEST) ? r->body_max : len;
    b->truncated = truncated || len > b->max;
    b->len = (len > b->max) ? b->max : len;

    free(b->data);
    b->data = faas_run_strndup(data, b->len);
}


static int
faas_run_body(void *req, faas_msg_e msg, faas_body_t *body)
{
    faas_run_req_t   *r = req;
    faas_run_body_t  *b;

    b = &r->bodies[msg];

    if (!b->on) {
        return FAAS_DECLINED;
    }

    body->data.data = b->data;
    body->data.len = b->len;
    body->max = b->max;
    body->truncated = b->truncated;

    return FAAS_OK;
}


/*
 * A replaced body, whole (the runtime checked its size); as nginx does,
 * a Content-Length header of the message follows it.  An origin-response
 * may replace a body it was not shown: it is printed, still not shown.
 */

static int
faas_run_set_body(void *req, faas_msg_e msg, faas_str_t *data)
{
    char                len[32];
    size_t              i;
    faas_run_req_t     *r = req;
    faas_run_body_t    *b;
    faas_run_header_t  *h;

    b = &r->bodies[msg];

    faas_run_replace(&b->data, data);
    b->len = data->len;
    b->truncated = 0;
    b->replaced = 1;

    for (i = 0; i < r->headers[msg].nelts; i++) {
        h = &r->headers[msg].elts[i];

        if (strcmp(h->lname, "content-length") == 0) {
            h->value_len = snprintf(len, sizeof(len), "%zu", data->len);
            free(h->value);
            h->value = faas_run_strndup(len, h->value_len);
        }
    }

    return FAAS_OK;
}


static int
faas_run_origin(void *req, faas_origin_t *o)
{
    size_t               i;
    faas_run_req_t      *r = req;
    faas_run_header_t   *e;

    if (!r->has_origin) {
        return FAAS_DECLINED;
    }

    o->protocol.data = r->origin_protocol;
    o->protocol.len = strlen(r->origin_protocol);
    o->domain.data = r->origin_domain;
    o->domain.len = strlen(r->origin_domain);
    o->path.data = r->origin_path;
    o->path.len = strlen(r->origin_path);
    o->port = r->origin_port;
    o->read_timeout = r->origin_read_timeout;
    o->keepalive_timeout = r->origin_keepalive_timeout;
    o->ssl_protocols = r->origin_ssl;

    free(r->origin_fh);
    r->origin_fh = faas_run_alloc(r->origin_headers.nelts
                                  * sizeof(faas_header_t));

    for (i = 0; i < r->origin_headers.nelts; i++) {
        e = &r->origin_headers.elts[i];
        r->origin_fh[i].lname.data = e->lname;
        r->origin_fh[i].lname.len = strlen(e->lname);
        r->origin_fh[i].key.data = e->key;
        r->origin_fh[i].key.len = strlen(e->key);
        r->origin_fh[i].value.data = e->value;
        r->origin_fh[i].value.len = e->value_len;
    }

    o->headers = r->origin_fh;
    o->nheaders = r->origin_headers.nelts;

    return FAAS_OK;
}


static int
faas_run_set_origin(void *req, faas_origin_t *o)
{
    size_t               i;
    faas_run_req_t      *r = req;
    faas_run_headers_t   hs;

    /* o may point into the origin it replaces: copy first, then free */

    memset(&hs, 0, sizeof(faas_run_headers_t));

    for (i = 0; i < o->nheaders; i++) {
        faas_run_add(&hs, o->headers[i].key.data, o->headers[i].key.len,
                     o->headers[i].value.data, o->headers[i].value.len);
    }

    faas_run_headers_free(&r->origin_headers);
    r->origin_headers = hs;

    faas_run_replace(&r->origin_protocol, &o->protocol);
    faas_run_replace(&r->origin_domain, &o->domain);
    faas_run_replace(&r->origin_path, &o->path);

    r->has_origin = 1;
    r->origin_port = o->port;
    r->origin_read_timeout = o->read_timeout;
    r->origin_keepalive_timeout = o->keepalive_timeout;
    r->origin_ssl = o->ssl_protocols;

    return FAAS_OK;
}


static void
faas_run_replace(char **p, faas_str_t *s)
{
    char  *old;

    old = *p;
    *p = faas_run_strndup(s->data, s->len);
    free(old);
}
