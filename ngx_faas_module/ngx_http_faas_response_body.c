
/*
 * faas_response_body SIZE: the response events see the response body
 * (response.body), beyond what Lambda@Edge allows.
 *
 * A filter pair above the event filters of ngx_http_faas_viewer.c holds
 * the response header back, as the xslt filter does: the header filter
 * returns without passing the header on, the body filter copies the body
 * (in memory: r->filter_need_in_memory makes the copy filter read files)
 * and marks what it copied as sent.  With the last buffer the header goes
 * on to the event filters, which run origin-response and viewer-response
 * with the body, and then the body follows as one buffer.  A body larger
 * than SIZE stops the holding: what was copied and the rest go on, and
 * the events run without response.body, as for a response whose
 * Content-Length already says it is too large.
 *
 * Byte ranges are turned off for a held response: the range body filter
 * sits above this one in the chain and would never see the ranges that
 * the range header filter, below, decides on.
 */


#include "ngx_http_faas_module.h"


static ngx_int_t ngx_http_faas_hold_header_filter(ngx_http_request_t *r);
static ngx_int_t ngx_http_faas_hold_body_filter(ngx_http_request_t *r,
    ngx_chain_t *in);
static ngx_int_t ngx_http_faas_hold_release(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx, ngx_chain_t *rest, ngx_uint_t last);


static ngx_http_output_header_filter_pt  ngx_http_next_header_filter;
static ngx_http_output_body_filter_pt    ngx_http_next_body_filter;


ngx_int_t
ngx_http_faas_response_body_init(ngx_conf_t *cf)
{
    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_faas_hold_header_filter;

    ngx_http_next_body_filter = ngx_http_top_body_filter;
    ngx_http_top_body_filter = ngx_http_faas_hold_body_filter;

    return NGX_OK;
}


static ngx_int_t
ngx_http_faas_hold_header_filter(ngx_http_request_t *r)
{
    ngx_http_faas_ctx_t       *ctx;
    ngx_http_faas_loc_conf_t  *flcf;

    flcf = ngx_http_get_module_loc_conf(r, ngx_http_faas_module);

    if (flcf->response_body == 0 || r != r->main || r->header_only
        || r->method == NGX_HTTP_HEAD
        || r->headers_out.status == NGX_HTTP_NO_CONTENT
        || r->headers_out.status == NGX_HTTP_NOT_MODIFIED
        || r->headers_out.content_length_n > (off_t) flcf->response_body)
    {
        return ngx_http_next_header_filter(r);
    }

    ctx = ngx_http_faas_get_ctx(r);
    if (ctx == NULL) {
        return NGX_ERROR;
    }

    if (ctx->resp_body_ready
        || !ngx_http_faas_response_events_due(r, ctx, flcf))
    {
        return ngx_http_next_header_filter(r);
    }

    ctx->resp_buffering = 1;
    ctx->resp_body.len = 0;

    r->filter_need_in_memory = 1;
    r->allow_ranges = 0;

    return NGX_OK;
}


static ngx_int_t
ngx_http_faas_hold_body_filter(ngx_http_request_t *r, ngx_chain_t *in)
{
    size_t                     size, n;
    u_char                    *p;
    ngx_buf_t                 *b;
    ngx_chain_t               *cl;
    ngx_http_faas_ctx_t       *ctx;
    ngx_http_faas_loc_conf_t  *flcf;

    ctx = ngx_http_get_module_ctx(r, ngx_http_faas_module);

    if (ctx == NULL || !ctx->resp_buffering || r != r->main) {
        return ngx_http_next_body_filter(r, in);
    }

    flcf = ngx_http_get_module_loc_conf(r, ngx_http_faas_module);

    for (cl = in; cl; cl = cl->next) {
        b = cl->buf;

        if (!ngx_buf_in_memory(b) && ngx_buf_size(b)) {

            /* cannot happen with filter_need_in_memory: give up holding */

            return ngx_http_faas_hold_release(r, ctx, cl, 0);
        }

        size = ngx_buf_in_memory(b) ? (size_t) (b->last - b->pos) : 0;

        if (ctx->resp_body.len + size > flcf->response_body) {
            return ngx_http_faas_hold_release(r, ctx, cl, 0);
        }

        if (size) {
            if (ctx->resp_body.len + size > ctx->resp_body_size) {

                /* the Content-Length when known, else doubling */

                n = ngx_max(ctx->resp_body_size * 2, 4096);

                if (r->headers_out.content_length_n > 0) {
                    n = ngx_max(n, (size_t) r->headers_out.content_length_n);
                }

                n = ngx_min(n, flcf->response_body);
                n = ngx_max(n, ctx->resp_body.len + size);

                p = ngx_pnalloc(r->pool, n);
                if (p == NULL) {
                    return NGX_ERROR;
                }

                if (ctx->resp_body.len) {
                    ngx_memcpy(p, ctx->resp_body.data, ctx->resp_body.len);
                }

                ctx->resp_body.data = p;
                ctx->resp_body_size = n;
            }

            ngx_memcpy(ctx->resp_body.data + ctx->resp_body.len, b->pos,
                       size);
            ctx->resp_body.len += size;

            b->pos = b->last;
        }

        if (b->in_file) {
            b->file_pos = b->file_last;
        }

        if (b->last_buf) {
            ctx->resp_body_ready = 1;
            return ngx_http_faas_hold_release(r, ctx, NULL, 1);
        }
    }

    return NGX_OK;
}


/*
 * Lets the header go on (the events run there), then the body held so
 * far as one buffer, followed by rest when the holding stopped early.
 */

static ngx_int_t
ngx_http_faas_hold_release(ngx_http_request_t *r, ngx_http_faas_ctx_t *ctx,
    ngx_chain_t *rest, ngx_uint_t last)
{
    ngx_int_t     rc;
    ngx_buf_t    *b;
    ngx_chain_t   out;

    ctx->resp_buffering = 0;

    rc = ngx_http_next_header_filter(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    if (ctx->resp_body.len == 0 && !last) {
        return rest ? ngx_http_next_body_filter(r, rest) : NGX_OK;
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_ERROR;
    }

    if (ctx->resp_body.len) {
        b->pos = ctx->resp_body.data;
        b->last = ctx->resp_body.data + ctx->resp_body.len;
        b->memory = 1;
    }

    b->last_buf = last;
    b->last_in_chain = last;
    b->flush = !last;

    out.buf = b;
    out.next = rest;

    return ngx_http_next_body_filter(r, &out);
}
