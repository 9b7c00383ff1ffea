/*
 * The Lambda@Edge event, built lazily, and what a handler returns.
 *
 * The tables around the request (event, Records, cf, config) and the
 * context are made once per warm state (faas_event_open) and reused.  The
 * event is empty until a handler reads event.Records: only then are the
 * links restored and the request (and response) tables made, so a handler
 * that never looks at its event costs no table at all.  The request and
 * response load a field from the host the first time it is read.
 *
 * Headers load one name at a time, on first read of that name, and the
 * names a handler reads or writes are remembered; on return only those
 * are compared with the host's headers and written back when they
 * changed.  pairs, next and faas.json.encode see everything: they load
 * the rest first (faas_event_materialize).
 */

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "faas_state.h"
#include "faas_lib.h"


/* room for the write-back of a few names on the C stack, no allocation */
#define FAAS_WRITEBACK_OPS      FAAS_HEADERS_TOUCHED
#define FAAS_WRITEBACK_HEADERS  16
#define FAAS_HOST_HEADERS       32
/* slots faas_headers_diff() pushes besides the touched names' values */
#define FAAS_DIFF_STACK         10


typedef struct {
    faas_str_t                 fields[FAAS_FIELD_MAX];
    unsigned                   set;
    /* the names to replace, and their new headers grouped by name in
       the same order (none for a name removed) */
    faas_str_t                *lnames;
    size_t                     nnames;
    faas_header_t             *hdrs;
    size_t                     nhdrs;

    /* faas_event_origin.c: a replaced body, a new origin, the status */
    faas_str_t                 body;
    int                        body_set;
    faas_origin_t             *origin;
    char                       status[4];

    /* not cleared: faas_writeback_init() */
    faas_str_t                 namebuf[FAAS_WRITEBACK_OPS];
    faas_header_t              hdrbuf[FAAS_WRITEBACK_HEADERS];
} faas_writeback_t;


#define faas_writeback_init(wb)                                               \
    memset(wb, 0, offsetof(faas_writeback_t, namebuf))


typedef struct {
    const char                *name;
    int                        key;         /* FAAS_K_* */
    faas_msg_e                 msg;
    faas_field_e               field;
    unsigned                   writable:1;
} faas_field_t;


static faas_field_t  faas_fields[] = {
    { "uri", FAAS_K_URI, FAAS_MSG_REQUEST, FAAS_FIELD_URI, 1 },
    { "querystring", FAAS_K_QUERYSTRING, FAAS_MSG_REQUEST,
      FAAS_FIELD_QUERYSTRING, 1 },
    { "method", FAAS_K_METHOD, FAAS_MSG_REQUEST, FAAS_FIELD_METHOD, 0 },
    { "clientIp", FAAS_K_CLIENT_IP, FAAS_MSG_REQUEST,
      FAAS_FIELD_CLIENT_IP, 0 },
    { "status", FAAS_K_STATUS, FAAS_MSG_RESPONSE, FAAS_FIELD_STATUS, 0 },
    { "statusDescription", FAAS_K_STATUS_DESCRIPTION, FAAS_MSG_RESPONSE,
      FAAS_FIELD_STATUS_DESCRIPTION, 0 },
    { NULL, 0, 0, 0, 0 }
};

/* what a request or response loads besides its fields */
static const char  *faas_msg_parts[] = { "headers", "body", "origin", NULL };


static const char  *faas_event_names[] = {
    "viewer-request", "origin-request", "origin-response",
    "viewer-response", "content"
};

static const char  *faas_fail_names[] = {
    "none", "syntax", "runtime", "timeout", "memory", "sandbox",
    "bad-return", "state"
};


/*
 * The lazy tables' metatables say what they serve at index 1 (hidden by
 * __metatable) with a light userdata pointing into faas_lazy_kinds, which
 * no Lua code can forge: faas_event_materialize tells them apart by it.
 */

enum {
    FAAS_LAZY_EVENT = 0,
    FAAS_LAZY_CF,
    FAAS_LAZY_MSG,
    FAAS_LAZY_HEADERS,
    FAAS_LAZY_MAX
};

static const char  faas_lazy_kinds[FAAS_LAZY_MAX];


static void faas_event_keys(lua_State *L, faas_state_t *st);
static void faas_lazy_mt(lua_State *L, int kind, lua_CFunction index,
    lua_CFunction newindex);
static int faas_event_index(lua_State *L);
static int faas_event_newindex(lua_State *L);
static int faas_event_records(lua_State *L, faas_state_t *st, int idx);
static int faas_cf_index(lua_State *L);
static void faas_msg_new(lua_State *L, faas_state_t *st, faas_msg_e msg);
static int faas_msg_index(lua_State *L);
static int faas_msg_load(lua_State *L, faas_state_t *st, faas_msg_e msg,
    const char *k, size_t len);
static int faas_meta_index(lua_State *L);
static int faas_meta_readonly(lua_State *L);
static int faas_context_remaining(lua_State *L);
static void faas_headers_push(lua_State *L, faas_state_t *st,
    faas_msg_e msg);
static faas_headers_lazy_t *faas_headers_lazy(lua_State *L,
    faas_state_t *st, int t);
static int faas_headers_index(lua_State *L);
static int faas_headers_newindex(lua_State *L);
static int faas_headers_touched(faas_headers_lazy_t *lz, const char *name,
    size_t len);
static int faas_headers_touch(faas_headers_lazy_t *lz, const char *name,
    size_t len);
static int faas_headers_remember(faas_headers_lazy_t *lz, const char *name,
    size_t len);
static void faas_headers_load(lua_State *L, faas_state_t *st,
    faas_headers_lazy_t *lz, int t);
static const void *faas_headers_host(lua_State *L, faas_state_t *st,
    faas_headers_lazy_t *lz, int t, faas_headers_lazy_t *skip,
    faas_str_t *only, int name);
static int faas_headers_add(void *arg, faas_header_t *h);
typedef struct faas_host_headers_s  faas_host_headers_t;
static void faas_host_headers_read(lua_State *L, faas_state_t *st,
    faas_host_headers_t *hh, int sort);
static int faas_host_headers_has(faas_host_headers_t *hh,
    faas_str_t *lname);
static int faas_headers_same(lua_State *L, int keys, int list,
    faas_host_headers_t *hh, faas_str_t *lname);
static int faas_headers_scan(lua_State *L, int keys, int list,
    faas_str_t *lname, faas_header_t *out, size_t *n);
static int faas_headers_refused(lua_State *L, faas_state_t *st,
    faas_msg_e msg, faas_str_t *lname);
static int faas_bad_return_top(lua_State *L);
static int faas_diff_value(lua_State *L, int list, int first, size_t j);
static void faas_headers_diff(lua_State *L, faas_state_t *st,
    faas_msg_e msg, int t, faas_writeback_t *wb);
static int faas_result_fields(lua_State *L, int t);
static int faas_result_field(lua_State *L, int v, int k);
static void faas_request_result(lua_State *L, faas_state_t *st, int t,
    int fv);
static void faas_response_result(lua_State *L, faas_state_t *st, int t,
    int fv);
static int faas_generated_response(lua_State *L, faas_state_t *st, int v);
static void faas_writeback_apply(faas_state_t *st, faas_msg_e msg,
    faas_writeback_t *wb);


const char *
faas_event_name(faas_event_e event)
{
    return event < FAAS_EVENT_MAX ? faas_event_names[event] : "unknown";
}


const char *
faas_fail_name(faas_fail_e fail)
{
    return fail < FAAS_FAIL_MAX ? faas_fail_names[fail] : "unknown";
}


/* pushes the read-only metatable of config (1) or of the context (0) */

static void
faas_meta_readonly_mt(lua_State *L, int config)
{
    lua_createtable(L, 0, 3);
    lua_pushboolean(L, config);
    lua_pushcclosure(L, faas_meta_index, 1);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, faas_meta_readonly);
    lua_setfield(L, -2, "__newindex");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
}


/* keeps the value on top in the registry as ref, dropping an older one */

static void
faas_ref_set(lua_State *L, faas_state_t *st, int ref)
{
    luaL_unref(L, LUA_REGISTRYINDEX, st->refs[ref]);
    st->refs[ref] = luaL_ref(L, LUA_REGISTRYINDEX);
}


#define faas_rawget_ref(L, st, ref)                                          \
    lua_rawgeti(L, LUA_REGISTRYINDEX, (st)->refs[ref])

/* the event was linked in this invocation: its own message exists */
#define faas_event_linked(st)                                                 \
    ((st)->run.msgs[FAAS_MSG_REQUEST] != NULL                                 \
     || (st)->run.msgs[FAAS_MSG_RESPONSE] != NULL)


