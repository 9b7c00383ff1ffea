/*
 * string.find, string.match, string.gmatch and string.gsub for handlers:
 * Lua 5.1 patterns (reference manual, section 5.4.1) with a matcher of
 * our own.  LuaJIT's matcher backtracks in C without ever returning to
 * the VM, so the count hook cannot stop it, and a pattern such as
 * ".-.-.-.-b" runs for 20 seconds on 200 bytes (its cost grows as the
 * fifth power of the length).  This one counts its steps
 * and every FAAS_HOOK_INTERVAL steps calls faas_limits_check(), which
 * charges them to the invocation's deadline and instruction budget like
 * as many VM instructions: a bomb ends as a timeout.
 *
 * Errors are raised when the matcher reaches the faulty part of the
 * pattern, as LuaJIT does, and with LuaJIT's messages.  A plain search
 * (find with plain = true, or a pattern without special characters) is
 * linear: glibc's memmem over windows, or Knuth-Morris-Pratt for long
 * needles, with a check every window.  LuaJIT's is quadratic.
 */

#define _GNU_SOURCE
#include <string.h>

#include "faas_state.h"


#define FAAS_PAT_MAXCAPTURES  32
#define FAAS_PAT_MAXDEPTH     200

#define FAAS_CAP_OPEN         (-1)
#define FAAS_CAP_POSITION     (-2)

/* plain search: bytes per window, the longest needle for memmem */
#define FAAS_PLAIN_WINDOW     (16 * 1024)
#define FAAS_PLAIN_MAXNEEDLE  (4 * 1024)


typedef struct {
    const char            *start;
    ptrdiff_t              len;         /* or FAAS_CAP_* */
} faas_capture_t;


typedef struct {
    lua_State             *L;
    const char            *src;
    const char            *src_end;
    const char            *pat_end;
    int                    depth;
    int                    left;        /* steps until the next check */
    int                    ncap;
    faas_capture_t         cap[FAAS_PAT_MAXCAPTURES];
} faas_match_t;


static int faas_str_find(lua_State *L);
static int faas_str_match(lua_State *L);
static int faas_str_find_aux(lua_State *L, int find);
static size_t faas_str_init(lua_Integer init, size_t len);
static int faas_str_gmatch(lua_State *L);
static int faas_str_gmatch_next(lua_State *L);
static int faas_str_gsub(lua_State *L);
static void faas_str_gsub_value(faas_match_t *m, luaL_Buffer *b,
    const char *s, const char *e, int tr);
static void faas_str_gsub_string(faas_match_t *m, luaL_Buffer *b,
    const char *s, const char *e);
static const char *faas_str_plain(faas_match_t *m, const char *s,
    size_t ls, const char *p, size_t lp);
static const char *faas_str_kmp(faas_match_t *m, const char *s, size_t ls,
    const char *p, size_t lp);

static void faas_pat_init(faas_match_t *m, lua_State *L, const char *s,
    size_t ls, const char *pat_end);
static const char *faas_pat_match(faas_match_t *m, const char *s,
    const char *p);
static const char *faas_pat_greedy(faas_match_t *m, const char *s,
    const char *p, const char *ep);
static const char *faas_pat_lazy(faas_match_t *m, const char *s,
    const char *p, const char *ep);
static const char *faas_pat_capture(faas_match_t *m, const char *s,
    const char *p, ptrdiff_t what);
static const char *faas_pat_close(faas_match_t *m, const char *s,
    const char *p);
static const char *faas_pat_balance(faas_match_t *m, const char *s,
    const char *p);
static const char *faas_pat_backref(faas_match_t *m, const char *s,
    int digit);
static const char *faas_pat_item_end(faas_match_t *m, const char *p);
static int faas_pat_single(faas_match_t *m, const char *s, const char *p,
    const char *ep);
static int faas_pat_set(int c, const char *p, const char *ec);
static int faas_pat_class(int c, int cl);
static int faas_pat_push_captures(faas_match_t *m, const char *s,
    const char *e);
