/*
 * faas.req, faas.resp, faas.respond and faas.redirect: the request and
 * the response read and written through the host at once, beside the
 * Lambda@Edge event (docs/lua-api.md, "Direct access").
 *
 * The event's tables cost a Lua table per message, per headers table and
 * per header list, and every list a handler set is read back and checked
 * when it returns (docs/performance.md).  Here a read pushes one string
 * and a write goes to the host in the call that makes it, checked by the
 * same rules: no table is made and nothing is read back.
 *
 * One message is changed one way in an invocation: once the handler has
 * the event's request (or response) table, which holds what it loaded and
 * is compared with the host on return, a direct write to that message is
 * refused, as it would be undone or mixed up by that comparison.  Direct
 * writes before it are seen by the table, which loads from the host.
 *
 * faas.respond makes a generated response as a userdata the handler
 * returns: its strings are copied into it once, so one made at the top of
 * the file serves every invocation without an allocation.
 */

#include <string.h>

#include "faas_state.h"
#include "faas_lib.h"


#define FAAS_HTTP_NAME_MAX      256     /* faas_header_name_valid()'s */
#define FAAS_HTTP_VALUES        8       /* on the C stack, then a userdata */


typedef struct {
    faas_response_t            resp;
    /* then resp.nheaders faas_header_t, then the strings */
} faas_http_response_t;


typedef struct {
    lua_State                 *L;
    luaL_Buffer                b;
    faas_str_t                 first;
    size_t                     n;
    const char                *sep;
} faas_http_join_t;


static int faas_http_req_header(lua_State *L);
static int faas_http_cookie(lua_State *L);
static int faas_http_resp_header(lua_State *L);
static int faas_http_req_set_header(lua_State *L);
static int faas_http_resp_set_header(lua_State *L);
static int faas_http_uri(lua_State *L);
static int faas_http_querystring(lua_State *L);
static int faas_http_method(lua_State *L);
static int faas_http_client_ip(lua_State *L);
static int faas_http_set_uri(lua_State *L);
static int faas_http_set_querystring(lua_State *L);
static int faas_http_status(lua_State *L);
static int faas_http_respond(lua_State *L);
static int faas_http_redirect(lua_State *L);


static const luaL_Reg  faas_http_req[] = {
    { "header", faas_http_req_header },
    { "cookie", faas_http_cookie },
    { "set_header", faas_http_req_set_header },
    { "set_headers", faas_http_req_set_headers },
    { "uri", faas_http_uri },
    { "set_uri", faas_http_set_uri },
    { "querystring", faas_http_querystring },
    { "set_querystring", faas_http_set_querystring },
    { "method", faas_http_method },
    { "client_ip", faas_http_client_ip },
    { NULL, NULL }
};


static const luaL_Reg  faas_http_resp[] = {
    { "header", faas_http_resp_header },
    { "set_header", faas_http_resp_set_header },
    { "set_headers", faas_http_resp_set_headers },
    { "status", faas_http_status },
    { NULL, NULL }
};


int
faas_lib_http_open(lua_State *L)
{
    const luaL_Reg  *r;
    faas_state_t    *st;

    st = faas_state_from(L);
    faas_names_open(L, st);
    faas_lib_headers_open(L, st);

    lua_createtable(L, 0, 10);
    for (r = faas_http_req; r->name; r++) {
        lua_pushcfunction(L, r->func);
        lua_setfield(L, -2, r->name);
    }
    lua_setfield(L, -2, "req");

    lua_createtable(L, 0, 4);
    for (r = faas_http_resp; r->name; r++) {
        lua_pushcfunction(L, r->func);
        lua_setfield(L, -2, r->name);
    }
    lua_setfield(L, -2, "resp");

    lua_pushcfunction(L, faas_http_respond);
    lua_setfield(L, -2, "respond");
    lua_pushcfunction(L, faas_http_redirect);
    lua_setfield(L, -2, "redirect");
    lua_pushcfunction(L, faas_http_headers);
    lua_setfield(L, -2, "headers");

    /* getmetatable() on a response says what it is, and no more */

    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "faas.response");
    lua_setfield(L, -2, "__metatable");
    st->refs[FAAS_REF_RESPONSE_MT] = luaL_ref(L, LUA_REGISTRYINDEX);

    return 0;
}


