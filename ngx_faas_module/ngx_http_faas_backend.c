
/*
 * faas_backend NAME protocol=... location=... [...]: a backend of the
 * regional tier; faas_forward BACKEND ACTION: a location whose requests
 * go to a backend function as API-gateway events.
 */


#include "ngx_http_faas_module.h"


static char *ngx_http_faas_backend_param(ngx_conf_t *cf, ngx_str_t *v,
    faas_backend_conf_t *bc, ngx_str_t *file);
static ngx_int_t ngx_http_faas_time(ngx_str_t *v, size_t skip,
    uint64_t *us, ngx_uint_t zero);
static void ngx_http_faas_backend_cleanup(void *data);
static ngx_int_t ngx_http_faas_forward_handler(ngx_http_request_t *r);
static void ngx_http_faas_forward_body(ngx_http_request_t *r);
static ngx_int_t ngx_http_faas_forward_run(ngx_http_request_t *r);
static ngx_int_t ngx_http_faas_forward_answer(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx);
static void ngx_http_faas_forward_log(ngx_http_request_t *r, const char *what,
    const char *msg);
static void ngx_http_faas_env(const char *name, faas_str_t *out);


char *
ngx_http_faas_backend(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_faas_main_conf_t *fmcf = conf;

    char                      *rv;
    char                       err[NGX_MAX_ERROR_STR];
    ngx_str_t                 *value, file;
    ngx_uint_t                 i;
    faas_backend_t            *b;
    ngx_pool_cleanup_t        *cln;
    faas_backend_conf_t        bc;
    ngx_http_faas_backend_t   *be;

    value = cf->args->elts;

    be = fmcf->backends.elts;

    for (i = 0; i < fmcf->backends.nelts; i++) {
        if (be[i].name.len == value[1].len
            && ngx_strncmp(be[i].name.data, value[1].data, value[1].len)
               == 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "duplicate faas_backend \"%V\"", &value[1]);
            return NGX_CONF_ERROR;
        }
    }

    ngx_memzero(&bc, sizeof(faas_backend_conf_t));
    ngx_str_null(&file);

    bc.name.data = (char *) value[1].data;
    bc.name.len = value[1].len;
    bc.protocol = (faas_proto_e) -1;
    bc.ns.data = "_";
    bc.ns.len = 1;
    bc.timeout = 10000000;
    bc.retries = 1;
    bc.breaker = 5;
    bc.breaker_open = 10000000;
    bc.function_error = NGX_HTTP_BAD_GATEWAY;
    bc.max_answer = 1024 * 1024;

    for (i = 2; i < cf->args->nelts; i++) {
        rv = ngx_http_faas_backend_param(cf, &value[i], &bc, &file);
        if (rv != NGX_CONF_OK) {
            return rv;
        }
    }

    if (bc.protocol == (faas_proto_e) -1 || bc.location.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "faas_backend \"%V\" needs "
                           "protocol=openwhisk|lambda|http and "
                           "location=/internal/uri", &value[1]);
        return NGX_CONF_ERROR;
    }

    if (bc.location.data[0] != '/') {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "faas_backend \"%V\": "
                           "location= must be a URI of this server, like "
                           "/_backend", &value[1]);
        return NGX_CONF_ERROR;
    }

    if (file.len) {
        if (ngx_conf_full_name(cf->cycle, &file, 0) != NGX_OK) {
            return NGX_CONF_ERROR;
        }

        bc.credentials = (const char *) file.data;
    }

    ngx_http_faas_env("AWS_ACCESS_KEY_ID", &bc.env_key);
    ngx_http_faas_env("AWS_SECRET_ACCESS_KEY", &bc.env_secret);
    ngx_http_faas_env("AWS_SESSION_TOKEN", &bc.env_token);

    b = faas_backend_create(&bc, err, sizeof(err));
    if (b == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "faas_backend \"%V\": %s",
                           &value[1], err);
        return NGX_CONF_ERROR;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        faas_backend_destroy(b);
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_http_faas_backend_cleanup;
    cln->data = b;

    be = ngx_array_push(&fmcf->backends);
    if (be == NULL) {
        return NGX_CONF_ERROR;
    }

    be->name = value[1];
    be->backend = b;

    /* the sweeper keeps expired results as long as one may be served */

    if (bc.stale_if_error > fmcf->cache_grace) {
        fmcf->cache_grace = bc.stale_if_error;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_faas_backend_param(ngx_conf_t *cf, ngx_str_t *v,
    faas_backend_conf_t *bc, ngx_str_t *file)
{
    u_char     *eq;
    ngx_int_t   n;
    uint64_t    us;
    ngx_str_t   name, arg;

    eq = ngx_strlchr(v->data, v->data + v->len, '=');
    if (eq == NULL) {
        goto invalid;
    }

    name.data = v->data;
    name.len = eq - v->data;
    arg.data = eq + 1;
    arg.len = v->data + v->len - arg.data;

#define ngx_http_faas_is(s)                                                   \
    (name.len == sizeof(s) - 1 && ngx_strncmp(name.data, s, name.len) == 0)

    if (ngx_http_faas_is("protocol")) {
        if (faas_backend_proto_parse((char *) arg.data, arg.len,
                                     &bc->protocol)
            != FAAS_OK)
        {
            goto invalid;
        }

        return NGX_CONF_OK;
    }

    if (arg.len == 0) {
        goto invalid;
    }

    if (ngx_http_faas_is("location")) {
        bc->location.data = (char *) arg.data;
        bc->location.len = arg.len;
        return NGX_CONF_OK;
    }

    if (ngx_http_faas_is("credentials")) {
        *file = arg;
        return NGX_CONF_OK;
    }

    if (ngx_http_faas_is("namespace")) {
        if (ngx_strlchr(arg.data, arg.data + arg.len, '/')) {
            goto invalid;
        }

        bc->ns.data = (char *) arg.data;
        bc->ns.len = arg.len;
        return NGX_CONF_OK;
    }

    if (ngx_http_faas_is("region")) {
        bc->region.data = (char *) arg.data;
        bc->region.len = arg.len;
        return NGX_CONF_OK;
    }

    if (ngx_http_faas_is("host")) {
        bc->host.data = (char *) arg.data;
        bc->host.len = arg.len;
        return NGX_CONF_OK;
    }

    if (ngx_http_faas_is("timeout")) {
        if (ngx_http_faas_time(&arg, 0, &bc->timeout, 0) != NGX_OK) {
            goto invalid;
        }

        return NGX_CONF_OK;
    }

    if (ngx_http_faas_is("breaker_open")) {
        if (ngx_http_faas_time(&arg, 0, &bc->breaker_open, 0) != NGX_OK) {
            goto invalid;
        }

        return NGX_CONF_OK;
    }

    if (ngx_http_faas_is("cache_ttl") || ngx_http_faas_is("stale_if_error")) {
        if (ngx_http_faas_time(&arg, 0, &us, 1) != NGX_OK) {
            goto invalid;
        }

        if (name.data[0] == 'c') {
            bc->cache_ttl = us / 1000;

        } else {
            bc->stale_if_error = us / 1000;
        }

        return NGX_CONF_OK;
    }

    if (ngx_http_faas_is("max_answer")) {
        n = ngx_parse_size(&arg);
        if (n <= 0) {
            goto invalid;
        }

        bc->max_answer = n;
        return NGX_CONF_OK;
    }

    n = ngx_atoi(arg.data, arg.len);

    if (ngx_http_faas_is("retries") && n != NGX_ERROR && n <= 10) {
        bc->retries = n;
        return NGX_CONF_OK;
    }

    if (ngx_http_faas_is("breaker") && n != NGX_ERROR && n <= 1000) {
        bc->breaker = n;
        return NGX_CONF_OK;
    }

    if (ngx_http_faas_is("function_error") && n >= 500 && n <= 599) {
        bc->function_error = n;
        return NGX_CONF_OK;
    }

#undef ngx_http_faas_is

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid parameter \"%V\"", v);

    return NGX_CONF_ERROR;
}


