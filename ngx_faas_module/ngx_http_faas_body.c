
/*
 * Bodies: the request body that faas_body exposes to the request events
 * (read before the first of them runs, from memory or from the temp
 * file nginx wrote it to), a replacement of it that goes upstream, and
 * the response body an origin-response replaces.
 */


#include "ngx_http_faas_module.h"


static void ngx_http_faas_body_post_read(ngx_http_request_t *r);


/* faas_body off | SIZE */

char *
ngx_http_faas_body_conf(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char  *p = conf;

    size_t     *sp;
    ssize_t     size;
    ngx_str_t  *value;

    sp = (size_t *) (p + cmd->offset);

    if (*sp != NGX_CONF_UNSET_SIZE) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        *sp = 0;
        return NGX_CONF_OK;
    }

    size = ngx_parse_size(&value[1]);

    if (size <= 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\" in \"%V\" directive",
                           &value[1], &cmd->name);
        return NGX_CONF_ERROR;
    }

    *sp = size;

    return NGX_CONF_OK;
}


/*
 * Reads the whole request body once for the request events: NGX_OK when
 * it is in, NGX_DONE while nginx reads it (the phase handler that asked
 * runs again when it is in), or an error status (413, 400 ...).  As
 * lua-nginx-module does in its rewrite and access phases, the post-read
 * handler balances the count ngx_http_read_client_request_body() took
 * and resumes the phases only when the read did not finish at once.
 */

ngx_int_t
ngx_http_faas_read_body(ngx_http_request_t *r, ngx_http_faas_ctx_t *ctx)
{
    ngx_int_t  rc;

    if (ctx->body_read) {
        return NGX_OK;
    }

    if (ctx->body_waiting) {
        return NGX_DONE;
    }

    rc = ngx_http_read_client_request_body(r, ngx_http_faas_body_post_read);

    if (rc == NGX_ERROR || rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    if (rc == NGX_AGAIN || !ctx->body_read) {
        ctx->body_waiting = 1;
        return NGX_DONE;
    }

    return NGX_OK;
}


static void
ngx_http_faas_body_post_read(ngx_http_request_t *r)
{
    ngx_http_faas_ctx_t  *ctx;

    r->main->count--;

    ctx = ngx_http_faas_get_ctx(r);
    if (ctx == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    ctx->body_read = 1;

    if (ctx->body_waiting) {
        ctx->body_waiting = 0;
        r->write_event_handler = ngx_http_core_run_phases;
        ngx_http_core_run_phases(r);
    }
}


/*
 * The host's body operation: request.body with faas_body, response.body
 * once ngx_http_faas_response_body.c holds all of it.
 */

int
ngx_http_faas_body_get(void *req, faas_msg_e msg, faas_body_t *body)
{
    ngx_http_request_t  *r = req;

    ngx_http_faas_ctx_t       *ctx;
    ngx_http_faas_loc_conf_t  *flcf;

    flcf = ngx_http_get_module_loc_conf(r, ngx_http_faas_module);

    if (msg == FAAS_MSG_RESPONSE) {
        ctx = ngx_http_get_module_ctx(r, ngx_http_faas_module);

        if (ctx == NULL || !ctx->resp_body_ready) {
            return FAAS_DECLINED;
        }

        body->data.data = (const char *) ctx->resp_body.data;
        body->data.len = ctx->resp_body.len;
        body->max = flcf->response_body;
        body->truncated = 0;

        return FAAS_OK;
    }

    if (flcf->body == 0 || r != r->main
        || r->request_body == NULL)
    {
        return FAAS_DECLINED;
    }

    ctx = ngx_http_faas_get_ctx(r);
    if (ctx == NULL) {
        return FAAS_ERROR;
    }

    if (!ctx->req_body_loaded) {
        if (ngx_http_faas_body_load(r, ctx, flcf->body) != NGX_OK) {
            return FAAS_ERROR;
        }

        ctx->req_body_loaded = 1;
    }

    body->data.data = (const char *) ctx->req_body.data;
    body->data.len = ctx->req_body.len;
    body->max = flcf->body;
    body->truncated = ctx->req_body_size > (off_t) ctx->req_body.len;

    return FAAS_OK;
}


/* the first max bytes of the body, from its buffers and its temp file */

ngx_int_t
ngx_http_faas_body_load(ngx_http_request_t *r, ngx_http_faas_ctx_t *ctx,
    size_t max)
{
    off_t         size;
    size_t        len, n;
    u_char       *p;
    ssize_t       rd;
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    size = 0;

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        size += ngx_buf_size(cl->buf);
    }

    ctx->req_body_size = size;

    len = (size > (off_t) max) ? max : (size_t) size;

    p = ngx_pnalloc(r->pool, len + 1);
    if (p == NULL) {
        return NGX_ERROR;
    }

    ctx->req_body.data = p;
    ctx->req_body.len = len;

    for (cl = r->request_body->bufs; cl && len; cl = cl->next) {
        b = cl->buf;

        if (ngx_buf_in_memory(b)) {
            n = ngx_min((size_t) (b->last - b->pos), len);
            p = ngx_cpymem(p, b->pos, n);
            len -= n;
            continue;
        }

        if (!b->in_file) {
            continue;
        }

        n = (size_t) ngx_min(b->file_last - b->file_pos, (off_t) len);

        rd = ngx_read_file(b->file, p, n, b->file_pos);

        if (rd == NGX_ERROR) {
            return NGX_ERROR;
        }

        if ((size_t) rd != n) {
            ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                          "faas: read only %z of %uz bytes of the request "
                          "body from \"%V\"", rd, n, &b->file->name);
            return NGX_ERROR;
        }

        p += n;
        len -= n;
    }

    return NGX_OK;
}


