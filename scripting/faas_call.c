/*
 * One invocation: the handler runs in a coroutine of the function's warm
 * state under the state's limits; its result is checked and written back
 * to the host, or the failure is classified and logged in one line.
 *
 * faas.invoke yields the coroutine.  The invocation is then parked: what
 * belongs to it (faas_run_t: its limits, its lazy tables, its staged kv
 * writes, its coroutine) moves out of the state into a block the call
 * holds, so that other invocations of the function run in the same state
 * meanwhile; faas_resume() moves it back and goes on.
 */

#include <stdlib.h>
#include <string.h>

#include "cache/faas_store.h"

#include "faas_state.h"
#include "faas_backend.h"
#include "faas_lib.h"


/* how an invocation may end without a protected call (faas_call_quiet) */
#define FAAS_QUIET_NIL       1
#define FAAS_QUIET_USERDATA  2


static void faas_run_start(faas_state_t *st, faas_call_t *call);
static lua_State *faas_call_start(faas_state_t *st);
static int faas_call_quiet(faas_state_t *st, lua_State *co);
static int faas_call_quick(faas_state_t *st, lua_State *L, lua_State *co);
static void faas_call_keep_thread(faas_state_t *st);
static int faas_call_resume_run(lua_State *L);
static int faas_call_after(lua_State *L, faas_state_t *st, lua_State *co,
    int status);
static int faas_call_end(faas_state_t *st, faas_call_t *call, int rc);
static int faas_call_park(faas_state_t *st, faas_call_t *call);
static void faas_call_finish(faas_state_t *st, faas_call_t *call,
    int limit_hit);
static void faas_run_drop(faas_state_t *st);


int
faas_call(faas_call_t *call)
{
    int            rc, status;
    lua_State     *L, *co;
    faas_state_t  *st;

    call->fail = FAAS_FAIL_NONE;
    call->cold_start = 0;
    call->recycled = 0;
    call->invoke = NULL;
    call->parked = NULL;

    st = faas_state_get(call->fn, call);
    if (st == NULL) {
        return FAAS_ERROR;
    }

    faas_run_start(st, call);

    L = st->L;

    /*
     * lua_resume() protects the handler itself.  With a kept coroutine
     * and the event's tables free, nothing before it allocates, so it
     * needs no protected call around it; after it, only a handler that
     * returned a table (the write-back), failed, yielded or staged kv
     * writes does.  So a state whose handler returned nil last time (a
     * handler that looks and lets the request go on, most often) or a
     * response of faas.respond runs it unprotected and ends without a
     * protected call (faas_call_quick); any other runs it all in one.
     * lua_cpcall would make a closure on every call: the state keeps
     * both C functions.
     */

    if (st->quiet && st->refs[FAAS_REF_THREAD] != LUA_NOREF
        && !st->event_taken)
    {
        faas_event_renew(L, st, 0);
        co = faas_call_start(st);
        status = lua_resume(co, 2);

        if (status == 0) {
            st->run.rc = faas_call_quick(st, L, co);

            if (st->run.rc != FAAS_AGAIN) {
                lua_settop(co, 0);
                faas_call_keep_thread(st);
                return faas_call_end(st, call, 0);
            }

            st->run.rc = FAAS_OK;
        }

        lua_rawgeti(L, LUA_REGISTRYINDEX, st->refs[FAAS_REF_AFTER]);
        lua_pushlightuserdata(L, st);
        lua_pushinteger(L, status);
        rc = lua_pcall(L, 2, 0, 0);

        return faas_call_end(st, call, rc);
    }

    lua_rawgeti(L, LUA_REGISTRYINDEX, st->refs[FAAS_REF_RUN]);
    lua_pushlightuserdata(L, st);
    rc = lua_pcall(L, 1, 0, 0);

    return faas_call_end(st, call, rc);
}


int
faas_resume(faas_call_t *call)
{
    int            rc;
    faas_run_t    *run;
    faas_state_t  *st;

    run = call->parked;
    if (run == NULL) {
        return FAAS_ERROR;
    }

    st = run->state;
    st->run = *run;
    free(run);

    call->parked = NULL;
    st->waiting--;

    faas_kv_unpark(st, st->run.batch);
    st->run.batch = NULL;

    faas_state_touch(st);
    faas_limits_resume(st);

    rc = lua_cpcall(st->L, faas_call_resume_run, st);

    return faas_call_end(st, call, rc);
}


void
faas_cancel(faas_call_t *call)
{
    faas_run_t    *run;
    faas_state_t  *st;

    run = call->parked;
    if (run == NULL) {
        return;
    }

    st = run->state;

    faas_invoke_destroy(run->invoke);
    faas_store_batch_destroy(run->batch);
    luaL_unref(st->L, LUA_REGISTRYINDEX, run->thread);
    free(run);

    call->parked = NULL;
    call->invoke = NULL;
    st->waiting--;

    faas_state_release(st);
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

    st->run.call = NULL;

    return FAAS_OK;
}


