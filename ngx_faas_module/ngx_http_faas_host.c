
/*
 * The host interface of the runtime over ngx_http_request_t: how a
 * function's event reads the request and the response, and how what it
 * changed goes back into them.
 */


#include <nginx.h>

#include "ngx_http_faas_module.h"


typedef struct {
    ngx_str_t                   name;
    ngx_uint_t                  offset;
} ngx_http_faas_header_field_t;


static int ngx_http_faas_get(void *req, faas_field_e field,
    faas_str_t *value);
static int ngx_http_faas_headers(void *req, faas_msg_e msg, faas_str_t *lname,
    faas_header_pt cb, void *arg);
static int ngx_http_faas_set(void *req, faas_field_e field,
    faas_str_t *value);
static int ngx_http_faas_set_headers(void *req, faas_msg_e msg,
    faas_str_t *lnames, size_t nnames, faas_header_t *h, size_t n);
static int ngx_http_faas_respond(void *req, faas_response_t *resp);
static void ngx_http_faas_log(void *req, faas_log_e level, const char *msg,
    size_t len);
static ngx_int_t ngx_http_faas_set_response_headers(ngx_http_request_t *r,
    faas_str_t *lnames, size_t nnames, faas_header_t *h, size_t n);
static ngx_int_t ngx_http_faas_set_response_header(ngx_http_request_t *r,
    faas_str_t *lname, faas_header_t *h, size_t n);
/* up to this many names changed, they are scanned, not sorted */
#define NGX_HTTP_FAAS_SCAN_NAMES  8

static faas_str_t *ngx_http_faas_sorted_names(ngx_http_request_t *r,
    faas_str_t *lnames, size_t nnames);
static int ngx_http_faas_name_cmp(const void *a, const void *b);
static ngx_uint_t ngx_http_faas_header_named(ngx_table_elt_t *e,
    faas_str_t *names, size_t n);
static ngx_int_t ngx_http_faas_link_header_in(ngx_http_request_t *r,
    ngx_http_core_main_conf_t *cmcf, ngx_table_elt_t *e);


const faas_host_t  ngx_http_faas_host = {
    ngx_http_faas_get,
    ngx_http_faas_headers,
    ngx_http_faas_set,
    ngx_http_faas_set_headers,
    ngx_http_faas_respond,
    ngx_http_faas_log,
    ngx_http_faas_geo_lookup,
    ngx_http_faas_body_get,
    ngx_http_faas_body_set,
    ngx_http_faas_origin_get,
    ngx_http_faas_origin_set,
    ngx_http_faas_backend_get,
    ngx_http_faas_backend_invoked
};


/* response headers nginx keeps a pointer to, besides the list */

static ngx_http_faas_header_field_t  ngx_http_faas_headers_out[] = {
    { ngx_string("server"), offsetof(ngx_http_headers_out_t, server) },
    { ngx_string("date"), offsetof(ngx_http_headers_out_t, date) },
    { ngx_string("content-encoding"),
      offsetof(ngx_http_headers_out_t, content_encoding) },
    { ngx_string("location"), offsetof(ngx_http_headers_out_t, location) },
    { ngx_string("refresh"), offsetof(ngx_http_headers_out_t, refresh) },
    { ngx_string("last-modified"),
      offsetof(ngx_http_headers_out_t, last_modified) },
    { ngx_string("content-range"),
      offsetof(ngx_http_headers_out_t, content_range) },
    { ngx_string("accept-ranges"),
      offsetof(ngx_http_headers_out_t, accept_ranges) },
    { ngx_string("www-authenticate"),
      offsetof(ngx_http_headers_out_t, www_authenticate) },
    { ngx_string("expires"), offsetof(ngx_http_headers_out_t, expires) },
    { ngx_string("etag"), offsetof(ngx_http_headers_out_t, etag) },
    { ngx_null_string, 0 }
};


