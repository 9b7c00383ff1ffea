/*
 * Unit tests of the regional tier without nginx: faas.invoke suspending
 * and resuming handlers (scripting/faas_call.c), invocations of one
 * function waiting side by side, the call's states (faas_invoke.c:
 * cache, sharing, retries, breaker, stale-if-error), the protocols'
 * requests and answers (faas_backend_proto.c) and faas_forward's event
 * and answer (faas_forward.c).  The answers are the documented ones of
 * each service; t/060-062 run the same paths through nginx against a
 * backend that implements the services.
 */

#define _GNU_SOURCE
#include <ftw.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "faas_test.h"
#include "test_host.h"
#include "cache/faas_store.h"
#include "scripting/faas_backend.h"


static char  base[64];
static int   woken;


static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void) st;
    (void) flag;
    (void) ftw;

    return remove(path);
}


static void
wake(void *data)
{
    (void) data;
    woken++;
}


static faas_function_t *
mkfn(const char *name, const char *src)
{
    faas_function_conf_t  conf;

    memset(&conf, 0, sizeof(conf));
    conf.memory = 4 * 1024 * 1024;
    conf.timeout = 2000000;

    return th_function(base, name, src, &conf, NULL, 0);
}


static faas_backend_t *
mkbackend(const char *name, faas_proto_e proto, const char *creds,
    void (*tune)(faas_backend_conf_t *bc))
{
    return th_backend_new(base, name, proto, creds, tune);
}


static faas_store_t *
open_store(void)
{
    char               dir[128], err[FAAS_STORE_ERRLEN];
    faas_store_t      *store;
    faas_store_conf_t  conf;

    snprintf(dir, sizeof(dir), "%s/state", base);
    faas_store_conf_init(&conf, dir);
    conf.sync = 0;

    if (faas_store_check_create(&conf, err, sizeof(err)) != FAAS_STORE_OK
        || faas_store_open(&conf, &store, err, sizeof(err)) != FAAS_STORE_OK)
    {
        fprintf(stderr, "store: %s\n", err);
        exit(1);
    }

    return store;
}


static void
start(faas_call_t *call, th_req_t *r, faas_function_t *fn,
    faas_store_t *store, const char *uri)
{
    th_init(r);
    snprintf(r->fields[FAAS_FIELD_URI], sizeof(r->fields[0]), "%s", uri);

    memset(call, 0, sizeof(faas_call_t));
    call->fn = fn;
    call->event = FAAS_CONTENT;
    call->host = &th_host;
    call->req = r;
    call->store = store;
    call->can_wait = 1;
}


static faas_invoke_state_e
answer(faas_invoke_t *inv, unsigned status, const char *body,
    faas_header_t *h, size_t nh)
{
    faas_backend_response_t  resp;

    memset(&resp, 0, sizeof(resp));
    resp.end = FAAS_BACKEND_ANSWERED;
    resp.status = status;
    resp.body.data = body;
    resp.body.len = strlen(body);
    resp.headers = h;
    resp.nheaders = nh;

    return faas_invoke_done(inv, &resp);
}


static faas_invoke_state_e
no_answer(faas_invoke_t *inv, faas_backend_end_e end)
{
    faas_backend_response_t  resp;

    memset(&resp, 0, sizeof(resp));
    resp.end = end;

    return faas_invoke_done(inv, &resp);
}


static const char *
header(faas_backend_request_t *req, const char *name)
{
    size_t         i;
    static char    buf[1024];

    for (i = 0; i < req->nheaders; i++) {
        if (req->headers[i].key.len == strlen(name)
            && strncasecmp(req->headers[i].key.data, name,
                           req->headers[i].key.len) == 0)
        {
            snprintf(buf, sizeof(buf), "%.*s",
                     (int) req->headers[i].value.len,
                     req->headers[i].value.data);
            return buf;
        }
    }

    return NULL;
}


static faas_invoke_t *
call_of(faas_backend_t *b, const char *action, const char *payload,
    uint64_t ttl, faas_store_t *store)
{
    faas_str_t          a, p;
    faas_invoke_opts_t  o;

    a.data = action;
    a.len = strlen(action);
    p.data = payload;
    p.len = strlen(payload);
    o.cache_ttl = ttl;
    o.deadline = 0;

    return faas_invoke_create(b, &a, &p, &o, store);
}


/* a handler waits, the answer comes, it goes on and responds */