/*
 * Not a memset: the run holds the header names' buffers, which only
 * ntouched bounds; faas_limits_arm() sets the limits, and the event's
 * tables are made ready by faas_event_renew() and made on first read.
 */

static void
faas_run_start(faas_state_t *st, faas_call_t *call)
{
    st->run.msgs[FAAS_MSG_REQUEST] = NULL;
    st->run.msgs[FAAS_MSG_RESPONSE] = NULL;
    st->run.headers[FAAS_MSG_REQUEST].table = NULL;
    st->run.headers[FAAS_MSG_RESPONSE].table = NULL;
    st->run.rc = FAAS_OK;
    st->run.invoke = NULL;
    st->run.batch = NULL;
    st->run.state = NULL;

    st->run.call = call;
    st->run.invocation = ++st->invocations;
    st->run.thread = LUA_NOREF;
    st->oom = 0;
}


int
faas_call_run(lua_State *L)
{
    lua_State     *co;
    faas_state_t  *st;

    st = lua_touserdata(L, 1);

    /* what faas_call_start() needs, made here where errors are caught */

    if (st->refs[FAAS_REF_THREAD] == LUA_NOREF) {
        st->kept = lua_newthread(L);
        st->refs[FAAS_REF_THREAD] = luaL_ref(L, LUA_REGISTRYINDEX);
    }

    faas_event_renew(L, st, 1);

    co = faas_call_start(st);

    return faas_call_after(L, st, co, lua_resume(co, 2));
}


/* what follows the resume of faas_call() when it needs protection */

int
faas_call_after_run(lua_State *L)
{
    faas_state_t  *st;

    st = lua_touserdata(L, 1);

    return faas_call_after(L, st, st->run.co, (int) lua_tointeger(L, 2));
}


/*
 * Takes the kept coroutine and pushes the handler and its arguments onto
 * it.  The caller made sure there is one and renewed the event, so
 * nothing here allocates: it may run unprotected.
 */

static lua_State *
faas_call_start(faas_state_t *st)
{
    lua_State  *co;

    st->run.thread = st->refs[FAAS_REF_THREAD];
    st->run.co = st->kept;
    st->refs[FAAS_REF_THREAD] = LUA_NOREF;
    st->kept = NULL;

    co = st->run.co;

    lua_rawgeti(co, LUA_REGISTRYINDEX, st->refs[FAAS_REF_HANDLER]);
    faas_event_push(st, co);

    /* a cold start's deadline starts after it */
    faas_limits_arm(st, 1, st->run.call->cold_start ? 0 : st->run.call->start);

    return co;
}


/*
 * Whether the invocation that ended in co may end without a protected
 * call, with no kv write staged: FAAS_QUIET_NIL, the handler returned nil
 * (changed nothing); FAAS_QUIET_USERDATA, a userdata (a response of
 * faas.respond, faas_call_quick finds); else 0.  A state whose handler
 * may, tries that way next time.
 */

static int
faas_call_quiet(faas_state_t *st, lua_State *co)
{
    if (lua_gettop(co) == 0 || lua_isnil(co, 1)) {
        return (st->run.call->event != FAAS_CONTENT
                && faas_kv_pending(st) == 0)
               ? FAAS_QUIET_NIL : 0;
    }

    return (lua_type(co, 1) == LUA_TUSERDATA && faas_kv_pending(st) == 0)
           ? FAAS_QUIET_USERDATA : 0;
}


/*
 * Ends the invocation that ended in co without a protected call, if it
 * can: FAAS_OK if nothing changed, FAAS_DONE once its response went to
 * the host; FAAS_AGAIN, co as it was, for the protected ending, which
 * checks everything else and raises what is wrong.  The result is looked
 * at on L: its stack has the room the unprotected start used.
 */

static int
faas_call_quick(faas_state_t *st, lua_State *L, lua_State *co)
{
    faas_response_t  *resp;

    switch (faas_call_quiet(st, co)) {

    case FAAS_QUIET_NIL:
        return FAAS_OK;

    case FAAS_QUIET_USERDATA:
        break;

    default:
        return FAAS_AGAIN;
    }

    lua_settop(co, 1);
    lua_xmove(co, L, 1);

    resp = faas_http_response(L, st, -1);

    if (resp == NULL || resp->body.len > faas_event_body_max(st)) {
        lua_xmove(L, co, 1);
        return FAAS_AGAIN;
    }

    st->run.call->host->respond(st->run.call->req, resp);
    lua_pop(L, 1);

    return FAAS_DONE;
}


