
/*
 * The origin events in nginx: origin-request in the PRECONTENT phase
 * (after access control, after the geo headers, before try_files, mirror
 * and the content handler), the origin a request goes to (faas_origin,
 * request.origin, $faas_origin_url), and the checks of a location's
 * configuration.  origin-response runs in the header filter of
 * ngx_http_faas_viewer.c on what the content phase produced.
 */


#include "ngx_http_faas_module.h"


#define NGX_HTTP_FAAS_READ_TIMEOUT       30
#define NGX_HTTP_FAAS_KEEPALIVE_TIMEOUT  5


static ngx_int_t ngx_http_faas_origin_request(ngx_http_request_t *r);
static faas_origin_t *ngx_http_faas_origin_current(ngx_http_request_t *r);
static ngx_int_t ngx_http_faas_origin_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static void ngx_http_faas_origin_cache_check(ngx_conf_t *cf,
    ngx_http_core_loc_conf_t *clcf);


static ngx_http_variable_t  ngx_http_faas_origin_vars[] = {

    { ngx_string("faas_origin_url"), NULL,
      ngx_http_faas_origin_variable, 0, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("faas_origin_host"), NULL,
      ngx_http_faas_origin_variable, 1, NGX_HTTP_VAR_NOCACHEABLE, 0 },

      ngx_http_null_variable
};


ngx_int_t
ngx_http_faas_origin_init(ngx_conf_t *cf)
{
    return ngx_http_faas_add_handler(cf, NGX_HTTP_PRECONTENT_PHASE,
                                     ngx_http_faas_origin_request);
}


ngx_int_t
ngx_http_faas_origin_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var, *v;

    for (v = ngx_http_faas_origin_vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}


/*
 * faas_origin http[s]://HOST[:PORT][/PATH]: the custom origin of
 * origin-request (request.origin) and of $faas_origin_url, which the
 * location proxies to with "proxy_pass $faas_origin_url".
 */

char *
ngx_http_faas_origin(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_faas_loc_conf_t *flcf = conf;

    u_char         *p, *last, *host;
    ngx_int_t       port;
    ngx_str_t      *value, url;
    faas_origin_t  *o;

    if (flcf->origin != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;
    url = value[1];

    o = ngx_pcalloc(cf->pool, sizeof(faas_origin_t));
    if (o == NULL) {
        return NGX_CONF_ERROR;
    }

    p = url.data;
    last = url.data + url.len;

    if (url.len > 7 && ngx_strncasecmp(p, (u_char *) "http://", 7) == 0) {
        o->protocol.data = "http";
        o->protocol.len = 4;
        o->port = 80;
        p += 7;

    } else if (url.len > 8
               && ngx_strncasecmp(p, (u_char *) "https://", 8) == 0)
    {
        o->protocol.data = "https";
        o->protocol.len = 5;
        o->port = 443;
        p += 8;

    } else {
        goto invalid;
    }

    host = p;

    if (*p == '[') {
        p = ngx_strlchr(p, last, ']');
        if (p == NULL) {
            goto invalid;
        }

        p++;

    } else {
        while (p < last && *p != ':' && *p != '/') {
            if (*p <= ' ' || *p == '?' || *p == '#' || *p == '@') {
                goto invalid;
            }

            p++;
        }
    }

    if (p == host) {
        goto invalid;
    }

    o->domain.data = (char *) host;
    o->domain.len = p - host;

    if (p < last && *p == ':') {
        host = ++p;

        while (p < last && *p != '/') {
            p++;
        }

        port = ngx_atoi(host, p - host);
        if (port < 1 || port > 65535) {
            goto invalid;
        }

        o->port = port;
    }

    /* the path: "" or "/a/b" without a slash at its end */

    if (p < last && last[-1] == '/') {
        last--;
    }

    o->path.data = (char *) p;
    o->path.len = last - p;

    for ( /* void */ ; p < last; p++) {
        if (*p <= ' ' || *p == '?' || *p == '#' || *p == 0x7f) {
            goto invalid;
        }
    }

    o->read_timeout = NGX_HTTP_FAAS_READ_TIMEOUT;
    o->keepalive_timeout = NGX_HTTP_FAAS_KEEPALIVE_TIMEOUT;
    o->ssl_protocols = FAAS_SSL_TLSV1_2;

    flcf->origin = o;

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid value \"%V\" in \"%V\" directive: an "
                       "http:// or https:// URL of a host, with an optional "
                       "port and path", &url, &cmd->name);

    return NGX_CONF_ERROR;
}