static void faas_pat_push_capture(faas_match_t *m, int i, const char *s,
    const char *e);


/* LuaJIT's find also takes these as the sign of a pattern */
static const unsigned char  faas_pat_specials[256] = {
    ['^'] = 1, ['$'] = 1, ['*'] = 1, ['+'] = 1, ['?'] = 1, ['.'] = 1,
    ['('] = 1, ['['] = 1, ['%'] = 1, ['-'] = 1
};


/*
 * The matcher's items: the characters that do not stand for themselves
 * ('$' does but at the end of the pattern), and the quantifiers
 */
static const unsigned char  faas_pat_nonliteral[256] = {
    ['('] = 1, [')'] = 1, ['%'] = 1, ['['] = 1, ['.'] = 1
};

static const unsigned char  faas_pat_quantifiers[256] = {
    ['?'] = 1, ['*'] = 1, ['+'] = 1, ['-'] = 1
};


/* installs the functions into the table on top of the stack */

void
faas_lib_string_open(lua_State *L)
{
    static const luaL_Reg  funcs[] = {
        { "find", faas_str_find },
        { "match", faas_str_match },
        { "gmatch", faas_str_gmatch },
        { "gsub", faas_str_gsub },
        { NULL, NULL }
    };
    const luaL_Reg        *f;

    for (f = funcs; f->name; f++) {
        lua_pushcfunction(L, f->func);
        lua_setfield(L, -2, f->name);
    }
}


static int
faas_str_find(lua_State *L)
{
    return faas_str_find_aux(L, 1);
}


static int
faas_str_match(lua_State *L)
{
    return faas_str_find_aux(L, 0);
}


/* a relative start position (1-based, negative from the end) made 0-based */

static size_t
faas_str_init(lua_Integer init, size_t len)
{
    if (init < 0) {
        init += (lua_Integer) len + 1;
    }

    if (init <= 1) {
        return 0;
    }

    return (size_t) init - 1 > len ? len : (size_t) init - 1;
}


static int
faas_str_find_aux(lua_State *L, int find)
{
    int            anchor;
    size_t         ls, lp, init, i;
    const char    *s, *p, *s1, *e;
    faas_match_t   m;

    s = luaL_checklstring(L, 1, &ls);
    p = luaL_checklstring(L, 2, &lp);
    init = faas_str_init(luaL_optinteger(L, 3, 1), ls);

    if (find) {

        /* plain, or a pattern without special characters */

        for (i = 0; i < lp; i++) {
            if (faas_pat_specials[(unsigned char) p[i]]) {
                break;
            }
        }

        if (lua_toboolean(L, 4) || i == lp) {
            faas_pat_init(&m, L, s, ls, p + lp);

            e = faas_str_plain(&m, s + init, ls - init, p, lp);
            if (e == NULL) {
                lua_pushnil(L);
                return 1;
            }

            lua_pushinteger(L, e - s + 1);
            lua_pushinteger(L, e - s + lp);
            return 2;
        }
    }

    anchor = (lp > 0 && *p == '^');
    if (anchor) {
        p++;
    }

    faas_pat_init(&m, L, s, ls, p + lp - anchor);
    s1 = s + init;

    do {
        m.ncap = 0;
        m.depth = 0;

        e = faas_pat_match(&m, s1, p);

        if (e != NULL) {
            if (!find) {
                return faas_pat_push_captures(&m, s1, e);
            }

            lua_pushinteger(L, s1 - s + 1);
            lua_pushinteger(L, e - s);

            return faas_pat_push_captures(&m, NULL, NULL) + 2;
        }

    } while (s1++ < m.src_end && !anchor);

    lua_pushnil(L);

    return 1;
}


/*
 * The first occurrence of p in s: memmem over windows, so one call of
 * it is short, with a check between windows.  memmem is linear, and a
 * window reads at most FAAS_PLAIN_WINDOW + lp bytes.
 */

