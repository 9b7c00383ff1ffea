/*
 * faas.json: encode and decode with depth and size limits (SPEC 5).
 *
 * decode(s) -> value | nil, err
 *     Parsed by libcjson.  Objects become tables with string keys, arrays
 *     tables 1..n that carry faas.json.array_mt (so they encode back as
 *     arrays, even empty), null the faas.json.null sentinel (a NULL light
 *     userdata: a nil would drop object keys and punch holes in arrays),
 *     numbers Lua numbers.  Untrusted text gives nil, err, never a throw.
 *
 * encode(v) -> string, raises a Lua error for what JSON cannot hold
 *     A table whose keys are all positive integers is an array (holes are
 *     written as null unless the array is excessively sparse: max key over
 *     10 and over twice the number of keys); a table with array_mt is an
 *     array even when empty; any other table is an object, an empty table
 *     is {}.  Object keys are strings; number keys are written as their
 *     decimal text, other key types are an error.  NaN and infinities,
 *     functions, threads, userdata are errors naming the type; cycles end
 *     at the depth limit.  Tables are read raw: no metamethod runs.
 *
 * cJSON allocates with malloc(), outside the sandbox's counting
 * allocator; a Lua memory error while the tables are built leaves the
 * parse tree to faas_json_release().  cJSON_InitHooks() is process-wide
 * and is left alone.  The encoder does not use cJSON:
 * cJSON_CreateString() stops at the first NUL byte and Lua strings
 * (digests, random bytes) may hold NULs, so it writes into a buffer on
 * the C stack, or a Lua userdata for a longer text, which also keeps the
 * output in the sandbox's memory count.
 */

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <lua.h>
#include <lauxlib.h>

#include "faas_state.h"
#include "faas_lib.h"


/* Deeper documents are refused: each level is C recursion here. */
#define FAAS_JSON_MAX_DEPTH    64

/* The largest text decode() accepts and encode() produces. */
#define FAAS_JSON_MAX_INPUT    (16 * 1024 * 1024)
#define FAAS_JSON_MAX_OUTPUT   (16 * 1024 * 1024)
/* a text up to this long is encoded on the C stack, not in a userdata */
#define FAAS_JSON_STACK_OUTPUT 512

/*
 * The most values (arrays, objects, scalars) one decode() may hold: a
 * cJSON node is ~80 bytes of malloc() outside the sandbox's memory cap,
 * so "[1,1,1,...]" of 16 MiB would otherwise cost ~700 MB for a moment.
 */
#define FAAS_JSON_MAX_VALUES   (256 * 1024)

/* Arrays sparser than this are refused rather than padded with nulls. */
#define FAAS_JSON_SPARSE_SAFE  10
#define FAAS_JSON_SPARSE_RATIO 2


typedef struct {
    lua_State  *L;
    int         slot;          /* stack index of the buffer userdata */
    int         mt;            /* stack index of array_mt */
    char       *data;
    size_t      len;
    size_t      cap;
    char       *err;
    size_t      errlen;
} faas_json_enc_t;


static void faas_json_push_array_mt(lua_State *L);
static int faas_json_prescan(const char *s, size_t len, char *err,
    size_t errlen);
static int faas_json_push_item(lua_State *L, cJSON *item, int mt,
    char *err, size_t errlen);
static int faas_json_grow(faas_json_enc_t *e, size_t need);
static int faas_json_add(faas_json_enc_t *e, const char *p, size_t n);
static size_t faas_json_fmt_number(double d, char *buf, size_t size);
static int faas_json_enc_string(faas_json_enc_t *e, const char *s,
    size_t len);
static int faas_json_enc_value(faas_json_enc_t *e, int idx, int depth);
static int faas_json_enc_table(faas_json_enc_t *e, int idx, int depth);
static int faas_json_encode(lua_State *L);
static int faas_json_decode(lua_State *L);


/* Registry keys: the addresses are unique, the values unused. */
static char  faas_json_array_mt_key;

/*
 * The tree of the decode under way.  Making its tables may raise a Lua
 * memory error, which leaves the decode without freeing it: the next
 * decode, or the end of the invocation (faas_json_release), frees it.  A
 * guard userdata with a __gc would do it too, at the price of a finalized
 * object on every decode (2,700 of the 29,000 instructions of an HS256
 * jwt.verify).
 */
static cJSON  *faas_json_pending;


