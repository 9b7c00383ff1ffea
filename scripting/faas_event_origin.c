/*
 * The parts of the Lambda@Edge event that only some events have: the
 * request body (faas_body), request.origin in origin-request, and the
 * response body an origin-response may replace.
 *
 * Like the rest of the event they are read from the host when a handler
 * first touches them.  On return each is compared with the host's
 * current value: only a change is validated and written back, so an
 * origin the operator configured with an IP address can be read and
 * returned unchanged, while a handler that sends the request elsewhere
 * must name a domain, as Lambda@Edge requires.
 */

#include <stdlib.h>
#include <string.h>

#include "faas_state.h"
#include "faas_lib.h"


/* CloudFront's largest timeouts (with a raised quota) */
#define FAAS_ORIGIN_MAX_TIMEOUT  180


typedef struct {
    const char                *name;
    unsigned                   bit;
} faas_ssl_name_t;


static faas_ssl_name_t  faas_ssl_names[] = {
    { "SSLv3", FAAS_SSL_SSLV3 },
    { "TLSv1", FAAS_SSL_TLSV1 },
    { "TLSv1.1", FAAS_SSL_TLSV1_1 },
    { "TLSv1.2", FAAS_SSL_TLSV1_2 },
    { NULL, 0 }
};


static void faas_origin_table(lua_State *L, faas_origin_t *o);
static void faas_origin_parse(lua_State *L, faas_state_t *st, int c,
    faas_origin_t *orig, faas_origin_t *o);
static unsigned faas_origin_number(lua_State *L, int c, const char *k,
    unsigned def);
static int faas_origin_same(faas_origin_t *a, faas_origin_t *b);
static void faas_origin_check(lua_State *L, faas_origin_t *o);
static const char *faas_origin_domain_invalid(faas_str_t *d);
static int faas_str_same(faas_str_t *a, faas_str_t *b);


static int
faas_request_event(faas_event_e event)
{
    return event == FAAS_VIEWER_REQUEST || event == FAAS_ORIGIN_REQUEST
           || event == FAAS_CONTENT;
}


/*
 * request.body: {inputTruncated, action = "read-only", encoding =
 * "base64", data} in the request events when the host exposes the body;
 * response.body: the body as a string, when the host buffers it.
 */

int
faas_event_body_push(lua_State *L, faas_state_t *st, faas_msg_e msg)
{
    faas_body_t   b;
    faas_call_t  *call;

    call = st->run.call;

    if (call->host->body == NULL
        || (msg == FAAS_MSG_REQUEST && !faas_request_event(call->event))
        || call->host->body(call->req, msg, &b) != FAAS_OK)
    {
        return FAAS_DECLINED;
    }

    if (msg == FAAS_MSG_RESPONSE) {
        lua_pushlstring(L, b.data.data, b.data.len);
        return FAAS_OK;
    }

    lua_createtable(L, 0, 4);
    lua_pushboolean(L, b.truncated);
    lua_setfield(L, -2, "inputTruncated");
    lua_pushliteral(L, "read-only");
    lua_setfield(L, -2, "action");
    lua_pushliteral(L, "base64");
    lua_setfield(L, -2, "encoding");
    faas_base64_encode_push(L, b.data.data, b.data.len, 0);
    lua_setfield(L, -2, "data");

    return FAAS_OK;
}


/*
 * The body a request event returned: read-only (the default) changes
 * nothing; "replace" sends data, base64 or text, instead of the body,
 * within the size faas_body exposes.  On a replacement the decoded
 * body stays on the stack until it is written back.
 */