/*
 * The running call, when the message msg can be read (write == 0) or
 * written through faas.req or faas.resp (what names the function in
 * errors) in its event; raises otherwise.
 */

faas_call_t *
faas_http_call(lua_State *L, faas_msg_e msg, int write, const char *what)
{
    faas_call_t   *call;
    faas_state_t  *st;

    st = faas_state_from(L);
    call = st->run.call;

    if (call == NULL || st->run.invocation == 0) {
        luaL_error(L, "%s: only a handler has a request", what);
        return NULL;
    }

    if (msg == FAAS_MSG_RESPONSE
        && call->event != FAAS_ORIGIN_RESPONSE
        && call->event != FAAS_VIEWER_RESPONSE)
    {
        luaL_error(L, "%s: %s has no response (faas.respond makes one)",
                   what, faas_event_name(call->event));
        return NULL;
    }

    if (!write) {
        return call;
    }

    if (msg == FAAS_MSG_REQUEST
        && call->event != FAAS_VIEWER_REQUEST
        && call->event != FAAS_ORIGIN_REQUEST)
    {
        luaL_error(L, "%s: the request is read-only in %s", what,
                   faas_event_name(call->event));
        return NULL;
    }

    if (st->run.msgs[msg] != NULL) {
        luaL_error(L, "%s: this handler changes the event's %s table "
                   "(event.Records[1].cf.%s): change that table instead, "
                   "one invocation writes a message one way", what,
                   msg == FAAS_MSG_REQUEST ? "request" : "response",
                   msg == FAAS_MSG_REQUEST ? "request" : "response");
        return NULL;
    }

    return call;
}


/* raises if the running event may not write the header lname in msg */

void
faas_http_writable(lua_State *L, faas_call_t *call, faas_msg_e msg,
    faas_str_t *lname, const char *what)
{
    const char  *why;

    why = faas_header_forbidden(call->event, msg, lname);

    if (why) {
        luaL_error(L, "%s: header \"%s\" %s in %s", what, lname->data, why,
                   faas_event_name(call->event));
    }
}


/*
 * The lowercase header name at arg, checked: known to the state (its
 * entry returned), or made in buf (NULL returned)
 */

static faas_name_known_t *
faas_http_lname(lua_State *L, int arg, char *buf, faas_str_t *lname,
    faas_str_t *key, const char *what)
{
    faas_name_known_t  *k;

    key->data = luaL_checklstring(L, arg, &key->len);
    lname->len = key->len;

    k = faas_name_known(L, faas_state_from(L), arg, key);
    if (k) {
        lname->data = k->lname;
        return k;
    }

    if (!faas_header_name_lower(key->data, key->len, buf)) {
        luaL_error(L, "%s: invalid header name \"%s\"", what, key->data);
    }

    lname->data = buf;

    return NULL;
}


/*
 * A header read: the values of every header of that name, joined as
 * RFC 9110 section 5.3 joins them (RFC 6265 for Cookie), or nil
 */

static int
faas_http_join(void *arg, faas_header_t *h)
{
    faas_http_join_t  *j = arg;

    if (j->n++ == 0) {
        j->first = h->value;
        return FAAS_OK;
    }

    if (j->n == 2) {
        luaL_buffinit(j->L, &j->b);
        luaL_addlstring(&j->b, j->first.data, j->first.len);
    }

    luaL_addstring(&j->b, j->sep);
    luaL_addlstring(&j->b, h->value.data, h->value.len);

    return FAAS_OK;
}


static int
faas_http_header(lua_State *L, faas_msg_e msg, const char *what)
{
    char               buf[FAAS_HTTP_NAME_MAX + 1];
    faas_str_t         lname, key;
    faas_call_t       *call;
    faas_http_join_t   j;

    call = faas_http_call(L, msg, 0, what);
    faas_http_lname(L, 1, buf, &lname, &key, what);

    j.L = L;
    j.n = 0;
    j.sep = (lname.len == 6 && memcmp(lname.data, "cookie", 6) == 0) ? "; "
                                                                   : ", ";

    if (call->host->headers(call->req, msg, &lname, faas_http_join, &j)
        != FAAS_OK)
    {
        return luaL_error(L, "%s: cannot read the %s headers", what,
                          msg == FAAS_MSG_REQUEST ? "request" : "response");
    }

    if (j.n == 0) {
        lua_pushnil(L);

    } else if (j.n == 1) {
        lua_pushlstring(L, j.first.data, j.first.len);

    } else {
        luaL_pushresult(&j.b);
    }

    return 1;
}


