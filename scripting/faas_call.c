/*
 * One invocation: the handler runs in a coroutine of the function's warm
 * state under the state's limits; its result is checked and written back
 * to the host, or the failure is classified and logged in one line.
 */

#include <stdlib.h>

#include "faas_state.h"


int
faas_call(faas_call_t *call)
{
    int            rc;
    lua_State     *L;
    faas_state_t  *st;

    call->fail = FAAS_FAIL_NONE;
    call->cold_start = 0;
    call->recycled = 0;

    st = faas_state_get(call->fn, call);
    if (st == NULL) {
        return FAAS_ERROR;
    }

    L = st->L;
    st->call = call;
    st->oom = 0;

    /*
     * lua_cpcall would make a closure of faas_call_run on every call: the
     * state keeps one (nothing here allocates before the protected call)
     */

    lua_rawgeti(L, LUA_REGISTRYINDEX, st->refs[FAAS_REF_RUN]);
    lua_pushlightuserdata(L, st);
    rc = lua_pcall(L, 1, 0, 0);

    if (rc == 0) {
        st->call = NULL;
        rc = st->rc;
        (void) faas_state_recycle(st, call);
        return rc;
    }

    if (call->fail == FAAS_FAIL_NONE) {
        call->fail = faas_state_fail_class(st, rc);
    }

    faas_log_failure(call, lua_tostring(L, -1));
    lua_settop(L, 0);

    st->call = NULL;

    /* a state that hit a limit may be in any shape: start afresh */

    if (call->fail == FAAS_FAIL_TIMEOUT || call->fail == FAAS_FAIL_MEMORY) {
        faas_state_close(st);

    } else {
        (void) faas_state_recycle(st, call);
    }

    return FAAS_ERROR;
}


int
faas_prewarm(faas_call_t *call)
{
    faas_state_t  *st;

    call->fail = FAAS_FAIL_NONE;
    call->cold_start = 0;
    call->recycled = 0;

    st = faas_state_get(call->fn, call);
    if (st == NULL) {
        return FAAS_ERROR;
    }

    st->call = NULL;

    return FAAS_OK;
}


int
faas_call_run(lua_State *L)
{
    int            status;
    lua_State     *co;
    faas_state_t  *st;

    st = lua_touserdata(L, 1);

    /* a coroutine that finished cleanly is reused by the next call */

    if (st->refs[FAAS_REF_THREAD] != LUA_NOREF) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, st->refs[FAAS_REF_THREAD]);
        co = lua_tothread(L, -1);

    } else {
        co = lua_newthread(L);
        lua_pushvalue(L, -1);
        st->refs[FAAS_REF_THREAD] = luaL_ref(L, LUA_REGISTRYINDEX);
    }

    st->invocations++;

    lua_rawgeti(L, LUA_REGISTRYINDEX, st->refs[FAAS_REF_HANDLER]);
    faas_event_push(st);
    lua_xmove(L, co, 3);

    faas_limits_arm(st, 1);
    status = lua_resume(co, 2);

    /*
     * The handler is done: checking its result is not timed (see the
     * allocator's clock check in faas_limits.c).
     */

    st->deadline = UINT64_MAX;

    if (status != 0) {
        luaL_unref(L, LUA_REGISTRYINDEX, st->refs[FAAS_REF_THREAD]);
        st->refs[FAAS_REF_THREAD] = LUA_NOREF;

        if (status == LUA_YIELD) {
            lua_pushliteral(L, "the handler yielded outside a faas call "
                            "(coroutine.yield at the handler's top level)");
            return lua_error(L);
        }

        st->call->fail = faas_state_fail_class(st, status);
        faas_error_push(L, co, -1);

        return lua_error(L);
    }

    if (lua_gettop(co) == 0) {
        lua_pushnil(L);

    } else {
        lua_pushvalue(co, 1);
        lua_xmove(co, L, 1);
    }

    lua_settop(co, 0);

    st->rc = faas_event_result(st, lua_gettop(L));

    return 0;
}
