
/*
 * Viewer geolocation: faas_geoip databases opened at configuration time,
 * one lookup of the viewer per request (after realip) shared by faas.geo,
 * the $faas_geo_* variables and the CloudFront-Viewer-* headers.
 */


#include "ngx_http_faas_module.h"


typedef struct {
    ngx_str_t                   name;       /* the variable */
    ngx_str_t                   header;     /* CloudFront's, or empty */
    size_t                      offset;     /* in faas_geo_result_t */
    ngx_uint_t                  type;
} ngx_http_faas_geo_field_t;


#define NGX_HTTP_FAAS_GEO_STR     0
#define NGX_HTTP_FAAS_GEO_LAT     1
#define NGX_HTTP_FAAS_GEO_LON     2
#define NGX_HTTP_FAAS_GEO_RADIUS  3
#define NGX_HTTP_FAAS_GEO_ASN     4


static ngx_int_t ngx_http_faas_geo_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_faas_geo_value(ngx_http_request_t *r,
    ngx_http_faas_geo_field_t *f, ngx_str_t *value);
static ngx_int_t ngx_http_faas_geo_headers_handler(ngx_http_request_t *r);
static void ngx_http_faas_geo_cleanup(void *data);


static ngx_http_faas_geo_field_t  ngx_http_faas_geo_fields[] = {

    { ngx_string("faas_geo_country_code"),
      ngx_string("CloudFront-Viewer-Country"),
      offsetof(faas_geo_result_t, country_code), NGX_HTTP_FAAS_GEO_STR },

    { ngx_string("faas_geo_country_name"),
      ngx_string("CloudFront-Viewer-Country-Name"),
      offsetof(faas_geo_result_t, country_name), NGX_HTTP_FAAS_GEO_STR },

    { ngx_string("faas_geo_continent_code"), ngx_null_string,
      offsetof(faas_geo_result_t, continent_code), NGX_HTTP_FAAS_GEO_STR },

    { ngx_string("faas_geo_region_code"),
      ngx_string("CloudFront-Viewer-Country-Region"),
      offsetof(faas_geo_result_t, region_code), NGX_HTTP_FAAS_GEO_STR },

    { ngx_string("faas_geo_region_name"),
      ngx_string("CloudFront-Viewer-Country-Region-Name"),
      offsetof(faas_geo_result_t, region_name), NGX_HTTP_FAAS_GEO_STR },

    { ngx_string("faas_geo_city"),
      ngx_string("CloudFront-Viewer-City"),
      offsetof(faas_geo_result_t, city), NGX_HTTP_FAAS_GEO_STR },

    { ngx_string("faas_geo_postal_code"),
      ngx_string("CloudFront-Viewer-Postal-Code"),
      offsetof(faas_geo_result_t, postal_code), NGX_HTTP_FAAS_GEO_STR },

    { ngx_string("faas_geo_time_zone"),
      ngx_string("CloudFront-Viewer-Time-Zone"),
      offsetof(faas_geo_result_t, time_zone), NGX_HTTP_FAAS_GEO_STR },

    { ngx_string("faas_geo_latitude"),
      ngx_string("CloudFront-Viewer-Latitude"),
      0, NGX_HTTP_FAAS_GEO_LAT },

    { ngx_string("faas_geo_longitude"),
      ngx_string("CloudFront-Viewer-Longitude"),
      0, NGX_HTTP_FAAS_GEO_LON },

    { ngx_string("faas_geo_accuracy_radius"), ngx_null_string,
      0, NGX_HTTP_FAAS_GEO_RADIUS },

    { ngx_string("faas_geo_asn"),
      ngx_string("CloudFront-Viewer-ASN"),
      0, NGX_HTTP_FAAS_GEO_ASN },

    { ngx_string("faas_geo_as_org"), ngx_null_string,
      offsetof(faas_geo_result_t, as_org), NGX_HTTP_FAAS_GEO_STR },

    { ngx_null_string, ngx_null_string, 0, 0 }
};


/* faas_geoip FILE: City, Country and ASN databases may be combined */