static int
faas_http_req_header(lua_State *L)
{
    return faas_http_header(L, FAAS_MSG_REQUEST, "faas.req.header");
}


/*
 * faas.req.cookie(name): the value of the first cookie of that name in
 * the Cookie headers (RFC 6265 section 5.4: "name=value" pairs separated
 * by ";", the name case-sensitive, spaces around them ignored), as sent
 * (quotes kept, as nginx's $cookie_NAME keeps them); nil if none
 */

typedef struct {
    faas_str_t                 name;
    faas_str_t                 value;
    int                        found;
} faas_http_cookie_t;


/* the bytes from *start to *end without the spaces and tabs around them */

static void
faas_http_trim(const char **start, const char **end)
{
    while (*start < *end && (**start == ' ' || **start == '\t')) {
        (*start)++;
    }

    while (*end > *start && ((*end)[-1] == ' ' || (*end)[-1] == '\t')) {
        (*end)--;
    }
}


static int
faas_http_cookie_find(void *arg, faas_header_t *h)
{
    faas_http_cookie_t  *c = arg;

    const char  *p, *end, *last, *eq, *ns, *ne, *vs, *ve;

    p = h->value.data;
    end = p + h->value.len;

    while (!c->found && p < end) {
        ns = p;
        last = memchr(p, ';', end - p);
        p = last ? last + 1 : end;
        last = last ? last : end;

        eq = memchr(ns, '=', last - ns);
        if (eq == NULL) {
            continue;
        }

        ne = eq;
        faas_http_trim(&ns, &ne);

        if ((size_t) (ne - ns) != c->name.len
            || memcmp(ns, c->name.data, c->name.len) != 0)
        {
            continue;
        }

        vs = eq + 1;
        ve = last;
        faas_http_trim(&vs, &ve);

        c->value.data = vs;
        c->value.len = ve - vs;
        c->found = 1;
    }

    return FAAS_OK;
}


static int
faas_http_cookie(lua_State *L)
{
    faas_call_t         *call;
    faas_http_cookie_t   c;
    static faas_str_t    cookie = { "cookie", 6 };

    call = faas_http_call(L, FAAS_MSG_REQUEST, 0, "faas.req.cookie");
    c.name.data = luaL_checklstring(L, 1, &c.name.len);

    if (faas_header_name_valid(c.name.data, c.name.len) == 0) {
        return luaL_error(L, "faas.req.cookie: invalid cookie name \"%s\"",
                          c.name.data);
    }

    c.found = 0;

    if (call->host->headers(call->req, FAAS_MSG_REQUEST, &cookie,
                            faas_http_cookie_find, &c)
        != FAAS_OK)
    {
        return luaL_error(L, "faas.req.cookie: cannot read the request "
                          "headers");
    }

    if (c.found) {
        lua_pushlstring(L, c.value.data, c.value.len);

    } else {
        lua_pushnil(L);
    }

    return 1;
}


static int
faas_http_resp_header(lua_State *L)
{
    return faas_http_header(L, FAAS_MSG_RESPONSE, "faas.resp.header");
}


/* how many headers the value at idx makes: a list, nil or false, a string */

size_t
faas_http_count(lua_State *L, int idx)
{
    switch (lua_type(L, idx)) {

    case LUA_TTABLE:
        return lua_objlen(L, idx);

    case LUA_TNIL:
    case LUA_TNONE:
        return 0;

    case LUA_TBOOLEAN:
        return lua_toboolean(L, idx);

    default:
        return 1;
    }
}


/*
 * Pushes the i-th header value of the value at idx (an absolute index):
 * the list's element, or the value itself; checked, as a string in v.
 * Returns 1 if it was a number: its string exists only where it is
 * pushed, and must stay there while v is used.  what and name say whose
 * it is in the error.
 */

int
faas_http_value(lua_State *L, int idx, size_t i, faas_str_t *v,
    const char *what, const char *name)
{
    int  type;

    if (lua_type(L, idx) == LUA_TTABLE) {
        lua_rawgeti(L, idx, (int) i + 1);

    } else {
        lua_pushvalue(L, idx);
    }

    type = lua_type(L, -1);

    if (type != LUA_TSTRING && type != LUA_TNUMBER) {
        luaL_error(L, "%s: the value of \"%s\" must be a string, not %s",
                   what, name, luaL_typename(L, -1));
    }

    v->data = lua_tolstring(L, -1, &v->len);

    if (!faas_header_value_valid(v->data, v->len)) {
        luaL_error(L, "%s: the value of \"%s\" has a control character",
                   what, name);
    }

    return type == LUA_TNUMBER;
}


