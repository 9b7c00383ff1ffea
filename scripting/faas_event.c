/*
 * The Lambda@Edge event, built lazily, and what a handler returns.
 *
 * The tables around the request (event, Records, cf, config) and the
 * context are made once per warm state and reused; per invocation only
 * the request (and response) table is new, and it is empty: its
 * metatable loads a field from the host the first time it is read.  So
 * a handler that touches nothing costs one table.
 *
 * Headers are loaded all at once on first use, with a signature of each
 * name's original values kept aside; on return only the names whose
 * values differ from their signature are written back.
 */

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "faas_state.h"
#include "faas_lib.h"


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
} faas_writeback_t;


typedef struct {
    const char                *name;
    faas_msg_e                 msg;
    faas_field_e               field;
    unsigned                   writable:1;
} faas_field_t;


static faas_field_t  faas_fields[] = {
    { "uri", FAAS_MSG_REQUEST, FAAS_FIELD_URI, 1 },
    { "querystring", FAAS_MSG_REQUEST, FAAS_FIELD_QUERYSTRING, 1 },
    { "method", FAAS_MSG_REQUEST, FAAS_FIELD_METHOD, 0 },
    { "clientIp", FAAS_MSG_REQUEST, FAAS_FIELD_CLIENT_IP, 0 },
    { "status", FAAS_MSG_RESPONSE, FAAS_FIELD_STATUS, 0 },
    { "statusDescription", FAAS_MSG_RESPONSE,
      FAAS_FIELD_STATUS_DESCRIPTION, 0 },
    { NULL, 0, 0, 0 }
};


static const char  *faas_event_names[] = {
    "viewer-request", "origin-request", "origin-response",
    "viewer-response", "content"
};

static const char  *faas_fail_names[] = {
    "none", "syntax", "runtime", "timeout", "memory", "sandbox",
    "bad-return", "state"
};


static void faas_event_keys(lua_State *L, faas_state_t *st);
static int faas_msg_index(lua_State *L);
static int faas_meta_index(lua_State *L);
static int faas_meta_readonly(lua_State *L);
static int faas_context_remaining(lua_State *L);
static void faas_headers_load(lua_State *L, faas_state_t *st,
    faas_msg_e msg);
static int faas_headers_add(void *arg, faas_header_t *h);
typedef struct faas_host_headers_s  faas_host_headers_t;
static int faas_hname_cmp(const void *a, const void *b);
static size_t faas_hname_find(faas_host_headers_t *hh, faas_str_t *lname,
    size_t *n);
static int faas_headers_same(lua_State *L, int keys, int list,
    faas_host_headers_t *hh, faas_str_t *lname);
static void faas_headers_diff(lua_State *L, faas_state_t *st,
    faas_msg_e msg, int t, faas_writeback_t *wb);
static void faas_request_result(lua_State *L, faas_state_t *st, int t);
static void faas_response_result(lua_State *L, faas_state_t *st, int t);
static int faas_generated_response(lua_State *L, faas_state_t *st, int t);
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


static int
faas_ref_new(lua_State *L)
{
    return luaL_ref(L, LUA_REGISTRYINDEX);
}


void
faas_event_open(lua_State *L, faas_state_t *st)
{
    faas_function_t  *fn;

    fn = st->fn;

    lua_createtable(L, 0, 1);
    st->refs[FAAS_REF_EVENT] = faas_ref_new(L);
    lua_createtable(L, 1, 0);
    st->refs[FAAS_REF_RECORDS] = faas_ref_new(L);
    lua_createtable(L, 0, 1);
    st->refs[FAAS_REF_RECORD] = faas_ref_new(L);
    lua_createtable(L, 0, 3);
    st->refs[FAAS_REF_CF] = faas_ref_new(L);

    faas_event_keys(L, st);


    /*
     * config and context: read-only, ids looked up only when read; the
     * upvalue tells the two apart (requestId vs request_id).
     */

    lua_createtable(L, 0, 3);
    lua_pushliteral(L, "ngx_faas");
    lua_setfield(L, -2, "distributionId");
    faas_meta_readonly_mt(L, 1);
    lua_setmetatable(L, -2);
    st->refs[FAAS_REF_CONFIG] = faas_ref_new(L);

    lua_createtable(L, 0, 8);
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
    st->refs[FAAS_REF_CONTEXT] = faas_ref_new(L);

    lua_createtable(L, 0, 2);
    lua_pushcfunction(L, faas_msg_index);
    lua_setfield(L, -2, "__index");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    st->refs[FAAS_REF_MSG_MT] = faas_ref_new(L);
}


