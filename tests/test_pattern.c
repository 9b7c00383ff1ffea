/*
 * The pattern functions of faas_lib_string.c and the table functions of
 * faas_lib_table.c against LuaJIT's own: the same Lua driver runs in a
 * state with LuaJIT's string library and in one with ours, on a list of
 * tricky cases and on thousands of generated patterns and subjects, and
 * every result (values, or the error message) must be the same.  Then
 * the bombs: what runs for minutes in LuaJIT ends at the deadline here.
 */

#include <stdlib.h>
#include <time.h>

#include <lualib.h>

#include "faas_test.h"
#include "scripting/faas_state.h"


static lua_State     *ref;      /* LuaJIT's string library */
static lua_State     *our;      /* ours, under a faas_state_t */
static faas_state_t   our_st;
static int            ndiff;
static int            nkind[3];     /* matched, no match, error */


static void test_deep(void);


/* runs in both states: op, subject, pattern, a, b -> one string */

static const char  driver[] =
    "local function ser(n, t)\n"
    "  local o = {}\n"
    "  for i = 1, n do\n"
    "    local v = t[i]\n"
    "    o[i] = type(v) == 'string' and string.format('%q', v)\n"
    "           or tostring(v)\n"
    "  end\n"
    "  return table.concat(o, ',', 1, n)\n"
    "end\n"
    "local function pack(...) return select('#', ...), { ... } end\n"
    "local rt = { a = '<A>', b = false, ['1'] = 7, ab = '{ab}',\n"
    "             ['('] = 'P' }\n"
    "local function rf(...)\n"
    "  local a = ...\n"
    "  if a == 'b' then return nil end\n"
    "  if a == 'c' then return false end\n"
    "  if a == '1' then return 12 end\n"
    "  return '[' .. ser(pack(...)) .. ']'\n"
    "end\n"
    "return function(op, s, p, a, b)\n"
    "  if a == '#T' then a = rt elseif a == '#F' then a = rf end\n"
    "  if op == 'gmatch' then\n"
    "    local ok, it = pcall(string.gmatch, s, p)\n"
    "    if not ok then return 'E:' .. it end\n"
    "    local out = {}\n"
    "    for i = 1, 60 do\n"
    "      local n, r = pack(pcall(it))\n"
    "      if not r[1] then out[#out + 1] = 'E:' .. r[2]; break end\n"
    "      if n == 1 then break end\n"
    "      out[#out + 1] = ser(n - 1, { select(2, unpack(r, 1, n)) })\n"
    "    end\n"
    "    return 'G:' .. table.concat(out, '|')\n"
    "  end\n"
    "  if op == 'insert' then\n"
    "    local t = {}\n"
    "    for x in s:gmatch('[^,]+') do t[#t + 1] = x end\n"
    "    local ok, e\n"
    "    if p == '' then ok, e = pcall(table.insert, t, 'v')\n"
    "    elseif p == 'none' then ok, e = pcall(table.insert, t)\n"
    "    elseif p == 'four' then ok, e = pcall(table.insert, t, 1, 2, 3)\n"
    "    else ok, e = pcall(table.insert, t, tonumber(p), 'v') end\n"
    "    if not ok then return 'E:' .. e end\n"
    "    local keys = {}\n"
    "    for k in pairs(t) do keys[#keys + 1] = k end\n"
    "    table.sort(keys)\n"
    "    for i, k in ipairs(keys) do keys[i] = k .. '=' .. t[k] end\n"
    "    return table.concat(keys, ',')\n"
    "  end\n"
    "  if op == 'concat' or op == 'maxn' then\n"
    "    local cases = {\n"
    "      { { 1, 2, 'x' }, ',' }, { { 1, {}, 3 } }, { { 1, true } },\n"
    "      { {}, ',', 1, 0 }, { { 'a' }, ',', 1, 2 }, { { 'a', 'b' }, 5 },\n"
    "      { { 1.5, 2^53, -0.0, 1/0, 0.1 } }, { { 'a', 'b', 'c' }, ',', 2 },\n"
    "      { { 'a', 'b', 'c' }, ',', -1, 2 }, { { 'a' }, {} }, { 'x' },\n"
    "      { { 'a', 'b' }, '--', 1, 1 }, { { 1, 2, [10] = 1, [2.5] = 1,\n"
    "        x = 1, [-3] = 1 } }, { { [1.5] = 1 } }, { { [-1] = 1 } },\n"
    "      { { 'a', nil, 'c' }, '', 1, 3 }, { { [0] = 'z', 'a' }, '', 0 },\n"
    "    }\n"
    "    local out = {}\n"
    "    for i, c in ipairs(cases) do\n"
    "      local n, r = pack(pcall(table[op], unpack(c, 1, 4)))\n"
    "      out[i] = ser(n, r)\n"
    "    end\n"
    "    return table.concat(out, '|')\n"
    "  end\n"
    "  if op == 'sort' then\n"
    "    local t = {}\n"
    "    for x in s:gmatch('[^,]+') do t[#t + 1] = tonumber(x) or x end\n"
    "    local f = p == 'desc' and function(x, y) return x > y end or nil\n"
    "    local ok, e = pcall(table.sort, t, f)\n"
    "    if not ok then return 'E:' .. e end\n"
    "    return ser(#t, t)\n"
    "  end\n"
    "  local n, r = pack(pcall(string[op], s, p, a, b))\n"
    "  if not r[1] then return 'E:' .. r[2] end\n"
    "  return ser(n, r)\n"
    "end\n";


