/*
 * Internals shared by the files of scripting/: the function, its warm
 * state and the pieces that build one.  Hosts use faas_runtime.h only.
 */

#ifndef FAAS_STATE_H
#define FAAS_STATE_H


#include <sys/stat.h>

#include <lua.h>
#include <lauxlib.h>

#include "faas_runtime.h"


/*
 * VM instructions between two checks of the deadline (docs/security.md
 * has the measurements behind the choice; bench/limits_bench.c can be
 * built with another value through -DFAAS_HOOK_INTERVAL=N)
 */
#ifndef FAAS_HOOK_INTERVAL
#define FAAS_HOOK_INTERVAL      250
#endif

/* the allocator keeps freed blocks of up to this size for reuse */
#define FAAS_ALLOC_SMALL        256
#define FAAS_ALLOC_ALIGN        16
#define FAAS_ALLOC_CLASSES      (FAAS_ALLOC_SMALL / FAAS_ALLOC_ALIGN)

/* the top-level code of a file gets this many times the handler timeout */
#define FAAS_COLD_START_FACTOR  10

/* C stack an invocation may use below its start: see faas_limits.c */
#define FAAS_MAX_CSTACK         (1024 * 1024)

/* a generated response body larger than this is a bad return */
#define FAAS_MAX_BODY           (1024 * 1024)

#define FAAS_MAX_LOG            1800

/*
 * Header names of one message a handler may touch (read or write) before
 * its headers table is loaded whole, and their bytes: the write-back
 * compares only the touched names (faas_event.c)
 */
#define FAAS_HEADERS_TOUCHED    16
#define FAAS_HEADERS_NAMES      512

/*
 * Header names of faas.req and faas.resp known by their Lua string
 * (faas_names.c): how many, and the longest one kept
 */
#define FAAS_NAMES_KNOWN        16
#define FAAS_NAMES_WAYS         4
#define FAAS_NAME_KNOWN_MAX     46


typedef struct faas_state_s  faas_state_t;


/* a header name checked once and known after by its Lua string */
typedef struct {
    const char                *key;         /* its bytes; NULL: none */
    size_t                     len;
    /* bit event * 2 + msg: faas_header_forbidden() says it may not */
    unsigned                   forbidden;
    unsigned                   next;        /* of a set's first: its way
                                               to take next */
    char                       lname[FAAS_NAME_KNOWN_MAX + 1];
} faas_name_known_t;


/* the headers table of the live request or response (faas_event.c) */
typedef struct {
    const void                *table;      /* NULL: not read */
    unsigned                   full:1;     /* every header loaded */
    unsigned                   ntouched;
    size_t                     used;       /* bytes of names */
    struct {
        size_t                 off;        /* in names */
        size_t                 len;
        /* the list loaded from the host, NULL if it had none; meaningless
           for a name only written, which was never loaded */
        const void            *list;
        unsigned               loaded:1;
    }                          touched[FAAS_HEADERS_TOUCHED];
    char                       names[FAAS_HEADERS_NAMES];
} faas_headers_lazy_t;


/* what belongs to one invocation, as opposed to its warm state */
typedef struct {
    faas_call_t               *call;
    double                     invocation;  /* its number; 0: top level */
    const void                *msgs[2];     /* the live request, response */
    faas_headers_lazy_t        headers[2];  /* and their headers */
    uint64_t                   timeout;
    uint64_t                   budget;
    uint64_t                   deadline;    /* monotonic microseconds */
    char                      *cstack;      /* C stack at the call's start */
    uint64_t                   steps;       /* hook intervals run */
    uint64_t                   max_steps;   /* 0: no budget */
    faas_fail_e                kill;        /* sticky limit kill */
    int                        rc;          /* FAAS_OK or FAAS_DONE */
    int                        thread;      /* its coroutine, a reference */
    lua_State                 *co;          /* that coroutine */
    char                       violation[128];

    /* while parked: the staged kv writes and the backend call awaited */
    struct faas_store_batch_s *batch;
    faas_invoke_t             *invoke;
    faas_state_t              *state;
} faas_run_t;


struct faas_function_s {
    faas_str_t                 name;
    char                      *path;
    char                      *source;
    size_t                     source_len;
    char                       version[17];
    struct timespec            mtime;       /* of the file last read */
    off_t                      size;
    size_t                     memory;
    uint64_t                   timeout;
    uint64_t                   instructions;
    uint64_t                   max_invocations;
    size_t                     memory_high;
    int                        jit;
    faas_str_t                *env;
    size_t                     nenv;
    unsigned                   index;

    /* per worker: created on first use, dropped after a limit kill */
    faas_state_t              *state;
};