static ngx_str_t  ngx_http_faas_reasons[] = {
    ngx_string("200OK"),
    ngx_string("201Created"),
    ngx_string("204No Content"),
    ngx_string("206Partial Content"),
    ngx_string("301Moved Permanently"),
    ngx_string("302Found"),
    ngx_string("303See Other"),
    ngx_string("304Not Modified"),
    ngx_string("307Temporary Redirect"),
    ngx_string("308Permanent Redirect"),
    ngx_string("400Bad Request"),
    ngx_string("401Unauthorized"),
    ngx_string("403Forbidden"),
    ngx_string("404Not Found"),
    ngx_string("405Method Not Allowed"),
    ngx_string("413Content Too Large"),
    ngx_string("429Too Many Requests"),
    ngx_string("500Internal Server Error"),
    ngx_string("502Bad Gateway"),
    ngx_string("503Service Unavailable"),
    ngx_string("504Gateway Timeout"),
    ngx_null_string
};


#define ngx_http_faas_str(fs, ns)                                             \
    (fs)->data = (const char *) (ns)->data; (fs)->len = (ns)->len


static int
ngx_http_faas_get(void *req, faas_field_e field, faas_str_t *value)
{
    ngx_http_request_t  *r = req;

    ngx_str_t                   *s;
    ngx_http_faas_ctx_t         *ctx;
    ngx_http_variable_value_t   *vv;
    ngx_http_core_srv_conf_t    *cscf;
    ngx_http_faas_main_conf_t   *fmcf;

    switch (field) {

    case FAAS_FIELD_METHOD:
        ngx_http_faas_str(value, &r->method_name);
        return FAAS_OK;

    case FAAS_FIELD_URI:
        ngx_http_faas_str(value, &r->uri);
        return FAAS_OK;

    case FAAS_FIELD_QUERYSTRING:
        ngx_http_faas_str(value, &r->args);
        return FAAS_OK;

    case FAAS_FIELD_CLIENT_IP:
        ngx_http_faas_str(value, &r->connection->addr_text);
        return FAAS_OK;

    case FAAS_FIELD_STATUS:
        ctx = ngx_http_faas_get_ctx(r);
        if (ctx == NULL) {
            return FAAS_ERROR;
        }

        value->data = (const char *) ctx->status_text;
        value->len = ngx_sprintf(ctx->status_text, "%ui",
                                 r->headers_out.status)
                     - ctx->status_text;
        return FAAS_OK;

    case FAAS_FIELD_STATUS_DESCRIPTION:
        if (r->headers_out.status_line.len > 4) {
            value->data = (const char *) r->headers_out.status_line.data + 4;
            value->len = r->headers_out.status_line.len - 4;
            return FAAS_OK;
        }

        for (s = ngx_http_faas_reasons; s->len; s++) {
            if ((ngx_uint_t) ngx_atoi(s->data, 3) == r->headers_out.status) {
                value->data = (const char *) s->data + 3;
                value->len = s->len - 3;
                return FAAS_OK;
            }
        }

        value->data = "";
        value->len = 0;
        return FAAS_OK;

    case FAAS_FIELD_SERVER_NAME:
        if (r->headers_in.server.len) {
            ngx_http_faas_str(value, &r->headers_in.server);
            return FAAS_OK;
        }

        cscf = ngx_http_get_module_srv_conf(r, ngx_http_core_module);
        ngx_http_faas_str(value, &cscf->server_name);
        return FAAS_OK;

    case FAAS_FIELD_REQUEST_ID:
        fmcf = ngx_http_get_module_main_conf(r, ngx_http_faas_module);

        vv = ngx_http_get_indexed_variable(r, fmcf->request_id_index);
        if (vv == NULL || vv->not_found) {
            return FAAS_ERROR;
        }

        value->data = (const char *) vv->data;
        value->len = vv->len;
        return FAAS_OK;

    default:
        return FAAS_ERROR;
    }
}


static int
ngx_http_faas_header_cb(faas_header_pt cb, void *arg, const char *lname,
    ngx_str_t *key, ngx_str_t *value)
{
    faas_header_t  h;

    h.lname.data = lname;
    h.lname.len = ngx_strlen(lname);
    ngx_http_faas_str(&h.key, key);
    ngx_http_faas_str(&h.value, value);

    return cb(arg, &h);
}


/* whether lname (NULL: every name) asks for the header name */