/*
 * Makes the tables an event is built from, and the metatables of its lazy
 * parts, in the registry.  A state calls it once; calling it again (in
 * protected mode) replaces the set, so the next invocation gets tables
 * no suspended invocation holds: the old ones live on as long as someone
 * holds them.
 */

void
faas_event_open(lua_State *L, faas_state_t *st)
{
    faas_function_t  *fn;

    fn = st->fn;

    faas_event_keys(L, st);

    faas_lazy_mt(L, FAAS_LAZY_MSG, faas_msg_index, NULL);
    faas_ref_set(L, st, FAAS_REF_MSG_MT);

    faas_lazy_mt(L, FAAS_LAZY_HEADERS, faas_headers_index,
                 faas_headers_newindex);
    faas_ref_set(L, st, FAAS_REF_HEADERS_MT);

    lua_createtable(L, 0, 1);
    faas_lazy_mt(L, FAAS_LAZY_EVENT, faas_event_index, faas_event_newindex);
    lua_setmetatable(L, -2);
    faas_ref_set(L, st, FAAS_REF_EVENT);

    lua_createtable(L, 1, 0);
    faas_ref_set(L, st, FAAS_REF_RECORDS);
    lua_createtable(L, 0, 1);
    faas_ref_set(L, st, FAAS_REF_RECORD);
    lua_createtable(L, 0, 3);
    faas_lazy_mt(L, FAAS_LAZY_CF, faas_cf_index, NULL);
    lua_setmetatable(L, -2);
    faas_ref_set(L, st, FAAS_REF_CF);


    /*
     * config and context: read-only; what changes between invocations
     * (the event type, the ids, the count) is looked up when read, and
     * the upvalue tells the two apart (requestId vs request_id).
     */

    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "ngx_faas");
    lua_setfield(L, -2, "distributionId");
    faas_meta_readonly_mt(L, 1);
    lua_setmetatable(L, -2);
    faas_ref_set(L, st, FAAS_REF_CONFIG);

    lua_createtable(L, 0, 4);
    lua_pushlstring(L, fn->name.data, fn->name.len);
    lua_setfield(L, -2, "function_name");
    lua_pushstring(L, fn->version);
    lua_setfield(L, -2, "function_version");
    lua_pushnumber(L, (lua_Number) fn->memory / (1024 * 1024));
    lua_setfield(L, -2, "memory_limit_in_mb");
    lua_pushcfunction(L, faas_context_remaining);
    lua_setfield(L, -2, "get_remaining_time_in_millis");
    faas_meta_readonly_mt(L, 0);
    lua_setmetatable(L, -2);
    faas_ref_set(L, st, FAAS_REF_CONTEXT);
}


/* pushes a protected metatable serving kind through index and newindex */

static void
faas_lazy_mt(lua_State *L, int kind, lua_CFunction index,
    lua_CFunction newindex)
{
    lua_createtable(L, 1, 3);
    lua_pushlightuserdata(L, (void *) &faas_lazy_kinds[kind]);
    lua_rawseti(L, -2, 1);
    lua_pushcfunction(L, index);
    lua_setfield(L, -2, "__index");

    if (newindex) {
        lua_pushcfunction(L, newindex);
        lua_setfield(L, -2, "__newindex");
    }

    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
}


/*
 * The keys the event code reads and sets on every invocation (FAAS_K_*),
 * interned once per state: pushing them from this table costs no string
 * hashing.
 */

#define faas_key(s)  { s, sizeof(s) - 1 }

static faas_str_t  faas_keys[] = {
    faas_key("request"), faas_key("response"), faas_key("config"),
    faas_key("cf"), faas_key("Records"), faas_key("key"), faas_key("value"),
    faas_key("headers"), faas_key("uri"), faas_key("querystring"),
    faas_key("method"), faas_key("clientIp"), faas_key("status"),
    faas_key("statusDescription"), faas_key("body"),
    faas_key("bodyEncoding"), faas_key("origin")
};


static void
faas_event_keys(lua_State *L, faas_state_t *st)
{
    int  i, n;

    n = sizeof(faas_keys) / sizeof(faas_keys[0]);

    lua_createtable(L, n, 0);

    for (i = 0; i < n; i++) {
        lua_pushlstring(L, faas_keys[i].data, faas_keys[i].len);
        lua_rawseti(L, -2, i + 1);
    }

    faas_ref_set(L, st, FAAS_REF_KEYS);
}


/*
 * Gets the event ready for the next invocation: a new set when a handler
 * that waits for a backend kept it, or the last invocation's Records
 * unlinked, so that the next read of event.Records links it again (the
 * event holds something only once it was linked: its __newindex links
 * first).  Unprotected (safe == 0), nothing here may allocate: only a key
 * the table has is cleared (nil under a new key could allocate), and the
 * caller made sure the set is not taken.  Protected, Records is cleared
 * without looking first: the look costs W2 and W4 over 100 instructions.
 */

void
faas_event_renew(lua_State *L, faas_state_t *st, int safe)
{
    if (st->event_taken) {
        faas_event_open(L, st);
        st->event_taken = 0;
        st->event_used = 0;
        return;
    }

    if (!st->event_used) {
        return;
    }

    st->event_used = 0;

    faas_rawget_ref(L, st, FAAS_REF_EVENT);
    faas_rawget_ref(L, st, FAAS_REF_KEYS);
    lua_rawgeti(L, -1, FAAS_K_RECORDS);
    lua_replace(L, -2);

    if (!safe) {
        lua_pushvalue(L, -1);
        lua_rawget(L, -3);

        if (lua_isnil(L, -1)) {
            lua_pop(L, 3);
            return;
        }

        lua_pop(L, 1);
    }

    lua_pushnil(L);
    lua_rawset(L, -3);
    lua_pop(L, 1);
}


/*
 * Pushes the event and the context onto a coroutine that is not running.
 * Nothing is built here: the event is linked when the handler first reads
 * event.Records, and the context's per-invocation fields are read through
 * its __index.
 */

void
faas_event_push(faas_state_t *st, lua_State *L)
{
    faas_rawget_ref(L, st, FAAS_REF_EVENT);
    faas_rawget_ref(L, st, FAAS_REF_CONTEXT);
}


/* __newindex of the event: a write links it first (see faas_event_renew) */

static int
faas_event_newindex(lua_State *L)
{
    if (faas_event_records(L, faas_state_from(L), 1)) {
        lua_pop(L, 1);
    }

    lua_settop(L, 3);
    lua_rawset(L, 1);

    return 0;
}


/* __index of the event: Records, linked on first read */

static int
faas_event_index(lua_State *L)
{
    size_t       len;
    const char  *k;

    if (lua_type(L, 2) != LUA_TSTRING) {
        return 0;
    }

    k = lua_tolstring(L, 2, &len);

    if (len != 7 || memcmp(k, "Records", 7) != 0) {
        return 0;
    }

    return faas_event_records(L, faas_state_from(L), 1);
}


/*
 * Links the event at idx if it is the live one and not linked yet in this
 * invocation: Records[1].cf.config are restored, whatever the last handler
 * did to them, and a new, empty request (and response) hangs in cf.
 * Pushes Records and returns 1, or returns 0.
 */

static int
faas_event_records(lua_State *L, faas_state_t *st, int idx)
{
    int           keys, cf, msg, own;
    faas_call_t  *call;

    call = st->run.call;

    if (call == NULL || faas_event_linked(st)) {
        return 0;
    }

    faas_rawget_ref(L, st, FAAS_REF_EVENT);

    if (!lua_rawequal(L, idx, -1)) {
        lua_pop(L, 1);
        return 0;
    }

    lua_pop(L, 1);

    faas_rawget_ref(L, st, FAAS_REF_KEYS);
    keys = lua_gettop(L);

    faas_rawget_ref(L, st, FAAS_REF_RECORDS);
    faas_rawget_ref(L, st, FAAS_REF_RECORD);
    faas_rawget_ref(L, st, FAAS_REF_CF);
    cf = lua_gettop(L);

    /*
     * The event's own message is made now; in a response event the
     * request is made when cf.request is first read (faas_cf_index)
     */

    own = (call->event == FAAS_ORIGIN_RESPONSE
           || call->event == FAAS_VIEWER_RESPONSE)
          ? FAAS_MSG_RESPONSE : FAAS_MSG_REQUEST;

    for (msg = 0; msg < 2; msg++) {
        lua_rawgeti(L, keys, FAAS_K_REQUEST + msg);

        if (msg == own) {
            faas_msg_new(L, st, (faas_msg_e) msg);

        } else {
            lua_pushnil(L);
        }

        lua_rawset(L, cf);
    }

    /* Records[1].cf.config, and event.Records */

    lua_rawgeti(L, keys, FAAS_K_CONFIG);
    faas_rawget_ref(L, st, FAAS_REF_CONFIG);
    lua_rawset(L, cf);

    lua_rawgeti(L, keys, FAAS_K_CF);
    lua_insert(L, cf);
    lua_rawset(L, cf - 1);

    lua_rawseti(L, cf - 2, 1);

    lua_rawgeti(L, keys, FAAS_K_RECORDS);
    lua_pushvalue(L, cf - 2);
    lua_rawset(L, idx);

    lua_replace(L, keys);
    lua_settop(L, keys);

    return 1;
}


