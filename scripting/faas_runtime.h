/*
 * The Lua runtime of ngx_faas: functions, warm states and invocations.
 *
 * Plain C on top of LuaJIT; it knows nothing of nginx.  A host (the nginx
 * adapter, the local runner, the unit tests) describes one request through
 * faas_host_t: the runtime reads request and response fields only when a
 * handler touches them, and writes back only what the handler changed.
 */

#ifndef FAAS_RUNTIME_H
#define FAAS_RUNTIME_H


#include <stddef.h>
#include <stdint.h>

#include "geo/faas_geo.h"


#define FAAS_OK          0
#define FAAS_ERROR      -1
#define FAAS_AGAIN      -2      /* waits for a backend: see faas_resume */
#define FAAS_DONE       -4      /* the function generated a response */
#define FAAS_DECLINED   -5


typedef struct {
    const char                *data;
    size_t                     len;
} faas_str_t;


typedef enum {
    FAAS_VIEWER_REQUEST = 0,
    FAAS_ORIGIN_REQUEST,
    FAAS_ORIGIN_RESPONSE,
    FAAS_VIEWER_RESPONSE,
    FAAS_CONTENT,
    FAAS_EVENT_MAX
} faas_event_e;


/* the failure classes of SPEC §6, as logged and counted */
typedef enum {
    FAAS_FAIL_NONE = 0,
    FAAS_FAIL_SYNTAX,
    FAAS_FAIL_RUNTIME,
    FAAS_FAIL_TIMEOUT,
    FAAS_FAIL_MEMORY,
    FAAS_FAIL_SANDBOX,
    FAAS_FAIL_BAD_RETURN,
    FAAS_FAIL_STATE,
    FAAS_FAIL_MAX
} faas_fail_e;


typedef enum {
    FAAS_FIELD_METHOD = 0,
    FAAS_FIELD_URI,
    FAAS_FIELD_QUERYSTRING,
    FAAS_FIELD_CLIENT_IP,
    FAAS_FIELD_STATUS,
    FAAS_FIELD_STATUS_DESCRIPTION,
    FAAS_FIELD_SERVER_NAME,
    FAAS_FIELD_REQUEST_ID,
    FAAS_FIELD_MAX
} faas_field_e;


typedef enum {
    FAAS_MSG_REQUEST = 0,
    FAAS_MSG_RESPONSE
} faas_msg_e;


typedef enum {
    FAAS_LOG_ERR = 0,
    FAAS_LOG_WARN,
    FAAS_LOG_INFO,
    FAAS_LOG_DEBUG
} faas_log_e;


typedef struct {
    faas_str_t                 lname;   /* lowercase name */
    faas_str_t                 key;     /* name as sent */
    faas_str_t                 value;
} faas_header_t;


typedef struct {
    unsigned                   status;
    faas_str_t                 description;
    faas_header_t             *headers;
    size_t                     nheaders;
    faas_str_t                 body;
} faas_response_t;


/* a body as the host exposes it: request.body of faas_body (SPEC §4) */
typedef struct {
    faas_str_t                 data;        /* at most max bytes */
    size_t                     max;         /* also the replacement cap */
    int                        truncated;   /* the body is larger */
} faas_body_t;


/* request.origin.custom of origin-request (Lambda@Edge's custom origin) */

#define FAAS_SSL_SSLV3         0x01
#define FAAS_SSL_TLSV1         0x02
#define FAAS_SSL_TLSV1_1       0x04
#define FAAS_SSL_TLSV1_2       0x08

typedef struct {
    faas_str_t                 protocol;    /* "http" or "https" */
    faas_str_t                 domain;
    unsigned                   port;
    faas_str_t                 path;        /* "" or "/a/b", no "/" last */
    unsigned                   read_timeout;      /* seconds */
    unsigned                   keepalive_timeout; /* seconds */
    unsigned                   ssl_protocols;     /* FAAS_SSL_* */
    faas_header_t             *headers;     /* customHeaders */
    size_t                     nheaders;
} faas_origin_t;


typedef int (*faas_header_pt)(void *arg, faas_header_t *h);

typedef struct faas_invoke_s  faas_invoke_t;


/*
 * What a host provides for one request.  Strings handed to the host are
 * valid only during the call: a host that keeps them copies them.
 */
