/*
 * Base64 decoding (RFC 4648, standard alphabet, padding required) into a
 * Lua string, for bodies a handler returns with bodyEncoding "base64".
 */

#include "faas_state.h"


int
faas_base64_decode_push(lua_State *L, const char *s, size_t len)
{
    int            v;
    size_t         i, pad;
    uint32_t       acc;
    unsigned char  c;
    luaL_Buffer    b;

    if (len % 4) {
        return FAAS_ERROR;
    }

    pad = 0;

    if (len && s[len - 1] == '=') {
        pad = (len > 1 && s[len - 2] == '=') ? 2 : 1;
    }

    luaL_buffinit(L, &b);
    acc = 0;

    for (i = 0; i < len - pad; i++) {
        c = (unsigned char) s[i];

        if (c >= 'A' && c <= 'Z') {
            v = c - 'A';
        } else if (c >= 'a' && c <= 'z') {
            v = c - 'a' + 26;
        } else if (c >= '0' && c <= '9') {
            v = c - '0' + 52;
        } else if (c == '+') {
            v = 62;
        } else if (c == '/') {
            v = 63;
        } else {
            return FAAS_ERROR;
        }

        acc = (acc << 6) | v;

        if (i % 4 == 3) {
            luaL_addchar(&b, (char) (acc >> 16));
            luaL_addchar(&b, (char) (acc >> 8));
            luaL_addchar(&b, (char) acc);
            acc = 0;
        }
    }

    if (pad == 1) {
        luaL_addchar(&b, (char) (acc >> 10));
        luaL_addchar(&b, (char) (acc >> 2));

    } else if (pad == 2) {
        luaL_addchar(&b, (char) (acc >> 4));
    }

    luaL_pushresult(&b);

    return FAAS_OK;
}