static const char *
faas_str_plain(faas_match_t *m, const char *s, size_t ls, const char *p,
    size_t lp)
{
    size_t       off, n;
    const char  *e;

    if (lp == 0) {
        return s;
    }

    if (lp > ls) {
        return NULL;
    }

    if (lp > FAAS_PLAIN_MAXNEEDLE) {
        return faas_str_kmp(m, s, ls, p, lp);
    }

    for (off = 0; off <= ls - lp; off += FAAS_PLAIN_WINDOW) {
        n = ls - off;

        if (n > FAAS_PLAIN_WINDOW + lp - 1) {
            n = FAAS_PLAIN_WINDOW + lp - 1;
        }

        e = memmem(s + off, n, p, lp);
        if (e != NULL) {
            return e;
        }

        /* a window costs about as much as one interval of instructions */

        faas_limits_check(m->L);
    }

    return NULL;
}


/*
 * A long needle: one memmem window would be as long as the needle, so
 * Knuth-Morris-Pratt instead, linear and checked as often.  The table
 * of the needle's borders is a userdata, inside the memory cap.
 */

static const char *
faas_str_kmp(faas_match_t *m, const char *s, size_t ls, const char *p,
    size_t lp)
{
    size_t     i, k;
    uint32_t  *border;

    border = lua_newuserdata(m->L, lp * sizeof(uint32_t));

    /* border[i]: the longest proper prefix of p[0..i] that ends there */

    border[0] = 0;

    for (i = 1, k = 0; i < lp; i++) {
        if ((i & (FAAS_PLAIN_WINDOW - 1)) == 0) {
            faas_limits_check(m->L);
        }

        while (k > 0 && p[i] != p[k]) {
            k = border[k - 1];
        }

        if (p[i] == p[k]) {
            k++;
        }

        border[i] = (uint32_t) k;
    }

    for (i = 0, k = 0; i < ls; i++) {
        if ((i & (FAAS_PLAIN_WINDOW - 1)) == 0) {
            faas_limits_check(m->L);
        }

        while (k > 0 && s[i] != p[k]) {
            k = border[k - 1];
        }

        if (s[i] == p[k] && ++k == lp) {
            lua_pop(m->L, 1);
            return s + i + 1 - lp;
        }
    }

    lua_pop(m->L, 1);

    return NULL;
}


static int
faas_str_gmatch(lua_State *L)
{
    luaL_checkstring(L, 1);
    luaL_checkstring(L, 2);
    lua_settop(L, 2);
    lua_pushinteger(L, 0);
    lua_pushcclosure(L, faas_str_gmatch_next, 3);

    return 1;
}


/*
 * As in Lua 5.1, gmatch has no anchor: a leading '^' is an ordinary
 * character.  After an empty match the next search starts one further.
 */

static int
faas_str_gmatch_next(lua_State *L)
{
    size_t         ls, lp, pos;
    const char    *s, *p, *src, *e;
    faas_match_t   m;

    s = lua_tolstring(L, lua_upvalueindex(1), &ls);
    p = lua_tolstring(L, lua_upvalueindex(2), &lp);
    pos = (size_t) lua_tointeger(L, lua_upvalueindex(3));

    faas_pat_init(&m, L, s, ls, p + lp);

    for (src = s + pos; src <= m.src_end; src++) {
        m.ncap = 0;
        m.depth = 0;

        e = faas_pat_match(&m, src, p);

        if (e != NULL) {
            pos = e - s;

            if (e == src) {
                pos++;
            }

            lua_pushinteger(L, (lua_Integer) pos);
            lua_replace(L, lua_upvalueindex(3));

            return faas_pat_push_captures(&m, src, e);
        }
    }

    return 0;
}