/* __index of cf: the request of a response event, made on first read */

static int
faas_cf_index(lua_State *L)
{
    size_t         len;
    const char    *k;
    faas_state_t  *st;

    st = faas_state_from(L);

    if (st->run.call == NULL || st->run.msgs[FAAS_MSG_RESPONSE] == NULL
        || st->run.msgs[FAAS_MSG_REQUEST] != NULL
        || lua_type(L, 2) != LUA_TSTRING)
    {
        return 0;
    }

    k = lua_tolstring(L, 2, &len);

    if (len != 7 || memcmp(k, "request", 7) != 0) {
        return 0;
    }

    faas_rawget_ref(L, st, FAAS_REF_CF);

    if (!lua_rawequal(L, 1, -1)) {
        return 0;
    }

    faas_msg_new(L, st, FAAS_MSG_REQUEST);

    lua_pushvalue(L, 2);
    lua_pushvalue(L, -2);
    lua_rawset(L, 1);

    return 1;
}


/* pushes a new, empty request or response of the live invocation */

static void
faas_msg_new(lua_State *L, faas_state_t *st, faas_msg_e msg)
{
    lua_createtable(L, 0, 4);
    faas_rawget_ref(L, st, FAAS_REF_MSG_MT);
    lua_setmetatable(L, -2);
    st->run.msgs[msg] = lua_topointer(L, -1);

    /* the next invocation unlinks the set (faas_event_renew) */
    st->event_used = 1;
}


/*
 * Loads whatever the lazy table at idx has not loaded yet, so that a
 * traversal (pairs, next, faas.json.encode) sees all of it: the event's
 * Records, every field of the live request or response, every header.
 * Any other table is left alone.
 */

void
faas_event_materialize(lua_State *L, int idx)
{
    int                   msg, kind;
    const char          **part, *p;
    faas_field_t         *f;
    faas_state_t         *st;
    faas_headers_lazy_t  *lz;

    if (!lua_getmetatable(L, idx)) {
        return;
    }

    lua_rawgeti(L, -1, 1);
    p = lua_touserdata(L, -1);
    lua_pop(L, 2);

    for (kind = 0; kind < FAAS_LAZY_MAX; kind++) {
        if (p == &faas_lazy_kinds[kind]) {
            break;
        }
    }

    if (kind == FAAS_LAZY_MAX) {
        return;
    }

    idx = idx < 0 ? lua_gettop(L) + idx + 1 : idx;
    st = faas_state_from(L);

    if (st->run.call == NULL) {
        return;
    }

    switch (kind) {

    case FAAS_LAZY_EVENT:
        if (faas_event_records(L, st, idx)) {
            lua_pop(L, 1);
        }

        return;

    case FAAS_LAZY_CF:
        lua_getfield(L, idx, "request");
        lua_pop(L, 1);
        return;

    case FAAS_LAZY_MSG:
        for (msg = 0; msg < 2; msg++) {
            if (lua_topointer(L, idx) == st->run.msgs[msg]) {
                break;
            }
        }

        if (msg == 2) {
            return;
        }

        for (f = faas_fields; f->name; f++) {
            if (f->msg == (faas_msg_e) msg) {
                lua_getfield(L, idx, f->name);
                lua_pop(L, 1);
            }
        }

        for (part = faas_msg_parts; *part; part++) {
            lua_getfield(L, idx, *part);
            lua_pop(L, 1);
        }

        return;

    default:
        lz = faas_headers_lazy(L, st, idx);

        if (lz && !lz->full) {
            faas_headers_load(L, st, lz, idx);
        }
    }
}


static int
faas_meta_index(lua_State *L)
{
    int            config;
    size_t         len;
    const char    *k;
    faas_str_t     v;
    faas_call_t   *call;
    faas_state_t  *st;

    st = faas_state_from(L);
    call = st->run.call;

    if (call == NULL || lua_type(L, 2) != LUA_TSTRING) {
        return 0;
    }

    k = lua_tolstring(L, 2, &len);

    config = lua_toboolean(L, lua_upvalueindex(1));

    if (strcmp(k, config ? "eventType" : "event_type") == 0) {
        lua_pushstring(L, faas_event_name(call->event));
        return 1;
    }

    if (strcmp(k, config ? "requestId" : "request_id") == 0
        && call->host->get(call->req, FAAS_FIELD_REQUEST_ID, &v) == FAAS_OK)
    {
        lua_pushlstring(L, v.data, v.len);
        return 1;
    }

    if (config) {
        if (strcmp(k, "distributionDomainName") == 0
            && call->host->get(call->req, FAAS_FIELD_SERVER_NAME, &v)
               == FAAS_OK)
        {
            lua_pushlstring(L, v.data, v.len);
            return 1;
        }

        return 0;
    }

    if (strcmp(k, "cold_start") == 0) {
        lua_pushboolean(L, call->cold_start);
        return 1;
    }

    if (strcmp(k, "invocation") == 0) {
        lua_pushnumber(L, st->run.invocation);
        return 1;
    }

    return 0;
}


static int
faas_meta_readonly(lua_State *L)
{
    return faas_violation(L, "attempt to write to a read-only table");
}


static int
faas_context_remaining(lua_State *L)
{
    uint64_t       now;
    faas_state_t  *st;

    st = faas_state_from(L);
    now = faas_now_us();

    lua_pushinteger(L, st->run.deadline > now
                       ? (lua_Integer) ((st->run.deadline - now) / 1000) : 0);

    return 1;
}


/* __index of a request or response table: the lazy loader */

static int
faas_msg_index(lua_State *L)
{
    int            msg;
    size_t         len;
    const void    *p;
    const char    *k;
    faas_state_t  *st;

    st = faas_state_from(L);

    if (st->run.call == NULL || lua_type(L, 2) != LUA_TSTRING) {
        return 0;
    }

    k = lua_tolstring(L, 2, &len);

    /* a table kept from an earlier invocation loads nothing more */

    p = lua_topointer(L, 1);

    if (p == st->run.msgs[FAAS_MSG_REQUEST]) {
        msg = FAAS_MSG_REQUEST;

    } else if (p != NULL && p == st->run.msgs[FAAS_MSG_RESPONSE]) {
        msg = FAAS_MSG_RESPONSE;

    } else {
        return 0;
    }

    if (!faas_msg_load(L, st, (faas_msg_e) msg, k, len)) {
        return 0;
    }

    lua_pushvalue(L, 2);
    lua_pushvalue(L, -2);
    lua_rawset(L, 1);

    return 1;
}


/* pushes field k of msg from the host: 1, or 0 when it has none */

static int
faas_msg_load(lua_State *L, faas_state_t *st, faas_msg_e msg,
    const char *k, size_t len)
{
    faas_str_t     v;
    faas_call_t   *call;
    faas_field_t  *f;

    call = st->run.call;

    if (len == 7 && memcmp(k, "headers", 7) == 0) {
        faas_headers_push(L, st, msg);
        return 1;
    }

    if (len == 4 && memcmp(k, "body", 4) == 0) {
        return faas_event_body_push(L, st, msg) == FAAS_OK;
    }

    if (len == 6 && memcmp(k, "origin", 6) == 0) {
        return msg == FAAS_MSG_REQUEST
               && faas_event_origin_push(L, st) == FAAS_OK;
    }

    for (f = faas_fields; f->name; f++) {
        if (f->msg == msg && strcmp(f->name, k) == 0) {
            break;
        }
    }

    if (f->name == NULL
        || call->host->get(call->req, f->field, &v) != FAAS_OK)
    {
        return 0;
    }

    lua_pushlstring(L, v.data, v.len);

    return 1;
}


/*
 * Pushes the headers table of msg: lowercase name -> list of {key, value},
 * empty; its __index loads a name from the host on first read.
 */

static void
faas_headers_push(lua_State *L, faas_state_t *st, faas_msg_e msg)
{
    faas_headers_lazy_t  *lz;

    lua_createtable(L, 0, 4);
    faas_rawget_ref(L, st, FAAS_REF_HEADERS_MT);
    lua_setmetatable(L, -2);

    lz = &st->run.headers[msg];
    lz->table = lua_topointer(L, -1);
    lz->full = 0;
    lz->ntouched = 0;
    lz->used = 0;
}


/* the bookkeeping of the live headers table at t, NULL for another table */

static faas_headers_lazy_t *
faas_headers_lazy(lua_State *L, faas_state_t *st, int t)
{
    int          msg;
    const void  *p;

    p = lua_topointer(L, t);

    for (msg = 0; msg < 2; msg++) {
        if (p == st->run.headers[msg].table && p != NULL) {
            return &st->run.headers[msg];
        }
    }

    return NULL;
}


