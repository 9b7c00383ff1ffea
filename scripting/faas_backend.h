/*
 * The regional tier (SPEC section 8): backends and the calls made to
 * them.  Plain C, no nginx: the runtime builds each HTTP request a
 * protocol needs and maps each answer to a result; the host only sends
 * the request (nginx: a subrequest to the backend's internal location)
 * and hands the answer back.
 *
 * A call (faas_invoke_t) goes through these states:
 *
 *   FAAS_INVOKE_SEND   the host sends faas_invoke_request() after
 *                      faas_invoke_delay() microseconds, and calls
 *                      faas_invoke_done() with what came back (or with a
 *                      timeout at faas_invoke_deadline());
 *   FAAS_INVOKE_WAIT   an identical call of the process is under way: the
 *                      host waits for the wake callback, or for the
 *                      deadline (then faas_invoke_done() with a timeout);
 *   FAAS_INVOKE_READY  the result (or the error) is there.
 *
 * After faas_invoke_done() or a wake the state may be any of the three:
 * a retry goes back to SEND, and a call whose leader went away sends its
 * own request.
 */

#ifndef FAAS_BACKEND_H
#define FAAS_BACKEND_H


#include <time.h>

#include "faas_runtime.h"


typedef enum {
    FAAS_PROTO_OPENWHISK = 0,
    FAAS_PROTO_LAMBDA,
    FAAS_PROTO_HTTP
} faas_proto_e;


typedef struct {
    faas_str_t                 name;
    faas_proto_e               protocol;
    faas_str_t                 location;    /* "/_ow" or "/_ow/" */
    const char                *credentials; /* file, NUL-terminated */
    faas_str_t                 ns;          /* openwhisk namespace */
    faas_str_t                 region;      /* lambda */
    faas_str_t                 host;        /* the Host lambda signs */
    uint64_t                   timeout;     /* microseconds, per call */
    unsigned                   retries;
    uint64_t                   cache_ttl;   /* milliseconds, 0: none */
    uint64_t                   stale_if_error; /* milliseconds */
    unsigned                   breaker;     /* failures that open it */
    uint64_t                   breaker_open; /* microseconds */
    unsigned                   function_error; /* status for faas_forward */
    size_t                     max_answer;  /* bytes of an answer */

    /* AWS_* of the environment, used when there is no credentials file */
    faas_str_t                 env_key;
    faas_str_t                 env_secret;
    faas_str_t                 env_token;
} faas_backend_conf_t;


typedef struct faas_backend_s  faas_backend_t;



/* how a request to the backend ended, as the host saw it */
typedef enum {
    FAAS_BACKEND_ANSWERED = 0,  /* status, headers and body are set */
    FAAS_BACKEND_TIMEOUT,       /* the deadline passed first */
    FAAS_BACKEND_UNREACHABLE,   /* no answer: connect error, reset */
    FAAS_BACKEND_TOO_BIG        /* the answer exceeded the host's cap */
} faas_backend_end_e;


typedef struct {
    faas_backend_end_e         end;
    unsigned                   status;
    faas_header_t             *headers;     /* lowercase names */
    size_t                     nheaders;
    faas_str_t                 body;
} faas_backend_response_t;


/* what the host sends: POST uri?args with these headers and body */
typedef struct {
    faas_str_t                 uri;
    faas_str_t                 args;
    faas_header_t             *headers;
    size_t                     nheaders;
    faas_str_t                 body;
} faas_backend_request_t;


typedef enum {
    FAAS_INVOKE_SEND = 0,
    FAAS_INVOKE_WAIT,
    FAAS_INVOKE_READY
} faas_invoke_state_e;


/* why a call has no result: what faas.invoke's err starts with */
typedef enum {
    FAAS_INVOKE_OK = 0,
    FAAS_INVOKE_E_TIMEOUT,      /* "timeout": 504 for faas_forward */
    FAAS_INVOKE_E_UNREACHABLE,  /* "unreachable": 502 */
    FAAS_INVOKE_E_INVALID,      /* "invalid answer": 502 */
    FAAS_INVOKE_E_FUNCTION,     /* "function error": function_error= */
    FAAS_INVOKE_E_THROTTLED,    /* "throttled": 503 */
    FAAS_INVOKE_E_REFUSED,      /* "refused": auth, not found: 502 */
    FAAS_INVOKE_E_OPEN,         /* "circuit open": 503 */
    FAAS_INVOKE_E_BAD_CALL      /* a payload or option the call refuses */
} faas_invoke_err_e;


