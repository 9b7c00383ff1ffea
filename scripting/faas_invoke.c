/*
 * One call to a backend: the result cache, the sharing of identical
 * calls, retries within the deadline, the circuit breaker and
 * stale-if-error, around the requests the host sends (faas_backend.h).
 *
 * Identical calls (same backend, action and payload) that may be cached
 * share one backend request in the process: the first is the leader and
 * is "in flight"; the others wait on it and get a copy of its result.
 * A leader that goes away before its answer hands the request over to
 * its first waiter.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "cache/faas_store.h"

#include "faas_state.h"
#include "faas_digest.h"
#include "faas_backend_int.h"


/* "<backend>\0<sha256 of action, payload in hex>" */
#define FAAS_INVOKE_KEY_MAX  (256 + 1 + 64)


struct faas_invoke_s {
    faas_backend_t            *backend;
    faas_invoke_state_e        state;
    faas_str_t                 action;      /* both in own */
    faas_str_t                 payload;
    char                      *own;
    struct faas_store_s       *store;
    uint64_t                   ttl;         /* ms; 0: not cached */
    uint64_t                   deadline;    /* monotonic microseconds */
    char                       key[FAAS_INVOKE_KEY_MAX];
    size_t                     key_len;     /* 0: not cacheable */

    unsigned                   attempts;
    unsigned                   status;
    uint64_t                   delay;
    faas_backend_request_t     req;
    void                      *req_mem;

    faas_invoke_err_e          err;
    char                       msg[FAAS_INVOKE_MSG];
    char                      *result;
    size_t                     result_len;
    const char                *cache;

    faas_invoke_t             *leader;      /* WAIT: the call waited for */
    faas_invoke_t             *waiters;     /* a leader's */
    faas_invoke_t             *next;        /* in the leader's waiters */
    faas_invoke_t             *flight_prev;
    faas_invoke_t             *flight_next;
    unsigned                   in_flight:1;

    void                     (*wake)(void *data);
    void                      *wake_data;
};


static void faas_invoke_key(faas_invoke_t *inv);
static int faas_invoke_cached(faas_invoke_t *inv, int stale);
static void faas_invoke_attempt(faas_invoke_t *inv, uint64_t now);
static void faas_invoke_fail(faas_invoke_t *inv, faas_invoke_err_e err,
    const char *msg);
static void faas_invoke_finish(faas_invoke_t *inv);
static int faas_invoke_copy(faas_invoke_t *dst, faas_invoke_t *src);
static void faas_invoke_unwait(faas_invoke_t *inv);
static void faas_invoke_unflight(faas_invoke_t *inv);
static void faas_invoke_handover(faas_invoke_t *inv);


/* the process's leaders in flight: few at a time, a list will do */
static faas_invoke_t  *faas_flights;


faas_invoke_t *
faas_invoke_create(faas_backend_t *b, faas_str_t *action,
    faas_str_t *payload, faas_invoke_opts_t *opts,
    struct faas_store_s *store)
{
    uint64_t        now;
    faas_invoke_t  *inv, *l;

    inv = calloc(1, sizeof(faas_invoke_t));
    if (inv == NULL) {
        return NULL;
    }

    /* "action\0payload": what the cache key hashes */

    inv->own = malloc(action->len + 1 + payload->len + 1);
    if (inv->own == NULL) {
        free(inv);
        return NULL;
    }

    memcpy(inv->own, action->data, action->len);
    inv->own[action->len] = '\0';
    memcpy(inv->own + action->len + 1, payload->data, payload->len);

    inv->backend = b;
    inv->action.data = inv->own;
    inv->action.len = action->len;
    inv->payload.data = inv->own + action->len + 1;
    inv->payload.len = payload->len;
    inv->store = store;

    now = faas_now_us();

    inv->deadline = now + b->conf.timeout;

    if (opts->deadline && opts->deadline < inv->deadline) {
        inv->deadline = opts->deadline;
    }

    inv->ttl = (opts->cache_ttl == UINT64_MAX) ? b->conf.cache_ttl
                                               : opts->cache_ttl;

    if (!faas_action_valid(b->conf.protocol, action)) {
        snprintf(inv->msg, sizeof(inv->msg), "invalid action name \"%.*s\"",
                 (int) (action->len > 64 ? 64 : action->len), action->data);
        inv->err = FAAS_INVOKE_E_BAD_CALL;
        inv->state = FAAS_INVOKE_READY;
        return inv;
    }

