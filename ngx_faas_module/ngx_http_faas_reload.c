
/*
 * Deploys without a restart: with faas_reload_check, each worker looks at
 * the function files on a timer and takes a changed file that compiles;
 * one that does not compile leaves the running version serving.
 */


#include "ngx_http_faas_module.h"


static void ngx_http_faas_reload_handler(ngx_event_t *ev);


static ngx_event_t  ngx_http_faas_reload_event;


ngx_int_t
ngx_http_faas_reload_init_process(ngx_cycle_t *cycle,
    ngx_http_faas_main_conf_t *fmcf)
{
    ngx_event_t  *ev;

    if (fmcf->reload_check == NGX_CONF_UNSET_MSEC
        || fmcf->reload_check == 0)
    {
        return NGX_OK;
    }

    ev = &ngx_http_faas_reload_event;

    ev->handler = ngx_http_faas_reload_handler;
    ev->data = fmcf;
    ev->log = cycle->log;

    /* a pending check must not hold a worker that is shutting down */
    ev->cancelable = 1;

    ngx_add_timer(ev, fmcf->reload_check);

    return NGX_OK;
}


static void
ngx_http_faas_reload_handler(ngx_event_t *ev)
{
    ngx_http_faas_main_conf_t *fmcf = ev->data;

    int                        changed;
    char                       err[NGX_MAX_ERROR_STR];
    ngx_uint_t                 i;
    ngx_http_faas_function_t  *f;

    if (ngx_exiting || ngx_quit || ngx_terminate) {
        return;
    }

    f = fmcf->functions.elts;

    for (i = 0; i < fmcf->functions.nelts; i++) {

        /* invocations do not span events: none runs while this one does */

        if (faas_function_reload(f[i].fn, &changed, err, sizeof(err))
            != FAAS_OK)
        {
            ngx_log_error(NGX_LOG_ERR, ev->log, 0,
                          "faas: function \"%V\" not reloaded, the running "
                          "version %s keeps serving: %s", &f[i].name,
                          faas_function_version(f[i].fn), err);
            continue;
        }

        if (changed) {
            ngx_log_error(NGX_LOG_NOTICE, ev->log, 0,
                          "faas: function \"%V\" reloaded, version %s",
                          &f[i].name, faas_function_version(f[i].fn));
        }
    }

    ngx_add_timer(ev, fmcf->reload_check);
}