static ngx_inline ngx_uint_t
ngx_http_faas_wanted(faas_str_t *lname, const char *name, size_t len)
{
    return lname == NULL
           || (lname->len == len && ngx_strncmp(lname->data, name, len) == 0);
}


static int
ngx_http_faas_headers(void *req, faas_msg_e msg, faas_str_t *lname,
    faas_header_pt cb, void *arg)
{
    ngx_http_request_t  *r = req;

    u_char                    *p, *lc;
    size_t                     len;
    ngx_str_t                  key, value;
    ngx_uint_t                 i;
    ngx_list_part_t           *part;
    ngx_table_elt_t           *h;
    faas_header_t              fh;
    ngx_http_core_loc_conf_t  *clcf;

    if (msg == FAAS_MSG_RESPONSE) {

        /* what nginx adds itself as it writes the header out */

        if (r->headers_out.server == NULL
            && ngx_http_faas_wanted(lname, "server", 6))
        {
            clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

            if (clcf->server_tokens == NGX_HTTP_SERVER_TOKENS_ON) {
                ngx_str_set(&value, NGINX_VER);

            } else if (clcf->server_tokens == NGX_HTTP_SERVER_TOKENS_BUILD) {
                ngx_str_set(&value, NGINX_VER_BUILD);

            } else {
                ngx_str_set(&value, "nginx");
            }

            ngx_str_set(&key, "Server");
            if (ngx_http_faas_header_cb(cb, arg, "server", &key, &value)
                != FAAS_OK)
            {
                return FAAS_ERROR;
            }
        }

        if (r->headers_out.date == NULL
            && ngx_http_faas_wanted(lname, "date", 4))
        {
            ngx_str_set(&key, "Date");
            if (ngx_http_faas_header_cb(cb, arg, "date", &key,
                                        (ngx_str_t *) &ngx_cached_http_time)
                != FAAS_OK)
            {
                return FAAS_ERROR;
            }
        }

        if (r->headers_out.content_type.len
            && ngx_http_faas_wanted(lname, "content-type", 12))
        {
            value = r->headers_out.content_type;

            if (r->headers_out.charset.len) {
                len = value.len + sizeof("; charset=") - 1
                      + r->headers_out.charset.len;

                p = ngx_pnalloc(r->pool, len);
                if (p == NULL) {
                    return FAAS_ERROR;
                }

                value.data = p;
                value.len = ngx_sprintf(p, "%V; charset=%V",
                                        &r->headers_out.content_type,
                                        &r->headers_out.charset) - p;
            }

            ngx_str_set(&key, "Content-Type");
            if (ngx_http_faas_header_cb(cb, arg, "content-type", &key,
                                        &value)
                != FAAS_OK)
            {
                return FAAS_ERROR;
            }
        }

        if (r->headers_out.content_length == NULL
            && r->headers_out.content_length_n >= 0
            && ngx_http_faas_wanted(lname, "content-length", 14))
        {
            p = ngx_pnalloc(r->pool, NGX_OFF_T_LEN);
            if (p == NULL) {
                return FAAS_ERROR;
            }

            value.data = p;
            value.len = ngx_sprintf(p, "%O",
                                    r->headers_out.content_length_n) - p;

            ngx_str_set(&key, "Content-Length");
            if (ngx_http_faas_header_cb(cb, arg, "content-length", &key,
                                        &value)
                != FAAS_OK)
            {
                return FAAS_ERROR;
            }
        }

        if (r->headers_out.last_modified == NULL
            && r->headers_out.last_modified_time != -1
            && ngx_http_faas_wanted(lname, "last-modified", 13))
        {
            p = ngx_pnalloc(r->pool, sizeof("Mon, 28 Sep 1970 06:00:00 GMT"));
            if (p == NULL) {
                return FAAS_ERROR;
            }

            value.data = p;
            value.len = ngx_http_time(p, r->headers_out.last_modified_time)
                        - p;

            ngx_str_set(&key, "Last-Modified");
            if (ngx_http_faas_header_cb(cb, arg, "last-modified", &key,
                                        &value)
                != FAAS_OK)
            {
                return FAAS_ERROR;
            }
        }

        part = &r->headers_out.headers.part;

    } else {
        part = &r->headers_in.headers.part;
    }

    h = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].hash == 0) {
            continue;
        }

        /*
         * Response headers often come without a lowercase key (add_header
         * leaves lowcase_key unset), so those are lowercased here; one of
         * the name asked for is that name.
         */

        if (lname) {
            if (h[i].key.len != lname->len
                || (msg == FAAS_MSG_REQUEST
                    ? ngx_strncmp(h[i].lowcase_key, lname->data, lname->len)
                    : ngx_strncasecmp(h[i].key.data, (u_char *) lname->data,
                                      lname->len)))
            {
                continue;
            }

            lc = (u_char *) lname->data;

        } else if (msg == FAAS_MSG_REQUEST) {
            lc = h[i].lowcase_key;

        } else {
            lc = ngx_pnalloc(r->pool, h[i].key.len);
            if (lc == NULL) {
                return FAAS_ERROR;
            }

            ngx_strlow(lc, h[i].key.data, h[i].key.len);
        }

        fh.lname.data = (const char *) lc;
        fh.lname.len = h[i].key.len;

        ngx_http_faas_str(&fh.key, &h[i].key);
        ngx_http_faas_str(&fh.value, &h[i].value);

        if (cb(arg, &fh) != FAAS_OK) {
            return FAAS_ERROR;
        }
    }

    return FAAS_OK;
}