    if (inv->ttl && store) {
        faas_invoke_key(inv);
    }

    if (inv->key_len) {
        if (faas_invoke_cached(inv, 0)) {
            inv->cache = "hit";
            inv->state = FAAS_INVOKE_READY;
            return inv;
        }

        for (l = faas_flights; l; l = l->flight_next) {
            if (l->backend == b && l->key_len == inv->key_len
                && memcmp(l->key, inv->key, inv->key_len) == 0)
            {
                inv->leader = l;
                inv->next = l->waiters;
                l->waiters = inv;
                inv->state = FAAS_INVOKE_WAIT;
                return inv;
            }
        }
    }

    faas_invoke_attempt(inv, now);

    return inv;
}


void
faas_invoke_destroy(faas_invoke_t *inv)
{
    if (inv == NULL) {
        return;
    }

    faas_invoke_unwait(inv);

    if (inv->in_flight) {
        faas_invoke_unflight(inv);
        faas_invoke_handover(inv);
    }

    free(inv->req_mem);
    free(inv->result);
    free(inv->own);
    free(inv);
}


faas_invoke_state_e
faas_invoke_state(faas_invoke_t *inv)
{
    return inv->state;
}


faas_backend_t *
faas_invoke_backend(faas_invoke_t *inv)
{
    return inv->backend;
}


faas_backend_request_t *
faas_invoke_request(faas_invoke_t *inv)
{
    return &inv->req;
}


uint64_t
faas_invoke_delay(faas_invoke_t *inv)
{
    return inv->delay;
}


uint64_t
faas_invoke_deadline(faas_invoke_t *inv)
{
    return inv->deadline;
}


unsigned
faas_invoke_status(faas_invoke_t *inv)
{
    return inv->status;
}


unsigned
faas_invoke_attempts(faas_invoke_t *inv)
{
    return inv->attempts;
}


void
faas_invoke_set_wake(faas_invoke_t *inv, void (*wake)(void *data),
    void *data)
{
    inv->wake = wake;
    inv->wake_data = data;
}


faas_invoke_err_e
faas_invoke_result(faas_invoke_t *inv, faas_str_t *result, const char **msg,
    const char **cache)
{
    result->data = inv->result;
    result->len = inv->result_len;
    *msg = inv->msg;
    *cache = inv->cache;

    return inv->err;
}


faas_invoke_state_e
faas_invoke_done(faas_invoke_t *inv, faas_backend_response_t *resp)
{
    uint64_t         now;
    faas_answer_t    a;
    faas_backend_t  *b;

    b = inv->backend;
    now = faas_now_us();

    if (inv->state == FAAS_INVOKE_WAIT) {

        /* the deadline of a call that waited on an identical one */

        faas_invoke_unwait(inv);
        snprintf(inv->msg, sizeof(inv->msg), "timeout: backend \"%.*s\" "
                 "gave no answer in time", (int) b->conf.name.len,
                 b->conf.name.data);
        faas_invoke_fail(inv, FAAS_INVOKE_E_TIMEOUT, inv->msg);
        return inv->state;
    }

    if (inv->state != FAAS_INVOKE_SEND) {
        return inv->state;
    }

    inv->attempts++;
    inv->status = resp->status;
    inv->delay = 0;

    memset(&a, 0, sizeof(faas_answer_t));

    switch (resp->end) {

    case FAAS_BACKEND_ANSWERED:
        faas_proto_answer(b, resp, &a);
        break;

    case FAAS_BACKEND_TIMEOUT:
        a.err = FAAS_INVOKE_E_TIMEOUT;
        snprintf(a.msg, sizeof(a.msg), "timeout: backend \"%.*s\" gave no "
                 "answer within the deadline", (int) b->conf.name.len,
                 b->conf.name.data);
        break;

    case FAAS_BACKEND_TOO_BIG:
        a.err = FAAS_INVOKE_E_INVALID;
        a.healthy = 1;
        snprintf(a.msg, sizeof(a.msg), "invalid answer: larger than "
                 "max_answer=%zu of backend \"%.*s\"", b->conf.max_answer,
                 (int) b->conf.name.len, b->conf.name.data);
        break;

    default:
        a.err = FAAS_INVOKE_E_UNREACHABLE;
        a.retry = 1;
        snprintf(a.msg, sizeof(a.msg), "unreachable: no answer from "
                 "backend \"%.*s\" (connection refused, reset or closed "
                 "early)", (int) b->conf.name.len, b->conf.name.data);
    }

    faas_backend_outcome(b, a.healthy, now);

    if (a.err == FAAS_INVOKE_OK) {
        inv->result = malloc(a.result.len + 1);
        if (inv->result == NULL) {
            faas_invoke_fail(inv, FAAS_INVOKE_E_INVALID,
                             "invalid answer: out of memory");
            return inv->state;
        }

        memcpy(inv->result, a.result.data, a.result.len);
        inv->result_len = a.result.len;

        if (inv->key_len) {
            inv->cache = "miss";

            /* best effort: a result not cached is still a result */
            (void) faas_store_cache_set(inv->store, inv->key, inv->key_len,
                                        inv->result, inv->result_len, 0,
                                        inv->ttl, faas_now_ms());
        }

        faas_invoke_finish(inv);
        return inv->state;
    }

    if (a.retry && inv->attempts <= b->conf.retries
        && now + a.retry_after < inv->deadline
        && faas_backend_admit(b, now))
    {
        inv->delay = a.retry_after;
        return inv->state;
    }

    faas_invoke_fail(inv, a.err, a.msg);

    return inv->state;
}