static void
test_suspend_resume(void)
{
    int                      rc;
    th_req_t                 r;
    faas_call_t              call;
    faas_function_t         *fn;
    faas_backend_request_t  *req;

    fn = mkfn("wait1",
        "return function(event)\n"
        "  local res, err = faas.invoke('ow', 'echo', { a = 1 })\n"
        "  return { status = 200, body = res.x .. ' ' .. tostring(err)\n"
        "           .. ' ' .. event.Records[1].cf.request.uri }\n"
        "end\n");

    start(&call, &r, fn, NULL, "/first");
    rc = faas_call(&call);

    FAAS_CHECK(rc == FAAS_AGAIN);
    FAAS_CHECK(call.invoke != NULL);
    FAAS_CHECK(faas_invoke_state(call.invoke) == FAAS_INVOKE_SEND);

    req = faas_invoke_request(call.invoke);
    FAAS_CHECK(req->uri.len == strlen("/_be/api/v1/namespaces/_/actions/echo")
               && memcmp(req->uri.data,
                         "/_be/api/v1/namespaces/_/actions/echo",
                         req->uri.len) == 0);
    FAAS_CHECK(req->args.len == 25
               && memcmp(req->args.data, "blocking=true&result=true", 25)
                  == 0);
    FAAS_CHECK(req->body.len == 7 && memcmp(req->body.data, "{\"a\":1}", 7)
                                     == 0);
    /* base64("uuid:key") */
    FAAS_CHECK_STR(header(req, "Authorization"), "Basic dXVpZDprZXk=");
    FAAS_CHECK_STR(header(req, "Content-Type"), "application/json");

    FAAS_CHECK(answer(call.invoke, 200, "{\"x\":\"two\"}", NULL, 0)
               == FAAS_INVOKE_READY);

    rc = faas_resume(&call);
    FAAS_CHECK(rc == FAAS_DONE);
    FAAS_CHECK_STR(r.body, "two nil /first");
    FAAS_CHECK(call.parked == NULL);

    faas_function_destroy(fn);
}


/*
 * Two invocations of one function wait at once: each keeps its event,
 * its staged kv writes and its result; a cancelled one commits nothing.
 */

static void
test_side_by_side(faas_store_t *store)
{
    th_req_t           r1, r2, r3;
    faas_call_t        c1, c2, c3;
    faas_function_t   *fn;
    faas_store_value_t v;

    fn = mkfn("wait2",
        "return function(event)\n"
        "  local uri = event.Records[1].cf.request.uri\n"
        "  faas.kv.set(uri, 'staged')\n"
        "  local res = faas.invoke('ow', 'echo', { u = uri })\n"
        "  return { status = 200, body = uri .. '=' .. res.u .. ' '\n"
        "           .. tostring(faas.kv.get(uri)) .. ' '\n"
        "           .. tostring(faas.kv.get(uri == '/a' and '/b' or '/a')) }\n"
        "end\n");

    start(&c1, &r1, fn, store, "/a");
    start(&c2, &r2, fn, store, "/b");
    start(&c3, &r3, fn, store, "/c");

    FAAS_CHECK(faas_call(&c1) == FAAS_AGAIN);
    FAAS_CHECK(faas_call(&c2) == FAAS_AGAIN);
    FAAS_CHECK(faas_call(&c3) == FAAS_AGAIN);

    /* the last one goes away: its write must never land */
    faas_cancel(&c3);
    FAAS_CHECK(c3.parked == NULL);

    FAAS_CHECK(answer(c2.invoke, 200, "{\"u\":\"/b\"}", NULL, 0)
               == FAAS_INVOKE_READY);
    FAAS_CHECK(faas_resume(&c2) == FAAS_DONE);

    /* /b sees its own staged write, and not /a's, still staged */
    FAAS_CHECK_STR(r2.body, "/b=/b staged nil");

    FAAS_CHECK(answer(c1.invoke, 200, "{\"u\":\"/a\"}", NULL, 0)
               == FAAS_INVOKE_READY);
    FAAS_CHECK(faas_resume(&c1) == FAAS_DONE);

    /* /a's own write, and /b's committed one */
    FAAS_CHECK_STR(r1.body, "/a=/a staged staged");

    FAAS_CHECK(faas_store_read_begin(store) == FAAS_STORE_OK);
    FAAS_CHECK(faas_store_get(store, "wait2", 5, "/a", 2, 0, &v)
               == FAAS_STORE_OK);
    FAAS_CHECK(faas_store_get(store, "wait2", 5, "/b", 2, 0, &v)
               == FAAS_STORE_OK);
    FAAS_CHECK(faas_store_get(store, "wait2", 5, "/c", 2, 0, &v)
               == FAAS_STORE_NOT_FOUND);
    faas_store_read_end(store);

    faas_function_destroy(fn);
}