/*
 * origin-request: after access control, when the request is about to go
 * to the origin.  The handler also marks the request as having reached
 * the origin, which is what origin-response runs on.
 */

static ngx_int_t
ngx_http_faas_origin_request(ngx_http_request_t *r)
{
    ngx_int_t                  rc;
    ngx_http_faas_ctx_t       *ctx;
    ngx_http_faas_loc_conf_t  *flcf;

    flcf = ngx_http_get_module_loc_conf(r, ngx_http_faas_module);

    if (r != r->main
        || (flcf->events[FAAS_ORIGIN_REQUEST] == NULL
            && flcf->events[FAAS_ORIGIN_RESPONSE] == NULL))
    {
        return NGX_DECLINED;
    }

    ctx = ngx_http_faas_get_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (flcf->events[FAAS_ORIGIN_REQUEST]
        && (!ctx->origin_request_done || ctx->call.parked))
    {

        if (flcf->body) {
            rc = ngx_http_faas_read_body(r, ctx);
            if (rc != NGX_OK) {
                return rc;
            }
        }

        ctx->origin_request_done = 1;

        rc = ngx_http_faas_run(r, flcf->events[FAAS_ORIGIN_REQUEST],
                               FAAS_ORIGIN_REQUEST, &ctx->call);

        switch (rc) {

        case FAAS_OK:
            break;

        case FAAS_AGAIN:
            return NGX_DONE;

        case FAAS_DONE:

            /* Lambda@Edge: no origin-response, viewer-response runs */

            ctx->skip_origin_response = 1;
            ngx_http_finalize_request(r, ngx_http_faas_send(r, ctx));
            return NGX_DONE;

        default:
            if (flcf->on_error != NGX_HTTP_FAAS_ON_ERROR_PASS) {
                return ngx_http_faas_fail_status(&ctx->call);
            }
        }
    }

    ctx->origin_reached = 1;

    return NGX_DECLINED;
}


static faas_origin_t *
ngx_http_faas_origin_current(ngx_http_request_t *r)
{
    ngx_http_faas_ctx_t       *ctx;
    ngx_http_faas_loc_conf_t  *flcf;

    ctx = ngx_http_get_module_ctx(r->main, ngx_http_faas_module);

    if (ctx && ctx->origin) {
        return ctx->origin;
    }

    flcf = ngx_http_get_module_loc_conf(r, ngx_http_faas_module);

    return flcf->origin;
}


/* the host's origin operation: request.origin */

int
ngx_http_faas_origin_get(void *req, faas_origin_t *origin)
{
    ngx_http_request_t  *r = req;

    faas_origin_t  *o;

    o = ngx_http_faas_origin_current(r);
    if (o == NULL) {
        return FAAS_DECLINED;
    }

    *origin = *o;

    return FAAS_OK;
}