typedef struct {
    lua_State                 *L;
    int                        t;
    int                        keys;
    faas_headers_lazy_t       *skip;       /* names not to load */
    faas_str_t                *only;       /* the one name to load */
    int                        list;       /* its list, once made */
} faas_headers_ctx_t;


/*
 * __index of a headers table: the host's headers of that name, loaded
 * once.  A name once touched is not loaded again: a header the handler
 * removed stays removed.
 */

static int
faas_headers_index(lua_State *L)
{
    int                   i;
    size_t                len;
    const char           *k;
    faas_str_t            lname;
    faas_state_t         *st;
    faas_headers_lazy_t  *lz;

    st = faas_state_from(L);

    if (st->run.call == NULL || lua_type(L, 2) != LUA_TSTRING) {
        return 0;
    }

    k = lua_tolstring(L, 2, &len);

    lz = faas_headers_lazy(L, st, 1);

    if (lz == NULL || lz->full || faas_headers_touched(lz, k, len) >= 0) {
        return 0;
    }

    i = faas_headers_remember(lz, k, len);

    /* too many names to keep track of: the rest is loaded */

    if (i < 0) {
        faas_headers_load(L, st, lz, 1);
        lua_pushvalue(L, 2);
        lua_rawget(L, 1);

        return 1;
    }

    lname.data = k;
    lname.len = len;

    lz->touched[i].list = faas_headers_host(L, st, lz, 1, NULL, &lname, 2);
    lz->touched[i].loaded = 1;

    return 1;
}


/* __newindex of a headers table: the name is touched, then set raw */

static int
faas_headers_newindex(lua_State *L)
{
    size_t                len;
    const char           *k;
    faas_state_t         *st;
    faas_headers_lazy_t  *lz;

    st = faas_state_from(L);
    lz = st->run.call ? faas_headers_lazy(L, st, 1) : NULL;

    if (lz && !lz->full) {
        k = lua_type(L, 2) == LUA_TSTRING ? lua_tolstring(L, 2, &len) : NULL;

        /* the full comparison on return reports a bad key */

        if (k == NULL || faas_headers_touch(lz, k, len) < 0) {
            faas_headers_load(L, st, lz, 1);
        }
    }

    /* the name is not in the table: setting nil changes nothing */

    if (lua_isnil(L, 3)) {
        return 0;
    }

    lua_rawset(L, 1);

    return 0;
}


/* the index of a touched name in lz->touched, -1 if not touched */

static int
faas_headers_touched(faas_headers_lazy_t *lz, const char *name, size_t len)
{
    unsigned  i;

    for (i = 0; i < lz->ntouched; i++) {
        if (lz->touched[i].len == len
            && memcmp(lz->names + lz->touched[i].off, name, len) == 0)
        {
            return (int) i;
        }
    }

    return -1;
}


/* the index of a name, touched now if it was not: see below */

static int
faas_headers_touch(faas_headers_lazy_t *lz, const char *name, size_t len)
{
    int  i;

    i = faas_headers_touched(lz, name, len);

    return i >= 0 ? i : faas_headers_remember(lz, name, len);
}


/*
 * remembers a name not touched yet, not loaded yet; its index, -1 when
 * there is no room.  The copy ends in a NUL: the write-back names it in
 * its messages.
 */

static int
faas_headers_remember(faas_headers_lazy_t *lz, const char *name, size_t len)
{
    int  i;

    if (lz->ntouched == FAAS_HEADERS_TOUCHED
        || len >= FAAS_HEADERS_NAMES - lz->used)
    {
        return -1;
    }

    i = (int) lz->ntouched++;

    memcpy(lz->names + lz->used, name, len);
    lz->names[lz->used + len] = '\0';
    lz->touched[i].off = lz->used;
    lz->touched[i].len = len;
    lz->touched[i].loaded = 0;
    lz->used += len + 1;

    return i;
}


/*
 * Loads every header of the table at t that was not touched yet, and
 * marks the table full: from now on it is a plain table, compared whole
 * on return.
 */

static void
faas_headers_load(lua_State *L, faas_state_t *st, faas_headers_lazy_t *lz,
    int t)
{
    faas_headers_host(L, st, lz, t, lz, NULL, 0);
    lz->full = 1;
}


/*
 * adds the host's headers named only (all but skip's) to the table at t;
 * name is the index of only as a Lua string.  With only, pushes its list
 * (nil when the host has none, the value __index returns) and returns it,
 * NULL for nil.
 */

static const void *
faas_headers_host(lua_State *L, faas_state_t *st, faas_headers_lazy_t *lz,
    int t, faas_headers_lazy_t *skip, faas_str_t *only, int name)
{
    faas_call_t         *call;
    faas_headers_ctx_t   ctx;

    call = st->run.call;

    faas_rawget_ref(L, st, FAAS_REF_KEYS);

    ctx.L = L;
    ctx.t = t;
    ctx.keys = lua_gettop(L);
    ctx.skip = skip;
    ctx.only = only;
    ctx.list = 0;

    if (call->host->headers(call->req,
                            lz == &st->run.headers[FAAS_MSG_REQUEST]
                            ? FAAS_MSG_REQUEST : FAAS_MSG_RESPONSE,
                            only, faas_headers_add, &ctx)
        != FAAS_OK)
    {
        luaL_error(L, "cannot read the %s headers",
                   lz == &st->run.headers[FAAS_MSG_REQUEST]
                   ? "request" : "response");
    }

    if (only == NULL) {
        lua_settop(L, ctx.keys - 1);
        return NULL;
    }

    if (ctx.list) {
        lua_pushvalue(L, name);
        lua_pushvalue(L, ctx.list);
        lua_rawset(L, t);

    } else {
        lua_pushnil(L);
    }

    lua_replace(L, ctx.keys);
    lua_settop(L, ctx.keys);

    return lua_topointer(L, -1);
}


/* appends one host header to its name's list in ctx->t */

static int
faas_headers_add(void *arg, faas_header_t *hdr)
{
    int                  n;
    lua_State           *L;
    faas_headers_ctx_t  *ctx;

    ctx = arg;
    L = ctx->L;

    if (ctx->skip && faas_headers_touched(ctx->skip, hdr->lname.data,
                                          hdr->lname.len) >= 0)
    {
        return FAAS_OK;
    }

    /* one name: its list stays on the stack until the host is done */

    if (ctx->only == NULL) {
        lua_pushlstring(L, hdr->lname.data, hdr->lname.len);
        lua_pushvalue(L, -1);
        lua_rawget(L, ctx->t);

        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            lua_createtable(L, 1, 0);
            lua_pushvalue(L, -2);
            lua_pushvalue(L, -2);
            lua_rawset(L, ctx->t);
        }

    } else if (ctx->list == 0) {
        lua_createtable(L, 1, 0);
        ctx->list = lua_gettop(L);
    }

    n = (int) lua_objlen(L, -1);

    lua_createtable(L, 0, 2);
    lua_rawgeti(L, ctx->keys, FAAS_K_KEY);
    lua_pushlstring(L, hdr->key.data, hdr->key.len);
    lua_rawset(L, -3);
    lua_rawgeti(L, ctx->keys, FAAS_K_VALUE);
    lua_pushlstring(L, hdr->value.data, hdr->value.len);
    lua_rawset(L, -3);
    lua_rawseti(L, -2, n + 1);

    lua_settop(L, ctx->only ? ctx->list : ctx->keys);

    return FAAS_OK;
}


/* reads field k of the table at idx raw; pushes it */

int
faas_rawfield(lua_State *L, int idx, const char *k)
{
    lua_pushstring(L, k);
    lua_rawget(L, idx < 0 ? idx - 1 : idx);

    return lua_type(L, -1);
}


/* the same for an interned key FAAS_K_*: no string to hash */

int
faas_rawkey(lua_State *L, int idx, int k)
{
    idx = idx < 0 ? lua_gettop(L) + idx + 1 : idx;

    faas_rawget_ref(L, faas_state_from(L), FAAS_REF_KEYS);
    lua_rawgeti(L, -1, k);
    lua_rawget(L, idx);
    lua_replace(L, -2);

    return lua_type(L, -1);
}


/*
 * The host's headers, and their names sorted with their positions: the
 * headers of one name are a run of byname, in the host's order.  Looking
 * names up there keeps the diff O(n log n) in the number of headers; a
 * linear search per name took 1.3 s of one worker for a request with
 * 10,000 headers whose handler changed one (t/050-edge-input.t).
 */

typedef struct {
    faas_str_t                 lname;
    size_t                     pos;
} faas_hname_t;


