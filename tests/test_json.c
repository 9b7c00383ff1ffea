/*
 * faas.json: round trips, the null sentinel and array_mt, limits (depth,
 * size, value count), invalid text, values JSON cannot hold, raw table
 * access, and no leak when Lua runs out of memory halfway through.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

#include "faas_test.h"
#include "scripting/faas_lib.h"


static size_t  faas_test_used;
static size_t  faas_test_limit;


static int
faas_test_check(lua_State *L)
{
    lua_Debug  ar;

    if (lua_toboolean(L, 1)) {
        faas_test_passed++;
        return 0;
    }

    faas_test_failed++;

    lua_getstack(L, 1, &ar);
    lua_getinfo(L, "Sl", &ar);
    fprintf(stderr, "%s:%d: check failed: %s\n", ar.short_src,
            ar.currentline, luaL_optstring(L, 2, ""));

    return 0;
}


static void
faas_test_run(lua_State *L, const char *name, const char *code)
{
    if (luaL_loadbuffer(L, code, strlen(code), name) != 0
        || lua_pcall(L, 0, 0, 0) != 0)
    {
        faas_test_failed++;
        fprintf(stderr, "%s: %s\n", name, lua_tostring(L, -1));
        lua_pop(L, 1);
    }
}


static lua_State *
faas_test_state(lua_State *L)
{
    luaL_openlibs(L);

    lua_pushcfunction(L, faas_test_check);
    lua_setglobal(L, "check");

    lua_newtable(L);
    faas_lib_json_open(L);
    lua_setglobal(L, "faas");

    return L;
}


/* A counting allocator with a cap, as the sandbox has. */

static void *
faas_test_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    void  *p;

    (void) ud;

    if (nsize == 0) {
        faas_test_used -= osize;
        free(ptr);
        return NULL;
    }

    if (nsize > osize && faas_test_used + nsize - osize > faas_test_limit) {
        return NULL;
    }

    p = realloc(ptr, nsize);
    if (p != NULL) {
        faas_test_used = faas_test_used - osize + nsize;
    }

    return p;
}


static int
faas_test_set_limit(lua_State *L)
{
    faas_test_limit = (size_t) luaL_checknumber(L, 1);

    return 0;
}


static const char  faas_test_prelude[] =
    "J = faas.json\n"
    "function eq(got, want, what)\n"
    "  if got ~= want then\n"
    "    io.stderr:write(('  %s: got %q, want %q\\n'):format(\n"
    "      what or '', tostring(got), tostring(want)))\n"
    "  end\n"
    "  check(got == want, what)\n"
    "end\n"
    "function same(a, b)\n"
    "  if type(a) ~= 'table' or type(b) ~= 'table' then return a == b end\n"
    "  for k, v in pairs(a) do if not same(v, b[k]) then return false end end\n"
    "  for k in pairs(b) do if a[k] == nil then return false end end\n"
    "  return true\n"
    "end\n"
    "function fails(pat, v)\n"
    "  local ok, err = pcall(J.encode, v)\n"
    "  if ok or not tostring(err):find(pat, 1, true) then\n"
    "    io.stderr:write('  want error \"' .. pat .. '\", got '\n"
    "                    .. tostring(err) .. '\\n')\n"
    "  end\n"
    "  check(not ok and tostring(err):find(pat, 1, true), pat)\n"
    "end\n"
    "function bad(pat, s)\n"
    "  local v, err = J.decode(s)\n"
    "  if v ~= nil or not tostring(err):find(pat, 1, true) then\n"
    "    io.stderr:write('  want \"' .. pat .. '\", got '\n"
    "                    .. tostring(err) .. '\\n')\n"
    "  end\n"
    "  check(v == nil and tostring(err):find(pat, 1, true), pat)\n"
    "end\n";


