
/*
 * The viewer events: viewer-request first in the location's rewrite
 * phase, viewer-response in the header filter of every response going to
 * the client.
 */


#include "ngx_http_faas_module.h"


static ngx_int_t ngx_http_faas_viewer_request(ngx_http_request_t *r);
static ngx_int_t ngx_http_faas_header_filter(ngx_http_request_t *r);
static ngx_int_t ngx_http_faas_body_filter(ngx_http_request_t *r,
    ngx_chain_t *in);
static void ngx_http_faas_replace_response(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx, ngx_int_t status);
static void ngx_http_faas_ctx_cleanup(void *data);


static ngx_http_output_header_filter_pt  ngx_http_next_header_filter;
static ngx_http_output_body_filter_pt    ngx_http_next_body_filter;


ngx_int_t
ngx_http_faas_viewer_init(ngx_conf_t *cf)
{
    ngx_http_faas_main_conf_t  *fmcf;

    /*
     * Handlers of a phase run in the reverse order of registration, and a
     * dynamic module's postconfiguration runs after the rewrite module's:
     * so viewer-request runs ahead of the location's rewrite, return and
     * set, which then see what the function changed.
     */

    if (ngx_http_faas_add_handler(cf, NGX_HTTP_REWRITE_PHASE,
                                  ngx_http_faas_viewer_request)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    /*
     * The filters run the response events and replace or hold a
     * response's body, only ever for a location with a response event:
     * without one anywhere, a request does not pass through them (as
     * ngx_lua installs its header filter only for header_filter_by_lua).
     */

    fmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_faas_module);

    if (!(fmcf->declared & NGX_HTTP_FAAS_RESPONSE_EVENTS)) {
        return NGX_OK;
    }

    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_faas_header_filter;

    ngx_http_next_body_filter = ngx_http_top_body_filter;
    ngx_http_top_body_filter = ngx_http_faas_body_filter;

    /* above these filters: faas_response_body holds the header back */

    return ngx_http_faas_response_body_init(cf);
}


/*
 * The context survives internal redirects (which clear r->ctx) through
 * its pool cleanup, so an error_page or a rewrite ... last does not run
 * the viewer events of one viewer request twice.
 */

ngx_http_faas_ctx_t *
ngx_http_faas_get_ctx(ngx_http_request_t *r)
{
    ngx_pool_cleanup_t   *cln;
    ngx_http_faas_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_faas_module);
    if (ctx) {
        return ctx;
    }

    for (cln = r->pool->cleanup; cln; cln = cln->next) {
        if (cln->handler == ngx_http_faas_ctx_cleanup) {
            ctx = cln->data;

            if (ctx->request == r) {
                ngx_http_set_ctx(r, ctx, ngx_http_faas_module);
                return ctx;
            }
        }
    }

    cln = ngx_pool_cleanup_add(r->pool, sizeof(ngx_http_faas_ctx_t));
    if (cln == NULL) {
        return NULL;
    }

    ctx = cln->data;
    ngx_memzero(ctx, sizeof(ngx_http_faas_ctx_t));
    ctx->request = r;

    cln->handler = ngx_http_faas_ctx_cleanup;

    ngx_http_set_ctx(r, ctx, ngx_http_faas_module);

    return ctx;
}


static void
ngx_http_faas_ctx_cleanup(void *data)
{
    ngx_http_faas_ctx_t  *ctx = data;

    /* a request that goes away while a handler waits for a backend */

    if (ctx->wait) {
        ngx_http_faas_wait_cleanup(ctx->wait);
    }

    faas_cancel(&ctx->call);
    faas_invoke_destroy(ctx->forward);
}


/*
 * Runs a sequence: each function sees what the one before wrote back.
 * FAAS_AGAIN: a handler waits for a backend (call is ctx->call); the
 * phase handler returns and is run again when the call is ready, and
 * this goes on where the sequence stopped.
 */