struct faas_host_headers_s {
    faas_header_t             *h;
    faas_hname_t              *byname;
    size_t                     n;
    size_t                     cap;
    faas_msg_e                 msg;
    unsigned                   read:1;     /* h holds them */
    int                        slot;       /* two for userdata, see below */
    faas_header_t              hbuf[FAAS_HOST_HEADERS];
    faas_hname_t               nbuf[FAAS_HOST_HEADERS];
};


static int
faas_host_headers_add(void *arg, faas_header_t *hdr)
{
    faas_host_headers_t  *hh;

    hh = arg;

    if (hh->h && hh->n < hh->cap) {
        hh->h[hh->n] = *hdr;
    }

    hh->n++;

    return FAAS_OK;
}


/* an empty string may have a NULL data: memcmp() of NULL is undefined */

static int
faas_str_same(faas_str_t *a, const char *s, size_t len)
{
    return a->len == len && (len == 0 || memcmp(a->data, s, len) == 0);
}


/* by name, then by position in the host's headers */

static int
faas_hname_cmp(const void *a, const void *b)
{
    int                  rc;
    size_t               n;
    const faas_hname_t  *x, *y;

    x = a;
    y = b;

    n = x->lname.len < y->lname.len ? x->lname.len : y->lname.len;
    rc = n ? memcmp(x->lname.data, y->lname.data, n) : 0;

    if (rc == 0 && x->lname.len != y->lname.len) {
        rc = x->lname.len < y->lname.len ? -1 : 1;
    }

    if (rc == 0 && x->pos != y->pos) {
        rc = x->pos < y->pos ? -1 : 1;
    }

    return rc;
}


/* the first entry of byname named lname (hh->n if none); *n of them */

static size_t
faas_hname_find(faas_host_headers_t *hh, faas_str_t *lname, size_t *n)
{
    size_t        lo, hi, mid, first;
    faas_hname_t  key;

    key.lname = *lname;
    key.pos = 0;

    lo = 0;
    hi = hh->n;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;

        if (faas_hname_cmp(&hh->byname[mid], &key) < 0) {
            lo = mid + 1;

        } else {
            hi = mid;
        }
    }

    first = lo;

    while (lo < hh->n && faas_str_same(&hh->byname[lo].lname, lname->data,
                                       lname->len))
    {
        lo++;
    }

    *n = lo - first;

    return first;
}


/*
 * The host's headers named lname, in order: a run of byname when it is
 * sorted, else a scan (a few headers, where sorting costs more).
 */

typedef struct {
    size_t                     i;
    size_t                     end;
} faas_hname_iter_t;


static void
faas_hname_first(faas_host_headers_t *hh, faas_str_t *lname,
    faas_hname_iter_t *it)
{
    size_t  n;

    if (hh->byname) {
        it->i = faas_hname_find(hh, lname, &n);
        it->end = it->i + n;

    } else {
        it->i = 0;
        it->end = hh->n;
    }
}


static faas_header_t *
faas_hname_next(faas_host_headers_t *hh, faas_str_t *lname,
    faas_hname_iter_t *it)
{
    faas_header_t  *h;

    if (hh->byname) {
        return it->i < it->end ? &hh->h[hh->byname[it->i++].pos] : NULL;
    }

    while (it->i < it->end) {
        h = &hh->h[it->i++];

        if (faas_str_same(&h->lname, lname->data, lname->len)) {
            return h;
        }
    }

    return NULL;
}


/*
 * Copies the host's headers of hh->msg into hh, the first time they are
 * needed, and sorts their names when asked to or when there are many.
 * What does not fit in hh's own buffers goes to userdata that replace the
 * nils at hh->slot and hh->slot + 1, where they stay until the changes
 * are applied.
 */

static void
faas_host_headers_read(lua_State *L, faas_state_t *st,
    faas_host_headers_t *hh, int sort)
{
    size_t        j;
    faas_call_t  *call;

    if (hh->read) {
        return;
    }

    call = st->run.call;

    hh->h = hh->hbuf;
    hh->n = 0;
    hh->cap = FAAS_HOST_HEADERS;

    if (call->host->headers(call->req, hh->msg, NULL, faas_host_headers_add, hh)
        != FAAS_OK)
    {
        goto failed;
    }

    if (hh->n > hh->cap) {
        hh->cap = hh->n;
        hh->h = lua_newuserdata(L, hh->cap * sizeof(faas_header_t));
        lua_replace(L, hh->slot);
        hh->n = 0;

        if (call->host->headers(call->req, hh->msg, NULL, faas_host_headers_add,
                                hh)
            != FAAS_OK || hh->n != hh->cap)
        {
            goto failed;
        }
    }

    hh->read = 1;
    hh->byname = NULL;

    if (!sort && hh->n <= FAAS_HOST_HEADERS) {
        return;
    }

    if (hh->n <= FAAS_HOST_HEADERS) {
        hh->byname = hh->nbuf;

    } else {
        hh->byname = lua_newuserdata(L, hh->n * sizeof(faas_hname_t));
        lua_replace(L, hh->slot + 1);
    }

    for (j = 0; j < hh->n; j++) {
        hh->byname[j].lname = hh->h[j].lname;
        hh->byname[j].pos = j;
    }

    qsort(hh->byname, hh->n, sizeof(faas_hname_t), faas_hname_cmp);

    return;

failed:

    luaL_error(L, "cannot read the %s headers",
               hh->msg == FAAS_MSG_REQUEST ? "request" : "response");
}


static int
faas_host_headers_has(faas_host_headers_t *hh, faas_str_t *lname)
{
    faas_hname_iter_t  it;

    faas_hname_first(hh, lname, &it);

    return faas_hname_next(hh, lname, &it) != NULL;
}


/*
 * Whether the list of {key, value} at index list equals the host's headers
 * named lname, in order; reads raw.  A missing key stands for lname.
 */

static int
faas_headers_same(lua_State *L, int keys, int list, faas_host_headers_t *hh,
    faas_str_t *lname)
{
    int                 i, same;
    size_t              len;
    const char         *s;
    faas_header_t      *h;
    faas_hname_iter_t   it;

    faas_hname_first(hh, lname, &it);

    for (i = 1; /* void */ ; i++) {
        lua_rawgeti(L, list, i);

        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            break;
        }

        h = faas_hname_next(hh, lname, &it);

        if (lua_type(L, -1) != LUA_TTABLE || h == NULL) {
            lua_pop(L, 1);
            return 0;
        }

        lua_rawgeti(L, keys, FAAS_K_KEY);
        lua_rawget(L, -2);

        if (lua_type(L, -1) == LUA_TSTRING) {
            s = lua_tolstring(L, -1, &len);
            same = faas_str_same(&h->key, s, len);

        } else {
            same = lua_isnil(L, -1)
                   && faas_str_same(&h->key, lname->data, lname->len);
        }

        lua_pop(L, 1);

        lua_rawgeti(L, keys, FAAS_K_VALUE);
        lua_rawget(L, -2);

        s = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &len)
                                           : NULL;
        same = same && s && faas_str_same(&h->value, s, len);

        lua_pop(L, 2);

        if (!same) {
            return 0;
        }
    }

    /* no more of the host's headers of that name */

    return faas_hname_next(hh, lname, &it) == NULL;
}


/*
 * Validates the list of entries of one header name into out, which has
 * room for lua_objlen() of the list (the entries run up to the first
 * nil, never past that length).  The strings stay anchored in the
 * handler's table.
 */

size_t
faas_headers_entries(lua_State *L, int list,
    faas_str_t *lname, faas_header_t *out)
{
    int     keys;
    size_t  n;

    faas_rawget_ref(L, faas_state_from(L), FAAS_REF_KEYS);
    keys = lua_gettop(L);

    if (faas_headers_scan(L, keys, list, lname, out, &n) != 0) {
        faas_bad_return_top(L);
    }

    lua_pop(L, 1);

    return n;
}


/*
 * faas_headers_entries() that does not raise, with the interned keys at
 * keys: 0 with the number of entries in *n, or -1 with the error message
 * on top in place of everything it pushed
 */