/* "bad argument #2 to 'find'" -> "bad argument #2": LuaJIT says '?' */

static void
clean(char *msg)
{
    char  *p, *q;

    p = strstr(msg, "bad argument #");
    if (p == NULL) {
        return;
    }

    p = strstr(p, " to '");
    if (p == NULL) {
        return;
    }

    q = strchr(p + 5, '\'');
    if (q == NULL) {
        return;
    }

    memmove(p, q + 1, strlen(q + 1) + 1);
}


static void
run(lua_State *L, char *out, size_t len, const char *op, const char *s,
    size_t ls, const char *p, size_t lp, const char *a, const char *b)
{
    size_t       n;
    const char  *r;

    lua_pushvalue(L, 1);
    lua_pushstring(L, op);
    lua_pushlstring(L, s, ls);
    lua_pushlstring(L, p, lp);

    if (a == NULL) {
        lua_pushnil(L);

    } else if (a[0] == '=') {
        lua_pushnumber(L, atof(a + 1));

    } else {
        lua_pushstring(L, a);
    }

    if (b == NULL) {
        lua_pushnil(L);

    } else if (b[0] == '=') {
        lua_pushnumber(L, atof(b + 1));

    } else {
        lua_pushstring(L, b);
    }

    if (lua_pcall(L, 5, 1, 0) != 0) {
        snprintf(out, len, "DRIVER: %s", lua_tostring(L, -1));

    } else {
        r = lua_tolstring(L, -1, &n);
        snprintf(out, len, "%.*s", (int) n, r);
    }

    lua_pop(L, 1);
    clean(out);
}


static void
same(const char *op, const char *s, size_t ls, const char *p, size_t lp,
    const char *a, const char *b)
{
    static char  want[8192], got[8192];

    run(ref, want, sizeof(want), op, s, ls, p, lp, a, b);
    run(our, got, sizeof(got), op, s, ls, p, lp, a, b);

    nkind[strncmp(want, "E:", 2) == 0 ? 2
          : (strcmp(want, "true,nil") == 0 || strcmp(want, "G:") == 0)]++;

    if (strcmp(want, got) == 0) {
        faas_test_passed++;
        return;
    }

    faas_test_failed++;

    if (ndiff++ < 30) {
        fprintf(stderr, "differs: %s(\"%.*s\", \"%.*s\", %s, %s)\n"
                "  luajit: %s\n  ours:   %s\n", op, (int) ls, s, (int) lp,
                p, a ? a : "nil", b ? b : "nil", want, got);
    }
}


#define SAME(op, s, p, a, b)                                                  \
    same(op, s, sizeof(s) - 1, p, sizeof(p) - 1, a, b)


