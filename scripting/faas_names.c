/*
 * Header names of faas.req and faas.resp, checked once per state.
 *
 * A handler names its headers with string constants, and LuaJIT interns
 * strings: the same name is the same string, at the same address, in
 * every invocation.  So a name is lowercased, checked as a token and
 * tested against the forbidden names of every event once; after that its
 * address finds the result.  The state's registry table holds each known
 * string, so no other string can take its address while it is known; a
 * name that takes its slot lets it go.
 */

#include <stdint.h>

#include "faas_state.h"


void
faas_names_open(lua_State *L, faas_state_t *st)
{
    lua_createtable(L, FAAS_NAMES_KNOWN, 0);
    st->refs[FAAS_REF_NAMES] = luaL_ref(L, LUA_REGISTRYINDEX);
}


/*
 * The set of a string's bytes: FAAS_NAMES_WAYS entries, any of which may
 * hold it, so that a few names of one handler do not push each other out
 */

static faas_name_known_t *
faas_name_set(faas_state_t *st, const char *p)
{
    uint64_t  u;

    u = (uint64_t) (uintptr_t) p * 0x9e3779b97f4a7c15ULL;

    return &st->names[(u >> 58) % (FAAS_NAMES_KNOWN / FAAS_NAMES_WAYS)
                      * FAAS_NAMES_WAYS];
}


/*
 * The known name of the string key at arg (key is its bytes and length),
 * made known now if it is a valid token up to FAAS_NAME_KNOWN_MAX bytes;
 * NULL otherwise, for the caller's own checks and error.  The entry is
 * good till the next call.
 */

faas_name_known_t *
faas_name_known(lua_State *L, faas_state_t *st, int arg, faas_str_t *key)
{
    faas_str_t          lname;
    faas_name_known_t  *set, *k;

    set = faas_name_set(st, key->data);

    for (k = set; k < set + FAAS_NAMES_WAYS; k++) {
        if (k->key == key->data) {
            return k;
        }
    }

    /* the set's ways are taken in turn */

    k = set + set->next;
    set->next = (set->next + 1) % FAAS_NAMES_WAYS;
    k->key = NULL;

    if (key->len > FAAS_NAME_KNOWN_MAX
        || !faas_header_name_lower(key->data, key->len, k->lname))
    {
        return NULL;
    }

    /* the table has its slots already: no allocation, no error */

    lua_rawgeti(L, LUA_REGISTRYINDEX, st->refs[FAAS_REF_NAMES]);
    lua_pushvalue(L, arg);
    lua_rawseti(L, -2, (int) (k - st->names) + 1);
    lua_pop(L, 1);

    k->key = key->data;
    k->len = key->len;

    lname.data = k->lname;
    lname.len = key->len;
    k->forbidden = faas_name_forbidden(&lname);

    return k;
}


/* bit event * 2 + msg for each message where lname may not be written */

unsigned
faas_name_forbidden(faas_str_t *lname)
{
    int       e, m;
    unsigned  forbidden;

    forbidden = 0;

    for (e = 0; e < FAAS_EVENT_MAX; e++) {
        for (m = FAAS_MSG_REQUEST; m <= FAAS_MSG_RESPONSE; m++) {
            if (faas_header_forbidden(e, m, lname) != NULL) {
                forbidden |= faas_name_bit(e, m);
            }
        }
    }

    return forbidden;
}
