/*
 * The sandbox: the globals a function sees are an allow-list built from
 * copies of the standard libraries.  Whatever is not copied (load*,
 * require, getfenv/setfenv, collectgarbage, newproxy, string.dump, io,
 * debug, ffi, jit, package, most of os) does not exist for the function.
 */

#include <sys/random.h>

#include <lualib.h>

#include "faas_state.h"


static int faas_sandbox_rawset(lua_State *L);
static int faas_sandbox_pairs(lua_State *L);
static int faas_sandbox_next(lua_State *L);
static void faas_sandbox_copy(lua_State *L, int from, const char **names);


/* see faas_sandbox_open() */
static const char  faas_sandbox_wrappers[] =
    "local pcall, xpcall, tostring, pairs = ...\n"
    "return function(...) return pcall(...) end,\n"
    "  function(...) return xpcall(...) end,\n"
    "  function(...) return tostring(...) end,\n"
    "  function(t, f)\n"
    "    for k, v in pairs(t) do\n"
    "      local r = f(k, v)\n"
    "      if r ~= nil then return r end\n"
    "    end\n"
    "  end\n";


/* pairs and next are our own: see faas_sandbox_pairs() */
static const char  *faas_base_names[] = {
    "assert", "error", "ipairs", "pcall", "xpcall", "select", "tonumber",
    "tostring", "type", "unpack", "getmetatable", "setmetatable",
    "rawequal", "rawget", "_VERSION", NULL
};

/* find, match, gmatch and gsub are our own: faas_lib_string.c */
static const char  *faas_string_names[] = {
    "byte", "char", "format", "len", "lower", "rep", "reverse", "sub",
    "upper", NULL
};

static const char  *faas_os_names[] = {
    "time", "clock", "date", "difftime", NULL
};

/* libraries copied whole: nothing in them reaches outside the state */
static const char  *faas_whole_libs[] = {
    "table", "math", "bit", "coroutine", NULL
};