/* "<backend>\0" and the SHA-256 of action, NUL, payload in hex */

static void
faas_invoke_key(faas_invoke_t *inv)
{
    size_t          n;
    unsigned char   md[FAAS_SHA256_LEN];

    if (faas_sha256(inv->own, inv->action.len + 1 + inv->payload.len, md)
        != 0)
    {
        /* not cacheable then: every call goes to the backend */
        return;
    }

    n = inv->backend->conf.name.len;

    memcpy(inv->key, inv->backend->conf.name.data, n);
    inv->key[n++] = '\0';

    faas_hex_encode(inv->key + n, md, FAAS_SHA256_LEN);

    inv->key_len = n + 2 * FAAS_SHA256_LEN;
}


/* a cached result, fresh, or stale within stale_if_error: 1 if found */

static int
faas_invoke_cached(faas_invoke_t *inv, int stale)
{
    int                  rc, found;
    uint64_t             now;
    faas_store_value_t   v;

    if (faas_store_read_begin(inv->store) != FAAS_STORE_OK) {
        return 0;
    }

    now = faas_now_ms();
    found = 0;

    rc = stale ? faas_store_cache_get_stale(inv->store, inv->key,
                                            inv->key_len, now, &v)
               : faas_store_cache_get(inv->store, inv->key, inv->key_len,
                                      now, &v);

    if (rc == FAAS_STORE_OK && v.type == FAAS_STORE_STRING
        && (!v.stale || v.expires_ms + inv->backend->conf.stale_if_error
                        > now))
    {
        inv->result = malloc(v.len + 1);

        if (inv->result) {
            memcpy(inv->result, v.data, v.len);
            inv->result_len = v.len;
            found = 1;
        }
    }

    faas_store_read_end(inv->store);

    return found;
}


/* sends, or fails at once when the deadline passed or the breaker is open */

static void
faas_invoke_attempt(faas_invoke_t *inv, uint64_t now)
{
    char             msg[FAAS_INVOKE_MSG];
    faas_backend_t  *b;

    b = inv->backend;

    if (now >= inv->deadline) {
        snprintf(msg, sizeof(msg), "timeout: no time left to call backend "
                 "\"%.*s\"", (int) b->conf.name.len, b->conf.name.data);
        faas_invoke_fail(inv, FAAS_INVOKE_E_TIMEOUT, msg);
        return;
    }

    if (!faas_backend_admit(b, now)) {
        snprintf(msg, sizeof(msg), "circuit open: backend \"%.*s\" failed "
                 "%u times in a row; next try in %.1f s",
                 (int) b->conf.name.len, b->conf.name.data, b->failures,
                 b->open_until > now
                 ? (double) (b->open_until - now) / 1e6 : 0.0);
        faas_invoke_fail(inv, FAAS_INVOKE_E_OPEN, msg);
        return;
    }

    if (inv->req_mem == NULL
        && faas_proto_request(b, &inv->action, &inv->payload, &inv->req,
                              &inv->req_mem)
           != FAAS_OK)
    {
        faas_invoke_fail(inv, FAAS_INVOKE_E_BAD_CALL,
                         "cannot build the request: out of memory or "
                         "credentials too long");
        return;
    }

    inv->state = FAAS_INVOKE_SEND;

    if (inv->key_len && !inv->in_flight) {
        inv->in_flight = 1;
        inv->flight_prev = NULL;
        inv->flight_next = faas_flights;

        if (faas_flights) {
            faas_flights->flight_prev = inv;
        }

        faas_flights = inv;
    }
}


