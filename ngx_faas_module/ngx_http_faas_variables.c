
/*
 * The module's variables, for log_format and plain configuration:
 * $faas_request_id (the id in every log line of a function),
 * $faas_duration (milliseconds spent in functions by this request), and
 * the $faas_geo_* family of ngx_http_faas_geo.c.
 */


#include "ngx_http_faas_module.h"


static ngx_int_t ngx_http_faas_request_id_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_faas_duration_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);


static ngx_http_variable_t  ngx_http_faas_vars[] = {

    { ngx_string("faas_request_id"), NULL,
      ngx_http_faas_request_id_variable, 0, 0, 0 },

    { ngx_string("faas_duration"), NULL,
      ngx_http_faas_duration_variable, 0, NGX_HTTP_VAR_NOCACHEABLE, 0 },

      ngx_http_null_variable
};


static ngx_str_t  ngx_http_faas_request_id = ngx_string("request_id");


ngx_int_t
ngx_http_faas_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var, *v;

    for (v = ngx_http_faas_vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    if (ngx_http_faas_origin_add_variables(cf) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_http_faas_geo_add_variables(cf);
}


/* the functions' request id is nginx's $request_id */

static ngx_int_t
ngx_http_faas_request_id_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_http_variable_value_t  *id;

    id = ngx_http_get_variable(r, &ngx_http_faas_request_id,
                               ngx_hash_key(ngx_http_faas_request_id.data,
                                            ngx_http_faas_request_id.len));
    if (id == NULL) {
        return NGX_ERROR;
    }

    *v = *id;

    return NGX_OK;
}


static ngx_int_t
ngx_http_faas_duration_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    u_char               *p;
    ngx_http_faas_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r->main, ngx_http_faas_module);

    p = ngx_pnalloc(r->pool, NGX_TIME_T_LEN + 4);
    if (p == NULL) {
        return NGX_ERROR;
    }

    v->len = ngx_sprintf(p, "%M.%03M", ctx ? ctx->duration_us / 1000 : 0,
                         ctx ? ctx->duration_us % 1000 : 0)
             - p;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;
    v->data = p;

    return NGX_OK;
}
