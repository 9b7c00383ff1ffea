/*
 * faas.geo([ip]): the flat geolocation table of SPEC §5.  The lookup is
 * the host's (it knows the viewer's address after realip and keeps one
 * lookup per request); this file only turns the result into Lua.
 */

#include "faas_state.h"
#include "faas_lib.h"


static int faas_lib_geo(lua_State *L);


int
faas_lib_geo_open(lua_State *L)
{
    lua_pushcfunction(L, faas_lib_geo);
    lua_setfield(L, -2, "geo");

    return 0;
}


static void
faas_geo_field(lua_State *L, const char *name, faas_geo_str_t *s)
{
    if (s->data) {
        lua_pushlstring(L, s->data, s->len);
        lua_setfield(L, -2, name);
    }
}


static int
faas_lib_geo(lua_State *L)
{
    int                 rc;
    char                err[256];
    faas_str_t          addr, *ap;
    faas_call_t        *call;
    faas_geo_result_t   res;

    call = faas_state_from(L)->run.call;
    ap = NULL;

    if (!lua_isnoneornil(L, 1)) {
        addr.data = luaL_checklstring(L, 1, &addr.len);
        ap = &addr;
    }

    if (call == NULL || call->host->geo == NULL) {
        return luaL_error(L, "faas.geo is not available here");
    }

    rc = call->host->geo(call->req, ap, &res, err, sizeof(err));

    if (rc == FAAS_DECLINED) {
        return luaL_error(L, "faas.geo needs a database: add faas_geoip "
                          "to the http block");
    }

    if (rc != FAAS_GEO_OK) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        return 2;
    }

    lua_createtable(L, 0, 13);

    faas_geo_field(L, "country_code", &res.country_code);
    faas_geo_field(L, "country_name", &res.country_name);
    faas_geo_field(L, "continent_code", &res.continent_code);
    faas_geo_field(L, "region_code", &res.region_code);
    faas_geo_field(L, "region_name", &res.region_name);
    faas_geo_field(L, "city", &res.city);
    faas_geo_field(L, "postal_code", &res.postal_code);
    faas_geo_field(L, "time_zone", &res.time_zone);
    faas_geo_field(L, "as_org", &res.as_org);

    if (res.has_latitude) {
        lua_pushnumber(L, res.latitude);
        lua_setfield(L, -2, "latitude");
    }

    if (res.has_longitude) {
        lua_pushnumber(L, res.longitude);
        lua_setfield(L, -2, "longitude");
    }

    if (res.has_accuracy_radius) {
        lua_pushnumber(L, res.accuracy_radius);
        lua_setfield(L, -2, "accuracy_radius");
    }

    if (res.has_asn) {
        lua_pushnumber(L, res.asn);
        lua_setfield(L, -2, "asn");
    }

    return 1;
}