static const char  faas_test_decode[] =
    "local t = J.decode('{\"a\":[1,2,{\"b\":null}],\"c\":\"x\",\"d\":true,'\n"
    "  .. '\"e\":false,\"f\":1.5,\"g\":-0.001,\"h\":1e300,\"i\":{}}')\n"
    "eq(t.a[1], 1) eq(t.a[2], 2) eq(#t.a, 3)\n"
    "eq(t.a[3].b, J.null, 'null sentinel')\n"
    "eq(t.c, 'x') eq(t.d, true) eq(t.e, false) eq(t.f, 1.5)\n"
    "eq(t.g, -0.001) eq(t.h, 1e300) eq(next(t.i), nil)\n"
    "eq(getmetatable(t.a), J.array_mt, 'arrays carry array_mt')\n"
    "eq(getmetatable(t), nil, 'objects do not')\n"
    "eq(J.decode('null'), J.null)\n"
    "eq(J.decode(' 42 '), 42) eq(J.decode('\"s\"'), 's')\n"
    "eq(J.decode('true'), true)\n"
    "t = J.decode('[null,1,null]')\n"
    "eq(#t, 3, 'nulls keep positions') eq(t[1], J.null)\n"
    "eq(J.decode('{\"a\":1,\"a\":2}').a, 2, 'last duplicate wins')\n"
    /* unicode escapes become UTF-8 */
    "eq(J.decode('\"\\\\u00e9\\\\u20ac\\\\ud83d\\\\ude00\"'),\n"
    "   '\\195\\169\\226\\130\\172\\240\\159\\152\\128', 'unicode')\n"
    "eq(J.decode('\"a\\\\\\\\u0000\"'), 'a\\\\u0000', 'escaped backslash')\n"
    "eq(J.decode('\"\\\\\"\\\\\\\\\\\\/\\\\b\\\\f\\\\n\\\\r\\\\t\"'),\n"
    "   '\"\\\\/\\b\\f\\n\\r\\t', 'escapes')\n"
    "eq(J.decode('\"caf\\195\\169\"'), 'caf\\195\\169', 'raw UTF-8')\n"
    /* invalid text: nil, err */
    "bad('invalid JSON at offset 0', '')\n"
    "bad('invalid JSON', '{')\n"
    "bad('invalid JSON', 'nul')\n"
    "bad('invalid JSON', '{a:1}')\n"
    "bad('invalid JSON', '[1 2]')\n"
    "bad('invalid JSON', '\"abc')\n"
    "bad('invalid JSON', '{\"a\" 1}')\n"
    "bad('invalid JSON', '[1,]')\n"
    "bad('garbage after the value', '1 2')\n"
    "bad('garbage after the value', '[1]\\0[2]')\n"
    "bad('garbage after the value', '{}}')\n"
    "bad('\\\\u0000 in strings is not supported', '\"a\\\\u0000b\"')\n"
    "bad('control character in string', '\"a\\nb\"')\n"
    "bad('number out of range', '1e999')\n"
    "bad('number out of range', '[-1e400]')\n"
    "local ok, err = pcall(J.decode)\n"
    "check(not ok and err:find('bad argument #1'), err)\n";


static const char  faas_test_limits[] =
    /* depth: 64 levels pass, 65 do not; bombs fail without a crash */
    "local s64 = ('['):rep(64) .. (']'):rep(64)\n"
    "check(J.decode(s64), '64 levels')\n"
    "bad('nested deeper than 64 levels', '[' .. s64 .. ']')\n"
    "bad('nested deeper than 64 levels', ('['):rep(10000))\n"
    "bad('nested deeper than 64 levels', ('{\"a\":'):rep(10000))\n"
    "bad('nested deeper than 64 levels', ('[{'):rep(100000))\n"
    "local t = {} local n = t\n"
    "for i = 1, 63 do n[1] = {} n = n[1] end\n"
    "eq(J.encode(t), ('['):rep(63) .. '{}' .. (']'):rep(63), '64 levels')\n"
    "n[1] = {}\n"
    "fails('nested deeper than 64 levels (a cycle?)', t)\n"
    /* cycles */
    "t = {} t.t = t\n"
    "fails('nested deeper than 64 levels (a cycle?)', t)\n"
    "t = {} t[1] = t\n"
    "fails('nested deeper than 64 levels (a cycle?)', t)\n"
    /* size caps */
    "bad('over the limit of 16777216 bytes',\n"
    "  '\"' .. ('x'):rep(16 * 1024 * 1024) .. '\"')\n"
    "local big = ('x'):rep(16 * 1024 * 1024 - 2)\n"
    "eq(#J.encode(big), 16 * 1024 * 1024, 'output at the cap')\n"
    "fails('over the limit of 16777216 bytes', big .. 'x')\n"
    "fails('over the limit of 16777216 bytes', { big, 'x' })\n"
    "eq(#J.decode(J.encode(big)), #big, 'decode at the cap')\n"
    /* texts short enough for the C stack, and ones that outgrow it */
    "for n = 505, 515 do\n"
    "  local s = ('y'):rep(n)\n"
    "  eq(J.encode(s), '\"' .. s .. '\"', 'text of ' .. (n + 2) .. ' bytes')\n"
    "end\n"
    "local arr = {}\n"
    "for i = 1, 3000 do arr[i] = i end\n"
    "eq(J.encode(arr), '[' .. table.concat(arr, ',') .. ']', "
    "'an array through several growths')\n"
    /* value count */
    "local many = '[' .. ('1,'):rep(262142) .. '1]'\n"
    "eq(#J.decode(many), 262143, 'values (with the array) at the cap')\n"
    "bad('more than 262144 values', '[' .. ('1,'):rep(262144) .. '1]')\n";