static void
faas_json_push_array_mt(lua_State *L)
{
    lua_pushlightuserdata(L, &faas_json_array_mt_key);
    lua_rawget(L, LUA_REGISTRYINDEX);

    if (lua_istable(L, -1)) {
        return;
    }

    lua_pop(L, 1);

    lua_newtable(L);
    lua_pushlightuserdata(L, &faas_json_array_mt_key);
    lua_pushvalue(L, -2);
    lua_rawset(L, LUA_REGISTRYINDEX);
}


/*
 * One pass over the text before cJSON sees it: refuses too deep nesting
 * (cJSON recurses up to 1000 levels), too many values, raw control
 * characters in strings and the \u0000 escape (cJSON returns strings as
 * C strings, so it would silently cut them there).
 */

static int
faas_json_prescan(const char *s, size_t len, char *err, size_t errlen)
{
    int             in_str;
    size_t          i, depth, values;
    unsigned char   c;

    in_str = 0;
    depth = 0;
    values = 1;

    for (i = 0; i < len; i++) {
        c = (unsigned char) s[i];

        if (in_str) {
            if (c == '\\') {
                if (i + 5 < len && s[i + 1] == 'u'
                    && memcmp(&s[i + 2], "0000", 4) == 0)
                {
                    snprintf(err, errlen, "invalid JSON at offset %zu: "
                             "\\u0000 in strings is not supported", i);
                    return -1;
                }

                i++;

            } else if (c == '"') {
                in_str = 0;

            } else if (c < 0x20) {
                snprintf(err, errlen, "invalid JSON at offset %zu: "
                         "control character in string", i);
                return -1;
            }

            continue;
        }

        switch (c) {

        case '"':
            in_str = 1;
            break;

        case '[':
        case '{':
            if (++depth > FAAS_JSON_MAX_DEPTH) {
                snprintf(err, errlen, "invalid JSON at offset %zu: "
                         "nested deeper than %d levels", i,
                         FAAS_JSON_MAX_DEPTH);
                return -1;
            }

            /* fall through */

        case ',':
            if (++values > FAAS_JSON_MAX_VALUES) {
                snprintf(err, errlen, "JSON text holds more than %d "
                         "values", FAAS_JSON_MAX_VALUES);
                return -1;
            }

            break;

        case ']':
        case '}':
            if (depth > 0) {
                depth--;
            }

            break;

        default:
            break;
        }
    }

    return 0;
}