void
faas_event_request_body(lua_State *L, faas_state_t *st, int t,
    faas_str_t *body, int *set)
{
    int           b, type;
    faas_str_t    s;
    faas_body_t   cur;
    faas_call_t  *call;

    call = st->run.call;

    type = faas_rawkey(L, t, FAAS_K_BODY);

    if (type == LUA_TNIL) {
        lua_pop(L, 1);
        return;
    }

    if (type != LUA_TTABLE) {
        faas_bad_return(L, "request.body must be a table, not %s",
                        luaL_typename(L, -1));
    }

    b = lua_gettop(L);

    type = faas_rawfield(L, b, "action");
    s.data = lua_tolstring(L, -1, &s.len);

    if (type == LUA_TNIL
        || (type == LUA_TSTRING && s.len == 9
            && memcmp(s.data, "read-only", 9) == 0))
    {
        lua_pop(L, 2);
        return;
    }

    if (type != LUA_TSTRING || s.len != 7 || memcmp(s.data, "replace", 7))
    {
        faas_bad_return(L, "request.body.action must be \"read-only\" or "
                        "\"replace\"");
    }

    if (call->event != FAAS_VIEWER_REQUEST
        && call->event != FAAS_ORIGIN_REQUEST)
    {
        faas_bad_return(L, "%s cannot replace the request body",
                        faas_event_name(call->event));
    }

    if (faas_rawfield(L, b, "data") != LUA_TSTRING) {
        faas_bad_return(L, "request.body.data must be a string, not %s",
                        luaL_typename(L, -1));
    }

    body->data = lua_tolstring(L, -1, &body->len);

    type = faas_rawfield(L, b, "encoding");
    s.data = lua_tolstring(L, -1, &s.len);

    if (type == LUA_TNIL
        || (type == LUA_TSTRING && s.len == 6
            && memcmp(s.data, "base64", 6) == 0))
    {
        if (faas_base64_decode_push(L, body->data, body->len, 0) != 0) {
            faas_bad_return(L, "request.body.data is not valid base64");
        }

        body->data = lua_tolstring(L, -1, &body->len);

    } else if (type != LUA_TSTRING || s.len != 4
               || memcmp(s.data, "text", 4) != 0)
    {
        faas_bad_return(L, "request.body.encoding must be \"base64\" or "
                        "\"text\"");
    }

    if (call->host->body == NULL || call->host->set_body == NULL
        || call->host->body(call->req, FAAS_MSG_REQUEST, &cur) != FAAS_OK)
    {
        faas_bad_return(L, "request.body cannot be replaced without "
                        "faas_body");
    }

    if (body->len > cur.max) {
        faas_bad_return(L, "the replaced request body of %d bytes is "
                        "larger than the limit of %d bytes (faas_body)",
                        (int) body->len, (int) cur.max);
    }

    *set = 1;
}


/*
 * The body a response event returned: a body equal to what the host
 * exposed is no change; origin-response may replace it (Lambda@Edge
 * lets it set a static body), viewer-response only when the host
 * exposed the body to it (faas_response_body, beyond Lambda@Edge).
 */

void
faas_event_response_body(lua_State *L, faas_state_t *st, int t,
    faas_str_t *body, int *set)
{
    int           type, exposed;
    size_t        max;
    faas_str_t    enc;
    faas_body_t   cur;
    faas_call_t  *call;

    call = st->run.call;

    type = faas_rawkey(L, t, FAAS_K_BODY);

    if (type == LUA_TNIL) {
        lua_pop(L, 1);
        return;
    }

    if (type != LUA_TSTRING) {
        faas_bad_return(L, "response.body must be a string, not %s",
                        luaL_typename(L, -1));
    }

    body->data = lua_tolstring(L, -1, &body->len);

    type = faas_rawkey(L, t, FAAS_K_BODY_ENCODING);
    enc.data = lua_tolstring(L, -1, &enc.len);

    if (type == LUA_TSTRING && enc.len == 6
        && memcmp(enc.data, "base64", 6) == 0)
    {
        if (faas_base64_decode_push(L, body->data, body->len, 0) != 0) {
            faas_bad_return(L, "response.body is not valid base64");
        }

        body->data = lua_tolstring(L, -1, &body->len);

    } else if (type != LUA_TNIL
               && !(type == LUA_TSTRING && enc.len == 4
                    && memcmp(enc.data, "text", 4) == 0))
    {
        faas_bad_return(L, "response.bodyEncoding must be \"text\" or "
                        "\"base64\"");
    }

    exposed = call->host->body
              && call->host->body(call->req, FAAS_MSG_RESPONSE, &cur)
                 == FAAS_OK;

    if (exposed && faas_str_same(&cur.data, body)) {
        return;
    }

    /* viewer-response replaces only a body the host exposed to it */

    if ((call->event != FAAS_ORIGIN_RESPONSE && !exposed)
        || call->host->set_body == NULL)
    {
        faas_bad_return(L, "%s cannot replace the body",
                        faas_event_name(call->event));
    }

    max = call->body_max ? call->body_max : FAAS_MAX_BODY;

    if (body->len > max) {
        faas_bad_return(L, "the response body of %d bytes is larger than "
                        "the limit of %d bytes", (int) body->len, (int) max);
    }

    *set = 1;
}


