/*
 * faas.req.set_headers(t), faas.resp.set_headers(t) and faas.headers(t):
 * many headers set in one call of the host, which goes over nginx's list
 * once for all of them (docs/lua-api.md, "Direct access").
 *
 * t maps names to what set_header takes: a string, a list, or false to
 * remove.  A table is traversed and checked in every call.  faas.headers
 * checks one once and copies it into a header set, a userdata: made at
 * the top of a file, it is set by every invocation with no traversal and
 * no check but the event's (a traversal costs about 150 instructions a
 * name, docs/performance.md).
 */

#include <stdlib.h>
#include <string.h>

#include "faas_state.h"
#include "faas_lib.h"


/* names and values, and bytes of names, checked on the C stack */
#define FAAS_HEADERS_BATCH      16
#define FAAS_HEADERS_BYTES      1024


typedef struct {
    faas_str_t                *names;
    faas_header_t             *h;           /* grouped by name, in order */
    size_t                     nnames;
    size_t                     n;
    unsigned                   forbidden;   /* faas_name_known_t's, ORed */
} faas_headers_t;


typedef struct {
    faas_headers_t             hs;
    char                      *p;           /* the lowercase names' bytes */
    char                      *end;
    size_t                     max_names;
    size_t                     max_h;
    faas_str_t                *sorted;      /* many names: a sorted copy */
} faas_headers_batch_t;


static int faas_headers_set(lua_State *L, faas_msg_e msg, const char *what);
static void faas_headers_check(lua_State *L, int t, faas_headers_batch_t *b,
    faas_str_t *names, faas_header_t *h, char *buf, const char *what);
static int faas_headers_fill(lua_State *L, int t, faas_headers_batch_t *b,
    const char *what);
static const char *faas_headers_twice(faas_headers_t *hs,
    faas_str_t *sorted);
static int faas_headers_name_cmp(const void *a, const void *b);


void
faas_lib_headers_open(lua_State *L, faas_state_t *st)
{
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "faas.headers");
    lua_setfield(L, -2, "__metatable");
    st->refs[FAAS_REF_HEADERS_SET_MT] = luaL_ref(L, LUA_REGISTRYINDEX);
}


int
faas_http_req_set_headers(lua_State *L)
{
    return faas_headers_set(L, FAAS_MSG_REQUEST, "faas.req.set_headers");
}


int
faas_http_resp_set_headers(lua_State *L)
{
    return faas_headers_set(L, FAAS_MSG_RESPONSE, "faas.resp.set_headers");
}


static int
faas_headers_set(lua_State *L, faas_msg_e msg, const char *what)
{
    char                   buf[FAAS_HEADERS_BYTES];
    size_t                 i;
    faas_call_t           *call;
    faas_str_t             names[FAAS_HEADERS_BATCH];
    faas_header_t          h[FAAS_HEADERS_BATCH];
    faas_headers_t        *hs;
    faas_headers_batch_t   b;

    call = faas_http_call(L, msg, 1, what);

    if (lua_type(L, 1) == LUA_TUSERDATA) {
        if (!faas_http_is(L, faas_state_from(L), 1,
                          FAAS_REF_HEADERS_SET_MT))
        {
            return luaL_error(L, "%s: a table or a header set of "
                              "faas.headers expected", what);
        }

        hs = lua_touserdata(L, 1);

    } else {
        luaL_checktype(L, 1, LUA_TTABLE);
        lua_settop(L, 1);
        faas_headers_check(L, 1, &b, names, h, buf, what);
        hs = &b.hs;
    }

    if (hs->forbidden & faas_name_bit(call->event, msg)) {
        for (i = 0; i < hs->nnames; i++) {
            faas_http_writable(L, call, msg, &hs->names[i], what);
        }
    }

    if (hs->nnames
        && call->host->set_headers(call->req, msg, hs->names, hs->nnames,
                                   hs->h, hs->n)
           != FAAS_OK)
    {
        return luaL_error(L, "%s: the host could not set the headers", what);
    }

    return 0;
}


/* copies s with a NUL to p as d; returns the byte after */

static char *
faas_headers_copy(char *p, faas_str_t *d, faas_str_t *s)
{
    d->data = p;
    d->len = s->len;
    memcpy(p, s->data, s->len);
    p[s->len] = '\0';

    return p + s->len + 1;
}


