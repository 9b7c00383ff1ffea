/*
 * faas_on_error pass: a failed function changes nothing.
 *
 * The event's tables are written back only when a handler succeeds, but
 * faas.req and faas.resp write nginx's request and response in the call.
 * Where a failure passes the request on, the first write of each message
 * in an invocation saves what the writes can change, and a failure puts
 * it back: the headers structure (its list, the pointers into the list,
 * the status of a response), the list's last part as it was (a push may
 * have filled it or chained a new one), the uri and arguments of a
 * request, and the response headers hidden in place.  Elements pushed
 * past the saved end are left in the pool, unreachable.
 *
 * Where a failure fails the request, nothing is saved: the request or
 * the response is replaced by the error.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_faas_module.h"


typedef struct {
    ngx_table_elt_t            *header;
    ngx_uint_t                  hash;
} ngx_http_faas_hidden_t;


struct ngx_http_faas_undo_s {
    unsigned                    armed:1;
    unsigned                    saved_in:1;
    unsigned                    saved_out:1;

    ngx_http_headers_in_t       headers_in;
    ngx_list_part_t            *in_last;
    ngx_uint_t                  in_nelts;
    ngx_list_part_t            *in_next;
    ngx_str_t                   uri;
    ngx_str_t                   args;
    ngx_str_t                   exten;
    unsigned                    valid_unparsed_uri:1;

    ngx_http_headers_out_t      headers_out;
    ngx_list_part_t            *out_last;
    ngx_uint_t                  out_nelts;
    ngx_list_part_t            *out_next;
    ngx_array_t                 hidden;     /* ngx_http_faas_hidden_t */
};


/* before a function runs: its writes are saved if a failure passes */

ngx_int_t
ngx_http_faas_undo_arm(ngx_http_request_t *r, ngx_http_faas_ctx_t *ctx,
    ngx_uint_t pass)
{
    if (!pass) {
        if (ctx->undo) {
            ctx->undo->armed = 0;
        }

        return NGX_OK;
    }

    if (ctx->undo == NULL) {
        ctx->undo = ngx_pcalloc(r->pool, sizeof(ngx_http_faas_undo_t));
        if (ctx->undo == NULL) {
            return NGX_ERROR;
        }

        if (ngx_array_init(&ctx->undo->hidden, r->pool, 4,
                           sizeof(ngx_http_faas_hidden_t))
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    ctx->undo->armed = 1;
    ctx->undo->saved_in = 0;
    ctx->undo->saved_out = 0;
    ctx->undo->hidden.nelts = 0;

    return NGX_OK;
}


static ngx_http_faas_undo_t *
ngx_http_faas_undo_get(ngx_http_request_t *r)
{
    ngx_http_faas_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r->main, ngx_http_faas_module);

    return (ctx && ctx->undo && ctx->undo->armed) ? ctx->undo : NULL;
}


/* called by the host before it changes the request (0) or the response */

void
ngx_http_faas_undo_save(ngx_http_request_t *r, ngx_uint_t response)
{
    ngx_http_faas_undo_t  *u;

    u = ngx_http_faas_undo_get(r);
    if (u == NULL) {
        return;
    }

    if (!response && !u->saved_in) {
        u->saved_in = 1;
        u->headers_in = r->headers_in;
        u->in_last = r->headers_in.headers.last;
        u->in_nelts = u->in_last->nelts;
        u->in_next = u->in_last->next;
        u->uri = r->uri;
        u->args = r->args;
        u->exten = r->exten;
        u->valid_unparsed_uri = r->valid_unparsed_uri;

    } else if (response && !u->saved_out) {
        u->saved_out = 1;
        u->headers_out = r->headers_out;
        u->out_last = r->headers_out.headers.last;
        u->out_nelts = u->out_last->nelts;
        u->out_next = u->out_last->next;
    }
}


/* a response header about to be hidden; NGX_ERROR if it cannot be kept */

ngx_int_t
ngx_http_faas_undo_hide(ngx_http_request_t *r, ngx_table_elt_t *e)
{
    ngx_http_faas_undo_t    *u;
    ngx_http_faas_hidden_t  *h;

    u = ngx_http_faas_undo_get(r);
    if (u == NULL) {
        return NGX_OK;
    }

    h = ngx_array_push(&u->hidden);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->header = e;
    h->hash = e->hash;

    return NGX_OK;
}


/* after a function: a failure puts back what its writes changed */

void
ngx_http_faas_undo_end(ngx_http_request_t *r, ngx_http_faas_ctx_t *ctx,
    ngx_uint_t failed)
{
    ngx_uint_t               i;
    ngx_http_faas_undo_t    *u;
    ngx_http_faas_hidden_t  *h;

    u = ctx->undo;

    if (u == NULL || !u->armed) {
        return;
    }

    u->armed = 0;

    if (!failed) {
        return;
    }

    if (u->saved_in) {
        r->headers_in = u->headers_in;
        u->in_last->nelts = u->in_nelts;
        u->in_last->next = u->in_next;
        r->uri = u->uri;
        r->args = u->args;
        r->exten = u->exten;
        r->valid_unparsed_uri = u->valid_unparsed_uri;
    }

    if (u->saved_out) {
        r->headers_out = u->headers_out;
        u->out_last->nelts = u->out_nelts;
        u->out_last->next = u->out_next;

        h = u->hidden.elts;

        for (i = 0; i < u->hidden.nelts; i++) {
            h[i].header->hash = h[i].hash;
        }
    }
}