/* copies len bytes of data to p and a NUL; returns the byte after it */

static u_char *
ngx_http_faas_cpystr(u_char *p, const char *data, size_t len)
{
    /* an empty string may come as NULL (a response without a body), and
     * memcpy() from NULL is undefined even for 0 bytes */

    if (len) {
        p = ngx_cpymem(p, data, len);
    }

    *p++ = '\0';

    return p;
}


static u_char *
ngx_http_faas_copy(ngx_http_request_t *r, const char *data, size_t len)
{
    u_char  *p;

    p = ngx_pnalloc(r->pool, len + 1);
    if (p == NULL) {
        return NULL;
    }

    ngx_http_faas_cpystr(p, data, len);

    return p;
}


static int
ngx_http_faas_set(void *req, faas_field_e field, faas_str_t *value)
{
    ngx_http_request_t  *r = req;

    u_char  *p;

    ngx_http_faas_undo_save(r, field == FAAS_FIELD_STATUS
                               || field == FAAS_FIELD_STATUS_DESCRIPTION);

    p = ngx_http_faas_copy(r, value->data, value->len);
    if (p == NULL) {
        return FAAS_ERROR;
    }

    switch (field) {

    case FAAS_FIELD_URI:

        /*
         * The matched location stays (as a changed uri keeps the cache
         * behaviour in Lambda@Edge); upstreams get the new uri escaped.
         */

        r->uri.data = p;
        r->uri.len = value->len;
        r->valid_unparsed_uri = 0;
        ngx_http_set_exten(r);
        return FAAS_OK;

    case FAAS_FIELD_QUERYSTRING:
        r->args.data = p;
        r->args.len = value->len;
        r->valid_unparsed_uri = 0;
        return FAAS_OK;

    /*
     * origin-response: a new status drops the origin's status line (nginx
     * writes the standard reason); a description makes a new one.  The
     * runtime sets the status first.
     */

    case FAAS_FIELD_STATUS:
        r->headers_out.status = ngx_atoi(p, value->len);
        r->headers_out.status_line.len = 0;
        return FAAS_OK;

    case FAAS_FIELD_STATUS_DESCRIPTION:
        r->headers_out.status_line.data = ngx_pnalloc(r->pool,
                                                      4 + value->len);
        if (r->headers_out.status_line.data == NULL) {
            return FAAS_ERROR;
        }

        r->headers_out.status_line.len =
            ngx_sprintf(r->headers_out.status_line.data, "%03ui %*s",
                        r->headers_out.status, value->len, p)
            - r->headers_out.status_line.data;
        return FAAS_OK;

    default:
        return FAAS_ERROR;
    }
}