static int
faas_str_gsub(lua_State *L)
{
    int            anchor, tr;
    size_t         ls, lp;
    lua_Integer    n, max;
    const char    *s, *p, *src, *e;
    luaL_Buffer    b;
    faas_match_t   m;

    s = luaL_checklstring(L, 1, &ls);
    p = luaL_checklstring(L, 2, &lp);
    tr = lua_type(L, 3);
    max = luaL_optinteger(L, 4, (lua_Integer) ls + 1);

    luaL_argcheck(L, tr == LUA_TNUMBER || tr == LUA_TSTRING
                     || tr == LUA_TFUNCTION || tr == LUA_TTABLE, 3,
                  "string/function/table expected");

    /* a function or __index may call gsub again: C recursion */

    if (tr == LUA_TFUNCTION || tr == LUA_TTABLE) {
        faas_limits_cstack(L);
    }

    anchor = (lp > 0 && *p == '^');
    if (anchor) {
        p++;
    }

    faas_pat_init(&m, L, s, ls, p + lp - anchor);
    luaL_buffinit(L, &b);

    src = s;
    n = 0;

    while (n < max) {
        m.ncap = 0;
        m.depth = 0;

        e = faas_pat_match(&m, src, p);

        if (e != NULL) {
            n++;
            faas_str_gsub_value(&m, &b, src, e, tr);
        }

        if (e != NULL && e > src) {
            src = e;

        } else if (src < m.src_end) {
            luaL_addchar(&b, *src++);

        } else {
            break;
        }

        if (anchor) {
            break;
        }
    }

    luaL_addlstring(&b, src, m.src_end - src);
    luaL_pushresult(&b);
    lua_pushinteger(L, n);

    return 2;
}


/*
 * The replacement of one match.  A function or table result of false or
 * nil keeps the match; a table is indexed with lua_gettable, so its
 * __index runs, as in Lua: it is the function's own Lua code.
 */

static void
faas_str_gsub_value(faas_match_t *m, luaL_Buffer *b, const char *s,
    const char *e, int tr)
{
    int         n;
    lua_State  *L;

    L = m->L;

    switch (tr) {

    case LUA_TFUNCTION:
        lua_pushvalue(L, 3);
        n = faas_pat_push_captures(m, s, e);
        lua_call(L, n, 1);
        break;

    case LUA_TTABLE:
        faas_pat_push_capture(m, 0, s, e);
        lua_gettable(L, 3);
        break;

    default:
        faas_str_gsub_string(m, b, s, e);
        return;
    }

    if (!lua_toboolean(L, -1)) {
        lua_pop(L, 1);
        lua_pushlstring(L, s, e - s);

    } else if (!lua_isstring(L, -1)) {
        luaL_error(L, "invalid replacement value (a %s)",
                   luaL_typename(L, -1));
        return;
    }

    luaL_addvalue(b);
}


/*
 * A replacement string: %0 is the match, %1-%9 the captures (%1 is the
 * match when there are none), '%' before anything else stands for that
 * character.  A '%' at the very end adds a NUL byte, as LuaJIT's does.
 */

static void
faas_str_gsub_string(faas_match_t *m, luaL_Buffer *b, const char *s,
    const char *e)
{
    char         c;
    size_t       i, l;
    const char  *r;

    r = lua_tolstring(m->L, 3, &l);

    for (i = 0; i < l; i++) {
        if (r[i] != '%') {
            luaL_addchar(b, r[i]);
            continue;
        }

        c = (++i < l) ? r[i] : '\0';

        if (c < '0' || c > '9') {
            luaL_addchar(b, c);

        } else if (c == '0') {
            luaL_addlstring(b, s, e - s);

        } else {
            faas_pat_push_capture(m, c - '1', s, e);
            luaL_addvalue(b);
        }
    }
}


static void
faas_pat_init(faas_match_t *m, lua_State *L, const char *s, size_t ls,
    const char *pat_end)
{
    m->L = L;
    m->src = s;
    m->src_end = s + ls;
    m->pat_end = pat_end;
    m->depth = 0;
    m->left = FAAS_HOOK_INTERVAL;
    m->ncap = 0;
}


/* one step of the matcher; every FAAS_HOOK_INTERVAL a limits check */

#define faas_pat_step(m, n)                                                  \
    do {                                                                     \
        (m)->left -= (n);                                                    \
        if ((m)->left <= 0) {                                                \
            (m)->left = FAAS_HOOK_INTERVAL;                                  \
            faas_limits_check((m)->L);                                       \
        }                                                                    \
    } while (0)