static lua_State *
state(lua_State *L)
{
    luaL_openlibs(L);

    if (luaL_loadbuffer(L, driver, sizeof(driver) - 1, "=driver") != 0
        || lua_pcall(L, 0, 1, 0) != 0)
    {
        fprintf(stderr, "driver: %s\n", lua_tostring(L, -1));
        exit(1);
    }

    return L;
}


static void
setup(void)
{
    ref = state(luaL_newstate());

    our_st.limit = (size_t) 1 << 30;
    our_st.run.deadline = UINT64_MAX;
    our_st.L = lua_newstate(faas_alloc, &our_st);
    our = state(our_st.L);

    lua_getglobal(our, "string");
    faas_lib_string_open(our);
    lua_getglobal(our, "table");
    faas_lib_table_open(our);
    lua_pop(our, 2);
}


static void
test_tricky(void)
{
    static const char  *subjects[] = {
        "", "a", "abc", "hello world", "  trim me  ", "x(a(b)c)y",
        "THE (quick) fox", "a.b-c%d", "key=val, k2=v2", "aaa", "a$b^c",
        "]]b", "a-b", "((a)", "aXbYa", "\t\r\n x", "0x1F zz", "a,b,,c",
        NULL
    };
    static const char  *patterns[] = {
        "", "a", "b", "abc", ".", ".-", ".*", ".+", ".?", "^a", "^$", "$",
        "a$", "^", "^^a", "$$", "a$b", "a^b", "%a+", "%A+", "%d+", "%D",
        "%s*", "%S+", "%w+", "%W", "%p", "%P+", "%l+", "%u+", "%x+", "%c",
        "%z", "%g+", "%G", "%.", "%%", "%(", "%q", "[ab]", "[^ab]+",
        "[a-c]+", "[%a_]+", "[]]", "[^]]", "[a-]", "[-a]", "[%]]",
        "[%a-z]", "[z-a]", "[a%-c]", "()", "(a)", "(a)(b)", "()a()",
        "(%w+)=(%w+)", "^%s*(.-)%s*$", "(a)%1", "(a*)%1", "()%1", "%b()",
        "%b()*", "%baa", "%bxy", "%f[%a]%a+", "%f[%w]", "%f[%W]",
        "%f[%z]", "%f[^%z]", "c%f[%z]", "a-b", "a-$", "[a]-b", "(.-),",
        "(a", "a)", "(()", "())", "%", "a%", "[a", "[", "[^", "[]", "[%",
        "[a%]", "%b", "%ba", "%f", "%fa", "%f[", "%1", "%0", "(a)%2",
        "(a%1)", "a*%", ")", "a)", "(%a+)%s*(%d*)", "((a)(b))", "x*",
        NULL
    };
    static const char  *repls[] = {
        "-", "%0", "%1", "<%1%2>", "%%", "x%", "%a", "#T", "#F", "=5",
        NULL
    };
    static const char  *inits[] = {
        NULL, "=1", "=2", "=0", "=-1", "=-2", "=-100", "=3", "=4", "=5",
        "=100", "=1.7", "=2.5", NULL
    };
    const char        **s, **p, **r, **i;

    for (s = subjects; *s; s++) {
        for (p = patterns; *p; p++) {
            same("gmatch", *s, strlen(*s), *p, strlen(*p), NULL, NULL);

            for (i = inits; i == inits || *i; i++) {
                same("find", *s, strlen(*s), *p, strlen(*p), *i, NULL);
                same("find", *s, strlen(*s), *p, strlen(*p), *i, "plain");
                same("match", *s, strlen(*s), *p, strlen(*p), *i, NULL);
            }

            for (r = repls; *r; r++) {
                same("gsub", *s, strlen(*s), *p, strlen(*p), *r, NULL);
                same("gsub", *s, strlen(*s), *p, strlen(*p), *r, "=1");
                same("gsub", *s, strlen(*s), *p, strlen(*p), *r, "=-1");
                same("gsub", *s, strlen(*s), *p, strlen(*p), *r, "=1.7");
            }
        }
    }

    /* argument checks, numbers as strings, NUL bytes in the subject */

    SAME("find", "12345", "3", NULL, NULL);
    SAME("gsub", "abc", "b", "=12.5", NULL);
    SAME("find", "a\0b", "%z", NULL, NULL);
    SAME("find", "a\0b", "\0b", NULL, NULL);
    SAME("gsub", "a\0b\0", "%z", "-", NULL);
    SAME("match", "a\0b", "(.)(.)", NULL, NULL);
    SAME("find", "\200\377", "%a", NULL, NULL);
    SAME("find", "\200\377", "[\200-\377]+", NULL, NULL);
    SAME("gmatch", "\177\200 x", "%c", NULL, NULL);
    SAME("find", "abc", "b", "x", NULL);
    SAME("gsub", "abc", "b", "x", "y");

    /* the limits LuaJIT has: 32 captures, nesting depth */

    test_deep();
}