/* where faas.invoke cannot wait, or is misused: an error, nothing leaks */

static void
test_misuse(void)
{
    th_req_t          r;
    faas_call_t       call;
    faas_function_t  *fn;

    fn = mkfn("sorter",
        "return function(event)\n"
        "  local t = { 3, 1, 2 }\n"
        "  local ok, err = pcall(table.sort, t, function(a, b)\n"
        "    faas.invoke('ow', 'echo', {})\n"
        "    return a < b\n"
        "  end)\n"
        "  local res = faas.invoke('ow', 'echo', {})\n"
        "  return { status = 200, body = tostring(ok) .. ' ' .. res.v }\n"
        "end\n");

    /* the yield inside table.sort fails; the next call still works */

    start(&call, &r, fn, NULL, "/x");
    FAAS_CHECK(faas_call(&call) == FAAS_AGAIN);
    FAAS_CHECK(answer(call.invoke, 200, "{\"v\":\"ok\"}", NULL, 0)
               == FAAS_INVOKE_READY);
    FAAS_CHECK(faas_resume(&call) == FAAS_DONE);
    FAAS_CHECK_STR(r.body, "false ok");
    faas_function_destroy(fn);

    fn = mkfn("nowait",
        "return function(event) return faas.invoke('ow', 'echo', {}) end\n");

    start(&call, &r, fn, NULL, "/x");
    call.can_wait = 0;
    call.event = FAAS_VIEWER_RESPONSE;
    FAAS_CHECK(faas_call(&call) == FAAS_ERROR);
    FAAS_CHECK(strstr(r.log, "faas.invoke cannot wait in viewer-response")
               != NULL);

    start(&call, &r, fn, NULL, "/x");
    FAAS_CHECK(faas_call(&call) == FAAS_AGAIN);
    faas_cancel(&call);
    faas_function_destroy(fn);

    fn = mkfn("unknown",
        "return function(event) return faas.invoke('nope', 'echo') end\n");

    start(&call, &r, fn, NULL, "/x");
    FAAS_CHECK(faas_call(&call) == FAAS_ERROR);
    FAAS_CHECK(strstr(r.log, "no faas_backend \"nope\"") != NULL);
    faas_function_destroy(fn);

    fn = mkfn("payload",
        "return function(event)\n"
        "  return faas.invoke('ow', 'echo', { f = print })\n"
        "end\n");

    start(&call, &r, fn, NULL, "/x");
    FAAS_CHECK(faas_call(&call) == FAAS_ERROR);
    FAAS_CHECK(strstr(r.log, "faas.invoke: payload:") != NULL);
    faas_function_destroy(fn);
}


static void
tune_cache(faas_backend_conf_t *bc)
{
    bc->cache_ttl = 60000;
    bc->stale_if_error = 60000;
    bc->retries = 0;
}


/* identical cacheable calls share one request; the cache answers later */

