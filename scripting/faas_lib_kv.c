/*
 * faas.kv: function state in the LMDB store (SPEC sections 5 and 7).
 *
 *   faas.kv.get(k)               -> string, number or nil
 *   faas.kv.set(k, v [, ttl])    v a string or a number; nil deletes
 *   faas.kv.incr(k [, n [, ttl]]) -> the new value
 *   faas.kv.delete(k)
 *
 * The namespace is the function's name (cache/faas_store.h keys every
 * entry "<name>\0<key>").  Writes are staged in a batch and applied by
 * faas_kv_commit() in one write transaction once the handler returned
 * and its result was validated: a failed invocation commits nothing.
 * Reads look at the batch first, so they see the invocation's own writes.
 *
 * The batch belongs to the warm state (one per function per worker) and
 * is reset by the first kv call of each invocation, which it recognises
 * by st->run.invocation; a batch of an earlier invocation is never
 * committed.  It lives in a userdata of the state, so lua_close() frees
 * it with the state, whatever ended the state.
 *
 * A value read from the store is copied out of the map before anything
 * that may raise (pushing a string allocates, and the state's memory is
 * capped): a read transaction is never left open by a Lua error.
 */

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache/faas_store.h"

#include "faas_state.h"
#include "faas_lib.h"


/* a ttl above this is a mistake (and would overflow milliseconds) */
#define FAAS_KV_MAX_TTL  1e10


typedef struct faas_kv_s {
    faas_store_t              *store;       /* the store of the batch */
    faas_store_batch_t        *batch;
    double                     invocation;  /* st->run.invocation staged */

    char                      *buf;         /* a value copied out */
    size_t                     size;
} faas_kv_t;


/* a stored value, its string in kv->buf */
typedef struct {
    int                        type;
    double                     number;
    size_t                     len;
} faas_kv_value_t;


static int faas_kv_get(lua_State *L);
static int faas_kv_set(lua_State *L);
static int faas_kv_incr(lua_State *L);
static int faas_kv_delete(lua_State *L);
static int faas_kv_gc(lua_State *L);


int
faas_lib_kv_open(lua_State *L)
{
    faas_kv_t         *kv;
    const luaL_Reg    *r;
    static luaL_Reg    fns[] = {
        { "get", faas_kv_get },
        { "set", faas_kv_set },
        { "incr", faas_kv_incr },
        { "delete", faas_kv_delete },
        { NULL, NULL }
    };

    kv = lua_newuserdata(L, sizeof(faas_kv_t));
    memset(kv, 0, sizeof(faas_kv_t));

    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, faas_kv_gc);
    lua_setfield(L, -2, "__gc");
    lua_setmetatable(L, -2);

    /* only the registry holds it: no function can reach or drop it */
    (void) luaL_ref(L, LUA_REGISTRYINDEX);

    faas_state_from(L)->kv = kv;

    lua_createtable(L, 0, 4);

    for (r = fns; r->name; r++) {
        lua_pushcfunction(L, r->func);
        lua_setfield(L, -2, r->name);
    }

    lua_setfield(L, -2, "kv");

    return 0;
}


static int
faas_kv_gc(lua_State *L)
{
    faas_kv_t  *kv;

    kv = lua_touserdata(L, 1);

    faas_store_batch_destroy(kv->batch);
    free(kv->buf);

    kv->batch = NULL;
    kv->buf = NULL;

    return 0;
}


/* the running call's store, or an error naming the directive */

static faas_store_t *
faas_kv_store(lua_State *L, faas_state_t *st)
{
    if (st->run.call == NULL || st->run.call->store == NULL) {
        luaL_error(L, "faas.kv needs function state: add \"faas_state DIR\""
                   " to the http block");
        return NULL;
    }

    return st->run.call->store;
}


static const char *
faas_kv_key(lua_State *L, size_t *len, const char *fname)
{
    const char  *key;

    if (lua_type(L, 1) != LUA_TSTRING && lua_type(L, 1) != LUA_TNUMBER) {
        luaL_error(L, "faas.kv.%s: the key must be a string, not %s",
                   fname, luaL_typename(L, 1));
        return NULL;
    }

    key = lua_tolstring(L, 1, len);

    if (*len == 0) {
        luaL_error(L, "faas.kv.%s: the key must not be empty", fname);
        return NULL;
    }

    return key;
}


