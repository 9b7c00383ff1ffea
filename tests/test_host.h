/*
 * An in-memory host for the unit tests: one request and one response held
 * in plain arrays, and the log lines the runtime wrote.
 */

#ifndef TEST_HOST_H
#define TEST_HOST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "scripting/faas_runtime.h"
#include "scripting/faas_backend.h"

#define TH_MAX  32


typedef struct {
    char              lname[64];
    char              key[64];
    char              value[256];
} th_header_t;


typedef struct {
    char              fields[FAAS_FIELD_MAX][256];
    th_header_t       hdrs[2][TH_MAX];
    int               nhdrs[2];
    int               responded;
    unsigned          status;
    char              body[4096];
    char              log[8192];

    /* faas_body: the request body when body_on, its cap, replacements */
    int               body_on;
    char              req_body[4096];
    size_t            req_body_len;
    size_t            body_max;
    int               body_replaced;

    /* a response body the host exposes when resp_body_on */
    int               resp_body_on;
    char              resp_body[4096];
    size_t            resp_body_len;
    int               resp_body_replaced;

    /* faas_origin when origin_on; origin_set counts set_origin calls */
    int               origin_on;
    int               origin_set;
    char              origin_protocol[8];
    char              origin_domain[256];
    char              origin_path[256];
    unsigned          origin_port;
    unsigned          origin_read_timeout;
    unsigned          origin_keepalive_timeout;
    unsigned          origin_ssl;
    th_header_t       origin_hdrs[4];
    faas_header_t     origin_fh[4];
    int               norigin_hdrs;
} th_req_t;


static inline int
th_get(void *req, faas_field_e f, faas_str_t *v)
{
    th_req_t  *r = req;

    v->data = r->fields[f];
    v->len = strlen(r->fields[f]);
    return FAAS_OK;
}


static int
th_headers(void *req, faas_msg_e m, faas_str_t *lname, faas_header_pt cb,
    void *arg)
{
    int            i;
    th_req_t      *r = req;
    faas_header_t  h;

    for (i = 0; i < r->nhdrs[m]; i++) {
        h.lname.data = r->hdrs[m][i].lname;
        h.lname.len = strlen(h.lname.data);

        if (lname && (lname->len != h.lname.len
                      || memcmp(lname->data, h.lname.data, h.lname.len)))
        {
            continue;
        }

        h.key.data = r->hdrs[m][i].key;
        h.key.len = strlen(h.key.data);
        h.value.data = r->hdrs[m][i].value;
        h.value.len = strlen(h.value.data);
        cb(arg, &h);
    }
    return FAAS_OK;
}


static int
th_set(void *req, faas_field_e f, faas_str_t *v)
{
    th_req_t  *r = req;

    snprintf(r->fields[f], sizeof(r->fields[f]), "%.*s", (int) v->len,
             v->data);
    return FAAS_OK;
}


static void
th_add(th_req_t *r, faas_msg_e m, const char *lname, const char *key,
    const char *value, size_t vlen)
{
    th_header_t  *h;

    /* a full host drops the rest: the fuzzers add what the input says */
    if (r->nhdrs[m] == TH_MAX) {
        return;
    }

    h = &r->hdrs[m][r->nhdrs[m]++];

    snprintf(h->lname, sizeof(h->lname), "%s", lname);
    snprintf(h->key, sizeof(h->key), "%s", key);
    snprintf(h->value, sizeof(h->value), "%.*s", (int) vlen, value);
}