/* registry references kept by a warm state */
enum {
    FAAS_REF_HANDLER = 0,
    FAAS_REF_ERRFUNC,
    FAAS_REF_THREAD,            /* a finished coroutine kept for reuse */
    FAAS_REF_EVENT,             /* event, Records[1] and cf, reused */
    FAAS_REF_RECORDS,
    FAAS_REF_RECORD,
    FAAS_REF_CF,
    FAAS_REF_CONFIG,
    FAAS_REF_CONTEXT,
    FAAS_REF_MSG_MT,            /* metatable of lazy request/response */
    FAAS_REF_HEADERS_MT,        /* metatable of lazy headers tables */
    FAAS_REF_KEYS,              /* interned keys, see faas_event.c */
    FAAS_REF_RUN,               /* faas_call_run, called without a closure */
    FAAS_REF_AFTER,             /* faas_call_after_run, likewise */
    FAAS_REF_RESPONSE_MT,       /* of faas.respond's responses */
    FAAS_REF_NAMES,             /* the strings of st->names */
    FAAS_REF_HEADERS_SET_MT,    /* of faas.headers' sets */
    FAAS_REF_MAX
};


struct faas_state_s {
    /* the counting allocator: its ud is the state itself */
    size_t                     used;
    size_t                     peak;
    size_t                     allocated;   /* since the last clock check */
    size_t                     limit;
    void                      *free[FAAS_ALLOC_CLASSES]; /* free lists */
    size_t                     cached;      /* bytes on them */
    unsigned                   oom:1;
    unsigned                   hooked:1;
    unsigned                   sticky:1;    /* the hook runs every step */
    unsigned                   event_used:1;  /* linked since the push */
    unsigned                   event_taken:1; /* a parked call has it */
    unsigned                   quiet:1;     /* returned nil last time */

    lua_State                 *L;
    faas_function_t           *fn;
    int                        refs[FAAS_REF_MAX];
    lua_State                 *kept;        /* refs[FAAS_REF_THREAD]'s */
    double                     invocations;

    /*
     * The invocation running now.  One waiting for a backend is parked in
     * its call (faas_call.c) while others run in the state, and comes
     * back here when it resumes.
     */
    faas_run_t                 run;
    unsigned                   waiting;     /* parked invocations */
    unsigned                   retired:1;   /* closed when none waits */

    /* faas_lib_kv.c: the staged writes of the running invocation; owned
       by a userdata of the Lua state, freed by lua_close() */
    struct faas_kv_s          *kv;

    faas_name_known_t          names[FAAS_NAMES_KNOWN];

    /* the process's live states, most recently used first */
    faas_state_t              *lru_prev;
    faas_state_t              *lru_next;
};


/* faas_limits.c */
void *faas_alloc(void *ud, void *ptr, size_t osize, size_t nsize);
void faas_alloc_release(faas_state_t *st);
uint64_t faas_now_us(void);
uint64_t faas_now_ms(void);
void faas_limits_arm(faas_state_t *st, uint64_t factor, uint64_t now);
void faas_limits_resume(faas_state_t *st);
void faas_limits_sticky(faas_state_t *st);
void faas_limits_check(lua_State *L);
void faas_limits_cstack(lua_State *L);

/* faas_lib_string.c, faas_lib_table.c: replacements the sandbox installs
   for library functions the hook cannot interrupt */
void faas_lib_string_open(lua_State *L);
void faas_lib_table_open(lua_State *L);

/* faas_lib_kv.c: the staged writes of a waiting invocation */
struct faas_store_batch_s *faas_kv_park(faas_state_t *st);
void faas_kv_unpark(faas_state_t *st, struct faas_store_batch_s *batch);
size_t faas_kv_pending(faas_state_t *st);

/* faas_lib_invoke.c: pushes what faas.invoke returns to the handler */
int faas_invoke_push_result(lua_State *L, faas_state_t *st);

/* faas_sandbox.c */
int faas_sandbox_open(lua_State *L);

/* faas_api.c */
void faas_api_open(lua_State *L, faas_state_t *st);
void faas_api_readonly_table(lua_State *L);
void faas_log(faas_call_t *call, faas_log_e level, const char *fmt, ...);
void faas_log_failure(faas_call_t *call, const char *msg);

/* faas_call.c */
int faas_call_run(lua_State *L);
int faas_call_after_run(lua_State *L);

