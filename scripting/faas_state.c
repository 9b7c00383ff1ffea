/*
 * Warm states: one lua_State per function per worker, created on the
 * first invocation (a cold start) or by a prewarm, and kept until a limit
 * kill, a recycling, or an eviction by the cap on warm states (the least
 * recently used one goes: a doubly linked list of the process's states,
 * moved to the front on every use).
 *
 * Every use of the Lua API that may allocate runs inside lua_cpcall or
 * lua_pcall, so running out of the state's memory is an ordinary error
 * and never reaches LuaJIT's panic, which would abort the worker.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <luajit.h>
#include <lualib.h>

#include "faas_state.h"


static int faas_state_init(lua_State *L);
static int faas_state_run_chunk(lua_State *L);
static int faas_state_errfunc(lua_State *L);
static int faas_state_panic(lua_State *L);
static int faas_state_gc(lua_State *L);
static void faas_state_evict(faas_call_t *call);


/* the process's live states, most recently used first; the cap, 0: none */
static faas_state_t  *faas_lru_head;
static faas_state_t  *faas_lru_tail;
static unsigned       faas_nstates;
static unsigned       faas_max_states;


void
faas_runtime_set_max_states(unsigned n)
{
    faas_max_states = n;
}


unsigned
faas_runtime_states(void)
{
    return faas_nstates;
}


faas_state_t *
faas_state_from(lua_State *L)
{
    void  *ud;

    (void) lua_getallocf(L, &ud);

    return ud;
}


faas_state_t *
faas_state_get(faas_function_t *fn, faas_call_t *call)
{
    int            i, rc;
    lua_State     *L;
    faas_state_t  *st;

    if (fn->state) {
        faas_state_touch(fn->state);
        return fn->state;
    }

    faas_state_evict(call);

    st = calloc(1, sizeof(faas_state_t));
    if (st == NULL) {
        call->fail = FAAS_FAIL_MEMORY;
        return NULL;
    }

    st->fn = fn;
    st->limit = fn->memory;
    st->run.call = call;

    for (i = 0; i < FAAS_REF_MAX; i++) {
        st->refs[i] = LUA_NOREF;
    }

    L = lua_newstate(faas_alloc, st);
    if (L == NULL) {
        free(st);
        call->fail = FAAS_FAIL_MEMORY;
        faas_log_failure(call, "cannot create a Lua state");
        return NULL;
    }

    st->L = L;
    lua_atpanic(L, faas_state_panic);

    call->cold_start = 1;

    rc = lua_cpcall(L, faas_state_init, st);

    if (rc == 0) {
        faas_limits_arm(st, FAAS_COLD_START_FACTOR, 0);
        rc = lua_cpcall(L, faas_state_run_chunk, st);
    }

    if (rc != 0) {
        if (call->fail == FAAS_FAIL_NONE) {
            call->fail = faas_state_fail_class(st, rc);
        }

        faas_log_failure(call, lua_tostring(L, -1));
        st->run.call = NULL;
        faas_state_close(st);
        return NULL;
    }

    fn->state = st;

    st->lru_next = faas_lru_head;

    if (faas_lru_head) {
        faas_lru_head->lru_prev = st;

    } else {
        faas_lru_tail = st;
    }

    faas_lru_head = st;
    faas_nstates++;

    return st;
}


/*
 * Takes the state out of service: the function gets a new one on its next
 * invocation.  The state itself goes once no parked invocation needs it.
 */

void
faas_state_close(faas_state_t *st)
{
    if (st->fn->state == st) {
        st->fn->state = NULL;
    }

    /* a state is in the list once its creation succeeded */

    if (st->lru_prev || faas_lru_head == st) {
        if (st->lru_prev) {
            st->lru_prev->lru_next = st->lru_next;

        } else {
            faas_lru_head = st->lru_next;
        }

        if (st->lru_next) {
            st->lru_next->lru_prev = st->lru_prev;

        } else {
            faas_lru_tail = st->lru_prev;
        }

        st->lru_prev = NULL;
        st->lru_next = NULL;
        faas_nstates--;
    }

    st->retired = 1;

    faas_state_release(st);
}


void
faas_state_release(faas_state_t *st)
{
    if (!st->retired || st->waiting || st->run.call) {
        return;
    }

    lua_close(st->L);
    faas_alloc_release(st);
    free(st);
}