static void
test_deep(void)
{
    int   k;
    char  subj[64], pat[512];

    memset(subj, 'a', 40);

    for (k = 0; k < 40; k++) {
        memcpy(pat + 3 * k, "(a)", 3);
    }

    same("find", subj, 40, pat, 3 * 32, NULL, NULL);
    same("find", subj, 40, pat, 3 * 33, NULL, NULL);
    same("match", subj, 40, pat, 3 * 40, NULL, NULL);

    for (k = 0; k < 250; k++) {
        memcpy(pat + 2 * k, "a?", 2);
    }

    same("find", subj, 40, pat, 2 * 150, NULL, NULL);
    same("find", subj, 40, pat, 2 * 250, NULL, NULL);
}


/* xorshift64: the same cases on every run */

static uint64_t  rnd_state = 0x9e3779b97f4a7c15ULL;

static unsigned
rnd(unsigned n)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 7;
    rnd_state ^= rnd_state << 17;

    return (unsigned) (rnd_state % n);
}


/*
 * Patterns from items that mix all the features (and some malformed
 * ones), at most five quantifiers so LuaJIT's own matcher stays fast on
 * subjects of up to 24 characters from a small alphabet.
 */

static size_t
gen_pattern(char *out)
{
    size_t              n, len;
    unsigned            items, k, quant;
    const char         *it;
    static const char  *single[] = {
        "a", "b", "c", ".", "%a", "%d", "%s", "%w", "%p", "%A", "%S",
        "%W", "%.", "%%", "%(", "[ab]", "[^a]", "[a-c]", "[%d_]", "[]]",
        "[^%s]", " ", "_", "1", "-", "(", ")", "x", "%l", "%u", "%x"
    };
    static const char  *other[] = {
        "(", ")", "()", "%b()", "%bab", "%f[%w]", "%f[%W]", "%f[a]",
        "%1", "%2", "$", "^", "[a", "%"
    };

    len = 0;

    if (rnd(4) == 0) {
        out[len++] = '^';
    }

    items = 1 + rnd(7);
    quant = 0;

    for (k = 0; k < items; k++) {
        if (rnd(5) == 0) {
            it = other[rnd(sizeof(other) / sizeof(other[0]))];

            /* a malformed piece only at the end, and rarely */

            if ((strcmp(it, "[a") == 0 || strcmp(it, "%") == 0)
                && (k + 1 < items || rnd(3) != 0))
            {
                it = "a";
            }

        } else {
            it = single[rnd(sizeof(single) / sizeof(single[0]))];
        }

        n = strlen(it);
        memcpy(out + len, it, n);
        len += n;

        if (quant < 5 && it[0] != '(' && it[0] != ')' && rnd(3) == 0) {
            out[len++] = "*+-?"[rnd(4)];
            quant++;
        }
    }

    if (rnd(5) == 0) {
        out[len++] = '$';
    }

    return len;
}


static size_t
gen_subject(char *out)
{
    size_t              k, len;
    static const char   alphabet[] = "aaabbc(()) 1_.%-x\n";

    len = rnd(25);

    for (k = 0; k < len; k++) {
        out[k] = alphabet[rnd(sizeof(alphabet) - 1)];
    }

    return len;
}