static int
th_set_headers(void *req, faas_msg_e m, faas_str_t *lnames, size_t nnames,
    faas_header_t *h, size_t n)
{
    int        i, j;
    size_t     k;
    th_req_t  *r = req;

    for (i = 0, j = 0; i < r->nhdrs[m]; i++) {
        for (k = 0; k < nnames; k++) {
            if (strlen(r->hdrs[m][i].lname) == lnames[k].len
                && memcmp(r->hdrs[m][i].lname, lnames[k].data,
                          lnames[k].len) == 0)
            {
                break;
            }
        }

        if (k < nnames) {
            continue;
        }
        r->hdrs[m][j++] = r->hdrs[m][i];
    }
    r->nhdrs[m] = j;

    for (k = 0; k < n; k++) {
        char  ln[64], key[64];

        snprintf(ln, sizeof(ln), "%.*s", (int) h[k].lname.len,
                 h[k].lname.data);
        snprintf(key, sizeof(key), "%.*s", (int) h[k].key.len,
                 h[k].key.data);
        th_add(r, m, ln, key, h[k].value.data, h[k].value.len);
    }
    return FAAS_OK;
}


static int
th_respond(void *req, faas_response_t *resp)
{
    size_t     k;
    th_req_t  *r = req;

    r->responded = 1;
    r->status = resp->status;
    snprintf(r->body, sizeof(r->body), "%.*s", (int) resp->body.len,
             resp->body.data);
    r->nhdrs[FAAS_MSG_RESPONSE] = 0;

    for (k = 0; k < resp->nheaders; k++) {
        char  ln[64], key[64];

        snprintf(ln, sizeof(ln), "%.*s", (int) resp->headers[k].lname.len,
                 resp->headers[k].lname.data);
        snprintf(key, sizeof(key), "%.*s", (int) resp->headers[k].key.len,
                 resp->headers[k].key.data);
        th_add(r, FAAS_MSG_RESPONSE, ln, key, resp->headers[k].value.data,
               resp->headers[k].value.len);
    }
    return FAAS_OK;
}


static void
th_log(void *req, faas_log_e level, const char *msg, size_t len)
{
    th_req_t  *r = req;
    size_t     used = strlen(r->log);

    (void) level;
    snprintf(r->log + used, sizeof(r->log) - used, "%.*s\n", (int) len,
             msg);
}


/* the databases of faas.geo; NULL: none configured */
static faas_geo_t  *th_geo_db;


static int
th_geo(void *req, faas_str_t *addr, faas_geo_result_t *res, char *err,
    size_t errlen)
{
    th_req_t  *r = req;

    if (th_geo_db == NULL) {
        return FAAS_DECLINED;
    }

    if (addr == NULL) {
        return faas_geo_lookup(th_geo_db, r->fields[FAAS_FIELD_CLIENT_IP],
                               strlen(r->fields[FAAS_FIELD_CLIENT_IP]), res,
                               err, errlen);
    }

    return faas_geo_lookup(th_geo_db, addr->data, addr->len, res, err,
                           errlen);
}


static int
th_body(void *req, faas_msg_e m, faas_body_t *b)
{
    th_req_t  *r = req;

    if (m == FAAS_MSG_RESPONSE) {
        if (!r->resp_body_on) {
            return FAAS_DECLINED;
        }

        b->data.data = r->resp_body;
        b->data.len = r->resp_body_len;
        b->max = sizeof(r->resp_body);
        b->truncated = 0;
        return FAAS_OK;
    }

    if (!r->body_on) {
        return FAAS_DECLINED;
    }

    b->data.data = r->req_body;
    b->max = r->body_max;
    b->truncated = r->req_body_len > r->body_max;
    b->data.len = b->truncated ? r->body_max : r->req_body_len;
    return FAAS_OK;
}


static int
th_set_body(void *req, faas_msg_e m, faas_str_t *data)
{
    th_req_t  *r = req;

    if (m == FAAS_MSG_RESPONSE) {
        r->resp_body_len = data->len < sizeof(r->resp_body)
                           ? data->len : sizeof(r->resp_body);
        memcpy(r->resp_body, data->data, r->resp_body_len);
        r->resp_body_replaced++;
        return FAAS_OK;
    }

    r->req_body_len = data->len < sizeof(r->req_body)
                      ? data->len : sizeof(r->req_body);
    memcpy(r->req_body, data->data, r->req_body_len);
    r->body_replaced++;
    return FAAS_OK;
}