static int
faas_http_set_header(lua_State *L, faas_msg_e msg, const char *what)
{
    char                buf[FAAS_HTTP_NAME_MAX + 1];
    size_t              i, n;
    faas_str_t          lname, key;
    faas_call_t        *call;
    faas_header_t      *h, hbuf[FAAS_HTTP_VALUES];
    faas_name_known_t  *k;

    call = faas_http_call(L, msg, 1, what);
    k = faas_http_lname(L, 1, buf, &lname, &key, what);

    if (k == NULL || (k->forbidden & faas_name_bit(call->event, msg))) {
        faas_http_writable(L, call, msg, &lname, what);
    }

    /*
     * The values stay on the stack till the host has copied them, and a
     * list longer than hbuf gets a userdata there too
     */

    lua_settop(L, 2);
    n = faas_http_count(L, 2);
    luaL_checkstack(L, (int) n + 1, what);

    h = n > FAAS_HTTP_VALUES ? lua_newuserdata(L, n * sizeof(faas_header_t))
                             : hbuf;

    for (i = 0; i < n; i++) {
        faas_http_value(L, 2, i, &h[i].value, what, lname.data);
        h[i].lname = lname;
        h[i].key = key;
    }

    if (call->host->set_headers(call->req, msg, &lname, 1, h, n) != FAAS_OK)
    {
        return luaL_error(L, "%s: the host could not set \"%s\"", what,
                          lname.data);
    }

    return 0;
}


static int
faas_http_req_set_header(lua_State *L)
{
    return faas_http_set_header(L, FAAS_MSG_REQUEST, "faas.req.set_header");
}


static int
faas_http_resp_set_header(lua_State *L)
{
    return faas_http_set_header(L, FAAS_MSG_RESPONSE,
                                "faas.resp.set_header");
}


/* a field of the request: a string, nil if none */

static int
faas_http_field(lua_State *L, faas_field_e field, const char *what)
{
    faas_str_t    v;
    faas_call_t  *call;

    call = faas_http_call(L, FAAS_MSG_REQUEST, 0, what);

    if (call->host->get(call->req, field, &v) != FAAS_OK) {
        lua_pushnil(L);
        return 1;
    }

    lua_pushlstring(L, v.data, v.len);

    return 1;
}


static int
faas_http_uri(lua_State *L)
{
    return faas_http_field(L, FAAS_FIELD_URI,
                           "faas.req.uri");
}


static int
faas_http_querystring(lua_State *L)
{
    return faas_http_field(L, FAAS_FIELD_QUERYSTRING,
                           "faas.req.querystring");
}


static int
faas_http_method(lua_State *L)
{
    return faas_http_field(L, FAAS_FIELD_METHOD,
                           "faas.req.method");
}


static int
faas_http_client_ip(lua_State *L)
{
    return faas_http_field(L, FAAS_FIELD_CLIENT_IP,
                           "faas.req.client_ip");
}


static int
faas_http_status(lua_State *L)
{
    faas_str_t    v;
    faas_call_t  *call;

    call = faas_http_call(L, FAAS_MSG_RESPONSE, 0, "faas.resp.status");

    if (call->host->get(call->req, FAAS_FIELD_STATUS, &v) != FAAS_OK) {
        lua_pushnil(L);
        return 1;
    }

    lua_pushinteger(L, faas_event_status(v.data, v.len));

    return 1;
}


static int
faas_http_set_field(lua_State *L, faas_field_e field, const char *what)
{
    const char   *why;
    faas_str_t    v;
    faas_call_t  *call;

    call = faas_http_call(L, FAAS_MSG_REQUEST, 1, what);
    v.data = luaL_checklstring(L, 1, &v.len);

    why = faas_request_field_invalid(field, &v);
    if (why) {
        return luaL_error(L, "%s: invalid value \"%s\": %s", what, v.data,
                          why);
    }

    if (call->host->set(call->req, field, &v) != FAAS_OK) {
        return luaL_error(L, "%s: the host could not set it", what);
    }

    return 0;
}