ngx_int_t
ngx_http_faas_run(ngx_http_request_t *r, ngx_array_t *fns,
    faas_event_e event, faas_call_t *call)
{
    uint64_t                    now;
    ngx_int_t                   rc;
    ngx_msec_t                  us;
    ngx_uint_t                  i, resumed, pass;
    faas_function_t           **fn;
    ngx_http_faas_ctx_t        *ctx;
    ngx_http_faas_loc_conf_t   *flcf;
    ngx_http_faas_main_conf_t  *fmcf;

    ctx = ngx_http_faas_get_ctx(r->main);
    fn = fns->elts;

    if (ctx == NULL) {
        call->fail = FAAS_FAIL_MEMORY;
        return FAAS_ERROR;
    }

    flcf = ngx_http_get_module_loc_conf(r, ngx_http_faas_module);

    /* content functions have nothing to pass to */
    pass = (flcf->on_error == NGX_HTTP_FAAS_ON_ERROR_PASS
            && event != FAAS_CONTENT);

    /* only the call of a request event waits: the one in the context */

    if (call == &ctx->call && call->parked) {
        if (!ngx_http_faas_wait_ready(ctx->wait)) {
            return FAAS_AGAIN;
        }

        i = ctx->seq;
        rc = faas_resume(call);
        resumed = 1;

    } else {
        fmcf = ngx_http_get_module_main_conf(r, ngx_http_faas_module);

        ngx_memzero(call, sizeof(faas_call_t));

        call->event = event;
        call->host = &ngx_http_faas_host;
        call->req = r;
        call->store = fmcf->store;
        call->body_max = flcf->response_max;

        /* the header filter cannot wait: a response event never does */
        call->can_wait = (event != FAAS_ORIGIN_RESPONSE
                          && event != FAAS_VIEWER_RESPONSE);

        i = 0;
        rc = FAAS_OK;
        resumed = 0;
        now = faas_now_us();
    }

    for ( ;; ) {

        if (!resumed) {
            if (i == fns->nelts) {
                return FAAS_OK;
            }

            /* a function of a sequence starts when the one before ended */

            call->fn = fn[i];
            call->start = now;

            if ((pass || ctx->undo)
                && ngx_http_faas_undo_arm(r, ctx, pass) != NGX_OK)
            {
                call->fail = FAAS_FAIL_MEMORY;
                return FAAS_ERROR;
            }

            rc = faas_call(call);
        }

        resumed = 0;

        if (rc == FAAS_AGAIN) {
            ctx->seq = i;

            if (ngx_http_faas_wait(r, ctx, call->invoke) != NGX_OK) {
                faas_cancel(call);
                call->fail = FAAS_FAIL_MEMORY;
                return FAAS_ERROR;
            }

            return FAAS_AGAIN;
        }

        if (ctx->undo) {
            ngx_http_faas_undo_end(r, ctx, rc == FAAS_ERROR);
        }

        /* the time of the function, waits for backends included */

        now = faas_now_us();
        us = now - call->start;

        ctx->duration_us += us;

        ngx_http_faas_stats_add(r, call, us);

        if (rc != FAAS_OK) {
            return rc;
        }

        i++;
    }
}


/*
 * A limit hit or a state commit that failed (map full: the server's
 * capacity, not the function's fault) is "service unavailable", any
 * other failure "bad gateway".
 */

ngx_int_t
ngx_http_faas_fail_status(faas_call_t *call)
{
    return (call->fail == FAAS_FAIL_TIMEOUT || call->fail == FAAS_FAIL_MEMORY
            || call->fail == FAAS_FAIL_STATE)
           ? NGX_HTTP_SERVICE_UNAVAILABLE : NGX_HTTP_BAD_GATEWAY;
}