static ngx_int_t
ngx_http_faas_origin_copy(ngx_http_request_t *r, faas_str_t *dst,
    faas_str_t *src)
{
    u_char  *p;

    p = ngx_pnalloc(r->pool, src->len + 1);
    if (p == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(p, src->data, src->len);
    p[src->len] = '\0';

    dst->data = (char *) p;
    dst->len = src->len;

    return NGX_OK;
}


/*
 * The host's set_origin: the request goes to the new origin through
 * $faas_origin_url; its customHeaders replace request headers of their
 * names, and those of an origin set before are dropped.
 */

int
ngx_http_faas_origin_set(void *req, faas_origin_t *origin)
{
    ngx_http_request_t  *r = req;

    size_t                i, n;
    faas_str_t           *lnames;
    faas_origin_t        *o;
    ngx_http_faas_ctx_t  *ctx;

    ctx = ngx_http_faas_get_ctx(r);
    if (ctx == NULL) {
        return FAAS_ERROR;
    }

    o = ngx_palloc(r->pool, sizeof(faas_origin_t));
    if (o == NULL) {
        return FAAS_ERROR;
    }

    *o = *origin;

    o->headers = ngx_palloc(r->pool,
                            (origin->nheaders + 1) * sizeof(faas_header_t));
    if (o->headers == NULL) {
        return FAAS_ERROR;
    }

    if (ngx_http_faas_origin_copy(r, &o->protocol, &origin->protocol)
        != NGX_OK
        || ngx_http_faas_origin_copy(r, &o->domain, &origin->domain)
           != NGX_OK
        || ngx_http_faas_origin_copy(r, &o->path, &origin->path) != NGX_OK)
    {
        return FAAS_ERROR;
    }

    for (i = 0; i < origin->nheaders; i++) {
        if (ngx_http_faas_origin_copy(r, &o->headers[i].lname,
                                      &origin->headers[i].lname)
            != NGX_OK
            || ngx_http_faas_origin_copy(r, &o->headers[i].key,
                                         &origin->headers[i].key)
               != NGX_OK
            || ngx_http_faas_origin_copy(r, &o->headers[i].value,
                                         &origin->headers[i].value)
               != NGX_OK)
        {
            return FAAS_ERROR;
        }
    }

    n = o->nheaders + (ctx->origin ? ctx->origin->nheaders : 0);

    if (n) {
        lnames = ngx_palloc(r->pool, n * sizeof(faas_str_t));
        if (lnames == NULL) {
            return FAAS_ERROR;
        }

        n = 0;

        for (i = 0; ctx->origin && i < ctx->origin->nheaders; i++) {
            lnames[n++] = ctx->origin->headers[i].lname;
        }

        for (i = 0; i < o->nheaders; i++) {
            lnames[n++] = o->headers[i].lname;
        }

        if (ngx_http_faas_set_request_headers(r, lnames, n, o->headers,
                                              o->nheaders)
            != NGX_OK)
        {
            return FAAS_ERROR;
        }
    }

    ctx->origin = o;

    return FAAS_OK;
}


/*
 * $faas_origin_url: scheme://host[:port]/path + the request's uri and
 * query string, for "proxy_pass $faas_origin_url"; the port is left out
 * when it is the scheme's, so that a host naming an upstream{} block
 * finds it.  $faas_origin_host: the domain name.
 */

static ngx_int_t
ngx_http_faas_origin_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    u_char         *p;
    size_t          len, escape;
    ngx_uint_t      port;
    faas_origin_t  *o;

    o = ngx_http_faas_origin_current(r);

    if (o == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    if (data == 1) {
        v->data = (u_char *) o->domain.data;
        v->len = o->domain.len;
        goto found;
    }

    port = (o->protocol.len == 5) ? 443 : 80;

    len = o->protocol.len + sizeof("://") - 1 + o->domain.len
          + sizeof(":65535") - 1 + o->path.len;

    escape = 0;

    if (r->valid_unparsed_uri) {
        len += r->unparsed_uri.len;

    } else {
        escape = 2 * ngx_escape_uri(NULL, r->uri.data, r->uri.len,
                                    NGX_ESCAPE_URI);
        len += r->uri.len + escape + 1 + r->args.len;
    }

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    v->data = p;

    p = ngx_sprintf(p, "%*s://%*s", o->protocol.len, o->protocol.data,
                    o->domain.len, o->domain.data);

    if (o->port != port) {
        p = ngx_sprintf(p, ":%ui", (ngx_uint_t) o->port);
    }

    p = ngx_cpymem(p, o->path.data, o->path.len);

    if (r->valid_unparsed_uri) {
        p = ngx_cpymem(p, r->unparsed_uri.data, r->unparsed_uri.len);

    } else {
        if (escape) {
            p = (u_char *) ngx_escape_uri(p, r->uri.data, r->uri.len,
                                          NGX_ESCAPE_URI);

        } else {
            p = ngx_cpymem(p, r->uri.data, r->uri.len);
        }

        if (r->args.len) {
            *p++ = '?';
            p = ngx_cpymem(p, r->args.data, r->args.len);
        }
    }

    v->len = p - v->data;

found:

    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}


/*
 * The checks of a location once merged: faas_content must be its content
 * handler, and origin events next to a response cache get a warning.
 */

char *
ngx_http_faas_origin_merge(ngx_conf_t *cf, ngx_http_faas_loc_conf_t *prev,
    ngx_http_faas_loc_conf_t *conf)
{
    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    if (conf->response_max == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"faas_response_max\" must be at least 1");
        return NGX_CONF_ERROR;
    }

    if (conf->events[FAAS_CONTENT]
        && conf->events[FAAS_CONTENT] != prev->events[FAAS_CONTENT]
        && clcf->handler != ngx_http_faas_content_handler)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"faas_content\" and another content handler "
                           "(proxy_pass, fastcgi_pass ...) in location "
                           "\"%V\"", &clcf->name);
        return NGX_CONF_ERROR;
    }

    if ((conf->events[FAAS_ORIGIN_REQUEST]
         || conf->events[FAAS_ORIGIN_RESPONSE])
        && clcf->handler && clcf->handler != ngx_http_faas_content_handler)
    {
        ngx_http_faas_origin_cache_check(cf, clcf);
    }

    return NGX_CONF_OK;
}