/* the error, or a stale result when stale_if_error allows one */

static void
faas_invoke_fail(faas_invoke_t *inv, faas_invoke_err_e err, const char *msg)
{
    if (inv->key_len && inv->backend->conf.stale_if_error
        && err != FAAS_INVOKE_E_FUNCTION && err != FAAS_INVOKE_E_BAD_CALL
        && faas_invoke_cached(inv, 1))
    {
        inv->cache = "stale";
        inv->err = FAAS_INVOKE_OK;

    } else {
        inv->err = err;

        if (msg != inv->msg) {
            snprintf(inv->msg, sizeof(inv->msg), "%s", msg);
        }
    }

    faas_invoke_finish(inv);
}


static void
faas_invoke_finish(faas_invoke_t *inv)
{
    faas_invoke_t  *w, *next;

    inv->state = FAAS_INVOKE_READY;

    if (inv->in_flight) {
        faas_invoke_unflight(inv);
    }

    for (w = inv->waiters; w; w = next) {
        next = w->next;

        w->leader = NULL;
        w->next = NULL;

        if (faas_invoke_copy(w, inv) != FAAS_OK) {
            w->err = FAAS_INVOKE_E_INVALID;
            snprintf(w->msg, sizeof(w->msg), "invalid answer: out of memory");
        }

        w->state = FAAS_INVOKE_READY;

        if (w->wake) {
            w->wake(w->wake_data);
        }
    }

    inv->waiters = NULL;
}


static int
faas_invoke_copy(faas_invoke_t *dst, faas_invoke_t *src)
{
    dst->err = src->err;
    dst->status = src->status;
    memcpy(dst->msg, src->msg, sizeof(dst->msg));

    /* the waiter did not go to the backend: for it, the result was there */
    dst->cache = src->cache ? "hit" : NULL;

    if (src->result == NULL) {
        return FAAS_OK;
    }

    dst->result = malloc(src->result_len + 1);
    if (dst->result == NULL) {
        return FAAS_ERROR;
    }

    memcpy(dst->result, src->result, src->result_len);
    dst->result_len = src->result_len;

    return FAAS_OK;
}


static void
faas_invoke_unwait(faas_invoke_t *inv)
{
    faas_invoke_t  **w;

    if (inv->leader == NULL) {
        return;
    }

    for (w = &inv->leader->waiters; *w; w = &(*w)->next) {
        if (*w == inv) {
            *w = inv->next;
            break;
        }
    }

    inv->leader = NULL;
    inv->next = NULL;
}


static void
faas_invoke_unflight(faas_invoke_t *inv)
{
    if (inv->flight_prev) {
        inv->flight_prev->flight_next = inv->flight_next;

    } else {
        faas_flights = inv->flight_next;
    }

    if (inv->flight_next) {
        inv->flight_next->flight_prev = inv->flight_prev;
    }

    inv->in_flight = 0;
    inv->flight_prev = NULL;
    inv->flight_next = NULL;
}


/* a leader goes before its answer: its first waiter sends instead */

static void
faas_invoke_handover(faas_invoke_t *inv)
{
    faas_invoke_t  *heir, *w;

    heir = inv->waiters;
    if (heir == NULL) {
        return;
    }

    heir->leader = NULL;
    heir->waiters = heir->next;
    heir->next = NULL;

    for (w = heir->waiters; w; w = w->next) {
        w->leader = heir;
    }

    inv->waiters = NULL;

    faas_invoke_attempt(heir, faas_now_us());

    if (heir->wake) {
        heir->wake(heir->wake_data);
    }
}