static ngx_int_t
ngx_http_faas_viewer_request(ngx_http_request_t *r)
{
    ngx_int_t                  rc;
    ngx_http_faas_ctx_t       *ctx;
    ngx_http_faas_loc_conf_t  *flcf;

    flcf = ngx_http_get_module_loc_conf(r, ngx_http_faas_module);

    if (flcf->events[FAAS_VIEWER_REQUEST] == NULL || r != r->main) {
        return NGX_DECLINED;
    }

    ctx = ngx_http_faas_get_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ctx->viewer_request_done && !ctx->call.parked) {
        return NGX_DECLINED;
    }

    /* faas_body: NGX_DONE until the body is in, then this runs again */

    if (flcf->body) {
        rc = ngx_http_faas_read_body(r, ctx);
        if (rc != NGX_OK) {
            return rc;
        }
    }

    ctx->viewer_request_done = 1;

    rc = ngx_http_faas_run(r, flcf->events[FAAS_VIEWER_REQUEST],
                           FAAS_VIEWER_REQUEST, &ctx->call);

    switch (rc) {

    case FAAS_OK:
        return NGX_DECLINED;

    case FAAS_AGAIN:
        return NGX_DONE;

    case FAAS_DONE:

        /* Lambda@Edge: neither origin events nor viewer-response */

        ctx->skip_origin_response = 1;
        ctx->skip_viewer_response = 1;
        return ngx_http_faas_send(r, ctx);

    default:
        if (flcf->on_error == NGX_HTTP_FAAS_ON_ERROR_PASS) {
            return NGX_DECLINED;
        }

        return ngx_http_faas_fail_status(&ctx->call);
    }
}


/* sends the response a request event or a content function generated */