static void
test_cache_and_sharing(faas_store_t *store)
{
    faas_str_t       res;
    const char      *msg, *cache;
    faas_backend_t  *b;
    faas_invoke_t   *a1, *a2, *a3, *a4;

    b = mkbackend("shared", FAAS_PROTO_HTTP, NULL, tune_cache);

    a1 = call_of(b, "counter", "{}", UINT64_MAX, store);
    a2 = call_of(b, "counter", "{}", UINT64_MAX, store);
    a3 = call_of(b, "counter", "{\"other\":1}", UINT64_MAX, store);

    FAAS_CHECK(faas_invoke_state(a1) == FAAS_INVOKE_SEND);
    FAAS_CHECK(faas_invoke_state(a2) == FAAS_INVOKE_WAIT);
    FAAS_CHECK(faas_invoke_state(a3) == FAAS_INVOKE_SEND);

    woken = 0;
    faas_invoke_set_wake(a2, wake, NULL);

    FAAS_CHECK(answer(a1, 200, "{\"n\":1}", NULL, 0) == FAAS_INVOKE_READY);
    FAAS_CHECK(woken == 1);
    FAAS_CHECK(faas_invoke_state(a2) == FAAS_INVOKE_READY);

    FAAS_CHECK(faas_invoke_result(a1, &res, &msg, &cache) == FAAS_INVOKE_OK);
    FAAS_CHECK_STR(cache, "miss");
    FAAS_CHECK(faas_invoke_result(a2, &res, &msg, &cache) == FAAS_INVOKE_OK);
    FAAS_CHECK(res.len == 7 && memcmp(res.data, "{\"n\":1}", 7) == 0);
    FAAS_CHECK_STR(cache, "hit");

    /* now from the cache, without a request */
    a4 = call_of(b, "counter", "{}", UINT64_MAX, store);
    FAAS_CHECK(faas_invoke_state(a4) == FAAS_INVOKE_READY);
    FAAS_CHECK(faas_invoke_result(a4, &res, &msg, &cache) == FAAS_INVOKE_OK);
    FAAS_CHECK_STR(cache, "hit");

    faas_invoke_destroy(a1);
    faas_invoke_destroy(a2);
    faas_invoke_destroy(a4);

    /* a leader that goes away hands its request over to a waiter */

    a1 = call_of(b, "counter", "{\"other\":1}", UINT64_MAX, store);
    FAAS_CHECK(faas_invoke_state(a1) == FAAS_INVOKE_WAIT);
    woken = 0;
    faas_invoke_set_wake(a1, wake, NULL);
    faas_invoke_destroy(a3);
    FAAS_CHECK(woken == 1);
    FAAS_CHECK(faas_invoke_state(a1) == FAAS_INVOKE_SEND);

    /* a waiter whose deadline passes stops waiting */
    a2 = call_of(b, "counter", "{\"other\":1}", UINT64_MAX, store);
    FAAS_CHECK(faas_invoke_state(a2) == FAAS_INVOKE_WAIT);
    FAAS_CHECK(no_answer(a2, FAAS_BACKEND_TIMEOUT) == FAAS_INVOKE_READY);
    FAAS_CHECK(faas_invoke_result(a2, &res, &msg, &cache)
               == FAAS_INVOKE_E_TIMEOUT);
    faas_invoke_destroy(a2);

    /* opts.cache_ttl 0: not cached, not shared */
    a2 = call_of(b, "counter", "{\"other\":1}", 0, store);
    FAAS_CHECK(faas_invoke_state(a2) == FAAS_INVOKE_SEND);
    faas_invoke_destroy(a2);

    faas_invoke_destroy(a1);

    /* stale-if-error: an expired result when the backend fails */

    a1 = call_of(b, "stale", "{}", 1, store);
    FAAS_CHECK(answer(a1, 200, "{\"old\":true}", NULL, 0)
               == FAAS_INVOKE_READY);
    faas_invoke_destroy(a1);

    usleep(5000);

    a1 = call_of(b, "stale", "{}", 1, store);
    FAAS_CHECK(faas_invoke_state(a1) == FAAS_INVOKE_SEND);
    FAAS_CHECK(no_answer(a1, FAAS_BACKEND_UNREACHABLE)
               == FAAS_INVOKE_READY);
    FAAS_CHECK(faas_invoke_result(a1, &res, &msg, &cache) == FAAS_INVOKE_OK);
    FAAS_CHECK_STR(cache, "stale");
    FAAS_CHECK(res.len == 12 && memcmp(res.data, "{\"old\":true}", 12) == 0);
    faas_invoke_destroy(a1);

    faas_backend_destroy(b);
}


static void
tune_breaker(faas_backend_conf_t *bc)
{
    bc->retries = 2;
    bc->breaker = 3;
}


/* retries on 503 and 429, Retry-After, then the circuit breaker */