/* an nginx time ("10s", "250ms") in microseconds; 0 only if allowed */

static ngx_int_t
ngx_http_faas_time(ngx_str_t *v, size_t skip, uint64_t *us, ngx_uint_t zero)
{
    ngx_int_t  n;
    ngx_str_t  s;

    s.data = v->data + skip;
    s.len = v->len - skip;

    n = ngx_parse_time(&s, 0);

    if (n == NGX_ERROR || (n == 0 && !zero)) {
        return NGX_ERROR;
    }

    *us = (uint64_t) n * 1000;

    return NGX_OK;
}


/* read by the master when it loads the configuration */

static void
ngx_http_faas_env(const char *name, faas_str_t *out)
{
    char  *v;

    v = getenv(name);

    out->data = v ? v : "";
    out->len = v ? ngx_strlen(v) : 0;
}


static void
ngx_http_faas_backend_cleanup(void *data)
{
    faas_backend_destroy(data);
}


faas_backend_t *
ngx_http_faas_backend_get(void *req, faas_str_t *name)
{
    ngx_http_request_t  *r = req;

    ngx_uint_t                  i;
    ngx_http_faas_backend_t    *be;
    ngx_http_faas_main_conf_t  *fmcf;

    fmcf = ngx_http_get_module_main_conf(r, ngx_http_faas_module);
    be = fmcf->backends.elts;

    for (i = 0; i < fmcf->backends.nelts; i++) {
        if (be[i].name.len == name->len
            && ngx_strncmp(be[i].name.data, name->data, name->len) == 0)
        {
            return be[i].backend;
        }
    }

    return NULL;
}