ngx_int_t
ngx_http_faas_send(ngx_http_request_t *r, ngx_http_faas_ctx_t *ctx)
{
    ngx_int_t     rc;
    ngx_chain_t   out;

    if (ngx_http_discard_request_body(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->headers_out.status = ctx->status;
    r->headers_out.content_length_n = ctx->body.len;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    /*
     * An empty body is a bare last buf, not header_only: origin-response
     * may have given the response a body in the header filter (ctx->body
     * is then the new one).
     */

    if (ngx_http_faas_last_buf(r, &ctx->body, &out) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_http_output_filter(r, &out);
}


/* whether the header filter below will run a response event */

ngx_uint_t
ngx_http_faas_response_events_due(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx, ngx_http_faas_loc_conf_t *flcf)
{
    return (flcf->events[FAAS_ORIGIN_RESPONSE] && ctx->origin_reached
            && !ctx->skip_origin_response && !ctx->origin_response_done)
           || (flcf->events[FAAS_VIEWER_RESPONSE]
               && !ctx->skip_viewer_response && !ctx->viewer_response_done);
}


static ngx_int_t
ngx_http_faas_header_filter(ngx_http_request_t *r)
{
    ngx_int_t                  rc;
    faas_call_t                call;
    ngx_http_faas_ctx_t       *ctx;
    ngx_http_faas_loc_conf_t  *flcf;

    flcf = ngx_http_get_module_loc_conf(r, ngx_http_faas_module);

    if ((flcf->events[FAAS_VIEWER_RESPONSE] == NULL
         && flcf->events[FAAS_ORIGIN_RESPONSE] == NULL)
        || r != r->main)
    {
        return ngx_http_next_header_filter(r);
    }

    ctx = ngx_http_faas_get_ctx(r);
    if (ctx == NULL) {
        return NGX_ERROR;
    }

    /*
     * origin-response first, on what the content phase produced (the
     * origin: an upstream, a file, a content function); not on a
     * response generated by a request event, nor on one nginx made
     * before the content phase (an access denial, a rewrite "return").
     */

    if (flcf->events[FAAS_ORIGIN_RESPONSE] && ctx->origin_reached
        && !ctx->skip_origin_response && !ctx->origin_response_done)
    {
        ctx->origin_response_done = 1;

        rc = ngx_http_faas_run(r, flcf->events[FAAS_ORIGIN_RESPONSE],
                               FAAS_ORIGIN_RESPONSE, &call);

        if (rc == FAAS_ERROR
            && flcf->on_error == NGX_HTTP_FAAS_ON_ERROR_FAIL)
        {
            ngx_http_faas_replace_response(r, ctx,
                                           ngx_http_faas_fail_status(&call));
        }
    }

    /* Lambda@Edge: a response viewer-request generated skips it */

    if (flcf->events[FAAS_VIEWER_RESPONSE] == NULL
        || ctx->skip_viewer_response || ctx->viewer_response_done)
    {
        return ngx_http_next_header_filter(r);
    }

    ctx->viewer_response_done = 1;

    rc = ngx_http_faas_run(r, flcf->events[FAAS_VIEWER_RESPONSE],
                           FAAS_VIEWER_RESPONSE, &call);

    if (rc == FAAS_ERROR
        && flcf->on_error == NGX_HTTP_FAAS_ON_ERROR_FAIL)
    {
        ngx_http_faas_replace_response(r, ctx,
                                       ngx_http_faas_fail_status(&call));
    }

    return ngx_http_next_header_filter(r);
}


/*
 * The response is already under way when viewer-response fails: its
 * headers are replaced by an error's and the body filter swallows its
 * body in favour of the error page.
 */

static void
ngx_http_faas_replace_response(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx, ngx_int_t status)
{
    u_char  *p;

    p = ngx_pnalloc(r->pool, 160);
    if (p == NULL) {
        return;
    }

    ctx->body.data = p;
    ctx->body.len = ngx_snprintf(p, 160,
                        "<html>" CRLF
                        "<head><title>%i function error</title></head>" CRLF
                        "<body>" CRLF
                        "<center><h1>%i function error</h1></center>" CRLF
                        "</body>" CRLF
                        "</html>" CRLF, status, status)
                    - p;
    ctx->replace_body = 1;

    if (ngx_list_init(&r->headers_out.headers, r->pool, 4,
                      sizeof(ngx_table_elt_t))
        != NGX_OK)
    {
        return;
    }

    ngx_memzero(&r->headers_out.status_line,
                sizeof(ngx_http_headers_out_t)
                - offsetof(ngx_http_headers_out_t, status_line));

    r->headers_out.status = status;
    r->headers_out.content_length_n = ctx->body.len;
    r->headers_out.last_modified_time = -1;
    ngx_str_set(&r->headers_out.content_type, "text/html");
    r->headers_out.content_type_len = r->headers_out.content_type.len;
}


static ngx_int_t
ngx_http_faas_body_filter(ngx_http_request_t *r, ngx_chain_t *in)
{
    ngx_chain_t          *cl, out;
    ngx_http_faas_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_faas_module);

    if (ctx == NULL || !ctx->replace_body || r != r->main) {
        return ngx_http_next_body_filter(r, in);
    }

    for (cl = in; cl; cl = cl->next) {
        cl->buf->pos = cl->buf->last;
        cl->buf->file_pos = cl->buf->file_last;
    }

    if (ctx->body_sent || r->header_only) {
        return NGX_OK;
    }

    ctx->body_sent = 1;

    if (ngx_http_faas_last_buf(r, &ctx->body, &out) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_http_next_body_filter(r, &out);
}


/* out: the whole body as the last buffer (an empty one is a bare one) */

ngx_int_t
ngx_http_faas_last_buf(ngx_http_request_t *r, ngx_str_t *body,
    ngx_chain_t *out)
{
    ngx_buf_t  *b;

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_ERROR;
    }

    b->pos = body->data;
    b->last = body->data + body->len;
    b->memory = body->len ? 1 : 0;
    b->last_buf = 1;
    b->last_in_chain = 1;

    out->buf = b;
    out->next = NULL;

    return NGX_OK;
}