static void
test_retries_breaker(void)
{
    faas_str_t       res;
    const char      *msg, *cache;
    faas_header_t    ra;
    faas_backend_t  *b;
    faas_invoke_t   *inv;

    b = mkbackend("retry", FAAS_PROTO_HTTP, NULL, tune_breaker);

    inv = call_of(b, "flaky", "{}", 0, NULL);
    FAAS_CHECK(answer(inv, 503, "", NULL, 0) == FAAS_INVOKE_SEND);
    FAAS_CHECK(faas_invoke_delay(inv) == 0);
    FAAS_CHECK(answer(inv, 200, "{}", NULL, 0) == FAAS_INVOKE_READY);
    FAAS_CHECK(faas_invoke_attempts(inv) == 2);
    FAAS_CHECK(faas_invoke_result(inv, &res, &msg, &cache) == FAAS_INVOKE_OK);
    FAAS_CHECK(cache == NULL);
    faas_invoke_destroy(inv);

    ra.lname.data = "retry-after";
    ra.lname.len = 11;
    ra.key = ra.lname;
    ra.value.data = "1";
    ra.value.len = 1;

    inv = call_of(b, "throttle", "{}", 0, NULL);
    FAAS_CHECK(answer(inv, 429, "", &ra, 1) == FAAS_INVOKE_SEND);
    FAAS_CHECK(faas_invoke_delay(inv) == 1000000);
    FAAS_CHECK(answer(inv, 429, "", &ra, 1) == FAAS_INVOKE_SEND);
    FAAS_CHECK(answer(inv, 429, "", &ra, 1) == FAAS_INVOKE_READY);
    FAAS_CHECK(faas_invoke_result(inv, &res, &msg, &cache)
               == FAAS_INVOKE_E_THROTTLED);
    FAAS_CHECK(strstr(msg, "Retry-After: 1") != NULL);
    faas_invoke_destroy(inv);

    /* a 400 is not retried; a Retry-After past the deadline neither */
    inv = call_of(b, "bad", "{}", 0, NULL);
    FAAS_CHECK(answer(inv, 400, "", NULL, 0) == FAAS_INVOKE_READY);
    FAAS_CHECK(faas_invoke_result(inv, &res, &msg, &cache)
               == FAAS_INVOKE_E_INVALID);
    faas_invoke_destroy(inv);

    ra.value.data = "60";
    ra.value.len = 2;
    inv = call_of(b, "throttle", "{}", 0, NULL);
    FAAS_CHECK(answer(inv, 429, "", &ra, 1) == FAAS_INVOKE_READY);
    faas_invoke_destroy(inv);

    /* three unreachable attempts in a row open the breaker */
    inv = call_of(b, "down", "{}", 0, NULL);
    FAAS_CHECK(no_answer(inv, FAAS_BACKEND_UNREACHABLE) == FAAS_INVOKE_SEND);
    FAAS_CHECK(no_answer(inv, FAAS_BACKEND_UNREACHABLE) == FAAS_INVOKE_SEND);
    FAAS_CHECK(no_answer(inv, FAAS_BACKEND_UNREACHABLE)
               == FAAS_INVOKE_READY);
    FAAS_CHECK(faas_invoke_result(inv, &res, &msg, &cache)
               == FAAS_INVOKE_E_UNREACHABLE);
    faas_invoke_destroy(inv);

    inv = call_of(b, "down", "{}", 0, NULL);
    FAAS_CHECK(faas_invoke_state(inv) == FAAS_INVOKE_READY);
    FAAS_CHECK(faas_invoke_result(inv, &res, &msg, &cache)
               == FAAS_INVOKE_E_OPEN);
    FAAS_CHECK(strncmp(msg, "circuit open: backend \"retry\" failed 3 times",
                       44) == 0);
    faas_invoke_destroy(inv);

    faas_backend_destroy(b);
}


/* what each protocol's answers mean */