int
faas_json_push_decoded(lua_State *L, const char *s, size_t len, char *err,
    size_t errlen)
{
    int          top;
    cJSON       *root;
    const char  *end;

    faas_json_release();

    if (len > FAAS_JSON_MAX_INPUT) {
        snprintf(err, errlen, "JSON text of %zu bytes is over the limit "
                 "of %d bytes", len, FAAS_JSON_MAX_INPUT);
        return -1;
    }

    if (faas_json_prescan(s, len, err, errlen) != 0) {
        return -1;
    }

    top = lua_gettop(L);

    faas_json_push_array_mt(L);

    end = NULL;
    root = cJSON_ParseWithLengthOpts(s, len, &end, 0);

    if (root == NULL) {
        snprintf(err, errlen, "invalid JSON at offset %zu",
                 (end != NULL && end >= s && end <= s + len)
                 ? (size_t) (end - s) : (size_t) 0);
        lua_settop(L, top);
        return -1;
    }

    faas_json_pending = root;

    while (end < s + len
           && (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r'))
    {
        end++;
    }

    if (end != s + len) {
        snprintf(err, errlen, "invalid JSON at offset %zu: "
                 "garbage after the value", (size_t) (end - s));
        goto failed;
    }

    if (faas_json_push_item(L, root, top + 1, err, errlen) != 0) {
        goto failed;
    }

    faas_json_release();

    lua_replace(L, top + 1);
    lua_settop(L, top + 1);

    return 0;

failed:

    faas_json_release();
    lua_settop(L, top);

    return -1;
}


void
faas_json_release(void)
{
    if (faas_json_pending) {
        cJSON_Delete(faas_json_pending);
        faas_json_pending = NULL;
    }
}


static int
faas_json_push_item(lua_State *L, cJSON *item, int mt, char *err,
    size_t errlen)
{
    int     n;
    cJSON  *child;

    if (!lua_checkstack(L, 3)) {
        snprintf(err, errlen, "JSON nested too deep for the Lua stack");
        return -1;
    }

    if (cJSON_IsString(item)) {
        lua_pushstring(L, item->valuestring);

    } else if (cJSON_IsNumber(item)) {

        /* 1e999 parses to an infinity, which encode() refuses: what
         * decodes must encode */

        if (isinf(item->valuedouble)) {
            snprintf(err, errlen, "invalid JSON: number out of range");
            return -1;
        }

        lua_pushnumber(L, item->valuedouble);

    } else if (cJSON_IsTrue(item)) {
        lua_pushboolean(L, 1);

    } else if (cJSON_IsFalse(item)) {
        lua_pushboolean(L, 0);

    } else if (cJSON_IsNull(item)) {
        lua_pushlightuserdata(L, NULL);

    } else if (cJSON_IsArray(item)) {
        n = 0;
        for (child = item->child; child != NULL; child = child->next) {
            n++;
        }

        lua_createtable(L, n, 0);

        n = 0;
        for (child = item->child; child != NULL; child = child->next) {
            if (faas_json_push_item(L, child, mt, err, errlen) != 0) {
                return -1;
            }

            lua_rawseti(L, -2, ++n);
        }

        lua_pushvalue(L, mt);
        lua_setmetatable(L, -2);

    } else if (cJSON_IsObject(item)) {
        n = 0;
        for (child = item->child; child != NULL; child = child->next) {
            n++;
        }

        lua_createtable(L, 0, n);

        for (child = item->child; child != NULL; child = child->next) {
            lua_pushstring(L, child->string != NULL ? child->string : "");

            if (faas_json_push_item(L, child, mt, err, errlen) != 0) {
                lua_pop(L, 1);
                return -1;
            }

            /* a duplicate key: the last one wins */
            lua_rawset(L, -3);
        }

    } else {
        snprintf(err, errlen, "invalid JSON: unexpected value");
        return -1;
    }

    return 0;
}


int
faas_json_push_encoded(lua_State *L, int idx, char *err, size_t errlen)
{
    int              top;
    char             buf[FAAS_JSON_STACK_OUTPUT];
    faas_json_enc_t  e;

    if (idx < 0 && idx > LUA_REGISTRYINDEX) {
        idx = lua_gettop(L) + idx + 1;
    }

    top = lua_gettop(L);

    e.L = L;
    e.err = err;
    e.errlen = errlen;
    e.len = 0;

    faas_json_push_array_mt(L);
    e.mt = top + 1;

    /*
     * A short text is made on the C stack: only a longer one moves into
     * a userdata (the slot, nil until then), which an error or a kill in
     * the middle leaves to the collector
     */

    e.data = buf;
    e.cap = sizeof(buf);
    lua_pushnil(L);
    e.slot = top + 2;

    if (faas_json_enc_value(&e, idx, 0) != 0) {
        lua_settop(L, top);
        return -1;
    }

    lua_pushlstring(L, e.data, e.len);
    lua_replace(L, top + 1);
    lua_settop(L, top + 1);

    return 0;
}


/* The buffer is a userdata at a fixed stack slot, replaced to grow. */

static int
faas_json_grow(faas_json_enc_t *e, size_t need)
{
    char    *p;
    size_t   cap;

    if (need > FAAS_JSON_MAX_OUTPUT) {
        snprintf(e->err, e->errlen, "JSON text would be over the limit "
                 "of %d bytes", FAAS_JSON_MAX_OUTPUT);
        return -1;
    }

    cap = e->cap * 2;

    if (cap < need) {
        cap = need;
    }

    if (cap > FAAS_JSON_MAX_OUTPUT) {
        cap = FAAS_JSON_MAX_OUTPUT;
    }

    p = lua_newuserdata(e->L, cap);
    memcpy(p, e->data, e->len);
    lua_replace(e->L, e->slot);

    e->data = p;
    e->cap = cap;

    return 0;
}


static int
faas_json_add(faas_json_enc_t *e, const char *p, size_t n)
{
    if (e->len + n > e->cap && faas_json_grow(e, e->len + n) != 0) {
        return -1;
    }

    memcpy(e->data + e->len, p, n);
    e->len += n;

    return 0;
}


static size_t
faas_json_fmt_number(double d, char *buf, size_t size)
{
    int       n;
    char      digits[20], *p;
    uint64_t  u;

    /*
     * An integer (below 1e15, so exact in a double) is written digit by
     * digit: snprintf() costs several times more.  -0 is written 0, as
     * JavaScript's JSON.stringify() writes it.
     */

    if (d == floor(d) && fabs(d) < 1e15) {
        u = (uint64_t) fabs(d);
        p = digits + sizeof(digits);

        do {
            *--p = (char) ('0' + u % 10);
            u /= 10;
        } while (u);

        n = 0;

        if (d < 0) {
            buf[n++] = '-';
        }

        memcpy(buf + n, p, digits + sizeof(digits) - p);

        return n + (digits + sizeof(digits) - p);
    }

    /* the shortest of the two forms that reads back the same */

    n = snprintf(buf, size, "%.14g", d);

    if (strtod(buf, NULL) != d) {
        n = snprintf(buf, size, "%.17g", d);
    }

    return (size_t) n;
}


static int
faas_json_enc_string(faas_json_enc_t *e, const char *s, size_t len)
{
    char            esc[8];
    size_t          i, run;
    unsigned char   c;

    static const char  hex[] = "0123456789abcdef";

    if (faas_json_add(e, "\"", 1) != 0) {
        return -1;
    }

    run = 0;

    for (i = 0; i < len; i++) {
        c = (unsigned char) s[i];

        if (c >= 0x20 && c != '"' && c != '\\') {
            continue;
        }

        if (faas_json_add(e, s + run, i - run) != 0) {
            return -1;
        }

        run = i + 1;

        esc[0] = '\\';

        switch (c) {
        case '"':  esc[1] = '"';  break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b';  break;
        case '\f': esc[1] = 'f';  break;
        case '\n': esc[1] = 'n';  break;
        case '\r': esc[1] = 'r';  break;
        case '\t': esc[1] = 't';  break;

        default:
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 0xf];

            if (faas_json_add(e, esc, 6) != 0) {
                return -1;
            }

            continue;
        }

        if (faas_json_add(e, esc, 2) != 0) {
            return -1;
        }
    }

    if (faas_json_add(e, s + run, len - run) != 0) {
        return -1;
    }

    return faas_json_add(e, "\"", 1);
}


static int
faas_json_enc_value(faas_json_enc_t *e, int idx, int depth)
{
    char         buf[64];
    size_t       n;
    double       d;
    const char  *s;

    switch (lua_type(e->L, idx)) {

    case LUA_TNIL:
        return faas_json_add(e, "null", 4);

    case LUA_TBOOLEAN:
        return lua_toboolean(e->L, idx) ? faas_json_add(e, "true", 4)
                                        : faas_json_add(e, "false", 5);

    case LUA_TNUMBER:
        d = lua_tonumber(e->L, idx);

        if (isnan(d) || isinf(d)) {
            snprintf(e->err, e->errlen, "cannot encode %s in JSON",
                     isnan(d) ? "NaN" : "an infinite number");
            return -1;
        }

        n = faas_json_fmt_number(d, buf, sizeof(buf));
        return faas_json_add(e, buf, n);

    case LUA_TSTRING:
        s = lua_tolstring(e->L, idx, &n);
        return faas_json_enc_string(e, s, n);

    case LUA_TTABLE:
        return faas_json_enc_table(e, idx, depth);

    case LUA_TLIGHTUSERDATA:
        if (lua_touserdata(e->L, idx) == NULL) {
            return faas_json_add(e, "null", 4);
        }

        /* fall through */

    default:
        snprintf(e->err, e->errlen, "cannot encode a %s value in JSON",
                 lua_typename(e->L, lua_type(e->L, idx)));
        return -1;
    }
}


static int
faas_json_enc_table(faas_json_enc_t *e, int idx, int depth)
{
    int          array, forced, first, t;
    char         buf[64];
    double       k, max;
    size_t       n, count, len;
    lua_State   *L;
    const char  *s;

    L = e->L;

    if (depth >= FAAS_JSON_MAX_DEPTH) {
        snprintf(e->err, e->errlen, "cannot encode tables nested deeper "
                 "than %d levels (a cycle?)", FAAS_JSON_MAX_DEPTH);
        return -1;
    }

    if (!lua_checkstack(L, 4)) {
        snprintf(e->err, e->errlen, "cannot encode: Lua stack overflow");
        return -1;
    }

    /* the event's lazy tables are encoded whole */
    faas_event_materialize(L, idx);

    forced = 0;

    if (lua_getmetatable(L, idx)) {
        forced = lua_rawequal(L, -1, e->mt);
        lua_pop(L, 1);
    }

    /* is it an array: positive integer keys only */

    array = 1;
    count = 0;
    max = 0;

    lua_pushnil(L);

    while (lua_next(L, idx)) {
        lua_pop(L, 1);

        if (lua_type(L, -1) == LUA_TNUMBER) {
            k = lua_tonumber(L, -1);

            if (k >= 1 && k == floor(k) && k <= (double) 0x7fffffff) {
                count++;
                max = k > max ? k : max;
                continue;
            }
        }

        array = 0;
        lua_pop(L, 1);
        break;
    }

    if (forced && !array) {
        snprintf(e->err, e->errlen, "cannot encode a table with "
                 "faas.json.array_mt and non-array keys");
        return -1;
    }

    if (array && (count > 0 || forced)) {
        if (max > FAAS_JSON_SPARSE_SAFE
            && max > (double) count * FAAS_JSON_SPARSE_RATIO)
        {
            snprintf(e->err, e->errlen, "cannot encode an excessively "
                     "sparse array (%zu values, max index %.0f)",
                     count, max);
            return -1;
        }

        if (faas_json_add(e, "[", 1) != 0) {
            return -1;
        }

        for (n = 1; n <= (size_t) max; n++) {
            if (n > 1 && faas_json_add(e, ",", 1) != 0) {
                return -1;
            }

            lua_rawgeti(L, idx, (int) n);

            if (faas_json_enc_value(e, lua_gettop(L), depth + 1) != 0) {
                return -1;
            }

            lua_pop(L, 1);
        }

        return faas_json_add(e, "]", 1);
    }

    if (faas_json_add(e, "{", 1) != 0) {
        return -1;
    }

    first = 1;

    lua_pushnil(L);

    while (lua_next(L, idx)) {
        if (!first && faas_json_add(e, ",", 1) != 0) {
            return -1;
        }

        first = 0;

        /* never lua_tolstring() a number key: it would break lua_next */

        t = lua_type(L, -2);

        if (t == LUA_TSTRING) {
            s = lua_tolstring(L, -2, &len);

            if (faas_json_enc_string(e, s, len) != 0) {
                return -1;
            }

        } else if (t == LUA_TNUMBER) {
            k = lua_tonumber(L, -2);

            if (isnan(k) || isinf(k)) {
                snprintf(e->err, e->errlen, "cannot encode an infinite "
                         "table key in JSON");
                return -1;
            }

            len = faas_json_fmt_number(k, buf, sizeof(buf));

            if (faas_json_enc_string(e, buf, len) != 0) {
                return -1;
            }

        } else {
            snprintf(e->err, e->errlen, "cannot encode a table key of "
                     "type %s in JSON", lua_typename(L, t));
            return -1;
        }

        if (faas_json_add(e, ":", 1) != 0
            || faas_json_enc_value(e, lua_gettop(L), depth + 1) != 0)
        {
            return -1;
        }

        lua_pop(L, 1);
    }

    return faas_json_add(e, "}", 1);
}


static int
faas_json_encode(lua_State *L)
{
    char  err[256];

    luaL_checkany(L, 1);

    if (faas_json_push_encoded(L, 1, err, sizeof(err)) != 0) {
        return luaL_error(L, "json.encode: %s", err);
    }

    return 1;
}


static int
faas_json_decode(lua_State *L)
{
    char         err[256];
    size_t       len;
    const char  *s;

    s = luaL_checklstring(L, 1, &len);

    if (faas_json_push_decoded(L, s, len, err, sizeof(err)) != 0) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        return 2;
    }

    return 1;
}


int
faas_lib_json_open(lua_State *L)
{
    lua_createtable(L, 0, 4);

    lua_pushcfunction(L, faas_json_encode);
    lua_setfield(L, -2, "encode");

    lua_pushcfunction(L, faas_json_decode);
    lua_setfield(L, -2, "decode");

    lua_pushlightuserdata(L, NULL);
    lua_setfield(L, -2, "null");

    faas_json_push_array_mt(L);
    lua_setfield(L, -2, "array_mt");

    lua_setfield(L, -2, "json");

    return 0;
}