static void
test_generated(int count)
{
    int                 i;
    size_t              ls, lp;
    char                s[64], p[256];
    const char         *a, *b;
    static const char  *ops[] = { "find", "match", "gmatch", "gsub" };
    static const char  *inits[] = {
        NULL, "=1", "=2", "=-1", "=-3", "=0", "=5", "=30"
    };
    static const char  *repls[] = {
        "-", "%0", "%1", "<%1|%2>", "%%", "#T", "#F", "=7", "x%"
    };
    static const char  *maxn[] = { NULL, NULL, "=0", "=1", "=2", "=-1" };

    for (i = 0; i < count; i++) {
        ls = gen_subject(s);
        lp = gen_pattern(p);

        switch (i % 4) {

        case 0:
            a = inits[rnd(sizeof(inits) / sizeof(inits[0]))];
            b = rnd(6) == 0 ? "plain" : NULL;
            break;

        case 1:
            a = inits[rnd(sizeof(inits) / sizeof(inits[0]))];
            b = NULL;
            break;

        case 2:
            a = NULL;
            b = NULL;
            break;

        default:
            a = repls[rnd(sizeof(repls) / sizeof(repls[0]))];
            b = maxn[rnd(sizeof(maxn) / sizeof(maxn[0]))];
        }

        same(ops[i % 4], s, ls, p, lp, a, b);
    }
}


static void
test_insert(void)
{
    const char        **s, **p;
    static const char  *lists[] = { "", "a", "a,b,c", NULL };
    static const char  *pos[] = {
        "", "1", "2", "3", "4", "5", "10", "0", "-1", "-3", "1.5", "none",
        "four", NULL
    };

    for (s = lists; *s; s++) {
        for (p = pos; *p; p++) {
            same("insert", *s, strlen(*s), *p, strlen(*p), NULL, NULL);
        }
    }
}


static void
test_sort(void)
{
    int     i, k, n;
    char    list[4096];
    size_t  len;

    SAME("sort", "", "", NULL, NULL);
    SAME("sort", "3", "", NULL, NULL);
    SAME("sort", "b,a", "", NULL, NULL);
    SAME("sort", "c,b,a,b,c", "desc", NULL, NULL);

    for (i = 0; i < 300; i++) {
        n = rnd(200);
        len = 0;

        for (k = 0; k < n; k++) {
            if (i % 3 == 0) {
                len += snprintf(list + len, sizeof(list) - len, "%s%u",
                                k ? "," : "", rnd(50));

            } else {
                len += snprintf(list + len, sizeof(list) - len, "%sk%u",
                                k ? "," : "", rnd(1000));
            }
        }

        same("sort", list, len, i % 2 ? "desc" : "", i % 2 ? 4 : 0,
             NULL, NULL);
    }
}


