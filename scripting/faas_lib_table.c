/*
 * table.sort, table.insert, table.concat and table.maxn for handlers:
 * C loops that check the limits.
 *
 * LuaJIT's table.sort is a quicksort in C.  With the default order it
 * never returns to the VM, so the count hook cannot stop it, and an
 * input built against its pivot choice (McIlroy's "killer adversary")
 * makes it quadratic: 20000 numbers take two seconds, 200000 minutes.
 * A heapsort needs about n log2 n comparisons for any input,
 * and every FAAS_HOOK_INTERVAL comparisons it calls faas_limits_check(),
 * so even a sort of a huge table ends at the deadline.
 *
 * The semantics are those of the Lua 5.1 manual: the elements 1 to #t
 * in place, in the order of comp(a, b) or of '<', not stable.  An
 * inconsistent comp gives some order but no "invalid order function"
 * error, as no index can run out of range.
 *
 * LuaJIT's table.insert(t, pos, v) moves t[pos..#t] up in a C loop that
 * runs from #t + 1 down to pos, whatever pos is: table.insert({}, -1e9,
 * 1) takes seconds, and pos = 2^31 (which LuaJIT wraps to -2^31) twenty
 * seconds, with no hook.  Ours is the same loop with a check every
 * FAAS_HOOK_INTERVAL moves.  (table.move and table.remove are Lua code
 * inside LuaJIT, so the hook already stops them.)
 *
 * table.concat and table.maxn walk a whole table in one call without
 * allocating (a table of a million empty strings, or of hash keys), so
 * neither the hook nor the allocator's clock check sees them: a loop of
 * such calls ran hundreds of milliseconds between two checks.  Ours
 * check every FAAS_HOOK_INTERVAL elements.
 */

#include <limits.h>

#include "faas_state.h"


typedef struct {
    lua_State             *L;
    int                    comp;        /* a comparison function given */
    int                    left;        /* comparisons until a check */
} faas_sort_t;


static int faas_table_sort(lua_State *L);
static int faas_table_insert(lua_State *L);
static int faas_table_concat(lua_State *L);
static int faas_table_maxn(lua_State *L);
static void faas_table_geti(lua_State *L, lua_Integer i);
static void faas_table_seti(lua_State *L, lua_Integer i);
static void faas_sort_sift(faas_sort_t *s, size_t i, size_t n);
static int faas_sort_less(faas_sort_t *s, int a, int b);


/* installs table.sort and table.insert into the table on top */

void
faas_lib_table_open(lua_State *L)
{
    lua_pushcfunction(L, faas_table_sort);
    lua_setfield(L, -2, "sort");
    lua_pushcfunction(L, faas_table_insert);
    lua_setfield(L, -2, "insert");
    lua_pushcfunction(L, faas_table_concat);
    lua_setfield(L, -2, "concat");
    lua_pushcfunction(L, faas_table_maxn);
    lua_setfield(L, -2, "maxn");
}


static int
faas_table_sort(lua_State *L)
{
    size_t       n, i;
    faas_sort_t  s;

    luaL_checktype(L, 1, LUA_TTABLE);

    /* comp or __lt may sort again: C recursion */

    faas_limits_cstack(L);

    s.L = L;
    s.comp = !lua_isnoneornil(L, 2);
    s.left = FAAS_HOOK_INTERVAL;

    if (s.comp) {
        luaL_checktype(L, 2, LUA_TFUNCTION);
    }

    lua_settop(L, 2);
    luaL_checkstack(L, 8, "table too deep to sort");

    n = lua_objlen(L, 1);

    if (n < 2) {
        return 0;
    }

    /* a max-heap of 1..n, then the largest moved to the end, n times */

    for (i = n / 2; i >= 1; i--) {
        lua_rawgeti(L, 1, (int) i);
        faas_sort_sift(&s, i, n);
    }

    for (i = n; i > 1; i--) {
        lua_rawgeti(L, 1, (int) i);
        lua_rawgeti(L, 1, 1);
        lua_rawseti(L, 1, (int) i);
        faas_sort_sift(&s, 1, i - 1);
    }

    return 0;
}


/*
 * The value v on top of the stack goes into the hole at i of the heap
 * 1..n ("bottom-up", one comparison a level): first down the path of
 * the larger children to a leaf, then up that path to the first element
 * not less than v; v goes there and the elements above it on the path
 * move up one level.  v is usually small, so the climb is short, and a
 * sort takes about n log2 n comparisons.  Pops v.
 */

static void
faas_sort_sift(faas_sort_t *s, size_t i, size_t n)
{
    size_t      j, c;
    lua_State  *L;

    L = s->L;

    for (j = i; (c = 2 * j) < n; j = c) {
        lua_rawgeti(L, 1, (int) c);
        lua_rawgeti(L, 1, (int) c + 1);

        if (faas_sort_less(s, -2, -1)) {
            c++;
        }

        lua_pop(L, 2);
    }

    if (2 * j == n) {
        j = n;
    }

    while (j > i) {
        lua_rawgeti(L, 1, (int) j);

        if (!faas_sort_less(s, -1, -2)) {
            lua_pop(L, 1);
            break;
        }

        lua_pop(L, 1);
        j /= 2;
    }

    /* [v]: v to j, t[j] to its parent ... up to the hole at i */

    lua_rawgeti(L, 1, (int) j);
    lua_pushvalue(L, -2);
    lua_rawseti(L, 1, (int) j);

    while (j > i) {
        j /= 2;
        lua_rawgeti(L, 1, (int) j);
        lua_insert(L, -2);
        lua_rawseti(L, 1, (int) j);
    }

    lua_pop(L, 2);
}


