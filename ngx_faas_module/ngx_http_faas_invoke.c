
/*
 * Backend calls without blocking the worker.  A call the runtime wants
 * sent (faas_backend.h) becomes a subrequest to the backend's internal
 * location, as auth_request does, so keepalive, TLS, resolver and
 * upstream failover are the proxy module's.  A body filter of ours keeps
 * the answer (up to the backend's max_answer=: more is "too big", and
 * costs the client nothing, unlike an in-memory subrequest over its
 * buffer, which ends the client's connection).  The
 * subrequest runs in the background: the request it serves can answer
 * the client before it ends (a deadline that passed).
 *
 * The request that waits is woken through a posted event, from the
 * subrequest's end, a timer (the deadline, a Retry-After) or an identical
 * call that another request made; the event runs the request's phases
 * again, and the handler that waited finds the call ready.
 */


#include "ngx_http_faas_module.h"


static ngx_int_t ngx_http_faas_wait_send(ngx_http_faas_wait_t *w);
static ngx_int_t ngx_http_faas_wait_done(ngx_http_request_t *sr, void *data,
    ngx_int_t rc);
static void ngx_http_faas_wait_answer(ngx_http_faas_wait_t *w,
    ngx_http_request_t *sr, ngx_int_t rc, faas_backend_response_t *resp);
static int ngx_http_faas_wait_header(void *arg, faas_header_t *h);
static void ngx_http_faas_wait_timer(ngx_event_t *ev);
static void ngx_http_faas_wait_abort(ngx_http_faas_wait_t *w);
static void ngx_http_faas_wait_wake(void *data);
static void ngx_http_faas_wait_resume(ngx_event_t *ev);
static ngx_int_t ngx_http_faas_wait_headers(ngx_http_request_t *sr,
    faas_backend_request_t *req);
static ngx_int_t ngx_http_faas_capture_filter(ngx_http_request_t *r,
    ngx_chain_t *in);


static ngx_http_output_body_filter_pt  ngx_http_next_body_filter;


ngx_int_t
ngx_http_faas_invoke_init(ngx_conf_t *cf)
{
    ngx_http_next_body_filter = ngx_http_top_body_filter;
    ngx_http_top_body_filter = ngx_http_faas_capture_filter;

    return NGX_OK;
}


/* the answer of a backend subrequest: kept, never sent to the client */

static ngx_int_t
ngx_http_faas_capture_filter(ngx_http_request_t *r, ngx_chain_t *in)
{
    u_char                *p;
    size_t                 n, size, max;
    ngx_chain_t           *cl;
    ngx_http_faas_wait_t  *w;

    if (r == r->main || r->post_subrequest == NULL
        || r->post_subrequest->handler != ngx_http_faas_wait_done)
    {
        return ngx_http_next_body_filter(r, in);
    }

    w = r->post_subrequest->data;
    max = (w->inv && w->sr == r)
          ? faas_backend_max_answer(faas_invoke_backend(w->inv)) : 0;

    for (cl = in; cl; cl = cl->next) {
        n = ngx_buf_in_memory(cl->buf) ? cl->buf->last - cl->buf->pos : 0;

        if (n && w->sr == r && !w->too_big) {

            if (w->answer.len + n > max) {
                w->too_big = 1;

            } else if (w->answer.len + n > w->size) {
                size = ngx_max(w->size * 2, w->answer.len + n);
                size = ngx_min(size, max);

                p = ngx_pnalloc(r->pool, size);
                if (p == NULL) {
                    return NGX_ERROR;
                }

                if (w->answer.len) {
                    ngx_memcpy(p, w->answer.data, w->answer.len);
                }

                w->answer.data = p;
                w->size = size;
            }

            if (!w->too_big) {
                ngx_memcpy(w->answer.data + w->answer.len, cl->buf->pos, n);
                w->answer.len += n;
            }
        }

        cl->buf->pos = cl->buf->last;

        if (cl->buf->in_file) {
            cl->buf->file_pos = cl->buf->file_last;
        }
    }

    return NGX_OK;
}


/*
 * Starts waiting for inv: sends its request, or waits for an identical
 * call, or for the delay before a retry.  NGX_OK, or NGX_ERROR (the call
 * is then ready with an error, or the request cannot go on).
 */