/*
 * faas.headers(t): a header set, t checked and copied.  Whether its names
 * may be written is known for every event, and asked of the event it is
 * set in.
 */

int
faas_http_headers(lua_State *L)
{
    char                   buf[FAAS_HEADERS_BYTES], *p;
    size_t                 i, j, size;
    faas_str_t             names[FAAS_HEADERS_BATCH], key;
    faas_header_t          h[FAAS_HEADERS_BATCH];
    faas_headers_t        *hs;
    faas_headers_batch_t   b;

    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    faas_headers_check(L, 1, &b, names, h, buf, "faas.headers");

    /* a name no event may write (Connection, X-Accel-*) is an error now */

    for (i = 0; i < b.hs.nnames; i++) {
        if (faas_name_forbidden(&b.hs.names[i]) == FAAS_NAME_FORBIDDEN_ALL) {
            return luaL_error(L, "faas.headers: header \"%s\" %s",
                              b.hs.names[i].data,
                              faas_header_forbidden(FAAS_VIEWER_REQUEST,
                                                    FAAS_MSG_REQUEST,
                                                    &b.hs.names[i]));
        }
    }

    size = 0;

    for (i = 0; i < b.hs.nnames; i++) {
        size += 2 * (b.hs.names[i].len + 1);
    }

    for (i = 0; i < b.hs.n; i++) {
        size += b.hs.h[i].value.len + 1;
    }

    hs = lua_newuserdata(L, sizeof(faas_headers_t)
                            + b.hs.nnames * sizeof(faas_str_t)
                            + b.hs.n * sizeof(faas_header_t) + size);

    hs->names = (faas_str_t *) (hs + 1);
    hs->h = (faas_header_t *) (hs->names + b.hs.nnames);
    hs->nnames = b.hs.nnames;
    hs->n = b.hs.n;
    hs->forbidden = b.hs.forbidden;

    p = (char *) (hs->h + hs->n);

    /* the headers are grouped by name in the order of the names */

    for (i = 0, j = 0; i < hs->nnames; i++) {
        p = faas_headers_copy(p, &hs->names[i], &b.hs.names[i]);
        key.data = NULL;

        for ( /* void */ ;
             j < hs->n && b.hs.h[j].lname.data == b.hs.names[i].data;
             j++)
        {
            if (key.data == NULL) {
                p = faas_headers_copy(p, &key, &b.hs.h[j].key);
            }

            hs->h[j].lname = hs->names[i];
            hs->h[j].key = key;
            p = faas_headers_copy(p, &hs->h[j].value, &b.hs.h[j].value);
        }
    }

    lua_rawgeti(L, LUA_REGISTRYINDEX,
                faas_state_from(L)->refs[FAAS_REF_HEADERS_SET_MT]);
    lua_setmetatable(L, -2);

    return 1;
}


/*
 * Checks the headers of the table at t into b: on the C stack given
 * (names, h and buf of FAAS_HEADERS_BATCH, FAAS_HEADERS_BATCH and
 * FAAS_HEADERS_BYTES) for a usual table, in a userdata pushed after t for
 * a larger one.  Values that are numbers' strings are pushed too.
 */

static void
faas_headers_check(lua_State *L, int t, faas_headers_batch_t *b,
    faas_str_t *names, faas_header_t *h, char *buf, const char *what)
{
    size_t       nnames, n, bytes;
    const char  *twice;

    b->hs.names = names;
    b->hs.h = h;
    b->p = buf;
    b->end = buf + FAAS_HEADERS_BYTES;
    b->max_names = FAAS_HEADERS_BATCH;
    b->max_h = FAAS_HEADERS_BATCH;
    b->sorted = NULL;

    if (!faas_headers_fill(L, t, b, what)) {

        /* a large table: measured, then checked into a userdata */

        lua_settop(L, t);
        nnames = 0;
        n = 0;
        bytes = 0;

        lua_pushnil(L);
        while (lua_next(L, t)) {
            nnames++;
            n += faas_http_count(L, -1);

            /* lua_objlen() makes a number key a string in place, and
               lua_next() would lose its way: the fill refuses it */

            if (lua_type(L, -2) == LUA_TSTRING) {
                bytes += lua_objlen(L, -2) + 1;
            }

            lua_pop(L, 1);
        }

        b->hs.names = lua_newuserdata(L, 2 * nnames * sizeof(faas_str_t)
                                         + n * sizeof(faas_header_t)
                                         + bytes);
        b->sorted = b->hs.names + nnames;
        b->hs.h = (faas_header_t *) (b->sorted + nnames);
        b->p = (char *) (b->hs.h + n);
        b->end = b->p + bytes;
        b->max_names = nnames;
        b->max_h = n;

        (void) faas_headers_fill(L, t, b, what);
    }

    twice = faas_headers_twice(&b->hs, b->sorted);
    if (twice) {
        luaL_error(L, "%s: header \"%s\" is named twice (a name is one "
                   "header whatever its case)", what, twice);
    }
}