static int
faas_http_set_uri(lua_State *L)
{
    return faas_http_set_field(L, FAAS_FIELD_URI, "faas.req.set_uri");
}


static int
faas_http_set_querystring(lua_State *L)
{
    return faas_http_set_field(L, FAAS_FIELD_QUERYSTRING,
                               "faas.req.set_querystring");
}


/*
 * faas.respond(status [, headers [, body]]): headers map a name (any
 * case; the key is sent as written) to a string or a list of strings.
 * The headers are checked by the rules of a generated response, which
 * are the same in every event that can generate one.
 */

static unsigned
faas_http_status_arg(lua_State *L, int arg, const char *what)
{
    lua_Number  n;

    n = luaL_checknumber(L, arg);

    if (n < 100 || n > 599 || n != (lua_Number) (int) n) {
        luaL_error(L, "%s: the status must be a number from 100 to 599",
                   what);
    }

    return (unsigned) n;
}


/*
 * Checks the header at -2 (name), -1 (value) of a traversal at top; adds
 * its count to n and returns the bytes it needs
 */

static size_t
faas_http_respond_check(lua_State *L, int top, size_t *n)
{
    char         buf[FAAS_HTTP_NAME_MAX + 1];
    size_t       i, k, size;
    const char  *why;
    faas_str_t   lname, key, v;

    if (lua_type(L, top - 1) != LUA_TSTRING) {
        luaL_error(L, "faas.respond: header names must be strings");
    }

    faas_http_lname(L, top - 1, buf, &lname, &key, "faas.respond");

    why = faas_header_forbidden(FAAS_CONTENT, FAAS_MSG_RESPONSE, &lname);
    if (why) {
        luaL_error(L, "faas.respond: header \"%s\" %s in a generated "
                   "response", lname.data, why);
    }

    k = faas_http_count(L, top);
    size = 0;

    for (i = 0; i < k; i++) {
        faas_http_value(L, top, i, &v, "faas.respond", lname.data);
        size += 2 * key.len + v.len;
        lua_pop(L, 1);
    }

    *n += k;

    return size;
}


/*
 * Copies a header to h and its bytes to p; returns the end of them.  Its
 * lowercase name is lname, or made from key (checked before) if NULL.
 */

static char *
faas_http_header_copy(char *p, faas_header_t *h, faas_str_t *key,
    const char *lname, faas_str_t *value)
{
    h->key.data = memcpy(p, key->data, key->len);
    h->key.len = key->len;
    p += key->len;

    h->lname.data = p;
    h->lname.len = key->len;

    if (lname) {
        memcpy(p, lname, key->len + 1);

    } else {
        (void) faas_header_name_lower(key->data, key->len, p);
    }

    p += key->len;

    h->value.data = memcpy(p, value->data, value->len);
    h->value.len = value->len;

    return p + value->len;
}


/*
 * Pushes a response userdata of status, a Location header (NULL: none),
 * the headers of the table at t (0: none) and body, all copied into it
 */

static void
faas_http_response_push(lua_State *L, unsigned status, faas_str_t *location,
    int t, faas_str_t *body)
{
    int                    top;
    char                  *p;
    size_t                 i, k, n, size;
    faas_str_t             key, v;
    faas_header_t         *h;
    faas_http_response_t  *r;
    static faas_str_t      loc = { "Location", 8 };

    n = location ? 1 : 0;
    size = body->len + (location ? 2 * loc.len + location->len : 0);

    if (t) {
        lua_pushnil(L);
        while (lua_next(L, t)) {
            size += faas_http_respond_check(L, lua_gettop(L), &n);
            lua_pop(L, 1);
        }
    }

    /* + 1: faas_header_name_lower() ends the last name with a NUL */

    r = lua_newuserdata(L, sizeof(faas_http_response_t)
                           + n * sizeof(faas_header_t) + size + 1);

    memset(&r->resp, 0, sizeof(faas_response_t));
    r->resp.status = status;
    r->resp.headers = (faas_header_t *) (r + 1);
    r->resp.nheaders = n;

    h = r->resp.headers;
    p = (char *) (h + n);

    if (location) {
        p = faas_http_header_copy(p, h++, &loc, "location", location);
    }

    if (t) {
        lua_pushnil(L);
        while (lua_next(L, t)) {
            top = lua_gettop(L);
            key.data = lua_tolstring(L, top - 1, &key.len);
            k = faas_http_count(L, top);

            for (i = 0; i < k; i++) {
                faas_http_value(L, top, i, &v, "faas.respond", key.data);
                p = faas_http_header_copy(p, h++, &key, NULL, &v);
                lua_pop(L, 1);
            }

            lua_pop(L, 1);
        }
    }

    r->resp.body.data = memcpy(p, body->data, body->len);
    r->resp.body.len = body->len;

    lua_rawgeti(L, LUA_REGISTRYINDEX,
                faas_state_from(L)->refs[FAAS_REF_RESPONSE_MT]);
    lua_setmetatable(L, -2);
}