static uint64_t
faas_kv_ttl(lua_State *L, int idx, const char *fname)
{
    double    ttl, ms;
    uint64_t  n;

    if (lua_isnoneornil(L, idx)) {
        return 0;
    }

    if (lua_type(L, idx) != LUA_TNUMBER) {
        luaL_error(L, "faas.kv.%s: the ttl must be a number of seconds, "
                   "not %s", fname, luaL_typename(L, idx));
        return 0;
    }

    ttl = lua_tonumber(L, idx);

    if (!(ttl >= 0 && ttl <= FAAS_KV_MAX_TTL)) {
        luaL_error(L, "faas.kv.%s: the ttl must be from 0 (none) to "
                   "10000000000 seconds", fname);
        return 0;
    }

    /* rounded up: a ttl never ends early */

    ms = ttl * 1000;
    n = (uint64_t) ms;

    return (double) n < ms ? n + 1 : n;
}


static double
faas_kv_number(lua_State *L, int idx, const char *what)
{
    double  n;

    n = lua_tonumber(L, idx);

    if (!isfinite(n)) {
        luaL_error(L, "%s must be a finite number", what);
    }

    return n;
}


/* a store failure as a Lua error with the store's message */

static int
faas_kv_error(lua_State *L, faas_store_t *store, const char *fname)
{
    return luaL_error(L, "faas.kv.%s: %s", fname,
                      faas_store_strerror(store));
}


/* the batch of the running invocation, made or reset on first use */

static faas_store_batch_t *
faas_kv_batch(lua_State *L, faas_state_t *st, faas_store_t *store)
{
    faas_kv_t  *kv;

    kv = st->kv;

    if (st->run.invocation == 0) {
        /* the file's top-level code: no invocation would commit it */
        luaL_error(L, "faas.kv writes belong in the handler, not in the "
                   "file's top-level code");
        return NULL;
    }

    if (kv->batch && kv->store != store) {
        faas_store_batch_destroy(kv->batch);
        kv->batch = NULL;
    }

    if (kv->batch == NULL) {
        kv->batch = faas_store_batch_create(store);
        if (kv->batch == NULL) {
            luaL_error(L, "faas.kv: out of memory");
            return NULL;
        }

        kv->store = store;
        kv->invocation = st->run.invocation;

    } else if (kv->invocation != st->run.invocation) {
        faas_store_batch_reset(kv->batch);
        kv->invocation = st->run.invocation;
    }

    return kv->batch;
}


/*
 * The staged state of key in this invocation: FAAS_STORE_OK with *sv, or
 * FAAS_STORE_NOT_FOUND; raises on a bad key.
 */

static int
faas_kv_staged(lua_State *L, faas_state_t *st, faas_store_t *store,
    const char *key, size_t len, faas_store_staged_t *sv, const char *fname)
{
    int         rc;
    faas_kv_t  *kv;

    kv = st->kv;

    if (kv->batch == NULL || kv->store != store
        || kv->invocation != st->run.invocation
        || faas_store_batch_count(kv->batch) == 0)
    {
        return FAAS_STORE_NOT_FOUND;
    }

    rc = faas_store_batch_find(kv->batch, st->fn->name.data,
                               st->fn->name.len, key, len, sv);

    if (rc != FAAS_STORE_OK && rc != FAAS_STORE_NOT_FOUND) {
        faas_kv_error(L, store, fname);
    }

    return rc;
}


/*
 * The stored value of key: FAAS_STORE_OK (a string copied to kv->buf
 * when copy is set) or FAAS_STORE_NOT_FOUND.  The read ends before this
 * raises anything.
 */

static int
faas_kv_read(lua_State *L, faas_state_t *st, faas_store_t *store,
    const char *key, size_t len, int copy, faas_kv_value_t *out,
    const char *fname)
{
    int                  rc;
    char                *p;
    size_t               size;
    faas_kv_t           *kv;
    faas_store_value_t   v;

    kv = st->kv;

    rc = faas_store_read_begin(store);
    if (rc != FAAS_STORE_OK) {
        return faas_kv_error(L, store, fname);
    }

    rc = faas_store_get(store, st->fn->name.data, st->fn->name.len, key,
                        len, faas_now_ms(), &v);

    if (rc != FAAS_STORE_OK) {
        faas_store_read_end(store);

        if (rc == FAAS_STORE_NOT_FOUND) {
            return rc;
        }

        return faas_kv_error(L, store, fname);
    }

    out->type = v.type;
    out->number = v.number;
    out->len = v.len;

    if (v.type == FAAS_STORE_STRING && copy) {
        if (v.len > kv->size) {
            size = v.len < 256 ? 256 : v.len;
            p = realloc(kv->buf, size);

            if (p == NULL) {
                faas_store_read_end(store);
                return luaL_error(L, "faas.kv.%s: out of memory", fname);
            }

            kv->buf = p;
            kv->size = size;
        }

        if (v.len) {
            memcpy(kv->buf, v.data, v.len);
        }
    }

    faas_store_read_end(store);

    return FAAS_STORE_OK;
}