/* 1, or 0 if b has no room for the headers of the table at t */

static int
faas_headers_fill(lua_State *L, int t, faas_headers_batch_t *b,
    const char *what)
{
    int                 top;
    size_t              i, n;
    faas_str_t          key, lname;
    faas_state_t       *st;
    faas_header_t      *h;
    faas_name_known_t  *k;

    st = faas_state_from(L);

    b->hs.nnames = 0;
    b->hs.n = 0;
    b->hs.forbidden = 0;

    lua_pushnil(L);

    while (lua_next(L, t)) {
        luaL_checkstack(L, 4, what);
        top = lua_gettop(L);

        if (lua_type(L, top - 1) != LUA_TSTRING) {
            return luaL_error(L, "%s: header names must be strings, not %s",
                              what, luaL_typename(L, top - 1));
        }

        key.data = lua_tolstring(L, top - 1, &key.len);
        n = faas_http_count(L, top);

        if (b->hs.nnames == b->max_names || b->hs.n + n > b->max_h
            || key.len >= (size_t) (b->end - b->p))
        {
            return 0;
        }

        lname.data = b->p;
        lname.len = key.len;

        k = faas_name_known(L, st, top - 1, &key);

        if (k) {
            memcpy(b->p, k->lname, key.len + 1);
            b->hs.forbidden |= k->forbidden;

        } else if (faas_header_name_lower(key.data, key.len, b->p)) {
            b->hs.forbidden |= faas_name_forbidden(&lname);

        } else {
            return luaL_error(L, "%s: invalid header name \"%s\"", what,
                              key.data);
        }

        b->p += key.len + 1;
        b->hs.names[b->hs.nnames++] = lname;

        for (i = 0; i < n; i++) {
            h = &b->hs.h[b->hs.n++];
            h->lname = lname;
            h->key = key;

            /* a number's string below the key: alive, out of the way */

            if (faas_http_value(L, top, i, &h->value, what, lname.data)) {
                lua_insert(L, top - 1);
                top++;

            } else {
                lua_pop(L, 1);
            }
        }

        lua_pop(L, 1);
    }

    return 1;
}


/*
 * A name twice (in two cases) is an error: each name is one header.  A
 * few are compared pairwise, many sorted (a copy: the host takes the
 * headers grouped in the order of the names).
 */

static const char *
faas_headers_twice(faas_headers_t *hs, faas_str_t *sorted)
{
    size_t  i, j;

    if (sorted == NULL) {
        for (i = 1; i < hs->nnames; i++) {
            for (j = 0; j < i; j++) {
                if (faas_headers_name_cmp(&hs->names[i], &hs->names[j]) == 0)
                {
                    return hs->names[i].data;
                }
            }
        }

        return NULL;
    }

    memcpy(sorted, hs->names, hs->nnames * sizeof(faas_str_t));
    qsort(sorted, hs->nnames, sizeof(faas_str_t), faas_headers_name_cmp);

    for (i = 1; i < hs->nnames; i++) {
        if (faas_headers_name_cmp(&sorted[i], &sorted[i - 1]) == 0) {
            return sorted[i].data;
        }
    }

    return NULL;
}


static int
faas_headers_name_cmp(const void *a, const void *b)
{
    const faas_str_t  *x = a, *y = b;

    if (x->len != y->len) {
        return x->len < y->len ? -1 : 1;
    }

    return memcmp(x->data, y->data, x->len);
}