static const char  faas_test_encode[] =
    "eq(J.encode(nil), 'null') eq(J.encode(J.null), 'null')\n"
    "eq(J.encode(true), 'true') eq(J.encode(false), 'false')\n"
    "eq(J.encode(1), '1') eq(J.encode(-0.5), '-0.5')\n"
    "eq(J.encode(0), '0') eq(J.encode(-0), '0') eq(J.encode(-7), '-7')\n"
    "eq(J.encode(123456789012345), '123456789012345')\n"
    "eq(J.encode(-999999999999999), '-999999999999999')\n"
    "eq(J.encode(1e15), '1e+15') eq(J.encode(-1e15), '-1e+15')\n"
    "eq(J.encode({ 10, -20, 300 }), '[10,-20,300]')\n"
    "eq(J.encode(0.1), '0.1') eq(J.encode(1e300), '1e+300')\n"
    "eq(J.encode(2^53), '9007199254740992')\n"
    "eq(J.encode(1/3), '0.33333333333333331')\n"
    "eq(J.decode(J.encode(1/3)), 1/3, 'number round trip')\n"
    "eq(J.encode('a\"b\\\\c\\n\\0\\1\\127/'),\n"
    "   '\"a\\\\\"b\\\\\\\\c\\\\n\\\\u0000\\\\u0001\\127/\"', 'string')\n"
    "eq(J.decode(J.encode('a\\0b')), nil, 'NUL does not come back')\n"
    "eq(J.encode('caf\\195\\169'), '\"caf\\195\\169\"', 'UTF-8 as is')\n"
    "eq(J.encode({}), '{}', 'empty table is an object')\n"
    "eq(J.encode(setmetatable({}, J.array_mt)), '[]', 'array_mt')\n"
    "eq(J.encode(J.decode('[]')), '[]', 'decoded [] stays []')\n"
    "eq(J.encode(J.decode('{}')), '{}')\n"
    "eq(J.encode({1, 2, 'x'}), '[1,2,\"x\"]')\n"
    "eq(J.encode({[1] = 1, [3] = 3}), '[1,null,3]', 'hole')\n"
    "eq(J.encode({1, J.null, 3}), '[1,null,3]')\n"
    "eq(J.encode({a = 1}), '{\"a\":1}')\n"
    "eq(J.encode({a = J.null}), '{\"a\":null}')\n"
    "eq(J.encode({[2.5] = 1}), '{\"2.5\":1}', 'number key')\n"
    "eq(J.encode({[-1] = 1}), '{\"-1\":1}', 'number key')\n"
    "local t = J.decode(J.encode({ 1, 'a', x = 2 }))\n"
    "check(same(t, { ['1'] = 1, ['2'] = 'a', x = 2 }), 'mixed keys')\n"
    "fails('excessively sparse array (1 values, max index 1000)',\n"
    "  { [1000] = 1 })\n"
    "fails('cannot encode a table key of type boolean', { [true] = 1 })\n"
    "fails('cannot encode a table key of type table', { [{}] = 1 })\n"
    "fails('cannot encode NaN', 0/0)\n"
    "fails('cannot encode an infinite number', 1/0)\n"
    "fails('cannot encode an infinite number', { a = -1/0 })\n"
    "fails('cannot encode a function value', print)\n"
    "fails('cannot encode a function value', { f = print })\n"
    "fails('cannot encode a userdata value', io.stdout)\n"
    "fails('cannot encode a thread value', coroutine.create(print))\n"
    "fails('array_mt and non-array keys',\n"
    "  setmetatable({ a = 1 }, J.array_mt))\n"
    "local ok, err = pcall(J.encode)\n"
    "check(not ok and err:find('bad argument #1'), err)\n"
    /* tables are read raw: no metamethod runs */
    "local mt = { __index = function() error('__index ran') end,\n"
    "  __newindex = function() error('__newindex ran') end,\n"
    "  __len = function() error('__len ran') end,\n"
    "  __pairs = function() error('__pairs ran') end }\n"
    "eq(J.encode(setmetatable({ 1, 2 }, mt)), '[1,2]', 'raw array')\n"
    "eq(J.encode(setmetatable({ a = 'b' }, mt)), '{\"a\":\"b\"}', 'raw')\n"
    /* round trips */
    "local doc = { name = 'fn', list = { 1, 2.5, 'three', true, false },\n"
    "  nested = { a = { b = { c = { 'deep' } } } }, empty = {},\n"
    "  text = 'line\\nbreak \"quoted\" \\\\ tab\\t', n = -12345678,\n"
    "  u = 'caf\\195\\169 \\226\\130\\172', null = J.null }\n"
    "local back = J.decode(J.encode(doc))\n"
    "check(same(back, doc), 'round trip')\n"
    "check(same(J.decode(J.encode(back)), back), 'stable')\n"
    "local s = '{\"a\":[1,2,[3,[]]],\"b\":{\"c\":null},\"d\":\"\\\\u00e9\"}'\n"
    "back = J.decode(J.encode(J.decode(s)))\n"
    "check(same(back, J.decode(s)), 'text round trip')\n"
    "eq(J.encode(back.a), '[1,2,[3,[]]]', 'arrays stay arrays')\n";