static int
faas_kv_get(lua_State *L)
{
    int                   rc;
    size_t                len;
    const char           *key;
    faas_store_t         *store;
    faas_state_t         *st;
    faas_kv_value_t       v;
    faas_store_staged_t   sv;

    st = faas_state_from(L);
    key = faas_kv_key(L, &len, "get");
    store = faas_kv_store(L, st);

    rc = faas_kv_staged(L, st, store, key, len, &sv, "get");

    if (rc == FAAS_STORE_OK) {
        switch (sv.op) {

        case FAAS_STORE_OP_SET:
            if (sv.type == FAAS_STORE_NUMBER) {
                lua_pushnumber(L, sv.number);

            } else {
                lua_pushlstring(L, sv.data, sv.len);
            }

            return 1;

        case FAAS_STORE_OP_DELETE:
            lua_pushnil(L);
            return 1;

        default: /* FAAS_STORE_OP_INCR: the stored number + the delta */
            rc = faas_kv_read(L, st, store, key, len, 0, &v, "get");

            lua_pushnumber(L, (rc == FAAS_STORE_OK
                               && v.type == FAAS_STORE_NUMBER
                               ? v.number : 0) + sv.number);
            return 1;
        }
    }

    rc = faas_kv_read(L, st, store, key, len, 1, &v, "get");

    if (rc == FAAS_STORE_NOT_FOUND) {
        lua_pushnil(L);

    } else if (v.type == FAAS_STORE_NUMBER) {
        lua_pushnumber(L, v.number);

    } else {
        lua_pushlstring(L, st->kv->buf, v.len);
    }

    return 1;
}


static int
faas_kv_set(lua_State *L)
{
    int                  rc;
    size_t               len, vlen;
    double               n;
    uint64_t             ttl;
    const char          *key, *val;
    faas_state_t        *st;
    faas_store_t        *store;
    faas_store_batch_t  *batch;

    st = faas_state_from(L);
    key = faas_kv_key(L, &len, "set");
    ttl = faas_kv_ttl(L, 3, "set");
    store = faas_kv_store(L, st);
    batch = faas_kv_batch(L, st, store);

    switch (lua_type(L, 2)) {

    case LUA_TSTRING:
        val = lua_tolstring(L, 2, &vlen);
        rc = faas_store_batch_set(batch, st->fn->name.data,
                                  st->fn->name.len, key, len, val, vlen,
                                  ttl);
        break;

    case LUA_TNUMBER:
        n = faas_kv_number(L, 2, "faas.kv.set: the value");
        rc = faas_store_batch_set_number(batch, st->fn->name.data,
                                         st->fn->name.len, key, len, n,
                                         ttl);
        break;

    case LUA_TNIL:
    case LUA_TNONE:
        /* as ngx.shared.DICT:set(key, nil) */
        rc = faas_store_batch_delete(batch, st->fn->name.data,
                                     st->fn->name.len, key, len);
        break;

    default:
        return luaL_error(L, "faas.kv.set: the value must be a string or "
                          "a number, not %s", luaL_typename(L, 2));
    }

    if (rc != FAAS_STORE_OK) {
        return faas_kv_error(L, store, "set");
    }

    return 0;
}


/*
 * The value returned is the stored value plus what this invocation
 * staged, as of the call.  The commit re-reads the stored value inside
 * the write transaction, so the committed sum is exact across workers
 * even when another invocation committed in between (and then differs
 * from what this call returned).
 */