/* a status of three digits, 100 to 599; -1 if it is not one */

int
faas_event_status(const char *s, size_t len)
{
    int     n;
    size_t  i;

    if (len != 3) {
        return -1;
    }

    n = 0;

    for (i = 0; i < 3; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }

        n = n * 10 + s[i] - '0';
    }

    return (n >= 100 && n <= 599) ? n : -1;
}


/*
 * request.origin = {custom = {...}} in origin-request, and in
 * origin-response where it is the origin the request went to (changes
 * to the request of a response event are ignored, as in Lambda@Edge)
 */

int
faas_event_origin_push(lua_State *L, faas_state_t *st)
{
    faas_origin_t   o;
    faas_call_t    *call;

    call = st->run.call;

    if ((call->event != FAAS_ORIGIN_REQUEST
         && call->event != FAAS_ORIGIN_RESPONSE)
        || call->host->origin == NULL
        || call->host->origin(call->req, &o) != FAAS_OK)
    {
        return FAAS_DECLINED;
    }

    lua_createtable(L, 0, 1);
    faas_origin_table(L, &o);
    lua_setfield(L, -2, "custom");

    return FAAS_OK;
}


static void
faas_origin_table(lua_State *L, faas_origin_t *o)
{
    int               n;
    size_t            i;
    faas_ssl_name_t  *s;

    lua_createtable(L, 0, 8);

    lua_createtable(L, 0, (int) o->nheaders);

    for (i = 0; i < o->nheaders; i++) {
        lua_pushlstring(L, o->headers[i].lname.data, o->headers[i].lname.len);
        lua_pushvalue(L, -1);
        lua_rawget(L, -3);

        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            lua_createtable(L, 1, 0);
            lua_pushvalue(L, -2);
            lua_pushvalue(L, -2);
            lua_rawset(L, -5);
        }

        n = (int) lua_objlen(L, -1);

        lua_createtable(L, 0, 2);
        lua_pushlstring(L, o->headers[i].key.data, o->headers[i].key.len);
        lua_setfield(L, -2, "key");
        lua_pushlstring(L, o->headers[i].value.data,
                        o->headers[i].value.len);
        lua_setfield(L, -2, "value");
        lua_rawseti(L, -2, n + 1);

        lua_pop(L, 2);
    }

    lua_setfield(L, -2, "customHeaders");

    lua_pushlstring(L, o->domain.data, o->domain.len);
    lua_setfield(L, -2, "domainName");
    lua_pushinteger(L, o->keepalive_timeout);
    lua_setfield(L, -2, "keepaliveTimeout");
    lua_pushlstring(L, o->path.data, o->path.len);
    lua_setfield(L, -2, "path");
    lua_pushinteger(L, o->port);
    lua_setfield(L, -2, "port");
    lua_pushlstring(L, o->protocol.data, o->protocol.len);
    lua_setfield(L, -2, "protocol");
    lua_pushinteger(L, o->read_timeout);
    lua_setfield(L, -2, "readTimeout");

    lua_newtable(L);
    n = 0;

    for (s = faas_ssl_names; s->name; s++) {
        if (o->ssl_protocols & s->bit) {
            lua_pushstring(L, s->name);
            lua_rawseti(L, -2, ++n);
        }
    }

    lua_setfield(L, -2, "sslProtocols");
}