/* moves a live state to the front of the list: O(1) on every call */

void
faas_state_touch(faas_state_t *st)
{
    if (faas_lru_head == st || st->retired) {
        return;
    }

    st->lru_prev->lru_next = st->lru_next;

    if (st->lru_next) {
        st->lru_next->lru_prev = st->lru_prev;

    } else {
        faas_lru_tail = st->lru_prev;
    }

    st->lru_prev = NULL;
    st->lru_next = faas_lru_head;
    faas_lru_head->lru_prev = st;
    faas_lru_head = st;
}


/*
 * Before a new state: while the cap is reached, closes the least recently
 * used state that is not running a call (with none such, the new state
 * goes over the cap rather than fail the request).
 */

static void
faas_state_evict(faas_call_t *call)
{
    faas_state_t  *st;

    while (faas_max_states && faas_nstates >= faas_max_states) {

        for (st = faas_lru_tail; st && (st->run.call || st->waiting);
             st = st->lru_prev)
        {
            /* void */
        }

        if (st == NULL) {
            return;
        }

        faas_log(call, FAAS_LOG_INFO, "warm state of function \"%.*s\" "
                 "closed: faas_warm_states %u reached, it was the least "
                 "recently used", (int) st->fn->name.len, st->fn->name.data,
                 faas_max_states);

        faas_state_close(st);
    }
}


/*
 * After an invocation that kept its state: the state is dropped after
 * max_invocations, or when its memory is above memory_high even after a
 * full collection (which runs only once the mark is passed, so a state
 * that just makes garbage is collected, not dropped).  1: dropped.
 */

int
faas_state_recycle(faas_state_t *st, faas_call_t *call)
{
    size_t            before;
    faas_function_t  *fn;

    fn = st->fn;

    if (fn->max_invocations && st->invocations >= fn->max_invocations) {
        faas_log(call, FAAS_LOG_INFO, "warm state recycled after %.0f "
                 "invocations (max_invocations)", st->invocations);

    } else if (fn->memory_high && st->used > fn->memory_high) {
        before = st->used;

        if (lua_cpcall(st->L, faas_state_gc, NULL) == 0
            && st->used <= fn->memory_high)
        {
            return 0;
        }

        faas_log(call, FAAS_LOG_INFO, "warm state recycled: %zu bytes, "
                 "%zu after a full collection, memory_high is %zu",
                 before, st->used, fn->memory_high);

    } else {
        return 0;
    }

    call->recycled = 1;
    faas_state_close(st);

    return 1;
}


static int
faas_state_gc(lua_State *L)
{
    lua_gc(L, LUA_GCCOLLECT, 0);

    return 0;
}


faas_fail_e
faas_state_fail_class(faas_state_t *st, int status)
{
    if (st->run.kill != FAAS_FAIL_NONE) {
        return st->run.kill;
    }

    if (st->oom || status == LUA_ERRMEM) {
        return FAAS_FAIL_MEMORY;
    }

    return FAAS_FAIL_RUNTIME;
}


/*
 * A sandbox violation is sticky like a limit kill: an attempt to escape
 * ends the invocation even if the handler catches the first error.
 */

int
faas_violation(lua_State *L, const char *fmt, ...)
{
    va_list        args;
    faas_state_t  *st;

    st = faas_state_from(L);

    if (st->run.kill == FAAS_FAIL_NONE) {
        st->run.kill = FAAS_FAIL_SANDBOX;

        va_start(args, fmt);
        vsnprintf(st->run.violation, sizeof(st->run.violation), fmt, args);
        va_end(args);

        faas_limits_sticky(st);
    }

    return luaL_error(L, "%s", st->run.violation);
}