/* a < b for two stack slots (negative indexes) */

static int
faas_sort_less(faas_sort_t *s, int a, int b)
{
    int         r;
    lua_State  *L;

    L = s->L;

    if (--s->left <= 0) {
        s->left = FAAS_HOOK_INTERVAL;
        faas_limits_check(L);
    }

    if (!s->comp) {
        return lua_lessthan(L, a, b);
    }

    lua_pushvalue(L, 2);
    lua_pushvalue(L, a - 1);
    lua_pushvalue(L, b - 2);
    lua_call(L, 2, 1);

    r = lua_toboolean(L, -1);
    lua_pop(L, 1);

    return r;
}


/*
 * table.insert(t, v) sets t[#t + 1]; table.insert(t, pos, v) moves
 * t[pos..#t] up by one, then sets t[pos], as Lua 5.1 does (pos is not
 * checked against 1..#t + 1).  Raw accesses, as LuaJIT's.
 */

static int
faas_table_insert(lua_State *L)
{
    int          left;
    lua_Integer  e, pos, i;

    luaL_checktype(L, 1, LUA_TTABLE);

    e = (lua_Integer) lua_objlen(L, 1) + 1;

    switch (lua_gettop(L)) {

    case 2:
        pos = e;
        break;

    case 3:
        pos = luaL_checkinteger(L, 2);
        left = FAAS_HOOK_INTERVAL;

        for (i = e; i > pos; i--) {
            if (--left == 0) {
                left = FAAS_HOOK_INTERVAL;
                faas_limits_check(L);
            }

            faas_table_geti(L, i - 1);
            faas_table_seti(L, i);
        }

        break;

    default:
        return luaL_error(L, "wrong number of arguments to 'insert'");
    }

    lua_pushvalue(L, -1);
    faas_table_seti(L, pos);

    return 0;
}


/* table.concat(t [, sep [, i [, j]]]): strings and numbers, raw */

static int
faas_table_concat(lua_State *L)
{
    int          left;
    size_t       lsep;
    const char  *sep;
    lua_Integer  i, j;
    luaL_Buffer  b;

    luaL_checktype(L, 1, LUA_TTABLE);
    sep = luaL_optlstring(L, 2, "", &lsep);
    i = luaL_optinteger(L, 3, 1);
    j = lua_isnoneornil(L, 4) ? (lua_Integer) lua_objlen(L, 1)
                              : luaL_checkinteger(L, 4);

    luaL_buffinit(L, &b);
    left = FAAS_HOOK_INTERVAL;

    for ( /* void */ ; i <= j; i++) {
        if (--left == 0) {
            left = FAAS_HOOK_INTERVAL;
            faas_limits_check(L);
        }

        faas_table_geti(L, i);

        if (!lua_isstring(L, -1)) {
            return luaL_error(L, "invalid value (%s) at index %d in table "
                              "for 'concat'", luaL_typename(L, -1), (int) i);
        }

        luaL_addvalue(&b);

        if (i == j) {
            break;
        }

        luaL_addlstring(&b, sep, lsep);
    }

    luaL_pushresult(&b);

    return 1;
}


/* table.maxn(t): the largest positive number among the keys, or 0 */

static int
faas_table_maxn(lua_State *L)
{
    int         left;
    lua_Number  max, k;

    luaL_checktype(L, 1, LUA_TTABLE);

    max = 0;
    left = FAAS_HOOK_INTERVAL;

    lua_pushnil(L);

    while (lua_next(L, 1)) {
        if (--left == 0) {
            left = FAAS_HOOK_INTERVAL;
            faas_limits_check(L);
        }

        lua_pop(L, 1);

        if (lua_type(L, -1) == LUA_TNUMBER) {
            k = lua_tonumber(L, -1);

            if (k > max) {
                max = k;
            }
        }
    }

    lua_pushnumber(L, max);

    return 1;
}


/* t[i] of the table at 1, for any integer i; pushes it */

static void
faas_table_geti(lua_State *L, lua_Integer i)
{
    if (i >= INT_MIN && i <= INT_MAX) {
        lua_rawgeti(L, 1, (int) i);
        return;
    }

    lua_pushnumber(L, (lua_Number) i);
    lua_rawget(L, 1);
}


/* t[i] = the value on top, popped */

static void
faas_table_seti(lua_State *L, lua_Integer i)
{
    if (i >= INT_MIN && i <= INT_MAX) {
        lua_rawseti(L, 1, (int) i);
        return;
    }

    lua_pushnumber(L, (lua_Number) i);
    lua_insert(L, -2);
    lua_rawset(L, 1);
}