/* The C helpers: results and stack balance. */

static void
faas_test_c_api(lua_State *L)
{
    int   top;
    char  err[256];

    top = lua_gettop(L);

    FAAS_CHECK(faas_json_push_decoded(L, "{\"k\":[1,2]}", 11, err,
                                      sizeof(err)) == 0);
    FAAS_CHECK(lua_gettop(L) == top + 1 && lua_istable(L, -1));

    FAAS_CHECK(faas_json_push_encoded(L, -1, err, sizeof(err)) == 0);
    FAAS_CHECK(lua_gettop(L) == top + 2);
    FAAS_CHECK_STR(lua_tostring(L, -1), "{\"k\":[1,2]}");
    lua_settop(L, top);

    FAAS_CHECK(faas_json_push_decoded(L, "[1,", 3, err, sizeof(err)) == -1);
    FAAS_CHECK(lua_gettop(L) == top);
    FAAS_CHECK(strncmp(err, "invalid JSON at offset ", 23) == 0);

    lua_pushcfunction(L, faas_test_check);
    FAAS_CHECK(faas_json_push_encoded(L, -1, err, sizeof(err)) == -1);
    FAAS_CHECK(lua_gettop(L) == top + 1);
    FAAS_CHECK_STR(err, "cannot encode a function value in JSON");
    lua_settop(L, top);
}


/*
 * Out of memory halfway: the Lua error must not leak the cJSON tree
 * (valgrind --leak-check=full checks this) nor crash.
 */

static void
faas_test_oom(void)
{
    int         i, errors, ok;
    lua_State  *L;

    static const char  code[] =
        "local doc = {}\n"
        "for i = 1, 2000 do doc[i] = { key = ('v'):rep(50) .. i } end\n"
        "local s = faas.json.encode(doc)\n"
        "collectgarbage()\n"
        "limit(collectgarbage('count') * 1024 + 40000)\n"
        "local ok, err = pcall(faas.json.decode, s)\n"
        "check(not ok and err:find('not enough memory'), 'decode oom')\n"
        "ok, err = pcall(faas.json.encode, doc)\n"
        "check(not ok and err:find('not enough memory'), 'encode oom')\n"
        "limit(1e9)\n"
        "check(#faas.json.encode(faas.json.decode(s)) == #s, 'after')\n";

    faas_test_limit = (size_t) -1 / 2;
    faas_test_used = 0;

    L = lua_newstate(faas_test_alloc, NULL);
    FAAS_CHECK(L != NULL);

    faas_test_state(L);

    lua_pushcfunction(L, faas_test_set_limit);
    lua_setglobal(L, "limit");

    faas_test_run(L, "=oom", code);

    /* and at every allocation count in a small document */

    errors = 0;
    ok = 0;

    for (i = 0; i < 200; i++) {
        lua_settop(L, 0);
        lua_gc(L, LUA_GCCOLLECT, 0);

        lua_getglobal(L, "faas");
        lua_getfield(L, -1, "json");
        lua_getfield(L, -1, "decode");
        lua_pushliteral(L, "{\"a\":[1,2,{\"b\":\"xxxxxxxxxxxxxxxxxxxxxxxxx"
                        "xxxxxxxxxx\"}],\"c\":[[[\"d\"]]],\"e\":{\"f\":1}}");

        faas_test_limit = faas_test_used + (size_t) i * 16;

        if (lua_pcall(L, 1, 1, 0) == 0) {
            ok++;

        } else {
            errors++;
        }

        faas_test_limit = (size_t) -1 / 2;
    }

    FAAS_CHECK(errors > 0 && ok > 0);

    lua_close(L);
    FAAS_CHECK(faas_test_used == 0);
}


int
main(void)
{
    lua_State  *L;

    L = faas_test_state(luaL_newstate());

    faas_test_run(L, "=prelude", faas_test_prelude);
    faas_test_run(L, "=decode", faas_test_decode);
    faas_test_run(L, "=limits", faas_test_limits);
    faas_test_run(L, "=encode", faas_test_encode);

    faas_test_c_api(L);

    lua_close(L);

    faas_test_oom();

    return FAAS_TEST_DONE();
}
