/*
 * The `faas` table every function sees, and print.  Libraries of their
 * own (crypto, json, kv, geo) add their fields here.
 */

#include <stdarg.h>
#include <stdio.h>

#include "faas_state.h"
#include "faas_lib.h"


static int faas_api_log(lua_State *L);
static int faas_api_readonly(lua_State *L);
static void faas_api_env(lua_State *L, faas_state_t *st);
static void faas_log_escape(faas_call_t *call, faas_log_e level,
    const char *s, int n);


void
faas_api_open(lua_State *L, faas_state_t *st)
{
    int          i;
    static struct {
        const char  *name;
        faas_log_e   level;
    }            levels[] = {
        { "error", FAAS_LOG_ERR },
        { "warn", FAAS_LOG_WARN },
        { "info", FAAS_LOG_INFO },
        { "debug", FAAS_LOG_DEBUG },
    };

    lua_newtable(L);

    lua_createtable(L, 0, 4);

    /* faas.log.* concatenates as ngx.log does, print separates by spaces */

    for (i = 0; i < 4; i++) {
        lua_pushinteger(L, levels[i].level);
        lua_pushliteral(L, "");
        lua_getglobal(L, "tostring");
        lua_pushcclosure(L, faas_api_log, 3);
        lua_setfield(L, -2, levels[i].name);
    }

    lua_setfield(L, -2, "log");

    faas_api_env(L, st);
    lua_setfield(L, -2, "env");

    faas_lib_crypto_open(L);
    faas_lib_json_open(L);
    faas_lib_geo_open(L);
    faas_lib_kv_open(L);
    faas_lib_invoke_open(L);
    faas_lib_http_open(L);

    lua_setglobal(L, "faas");

    lua_pushinteger(L, FAAS_LOG_INFO);
    lua_pushliteral(L, " ");
    lua_getglobal(L, "tostring");
    lua_pushcclosure(L, faas_api_log, 3);
    lua_setglobal(L, "print");
}


/*
 * A read-only view: the values live in the metatable's __index, writes
 * are refused, and rawset is refused by the sandbox because the
 * metatable is protected.
 */

void
faas_api_readonly_table(lua_State *L)
{
    lua_createtable(L, 0, 3);
    lua_insert(L, -2);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, faas_api_readonly);
    lua_setfield(L, -2, "__newindex");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");

    lua_newtable(L);
    lua_insert(L, -2);
    lua_setmetatable(L, -2);
}


static void
faas_api_env(lua_State *L, faas_state_t *st)
{
    size_t            i;
    faas_function_t  *fn;

    fn = st->fn;

    lua_createtable(L, 0, fn->nenv);

    for (i = 0; i < fn->nenv; i++) {
        lua_pushlstring(L, fn->env[2 * i].data, fn->env[2 * i].len);
        lua_pushlstring(L, fn->env[2 * i + 1].data, fn->env[2 * i + 1].len);
        lua_rawset(L, -3);
    }

    faas_api_readonly_table(L);
}


static int
faas_api_readonly(lua_State *L)
{
    return faas_violation(L, "attempt to write to a read-only table");
}


static int
faas_api_log(lua_State *L)
{
    int            i, n;
    size_t         len, seplen;
    const char    *s, *sep;
    luaL_Buffer    b;
    faas_state_t  *st;

    st = faas_state_from(L);
    n = lua_gettop(L);
    sep = lua_tolstring(L, lua_upvalueindex(2), &seplen);

    /* a __tostring may log again: C recursion (faas_limits.c) */

    faas_limits_cstack(L);

    luaL_buffinit(L, &b);

    for (i = 1; i <= n; i++) {
        if (i > 1) {
            luaL_addlstring(&b, sep, seplen);
        }

        lua_pushvalue(L, lua_upvalueindex(3));
        lua_pushvalue(L, i);
        lua_call(L, 1, 1);

        s = lua_tolstring(L, -1, &len);
        if (s == NULL) {
            return luaL_error(L, "tostring must return a string");
        }

        if (len > FAAS_MAX_LOG) {
            len = FAAS_MAX_LOG;
        }

        luaL_addlstring(&b, s, len);
        lua_pop(L, 1);
    }

    luaL_pushresult(&b);

    s = lua_tolstring(L, -1, &len);

    faas_log(st->run.call, (faas_log_e) lua_tointeger(L, lua_upvalueindex(1)),
             "%.*s", (int) (len > FAAS_MAX_LOG ? FAAS_MAX_LOG : len), s);

    return 0;
}


/*
 * Every line the runtime logs names the function, the event and the
 * request, so one grep finds all that happened to one request.
 */

void
faas_log(faas_call_t *call, faas_log_e level, const char *fmt, ...)
{
    int         n, m;
    char        buf[FAAS_MAX_LOG + 256];
    va_list     args;
    faas_str_t  id;

    if (call == NULL) {
        return;
    }

    if (call->host->get(call->req, FAAS_FIELD_REQUEST_ID, &id) != FAAS_OK) {
        id.data = "-";
        id.len = 1;
    }

    n = snprintf(buf, sizeof(buf), "faas: function \"%.*s\" in %s, "
                 "request_id=%.*s: ",
                 (int) call->fn->name.len, call->fn->name.data,
                 faas_event_name(call->event),
                 (int) id.len, id.data);

    if (n < 0 || (size_t) n >= sizeof(buf)) {
        return;
    }

    va_start(args, fmt);
    m = vsnprintf(buf + n, sizeof(buf) - n, fmt, args);
    va_end(args);

    if (m < 0) {
        return;
    }

    n += m;

    if ((size_t) n >= sizeof(buf)) {
        n = sizeof(buf) - 1;
    }

    faas_log_escape(call, level, buf, n);
}


/*
 * One failure, one line: CR, LF and other controls a handler put in an
 * error, a header value or a log call are written as \r, \n, \xNN, so
 * nothing a function returns can forge a line of nginx's error log.
 */

static void
faas_log_escape(faas_call_t *call, faas_log_e level, const char *s, int n)
{
    int             i, m;
    char            out[FAAS_MAX_LOG + 256];
    unsigned char   c;

    static const char  hex[] = "0123456789abcdef";

    for (i = 0, m = 0; i < n && m < (int) sizeof(out) - 4; i++) {
        c = (unsigned char) s[i];

        if (c >= 0x20 && c != 0x7f) {
            out[m++] = (char) c;
            continue;
        }

        out[m++] = '\\';

        if (c == '\r' || c == '\n' || c == '\t') {
            out[m++] = c == '\r' ? 'r' : (c == '\n' ? 'n' : 't');
            continue;
        }

        out[m++] = 'x';
        out[m++] = hex[c >> 4];
        out[m++] = hex[c & 0x0f];
    }

    call->host->log(call->req, level, out, m);
}


void
faas_log_failure(faas_call_t *call, const char *msg)
{
    faas_log(call, FAAS_LOG_ERR, "failed (%s): %s",
             faas_fail_name(call->fail), msg ? msg : "unknown error");
}