/*
 * proxy_cache (fastcgi_cache, uwsgi_cache, scgi_cache) and origin events
 * in one location do not give CDN semantics: the origin events run on
 * cache hits too and the cache stores the origin's response as it came.
 * Those modules' location configurations are private, but each begins
 * with the public ngx_http_upstream_conf_t, whose "cache" is 1 where a
 * cache is on; the modules are found by name, so one that is not built
 * in is simply not checked.
 */

static void
ngx_http_faas_origin_cache_check(ngx_conf_t *cf,
    ngx_http_core_loc_conf_t *clcf)
{
#if (NGX_HTTP_CACHE)
    ngx_uint_t                 i, j;
    ngx_module_t              *m;
    ngx_http_conf_ctx_t       *ctx;
    ngx_http_upstream_conf_t  *ucf;

    static const char  *modules[][2] = {
        { "ngx_http_proxy_module", "proxy_cache" },
        { "ngx_http_fastcgi_module", "fastcgi_cache" },
        { "ngx_http_uwsgi_module", "uwsgi_cache" },
        { "ngx_http_scgi_module", "scgi_cache" },
        { NULL, NULL }
    };

    ctx = cf->ctx;

    for (i = 0; cf->cycle->modules[i]; i++) {
        m = cf->cycle->modules[i];

        if (m->type != NGX_HTTP_MODULE) {
            continue;
        }

        for (j = 0; modules[j][0]; j++) {
            if (ngx_strcmp(m->name, modules[j][0]) != 0) {
                continue;
            }

            ucf = ctx->loc_conf[m->ctx_index];

            if (ucf && ucf->cache == 1) {
                ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                    "location \"%V\" has origin events and \"%s\": the "
                    "origin events run on cache hits too and the cache "
                    "stores the origin's response before origin-response "
                    "changes it; for CDN semantics put the origin events "
                    "in an origin-tier server that the caching edge "
                    "proxies to (conf-examples/edge-cdn.conf, "
                    "docs/edge-events.md)", &clcf->name, modules[j][1]);
                return;
            }
        }
    }
#endif
}