static int
faas_headers_scan(lua_State *L, int keys, int list, faas_str_t *lname,
    faas_header_t *out, size_t *n)
{
    int          i, top, type;
    faas_str_t   key, value;

    top = lua_gettop(L);

    if (lua_type(L, list) != LUA_TTABLE) {
        lua_pushfstring(L, "headers[\"%s\"] must be a list of "
                        "{key, value} tables, not %s",
                        lname->data, luaL_typename(L, list));
        return -1;
    }

    *n = 0;

    for (i = 1; /* void */ ; i++) {
        lua_rawgeti(L, list, i);

        type = lua_type(L, -1);

        if (type == LUA_TNIL) {
            lua_settop(L, top);
            return 0;
        }

        if (type != LUA_TTABLE) {
            lua_pushfstring(L, "headers[\"%s\"][%d] must be a "
                            "{key, value} table", lname->data, i);
            goto failed;
        }

        lua_rawgeti(L, keys, FAAS_K_VALUE);
        lua_rawget(L, -2);

        if (lua_type(L, -1) != LUA_TSTRING) {
            lua_pushfstring(L, "headers[\"%s\"][%d].value must be a "
                            "string", lname->data, i);
            goto failed;
        }

        value.data = lua_tolstring(L, -1, &value.len);

        if (!faas_header_value_valid(value.data, value.len)) {
            lua_pushfstring(L, "header \"%s\" has a control character "
                            "(CR, LF, NUL ...) in its value", lname->data);
            goto failed;
        }

        lua_rawgeti(L, keys, FAAS_K_KEY);
        lua_rawget(L, -3);

        switch (lua_type(L, -1)) {

        case LUA_TNIL:
            key = *lname;
            break;

        case LUA_TSTRING:
            key.data = lua_tolstring(L, -1, &key.len);

            if (key.len != lname->len
                || !faas_header_key_same(key.data, lname->data, key.len))
            {
                lua_pushfstring(L, "headers[\"%s\"][%d].key \"%s\" does "
                                "not match its name", lname->data, i,
                                key.data);
                goto failed;
            }

            break;

        default:
            lua_pushfstring(L, "headers[\"%s\"][%d].key must be a string",
                            lname->data, i);
            goto failed;
        }

        lua_settop(L, top);

        out[*n].lname = *lname;
        out[*n].key = key;
        out[*n].value = value;

        (*n)++;
    }

failed:

    lua_replace(L, top + 1);
    lua_settop(L, top + 1);

    return -1;
}


/* a header table key: a lowercase token */

void
faas_headers_check_name(lua_State *L, faas_str_t *lname)
{
    switch (faas_header_name_valid(lname->data, lname->len)) {

    case 0:
        faas_bad_return(L, "invalid header name \"%s\"", lname->data);
        return;

    case 1:
        return;

    default:
        faas_bad_return(L, "header table keys must be lowercase: \"%s\"",
                        lname->data);
    }
}


static void
faas_headers_forbidden(lua_State *L, faas_state_t *st, faas_msg_e msg,
    faas_str_t *lname)
{
    if (faas_headers_refused(L, st, msg, lname)) {
        faas_bad_return_top(L);
    }
}


/* 1 with the reason pushed if the handler may not write lname, else 0 */

static int
faas_headers_refused(lua_State *L, faas_state_t *st, faas_msg_e msg,
    faas_str_t *lname)
{
    const char  *why;

    why = faas_header_forbidden(st->run.call->event, msg, lname);

    if (why == NULL) {
        return 0;
    }

    lua_pushfstring(L, "header \"%s\" %s in %s", lname->data, why,
                    faas_event_name(st->run.call->event));

    return 1;
}


/*
 * The index of the value of the j-th name to compare: pushed from the
 * list table at list, or on the stack at first
 */

static int
faas_diff_value(lua_State *L, int list, int first, size_t j)
{
    if (list) {
        lua_rawgeti(L, list, 2 * j + 2);
        return lua_gettop(L);
    }

    return first + (int) j;
}


/*
 * Collects into wb the header names of the table at t whose values differ
 * from the host's headers of msg as they are now, and the host's names t
 * no longer has.  Comparing with the host (not with a copy kept at load
 * time) costs nothing while loading, and in a sequence the host already
 * holds what the previous function wrote.  The live lazy table of msg is
 * compared on the names the handler touched only: no other name can have
 * changed.
 */

static void
faas_headers_diff(lua_State *L, faas_state_t *st, faas_msg_e msg, int t,
    faas_writeback_t *wb)
{
    int                   keys, list, first, value, top, lazy, assigned;
    int                   known, i;
    size_t                nnames, nentries, len, n, j, k;
    faas_str_t            lname;
    const char           *s;
    faas_host_headers_t   hh;
    faas_headers_lazy_t  *lz;

    lz = faas_headers_lazy(L, st, t);

    if (lz && lz != &st->run.headers[msg] && !lz->full) {
        faas_headers_load(L, st, lz, t);
    }

    lazy = (lz == &st->run.headers[msg] && !lz->full);

    faas_rawget_ref(L, st, FAAS_REF_KEYS);
    keys = lua_gettop(L);

    /*
     * The host's headers are read when a name needs them (the slots hold
     * what they may need).  Names are looked up in them sorted once when
     * there are many, or when every name of the table is compared (and
     * each host name is visited once); a few touched names scan a few
     * headers.
     */

    lua_pushnil(L);
    lua_pushnil(L);

    hh.msg = msg;
    hh.read = 0;
    hh.slot = keys + 1;

    /*
     * The names to compare: the touched names of the lazy table, whose
     * bytes the table's bookkeeping holds, with their values on the stack
     * in the same order; or every name of a plain table and the host's
     * names it does not have, each followed by its value, in a list table
     * (on the stack 10,000 headers would overflow it).  The strings stay
     * alive until the changes are applied.
     */

    nentries = 0;

    if (lazy) {

        /*
         * A few names (FAAS_HEADERS_TOUCHED at most), nil unless set:
         * the table holds touched names only, and one traversal of it
         * costs less than a lookup of each name, which would make its
         * string again
         */

        list = 0;
        first = lua_gettop(L) + 1;
        nnames = lz->ntouched;
        luaL_checkstack(L, nnames + FAAS_DIFF_STACK, "headers");
        lua_settop(L, first + nnames - 1);

        lua_pushnil(L);
        while (lua_next(L, t)) {
            s = lua_type(L, -2) == LUA_TSTRING ? lua_tolstring(L, -2, &len)
                                               : NULL;
            i = s ? faas_headers_touched(lz, s, len) : -1;

            if (i >= 0) {
                lua_replace(L, first + i);

            } else {
                lua_pop(L, 1);
            }
        }

    } else {
        faas_host_headers_read(L, st, &hh, 1);

        lua_createtable(L, 2 * hh.n, 0);
        list = lua_gettop(L);
        first = 0;
        n = 0;

        lua_pushnil(L);
        while (lua_next(L, t)) {
            if (lua_type(L, -2) != LUA_TSTRING) {
                faas_bad_return(L, "header table keys must be strings");
            }

            lua_rawseti(L, list, n + 2);
            lua_pushvalue(L, -1);
            lua_rawseti(L, list, n + 1);
            n += 2;
        }

        /* each name of the host once: a run of byname */

        for (j = 0; j < hh.n; j++) {
            if (j > 0 && faas_str_same(&hh.byname[j - 1].lname,
                                       hh.byname[j].lname.data,
                                       hh.byname[j].lname.len))
            {
                continue;
            }

            lua_pushlstring(L, hh.byname[j].lname.data,
                            hh.byname[j].lname.len);
            lua_pushvalue(L, -1);
            lua_rawget(L, t);

            if (!lua_isnil(L, -1)) {
                lua_pop(L, 2);
                continue;
            }

            lua_pop(L, 1);
            lua_rawseti(L, list, n + 1);
            n += 2;
        }

        nnames = n / 2;
    }

    for (j = 0; j < nnames; j++) {
        top = lua_gettop(L);
        value = faas_diff_value(L, list, first, j);

        if (lua_type(L, value) == LUA_TTABLE) {
            nentries += lua_objlen(L, value);
        }

        lua_settop(L, top);
    }

    wb->lnames = nnames <= FAAS_WRITEBACK_OPS
                 ? wb->namebuf
                 : lua_newuserdata(L, nnames * sizeof(faas_str_t));
    wb->hdrs = nentries <= FAAS_WRITEBACK_HEADERS
               ? wb->hdrbuf
               : lua_newuserdata(L, nentries * sizeof(faas_header_t));
    wb->nnames = 0;
    wb->nhdrs = 0;

    /* the list and the buffers stay on the stack until they are applied */

    for (j = 0; j < nnames; j++) {
        top = lua_gettop(L);

        if (lazy) {
            lname.data = lz->names + lz->touched[j].off;
            lname.len = lz->touched[j].len;

        } else {
            lua_rawgeti(L, list, 2 * j + 1);
            lname.data = lua_tolstring(L, -1, &lname.len);
            lua_pop(L, 1);
        }

        value = faas_diff_value(L, list, first, j);

        if (lua_isnil(L, value)) {
            lua_settop(L, top);

            /*
             * Removed: a name the host has becomes a removal.  The host's
             * answer is known for a name the handler read.  For one it
             * only wrote, a removal of a header the host lacks changes
             * nothing, so only a name the handler may not remove (an
             * error if the host has it) needs the host.
             */

            known = lazy && lz->touched[j].loaded;

            if (known && lz->touched[j].list == NULL) {
                continue;
            }

            if (!lazy && !faas_host_headers_has(&hh, &lname)) {
                continue;
            }

            if (faas_headers_refused(L, st, msg, &lname)) {
                if (lazy && !known) {
                    faas_host_headers_read(L, st, &hh, 0);

                    if (!faas_host_headers_has(&hh, &lname)) {
                        lua_settop(L, top);
                        continue;
                    }
                }

                faas_bad_return_top(L);
            }

            wb->lnames[wb->nnames++] = lname;
            continue;
        }

        faas_headers_check_name(L, &lname);

        /*
         * A list the handler assigned to a touched name is written
         * whatever the host has: writing the host's own headers again
         * changes nothing.  A list that may be the host's, changed in
         * place or not, is compared.
         */

        assigned = 0;

        if (lua_type(L, value) == LUA_TTABLE) {
            assigned = lazy
                       && (!lz->touched[j].loaded
                           || lz->touched[j].list
                              != lua_topointer(L, value));

            if (!assigned) {
                faas_host_headers_read(L, st, &hh, 0);

                if (faas_headers_same(L, keys, value, &hh, &lname)) {
                    lua_settop(L, top);
                    continue;
                }
            }
        }

        if (faas_headers_refused(L, st, msg, &lname)
            || faas_headers_scan(L, keys, value, &lname,
                                 wb->hdrs + wb->nhdrs, &k)
               != 0)
        {
            /* headers kept as the host has them are not checked */

            if (assigned) {
                faas_host_headers_read(L, st, &hh, 0);

                if (faas_headers_same(L, keys, value, &hh, &lname)) {
                    lua_settop(L, top);
                    continue;
                }
            }

            faas_bad_return_top(L);
        }

        lua_settop(L, top);

        wb->lnames[wb->nnames++] = lname;
        wb->nhdrs += k;
    }
}