static void
test_answers(faas_backend_t *ow, faas_backend_t *lam, faas_backend_t *fn)
{
    faas_str_t         res;
    const char        *msg, *cache;
    faas_header_t      fe;
    faas_invoke_t     *inv;
    faas_invoke_err_e  e;

    struct {
        faas_backend_t     *b;
        unsigned            status;
        const char         *body;
        int                 function_error;
        faas_invoke_err_e   want;
        const char         *msg;
    } cases[] = {
        { ow, 202, "{\"activationId\":\"abc\"}", 0, FAAS_INVOKE_E_TIMEOUT,
          "timeout: the activation outlived the blocking wait (HTTP 202): "
          "abc" },
        { ow, 502, "{\"error\":\"boom\"}", 0, FAAS_INVOKE_E_FUNCTION,
          "function error (HTTP 502): boom" },
        { ow, 502, "<html>bad gateway</html>", 0, FAAS_INVOKE_E_UNREACHABLE,
          NULL },
        { ow, 200, "[1,2]", 0, FAAS_INVOKE_E_INVALID, NULL },
        { ow, 401, "{\"error\":\"The supplied authentication is invalid\"}",
          0, FAAS_INVOKE_E_REFUSED, "refused: authentication or "
          "authorization failed (HTTP 401): The supplied authentication "
          "is invalid" },
        { ow, 404, "{\"error\":\"The requested resource does not exist.\"}",
          0, FAAS_INVOKE_E_REFUSED, NULL },
        { lam, 200, "{\"errorMessage\":\"m\",\"errorType\":\"T\"}", 1,
          FAAS_INVOKE_E_FUNCTION, "function error (HTTP 200): T: m" },
        { lam, 200, "\"a string result\"", 0, FAAS_INVOKE_OK, NULL },
        { lam, 403, "{\"message\":\"The request signature ...\"}", 0,
          FAAS_INVOKE_E_REFUSED, NULL },
        { fn, 500, "{\"error\":\"oops\"}", 0, FAAS_INVOKE_E_FUNCTION,
          "function error (HTTP 500): oops" },
        { fn, 200, "not json", 0, FAAS_INVOKE_E_INVALID, NULL },
        { fn, 200, "null", 0, FAAS_INVOKE_OK, NULL },
    };
    size_t  i;

    fe.lname.data = "x-amz-function-error";
    fe.lname.len = 20;
    fe.key = fe.lname;
    fe.value.data = "Unhandled";
    fe.value.len = 9;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        inv = call_of(cases[i].b, "echo", "{}", 0, NULL);

        (void) answer(inv, cases[i].status, cases[i].body, &fe,
                      cases[i].function_error);

        /* 502/503 are retried once (retries=1): answer the same again */
        if (faas_invoke_state(inv) == FAAS_INVOKE_SEND) {
            (void) answer(inv, cases[i].status, cases[i].body, &fe,
                          cases[i].function_error);
        }

        e = faas_invoke_result(inv, &res, &msg, &cache);
        FAAS_CHECK(e == cases[i].want);

        if (e != cases[i].want) {
            fprintf(stderr, "  case %zu: %d, %s\n", i, (int) e, msg);
        }

        if (cases[i].msg) {
            FAAS_CHECK_STR(msg, cases[i].msg);
        }

        faas_invoke_destroy(inv);
    }
}


/* lambda: the path, the signed headers; names that are refused */

static void
test_requests(faas_backend_t *lam, faas_backend_t *fn)
{
    char                     want[256];
    time_t                   now;
    struct tm                tm;
    const char              *v;
    faas_invoke_t           *inv;
    faas_backend_request_t  *req;

    inv = call_of(lam, "my-fn:live", "{\"k\":1}", 0, NULL);
    req = faas_invoke_request(inv);

    FAAS_CHECK(req->uri.len
               == strlen("/_be/2015-03-31/functions/my-fn%3Alive/invocations")
               && memcmp(req->uri.data, "/_be/2015-03-31/functions/"
                         "my-fn%3Alive/invocations", req->uri.len) == 0);
    FAAS_CHECK(req->args.len == 0);
    FAAS_CHECK_STR(header(req, "Host"), "lambda.us-east-1.amazonaws.com");
    FAAS_CHECK_STR(header(req, "X-Amz-Security-Token"), "TOKEN");

    now = time(NULL);
    gmtime_r(&now, &tm);
    strftime(want, sizeof(want), "AWS4-HMAC-SHA256 Credential=AKID/%Y%m%d/"
             "us-east-1/lambda/aws4_request, SignedHeaders=content-type;"
             "host;x-amz-date;x-amz-security-token, Signature=", &tm);

    v = header(req, "Authorization");
    FAAS_CHECK(v != NULL && strncmp(v, want, strlen(want)) == 0);
    FAAS_CHECK(v != NULL && strlen(v) == strlen(want) + 64);
    FAAS_CHECK(header(req, "X-Amz-Date") != NULL
               && strlen(header(req, "X-Amz-Date")) == 16);
    faas_invoke_destroy(inv);

    inv = call_of(fn, "resize/small", "{}", 0, NULL);
    req = faas_invoke_request(inv);
    FAAS_CHECK(req->uri.len == strlen("/_be/resize/small"));
    FAAS_CHECK(header(req, "Authorization") == NULL);
    faas_invoke_destroy(inv);

    /* a name that would leave the location, or is no name */

    {
        const char  *bad[] = { "../admin", "a/../b", "", "a b", "a?b",
                               "/x", "a//b", "a/.", NULL };
        int          i;
        faas_str_t   res;
        const char  *msg, *cache;

        for (i = 0; bad[i]; i++) {
            inv = call_of(fn, bad[i], "{}", 0, NULL);
            FAAS_CHECK(faas_invoke_state(inv) == FAAS_INVOKE_READY);
            FAAS_CHECK(faas_invoke_result(inv, &res, &msg, &cache)
                       == FAAS_INVOKE_E_BAD_CALL);
            faas_invoke_destroy(inv);
        }

        inv = call_of(lam, "a/b", "{}", 0, NULL);
        FAAS_CHECK(faas_invoke_state(inv) == FAAS_INVOKE_READY);
        faas_invoke_destroy(inv);
    }
}