char *
ngx_http_faas_forward(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_faas_loc_conf_t *flcf = conf;

    ngx_str_t                 *value;
    faas_str_t                 name;
    ngx_http_request_t         fake;
    ngx_http_core_loc_conf_t  *clcf;

    if (flcf->forward) {
        return "is duplicate";
    }

    value = cf->args->elts;

    /* the backend's lookup takes a request: one that has this conf */

    ngx_memzero(&fake, sizeof(ngx_http_request_t));
    fake.main_conf = ((ngx_http_conf_ctx_t *) cf->ctx)->main_conf;

    name.data = (char *) value[1].data;
    name.len = value[1].len;

    flcf->forward = ngx_http_faas_backend_get(&fake, &name);

    if (flcf->forward == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "unknown faas_backend "
                           "\"%V\" (declare it before the server blocks)",
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    flcf->forward_action = value[2];

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_faas_forward_handler;

    return NGX_CONF_OK;
}


/*
 * The content handler: the body is read (faas_body caps it, 1m when not
 * set), the event sent, and the handler runs again when the call is
 * ready (see ngx_http_faas_invoke.c).
 */

static ngx_int_t
ngx_http_faas_forward_handler(ngx_http_request_t *r)
{
    ngx_int_t  rc;

    rc = ngx_http_read_client_request_body(r, ngx_http_faas_forward_body);

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    return NGX_DONE;
}


static void
ngx_http_faas_forward_body(ngx_http_request_t *r)
{
    ngx_http_finalize_request(r, ngx_http_faas_forward_run(r));
}


static ngx_int_t
ngx_http_faas_forward_run(ngx_http_request_t *r)
{
    char                       *event;
    size_t                      max, len;
    ngx_int_t                   rc;
    faas_str_t                  action, payload, body;
    faas_invoke_t              *inv;
    faas_invoke_opts_t          opts;
    ngx_http_faas_ctx_t        *ctx;
    ngx_http_faas_loc_conf_t   *flcf;
    ngx_http_faas_main_conf_t  *fmcf;

    flcf = ngx_http_get_module_loc_conf(r, ngx_http_faas_module);
    fmcf = ngx_http_get_module_main_conf(r, ngx_http_faas_module);

    ctx = ngx_http_faas_get_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ctx->forward) {
        if (!ngx_http_faas_wait_ready(ctx->wait)) {
            r->main->count++;
            return NGX_DONE;
        }

        return ngx_http_faas_forward_answer(r, ctx);
    }

    max = flcf->body ? flcf->body : 1024 * 1024;

    body.data = NULL;
    body.len = 0;

    if (r->request_body && r->request_body->bufs) {
        if (ngx_http_faas_body_load(r, ctx, max) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        if (ctx->req_body_size > (off_t) max) {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "faas_forward: a request body of %O bytes is "
                          "over the %uz of faas_body", ctx->req_body_size,
                          max);
            return NGX_HTTP_REQUEST_ENTITY_TOO_LARGE;
        }

        body.data = (const char *) ctx->req_body.data;
        body.len = ctx->req_body.len;
    }

    event = faas_forward_event(&ngx_http_faas_host, r,
                               faas_backend_protocol(flcf->forward), &body,
                               &len);
    if (event == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    action.data = (const char *) flcf->forward_action.data;
    action.len = flcf->forward_action.len;
    payload.data = event;
    payload.len = len;

    opts.cache_ttl = UINT64_MAX;
    opts.deadline = 0;

    inv = faas_invoke_create(flcf->forward, &action, &payload, &opts,
                             fmcf->store);
    free(event);

    if (inv == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->forward = inv;

    if (faas_invoke_state(inv) == FAAS_INVOKE_READY) {
        return ngx_http_faas_forward_answer(r, ctx);
    }

    rc = ngx_http_faas_wait(r, ctx, inv);
    if (rc != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->main->count++;

    return NGX_DONE;
}


/* the function's answer becomes the response; errors map to statuses */

static ngx_int_t
ngx_http_faas_forward_answer(ngx_http_request_t *r, ngx_http_faas_ctx_t *ctx)
{
    int                 rc;
    char                err[256];
    void               *mem;
    faas_str_t          result;
    const char         *msg, *cache;
    faas_invoke_t      *inv;
    faas_response_t     resp;
    faas_invoke_err_e   e;

    inv = ctx->forward;
    ngx_http_faas_backend_invoked(r, inv);

    e = faas_invoke_result(inv, &result, &msg, &cache);

    if (e != FAAS_INVOKE_OK) {
        ngx_http_faas_forward_log(r, "", msg);

        switch (e) {

        case FAAS_INVOKE_E_TIMEOUT:
            return NGX_HTTP_GATEWAY_TIME_OUT;

        case FAAS_INVOKE_E_THROTTLED:
        case FAAS_INVOKE_E_OPEN:
            return NGX_HTTP_SERVICE_UNAVAILABLE;

        case FAAS_INVOKE_E_FUNCTION:
            return faas_backend_function_error(faas_invoke_backend(inv));

        default:
            return NGX_HTTP_BAD_GATEWAY;
        }
    }

    rc = faas_forward_response(faas_backend_protocol(faas_invoke_backend(inv)),
                               &result, &resp, &mem, err, sizeof(err));

    if (rc != FAAS_OK) {
        ngx_http_faas_forward_log(r, "invalid answer: ", err);
        return NGX_HTTP_BAD_GATEWAY;
    }

    rc = ngx_http_faas_host.respond(r, &resp);
    free(mem);

    if (rc != FAAS_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_faas_send(r, ctx);
}


/*
 * An error of the forwarded call, with its action and the request id,
 * which ties the line to $faas_request_id in the access log
 */

static void
ngx_http_faas_forward_log(ngx_http_request_t *r, const char *what,
    const char *msg)
{
    faas_str_t                 id;
    ngx_http_faas_loc_conf_t  *flcf;

    flcf = ngx_http_get_module_loc_conf(r, ngx_http_faas_module);

    if (ngx_http_faas_host.get(r, FAAS_FIELD_REQUEST_ID, &id) != FAAS_OK) {
        id.data = "-";
        id.len = 1;
    }

    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                  "faas_forward: action \"%V\", request_id=%*s: %s%s",
                  &flcf->forward_action, id.len, (u_char *) id.data, what,
                  msg);
}