/*
 * The origin a request event returned: NULL when it is absent or the
 * same as the host's; otherwise the validated new origin, in a userdata
 * left on the stack with the strings anchored in the handler's table.
 */

faas_origin_t *
faas_event_request_origin(lua_State *L, faas_state_t *st, int t)
{
    int             type, origin;
    faas_call_t    *call;
    faas_origin_t  *o, orig;

    call = st->run.call;

    type = faas_rawkey(L, t, FAAS_K_ORIGIN);

    if (type == LUA_TNIL) {
        lua_pop(L, 1);
        return NULL;
    }

    if (call->event != FAAS_ORIGIN_REQUEST) {
        faas_bad_return(L, "request.origin can only be set in "
                        "origin-request, not in %s",
                        faas_event_name(call->event));
    }

    if (type != LUA_TTABLE) {
        faas_bad_return(L, "request.origin must be a table, not %s",
                        luaL_typename(L, -1));
    }

    origin = lua_gettop(L);

    if (faas_rawfield(L, origin, "s3") != LUA_TNIL) {
        faas_bad_return(L, "request.origin.s3: S3 origins are not "
                        "supported, use request.origin.custom with the "
                        "bucket's domain name");
    }

    if (faas_rawfield(L, origin, "custom") != LUA_TTABLE) {
        faas_bad_return(L, "request.origin must have a \"custom\" table, "
                        "not %s", luaL_typename(L, -1));
    }

    if (call->host->origin == NULL || call->host->set_origin == NULL
        || call->host->origin(call->req, &orig) != FAAS_OK)
    {
        faas_bad_return(L, "request.origin cannot be set without "
                        "faas_origin in the location");
    }

    o = lua_newuserdata(L, sizeof(faas_origin_t));

    faas_origin_parse(L, st, lua_gettop(L) - 1, &orig, o);

    if (faas_origin_same(o, &orig)) {
        return NULL;
    }

    faas_origin_check(L, o);

    return o;
}


static int
faas_origin_string(lua_State *L, int c, const char *k, faas_str_t *s,
    int required)
{
    int  type;

    type = faas_rawfield(L, c, k);

    if (type == LUA_TSTRING) {
        s->data = lua_tolstring(L, -1, &s->len);
        lua_pop(L, 1);
        return 1;
    }

    if (type != LUA_TNIL) {
        faas_bad_return(L, "request.origin.custom.%s must be a string, "
                        "not %s", k, luaL_typename(L, -1));
    }

    if (required) {
        faas_bad_return(L, "request.origin.custom.%s is missing%s", k,
                        strcmp(k, "protocol") == 0
                        ? ": \"http\" or \"https\"" : "");
    }

    lua_pop(L, 1);

    return 0;
}


/* reads the custom origin at c into o; defaults from orig */