/*
 * Matches pattern p (up to m->pat_end) at s: the end of the match, or
 * NULL.  Items run in a loop; the matcher recurses only to try the rest
 * of the pattern after a quantifier or a capture, so the depth is at
 * most the number of such items, and is capped.
 */

static const char *
faas_pat_match(faas_match_t *m, const char *s, const char *p)
{
    int          c;
    const char  *ep, *r;

    if (++m->depth > FAAS_PAT_MAXDEPTH) {
        luaL_error(m->L, "pattern too complex");
    }

    for ( ;; ) {
        faas_pat_step(m, 1);

        if (p == m->pat_end) {
            r = s;
            break;
        }

        /* the most common item: a character that stands for itself */

        c = (unsigned char) *p;

        if (!faas_pat_nonliteral[c]
            && (p + 1 == m->pat_end
                ? c != '$' : !faas_pat_quantifiers[(unsigned char) p[1]]))
        {
            if (s == m->src_end || (unsigned char) *s != c) {
                r = NULL;
                break;
            }

            s++;
            p++;
            continue;
        }

        if (*p == '(') {
            if (p + 1 < m->pat_end && p[1] == ')') {
                r = faas_pat_capture(m, s, p + 2, FAAS_CAP_POSITION);

            } else {
                r = faas_pat_capture(m, s, p + 1, FAAS_CAP_OPEN);
            }

            break;
        }

        if (*p == ')') {
            r = faas_pat_close(m, s, p + 1);
            break;
        }

        if (*p == '$' && p + 1 == m->pat_end) {
            r = (s == m->src_end) ? s : NULL;
            break;
        }

        if (*p == '%' && p + 1 < m->pat_end) {

            if (p[1] == 'b') {
                s = faas_pat_balance(m, s, p + 2);
                if (s == NULL) {
                    r = NULL;
                    break;
                }

                p += 4;
                continue;
            }

            if (p[1] == 'f') {
                p += 2;

                if (p == m->pat_end || *p != '[') {
                    luaL_error(m->L, "missing '[' after '%%f' in pattern");
                }

                ep = faas_pat_item_end(m, p);

                if (faas_pat_set(s == m->src ? '\0' : (unsigned char) s[-1],
                                 p, ep - 1)
                    || !faas_pat_set(s == m->src_end ? '\0'
                                                     : (unsigned char) *s,
                                     p, ep - 1))
                {
                    r = NULL;
                    break;
                }

                p = ep;
                continue;
            }

            if (p[1] >= '0' && p[1] <= '9') {
                s = faas_pat_backref(m, s, p[1]);
                if (s == NULL) {
                    r = NULL;
                    break;
                }

                p += 2;
                continue;
            }
        }

        /* a single character class, perhaps with a quantifier */

        ep = faas_pat_item_end(m, p);

        if (ep < m->pat_end && *ep == '?') {
            if (faas_pat_single(m, s, p, ep)) {
                r = faas_pat_match(m, s + 1, ep + 1);
                if (r != NULL) {
                    break;
                }
            }

            p = ep + 1;
            continue;
        }

        if (ep < m->pat_end && *ep == '*') {
            r = faas_pat_greedy(m, s, p, ep);
            break;
        }

        if (ep < m->pat_end && *ep == '+') {
            r = faas_pat_single(m, s, p, ep)
                ? faas_pat_greedy(m, s + 1, p, ep) : NULL;
            break;
        }

        if (ep < m->pat_end && *ep == '-') {
            r = faas_pat_lazy(m, s, p, ep);
            break;
        }

        if (!faas_pat_single(m, s, p, ep)) {
            r = NULL;
            break;
        }

        s++;
        p = ep;
    }

    m->depth--;

    return r;
}


/* as many repetitions as match, then fewer until the rest matches */