/* faas_state.c */
faas_state_t *faas_state_get(faas_function_t *fn, faas_call_t *call);
void faas_state_close(faas_state_t *st);
void faas_state_release(faas_state_t *st);
void faas_state_touch(faas_state_t *st);
int faas_state_recycle(faas_state_t *st, faas_call_t *call);
faas_state_t *faas_state_from(lua_State *L);
int faas_violation(lua_State *L, const char *fmt, ...);
faas_fail_e faas_state_fail_class(faas_state_t *st, int status);
void faas_error_push(lua_State *L, lua_State *co, int idx);

/* faas_event.c: the keys it interns per state, for faas_rawkey() */
enum {
    FAAS_K_REQUEST = 1,
    FAAS_K_RESPONSE,
    FAAS_K_CONFIG,
    FAAS_K_CF,
    FAAS_K_RECORDS,
    FAAS_K_KEY,
    FAAS_K_VALUE,
    FAAS_K_HEADERS,
    FAAS_K_URI,
    FAAS_K_QUERYSTRING,
    FAAS_K_METHOD,
    FAAS_K_CLIENT_IP,
    FAAS_K_STATUS,
    FAAS_K_STATUS_DESCRIPTION,
    FAAS_K_BODY,
    FAAS_K_BODY_ENCODING,
    FAAS_K_ORIGIN
};

void faas_event_open(lua_State *L, faas_state_t *st);
void faas_event_renew(lua_State *L, faas_state_t *st, int safe);
void faas_event_push(faas_state_t *st, lua_State *L);
void faas_event_detach(faas_state_t *st);
void faas_event_materialize(lua_State *L, int idx);
int faas_event_result(faas_state_t *st, int idx);
int faas_rawfield(lua_State *L, int idx, const char *k);
int faas_rawkey(lua_State *L, int idx, int k);
void faas_headers_check_name(lua_State *L, faas_str_t *lname);
size_t faas_headers_entries(lua_State *L, int list, faas_str_t *lname,
    faas_header_t *out);
int faas_bad_return(lua_State *L, const char *fmt, ...);
int faas_event_respond(lua_State *L, faas_state_t *st,
    faas_response_t *resp);

/* faas_event_origin.c: request.body, request.origin, response bodies */
int faas_event_body_push(lua_State *L, faas_state_t *st, faas_msg_e msg);
int faas_event_origin_push(lua_State *L, faas_state_t *st);
void faas_event_request_body(lua_State *L, faas_state_t *st, int t,
    faas_str_t *body, int *set);
faas_origin_t *faas_event_request_origin(lua_State *L, faas_state_t *st,
    int t);
void faas_event_response_body(lua_State *L, faas_state_t *st, int t,
    faas_str_t *body, int *set);
int faas_event_status(const char *s, size_t len);
size_t faas_event_body_max(faas_state_t *st);
const char *faas_request_field_invalid(faas_field_e field, faas_str_t *v);

/* faas_names.c */
void faas_names_open(lua_State *L, faas_state_t *st);
faas_name_known_t *faas_name_known(lua_State *L, faas_state_t *st, int arg,
    faas_str_t *key);
unsigned faas_name_forbidden(faas_str_t *lname);
#define faas_name_bit(event, msg)  (1u << ((event) * 2 + (msg)))
#define FAAS_NAME_FORBIDDEN_ALL    ((1u << (FAAS_EVENT_MAX * 2)) - 1)

/* faas_lib_http.c: what a handler returns made by faas.respond, and what
   faas_lib_headers.c shares */
int faas_http_result(lua_State *L, faas_state_t *st, int idx);
faas_response_t *faas_http_response(lua_State *L, faas_state_t *st, int idx);
faas_call_t *faas_http_call(lua_State *L, faas_msg_e msg, int write,
    const char *what);
size_t faas_http_count(lua_State *L, int idx);
int faas_http_is(lua_State *L, faas_state_t *st, int idx, int ref);
void faas_http_writable(lua_State *L, faas_call_t *call, faas_msg_e msg,
    faas_str_t *lname, const char *what);
int faas_http_value(lua_State *L, int idx, size_t i, faas_str_t *v,
    const char *what, const char *name);

/* faas_lib_headers.c */
void faas_lib_headers_open(lua_State *L, faas_state_t *st);
int faas_http_req_set_headers(lua_State *L);
int faas_http_resp_set_headers(lua_State *L);
int faas_http_headers(lua_State *L);


/* faas_headers.c */
int faas_header_name_valid(const char *p, size_t len);
int faas_header_name_lower(const char *p, size_t len, char *out);
int faas_header_value_valid(const char *p, size_t len);
int faas_header_key_same(const char *key, const char *lname, size_t len);
const char *faas_header_forbidden(faas_event_e event, faas_msg_e msg,
    faas_str_t *lname);


#endif /* FAAS_STATE_H */