static int
faas_http_respond(lua_State *L)
{
    unsigned    status;
    faas_str_t  body;

    status = faas_http_status_arg(L, 1, "faas.respond");

    if (!lua_isnoneornil(L, 2)) {
        luaL_checktype(L, 2, LUA_TTABLE);
    }

    body.data = luaL_optlstring(L, 3, "", &body.len);

    if (body.len > FAAS_MAX_BODY) {
        return luaL_error(L, "faas.respond: the body of %d bytes is larger "
                          "than %d bytes", (int) body.len, FAAS_MAX_BODY);
    }

    faas_http_response_push(L, status, NULL, lua_istable(L, 2) ? 2 : 0,
                            &body);

    return 1;
}


/* faas.redirect(url [, status]): 302 unless status is 301, 303, 307, 308 */

static int
faas_http_redirect(lua_State *L)
{
    unsigned    status;
    faas_str_t  url, body;

    url.data = luaL_checklstring(L, 1, &url.len);
    status = lua_isnoneornil(L, 2) ? 302
                                   : faas_http_status_arg(L, 2,
                                                          "faas.redirect");

    if (status != 301 && status != 302 && status != 303 && status != 307
        && status != 308)
    {
        return luaL_error(L, "faas.redirect: the status must be 301, 302, "
                          "303, 307 or 308, not %d", (int) status);
    }

    if (url.len == 0 || !faas_header_value_valid(url.data, url.len)) {
        return luaL_error(L, "faas.redirect: the location is empty or has "
                          "a control character");
    }

    body.data = "";
    body.len = 0;
    faas_http_response_push(L, status, &url, 0, &body);

    return 1;
}


/*
 * Whether the value at idx has the metatable st->refs[ref]: a response
 * of faas.respond, a header set of faas.headers.  Pushes two values: the
 * caller saw to the room for them.
 */

int
faas_http_is(lua_State *L, faas_state_t *st, int idx, int ref)
{
    int  is;

    is = lua_getmetatable(L, idx);
    if (is) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, st->refs[ref]);
        is = lua_rawequal(L, -1, -2);
        lua_pop(L, 2);
    }

    return is;
}


static int
faas_http_responds(faas_state_t *st)
{
    return st->run.call->event != FAAS_ORIGIN_RESPONSE
           && st->run.call->event != FAAS_VIEWER_RESPONSE;
}


/*
 * The response of faas.respond at idx (a userdata), if the running event
 * may return one; NULL otherwise.  Pushes two values, as faas_http_is().
 */

faas_response_t *
faas_http_response(lua_State *L, faas_state_t *st, int idx)
{
    faas_http_response_t  *r;

    if (!faas_http_is(L, st, idx, FAAS_REF_RESPONSE_MT)
        || !faas_http_responds(st))
    {
        return NULL;
    }

    r = lua_touserdata(L, idx);

    return &r->resp;
}


/*
 * A userdata returned by a handler: FAAS_DONE once a response made by
 * faas.respond went to the host; a bad return for any other.
 */

int
faas_http_result(lua_State *L, faas_state_t *st, int idx)
{
    faas_http_response_t  *r;

    if (!faas_http_is(L, st, idx, FAAS_REF_RESPONSE_MT)) {
        return faas_bad_return(L, "the handler must return a table or nil, "
                               "not a userdata");
    }

    if (!faas_http_responds(st)) {
        return faas_bad_return(L, "%s must return the response: "
                               "faas.respond serves request events and "
                               "content functions",
                               faas_event_name(st->run.call->event));
    }

    r = lua_touserdata(L, idx);

    return faas_event_respond(L, st, &r->resp);
}