static const char *
faas_pat_greedy(faas_match_t *m, const char *s, const char *p,
    const char *ep)
{
    ptrdiff_t    i;
    const char  *r;

    for (i = 0; faas_pat_single(m, s + i, p, ep); i++) {
        faas_pat_step(m, 1);
    }

    for ( /* void */ ; i >= 0; i--) {
        r = faas_pat_match(m, s + i, ep + 1);
        if (r != NULL) {
            return r;
        }
    }

    return NULL;
}


/* as few repetitions as let the rest match */

static const char *
faas_pat_lazy(faas_match_t *m, const char *s, const char *p,
    const char *ep)
{
    const char  *r;

    for ( ;; ) {
        r = faas_pat_match(m, s, ep + 1);
        if (r != NULL) {
            return r;
        }

        if (!faas_pat_single(m, s, p, ep)) {
            return NULL;
        }

        s++;
    }
}


static const char *
faas_pat_capture(faas_match_t *m, const char *s, const char *p,
    ptrdiff_t what)
{
    const char  *r;

    if (m->ncap >= FAAS_PAT_MAXCAPTURES) {
        luaL_error(m->L, "too many captures");
    }

    m->cap[m->ncap].start = s;
    m->cap[m->ncap].len = what;
    m->ncap++;

    r = faas_pat_match(m, s, p);
    if (r == NULL) {
        m->ncap--;
    }

    return r;
}


/* ')' closes the innermost capture still open */

static const char *
faas_pat_close(faas_match_t *m, const char *s, const char *p)
{
    int          i;
    const char  *r;

    for (i = m->ncap - 1; i >= 0; i--) {
        if (m->cap[i].len == FAAS_CAP_OPEN) {
            break;
        }
    }

    if (i < 0) {
        luaL_error(m->L, "invalid pattern capture");
    }

    m->cap[i].len = s - m->cap[i].start;

    r = faas_pat_match(m, s, p);
    if (r == NULL) {
        m->cap[i].len = FAAS_CAP_OPEN;
    }

    return r;
}


/* %bxy at s: p points at x; the end of the balanced run or NULL */

static const char *
faas_pat_balance(faas_match_t *m, const char *s, const char *p)
{
    int  depth;

    if (m->pat_end - p < 2) {
        luaL_error(m->L, "unbalanced pattern");
    }

    if (s == m->src_end || *s != *p) {
        return NULL;
    }

    for (depth = 1, s++; s < m->src_end; s++) {
        faas_pat_step(m, 1);

        if (*s == p[1]) {
            if (--depth == 0) {
                return s + 1;
            }

        } else if (*s == *p) {
            depth++;
        }
    }

    return NULL;
}


/* %1-%9: the text of a closed capture again; a position never matches */

static const char *
faas_pat_backref(faas_match_t *m, const char *s, int digit)
{
    int        i;
    ptrdiff_t  len;

    i = digit - '1';

    if (i < 0 || i >= m->ncap || m->cap[i].len == FAAS_CAP_OPEN) {
        luaL_error(m->L, "invalid capture index");
    }

    len = m->cap[i].len;

    faas_pat_step(m, 1 + (int) (len > 0 ? len / 64 : 0));

    if (len < 0 || m->src_end - s < len
        || memcmp(m->cap[i].start, s, len) != 0)
    {
        return NULL;
    }

    return s + len;
}


/*
 * The end of the single-character class at p: one character, %x, or a
 * set [...] whose first character (after a '^') may be ']'.
 */

static const char *
faas_pat_item_end(faas_match_t *m, const char *p)
{
    if (*p == '%') {
        if (p + 1 == m->pat_end) {
            luaL_error(m->L, "malformed pattern (ends with '%%')");
        }

        return p + 2;
    }

    if (*p != '[') {
        return p + 1;
    }

    p++;

    if (p < m->pat_end && *p == '^') {
        p++;
    }

    for ( ;; ) {
        if (p == m->pat_end) {
            break;
        }

        if (*p++ == '%' && p < m->pat_end) {
            p++;
        }

        if (p == m->pat_end) {
            break;
        }

        if (*p == ']') {
            return p + 1;
        }
    }

    luaL_error(m->L, "malformed pattern (missing ']')");

    return NULL;
}