static void
faas_origin_parse(lua_State *L, faas_state_t *st, int c,
    faas_origin_t *orig, faas_origin_t *o)
{
    int               h, i;
    size_t            n;
    faas_str_t        lname, s;
    const char       *why;
    faas_ssl_name_t  *sn;

    memset(o, 0, sizeof(faas_origin_t));

    faas_origin_string(L, c, "domainName", &o->domain, 1);
    faas_origin_string(L, c, "protocol", &o->protocol, 1);

    if (!faas_origin_string(L, c, "path", &o->path, 0)) {
        o->path.data = "";
    }

    o->port = faas_origin_number(L, c, "port",
                                 (o->protocol.len == 5) ? 443 : 80);
    o->read_timeout = faas_origin_number(L, c, "readTimeout",
                                         orig->read_timeout);
    o->keepalive_timeout = faas_origin_number(L, c, "keepaliveTimeout",
                                              orig->keepalive_timeout);

    switch (faas_rawfield(L, c, "sslProtocols")) {

    case LUA_TNIL:
        o->ssl_protocols = orig->ssl_protocols;
        break;

    case LUA_TTABLE:
        for (i = 1; /* void */ ; i++) {
            lua_rawgeti(L, -1, i);

            if (lua_isnil(L, -1)) {
                lua_pop(L, 1);
                break;
            }

            s.data = lua_tolstring(L, -1, &s.len);

            for (sn = faas_ssl_names; sn->name; sn++) {
                if (s.data && lua_type(L, -1) == LUA_TSTRING
                    && strlen(sn->name) == s.len
                    && memcmp(sn->name, s.data, s.len) == 0)
                {
                    break;
                }
            }

            if (sn->name == NULL) {
                faas_bad_return(L, "request.origin.custom.sslProtocols[%d]"
                                " must be \"TLSv1.2\", \"TLSv1.1\", "
                                "\"TLSv1\" or \"SSLv3\"", i);
            }

            o->ssl_protocols |= sn->bit;
            lua_pop(L, 1);
        }

        break;

    default:
        faas_bad_return(L, "request.origin.custom.sslProtocols must be a "
                        "list, not %s", luaL_typename(L, -1));
    }

    lua_pop(L, 1);

    /* customHeaders: validated as request headers of origin-request */

    switch (faas_rawfield(L, c, "customHeaders")) {

    case LUA_TNIL:
        lua_pop(L, 1);
        return;

    case LUA_TTABLE:
        break;

    default:
        faas_bad_return(L, "request.origin.custom.customHeaders must be a "
                        "table, not %s", luaL_typename(L, -1));
    }

    h = lua_gettop(L);
    n = 0;

    /* the request's own headers table may stand in for it */
    faas_event_materialize(L, h);

    lua_pushnil(L);
    while (lua_next(L, h)) {
        if (lua_type(L, -2) != LUA_TSTRING) {
            faas_bad_return(L, "customHeaders keys must be strings");
        }

        lname.data = lua_tolstring(L, -2, &lname.len);
        faas_headers_check_name(L, &lname);

        why = faas_header_forbidden(FAAS_ORIGIN_REQUEST, FAAS_MSG_REQUEST,
                                    &lname);
        if (why) {
            faas_bad_return(L, "custom header \"%s\" %s in origin-request",
                            lname.data, why);
        }

        if (lua_type(L, -1) == LUA_TTABLE) {
            n += lua_objlen(L, -1);
        }

        lua_pop(L, 1);
    }

    /* the table and the array stay on the stack until the write-back */

    o->headers = lua_newuserdata(L, n * sizeof(faas_header_t) + 1);

    lua_pushnil(L);
    while (lua_next(L, h)) {
        lname.data = lua_tolstring(L, -2, &lname.len);
        o->nheaders += faas_headers_entries(L, lua_gettop(L), &lname,
                                            o->headers + o->nheaders);
        lua_pop(L, 1);
    }

    (void) st;
}


static unsigned
faas_origin_number(lua_State *L, int c, const char *k, unsigned def)
{
    int         type;
    lua_Number  n;

    type = faas_rawfield(L, c, k);

    if (type == LUA_TNIL) {
        lua_pop(L, 1);
        return def;
    }

    n = lua_tonumber(L, -1);

    if ((type != LUA_TNUMBER && type != LUA_TSTRING) || n < 0 || n > 1e9
        || n != (lua_Number) (unsigned) n)
    {
        faas_bad_return(L, "request.origin.custom.%s must be a whole "
                        "number, not %s", k,
                        lua_tostring(L, -1) ? lua_tostring(L, -1)
                                            : luaL_typename(L, -1));
    }

    lua_pop(L, 1);

    return (unsigned) n;
}


static int
faas_str_same(faas_str_t *a, faas_str_t *b)
{
    return a->len == b->len
           && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}