int
faas_sandbox_open(lua_State *L)
{
    int                  g, env, foreach;
    uint64_t             seed;
    const char         **lib;
    static luaL_Reg      libs[] = {
        { "", luaopen_base },
        { LUA_TABLIBNAME, luaopen_table },
        { LUA_STRLIBNAME, luaopen_string },
        { LUA_MATHLIBNAME, luaopen_math },
        { LUA_BITLIBNAME, luaopen_bit },
        { LUA_OSLIBNAME, luaopen_os },
        { NULL, NULL }
    };
    luaL_Reg            *l;

    for (l = libs; l->func; l++) {
        lua_pushcfunction(L, l->func);
        lua_pushstring(L, l->name);
        lua_call(L, 1, 0);
    }

    lua_pushvalue(L, LUA_GLOBALSINDEX);
    g = lua_gettop(L);

    lua_newtable(L);
    env = lua_gettop(L);

    lua_pushvalue(L, g);
    faas_sandbox_copy(L, env, faas_base_names);

    lua_pushcfunction(L, faas_sandbox_rawset);
    lua_setfield(L, env, "rawset");

    lua_getfield(L, g, "next");
    lua_pushcclosure(L, faas_sandbox_pairs, 1);
    lua_setfield(L, env, "pairs");
    lua_pushcfunction(L, faas_sandbox_next);
    lua_setfield(L, env, "next");

    /*
     * pcall, xpcall and tostring through Lua wrappers.  This LuaJIT's
     * pcall and xpcall push their frame without a stack check (fixed
     * upstream in November 2023, LuaJIT issue #1048): pcall(pcall,
     * pcall, ...) or a __call = pcall write past the end of the Lua
     * stack and crash the worker.  A Lua function checks the stack when
     * it is entered, so with a wrapper between two pcalls the overrun
     * stays inside LuaJIT's reserve.  And tostring calls __tostring as a
     * tail call without any bytecode, so __tostring = tostring looped
     * forever unseen by the count hook; through the wrapper every round
     * runs bytecode.  The wrappers tail-call: errors, tracebacks and
     * yields across pcall are unchanged.  table.foreach (below) loops
     * with LuaJIT's own pairs: it gets one over ours.
     */

    if (luaL_loadbuffer(L, faas_sandbox_wrappers,
                        sizeof(faas_sandbox_wrappers) - 1, "=faas") != 0)
    {
        return lua_error(L);
    }

    lua_getfield(L, g, "pcall");
    lua_getfield(L, g, "xpcall");
    lua_getfield(L, g, "tostring");
    lua_getfield(L, env, "pairs");
    lua_call(L, 4, 4);
    lua_insert(L, -4);
    foreach = lua_gettop(L) - 3;
    lua_setfield(L, env, "tostring");
    lua_setfield(L, env, "xpcall");
    lua_setfield(L, env, "pcall");

    for (lib = faas_whole_libs; *lib; lib++) {
        lua_newtable(L);
        lua_getfield(L, g, *lib);
        lua_pushnil(L);

        while (lua_next(L, -2)) {
            lua_pushvalue(L, -2);
            lua_insert(L, -2);
            lua_rawset(L, -5);
        }

        lua_pop(L, 1);
        lua_setfield(L, env, *lib);
    }

    /* LuaJIT's table.sort cannot be interrupted: faas_lib_table.c */

    lua_getfield(L, env, LUA_TABLIBNAME);
    faas_lib_table_open(L);
    lua_pushvalue(L, foreach);
    lua_setfield(L, -2, "foreach");
    lua_pop(L, 2);

    /*
     * LuaJIT seeds math.random with a constant: without this every state
     * of every worker would draw the same "random" A/B variants.
     */

    if (getrandom(&seed, sizeof(seed), 0) == sizeof(seed)) {
        lua_getfield(L, env, LUA_MATHLIBNAME);
        lua_getfield(L, -1, "randomseed");
        lua_pushnumber(L, (lua_Number) (seed & 0xffffffffffff));
        lua_call(L, 1, 0);
        lua_pop(L, 1);
    }

    lua_newtable(L);
    lua_getfield(L, g, LUA_STRLIBNAME);
    faas_sandbox_copy(L, lua_gettop(L) - 1, faas_string_names);
    faas_lib_string_open(L);

    /*
     * Methods on strings ("x"):f() look up the string metatable; point it
     * at the filtered copy, or ("").dump would still reach string.dump,
     * and protect it so getmetatable("") cannot change it.
     */

    lua_pushliteral(L, "");
    lua_getmetatable(L, -1);
    lua_pushvalue(L, -3);
    lua_setfield(L, -2, "__index");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 2);

    lua_setfield(L, env, LUA_STRLIBNAME);

    lua_newtable(L);
    lua_getfield(L, g, LUA_OSLIBNAME);
    faas_sandbox_copy(L, lua_gettop(L) - 1, faas_os_names);
    lua_setfield(L, env, LUA_OSLIBNAME);

    lua_pushvalue(L, env);
    lua_setfield(L, env, "_G");

    /* nothing preloaded or loaded is reachable, and now nothing is kept */

    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, "_PRELOAD");
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, "_LOADED");

    lua_pushvalue(L, env);
    lua_replace(L, LUA_GLOBALSINDEX);

    lua_settop(L, g - 1);

    return 0;
}


/* copies the named fields of the table on top into table `to`, pops it */

static void
faas_sandbox_copy(lua_State *L, int to, const char **names)
{
    for ( /* void */ ; *names; names++) {
        lua_getfield(L, -1, *names);
        lua_setfield(L, to, *names);
    }

    lua_pop(L, 1);
}


/*
 * pairs and next load what the event's lazy tables have not loaded yet
 * (faas_event_materialize), so a traversal sees every header.  pairs
 * returns LuaJIT's own next: the VM's fast path for "for k, v in pairs(t)"
 * recognises it.
 */

static int
faas_sandbox_pairs(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    faas_event_materialize(L, 1);

    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushvalue(L, 1);
    lua_pushnil(L);

    return 3;
}


static int
faas_sandbox_next(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    faas_event_materialize(L, 1);

    lua_settop(L, 2);

    if (lua_next(L, 1)) {
        return 2;
    }

    lua_pushnil(L);

    return 1;
}


/*
 * rawset would bypass the __newindex guard of the tables the runtime
 * hands out (faas.env, the context, the event's config): tables whose
 * metatable is protected with __metatable are refused.
 */

static int
faas_sandbox_rawset(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checkany(L, 2);
    luaL_checkany(L, 3);

    if (lua_getmetatable(L, 1)) {
        lua_pushliteral(L, "__metatable");
        lua_rawget(L, -2);

        if (!lua_isnil(L, -1)) {
            return faas_violation(L, "rawset on a protected table");
        }

        lua_pop(L, 2);
    }

    lua_settop(L, 3);
    lua_rawset(L, 1);

    return 1;
}
