
/*
 * faas_content FN: the location's content handler is a function, the
 * API gateway case.  The function gets the request event (eventType
 * "content", request.body with faas_body) and must return a response;
 * it is the origin, so the location's origin-request runs before it and
 * origin-response and viewer-response after.
 */


#include "ngx_http_faas_module.h"


static void ngx_http_faas_content_body(ngx_http_request_t *r);
static ngx_int_t ngx_http_faas_content_run(ngx_http_request_t *r);


ngx_int_t
ngx_http_faas_content_handler(ngx_http_request_t *r)
{
    ngx_int_t                  rc;
    ngx_http_faas_loc_conf_t  *flcf;

    flcf = ngx_http_get_module_loc_conf(r, ngx_http_faas_module);

    if (flcf->body) {

        /* as the proxy module does: the function runs when it is in */

        rc = ngx_http_read_client_request_body(r,
                                               ngx_http_faas_content_body);

        if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
            return rc;
        }

        return NGX_DONE;
    }

    rc = ngx_http_discard_request_body(r);

    if (rc != NGX_OK) {
        return rc;
    }

    return ngx_http_faas_content_run(r);
}


static void
ngx_http_faas_content_body(ngx_http_request_t *r)
{
    ngx_http_finalize_request(r, ngx_http_faas_content_run(r));
}


static ngx_int_t
ngx_http_faas_content_run(ngx_http_request_t *r)
{
    ngx_int_t                  rc;
    ngx_http_faas_ctx_t       *ctx;
    ngx_http_faas_loc_conf_t  *flcf;

    flcf = ngx_http_get_module_loc_conf(r, ngx_http_faas_module);

    ctx = ngx_http_faas_get_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_faas_run(r, flcf->events[FAAS_CONTENT], FAAS_CONTENT,
                           &ctx->call);

    if (rc == FAAS_DONE) {
        return ngx_http_faas_send(r, ctx);
    }

    if (rc == FAAS_AGAIN) {

        /* the content phase finalizes with NGX_DONE: one more reference
           keeps the request until the handler goes on */

        r->main->count++;
        return NGX_DONE;
    }

    /* nothing to pass to: faas_on_error pass does not apply here */

    return ngx_http_faas_fail_status(&ctx->call);
}