int
faas_bad_return(lua_State *L, const char *fmt, ...)
{
    va_list  args;

    va_start(args, fmt);
    lua_pushvfstring(L, fmt, args);
    va_end(args);

    return faas_bad_return_top(L);
}


/* raises the message on top of the stack as a bad return */

static int
faas_bad_return_top(lua_State *L)
{
    faas_state_from(L)->run.call->fail = FAAS_FAIL_BAD_RETURN;

    return lua_error(L);
}


/*
 * What a handler returned, at idx of L: FAAS_OK after the changes were
 * written back, FAAS_DONE after a generated response was handed to the
 * host.  Raises a bad-return error without writing anything otherwise.
 */

int
faas_event_result(faas_state_t *st, int idx)
{
    int         v, response;
    lua_State  *L;

    L = st->L;
    response = st->run.call->event == FAAS_ORIGIN_RESPONSE
               || st->run.call->event == FAAS_VIEWER_RESPONSE;

    switch (lua_type(L, idx)) {

    case LUA_TNIL:
        if (st->run.call->event == FAAS_CONTENT) {
            faas_bad_return(L, "a content function must return a "
                            "response, not nil");
        }

        faas_kv_commit(L);
        return FAAS_OK;

    case LUA_TTABLE:
        break;

    case LUA_TUSERDATA:
        return faas_http_result(L, st, idx);

    default:
        faas_bad_return(L, "the handler must return %s or nil, not %s",
                        response ? "the response" : "the request, a response",
                        luaL_typename(L, idx));
    }

    v = faas_result_fields(L, idx);

    if (response) {
        if (lua_topointer(L, idx) == st->run.msgs[FAAS_MSG_REQUEST]) {
            faas_bad_return(L, "%s must return the response, not the "
                            "request", faas_event_name(st->run.call->event));
        }

        faas_response_result(L, st, idx, v);
        return FAAS_OK;
    }

    if (!lua_isnil(L, v + FAAS_K_STATUS - FAAS_K_HEADERS)) {
        return faas_generated_response(L, st, v);
    }

    if (st->run.call->event == FAAS_CONTENT) {
        faas_bad_return(L, "a content function must return a response");
    }

    faas_request_result(L, st, idx, v);

    return FAAS_OK;
}


/*
 * Pushes the raw values of the table at t under the keys FAAS_K_HEADERS
 * to FAAS_K_ORIGIN, nil where it has none, and returns the index of the
 * first: one traversal of a table that holds a few keys costs less than
 * a lookup of each.
 */

static int
faas_result_fields(lua_State *L, int t)
{
    int          v, k;
    size_t       len;
    const char  *s;

    luaL_checkstack(L, FAAS_K_ORIGIN - FAAS_K_HEADERS + 3, "result");

    v = lua_gettop(L) + 1;

    for (k = FAAS_K_HEADERS; k <= FAAS_K_ORIGIN; k++) {
        lua_pushnil(L);
    }

    lua_pushnil(L);
    while (lua_next(L, t)) {
        k = FAAS_K_ORIGIN + 1;

        if (lua_type(L, -2) == LUA_TSTRING) {
            s = lua_tolstring(L, -2, &len);

            for (k = FAAS_K_HEADERS; k <= FAAS_K_ORIGIN; k++) {
                if (faas_keys[k - 1].len == len
                    && memcmp(faas_keys[k - 1].data, s, len) == 0)
                {
                    break;
                }
            }
        }

        if (k <= FAAS_K_ORIGIN) {
            lua_replace(L, v + k - FAAS_K_HEADERS);

        } else {
            lua_pop(L, 1);
        }
    }

    return v;
}


/* pushes the value of key k from faas_result_fields() at v; its type */

static int
faas_result_field(lua_State *L, int v, int k)
{
    lua_pushvalue(L, v + k - FAAS_K_HEADERS);

    return lua_type(L, -1);
}


/*
 * NULL if v is a valid new uri or querystring, else why not.  uri is
 * nginx's decoded path (a space is a space; nginx escapes it on the way
 * upstream); the query string goes out as it is.
 */

const char *
faas_request_field_invalid(faas_field_e field, faas_str_t *v)
{
    if (field == FAAS_FIELD_URI) {
        if (v->len == 0 || v->data[0] != '/' || memchr(v->data, '?', v->len)
            || !faas_header_value_valid(v->data, v->len))
        {
            return "a path starts with \"/\" and has no \"?\" (set the "
                   "querystring) or control characters";
        }

        return NULL;
    }

    if (memchr(v->data, '#', v->len) || memchr(v->data, ' ', v->len)
        || !faas_header_value_valid(v->data, v->len))
    {
        return "a query string has no \"#\", spaces or control characters";
    }

    return NULL;
}


/* the request a request event returned: fields and headers it changed */

static void
faas_request_result(lua_State *L, faas_state_t *st, int t, int fv)
{
    const char        *why;
    faas_str_t         v, orig;
    faas_call_t       *call;
    faas_field_t      *f;
    faas_writeback_t   wb;

    call = st->run.call;
    faas_writeback_init(&wb);

    for (f = faas_fields; f->name; f++) {
        if (f->msg != FAAS_MSG_REQUEST) {
            continue;
        }

        switch (faas_result_field(L, fv, f->key)) {

        case LUA_TNIL:
            lua_pop(L, 1);
            continue;

        case LUA_TSTRING:
            break;

        default:
            faas_bad_return(L, "request.%s must be a string, not %s",
                            f->name, luaL_typename(L, -1));
        }

        v.data = lua_tolstring(L, -1, &v.len);
        lua_pop(L, 1);

        if (call->host->get(call->req, f->field, &orig) == FAAS_OK
            && faas_str_same(&orig, v.data, v.len))
        {
            continue;
        }

        if (!f->writable) {
            faas_bad_return(L, "request.%s is read-only in %s", f->name,
                            faas_event_name(call->event));
        }

        why = faas_request_field_invalid(f->field, &v);

        if (why) {
            faas_bad_return(L, "invalid request.%s \"%s\": %s", f->name,
                            v.data, why);
        }

        wb.fields[f->field] = v;
        wb.set |= 1u << f->field;
    }

    if (faas_result_field(L, fv, FAAS_K_HEADERS) == LUA_TTABLE) {
        faas_headers_diff(L, st, FAAS_MSG_REQUEST, lua_gettop(L), &wb);

    } else if (!lua_isnil(L, -1)) {
        faas_bad_return(L, "request.headers must be a table, not %s",
                        luaL_typename(L, -1));
    }

    if (!lua_isnil(L, fv + FAAS_K_BODY - FAAS_K_HEADERS)) {
        faas_event_request_body(L, st, t, &wb.body, &wb.body_set);
    }

    if (!lua_isnil(L, fv + FAAS_K_ORIGIN - FAAS_K_HEADERS)) {
        wb.origin = faas_event_request_origin(L, st, t);
    }

    faas_writeback_apply(st, FAAS_MSG_REQUEST, &wb);
}


/* the response a response event returned */

