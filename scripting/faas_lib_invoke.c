/*
 * faas.invoke(backend, action, payload [, opts]) -> result | nil, err
 *
 * The payload is encoded as JSON, the call made through the host (a
 * subrequest in nginx) while the handler's coroutine waits, and the
 * result decoded.  A cached result, or an error known at once (the
 * circuit breaker is open), comes back without waiting.  err starts with
 * what went wrong: "timeout", "unreachable", "invalid answer", "function
 * error", "throttled", "refused", "circuit open".
 *
 * opts.cache_ttl (seconds) overrides the backend's cache_ttl=;
 * opts.timeout (seconds) shortens the call's deadline, which is at most
 * the backend's timeout= and the function's remaining time.
 */

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "faas_state.h"
#include "faas_lib.h"
#include "faas_backend.h"


static int faas_invoke_lua(lua_State *L);
static uint64_t faas_invoke_seconds(lua_State *L, int t, const char *k,
    uint64_t unit, uint64_t dflt);


int
faas_lib_invoke_open(lua_State *L)
{
    lua_pushcfunction(L, faas_invoke_lua);
    lua_setfield(L, -2, "invoke");

    return 0;
}


static int
faas_invoke_lua(lua_State *L)
{
    char                 err[128];
    uint64_t             timeout;
    lua_State           *co;
    faas_str_t           name, action, payload;
    faas_call_t         *call;
    faas_state_t        *st;
    faas_backend_t      *b;
    faas_invoke_t       *inv;
    faas_invoke_opts_t   opts;

    st = faas_state_from(L);
    call = st->run.call;

    name.data = luaL_checklstring(L, 1, &name.len);
    action.data = luaL_checklstring(L, 2, &action.len);

    if (call == NULL || st->run.invocation == 0) {
        return luaL_error(L, "faas.invoke belongs in the handler, not in "
                          "the file's top-level code");
    }

    if (call->host->backend == NULL) {
        return luaL_error(L, "faas.invoke: no backends here (faas-run runs "
                          "a function alone: calls to backends need nginx)");
    }

    if (!call->can_wait) {
        return luaL_error(L, "faas.invoke cannot wait in %s: it works in "
                          "viewer-request, origin-request and content "
                          "functions", faas_event_name(call->event));
    }

    lua_rawgeti(L, LUA_REGISTRYINDEX, st->run.thread);
    co = lua_tothread(L, -1);
    lua_pop(L, 1);

    if (co != L) {
        return luaL_error(L, "faas.invoke must be called by the handler "
                          "itself, not from a coroutine it made");
    }

    b = call->host->backend(call->req, &name);

    if (b == NULL) {
        return luaL_error(L, "faas.invoke: no faas_backend \"%s\"",
                          name.data);
    }

    opts.cache_ttl = faas_invoke_seconds(L, 4, "cache_ttl", 1000,
                                         UINT64_MAX);
    timeout = faas_invoke_seconds(L, 4, "timeout", 1000000, 0);

    opts.deadline = st->run.deadline;

    if (timeout && faas_now_us() + timeout < opts.deadline) {
        opts.deadline = faas_now_us() + timeout;
    }

    /* nil is an empty object: a function always gets its params */

    if (lua_isnoneornil(L, 3)) {
        lua_pushliteral(L, "{}");

    } else if (faas_json_push_encoded(L, 3, err, sizeof(err)) != 0) {
        return luaL_error(L, "faas.invoke: payload: %s", err);
    }

    payload.data = lua_tolstring(L, -1, &payload.len);

    /* a call whose yield failed earlier (inside a C function) is over */

    faas_invoke_destroy(st->run.invoke);
    st->run.invoke = NULL;

    inv = faas_invoke_create(b, &action, &payload, &opts, call->store);
    if (inv == NULL) {
        return luaL_error(L, "faas.invoke: out of memory");
    }

    st->run.invoke = inv;

    if (faas_invoke_state(inv) == FAAS_INVOKE_READY) {
        return faas_invoke_push_result(L, st);
    }

    /* faas_call.c parks the invocation; faas_resume() pushes the result */

    return lua_yield(L, 0);
}


/* pushes result, or nil and err, of st->run.invoke, and frees it */

int
faas_invoke_push_result(lua_State *L, faas_state_t *st)
{
    char                err[128];
    faas_str_t          result;
    const char         *msg, *cache;
    faas_invoke_t      *inv;
    faas_invoke_err_e   e;

    inv = st->run.invoke;
    e = faas_invoke_result(inv, &result, &msg, &cache);

    if (e != FAAS_INVOKE_OK) {
        lua_pushnil(L);
        lua_pushstring(L, msg);

    } else if (faas_json_push_decoded(L, result.data, result.len, err,
                                      sizeof(err))
               != 0)
    {
        lua_pushnil(L);
        lua_pushfstring(L, "invalid answer: %s", err);

    } else {
        lua_pushnil(L);
    }

    /* the host counts what came back, and how (faas_backend_cache_total) */

    if (st->run.call->host->invoked) {
        st->run.call->host->invoked(st->run.call->req, inv);
    }

    st->run.invoke = NULL;
    faas_invoke_destroy(inv);

    return 2;
}


static uint64_t
faas_invoke_seconds(lua_State *L, int t, const char *k, uint64_t unit,
    uint64_t dflt)
{
    lua_Number  n;

    if (lua_type(L, t) != LUA_TTABLE) {
        if (!lua_isnoneornil(L, t)) {
            luaL_argerror(L, t, "opts must be a table");
        }

        return dflt;
    }

    lua_getfield(L, t, k);

    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        return dflt;
    }

    n = lua_tonumber(L, -1);
    lua_pop(L, 1);

    if (!(n >= 0 && n <= 1e7)) {
        luaL_error(L, "faas.invoke: opts.%s must be a number of seconds "
                   "from 0 to 1e7", k);
        return dflt;
    }

    return (uint64_t) (n * unit);
}