static int
faas_origin_same(faas_origin_t *a, faas_origin_t *b)
{
    size_t  i;

    if (!faas_str_same(&a->protocol, &b->protocol)
        || !faas_str_same(&a->domain, &b->domain)
        || !faas_str_same(&a->path, &b->path)
        || a->port != b->port || a->read_timeout != b->read_timeout
        || a->keepalive_timeout != b->keepalive_timeout
        || a->ssl_protocols != b->ssl_protocols
        || a->nheaders != b->nheaders)
    {
        return 0;
    }

    /* customHeaders come back in table order: compare as sets */

    for (i = 0; i < a->nheaders; i++) {
        size_t  j;

        for (j = 0; j < b->nheaders; j++) {
            if (faas_str_same(&a->headers[i].lname, &b->headers[j].lname)
                && faas_str_same(&a->headers[i].key, &b->headers[j].key)
                && faas_str_same(&a->headers[i].value,
                                 &b->headers[j].value))
            {
                break;
            }
        }

        if (j == b->nheaders) {
            return 0;
        }
    }

    return 1;
}


/* the rules of Lambda@Edge for a custom origin a function sets */

static void
faas_origin_check(lua_State *L, faas_origin_t *o)
{
    size_t       i;
    const char  *why;

    if (!(o->protocol.len == 4 && memcmp(o->protocol.data, "http", 4) == 0)
        && !(o->protocol.len == 5
             && memcmp(o->protocol.data, "https", 5) == 0))
    {
        faas_bad_return(L, "request.origin.custom.protocol must be "
                        "\"http\" or \"https\", not \"%s\"",
                        o->protocol.data);
    }

    why = faas_origin_domain_invalid(&o->domain);
    if (why) {
        faas_bad_return(L, "request.origin.custom.domainName \"%s\" %s",
                        o->domain.data, why);
    }

    if (!(o->port == 80 || o->port == 443
          || (o->port >= 1024 && o->port <= 65535)))
    {
        faas_bad_return(L, "request.origin.custom.port %d is invalid: 80, "
                        "443 or 1024 to 65535", (int) o->port);
    }

    if (o->path.len) {
        for (i = 0; i < o->path.len; i++) {
            if (o->path.data[i] == ' ' || o->path.data[i] == '?'
                || o->path.data[i] == '#')
            {
                break;
            }
        }

        if (o->path.data[0] != '/' || o->path.data[o->path.len - 1] == '/'
            || o->path.len > 255 || i < o->path.len
            || !faas_header_value_valid(o->path.data, o->path.len))
        {
            faas_bad_return(L, "request.origin.custom.path \"%s\" is "
                            "invalid: empty, or \"/\" and a URL-encoded "
                            "path of up to 255 characters without a "
                            "\"/\" at its end", o->path.data);
        }
    }

    if (o->read_timeout < 1 || o->read_timeout > FAAS_ORIGIN_MAX_TIMEOUT
        || o->keepalive_timeout < 1
        || o->keepalive_timeout > FAAS_ORIGIN_MAX_TIMEOUT)
    {
        faas_bad_return(L, "request.origin.custom.readTimeout and "
                        "keepaliveTimeout must be 1 to %d seconds",
                        FAAS_ORIGIN_MAX_TIMEOUT);
    }
}


/* a DNS name: not empty, no colon, not an IPv4 address, <= 253 chars */

static const char *
faas_origin_domain_invalid(faas_str_t *d)
{
    size_t       i, label, dots;
    int          digits;
    const char  *p;

    if (d->len == 0) {
        return "is empty";
    }

    if (d->len > 253) {
        return "is longer than 253 characters";
    }

    if (memchr(d->data, ':', d->len)) {
        return "has a colon: give the port in request.origin.custom.port";
    }

    p = d->data;
    label = 0;
    dots = 0;
    digits = 1;

    for (i = 0; i < d->len; i++) {
        if (p[i] == '.') {
            if (label == 0) {
                return "has an empty label";
            }

            label = 0;
            dots++;
            continue;
        }

        if (p[i] < '0' || p[i] > '9') {
            digits = 0;

            if (!((p[i] >= 'a' && p[i] <= 'z')
                  || (p[i] >= 'A' && p[i] <= 'Z')
                  || p[i] == '-' || p[i] == '_'))
            {
                return "is not a domain name";
            }
        }

        if (++label > 63) {
            return "has a label longer than 63 characters";
        }
    }

    if (label == 0) {
        return "has an empty label";
    }

    if (digits && dots == 3) {
        return "is an IP address: a custom origin is a domain name";
    }

    return NULL;
}