static int
ngx_http_faas_set_headers(void *req, faas_msg_e msg, faas_str_t *lnames,
    size_t nnames, faas_header_t *h, size_t n)
{
    ngx_int_t  rc;

    ngx_http_faas_undo_save(req, msg == FAAS_MSG_RESPONSE);

    if (msg == FAAS_MSG_REQUEST) {
        rc = ngx_http_faas_set_request_headers(req, lnames, nnames, h, n);
        return rc == NGX_OK ? FAAS_OK : FAAS_ERROR;
    }

    rc = ngx_http_faas_set_response_headers(req, lnames, nnames, h, n);

    return rc == NGX_OK ? FAAS_OK : FAAS_ERROR;
}


ngx_int_t
ngx_http_faas_push_header(ngx_http_request_t *r, ngx_list_t *list,
    faas_header_t *h, ngx_table_elt_t **out)
{
    u_char           *p;
    ngx_table_elt_t  *e;

    e = ngx_list_push(list);
    if (e == NULL) {
        return NGX_ERROR;
    }

    p = ngx_pnalloc(r->pool, h->key.len + h->value.len + h->lname.len + 3);
    if (p == NULL) {
        return NGX_ERROR;
    }

    e->key.data = p;
    e->key.len = h->key.len;
    p = ngx_http_faas_cpystr(p, h->key.data, h->key.len);

    e->value.data = p;
    e->value.len = h->value.len;
    p = ngx_http_faas_cpystr(p, h->value.data, h->value.len);

    e->lowcase_key = p;
    ngx_http_faas_cpystr(p, h->lname.data, h->lname.len);

    /*
     * Request headers are found in headers_in_hash by their hash.  nginx
     * reads a response header's only to skip a hidden one (0), and its
     * add_header sets 1: the name is not hashed for nothing.
     */

    e->hash = (list == &r->headers_out.headers)
              ? 1 : ngx_hash_key(e->lowcase_key, h->lname.len);

    *out = e;

    return NGX_OK;
}


/*
 * Request headers: the list is rebuilt without the old values of the
 * names in lnames and with the new headers h, then every pointer nginx
 * keeps into it (r->headers_in.user_agent, the cookies array ...) is set
 * again from the new list, so nothing points at a removed header.  When
 * the list has none of the names (a header added), the new headers are
 * only appended and linked: nothing else moves.
 */