typedef struct {
    /* a request or response field; FAAS_ERROR if the host has none */
    int   (*get)(void *req, faas_field_e field, faas_str_t *value);

    /*
     * calls cb for every header of the message in order, or with lname
     * (a lowercase name) for those of that name only: a handler reads
     * headers by name, and the host can tell them apart cheaper than a
     * call for each; the strings stay valid until the host's headers are
     * next written
     */
    int   (*headers)(void *req, faas_msg_e msg, faas_str_t *lname,
                     faas_header_pt cb, void *arg);

    /* a validated new value of a writable field (uri, querystring;
       status and statusDescription in origin-response) */
    int   (*set)(void *req, faas_field_e field, faas_str_t *value);

    /*
     * replaces every header named one of the nnames lowercase lnames by
     * the n headers h, which come grouped by name in the order of lnames
     * (a name without any is removed).  One call for all the names a
     * function changed: a host that rebuilds its headers does it once,
     * not once per name (quadratic for a request with many headers).
     */
    int   (*set_headers)(void *req, faas_msg_e msg, faas_str_t *lnames,
                         size_t nnames, faas_header_t *h, size_t n);

    /* a validated generated response */
    int   (*respond)(void *req, faas_response_t *resp);

    void  (*log)(void *req, faas_log_e level, const char *msg,
                 size_t len);

    /*
     * Geolocation of addr, or of the viewer when addr is NULL (a host
     * looks the viewer up once per request); FAAS_DECLINED without a
     * database, else a FAAS_GEO_* code with a message in err.
     */
    int   (*geo)(void *req, faas_str_t *addr, faas_geo_result_t *res,
                 char *err, size_t errlen);

    /*
     * The body of msg as the host exposes it (the request body with
     * faas_body); FAAS_DECLINED when it does not.  set_body gets a
     * validated replacement.  Either may be NULL.
     */
    int   (*body)(void *req, faas_msg_e msg, faas_body_t *body);
    int   (*set_body)(void *req, faas_msg_e msg, faas_str_t *data);

    /*
     * The origin the request goes to (origin-request); FAAS_DECLINED
     * when the host has none to offer.  set_origin gets a validated,
     * changed origin: the request goes there.  Either may be NULL.
     */
    int   (*origin)(void *req, faas_origin_t *origin);
    int   (*set_origin)(void *req, faas_origin_t *origin);

    /* the backend of that name (faas_backend.h), NULL when none; may be
       NULL for a host without backends */
    struct faas_backend_s *(*backend)(void *req, faas_str_t *name);

    /* a faas.invoke's result reaches the handler (metrics); may be NULL */
    void  (*invoked)(void *req, faas_invoke_t *inv);
} faas_host_t;


typedef struct faas_function_s  faas_function_t;


typedef struct {
    faas_str_t                 name;
    const char                *path;        /* NUL-terminated */
    size_t                     memory;      /* bytes */
    uint64_t                   timeout;     /* microseconds */
    uint64_t                   instructions; /* 0: no budget */
    int                        jit;

    /* the warm state is recycled after this many invocations (0: never),
       or when its memory stays above memory_high after a full garbage
       collection (0: never) */
    uint64_t                   max_invocations;
    size_t                     memory_high;
    faas_str_t                *env;         /* key, value, key, value... */
    size_t                     nenv;
} faas_function_conf_t;


/* one invocation of one function on one event */
typedef struct {
    faas_function_t           *fn;
    faas_event_e               event;
    const faas_host_t         *host;
    void                      *req;

    /* function state (cache/faas_store.h); NULL without faas_state */
    struct faas_store_s       *store;

    /* a generated or replaced response body larger is a bad return;
       0: FAAS_MAX_BODY (faas_response_max) */
    size_t                     body_max;

    /* the host can suspend this call: faas.invoke may wait */
    int                        can_wait;

    /* faas_now_us() as the host read it when it made the call, or 0:
       the handler's deadline counts from it (one clock read less) */
    uint64_t                   start;

    /* out */
    faas_fail_e                fail;
    int                        cold_start;
    int                        recycled;    /* state dropped after it */

    /* with FAAS_AGAIN: the backend call the handler waits for */
    faas_invoke_t             *invoke;
    void                      *parked;      /* the runtime's */
} faas_call_t;


/*
 * Reads and compiles FILE (source only: bytecode is refused) without
 * running it.  On failure returns NULL with "FILE:LINE: message" in err.
 */
faas_function_t *faas_function_create(faas_function_conf_t *conf,
    char *err, size_t errlen);
void faas_function_destroy(faas_function_t *fn);

/*
 * Reads the file again if it changed on disk since it was last read
 * (size or modification time).  A new version that compiles replaces the
 * old one: *changed is set and the warm state is closed, so the next
 * invocation is a cold start of the new code.  One that does not compile
 * leaves the old version serving: FAAS_ERROR with the message, reported
 * once per change of the file.
 */
int faas_function_reload(faas_function_t *fn, int *changed, char *err,
    size_t errlen);
const char *faas_function_version(faas_function_t *fn);

/* Lua memory of the function's warm state, 0 when it has none */
size_t faas_function_memory(faas_function_t *fn);

/* a number of the host's own for the function (its metrics slot) */
void faas_function_set_index(faas_function_t *fn, unsigned index);
unsigned faas_function_index(faas_function_t *fn);

/*
 * Caps the warm states of the process (0: no cap, the default): creating
 * one more closes the least recently used state that is not running.
 */
void faas_runtime_set_max_states(unsigned n);
unsigned faas_runtime_states(void);

/*
 * Creates the function's warm state now, running its top-level code, so
 * that its first invocation is not a cold start (call->fn, host and req
 * set; the host's log gets a failure).  FAAS_OK, or FAAS_ERROR with the
 * class in call->fail.
 */
int faas_prewarm(faas_call_t *call);

/*
 * Runs the function's handler on the host's request: FAAS_OK to go on
 * (changes written back), FAAS_DONE when a response was generated
 * (host->respond called), FAAS_ERROR when it failed (logged, class in
 * call->fail, nothing written back).
 */
int faas_call(faas_call_t *call);

/*
 * FAAS_AGAIN from faas_call() or faas_resume(): the handler waits for
 * call->invoke (faas_backend.h), and other calls may run meanwhile.  Once
 * that is FAAS_INVOKE_READY the host calls faas_resume(), which returns
 * as faas_call() does (FAAS_AGAIN again for the next faas.invoke).  A
 * host that gives up on a waiting call (its request went away) calls
 * faas_cancel(): nothing of the invocation is written back or committed.
 * call->invoke belongs to the runtime.
 */
int faas_resume(faas_call_t *call);
void faas_cancel(faas_call_t *call);

const char *faas_event_name(faas_event_e event);
const char *faas_fail_name(faas_fail_e fail);


#endif /* FAAS_RUNTIME_H */
