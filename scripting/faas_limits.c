/*
 * The limits of a warm state: a counting allocator that caps its memory
 * and a count hook that enforces a deadline and an instruction budget.
 *
 * The hook runs every FAAS_HOOK_INTERVAL VM instructions.  Once a limit
 * is hit the kill is sticky: the hook re-arms itself to fire on every
 * instruction and raises again, so a pcall in the handler can catch the
 * error but cannot run on past it.
 */

#include <malloc.h>
#include <stdlib.h>
#include <time.h>

#include "faas_state.h"


/* bytes a state may use past its cap once it has been killed for it */
#define FAAS_MEMORY_RESERVE  (16 * 1024)

/* bytes allocated between two looks at the clock by the allocator */
#define FAAS_ALLOC_CHECK     (64 * 1024)

/* free blocks a state keeps, of each class, in bytes (see faas_alloc) */
#define FAAS_ALLOC_CACHE     (64 * 1024)


static void faas_hook(lua_State *L, lua_Debug *ar);
static void faas_limits_cstack_check(lua_State *L, faas_state_t *st);


/*
 * An invocation makes and drops a few dozen small objects (the event's
 * tables, header strings): malloc and free cost more than the rest of
 * their life.  Blocks of up to FAAS_ALLOC_SMALL bytes that a state frees
 * are kept on free lists of the state, one per FAAS_ALLOC_ALIGN bytes of
 * size, and a new block of such a size comes from its list.  The class of
 * a freed block is taken from malloc_usable_size() (rounded down), not
 * from the size LuaJIT reports, so a block on a list is always at least
 * as large as its class.  What is kept is not counted against the state's
 * memory limit (it is free memory of the process, at most
 * FAAS_ALLOC_CACHE bytes per state); faas_alloc_release() frees it.
 */

void *
faas_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    void          *p;
    size_t         c;
    faas_state_t  *st;

    st = ud;

    if (nsize == 0) {
        if (ptr == NULL) {
            return NULL;
        }

        c = malloc_usable_size(ptr) / FAAS_ALLOC_ALIGN;

        if (c < FAAS_ALLOC_CLASSES && c > 0
            && st->cached + c * FAAS_ALLOC_ALIGN <= FAAS_ALLOC_CACHE)
        {
            *(void **) ptr = st->free[c];
            st->free[c] = ptr;
            st->cached += c * FAAS_ALLOC_ALIGN;

        } else {
            free(ptr);
        }

        st->used -= osize;
        return NULL;
    }

    /*
     * After a memory kill, FAAS_MEMORY_RESERVE more bytes: the sticky
     * error and its traceback are strings too, and without room for them
     * LuaJIT would report a bare "not enough memory".  No Lua code runs
     * after the kill, so only the error machinery can use the reserve.
     */

    if (nsize > osize
        && st->used + (nsize - osize)
           > st->limit + (st->run.kill == FAAS_FAIL_MEMORY ? FAAS_MEMORY_RESERVE
                                                      : 0))
    {
        st->oom = 1;

        /* like a timeout, running out of memory is final for the call */

        if (st->hooked && st->run.kill == FAAS_FAIL_NONE) {
            st->run.kill = FAAS_FAIL_MEMORY;
            faas_limits_sticky(st);
        }

        return NULL;
    }

    c = (nsize + FAAS_ALLOC_ALIGN - 1) / FAAS_ALLOC_ALIGN;

    if (ptr == NULL && c < FAAS_ALLOC_CLASSES && st->free[c]) {
        p = st->free[c];
        st->free[c] = *(void **) p;
        st->cached -= c * FAAS_ALLOC_ALIGN;

    } else {
        p = realloc(ptr, ptr || c >= FAAS_ALLOC_CLASSES
                         ? nsize : c * FAAS_ALLOC_ALIGN);
        if (p == NULL) {
            st->oom = 1;
            return NULL;
        }
    }

    st->used = st->used - osize + nsize;

    if (st->used > st->peak) {
        st->peak = st->used;
    }

    /*
     * The count hook counts instructions, but one instruction may cost
     * a lot (s:upper() of a megabyte, a concatenation that copies it):
     * every FAAS_ALLOC_CHECK bytes allocated, the allocator looks at the
     * clock too, so an invocation that makes data goes no further than
     * one such instruction past its deadline.  It cannot raise an error
     * here; the sticky hook raises it at the next instruction.
     */

    if (nsize > osize) {
        st->allocated += nsize - osize;

        if (st->allocated >= FAAS_ALLOC_CHECK) {
            st->allocated = 0;

            if (st->hooked && st->run.kill == FAAS_FAIL_NONE
                && faas_now_us() >= st->run.deadline)
            {
                st->run.kill = FAAS_FAIL_TIMEOUT;
                faas_limits_sticky(st);
            }
        }
    }

    return p;
}