static int
th_origin(void *req, faas_origin_t *o)
{
    int        i;
    th_req_t  *r = req;

    if (!r->origin_on) {
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

    for (i = 0; i < r->norigin_hdrs; i++) {
        r->origin_fh[i].lname.data = r->origin_hdrs[i].lname;
        r->origin_fh[i].lname.len = strlen(r->origin_hdrs[i].lname);
        r->origin_fh[i].key.data = r->origin_hdrs[i].key;
        r->origin_fh[i].key.len = strlen(r->origin_hdrs[i].key);
        r->origin_fh[i].value.data = r->origin_hdrs[i].value;
        r->origin_fh[i].value.len = strlen(r->origin_hdrs[i].value);
    }

    o->headers = r->origin_fh;
    o->nheaders = r->norigin_hdrs;
    return FAAS_OK;
}


static int
th_set_origin(void *req, faas_origin_t *o)
{
    size_t     i;
    th_req_t  *r = req;

    r->origin_set++;
    snprintf(r->origin_protocol, sizeof(r->origin_protocol), "%.*s",
             (int) o->protocol.len, o->protocol.data);
    snprintf(r->origin_domain, sizeof(r->origin_domain), "%.*s",
             (int) o->domain.len, o->domain.data);
    snprintf(r->origin_path, sizeof(r->origin_path), "%.*s",
             (int) o->path.len, o->path.data);
    r->origin_port = o->port;
    r->origin_read_timeout = o->read_timeout;
    r->origin_keepalive_timeout = o->keepalive_timeout;
    r->origin_ssl = o->ssl_protocols;
    r->norigin_hdrs = 0;

    for (i = 0; i < o->nheaders && i < 4; i++) {
        th_header_t  *h = &r->origin_hdrs[r->norigin_hdrs++];

        snprintf(h->lname, sizeof(h->lname), "%.*s",
                 (int) o->headers[i].lname.len, o->headers[i].lname.data);
        snprintf(h->key, sizeof(h->key), "%.*s",
                 (int) o->headers[i].key.len, o->headers[i].key.data);
        snprintf(h->value, sizeof(h->value), "%.*s",
                 (int) o->headers[i].value.len, o->headers[i].value.data);
    }

    return FAAS_OK;
}


/* a custom origin as faas_origin https://example.org would give */

static inline void
th_origin_init(th_req_t *r, const char *domain)
{
    r->origin_on = 1;
    strcpy(r->origin_protocol, "https");
    snprintf(r->origin_domain, sizeof(r->origin_domain), "%s", domain);
    r->origin_path[0] = '\0';
    r->origin_port = 443;
    r->origin_read_timeout = 30;
    r->origin_keepalive_timeout = 5;
    r->origin_ssl = FAAS_SSL_TLSV1_2;
}


/* writes text to DIR/NAME.EXT (path: its name); a failure stops the test */
static inline void
th_write(const char *dir, const char *name, const char *ext,
    const char *text, char *path, size_t size)
{
    FILE  *f;

    mkdir(dir, 0700);
    snprintf(path, size, "%s/%s.%s", dir, name, ext);

    f = fopen(path, "wb");
    if (f == NULL) {
        perror(path);
        exit(1);
    }

    fputs(text, f);
    fclose(f);
}


/*
 * Writes src to DIR/NAME.lua and compiles it with conf, whose limits the
 * caller set (name and path are set here).  With err, a function that
 * does not compile is NULL and the reason is in err; without, the test
 * stops: it has nothing to test without its function.
 */
static inline faas_function_t *
th_function(const char *dir, const char *name, const char *src,
    faas_function_conf_t *conf, char *err, size_t errlen)
{
    char              path[256], buf[512];
    faas_function_t  *fn;

    th_write(dir, name, "lua", src, path, sizeof(path));

    conf->name.data = name;
    conf->name.len = strlen(name);
    conf->path = path;

    fn = faas_function_create(conf, err ? err : buf,
                              err ? errlen : sizeof(buf));

    if (fn == NULL && err == NULL) {
        fprintf(stderr, "%s: %s\n", name, buf);
        exit(1);
    }

    return fn;
}


/*
 * A backend for the tests and fuzzers of the regional tier: location
 * /_be, region us-east-1, the defaults of faas_backend; creds (or NULL)
 * is written to DIR/NAME.cred as its credentials file.  tune (or NULL)
 * changes the configuration; a backend that is refused stops the test.
 */
static inline faas_backend_t *
th_backend_new(const char *dir, const char *name, faas_proto_e proto,
    const char *creds, void (*tune)(faas_backend_conf_t *bc))
{
    char                  path[256], err[256];
    faas_backend_t       *b;
    faas_backend_conf_t   bc;

    memset(&bc, 0, sizeof(bc));
    bc.name.data = name;
    bc.name.len = strlen(name);
    bc.protocol = proto;
    bc.location.data = "/_be/";
    bc.location.len = 5;
    bc.ns.data = "_";
    bc.ns.len = 1;
    bc.region.data = "us-east-1";
    bc.region.len = 9;
    bc.timeout = 2000000;
    bc.retries = 1;
    bc.breaker = 5;
    bc.breaker_open = 10000000;
    bc.max_answer = 1024 * 1024;

    if (creds) {
        th_write(dir, name, "cred", creds, path, sizeof(path));
        bc.credentials = path;
    }

    if (tune) {
        tune(&bc);
    }

    b = faas_backend_create(&bc, err, sizeof(err));
    if (b == NULL) {
        fprintf(stderr, "backend %s: %s\n", name, err);
        exit(1);
    }

    return b;
}


/* the backends faas.invoke finds (tests/test_invoke.c sets them) */
static struct faas_backend_s  *th_backends[4];
static const char             *th_backend_names[4];


static inline struct faas_backend_s *
th_backend(void *req, faas_str_t *name)
{
    int  i;

    (void) req;

    for (i = 0; i < 4 && th_backend_names[i]; i++) {
        if (strlen(th_backend_names[i]) == name->len
            && memcmp(th_backend_names[i], name->data, name->len) == 0)
        {
            return th_backends[i];
        }
    }

    return NULL;
}


static const faas_host_t  th_host = {
    th_get, th_headers, th_set, th_set_headers, th_respond, th_log, th_geo,
    th_body, th_set_body, th_origin, th_set_origin, th_backend, NULL
};


static inline const char *
th_header(th_req_t *r, faas_msg_e m, const char *lname)
{
    int  i;

    for (i = 0; i < r->nhdrs[m]; i++) {
        if (strcmp(r->hdrs[m][i].lname, lname) == 0) {
            return r->hdrs[m][i].value;
        }
    }
    return NULL;
}


static void
th_init(th_req_t *r)
{
    memset(r, 0, sizeof(th_req_t));
    strcpy(r->fields[FAAS_FIELD_METHOD], "GET");
    strcpy(r->fields[FAAS_FIELD_URI], "/x");
    strcpy(r->fields[FAAS_FIELD_CLIENT_IP], "127.0.0.1");
    strcpy(r->fields[FAAS_FIELD_STATUS], "200");
    strcpy(r->fields[FAAS_FIELD_STATUS_DESCRIPTION], "OK");
    strcpy(r->fields[FAAS_FIELD_SERVER_NAME], "localhost");
    strcpy(r->fields[FAAS_FIELD_REQUEST_ID], "req-1");
    th_add(r, FAAS_MSG_REQUEST, "host", "Host", "localhost", 9);
    th_add(r, FAAS_MSG_REQUEST, "x-country", "X-Country", "DE", 2);
    th_add(r, FAAS_MSG_RESPONSE, "server", "Server", "nginx", 5);
    th_add(r, FAAS_MSG_RESPONSE, "content-type", "Content-Type",
           "text/plain", 10);
}

#endif /* TEST_HOST_H */