char *
ngx_http_faas_geoip(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_faas_main_conf_t *fmcf = conf;

    char                 err[NGX_MAX_ERROR_STR];
    ngx_str_t           *value, file;
    ngx_pool_cleanup_t  *cln;

    value = cf->args->elts;
    file = value[1];

    if (ngx_conf_full_name(cf->cycle, &file, 0) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    if (fmcf->geo == NULL) {
        cln = ngx_pool_cleanup_add(cf->pool, 0);
        if (cln == NULL) {
            return NGX_CONF_ERROR;
        }

        fmcf->geo = faas_geo_create();
        if (fmcf->geo == NULL) {
            return NGX_CONF_ERROR;
        }

        cln->handler = ngx_http_faas_geo_cleanup;
        cln->data = fmcf->geo;
    }

    /* nginx -s only signals: a database it cannot open must not stop it */

    if (ngx_process == NGX_PROCESS_SIGNALLER) {
        return NGX_CONF_OK;
    }

    if (faas_geo_open(fmcf->geo, (char *) file.data, err, sizeof(err))
        != FAAS_GEO_OK)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%s", err);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static void
ngx_http_faas_geo_cleanup(void *data)
{
    faas_geo_close(data);
}


ngx_int_t
ngx_http_faas_geo_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t        *var;
    ngx_http_faas_geo_field_t  *f;

    for (f = ngx_http_faas_geo_fields; f->name.len; f++) {
        var = ngx_http_add_variable(cf, &f->name, NGX_HTTP_VAR_NOCACHEABLE);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = ngx_http_faas_geo_variable;
        var->data = (uintptr_t) f;
    }

    return NGX_OK;
}


ngx_int_t
ngx_http_faas_geo_init(ngx_conf_t *cf)
{
    /*
     * CloudFront adds its viewer headers for the origin side: here they
     * go in after access control, where origin events run.
     */

    return ngx_http_faas_add_handler(cf, NGX_HTTP_PRECONTENT_PHASE,
                                     ngx_http_faas_geo_headers_handler);
}


/* the viewer's result, looked up once per request */

static faas_geo_result_t *
ngx_http_faas_geo_viewer(ngx_http_request_t *r, ngx_int_t *rc)
{
    ngx_http_faas_geo_t        *geo;
    ngx_http_faas_ctx_t        *ctx;
    ngx_http_faas_main_conf_t  *fmcf;

    fmcf = ngx_http_get_module_main_conf(r, ngx_http_faas_module);

    if (fmcf->geo == NULL) {
        *rc = FAAS_DECLINED;
        return NULL;
    }

    ctx = ngx_http_faas_get_ctx(r->main);
    if (ctx == NULL) {
        *rc = FAAS_GEO_ERROR;
        return NULL;
    }

    if (ctx->geo == NULL) {
        geo = ngx_palloc(r->pool, sizeof(ngx_http_faas_geo_t));
        if (geo == NULL) {
            *rc = FAAS_GEO_ERROR;
            return NULL;
        }

        geo->err[0] = '\0';
        geo->rc = faas_geo_lookup_sockaddr(fmcf->geo, r->connection->sockaddr,
                                           &geo->result, geo->err,
                                           sizeof(geo->err));

        if (geo->rc != FAAS_GEO_OK) {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "faas: geolocation of %V failed: %s",
                          &r->connection->addr_text, geo->err);
        }

        ctx->geo = geo;
    }

    *rc = ctx->geo->rc;

    return &ctx->geo->result;
}


/* the host's geo operation: faas.geo([ip]) */

int
ngx_http_faas_geo_lookup(void *req, faas_str_t *addr, faas_geo_result_t *res,
    char *err, size_t errlen)
{
    ngx_http_request_t  *r = req;

    ngx_int_t                   rc;
    faas_geo_result_t          *viewer;
    ngx_http_faas_ctx_t        *ctx;
    ngx_http_faas_main_conf_t  *fmcf;

    if (addr) {
        fmcf = ngx_http_get_module_main_conf(r, ngx_http_faas_module);

        if (fmcf->geo == NULL) {
            return FAAS_DECLINED;
        }

        return faas_geo_lookup(fmcf->geo, addr->data, addr->len, res, err,
                               errlen);
    }

    viewer = ngx_http_faas_geo_viewer(r, &rc);

    if (rc == FAAS_GEO_OK) {
        *res = *viewer;

    } else if (rc != FAAS_DECLINED) {
        ctx = ngx_http_faas_get_ctx(r->main);
        ngx_cpystrn((u_char *) err,
                    (u_char *) (ctx && ctx->geo ? ctx->geo->err : ""),
                    errlen);
    }

    return rc;
}