/* faas_forward: the event of a request, the response of an answer */

static void
test_forward(void)
{
    char             err[256], *ev;
    void            *mem;
    size_t           len;
    th_req_t         r;
    faas_str_t       body, result;
    faas_response_t  resp;

    th_init(&r);
    strcpy(r.fields[FAAS_FIELD_METHOD], "POST");
    strcpy(r.fields[FAAS_FIELD_URI], "/api/items");
    strcpy(r.fields[FAAS_FIELD_QUERYSTRING], "a=1&a=2&b=x%20y&c");
    th_add(&r, FAAS_MSG_REQUEST, "cookie", "Cookie", "a=1", 3);
    th_add(&r, FAAS_MSG_REQUEST, "cookie", "Cookie", "b=2", 3);

    body.data = "\xff\x00z";
    body.len = 3;

    ev = faas_forward_event(&th_host, &r, FAAS_PROTO_LAMBDA, &body, &len);
    FAAS_CHECK(ev != NULL);
    FAAS_CHECK(strstr(ev, "\"httpMethod\":\"POST\"") != NULL);
    FAAS_CHECK(strstr(ev, "\"path\":\"/api/items\"") != NULL);
    FAAS_CHECK(strstr(ev, "\"queryStringParameters\":{\"a\":\"2\","
                          "\"b\":\"x y\",\"c\":\"\"}") != NULL);
    FAAS_CHECK(strstr(ev, "\"multiValueQueryStringParameters\":{\"a\":"
                          "[\"1\",\"2\"]") != NULL);
    FAAS_CHECK(strstr(ev, "\"Cookie\":[\"a=1\",\"b=2\"]") != NULL);
    FAAS_CHECK(strstr(ev, "\"body\":\"/wB6\",\"isBase64Encoded\":true")
               != NULL);
    FAAS_CHECK(strstr(ev, "\"sourceIp\":\"127.0.0.1\"") != NULL);
    free(ev);

    body.data = "caf\xc3\xa9";
    body.len = 5;

    ev = faas_forward_event(&th_host, &r, FAAS_PROTO_OPENWHISK, &body, &len);
    FAAS_CHECK(ev != NULL);
    FAAS_CHECK(strstr(ev, "\"__ow_method\":\"post\"") != NULL);
    FAAS_CHECK(strstr(ev, "\"__ow_query\":\"a=1&a=2&b=x%20y&c\"") != NULL);
    FAAS_CHECK(strstr(ev, "\"__ow_body\":\"caf\xc3\xa9\"") != NULL);
    FAAS_CHECK(strstr(ev, "\"x-country\":\"DE\"") != NULL);
    free(ev);

    result.data = "{\"statusCode\":201,\"headers\":{\"X-A\":\"1\","
                  "\"Content-Length\":\"99\",\"X-N\":5},"
                  "\"multiValueHeaders\":{\"Set-Cookie\":[\"a=1\",\"b=2\"]},"
                  "\"body\":\"aGk=\",\"isBase64Encoded\":true}";
    result.len = strlen(result.data);

    FAAS_CHECK(faas_forward_response(FAAS_PROTO_LAMBDA, &result, &resp,
                                     &mem, err, sizeof(err)) == FAAS_OK);
    FAAS_CHECK(resp.status == 201);
    FAAS_CHECK(resp.body.len == 2 && memcmp(resp.body.data, "hi", 2) == 0);

    /* content-length is nginx's to set: dropped */
    FAAS_CHECK(resp.nheaders == 4);
    FAAS_CHECK(resp.nheaders == 4
               && resp.headers[1].value.len == 1
               && resp.headers[1].value.data[0] == '5'
               && resp.headers[3].lname.len == 10
               && memcmp(resp.headers[3].lname.data, "set-cookie", 10) == 0);
    free(mem);

    {
        struct {
            faas_proto_e   p;
            const char    *json;
            const char    *err;
        } bad[] = {
            { FAAS_PROTO_LAMBDA, "{\"body\":\"x\"}", "no statusCode" },
            { FAAS_PROTO_HTTP, "{\"statusCode\":600}", "from 200 to 599" },
            { FAAS_PROTO_HTTP, "[1]", "not a JSON object" },
            { FAAS_PROTO_HTTP, "{\"statusCode\":200,\"headers\":"
              "{\"bad name\":\"x\"}}", "invalid header name" },
            { FAAS_PROTO_HTTP, "{\"statusCode\":200,\"headers\":"
              "{\"x\":\"a\\r\\nb\"}}", "invalid value of header" },
            { FAAS_PROTO_HTTP, "{\"statusCode\":200,\"body\":\"!!\","
              "\"isBase64Encoded\":true}", "not base64" },
            { FAAS_PROTO_HTTP, "{\"statusCode\":200,\"headers\":"
              "{\"x\":{}}}", "string, number or boolean" },
            /* found by fuzz_backend: an entry with no value to count */
            { FAAS_PROTO_HTTP, "{\"statusCode\":200,\"headers\":"
              "{\"x\":[]}}", "string, number or boolean" },
        };
        size_t  i;

        for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            result.data = bad[i].json;
            result.len = strlen(bad[i].json);
            err[0] = '\0';

            FAAS_CHECK(faas_forward_response(bad[i].p, &result, &resp, &mem,
                                             err, sizeof(err))
                       == FAAS_ERROR);
            FAAS_CHECK(strstr(err, bad[i].err) != NULL);
            FAAS_CHECK(mem == NULL);
        }
    }

    /* OpenWhisk: statusCode defaults to 200, an object body is JSON */
    result.data = "{\"body\":{\"a\":[1,2]}}";
    result.len = strlen(result.data);
    FAAS_CHECK(faas_forward_response(FAAS_PROTO_OPENWHISK, &result, &resp,
                                     &mem, err, sizeof(err)) == FAAS_OK);
    FAAS_CHECK(resp.status == 200);
    FAAS_CHECK(resp.body.len == 11
               && memcmp(resp.body.data, "{\"a\":[1,2]}", 11) == 0);
    free(mem);
}