#define faas_rawget_ref(L, st, ref)                                          \
    lua_rawgeti(L, LUA_REGISTRYINDEX, (st)->refs[ref])


/*
 * The keys faas_event_push() sets on every invocation, interned once per
 * state: pushing them from this table costs no string hashing.
 */

enum {
    FAAS_K_REQUEST = 1,
    FAAS_K_RESPONSE,
    FAAS_K_CONFIG,
    FAAS_K_CF,
    FAAS_K_RECORDS,
    FAAS_K_EVENTTYPE,
    FAAS_K_EVENT_TYPE,
    FAAS_K_COLD_START,
    FAAS_K_INVOCATION,
    FAAS_K_KEY,
    FAAS_K_VALUE,
    FAAS_K_EVENTS               /* + faas_event_e: the event names */
};


static const char  *faas_keys[] = {
    "request", "response", "config", "cf", "Records", "eventType",
    "event_type", "cold_start", "invocation", "key", "value"
};


static void
faas_event_keys(lua_State *L, faas_state_t *st)
{
    int  i, n;

    n = sizeof(faas_keys) / sizeof(faas_keys[0]);

    lua_createtable(L, n + FAAS_EVENT_MAX, 0);

    for (i = 0; i < n; i++) {
        lua_pushstring(L, faas_keys[i]);
        lua_rawseti(L, -2, i + 1);
    }

    for (i = 0; i < FAAS_EVENT_MAX; i++) {
        lua_pushstring(L, faas_event_names[i]);
        lua_rawseti(L, -2, FAAS_K_EVENTS + i);
    }

    st->refs[FAAS_REF_KEYS] = faas_ref_new(L);
}


/* t[keys[k]] = top, raw: config and context refuse writes */

#define faas_set_key(L, t, keys, k)                                           \
    lua_rawgeti(L, keys, k);                                                  \
    lua_insert(L, -2);                                                        \
    lua_rawset(L, t)


/* pushes the event and the context of st->call */

void
faas_event_push(faas_state_t *st)
{
    int           keys, cf, t;
    lua_State    *L;
    faas_call_t  *call;

    L = st->L;
    call = st->call;

    faas_rawget_ref(L, st, FAAS_REF_KEYS);
    keys = lua_gettop(L);

    faas_rawget_ref(L, st, FAAS_REF_CF);
    cf = lua_gettop(L);

    lua_createtable(L, 0, 4);
    faas_rawget_ref(L, st, FAAS_REF_MSG_MT);
    lua_setmetatable(L, -2);
    st->msgs[FAAS_MSG_REQUEST] = lua_topointer(L, -1);
    faas_set_key(L, cf, keys, FAAS_K_REQUEST);

    if (call->event == FAAS_ORIGIN_RESPONSE
        || call->event == FAAS_VIEWER_RESPONSE)
    {
        lua_createtable(L, 0, 4);
        faas_rawget_ref(L, st, FAAS_REF_MSG_MT);
        lua_setmetatable(L, -2);
        st->msgs[FAAS_MSG_RESPONSE] = lua_topointer(L, -1);
        faas_set_key(L, cf, keys, FAAS_K_RESPONSE);

    } else if (st->msgs[FAAS_MSG_RESPONSE]) {
        st->msgs[FAAS_MSG_RESPONSE] = NULL;
        lua_pushnil(L);
        faas_set_key(L, cf, keys, FAAS_K_RESPONSE);
    }

    /* the tables around the request are reused, their links restored */

    faas_rawget_ref(L, st, FAAS_REF_CONFIG);
    t = lua_gettop(L);
    lua_rawgeti(L, keys, FAAS_K_EVENTS + call->event);
    faas_set_key(L, t, keys, FAAS_K_EVENTTYPE);
    faas_set_key(L, cf, keys, FAAS_K_CONFIG);

    faas_rawget_ref(L, st, FAAS_REF_RECORD);
    t = lua_gettop(L);
    lua_pushvalue(L, cf);
    faas_set_key(L, t, keys, FAAS_K_CF);

    faas_rawget_ref(L, st, FAAS_REF_RECORDS);
    lua_insert(L, -2);
    lua_rawseti(L, -2, 1);

    faas_rawget_ref(L, st, FAAS_REF_EVENT);
    lua_insert(L, -2);
    t = lua_gettop(L) - 1;
    faas_set_key(L, t, keys, FAAS_K_RECORDS);

    faas_rawget_ref(L, st, FAAS_REF_CONTEXT);
    t = lua_gettop(L);
    lua_rawgeti(L, keys, FAAS_K_EVENTS + call->event);
    faas_set_key(L, t, keys, FAAS_K_EVENT_TYPE);
    lua_pushboolean(L, call->cold_start);
    faas_set_key(L, t, keys, FAAS_K_COLD_START);
    lua_pushnumber(L, st->invocations);
    faas_set_key(L, t, keys, FAAS_K_INVOCATION);

    /* leave the event and the context where keys was */

    lua_replace(L, cf);
    lua_replace(L, keys);
}