typedef struct {
    uint64_t                   cache_ttl;   /* ms; UINT64_MAX: backend's */
    uint64_t                   deadline;    /* monotonic us; 0: timeout= */
} faas_invoke_opts_t;


/* the clock of deadlines: monotonic microseconds */
uint64_t faas_now_us(void);


/*
 * Checks the configuration and reads the credentials.  NULL with the
 * reason in err.  faas_backend_destroy() frees it.
 */
faas_backend_t *faas_backend_create(faas_backend_conf_t *conf, char *err,
    size_t errlen);
void faas_backend_destroy(faas_backend_t *b);
const char *faas_backend_name(faas_backend_t *b, size_t *len);
faas_proto_e faas_backend_protocol(faas_backend_t *b);
uint64_t faas_backend_stale(faas_backend_t *b);
unsigned faas_backend_function_error(faas_backend_t *b);
size_t faas_backend_max_answer(faas_backend_t *b);
int faas_backend_proto_parse(const char *s, size_t len, faas_proto_e *p);

/* a number of the host's own for the backend (its metrics slot) */
void faas_backend_set_index(faas_backend_t *b, unsigned index);
unsigned faas_backend_index(faas_backend_t *b);


/*
 * A call of action with payload (JSON text) on backend b.  store, when
 * not NULL, caches results (SPEC section 7).  Returns NULL when out of
 * memory.  The call starts in one of the three states.
 */
faas_invoke_t *faas_invoke_create(faas_backend_t *b, faas_str_t *action,
    faas_str_t *payload, faas_invoke_opts_t *opts,
    struct faas_store_s *store);
void faas_invoke_destroy(faas_invoke_t *inv);

faas_invoke_state_e faas_invoke_state(faas_invoke_t *inv);
faas_backend_t *faas_invoke_backend(faas_invoke_t *inv);
faas_backend_request_t *faas_invoke_request(faas_invoke_t *inv);
uint64_t faas_invoke_delay(faas_invoke_t *inv);
uint64_t faas_invoke_deadline(faas_invoke_t *inv);
void faas_invoke_set_wake(faas_invoke_t *inv, void (*wake)(void *data),
    void *data);

/* the answer to the request sent; the new state */
faas_invoke_state_e faas_invoke_done(faas_invoke_t *inv,
    faas_backend_response_t *resp);

/*
 * READY: FAAS_INVOKE_OK with the result's JSON text in *result, or the
 * error with a message in *msg.  *cache is "hit", "miss", "stale" or
 * NULL when the call was not cacheable.
 */
faas_invoke_err_e faas_invoke_result(faas_invoke_t *inv, faas_str_t *result,
    const char **msg, const char **cache);

/* the backend status of the last answer (0: none), for metrics */
unsigned faas_invoke_status(faas_invoke_t *inv);
unsigned faas_invoke_attempts(faas_invoke_t *inv);


/*
 * faas_forward: the API-gateway proxy event of the host's request (for
 * openwhisk the web-action parameters), as JSON text in a malloc()ed
 * buffer; NULL when out of memory.
 */
char *faas_forward_event(const faas_host_t *host, void *req,
    faas_proto_e protocol, faas_str_t *body, size_t *len);

/*
 * Maps a function's {statusCode, headers, body, isBase64Encoded} to
 * resp; the strings point into *mem, which the caller frees.  FAAS_OK,
 * or FAAS_ERROR with the reason in err.
 */
int faas_forward_response(faas_proto_e protocol, faas_str_t *result,
    faas_response_t *resp, void **mem, char *err, size_t errlen);

/*
 * 1 when p is well-formed UTF-8 without NUL, a body JSON can carry as
 * text; else it goes as base64 (faas_forward, faas-run's output).
 */
int faas_forward_utf8(const char *p, size_t len);


#endif /* FAAS_BACKEND_H */