int
main(void)
{
    char             err[256];
    faas_store_t    *store;
    faas_backend_t  *ow, *lam, *fn;

    snprintf(base, sizeof(base), "tmp/invoke.%d", (int) getpid());
    mkdir("tmp", 0755);
    mkdir(base, 0755);

    ow = mkbackend("ow", FAAS_PROTO_OPENWHISK, "uuid:key\n", NULL);
    lam = mkbackend("lam", FAAS_PROTO_LAMBDA,
                    "[default]\naws_access_key_id = AKID\n"
                    "aws_secret_access_key = SECRET\n"
                    "aws_session_token = TOKEN\n", NULL);
    fn = mkbackend("fn", FAAS_PROTO_HTTP, NULL, NULL);

    th_backends[0] = ow;
    th_backend_names[0] = "ow";

    store = open_store();

    test_suspend_resume();
    test_side_by_side(store);
    test_misuse();
    test_cache_and_sharing(store);
    test_retries_breaker();
    test_answers(ow, lam, fn);
    test_requests(lam, fn);
    test_forward();

    /* a bad credentials file is refused with its reason */
    {
        faas_backend_conf_t  bc;

        memset(&bc, 0, sizeof(bc));
        bc.protocol = FAAS_PROTO_OPENWHISK;
        bc.credentials = "/nonexistent/ow.auth";
        FAAS_CHECK(faas_backend_create(&bc, err, sizeof(err)) == NULL);
        FAAS_CHECK(strstr(err, "No such file or directory") != NULL);
    }

    faas_store_close(store);
    faas_backend_destroy(ow);
    faas_backend_destroy(lam);
    faas_backend_destroy(fn);

    nftw(base, rm_entry, 16, FTW_DEPTH | FTW_PHYS);

    return FAAS_TEST_DONE();
}