ngx_int_t
ngx_http_faas_wait(ngx_http_request_t *r, ngx_http_faas_ctx_t *ctx,
    faas_invoke_t *inv)
{
    ngx_http_faas_wait_t  *w;

    w = ctx->wait;

    if (w == NULL) {
        w = ngx_pcalloc(r->pool, sizeof(ngx_http_faas_wait_t));
        if (w == NULL) {
            return NGX_ERROR;
        }

        w->request = r;

        w->timer.handler = ngx_http_faas_wait_timer;
        w->timer.data = w;
        w->timer.log = r->connection->log;

        w->resume.handler = ngx_http_faas_wait_resume;
        w->resume.data = w;
        w->resume.log = r->connection->log;

        ctx->wait = w;
    }

    w->inv = inv;
    w->sr = NULL;
    w->delayed = 0;

    faas_invoke_set_wake(inv, ngx_http_faas_wait_wake, w);

    /*
     * A client that closes its connection while the call waits ends the
     * request at once (499): the cleanup cancels the invocation and the
     * request to the backend, rather than both running to their end.
     */

    r->read_event_handler = ngx_http_test_reading;

    return ngx_http_faas_wait_drive(w);
}


/* does what the call's state asks for */

ngx_int_t
ngx_http_faas_wait_drive(ngx_http_faas_wait_t *w)
{
    uint64_t    now, deadline, delay;
    ngx_msec_t  ms;

    now = faas_now_us();
    deadline = faas_invoke_deadline(w->inv);

    switch (faas_invoke_state(w->inv)) {

    case FAAS_INVOKE_SEND:
        delay = faas_invoke_delay(w->inv);

        if (delay && !w->delayed) {

            /* Retry-After: the timer sends it */

            w->delayed = 1;
            w->timer_delay = 1;

            if (w->timer.timer_set) {
                ngx_del_timer(&w->timer);
            }

            ngx_add_timer(&w->timer, (ngx_msec_t) (delay / 1000 + 1));
            return NGX_OK;
        }

        w->delayed = 0;

        if (ngx_http_faas_wait_send(w) != NGX_OK) {
            return NGX_ERROR;
        }

        break;

    case FAAS_INVOKE_WAIT:
        break;

    default: /* FAAS_INVOKE_READY */
        if (w->timer.timer_set) {
            ngx_del_timer(&w->timer);
        }

        if (!w->resume.posted) {
            ngx_post_event(&w->resume, &ngx_posted_events);
        }

        return NGX_OK;
    }

    /* the deadline of the call, whatever it waits for */

    ms = deadline > now ? (ngx_msec_t) ((deadline - now + 999) / 1000) : 1;

    if (w->timer.timer_set) {
        ngx_del_timer(&w->timer);
    }

    w->timer_delay = 0;
    ngx_add_timer(&w->timer, ms);

    return NGX_OK;
}