static int
faas_pat_single(faas_match_t *m, const char *s, const char *p,
    const char *ep)
{
    int  c;

    if (s >= m->src_end) {
        return 0;
    }

    c = (unsigned char) *s;

    switch (*p) {

    case '.':
        return 1;

    case '%':
        return faas_pat_class(c, (unsigned char) p[1]);

    case '[':
        return faas_pat_set(c, p, ep - 1);

    default:
        return (unsigned char) *p == c;
    }
}


/* c in the set from '[' at p to its ']' at ec */

static int
faas_pat_set(int c, const char *p, const char *ec)
{
    int  in;

    in = 1;
    p++;

    if (*p == '^') {
        in = 0;
        p++;
    }

    while (p < ec) {
        if (*p == '%' && p + 1 < ec) {
            if (faas_pat_class(c, (unsigned char) p[1])) {
                return in;
            }

            p += 2;

        } else if (p + 2 < ec && p[1] == '-') {
            if ((unsigned char) p[0] <= c && c <= (unsigned char) p[2]) {
                return in;
            }

            p += 3;

        } else {
            if ((unsigned char) *p == c) {
                return in;
            }

            p++;
        }
    }

    return !in;
}


/*
 * %a %c %d %g %l %p %s %u %w %x %z and their complements in upper case,
 * over ASCII as in the C locale, whatever the process's locale; any
 * other character after '%' stands for itself.
 */

static int
faas_pat_class(int c, int cl)
{
    int  r, lc;

    lc = (c >= 'A' && c <= 'Z') ? c + 32 : c;

    switch (cl | 0x20) {

    case 'a':
        r = (lc >= 'a' && lc <= 'z');
        break;

    case 'c':
        r = (c < 0x20 || c == 0x7f);
        break;

    case 'd':
        r = (c >= '0' && c <= '9');
        break;

    case 'g':
        r = (c > 0x20 && c < 0x7f);
        break;

    case 'l':
        r = (c >= 'a' && c <= 'z');
        break;

    case 'p':
        r = (c > 0x20 && c < 0x7f && !(lc >= 'a' && lc <= 'z')
             && !(c >= '0' && c <= '9'));
        break;

    case 's':
        r = (c == ' ' || (c >= '\t' && c <= '\r'));
        break;

    case 'u':
        r = (c >= 'A' && c <= 'Z');
        break;

    case 'w':
        r = ((lc >= 'a' && lc <= 'z') || (c >= '0' && c <= '9'));
        break;

    case 'x':
        r = ((c >= '0' && c <= '9') || (lc >= 'a' && lc <= 'f'));
        break;

    case 'z':
        r = (c == 0);
        break;

    default:
        return cl == c;
    }

    return (cl >= 'A' && cl <= 'Z') ? !r : r;
}


/*
 * Pushes the captures of a match; with none, the match itself when s is
 * given (match, gmatch, gsub), nothing for find.
 */

static int
faas_pat_push_captures(faas_match_t *m, const char *s, const char *e)
{
    int  i, n;

    n = (m->ncap == 0 && s != NULL) ? 1 : m->ncap;

    luaL_checkstack(m->L, n, "too many captures");

    for (i = 0; i < n; i++) {
        faas_pat_push_capture(m, i, s, e);
    }

    return n;
}


static void
faas_pat_push_capture(faas_match_t *m, int i, const char *s, const char *e)
{
    if (i >= m->ncap) {
        if (i != 0) {
            luaL_error(m->L, "invalid capture index");
        }

        lua_pushlstring(m->L, s, e - s);
        return;
    }

    if (m->cap[i].len == FAAS_CAP_OPEN) {
        luaL_error(m->L, "unfinished capture");
    }

    if (m->cap[i].len == FAAS_CAP_POSITION) {
        lua_pushinteger(m->L, m->cap[i].start - m->src + 1);
        return;
    }

    lua_pushlstring(m->L, m->cap[i].start, m->cap[i].len);
}