static int
faas_state_init(lua_State *L)
{
    int               rc;
    faas_state_t     *st;
    faas_function_t  *fn;

    st = lua_touserdata(L, 1);
    fn = st->fn;

    if (fn->jit) {
        lua_pushcfunction(L, luaopen_jit);
        lua_call(L, 0, 0);
        luaJIT_setmode(L, 0, LUAJIT_MODE_ENGINE | LUAJIT_MODE_ON);

    } else {
        luaJIT_setmode(L, 0, LUAJIT_MODE_ENGINE | LUAJIT_MODE_OFF);
    }

    faas_sandbox_open(L);
    faas_api_open(L, st);
    faas_event_open(L, st);

    lua_pushcfunction(L, faas_state_errfunc);
    st->refs[FAAS_REF_ERRFUNC] = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_pushcfunction(L, faas_call_run);
    st->refs[FAAS_REF_RUN] = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_pushcfunction(L, faas_call_after_run);
    st->refs[FAAS_REF_AFTER] = luaL_ref(L, LUA_REGISTRYINDEX);

    rc = luaL_loadbufferx(L, fn->source, fn->source_len, fn->path - 1,
                          "t");
    if (rc != 0) {
        st->run.call->fail = (rc == LUA_ERRSYNTAX) ? FAAS_FAIL_SYNTAX
                                               : FAAS_FAIL_MEMORY;
        return lua_error(L);
    }

    /* a cdata literal made the lexer load the FFI: see faas_function.c */

    lua_getfield(L, LUA_REGISTRYINDEX, "_LOADED");
    lua_getfield(L, -1, "ffi");

    if (!lua_isnil(L, -1)) {
        st->run.call->fail = FAAS_FAIL_SANDBOX;
        return luaL_error(L, "%s: cdata literals (1LL, 1ULL, 1i) are "
                          "refused", fn->path);
    }

    lua_pop(L, 2);

    st->refs[FAAS_REF_HANDLER] = luaL_ref(L, LUA_REGISTRYINDEX);

    return 0;
}


/* runs the file's top-level code once; it returns the handler */

static int
faas_state_run_chunk(lua_State *L)
{
    faas_state_t  *st;

    st = lua_touserdata(L, 1);

    lua_rawgeti(L, LUA_REGISTRYINDEX, st->refs[FAAS_REF_ERRFUNC]);
    lua_rawgeti(L, LUA_REGISTRYINDEX, st->refs[FAAS_REF_HANDLER]);

    if (lua_pcall(L, 0, 1, 2) != 0) {
        return lua_error(L);
    }

    if (lua_type(L, -1) == LUA_TTABLE) {
        lua_pushliteral(L, "handler");
        lua_rawget(L, -2);
    }

    if (lua_type(L, -1) != LUA_TFUNCTION) {
        st->run.call->fail = FAAS_FAIL_BAD_RETURN;
        lua_pushfstring(L, "%s: the file must return the handler function"
                        " or a table with a \"handler\" function, not %s",
                        st->fn->path, luaL_typename(L, -1));
        return lua_error(L);
    }

    lua_rawseti(L, LUA_REGISTRYINDEX, st->refs[FAAS_REF_HANDLER]);

    return 0;
}


/* turns the error object into "message; traceback: a < b" */

static int
faas_state_errfunc(lua_State *L)
{
    faas_error_push(L, L, 1);

    return 1;
}


/*
 * Pushes onto L the error object at idx of co as a string with a short
 * traceback of co.  The object is read raw: a __tostring metamethod of
 * a hostile error object is never run.
 */

void
faas_error_push(lua_State *L, lua_State *co, int idx)
{
    int          level, n;
    lua_Debug    ar;
    luaL_Buffer  b;

    luaL_buffinit(L, &b);

    switch (lua_type(co, idx)) {

    case LUA_TSTRING:
    case LUA_TNUMBER:
        lua_pushvalue(co, idx);
        lua_xmove(co, L, 1);
        luaL_addvalue(&b);
        break;

    default:
        lua_pushfstring(L, "(error object is a %s value)",
                        luaL_typename(co, idx));
        luaL_addvalue(&b);
    }

    n = 0;

    for (level = 0; n < 4 && lua_getstack(co, level, &ar); level++) {
        if (lua_getinfo(co, "Sl", &ar) == 0 || ar.currentline <= 0) {
            continue;
        }

        luaL_addstring(&b, n++ ? " < " : "; traceback: ");
        lua_pushfstring(L, "%s:%d", ar.short_src, ar.currentline);
        luaL_addvalue(&b);
    }

    luaL_pushresult(&b);
}


/*
 * Only reached by a bug of ours (an allocation outside a protected
 * call): LuaJIT aborts the process after the panic function returns.
 */

static int
faas_state_panic(lua_State *L)
{
    faas_state_t  *st;

    st = faas_state_from(L);

    fprintf(stderr, "faas: Lua panic in function \"%.*s\": %s\n",
            (int) st->fn->name.len, st->fn->name.data,
            lua_tostring(L, -1) ? lua_tostring(L, -1) : "?");

    return 0;
}