static int
faas_meta_index(lua_State *L)
{
    int            config;
    const char    *k;
    faas_str_t     v;
    faas_call_t   *call;

    call = faas_state_from(L)->call;
    k = lua_tostring(L, 2);

    if (call == NULL || k == NULL) {
        return 0;
    }

    config = lua_toboolean(L, lua_upvalueindex(1));

    if (strcmp(k, config ? "requestId" : "request_id") == 0
        && call->host->get(call->req, FAAS_FIELD_REQUEST_ID, &v) == FAAS_OK)
    {
        lua_pushlstring(L, v.data, v.len);
        return 1;
    }

    if (config && strcmp(k, "distributionDomainName") == 0
        && call->host->get(call->req, FAAS_FIELD_SERVER_NAME, &v)
           == FAAS_OK)
    {
        lua_pushlstring(L, v.data, v.len);
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

    lua_pushinteger(L, st->deadline > now
                       ? (lua_Integer) ((st->deadline - now) / 1000) : 0);

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
    faas_str_t     v;
    faas_call_t   *call;
    faas_field_t  *f;
    faas_state_t  *st;

    st = faas_state_from(L);
    call = st->call;
    k = lua_tolstring(L, 2, &len);

    if (call == NULL || k == NULL || lua_type(L, 2) != LUA_TSTRING) {
        return 0;
    }

    /* a table kept from an earlier invocation loads nothing more */

    p = lua_topointer(L, 1);

    if (p == st->msgs[FAAS_MSG_REQUEST]) {
        msg = FAAS_MSG_REQUEST;

    } else if (p != NULL && p == st->msgs[FAAS_MSG_RESPONSE]) {
        msg = FAAS_MSG_RESPONSE;

    } else {
        return 0;
    }

    if (len == 7 && memcmp(k, "headers", 7) == 0) {
        faas_headers_load(L, st, msg);

    } else if (len == 4 && memcmp(k, "body", 4) == 0) {
        if (faas_event_body_push(L, st, (faas_msg_e) msg) != FAAS_OK) {
            return 0;
        }

    } else if (len == 6 && memcmp(k, "origin", 6) == 0) {
        if (msg != FAAS_MSG_REQUEST
            || faas_event_origin_push(L, st) != FAAS_OK)
        {
            return 0;
        }

    } else {
        for (f = faas_fields; f->name; f++) {
            if (f->msg == (faas_msg_e) msg && strcmp(f->name, k) == 0) {
                break;
            }
        }

        if (f->name == NULL
            || call->host->get(call->req, f->field, &v) != FAAS_OK)
        {
            return 0;
        }

        lua_pushlstring(L, v.data, v.len);
    }

    lua_pushvalue(L, 2);
    lua_pushvalue(L, -2);
    lua_rawset(L, 1);

    return 1;
}


typedef struct {
    lua_State                 *L;
    int                        t;
    int                        keys;
} faas_headers_ctx_t;


/*
 * Pushes the headers table of msg: lowercase name -> list of {key, value}.
 * Nothing else is kept: on return the table is compared with the host's
 * headers as they are then (faas_headers_diff).
 */

static void
faas_headers_load(lua_State *L, faas_state_t *st, faas_msg_e msg)
{
    faas_call_t         *call;
    faas_headers_ctx_t   ctx;

    call = st->call;

    faas_rawget_ref(L, st, FAAS_REF_KEYS);
    ctx.keys = lua_gettop(L);

    lua_newtable(L);

    ctx.L = L;
    ctx.t = lua_gettop(L);

    if (call->host->headers(call->req, msg, faas_headers_add, &ctx)
        != FAAS_OK)
    {
        luaL_error(L, "cannot read the %s headers",
                   msg == FAAS_MSG_REQUEST ? "request" : "response");
    }

    lua_remove(L, ctx.keys);
}


static int
faas_headers_add(void *arg, faas_header_t *hdr)
{
    int                  n;
    lua_State           *L;
    faas_headers_ctx_t  *ctx;

    ctx = arg;
    L = ctx->L;

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

    n = (int) lua_objlen(L, -1);

    lua_createtable(L, 0, 2);
    lua_rawgeti(L, ctx->keys, FAAS_K_KEY);
    lua_pushlstring(L, hdr->key.data, hdr->key.len);
    lua_rawset(L, -3);
    lua_rawgeti(L, ctx->keys, FAAS_K_VALUE);
    lua_pushlstring(L, hdr->value.data, hdr->value.len);
    lua_rawset(L, -3);
    lua_rawseti(L, -2, n + 1);

    lua_pop(L, 2);

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
 * Whether the list of {key, value} at index list equals the host's headers
 * named lname, in order; reads raw.  A missing key stands for lname.
 */

static int
faas_headers_same(lua_State *L, int keys, int list, faas_host_headers_t *hh,
    faas_str_t *lname)
{
    int             i, same;
    size_t          first, n, len;
    const char     *s;
    faas_header_t  *h;

    first = faas_hname_find(hh, lname, &n);

    for (i = 1; /* void */ ; i++) {
        lua_rawgeti(L, list, i);

        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            break;
        }

        if (lua_type(L, -1) != LUA_TTABLE || (size_t) i > n) {
            lua_pop(L, 1);
            return 0;
        }

        h = &hh->h[hh->byname[first + i - 1].pos];

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

    return (size_t) i - 1 == n;
}


/*
 * Validates the list of entries of one header name; fills out when it is
 * not NULL.  The strings stay anchored in the handler's table.
 */

size_t
faas_headers_entries(lua_State *L, int list,
    faas_str_t *lname, faas_header_t *out)
{
    int          i;
    char         c;
    size_t       n, j;
    faas_str_t   key, value;

    if (lua_type(L, list) != LUA_TTABLE) {
        faas_bad_return(L, "headers[\"%s\"] must be a list of "
                        "{key, value} tables, not %s",
                        lname->data, luaL_typename(L, list));
    }

    n = 0;

    for (i = 1; /* void */ ; i++) {
        lua_rawgeti(L, list, i);

        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            return n;
        }

        if (lua_type(L, -1) != LUA_TTABLE) {
            faas_bad_return(L, "headers[\"%s\"][%d] must be a "
                            "{key, value} table", lname->data, i);
        }

        if (faas_rawfield(L, -1, "value") != LUA_TSTRING) {
            faas_bad_return(L, "headers[\"%s\"][%d].value must be a "
                            "string", lname->data, i);
        }

        value.data = lua_tolstring(L, -1, &value.len);
        lua_pop(L, 1);

        if (!faas_header_value_valid(value.data, value.len)) {
            faas_bad_return(L, "header \"%s\" has a control character "
                            "(CR, LF, NUL ...) in its value",
                            lname->data);
        }

        switch (faas_rawfield(L, -1, "key")) {

        case LUA_TNIL:
            key = *lname;
            break;

        case LUA_TSTRING:
            key.data = lua_tolstring(L, -1, &key.len);

            /* the same token as the name, in any case of A-Z only */

            for (j = 0; j < key.len && j < lname->len; j++) {
                c = key.data[j];

                if (c >= 'A' && c <= 'Z') {
                    c |= 0x20;
                }

                if (c != lname->data[j]) {
                    break;
                }
            }

            if (key.len != lname->len || j != key.len) {
                faas_bad_return(L, "headers[\"%s\"][%d].key \"%s\" does "
                                "not match its name", lname->data, i,
                                key.data);
            }

            break;

        default:
            faas_bad_return(L, "headers[\"%s\"][%d].key must be a string",
                            lname->data, i);
        }

        lua_pop(L, 2);

        if (out) {
            out[n].lname = *lname;
            out[n].key = key;
            out[n].value = value;
        }

        n++;
    }
}


/* a header table key: a lowercase token */

void
faas_headers_check_name(lua_State *L, faas_str_t *lname)
{
    size_t  i;

    if (!faas_header_name_valid(lname->data, lname->len)) {
        faas_bad_return(L, "invalid header name \"%s\"", lname->data);
    }

    for (i = 0; i < lname->len; i++) {
        if (lname->data[i] >= 'A' && lname->data[i] <= 'Z') {
            faas_bad_return(L, "header table keys must be lowercase: "
                            "\"%s\"", lname->data);
        }
    }
}


static void
faas_headers_forbidden(lua_State *L, faas_state_t *st, faas_msg_e msg,
    faas_str_t *lname)
{
    const char  *why;

    why = faas_header_forbidden(st->call->event, msg, lname);

    if (why) {
        faas_bad_return(L, "header \"%s\" %s in %s", lname->data, why,
                        faas_event_name(st->call->event));
    }
}


/*
 * Collects into wb the header names of the table at t whose values differ
 * from the host's headers of msg as they are now, and the host's names t
 * no longer has.  Comparing with the host (not with a copy kept at load
 * time) costs nothing while loading, and in a sequence the host already
 * holds what the previous function wrote.
 */

static void
faas_headers_diff(lua_State *L, faas_state_t *st, faas_msg_e msg, int t,
    faas_writeback_t *wb)
{
    int                   keys;
    size_t                nnames, nentries, n, j;
    faas_str_t            lname;
    faas_call_t          *call;
    faas_host_headers_t   hh;

    call = st->call;

    faas_rawget_ref(L, st, FAAS_REF_KEYS);
    keys = lua_gettop(L);

    /* the host's headers: counted, then copied (their strings are stable) */

    hh.h = NULL;
    hh.byname = NULL;
    hh.n = 0;
    hh.cap = 0;

    if (call->host->headers(call->req, msg, faas_host_headers_add, &hh)
        != FAAS_OK)
    {
        luaL_error(L, "cannot read the %s headers",
                   msg == FAAS_MSG_REQUEST ? "request" : "response");
    }

    hh.cap = hh.n;
    hh.h = lua_newuserdata(L, hh.cap * sizeof(faas_header_t) + 1);
    hh.n = 0;

    if (call->host->headers(call->req, msg, faas_host_headers_add, &hh)
        != FAAS_OK || hh.n != hh.cap)
    {
        luaL_error(L, "cannot read the %s headers",
                   msg == FAAS_MSG_REQUEST ? "request" : "response");
    }

    hh.byname = lua_newuserdata(L, hh.n * sizeof(faas_hname_t) + 1);

    for (j = 0; j < hh.n; j++) {
        hh.byname[j].lname = hh.h[j].lname;
        hh.byname[j].pos = j;
    }

    qsort(hh.byname, hh.n, sizeof(faas_hname_t), faas_hname_cmp);

    nnames = hh.n;
    nentries = 0;

    lua_pushnil(L);
    while (lua_next(L, t)) {
        nnames++;
        if (lua_type(L, -1) == LUA_TTABLE) {
            nentries += lua_objlen(L, -1);
        }
        lua_pop(L, 1);
    }

    wb->hdrs = lua_newuserdata(L, nentries * sizeof(faas_header_t)
                                  + nnames * sizeof(faas_str_t) + 1);
    wb->lnames = (faas_str_t *) (wb->hdrs + nentries);
    wb->nnames = 0;
    wb->nhdrs = 0;

    /* both userdata stay on the stack until the result is applied */

    lua_pushnil(L);
    while (lua_next(L, t)) {
        if (lua_type(L, -2) != LUA_TSTRING) {
            faas_bad_return(L, "header table keys must be strings");
        }

        lname.data = lua_tolstring(L, -2, &lname.len);
        faas_headers_check_name(L, &lname);

        if (lua_type(L, -1) == LUA_TTABLE
            && faas_headers_same(L, keys, lua_gettop(L), &hh, &lname))
        {
            lua_pop(L, 1);
            continue;
        }

        faas_headers_forbidden(L, st, msg, &lname);

        n = faas_headers_entries(L, lua_gettop(L), &lname, NULL);
        if (wb->nhdrs + n > nentries) {
            faas_bad_return(L, "headers[\"%s\"] changed while being read",
                            lname.data);
        }

        faas_headers_entries(L, lua_gettop(L), &lname,
                             wb->hdrs + wb->nhdrs);

        wb->lnames[wb->nnames++] = lname;
        wb->nhdrs += n;

        lua_pop(L, 1);
    }

    /* the host's names the table no longer has: removed */

    for (j = 0; j < hh.n; j++) {
        lname = hh.byname[j].lname;

        if (j > 0
            && faas_str_same(&hh.byname[j - 1].lname, lname.data, lname.len))
        {
            continue;
        }

        lua_pushlstring(L, lname.data, lname.len);
        lua_rawget(L, t);

        if (lua_isnil(L, -1)) {
            faas_headers_forbidden(L, st, msg, &lname);

            wb->lnames[wb->nnames++] = lname;
        }

        lua_pop(L, 1);
    }
}


int
faas_bad_return(lua_State *L, const char *fmt, ...)
{
    va_list  args;

    faas_state_from(L)->call->fail = FAAS_FAIL_BAD_RETURN;

    va_start(args, fmt);
    lua_pushvfstring(L, fmt, args);
    va_end(args);

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
    lua_State  *L;

    L = st->L;

    switch (lua_type(L, idx)) {

    case LUA_TNIL:
        if (st->call->event == FAAS_CONTENT) {
            faas_bad_return(L, "a content function must return a "
                            "response, not nil");
        }

        faas_kv_commit(L);
        return FAAS_OK;

    case LUA_TTABLE:
        break;

    default:
        faas_bad_return(L, "the handler must return %s or nil, not %s",
                        st->msgs[FAAS_MSG_RESPONSE]
                        ? "the response" : "the request, a response",
                        luaL_typename(L, idx));
    }

    if (st->msgs[FAAS_MSG_RESPONSE]) {
        if (lua_topointer(L, idx) == st->msgs[FAAS_MSG_REQUEST]) {
            faas_bad_return(L, "%s must return the response, not the "
                            "request", faas_event_name(st->call->event));
        }

        faas_response_result(L, st, idx);
        return FAAS_OK;
    }

    if (faas_rawfield(L, idx, "status") != LUA_TNIL) {
        lua_pop(L, 1);
        return faas_generated_response(L, st, idx);
    }

    lua_pop(L, 1);

    if (st->call->event == FAAS_CONTENT) {
        faas_bad_return(L, "a content function must return a response");
    }

    faas_request_result(L, st, idx);

    return FAAS_OK;
}


/* the request a request event returned: fields and headers it changed */

static void
faas_request_result(lua_State *L, faas_state_t *st, int t)
{
    faas_str_t         v, orig;
    faas_call_t       *call;
    faas_field_t      *f;
    faas_writeback_t   wb;

    call = st->call;
    memset(&wb, 0, sizeof(faas_writeback_t));

    for (f = faas_fields; f->name; f++) {
        if (f->msg != FAAS_MSG_REQUEST) {
            continue;
        }

        switch (faas_rawfield(L, t, f->name)) {

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

        /*
         * uri is nginx's decoded path (a space is a space; nginx escapes
         * it on the way upstream); the query string goes out as it is.
         */

        if (!faas_header_value_valid(v.data, v.len)
            || (f->field == FAAS_FIELD_URI
                && (v.len == 0 || v.data[0] != '/'
                    || memchr(v.data, '?', v.len)))
            || (f->field == FAAS_FIELD_QUERYSTRING
                && (memchr(v.data, '#', v.len) || memchr(v.data, ' ', v.len))))
        {
            faas_bad_return(L, "invalid request.%s \"%s\"%s", f->name,
                            v.data,
                            f->field == FAAS_FIELD_URI
                            ? ": a path starts with \"/\" and has no \"?\""
                              " (set request.querystring) or control"
                              " characters"
                            : ": a query string has no \"#\", spaces or"
                              " control characters");
        }

        wb.fields[f->field] = v;
        wb.set |= 1u << f->field;
    }

    if (faas_rawfield(L, t, "headers") == LUA_TTABLE) {
        faas_headers_diff(L, st, FAAS_MSG_REQUEST, lua_gettop(L), &wb);

    } else if (!lua_isnil(L, -1)) {
        faas_bad_return(L, "request.headers must be a table, not %s",
                        luaL_typename(L, -1));
    }

    faas_event_request_body(L, st, t, &wb.body, &wb.body_set);
    wb.origin = faas_event_request_origin(L, st, t);

    faas_writeback_apply(st, FAAS_MSG_REQUEST, &wb);
}


/* the response a response event returned */

static void
faas_response_result(lua_State *L, faas_state_t *st, int t)
{
    int                type;
    faas_str_t         v, orig;
    faas_call_t       *call;
    faas_field_t      *f;
    faas_writeback_t   wb;

    call = st->call;
    memset(&wb, 0, sizeof(faas_writeback_t));

    for (f = faas_fields; f->name; f++) {
        if (f->msg != FAAS_MSG_RESPONSE) {
            continue;
        }

        type = faas_rawfield(L, t, f->name);

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

    faas_event_response_body(L, st, t, &wb.body, &wb.body_set);

    if (faas_rawfield(L, t, "headers") == LUA_TTABLE) {
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

    call = st->call;

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
faas_generated_response(lua_State *L, faas_state_t *st, int t)
{
    int               type, h;
    char             *end;
    size_t            n;
    long              status;
    faas_str_t        lname, enc;
    const char       *s;
    faas_header_t    *hdrs;
    faas_response_t   resp;

    memset(&resp, 0, sizeof(faas_response_t));

    type = faas_rawfield(L, t, "status");
    s = lua_tostring(L, -1);
    status = s ? strtol(s, &end, 10) : 0;

    if ((type != LUA_TNUMBER && type != LUA_TSTRING)
        || s == NULL || *s < '0' || *s > '9' || *end != '\0'
        || status < 100 || status > 599)
    {
        faas_bad_return(L, "response.status must be a number from 100 "
                        "to 599, not \"%s\"", s ? s : luaL_typename(L, -1));
    }

    resp.status = (unsigned) status;
    lua_pop(L, 1);

    type = faas_rawfield(L, t, "statusDescription");

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

    type = faas_rawfield(L, t, "body");

    if (type == LUA_TSTRING) {
        resp.body.data = lua_tolstring(L, -1, &resp.body.len);

    } else if (type != LUA_TNIL) {
        faas_bad_return(L, "response.body must be a string, not %s",
                        luaL_typename(L, -1));
    }

    type = faas_rawfield(L, t, "bodyEncoding");
    enc.data = lua_tolstring(L, -1, &enc.len);

    if (type == LUA_TSTRING && faas_str_same(&enc, "base64", 6)) {
        if (faas_base64_decode_push(L, resp.body.data, resp.body.len) != 0)
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

    n = st->call->body_max ? st->call->body_max : FAAS_MAX_BODY;

    if (resp.body.len > n) {
        faas_bad_return(L, "the response body of %d bytes is larger than "
                        "the limit of %d bytes", (int) resp.body.len,
                        (int) n);
    }

    type = faas_rawfield(L, t, "headers");
    h = lua_gettop(L);

    if (type == LUA_TTABLE) {
        n = 0;

        lua_pushnil(L);
        while (lua_next(L, h)) {
            if (lua_type(L, -1) == LUA_TTABLE) {
                n += lua_objlen(L, -1);
            }
            lua_pop(L, 1);
        }

        hdrs = lua_newuserdata(L, n * sizeof(faas_header_t) + 1);

        lua_pushnil(L);
        while (lua_next(L, h)) {
            if (lua_type(L, -2) != LUA_TSTRING) {
                faas_bad_return(L, "header table keys must be strings");
            }

            lname.data = lua_tolstring(L, -2, &lname.len);
            faas_headers_check_name(L, &lname);
            faas_headers_forbidden(L, st, FAAS_MSG_RESPONSE, &lname);

            if (resp.nheaders + faas_headers_entries(L, lua_gettop(L),
                                                     &lname, NULL) > n)
            {
                faas_bad_return(L, "headers changed while being read");
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

    faas_kv_commit(L);

    st->call->host->respond(st->call->req, &resp);

    return FAAS_DONE;
}