/*
 * The host's set_body: a request body goes upstream instead of the one
 * the client sent (the proxy module sends r->request_body->bufs with
 * Content-Length from content_length_n); a response body replaces the
 * origin's in the body filter.
 */

int
ngx_http_faas_body_set(void *req, faas_msg_e msg, faas_str_t *data)
{
    ngx_http_request_t  *r = req;

    u_char               *p;
    ngx_buf_t            *b;
    ngx_chain_t          *cl;
    ngx_http_faas_ctx_t  *ctx;

    ctx = ngx_http_faas_get_ctx(r);
    if (ctx == NULL) {
        return FAAS_ERROR;
    }

    p = ngx_pnalloc(r->pool, data->len + 1);
    if (p == NULL) {
        return FAAS_ERROR;
    }

    ngx_memcpy(p, data->data, data->len);

    if (msg == FAAS_MSG_RESPONSE) {
        ctx->body.data = p;
        ctx->body.len = data->len;
        ctx->replace_body = 1;

        /* viewer-response sees what origin-response left */

        if (ctx->resp_body_ready) {
            ctx->resp_body.data = p;
            ctx->resp_body.len = data->len;
        }

        ngx_http_clear_content_length(r);
        ngx_http_clear_accept_ranges(r);
        r->headers_out.content_length_n = data->len;

        return FAAS_OK;
    }

    if (r->request_body == NULL) {
        return FAAS_ERROR;
    }

    cl = NULL;

    if (data->len) {
        b = ngx_calloc_buf(r->pool);
        cl = ngx_alloc_chain_link(r->pool);

        if (b == NULL || cl == NULL) {
            return FAAS_ERROR;
        }

        b->pos = p;
        b->last = p + data->len;
        b->start = b->pos;
        b->end = b->last;
        b->temporary = 1;
        b->last_buf = 1;

        cl->buf = b;
        cl->next = NULL;
    }

    r->request_body->bufs = cl;
    r->headers_in.content_length_n = data->len;
    r->headers_in.chunked = 0;

    if (r->headers_in.content_length) {
        p = ngx_pnalloc(r->pool, NGX_OFF_T_LEN);
        if (p == NULL) {
            return FAAS_ERROR;
        }

        r->headers_in.content_length->value.data = p;
        r->headers_in.content_length->value.len =
            ngx_sprintf(p, "%uz", data->len) - p;
    }

    /* what the next function of a sequence sees */

    ctx->req_body.data = cl ? cl->buf->pos : p;
    ctx->req_body.len = data->len;
    ctx->req_body_size = data->len;
    ctx->req_body_loaded = 1;

    return FAAS_OK;
}