static ngx_int_t
ngx_http_faas_geo_value(ngx_http_request_t *r, ngx_http_faas_geo_field_t *f,
    ngx_str_t *value)
{
    u_char             *p;
    ngx_int_t           rc;
    faas_geo_str_t     *s;
    faas_geo_result_t  *geo;

    geo = ngx_http_faas_geo_viewer(r, &rc);

    if (rc != FAAS_GEO_OK) {
        return NGX_DECLINED;
    }

    if (f->type == NGX_HTTP_FAAS_GEO_STR) {
        s = (faas_geo_str_t *) ((u_char *) geo + f->offset);

        if (s->data == NULL) {
            return NGX_DECLINED;
        }

        value->data = (u_char *) s->data;
        value->len = s->len;

        return NGX_OK;
    }

    if ((f->type == NGX_HTTP_FAAS_GEO_LAT && !geo->has_latitude)
        || (f->type == NGX_HTTP_FAAS_GEO_LON && !geo->has_longitude)
        || (f->type == NGX_HTTP_FAAS_GEO_RADIUS && !geo->has_accuracy_radius)
        || (f->type == NGX_HTTP_FAAS_GEO_ASN && !geo->has_asn))
    {
        return NGX_DECLINED;
    }

    p = ngx_pnalloc(r->pool, NGX_INT_T_LEN + 8);
    if (p == NULL) {
        return NGX_ERROR;
    }

    value->data = p;

    switch (f->type) {

    case NGX_HTTP_FAAS_GEO_LAT:
        value->len = ngx_sprintf(p, "%.4f", geo->latitude) - p;
        break;

    case NGX_HTTP_FAAS_GEO_LON:
        value->len = ngx_sprintf(p, "%.4f", geo->longitude) - p;
        break;

    case NGX_HTTP_FAAS_GEO_RADIUS:
        value->len = ngx_sprintf(p, "%uD", geo->accuracy_radius) - p;
        break;

    default: /* NGX_HTTP_FAAS_GEO_ASN */
        value->len = ngx_sprintf(p, "%uD", geo->asn) - p;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_faas_geo_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_int_t   rc;
    ngx_str_t   value;

    rc = ngx_http_faas_geo_value(r, (ngx_http_faas_geo_field_t *) data,
                                 &value);

    if (rc == NGX_ERROR) {
        return NGX_ERROR;
    }

    if (rc == NGX_DECLINED) {
        v->not_found = 1;
        return NGX_OK;
    }

    v->data = value.data;
    v->len = value.len;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;

    return NGX_OK;
}


/*
 * faas_geo_headers on: the CloudFront-Viewer-* headers replace whatever
 * the client sent under those names, so a viewer cannot forge them.
 */

static ngx_int_t
ngx_http_faas_geo_headers_handler(ngx_http_request_t *r)
{
    size_t                      n, k;
    u_char                     *lc;
    ngx_str_t                   value;
    faas_str_t                  lnames[16];
    faas_header_t               h[16];
    ngx_http_faas_ctx_t        *ctx;
    ngx_http_faas_loc_conf_t   *flcf;
    ngx_http_faas_geo_field_t  *f;

    flcf = ngx_http_get_module_loc_conf(r, ngx_http_faas_module);

    if (!flcf->geo_headers || r != r->main) {
        return NGX_DECLINED;
    }

    ctx = ngx_http_faas_get_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ctx->geo_headers_done) {
        return NGX_DECLINED;
    }

    ctx->geo_headers_done = 1;

    n = 0;
    k = 0;

    for (f = ngx_http_faas_geo_fields; f->name.len; f++) {
        if (f->header.len == 0) {
            continue;
        }

        lc = ngx_pnalloc(r->pool, f->header.len);
        if (lc == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        ngx_strlow(lc, f->header.data, f->header.len);

        lnames[n].data = (char *) lc;
        lnames[n].len = f->header.len;

        switch (ngx_http_faas_geo_value(r, f, &value)) {

        case NGX_ERROR:
            return NGX_HTTP_INTERNAL_SERVER_ERROR;

        case NGX_OK:
            h[k].lname = lnames[n];
            h[k].key.data = (char *) f->header.data;
            h[k].key.len = f->header.len;
            h[k].value.data = (char *) value.data;
            h[k].value.len = value.len;
            k++;
        }

        n++;
    }

    if (ngx_http_faas_set_request_headers(r, lnames, n, h, k) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return NGX_DECLINED;
}