static void
faas_call_keep_thread(faas_state_t *st)
{
    if (st->refs[FAAS_REF_THREAD] == LUA_NOREF) {
        st->refs[FAAS_REF_THREAD] = st->run.thread;
        st->kept = st->run.co;
        st->run.thread = LUA_NOREF;
        st->run.co = NULL;
    }
}


/* the handler goes on with what its faas.invoke returns */

static int
faas_call_resume_run(lua_State *L)
{
    int            n;
    lua_State     *co;
    faas_state_t  *st;

    st = lua_touserdata(L, 1);

    co = st->run.co;

    n = faas_invoke_push_result(L, st);
    lua_xmove(L, co, n);

    return faas_call_after(L, st, co, lua_resume(co, n));
}


static int
faas_call_after(lua_State *L, faas_state_t *st, lua_State *co, int status)
{
    uint64_t  deadline;

    /*
     * The handler stopped: checking its result is not timed (see the
     * allocator's clock check in faas_limits.c).  A handler that waits
     * keeps its deadline for when it goes on.
     */

    deadline = st->run.deadline;
    st->run.deadline = UINT64_MAX;

    if (status == LUA_YIELD && st->run.invoke != NULL) {
        st->run.deadline = deadline;
        st->run.rc = FAAS_AGAIN;
        return 0;
    }

    if (status != 0) {
        if (status == LUA_YIELD) {
            lua_pushliteral(L, "the handler yielded outside a faas call "
                            "(coroutine.yield at the handler's top level)");
            return lua_error(L);
        }

        st->run.call->fail = faas_state_fail_class(st, status);
        faas_error_push(L, co, -1);

        return lua_error(L);
    }

    st->quiet = (faas_call_quiet(st, co) != 0);

    if (lua_gettop(co) == 0) {
        lua_pushnil(L);

    } else {
        lua_pushvalue(co, 1);
        lua_xmove(co, L, 1);
    }

    lua_settop(co, 0);
    faas_call_keep_thread(st);

    st->run.rc = faas_event_result(st, lua_gettop(L));

    return 0;
}


static int
faas_call_end(faas_state_t *st, faas_call_t *call, int rc)
{
    lua_State  *L;

    L = st->L;

    /* a decode that a memory error interrupted left its tree */
    faas_json_release();

    if (rc == 0) {
        rc = st->run.rc;

        if (rc == FAAS_AGAIN) {
            return faas_call_park(st, call);
        }

        faas_call_finish(st, call, 0);

        return rc;
    }

    if (call->fail == FAAS_FAIL_NONE) {
        call->fail = faas_state_fail_class(st, rc);
    }

    faas_log_failure(call, lua_tostring(L, -1));
    lua_settop(L, 0);

    /* a state that hit a limit may be in any shape: start afresh */

    faas_call_finish(st, call, call->fail == FAAS_FAIL_TIMEOUT
                               || call->fail == FAAS_FAIL_MEMORY);

    return FAAS_ERROR;
}


/* the state after an invocation: kept, recycled, closed or released */

static void
faas_call_finish(faas_state_t *st, faas_call_t *call, int limit_hit)
{
    faas_run_drop(st);

    if (st->retired) {
        faas_state_release(st);

    } else if (limit_hit) {
        faas_state_close(st);

    } else {
        (void) faas_state_recycle(st, call);
    }
}


/* what a finished or failed invocation leaves behind */

static void
faas_run_drop(faas_state_t *st)
{
    faas_invoke_destroy(st->run.invoke);
    st->run.invoke = NULL;

    luaL_unref(st->L, LUA_REGISTRYINDEX, st->run.thread);
    st->run.thread = LUA_NOREF;
    st->run.co = NULL;
    st->run.call = NULL;
}


static int
faas_call_park(faas_state_t *st, faas_call_t *call)
{
    faas_run_t  *run;

    run = malloc(sizeof(faas_run_t));
    if (run == NULL) {
        call->fail = FAAS_FAIL_MEMORY;
        faas_log_failure(call, "cannot park the invocation: out of memory");
        faas_store_batch_destroy(faas_kv_park(st));
        faas_call_finish(st, call, 0);
        return FAAS_ERROR;
    }

    /* the next invocation builds tables of its own: these are the
       waiting handler's */
    faas_event_detach(st);

    *run = st->run;
    run->batch = faas_kv_park(st);
    run->state = st;

    st->waiting++;
    st->run.call = NULL;
    st->run.invoke = NULL;
    st->run.thread = LUA_NOREF;
    st->run.co = NULL;

    call->parked = run;
    call->invoke = run->invoke;

    return FAAS_AGAIN;
}