static ngx_int_t
ngx_http_faas_wait_send(ngx_http_faas_wait_t *w)
{
    ngx_str_t                    uri, args;
    ngx_buf_t                   *b;
    ngx_chain_t                 *cl;
    ngx_http_request_t          *r, *sr;
    faas_backend_request_t      *req;
    ngx_http_post_subrequest_t  *ps;

    r = w->request;
    req = faas_invoke_request(w->inv);

    /* the call's strings go with the call: the subrequest keeps copies */

    uri.len = req->uri.len;
    uri.data = ngx_pnalloc(r->pool, uri.len + req->args.len + 1);
    if (uri.data == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(uri.data, req->uri.data, uri.len);

    args.len = req->args.len;
    args.data = uri.data + uri.len;

    if (args.len) {
        ngx_memcpy(args.data, req->args.data, args.len);
    }

    ps = ngx_palloc(r->pool, sizeof(ngx_http_post_subrequest_t));
    if (ps == NULL) {
        return NGX_ERROR;
    }

    ps->handler = ngx_http_faas_wait_done;
    ps->data = w;

    if (ngx_http_subrequest(r, &uri, &args, &sr, ps,
                            NGX_HTTP_SUBREQUEST_BACKGROUND)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    /* a body in a temp file is read into memory for the capture filter */
    sr->filter_need_in_memory = 1;

    sr->method = NGX_HTTP_POST;
    ngx_str_set(&sr->method_name, "POST");

    if (ngx_http_faas_wait_headers(sr, req) != NGX_OK) {
        return NGX_ERROR;
    }

    sr->request_body = ngx_pcalloc(r->pool, sizeof(ngx_http_request_body_t));
    if (sr->request_body == NULL) {
        return NGX_ERROR;
    }

    b = ngx_create_temp_buf(r->pool, req->body.len ? req->body.len : 1);
    cl = ngx_alloc_chain_link(r->pool);

    if (b == NULL || cl == NULL) {
        return NGX_ERROR;
    }

    b->last = ngx_cpymem(b->pos, req->body.data, req->body.len);
    b->last_buf = 1;

    cl->buf = b;
    cl->next = NULL;

    sr->request_body->bufs = cl;
    sr->request_body->buf = b;
    sr->headers_in.content_length_n = req->body.len;

    w->sr = sr;
    w->start = ngx_current_msec;
    w->answer.len = 0;
    w->too_big = 0;

    return NGX_OK;
}


/*
 * The subrequest gets only the call's headers: the client's cookies and
 * credentials never reach a backend.
 */

static ngx_int_t
ngx_http_faas_wait_headers(ngx_http_request_t *sr,
    faas_backend_request_t *req)
{
    size_t            i;
    ngx_table_elt_t  *h;

    ngx_memzero(&sr->headers_in, sizeof(ngx_http_headers_in_t));

    sr->headers_in.content_length_n = -1;
    sr->headers_in.keep_alive_n = -1;

    if (ngx_list_init(&sr->headers_in.headers, sr->pool, req->nheaders + 1,
                      sizeof(ngx_table_elt_t))
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    for (i = 0; i < req->nheaders; i++) {
        if (ngx_http_faas_push_header(sr, &sr->headers_in.headers,
                                      &req->headers[i], &h)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        /* $http_host: what lambda signed (proxy_set_header Host $http_host) */

        if (h->key.len == 4 && ngx_strncmp(h->lowcase_key, "host", 4) == 0) {
            sr->headers_in.host = h;
        }
    }

    return NGX_OK;
}


/* the subrequest ended: what it got goes to the call */

static ngx_int_t
ngx_http_faas_wait_done(ngx_http_request_t *sr, void *data, ngx_int_t rc)
{
    ngx_http_faas_wait_t  *w = data;

    faas_backend_response_t  resp;

    if (w->sr != sr) {

        /* a call that stopped waiting (its deadline passed) */

        return NGX_OK;
    }

    w->sr = NULL;

    ngx_http_faas_wait_answer(w, sr, rc, &resp);

    ngx_http_faas_backend_stats(w->request, faas_invoke_backend(w->inv),
                                resp.end == FAAS_BACKEND_ANSWERED
                                ? resp.status : 0,
                                ngx_current_msec - w->start);

    (void) faas_invoke_done(w->inv, &resp);

    /* the rest from the posted event, out of the subrequest's stack */

    if (!w->resume.posted) {
        ngx_post_event(&w->resume, &ngx_posted_events);
    }

    /* an error status is the call's answer, not the client's page */

    return NGX_OK;
}


static void
ngx_http_faas_wait_answer(ngx_http_faas_wait_t *w, ngx_http_request_t *sr,
    ngx_int_t rc, faas_backend_response_t *resp)
{
    ngx_uint_t            status;
    ngx_array_t          *a;
    ngx_http_upstream_t  *u;

    ngx_memzero(resp, sizeof(faas_backend_response_t));

    u = sr->upstream;

    /*
     * Behind proxy_pass, nginx's own error pages are no answer of the
     * backend.  A location that answers itself (a return, a content
     * handler) has no upstream: its status is the answer.
     */

    if (u == NULL) {
        status = sr->headers_out.status ? sr->headers_out.status
                 : (rc >= NGX_HTTP_SPECIAL_RESPONSE ? (ngx_uint_t) rc : 0);

    } else {
        status = u->headers_in.status_n;
    }

    if (status == 0 || (u == NULL && rc == NGX_ERROR)) {
        resp->end = (rc == NGX_HTTP_GATEWAY_TIME_OUT)
                    ? FAAS_BACKEND_TIMEOUT : FAAS_BACKEND_UNREACHABLE;
        return;
    }

    if (w->too_big) {
        resp->end = FAAS_BACKEND_TOO_BIG;
        return;
    }

    /*
     * An answer cut short: the subrequest still ends with 0 once the
     * header was passed on, so the length tells (and the pipe, for a
     * chunked answer that broke off).
     */

    if (u
        && ((u->headers_in.content_length_n >= 0
             && (off_t) w->answer.len < u->headers_in.content_length_n)
            || (u->pipe && (u->pipe->upstream_error
                            || (u->pipe->upstream_eof
                                && u->pipe->length > 0)))))
    {
        resp->end = FAAS_BACKEND_UNREACHABLE;
        return;
    }

    if (u
        && (rc == NGX_ERROR
            || (rc >= NGX_HTTP_SPECIAL_RESPONSE
                && sr->headers_out.status < 400)))
    {

        /* the answer started, then went wrong (closed, timed out) */

        resp->end = (rc == NGX_HTTP_GATEWAY_TIME_OUT)
                    ? FAAS_BACKEND_TIMEOUT : FAAS_BACKEND_UNREACHABLE;
        return;
    }

    resp->end = FAAS_BACKEND_ANSWERED;
    resp->status = status;

    resp->body.data = (const char *) w->answer.data;
    resp->body.len = w->answer.len;

    /* the host's own view of response headers, lowercase names */

    a = ngx_array_create(sr->pool, 8, sizeof(faas_header_t));

    if (a == NULL
        || ngx_http_faas_host.headers(sr, FAAS_MSG_RESPONSE, NULL,
                                      ngx_http_faas_wait_header, a)
           != FAAS_OK)
    {
        return;
    }

    resp->headers = a->elts;
    resp->nheaders = a->nelts;
}


static int
ngx_http_faas_wait_header(void *arg, faas_header_t *h)
{
    ngx_array_t  *a = arg;

    faas_header_t  *fh;

    fh = ngx_array_push(a);
    if (fh == NULL) {
        return FAAS_ERROR;
    }

    *fh = *h;

    return FAAS_OK;
}


static void
ngx_http_faas_wait_timer(ngx_event_t *ev)
{
    ngx_http_faas_wait_t  *w = ev->data;

    faas_backend_response_t  resp;

    if (w->timer_delay) {

        /* Retry-After passed: the subrequest starts with the posted ones */

        if (ngx_http_faas_wait_drive(w) != NGX_OK) {
            ngx_http_finalize_request(w->request,
                                      NGX_HTTP_INTERNAL_SERVER_ERROR);
        }

        ngx_http_run_posted_requests(w->request->connection);
        return;
    }

    /*
     * The deadline: the request to the backend is closed as the client
     * of a proxy_pass would close it, so the request that waited ends
     * now, not when the backend answers.
     */

    if (w->sr) {
        ngx_http_faas_backend_stats(w->request, faas_invoke_backend(w->inv),
                                    0, ngx_current_msec - w->start);
        ngx_http_faas_wait_abort(w);
    }

    ngx_memzero(&resp, sizeof(faas_backend_response_t));
    resp.end = FAAS_BACKEND_TIMEOUT;

    (void) faas_invoke_done(w->inv, &resp);
    (void) ngx_http_faas_wait_drive(w);

    ngx_http_run_posted_requests(w->request->connection);
}


/* an identical call finished, or handed its request over to this one */

static void
ngx_http_faas_wait_wake(void *data)
{
    ngx_http_faas_wait_t  *w = data;

    if (!w->resume.posted) {
        ngx_post_event(&w->resume, &ngx_posted_events);
    }
}


static void
ngx_http_faas_wait_resume(ngx_event_t *ev)
{
    ngx_http_faas_wait_t  *w = ev->data;

    ngx_connection_t    *c;
    ngx_http_request_t  *r;

    r = w->request;
    c = r->connection;

    if (w->inv == NULL) {
        return;
    }

    if (faas_invoke_state(w->inv) != FAAS_INVOKE_READY) {

        /* a retry, or the request of a leader that went away */

        if (ngx_http_faas_wait_drive(w) != NGX_OK) {
            ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        }

        ngx_http_run_posted_requests(c);
        return;
    }

    /* the handler that waits runs again and finds the call ready */

    r->write_event_handler = ngx_http_core_run_phases;
    ngx_http_core_run_phases(r);

    ngx_http_run_posted_requests(c);
}


/*
 * The handler that waited takes the ready call: 1, or 0 while it still
 * waits (a phase handler run again by another event).
 */

ngx_int_t
ngx_http_faas_wait_ready(ngx_http_faas_wait_t *w)
{
    if (w->inv == NULL || faas_invoke_state(w->inv) != FAAS_INVOKE_READY) {
        return 0;
    }

    if (w->timer.timer_set) {
        ngx_del_timer(&w->timer);
    }

    if (w->resume.posted) {
        ngx_delete_posted_event(&w->resume);
    }

    w->inv = NULL;
    w->request->read_event_handler = ngx_http_block_reading;

    return 1;
}


static void
ngx_http_faas_wait_abort(ngx_http_faas_wait_t *w)
{
    ngx_http_request_t     *sr;
    ngx_http_upstream_t    *u;
    ngx_http_cleanup_pt     cleanup;

    sr = w->sr;
    w->sr = NULL;

    u = sr->upstream;

    if (u == NULL || u->cleanup == NULL || *u->cleanup == NULL) {
        return;
    }

    /* finalizes the upstream and the subrequest (NGX_DONE: no handler) */

    cleanup = *u->cleanup;
    cleanup(sr);
}


/* the request goes away while a call waits: nothing may fire later */

void
ngx_http_faas_wait_cleanup(ngx_http_faas_wait_t *w)
{
    if (w->timer.timer_set) {
        ngx_del_timer(&w->timer);
    }

    if (w->resume.posted) {
        ngx_delete_posted_event(&w->resume);
    }

    w->sr = NULL;
}