static uint64_t
now_us(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return (uint64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}




/*
 * Runs code in our state with a deadline of timeout microseconds (and a
 * budget of budget instructions when not 0); the error must contain
 * want, and the run must end before the deadline plus slack.  The Lua
 * code of these tests runs without the hook: the library calls are what
 * is timed, and a "prepare" chunk builds their data before the clock.
 */

static const char  *prepare;

static void
bomb(const char *code, uint64_t timeout, uint64_t budget, const char *want,
    uint64_t slack)
{
    int          rc;
    uint64_t     t0, c0, took;
    const char  *err;

    if (prepare != NULL) {
        if (luaL_dostring(our, prepare) != 0) {
            fprintf(stderr, "prepare: %s\n", lua_tostring(our, -1));
            FAAS_CHECK(0);
        }

        prepare = NULL;
        lua_settop(our, 1);
    }

    our_st.run.kill = FAAS_FAIL_NONE;
    our_st.run.steps = 0;
    our_st.run.timeout = timeout;
    our_st.run.budget = budget;
    our_st.run.max_steps = budget ? budget / FAAS_HOOK_INTERVAL + 1 : 0;

    t0 = now_us();
    c0 = faas_test_cpu_us();
    our_st.run.deadline = t0 + timeout;

    rc = luaL_loadbuffer(our, code, strlen(code), "=bomb");
    if (rc == 0) {
        rc = lua_pcall(our, 0, 1, 0);
    }

    took = faas_test_cpu_us() - c0;
    err = rc ? lua_tostring(our, -1) : "(no error)";

    if (want == NULL) {
        FAAS_CHECK(rc == 0);
        if (rc) {
            fprintf(stderr, "  %s: %s\n", code, err);
        }

    } else {
        FAAS_CHECK(err != NULL && strstr(err, want) != NULL);
        if (err == NULL || strstr(err, want) == NULL) {
            fprintf(stderr, "  %s: %s\n", code, err ? err : "?");
        }
    }

    FAAS_CHECK(took <= faas_test_time(timeout + slack));
    printf("  %-58.58s %7.2f ms\n", code, took / 1000.0);

    lua_settop(our, 1);

    /* a kill leaves the hook raising on every instruction: clear it */

    lua_sethook(our, NULL, 0, 0);
    our_st.run.kill = FAAS_FAIL_NONE;
    our_st.run.deadline = UINT64_MAX;
    our_st.run.max_steps = 0;
}


static void
test_bombs(void)
{
    const char  *killer;

    printf("# bombs (timeout 20 ms) and honest work\n");

    bomb("return string.rep('a', 3000):find('.-.-.-.-b')",
         20000, 0, "timeout of 20 ms exceeded", 2000);
    bomb("return string.rep('a', 3000):match('.-.-.-.-b')",
         20000, 0, "timeout of 20 ms exceeded", 2000);
    bomb("return string.rep('a', 3000):gsub('.-.-.-.-b', '')",
         20000, 0, "timeout of 20 ms exceeded", 2000);
    bomb("for x in string.rep('a', 3000):gmatch('.-.-.-.-b') do end",
         20000, 0, "timeout of 20 ms exceeded", 2000);
    bomb("return string.rep('a', 3000):find('.*.*.*.*b')",
         20000, 0, "timeout of 20 ms exceeded", 2000);
    bomb("return string.rep('(', 100000):find('%b()')",
         20000, 0, "timeout of 20 ms exceeded", 2000);
    bomb("return string.rep('a', 1000000):find('(.*)%1b')",
         20000, 0, "timeout of 20 ms exceeded", 2000);

    /* plain find is linear (LuaJIT's takes about 20 s for this one) */

    prepare = "S = ('a'):rep(2000000) P = ('a'):rep(1000000) .. 'b'";
    bomb("assert(S:find(P, 1, true) == nil)", 50000, 0, NULL, 0);
    prepare = "P = ('a'):rep(4000) .. 'b'";
    bomb("assert(S:find(P, 1, true) == nil)", 50000, 0, NULL, 0);
    bomb("return string.rep('a', 3000):find('.-.-.-.-b')",
         10000000, 1000000, "instruction budget of 1000000 exceeded",
         0);

    /* an endless gsub callback is the hook's: only the budget here */

    bomb("return ('x'):rep(100):gsub('.', function(c)\n"
         "  return string.rep(c, 3000):find('.-.-b') end)",
         20000, 0, "timeout of 20 ms exceeded", 2000);

    /* honest work of the same shapes stays fast and right */

    bomb("local s = (' '):rep(4000) .. ('x'):rep(60000) .. (' '):rep(4000)\n"
         "assert(#s:match('^%s*(.-)%s*$') == 60000)",
         20000, 0, NULL, 0);
    bomb("local s = ('ab'):rep(500000) .. 'c'\n"
         "assert(s:find('abc', 1, true) == 999999)\n"
         "assert(s:find('c') == 1000001)\n"
         "assert(s:find(('ab'):rep(3000) .. 'c', 1, true) == 994001)",
         20000, 0, NULL, 0);
    bomb("local n = 0 for w in ('word '):rep(20000):gmatch('%a+') do\n"
         "  n = n + 1 end assert(n == 20000)",
         20000, 0, NULL, 0);

    /* table.sort: quadratic in LuaJIT on a killer input, not here */

    killer =
        "local N, gas, nsolid, candidate = 20000, 20000, 0, 0\n"
        "local val, ptr = {}, {}\n"
        "for i = 1, N do val[i] = gas; ptr[i] = i end\n"
        "table.sort(ptr, function(a, b)\n"
        "  if val[a] == gas and val[b] == gas then\n"
        "    if a == candidate then val[a] = nsolid\n"
        "    else val[b] = nsolid end\n"
        "    nsolid = nsolid + 1\n"
        "  end\n"
        "  if val[a] == gas then candidate = a\n"
        "  elseif val[b] == gas then candidate = b end\n"
        "  return val[a] < val[b]\n"
        "end)\n"
        "return val\n";

    if (luaL_loadbuffer(ref, killer, strlen(killer), "=killer") == 0
        && lua_pcall(ref, 0, 1, 0) == 0)
    {
        uint64_t  t0;
        int       i, n, sorted;

        /* the adversary's values, copied into our state */

        n = (int) lua_objlen(ref, -1);
        lua_createtable(our, n, 0);

        for (i = 1; i <= n; i++) {
            lua_rawgeti(ref, -1, i);
            lua_pushnumber(our, lua_tonumber(ref, -1));
            lua_rawseti(our, -2, i);
            lua_pop(ref, 1);
        }

        lua_pop(ref, 1);
        lua_getglobal(our, "table");
        lua_getfield(our, -1, "sort");
        lua_pushvalue(our, -3);

        t0 = faas_test_cpu_us();
        FAAS_CHECK(lua_pcall(our, 1, 0, 0) == 0);
        t0 = faas_test_cpu_us() - t0;

        printf("  table.sort of McIlroy's killer input, n = %d: %.2f ms\n",
               n, t0 / 1000.0);
        FAAS_CHECK(t0 < 200000);

        for (i = 1, sorted = 1; i < n; i++) {
            lua_rawgeti(our, -2, i);
            lua_rawgeti(our, -3, i + 1);
            sorted &= lua_tonumber(our, -2) <= lua_tonumber(our, -1);
            lua_pop(our, 2);
        }

        FAAS_CHECK(sorted);
        lua_settop(our, 1);

    } else {
        FAAS_CHECK(0);
    }

    bomb("table.sort({ 1, 'a', 2 })", 20000, 0, "attempt to compare", 0);
    bomb("table.insert({}, -1e9, 1)", 20000, 0, "timeout of 20 ms exceeded",
         2000);
    prepare = "T = {} for i = 1, 1000000 do T[i] = '' end";
    bomb("while true do table.concat(T) end", 20000, 0,
         "timeout of 20 ms exceeded", 2000);
    prepare = "T = {} for i = 1, 300000 do T['k' .. i] = i end";
    bomb("while true do table.maxn(T) end", 20000, 0,
         "timeout of 20 ms exceeded", 2000);
    prepare = "T = {} for i = 1, 2000000 do T[i] = -i end";
    bomb("table.sort(T)",
         20000, 0, "timeout of 20 ms exceeded", 2000);
    prepare = "T = {} for i = 1, 20000 do T[i] = (i * 7919) % 20011 end";
    bomb("table.sort(T, function(a, b) return a > b end)",
         1000000, 0, NULL, 0);
    bomb("for i = 2, #T do assert(T[i - 1] >= T[i]) end", 20000, 0, NULL, 0);
}


int
main(int argc, char **argv)
{
    setup();

    test_tricky();
    test_generated(argc > 1 ? atoi(argv[1]) : 20000);
    test_sort();
    test_insert();
    SAME("concat", "", "", NULL, NULL);
    SAME("maxn", "", "", NULL, NULL);

    printf("# %d cases the same as LuaJIT: %d matched, %d did not, "
           "%d errors\n", nkind[0] + nkind[1] + nkind[2], nkind[0],
           nkind[1], nkind[2]);
    test_bombs();

    lua_close(ref);
    lua_close(our);
    faas_alloc_release(&our_st);

    return FAAS_TEST_DONE();
}
