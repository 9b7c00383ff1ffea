/*
 * The limits of a warm state: a counting allocator that caps its memory
 * and a count hook that enforces a deadline and an instruction budget.
 *
 * The hook runs every FAAS_HOOK_INTERVAL VM instructions.  Once a limit
 * is hit the kill is sticky: the hook re-arms itself to fire on every
 * instruction and raises again, so a pcall in the handler can catch the
 * error but cannot run on past it.
 */

#include <stdlib.h>
#include <time.h>

#include "faas_state.h"


static void faas_hook(lua_State *L, lua_Debug *ar);


void *
faas_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    void          *p;
    faas_state_t  *st;

    st = ud;

    if (nsize == 0) {
        free(ptr);
        st->used -= osize;
        return NULL;
    }

    if (nsize > osize && st->used + (nsize - osize) > st->limit) {
        st->oom = 1;
        return NULL;
    }

    p = realloc(ptr, nsize);
    if (p == NULL) {
        st->oom = 1;
        return NULL;
    }

    st->used = st->used - osize + nsize;

    if (st->used > st->peak) {
        st->peak = st->used;
    }

    return p;
}


uint64_t
faas_now_us(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return (uint64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}


/*
 * The hook stays set between invocations (it only fires while Lua code
 * runs), so an invocation pays for lua_sethook only after a kill made
 * it fire on every instruction.
 */

void
faas_limits_arm(faas_state_t *st, uint64_t timeout)
{
    if (st->kill != FAAS_FAIL_NONE || !st->hooked) {
        lua_sethook(st->L, faas_hook, LUA_MASKCOUNT, FAAS_HOOK_INTERVAL);
        st->hooked = 1;
    }

    st->kill = FAAS_FAIL_NONE;
    st->steps = 0;
    st->deadline = faas_now_us() + timeout;
    st->max_steps = st->fn->instructions
                    ? st->fn->instructions / FAAS_HOOK_INTERVAL + 1 : 0;
}


/* from now on every instruction raises again */

void
faas_limits_sticky(faas_state_t *st)
{
    lua_sethook(st->L, faas_hook, LUA_MASKCOUNT, 1);
}


static void
faas_hook(lua_State *L, lua_Debug *ar)
{
    faas_state_t  *st;

    (void) ar;

    st = faas_state_from(L);

    if (st->kill == FAAS_FAIL_NONE) {
        st->steps++;

        if ((st->max_steps == 0 || st->steps < st->max_steps)
            && faas_now_us() < st->deadline)
        {
            return;
        }

        st->kill = FAAS_FAIL_TIMEOUT;
        faas_limits_sticky(st);
    }

    if (st->kill == FAAS_FAIL_SANDBOX) {
        luaL_error(L, "%s", st->violation);
        return;
    }

    if (st->max_steps && st->steps >= st->max_steps) {
        luaL_error(L, "instruction budget of %d exceeded",
                   (int) st->fn->instructions);
        return;
    }

    luaL_error(L, "timeout of %d ms exceeded",
               (int) ((st->fn->timeout + 999) / 1000));
}