ngx_int_t
ngx_http_faas_set_request_headers(ngx_http_request_t *r, faas_str_t *lnames,
    size_t nnames, faas_header_t *h, size_t n)
{
    size_t                      i, count;
    ngx_uint_t                  k, found;
    faas_str_t                 *names;
    ngx_list_t                  list;
    ngx_array_t                *a;
    ngx_list_part_t            *part;
    ngx_table_elt_t            *e, *ne;
    ngx_http_header_t          *hh;
    ngx_http_core_main_conf_t  *cmcf;

    cmcf = ngx_http_get_module_main_conf(r, ngx_http_core_module);

    /*
     * Many names are sorted, so that each header is looked up in
     * O(log nnames): a request may have thousands of headers, and a
     * function may change them all; a few are scanned.
     */

    names = ngx_http_faas_sorted_names(r, lnames, nnames);
    if (names == NULL) {
        return NGX_ERROR;
    }

    count = n;
    found = 0;

    for (part = &r->headers_in.headers.part; part; part = part->next) {
        count += part->nelts;
        e = part->elts;

        for (k = 0; k < part->nelts && !found; k++) {
            found = ngx_http_faas_header_named(&e[k], names, nnames);
        }
    }

    if (!found) {
        for (i = 0; i < n; i++) {
            if (ngx_http_faas_push_header(r, &r->headers_in.headers, &h[i],
                                          &ne)
                != NGX_OK
                || ngx_http_faas_link_header_in(r, cmcf, ne) != NGX_OK)
            {
                return NGX_ERROR;
            }
        }

        return NGX_OK;
    }

    if (ngx_list_init(&list, r->pool, count ? count : 1,
                      sizeof(ngx_table_elt_t))
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    for (part = &r->headers_in.headers.part; part; part = part->next) {
        e = part->elts;

        for (k = 0; k < part->nelts; k++) {
            if (ngx_http_faas_header_named(&e[k], names, nnames)) {
                continue;
            }

            ne = ngx_list_push(&list);
            if (ne == NULL) {
                return NGX_ERROR;
            }

            *ne = e[k];
        }
    }

    for (i = 0; i < n; i++) {
        if (ngx_http_faas_push_header(r, &list, &h[i], &ne) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    /* one part (it was made large enough): last must not point at list */

    r->headers_in.headers = list;
    r->headers_in.headers.last = &r->headers_in.headers.part;

    for (hh = ngx_http_headers_in; hh->name.len; hh++) {
        if (hh->offset == offsetof(ngx_http_headers_in_t, cookies)
#if (NGX_HTTP_X_FORWARDED_FOR)
            || hh->offset == offsetof(ngx_http_headers_in_t, x_forwarded_for)
#endif
           )
        {
            a = (ngx_array_t *) ((char *) &r->headers_in + hh->offset);
            a->nelts = 0;

        } else if (hh->offset) {
            *(ngx_table_elt_t **) ((char *) &r->headers_in + hh->offset)
                = NULL;
        }
    }

    for (part = &r->headers_in.headers.part; part; part = part->next) {
        e = part->elts;

        for (k = 0; k < part->nelts; k++) {
            if (ngx_http_faas_link_header_in(r, cmcf, &e[k]) != NGX_OK) {
                return NGX_ERROR;
            }
        }
    }

    return NGX_OK;
}


/*
 * lnames as ngx_http_faas_header_named() looks them up: sorted (a copy)
 * when there are many, NULL if the copy cannot be made
 */

static faas_str_t *
ngx_http_faas_sorted_names(ngx_http_request_t *r, faas_str_t *lnames,
    size_t nnames)
{
    faas_str_t  *names;

    if (nnames <= NGX_HTTP_FAAS_SCAN_NAMES) {
        return lnames;
    }

    names = ngx_palloc(r->pool, nnames * sizeof(faas_str_t));
    if (names == NULL) {
        return NULL;
    }

    ngx_memcpy(names, lnames, nnames * sizeof(faas_str_t));
    ngx_qsort(names, nnames, sizeof(faas_str_t), ngx_http_faas_name_cmp);

    return names;
}


/*
 * whether the header e has one of the names (from
 * ngx_http_faas_sorted_names); its key is compared whatever its case, as
 * the response headers of add_header have no lowcase_key
 */

static ngx_uint_t
ngx_http_faas_header_named(ngx_table_elt_t *e, faas_str_t *names, size_t n)
{
    int         rc;
    size_t      lo, hi, mid;
    faas_str_t  key;

    key.data = (char *) e->key.data;
    key.len = e->key.len;

    if (n <= NGX_HTTP_FAAS_SCAN_NAMES) {
        for (lo = 0; lo < n; lo++) {
            if (names[lo].len == key.len
                && ngx_strncasecmp((u_char *) names[lo].data, e->key.data,
                                   key.len)
                   == 0)
            {
                return 1;
            }
        }

        return 0;
    }

    lo = 0;
    hi = n;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        rc = ngx_http_faas_name_cmp(&names[mid], &key);

        if (rc == 0) {
            return 1;
        }

        if (rc < 0) {
            lo = mid + 1;

        } else {
            hi = mid;
        }
    }

    return 0;
}


static int
ngx_http_faas_name_cmp(const void *a, const void *b)
{
    int                rc;
    const faas_str_t  *x, *y;

    x = a;
    y = b;

    /* lowercase names sort as they would by bytes; a key's case is lost */

    rc = ngx_strncasecmp((u_char *) x->data, (u_char *) y->data,
                         ngx_min(x->len, y->len));

    if (rc == 0 && x->len != y->len) {
        rc = x->len < y->len ? -1 : 1;
    }

    return rc;
}


/* points r->headers_in's field for the header e at it, if it has one */

static ngx_int_t
ngx_http_faas_link_header_in(ngx_http_request_t *r,
    ngx_http_core_main_conf_t *cmcf, ngx_table_elt_t *e)
{
    ngx_array_t        *a;
    ngx_table_elt_t   **pe;
    ngx_http_header_t  *hh;

    hh = ngx_hash_find(&cmcf->headers_in_hash, e->hash, e->lowcase_key,
                       e->key.len);

    if (hh == NULL || hh->offset == 0) {
        return NGX_OK;
    }

    if (hh->offset == offsetof(ngx_http_headers_in_t, cookies)
#if (NGX_HTTP_X_FORWARDED_FOR)
        || hh->offset == offsetof(ngx_http_headers_in_t, x_forwarded_for)
#endif
       )
    {
        a = (ngx_array_t *) ((char *) &r->headers_in + hh->offset);

        if (a->elts == NULL
            && ngx_array_init(a, r->pool, 1, sizeof(ngx_table_elt_t *))
               != NGX_OK)
        {
            return NGX_ERROR;
        }

        pe = ngx_array_push(a);
        if (pe == NULL) {
            return NGX_ERROR;
        }

        *pe = e;
        return NGX_OK;
    }

    pe = (ngx_table_elt_t **) ((char *) &r->headers_in + hh->offset);

    if (*pe == NULL) {
        *pe = e;
    }

    return NGX_OK;
}


/*
 * Sets the response headers h, grouped by name in the order of lnames:
 * nginx's headers of those names are hidden in one pass over the list
 * (not one pass per name), then each name's headers are set
 */

static ngx_int_t
ngx_http_faas_set_response_headers(ngx_http_request_t *r, faas_str_t *lnames,
    size_t nnames, faas_header_t *h, size_t n)
{
    size_t            i, j, k;
    ngx_uint_t        m;
    faas_str_t       *names;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *e;

    names = ngx_http_faas_sorted_names(r, lnames, nnames);
    if (names == NULL) {
        return NGX_ERROR;
    }

    for (part = &r->headers_out.headers.part; part; part = part->next) {
        e = part->elts;

        for (m = 0; m < part->nelts; m++) {
            if (e[m].hash != 0
                && ngx_http_faas_header_named(&e[m], names, nnames))
            {
                if (ngx_http_faas_undo_hide(r, &e[m]) != NGX_OK) {
                    return NGX_ERROR;
                }

                e[m].hash = 0;
            }
        }
    }

    for (i = 0, k = 0; i < nnames; i++, k = j) {
        for (j = k;
             j < n && ngx_http_faas_wanted(&lnames[i], h[j].lname.data,
                                           h[j].lname.len);
             j++)
        {
            /* void */
        }

        if (ngx_http_faas_set_response_header(r, &lnames[i], h + k, j - k)
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


/*
 * The headers of one response name, its old ones hidden already (hash 0,
 * which the header filter skips): new ones pushed; the fields nginx
 * writes out itself (Content-Type, Last-Modified, Server, Date) are set
 * directly.
 */

static ngx_int_t
ngx_http_faas_set_response_header(ngx_http_request_t *r, faas_str_t *lname,
    faas_header_t *h, size_t n)
{
    size_t                         i;
    ngx_array_t                   *a;
    ngx_table_elt_t               *e, *first, **pe;
    ngx_http_faas_header_field_t  *f;

#define ngx_http_faas_is(s)                                                   \
    (lname->len == sizeof(s) - 1                                              \
     && ngx_strncmp(lname->data, s, sizeof(s) - 1) == 0)

    if (ngx_http_faas_is("content-type")) {
        r->headers_out.content_type_len = 0;
        r->headers_out.content_type.len = 0;
        r->headers_out.content_type_lowcase = NULL;
        r->headers_out.charset.len = 0;

        if (n) {
            r->headers_out.content_type.data =
                ngx_http_faas_copy(r, h[0].value.data, h[0].value.len);
            if (r->headers_out.content_type.data == NULL) {
                return NGX_ERROR;
            }

            r->headers_out.content_type.len = h[0].value.len;
            r->headers_out.content_type_len = h[0].value.len;
        }

        return NGX_OK;
    }

    first = NULL;

    if (ngx_http_faas_is("cache-control") || ngx_http_faas_is("link")) {
        a = ngx_http_faas_is("link") ? &r->headers_out.link
                                     : &r->headers_out.cache_control;

        if (a->elts == NULL
            && ngx_array_init(a, r->pool, n ? n : 1,
                              sizeof(ngx_table_elt_t *))
               != NGX_OK)
        {
            return NGX_ERROR;
        }

        a->nelts = 0;

        for (i = 0; i < n; i++) {
            if (ngx_http_faas_push_header(r, &r->headers_out.headers, &h[i],
                                          &e)
                != NGX_OK)
            {
                return NGX_ERROR;
            }

            pe = ngx_array_push(a);
            if (pe == NULL) {
                return NGX_ERROR;
            }

            *pe = e;
        }

        return NGX_OK;
    }

    for (i = 0; i < n; i++) {
        if (ngx_http_faas_push_header(r, &r->headers_out.headers, &h[i], &e)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        if (first == NULL) {
            first = e;
        }
    }

    if (ngx_http_faas_is("last-modified")) {
        r->headers_out.last_modified_time = -1;
    }

    for (f = ngx_http_faas_headers_out; f->name.len; f++) {
        if (f->name.len != lname->len
            || ngx_strncmp(f->name.data, lname->data, lname->len) != 0)
        {
            continue;
        }

        /*
         * Without a header of its own nginx would add its default Server
         * and Date: a removed one is a hidden placeholder instead.
         */

        if (first == NULL
            && (ngx_http_faas_is("server") || ngx_http_faas_is("date")))
        {
            first = ngx_pcalloc(r->pool, sizeof(ngx_table_elt_t));
            if (first == NULL) {
                return NGX_ERROR;
            }
        }

        *(ngx_table_elt_t **) ((char *) &r->headers_out + f->offset) = first;
        break;
    }

#undef ngx_http_faas_is

    return NGX_OK;
}


static int
ngx_http_faas_respond(void *req, faas_response_t *resp)
{
    ngx_http_request_t  *r = req;

    u_char               *p;
    size_t                i, n;
    faas_str_t           *names;
    ngx_http_faas_ctx_t  *ctx;

    ctx = ngx_http_faas_get_ctx(r);
    if (ctx == NULL) {
        return FAAS_ERROR;
    }

    ctx->generated = 1;
    ctx->status = resp->status;

    if (resp->description.len) {
        p = ngx_pnalloc(r->pool, NGX_INT_T_LEN + 1 + resp->description.len);
        if (p == NULL) {
            return FAAS_ERROR;
        }

        r->headers_out.status_line.data = p;
        r->headers_out.status_line.len = ngx_sprintf(p, "%ui %*s",
                                               resp->status,
                                               resp->description.len,
                                               resp->description.data)
                                         - p;
    }

    /* the headers of one name come together: their names, once each */

    names = ngx_palloc(r->pool, resp->nheaders * sizeof(faas_str_t));
    if (names == NULL) {
        return FAAS_ERROR;
    }

    n = 0;

    for (i = 0; i < resp->nheaders; i++) {
        if (n == 0 || !ngx_http_faas_wanted(&names[n - 1],
                                            resp->headers[i].lname.data,
                                            resp->headers[i].lname.len))
        {
            names[n++] = resp->headers[i].lname;
        }
    }

    if (ngx_http_faas_set_response_headers(r, names, n, resp->headers,
                                           resp->nheaders)
        != NGX_OK)
    {
        return FAAS_ERROR;
    }

    ctx->body.len = resp->body.len;
    ctx->body.data = ngx_http_faas_copy(r, resp->body.data, resp->body.len);

    return ctx->body.data ? FAAS_OK : FAAS_ERROR;
}


static void
ngx_http_faas_log(void *req, faas_log_e level, const char *msg, size_t len)
{
    ngx_http_request_t  *r = req;

    static ngx_uint_t  levels[] = {
        NGX_LOG_ERR, NGX_LOG_WARN, NGX_LOG_INFO, NGX_LOG_DEBUG
    };

    ngx_log_error(levels[level], r->connection->log, 0, "%*s", len, msg);
}