static int
faas_kv_incr(lua_State *L)
{
    int                   rc;
    size_t                len;
    double                n, base;
    uint64_t              ttl;
    const char           *key;
    faas_state_t         *st;
    faas_store_t         *store;
    faas_kv_value_t       v;
    faas_store_batch_t   *batch;
    faas_store_staged_t   sv;

    st = faas_state_from(L);
    key = faas_kv_key(L, &len, "incr");

    if (lua_isnoneornil(L, 2)) {
        n = 1;

    } else if (lua_type(L, 2) == LUA_TNUMBER) {
        n = faas_kv_number(L, 2, "faas.kv.incr: the increment");

    } else {
        return luaL_error(L, "faas.kv.incr: the increment must be a "
                          "number, not %s", luaL_typename(L, 2));
    }

    ttl = faas_kv_ttl(L, 3, "incr");
    store = faas_kv_store(L, st);
    batch = faas_kv_batch(L, st, store);

    base = 0;

    rc = faas_kv_staged(L, st, store, key, len, &sv, "incr");

    if (rc == FAAS_STORE_NOT_FOUND || sv.op == FAAS_STORE_OP_INCR) {

        /* a stored string fails now rather than at the commit */

        rc = faas_kv_read(L, st, store, key, len, 0, &v, "incr");

        if (rc == FAAS_STORE_OK) {
            if (v.type != FAAS_STORE_NUMBER) {
                return luaL_error(L, "faas.kv.incr: cannot incr key \"%s\":"
                                  " its value is a string", key);
            }

            base = v.number;
        }
    }

    rc = faas_store_batch_incr(batch, st->fn->name.data, st->fn->name.len,
                               key, len, n, ttl);
    if (rc != FAAS_STORE_OK) {
        return faas_kv_error(L, store, "incr");
    }

    rc = faas_kv_staged(L, st, store, key, len, &sv, "incr");

    if (rc != FAAS_STORE_OK) {
        return luaL_error(L, "faas.kv.incr: the staged write is missing");
    }

    lua_pushnumber(L, sv.op == FAAS_STORE_OP_INCR ? base + sv.number
                                                  : sv.number);

    return 1;
}


static int
faas_kv_delete(lua_State *L)
{
    int                  rc;
    size_t               len;
    const char          *key;
    faas_state_t        *st;
    faas_store_t        *store;
    faas_store_batch_t  *batch;

    st = faas_state_from(L);
    key = faas_kv_key(L, &len, "delete");
    store = faas_kv_store(L, st);
    batch = faas_kv_batch(L, st, store);

    rc = faas_store_batch_delete(batch, st->fn->name.data, st->fn->name.len,
                                 key, len);
    if (rc != FAAS_STORE_OK) {
        return faas_kv_error(L, store, "delete");
    }

    return 0;
}


/*
 * An invocation that waits for a backend takes its staged writes along,
 * and gets them back when it goes on: the invocations that run meanwhile
 * stage and commit their own.
 */

faas_store_batch_t *
faas_kv_park(faas_state_t *st)
{
    faas_kv_t           *kv;
    faas_store_batch_t  *batch;

    kv = st->kv;

    if (kv == NULL || kv->batch == NULL
        || kv->invocation != st->run.invocation)
    {
        return NULL;
    }

    batch = kv->batch;
    kv->batch = NULL;

    return batch;
}


void
faas_kv_unpark(faas_state_t *st, faas_store_batch_t *batch)
{
    faas_kv_t  *kv;

    kv = st->kv;

    if (kv == NULL || batch == NULL) {
        return;
    }

    faas_store_batch_destroy(kv->batch);

    kv->batch = batch;
    kv->invocation = st->run.invocation;
}


/* the number of writes the running invocation staged */

size_t
faas_kv_pending(faas_state_t *st)
{
    faas_kv_t  *kv;

    kv = st->kv;

    if (kv == NULL || kv->batch == NULL
        || kv->invocation != st->run.invocation)
    {
        return 0;
    }

    return faas_store_batch_count(kv->batch);
}


void
faas_kv_commit(lua_State *L)
{
    int            rc;
    size_t         n;
    faas_kv_t     *kv;
    faas_state_t  *st;

    st = faas_state_from(L);
    kv = st->kv;

    n = faas_kv_pending(st);

    if (n == 0) {
        return;
    }

    rc = faas_store_batch_commit(kv->batch, faas_now_ms());

    /* committed or not, these writes are done with */
    faas_store_batch_reset(kv->batch);

    if (rc != FAAS_STORE_OK) {
        st->run.call->fail = FAAS_FAIL_STATE;
        luaL_error(L, "faas.kv: the commit of %d staged key%s failed: %s",
                   (int) n, n == 1 ? "" : "s",
                   faas_store_strerror(kv->store));
    }
}