/* expiries outlive the process: wall-clock time */

uint64_t
faas_now_ms(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_REALTIME, &ts);

    return (uint64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


/* frees the blocks faas_alloc kept, after lua_close() */

void
faas_alloc_release(faas_state_t *st)
{
    void    *p;
    size_t   c;

    for (c = 0; c < FAAS_ALLOC_CLASSES; c++) {
        while (st->free[c]) {
            p = st->free[c];
            st->free[c] = *(void **) p;
            free(p);
        }
    }

    st->cached = 0;
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
 * it fire on every instruction.  now: faas_now_us() as the caller read
 * it, or 0.
 */

void
faas_limits_arm(faas_state_t *st, uint64_t factor, uint64_t now)
{
    if (!st->hooked || st->sticky) {
        lua_sethook(st->L, faas_hook, LUA_MASKCOUNT, FAAS_HOOK_INTERVAL);
        st->hooked = 1;
        st->sticky = 0;
    }

    st->run.kill = FAAS_FAIL_NONE;
    st->oom = 0;
    st->run.steps = 0;
    st->run.timeout = st->fn->timeout * factor;
    st->run.budget = st->fn->instructions * factor;
    st->run.deadline = (now ? now : faas_now_us()) + st->run.timeout;
    st->run.max_steps = st->run.budget
                        ? st->run.budget / FAAS_HOOK_INTERVAL + 1 : 0;
    st->run.cstack = __builtin_frame_address(0);
}


/* an invocation that waited goes on with the deadline it had */

void
faas_limits_resume(faas_state_t *st)
{
    if (!st->hooked || st->sticky) {
        lua_sethook(st->L, faas_hook, LUA_MASKCOUNT, FAAS_HOOK_INTERVAL);
        st->hooked = 1;
        st->sticky = 0;
    }

    st->oom = 0;
    st->run.cstack = __builtin_frame_address(0);
}


/* from now on every instruction raises again */

void
faas_limits_sticky(faas_state_t *st)
{
    lua_sethook(st->L, faas_hook, LUA_MASKCOUNT, 1);

    /* the next invocation, or one that resumes, sets the interval back */
    st->sticky = 1;
}


/*
 * For library C functions whose cost the hook cannot interrupt (the
 * pattern matcher, table.sort): called after about FAAS_HOOK_INTERVAL
 * steps of their own, it counts as one firing of the hook against the
 * deadline and the budget, and raises the sticky kill when one is past.
 */

void
faas_limits_check(lua_State *L)
{
    faas_hook(L, NULL);
}


/*
 * LuaJIT does not limit the C stack: nested coroutine.resume, and our
 * own C functions that call back into Lua (gsub with a function,
 * table.sort with a comparison, print with __tostring), recurse on it
 * until the worker crashes.  The hook checks the depth below the start
 * of the invocation every time it fires, which bounds recursion through
 * Lua code; those C functions check it before each call back.  Like
 * LuaJIT's "stack overflow", this is an ordinary error.
 */

void
faas_limits_cstack(lua_State *L)
{
    faas_limits_cstack_check(L, faas_state_from(L));
}


static void
faas_limits_cstack_check(lua_State *L, faas_state_t *st)
{
    if (st->run.cstack != NULL
        && st->run.cstack - (char *) __builtin_frame_address(0)
           > FAAS_MAX_CSTACK)
    {
        luaL_error(L, "C stack overflow");
    }
}


static void
faas_hook(lua_State *L, lua_Debug *ar)
{
    faas_state_t  *st;

    (void) ar;

    st = faas_state_from(L);

    if (st->run.kill == FAAS_FAIL_NONE) {
        st->run.steps++;

        if ((st->run.max_steps == 0 || st->run.steps < st->run.max_steps)
            && faas_now_us() < st->run.deadline)
        {
            faas_limits_cstack_check(L, st);
            return;
        }

        st->run.kill = FAAS_FAIL_TIMEOUT;
        faas_limits_sticky(st);
    }

    switch (st->run.kill) {

    case FAAS_FAIL_SANDBOX:
        luaL_error(L, "%s", st->run.violation);
        return;

    case FAAS_FAIL_MEMORY:
        luaL_error(L, "memory limit of %f KiB exceeded",
                   (lua_Number) (st->limit / 1024));
        return;

    default:
        break;
    }

    if (st->run.max_steps && st->run.steps >= st->run.max_steps) {
        luaL_error(L, "instruction budget of %f exceeded",
                   (lua_Number) st->run.budget);
        return;
    }

    luaL_error(L, "timeout of %f ms exceeded",
               (lua_Number) ((st->run.timeout + 999) / 1000));
}