static void
faas_response_result(lua_State *L, faas_state_t *st, int t, int fv)
{
    int                type;
    faas_str_t         v, orig;
    faas_call_t       *call;
    faas_field_t      *f;
    faas_writeback_t   wb;

    call = st->run.call;
    faas_writeback_init(&wb);

    for (f = faas_fields; f->name; f++) {
        if (f->msg != FAAS_MSG_RESPONSE) {
            continue;
        }

        type = faas_result_field(L, fv, f->key);

        if (type == LUA_TNIL) {
            lua_pop(L, 1);
            continue;
        }

        if (type != LUA_TSTRING
            && !(type == LUA_TNUMBER && f->field == FAAS_FIELD_STATUS))
        {
            faas_bad_return(L, "response.%s must be a string, not %s",
                            f->name, luaL_typename(L, -1));
        }

        v.data = lua_tolstring(L, -1, &v.len);
        lua_pop(L, 1);

        if (call->host->get(call->req, f->field, &orig) == FAAS_OK
            && faas_str_same(&orig, v.data, v.len))
        {
            continue;
        }

        /* Lambda@Edge: only origin-response may change the status */

        if (call->event != FAAS_ORIGIN_RESPONSE) {
            faas_bad_return(L, "%s cannot change response.%s",
                            faas_event_name(call->event), f->name);
        }

        if (f->field == FAAS_FIELD_STATUS) {
            if (faas_event_status(v.data, v.len) < 0) {
                faas_bad_return(L, "response.status must be a number from "
                                "100 to 599, not \"%s\"", v.data);
            }

            /* a number's string form is not anchored: keep a copy */

            memcpy(wb.status, v.data, 3);
            v.data = wb.status;

        } else if (!faas_header_value_valid(v.data, v.len)) {
            faas_bad_return(L, "response.statusDescription has a control "
                            "character");
        }

        wb.fields[f->field] = v;
        wb.set |= 1u << f->field;
    }

    if (!lua_isnil(L, fv + FAAS_K_BODY - FAAS_K_HEADERS)) {
        faas_event_response_body(L, st, t, &wb.body, &wb.body_set);
    }

    if (faas_result_field(L, fv, FAAS_K_HEADERS) == LUA_TTABLE) {
        faas_headers_diff(L, st, FAAS_MSG_RESPONSE, lua_gettop(L), &wb);

    } else if (!lua_isnil(L, -1)) {
        faas_bad_return(L, "response.headers must be a table, not %s",
                        luaL_typename(L, -1));
    }

    faas_writeback_apply(st, FAAS_MSG_RESPONSE, &wb);
}


static void
faas_writeback_apply(faas_state_t *st, faas_msg_e msg, faas_writeback_t *wb)
{
    int           f;
    faas_call_t  *call;

    call = st->run.call;

    /* the result is valid: the function's state goes first, all or none */
    faas_kv_commit(st->L);

    for (f = 0; f < FAAS_FIELD_MAX; f++) {
        if (wb->set & (1u << f)) {
            call->host->set(call->req, (faas_field_e) f, &wb->fields[f]);
        }
    }

    if (wb->nnames) {
        call->host->set_headers(call->req, msg, wb->lnames, wb->nnames,
                                wb->hdrs, wb->nhdrs);
    }

    /* after the headers: custom headers of an origin win over them */

    if (wb->body_set) {
        call->host->set_body(call->req, msg, &wb->body);
    }

    if (wb->origin) {
        call->host->set_origin(call->req, wb->origin);
    }
}


/* {status, statusDescription, headers, body, bodyEncoding} */

static int
faas_generated_response(lua_State *L, faas_state_t *st, int v)
{
    int               type, h;
    char             *end;
    size_t            n, k;
    long              status;
    lua_Number        num;
    faas_str_t        lname, enc;
    const char       *s;
    faas_header_t    *hdrs, *p, hbuf[FAAS_WRITEBACK_HEADERS];
    faas_response_t   resp;

    memset(&resp, 0, sizeof(faas_response_t));

    /* a number is taken as it is: its string form would be a new string */

    type = faas_result_field(L, v, FAAS_K_STATUS);

    if (type == LUA_TNUMBER) {
        num = lua_tonumber(L, -1);
        status = (num >= 100 && num <= 599 && num == (lua_Number) (long) num)
                 ? (long) num : 0;

    } else {
        s = lua_tostring(L, -1);
        status = s ? strtol(s, &end, 10) : 0;

        if (s == NULL || *s < '0' || *s > '9' || *end != '\0') {
            status = 0;
        }
    }

    if (status < 100 || status > 599) {
        s = lua_tostring(L, -1);
        faas_bad_return(L, "response.status must be a number from 100 "
                        "to 599, not \"%s\"", s ? s : luaL_typename(L, -1));
    }

    resp.status = (unsigned) status;
    lua_pop(L, 1);

    type = faas_result_field(L, v, FAAS_K_STATUS_DESCRIPTION);

    if (type == LUA_TSTRING) {
        resp.description.data = lua_tolstring(L, -1,
                                              &resp.description.len);

        if (!faas_header_value_valid(resp.description.data,
                                     resp.description.len))
        {
            faas_bad_return(L, "response.statusDescription has a control "
                            "character");
        }

    } else if (type != LUA_TNIL) {
        faas_bad_return(L, "response.statusDescription must be a string");
    }

    type = faas_result_field(L, v, FAAS_K_BODY);

    if (type == LUA_TSTRING) {
        resp.body.data = lua_tolstring(L, -1, &resp.body.len);

    } else if (type != LUA_TNIL) {
        faas_bad_return(L, "response.body must be a string, not %s",
                        luaL_typename(L, -1));
    }

    type = faas_result_field(L, v, FAAS_K_BODY_ENCODING);
    enc.data = lua_tolstring(L, -1, &enc.len);

    if (type == LUA_TSTRING && faas_str_same(&enc, "base64", 6)) {
        if (faas_base64_decode_push(L, resp.body.data, resp.body.len, 0) != 0)
        {
            faas_bad_return(L, "response.body is not valid base64");
        }

        resp.body.data = lua_tolstring(L, -1, &resp.body.len);

    } else if (type != LUA_TNIL
               && !(type == LUA_TSTRING && faas_str_same(&enc, "text", 4)))
    {
        faas_bad_return(L, "response.bodyEncoding must be \"text\" or "
                        "\"base64\"");
    }

    type = faas_result_field(L, v, FAAS_K_HEADERS);
    h = lua_gettop(L);

    if (type == LUA_TTABLE) {
        faas_event_materialize(L, h);

        /*
         * One traversal: the entries go to hbuf while they fit, then to a
         * userdata twice as large as needed, kept below the traversal
         */

        hdrs = hbuf;
        n = FAAS_WRITEBACK_HEADERS;

        lua_pushnil(L);
        while (lua_next(L, h)) {
            if (lua_type(L, -2) != LUA_TSTRING) {
                faas_bad_return(L, "header table keys must be strings");
            }

            lname.data = lua_tolstring(L, -2, &lname.len);
            faas_headers_check_name(L, &lname);
            faas_headers_forbidden(L, st, FAAS_MSG_RESPONSE, &lname);

            k = lua_type(L, -1) == LUA_TTABLE ? lua_objlen(L, -1) : 0;

            if (resp.nheaders + k > n) {
                n = 2 * (resp.nheaders + k);
                p = lua_newuserdata(L, n * sizeof(faas_header_t));
                lua_insert(L, h + 1);
                memcpy(p, hdrs, resp.nheaders * sizeof(faas_header_t));
                hdrs = p;
            }

            resp.nheaders += faas_headers_entries(L, lua_gettop(L),
                                                  &lname,
                                                  hdrs + resp.nheaders);
            lua_pop(L, 1);
        }

        resp.headers = hdrs;

    } else if (type != LUA_TNIL) {
        faas_bad_return(L, "response.headers must be a table, not %s",
                        luaL_typename(L, -1));
    }

    return faas_event_respond(L, st, &resp);
}


/*
 * Hands a generated response (a returned table, or faas.respond's) to the
 * host once its body is within the limit and the function's state is
 * committed
 */

int
faas_event_respond(lua_State *L, faas_state_t *st, faas_response_t *resp)
{
    size_t  max;

    max = faas_event_body_max(st);

    if (resp->body.len > max) {
        faas_bad_return(L, "the response body of %d bytes is larger than "
                        "the limit of %d bytes", (int) resp->body.len,
                        (int) max);
    }

    faas_kv_commit(L);

    st->run.call->host->respond(st->run.call->req, resp);

    return FAAS_DONE;
}


/* the largest body a generated response of this invocation may have */

size_t
faas_event_body_max(faas_state_t *st)
{
    return st->run.call->body_max ? st->run.call->body_max : FAAS_MAX_BODY;
}


/* a handler that waits keeps the event's tables (faas_call.c) */

void
faas_event_detach(faas_state_t *st)
{
    st->event_taken = 1;
}
