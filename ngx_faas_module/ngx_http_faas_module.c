
/*
 * ngx_http_faas_module: directives, configuration and the module.
 */


#include "ngx_http_faas_module.h"


static char *ngx_http_faas_function(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_faas_event(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static void ngx_http_faas_function_cleanup(void *data);
static void *ngx_http_faas_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_faas_init_main_conf(ngx_conf_t *cf, void *conf);
static void *ngx_http_faas_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_faas_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static ngx_int_t ngx_http_faas_init(ngx_conf_t *cf);
static ngx_int_t ngx_http_faas_init_process(ngx_cycle_t *cycle);
static int ngx_http_faas_prewarm_get(void *req, faas_field_e field,
    faas_str_t *value);
static int ngx_http_faas_prewarm_headers(void *req, faas_msg_e msg,
    faas_str_t *lname, faas_header_pt cb, void *arg);
static int ngx_http_faas_prewarm_set(void *req, faas_field_e field,
    faas_str_t *value);
static int ngx_http_faas_prewarm_set_headers(void *req, faas_msg_e msg,
    faas_str_t *lnames, size_t nnames, faas_header_t *h, size_t n);
static int ngx_http_faas_prewarm_respond(void *req, faas_response_t *resp);
static void ngx_http_faas_prewarm_log(void *req, faas_log_e level,
    const char *msg, size_t len);
static int ngx_http_faas_prewarm_geo(void *req, faas_str_t *addr,
    faas_geo_result_t *res, char *err, size_t errlen);


static ngx_conf_enum_t  ngx_http_faas_on_error[] = {
    { ngx_string("fail"), NGX_HTTP_FAAS_ON_ERROR_FAIL },
    { ngx_string("pass"), NGX_HTTP_FAAS_ON_ERROR_PASS },
    { ngx_null_string, 0 }
};


static ngx_conf_num_bounds_t  ngx_http_faas_warm_states_bounds = {
    ngx_conf_check_num_bounds, 1, -1
};


/*
 * The host of a prewarm (init_process): there is no request, the log is
 * the cycle's.  The top-level code reaches no request field anyway.
 */

static const faas_host_t  ngx_http_faas_prewarm_host = {
    ngx_http_faas_prewarm_get,
    ngx_http_faas_prewarm_headers,
    ngx_http_faas_prewarm_set,
    ngx_http_faas_prewarm_set_headers,
    ngx_http_faas_prewarm_respond,
    ngx_http_faas_prewarm_log,
    ngx_http_faas_prewarm_geo,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL
};


static ngx_command_t  ngx_http_faas_commands[] = {

    { ngx_string("faas_function"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_2MORE,
      ngx_http_faas_function,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("faas_viewer_request"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_faas_event,
      NGX_HTTP_LOC_CONF_OFFSET,
      FAAS_VIEWER_REQUEST,
      NULL },

    { ngx_string("faas_viewer_response"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_faas_event,
      NGX_HTTP_LOC_CONF_OFFSET,
      FAAS_VIEWER_RESPONSE,
      NULL },

    { ngx_string("faas_origin_request"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_faas_event,
      NGX_HTTP_LOC_CONF_OFFSET,
      FAAS_ORIGIN_REQUEST,
      NULL },

    { ngx_string("faas_origin_response"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_faas_event,
      NGX_HTTP_LOC_CONF_OFFSET,
      FAAS_ORIGIN_RESPONSE,
      NULL },

    { ngx_string("faas_content"),
      NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_faas_event,
      NGX_HTTP_LOC_CONF_OFFSET,
      FAAS_CONTENT,
      NULL },

    { ngx_string("faas_backend"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_2MORE,
      ngx_http_faas_backend,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("faas_forward"),
      NGX_HTTP_LOC_CONF|NGX_CONF_TAKE2,
      ngx_http_faas_forward,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("faas_origin"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_faas_origin,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("faas_body"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_faas_body_conf,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_faas_loc_conf_t, body),
      NULL },

    { ngx_string("faas_response_body"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_faas_body_conf,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_faas_loc_conf_t, response_body),
      NULL },

    { ngx_string("faas_response_max"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_faas_loc_conf_t, response_max),
      NULL },

    { ngx_string("faas_geoip"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_faas_geoip,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("faas_state"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE123,
      ngx_http_faas_state,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("faas_warm_states"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_faas_main_conf_t, warm_states),
      &ngx_http_faas_warm_states_bounds },

    { ngx_string("faas_prewarm"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_faas_main_conf_t, prewarm),
      NULL },

    { ngx_string("faas_geo_headers"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_faas_loc_conf_t, geo_headers),
      NULL },

    { ngx_string("faas_reload_check"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_faas_main_conf_t, reload_check),
      NULL },

    { ngx_string("faas_status"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_faas_status,
      0,
      0,
      NULL },

    { ngx_string("faas_on_error"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_faas_loc_conf_t, on_error),
      &ngx_http_faas_on_error },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_faas_module_ctx = {
    ngx_http_faas_add_variables,           /* preconfiguration */
    ngx_http_faas_init,                    /* postconfiguration */

    ngx_http_faas_create_main_conf,        /* create main configuration */
    ngx_http_faas_init_main_conf,          /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_faas_create_loc_conf,         /* create location configuration */
    ngx_http_faas_merge_loc_conf           /* merge location configuration */
};


ngx_module_t  ngx_http_faas_module = {
    NGX_MODULE_V1,
    &ngx_http_faas_module_ctx,             /* module context */
    ngx_http_faas_commands,                /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    ngx_http_faas_state_init_module,       /* init module */
    ngx_http_faas_init_process,            /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_faas_state_exit_process,      /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_str_t  ngx_http_faas_request_id = ngx_string("request_id");


/*
 * faas_function NAME FILE [memory=8m] [timeout=5ms] [instructions=N]
 *               [jit=on|off] [env=KEY=VALUE ...];
 */

static char *
ngx_http_faas_function(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_faas_main_conf_t *fmcf = conf;

    u_char                    *eq;
    char                       err[NGX_MAX_ERROR_STR];
    ssize_t                    size;
    ngx_int_t                  n;
    ngx_str_t                 *value, file, s;
    ngx_uint_t                 i;
    ngx_array_t                env;
    faas_str_t                *kv;
    ngx_pool_cleanup_t        *cln;
    faas_function_conf_t       fc;
    ngx_http_faas_function_t  *f;

    value = cf->args->elts;

    if (value[1].len == 0) {
        return "has an empty function name";
    }

    f = fmcf->functions.elts;

    for (i = 0; i < fmcf->functions.nelts; i++) {
        if (f[i].name.len == value[1].len
            && ngx_strncmp(f[i].name.data, value[1].data, value[1].len) == 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "duplicate function \"%V\"", &value[1]);
            return NGX_CONF_ERROR;
        }
    }

    file = value[2];

    if (ngx_conf_full_name(cf->cycle, &file, 0) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    if (ngx_array_init(&env, cf->temp_pool, 4, sizeof(faas_str_t))
        != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(&fc, sizeof(faas_function_conf_t));

    fc.name.data = (char *) value[1].data;
    fc.name.len = value[1].len;
    fc.path = (char *) file.data;
    fc.memory = 8 * 1024 * 1024;
    fc.timeout = 5000;

    for (i = 3; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "memory=", 7) == 0) {
            s.data = value[i].data + 7;
            s.len = value[i].len - 7;

            size = ngx_parse_size(&s);
            if (size < 64 * 1024) {
                goto invalid;
            }

            fc.memory = size;
            continue;
        }

        if (ngx_strncmp(value[i].data, "timeout=", 8) == 0) {
            s.data = value[i].data + 8;
            s.len = value[i].len - 8;

            n = ngx_parse_time(&s, 0);
            if (n == NGX_ERROR || n == 0) {
                goto invalid;
            }

            fc.timeout = (uint64_t) n * 1000;
            continue;
        }

        if (ngx_strncmp(value[i].data, "max_invocations=", 16) == 0) {
            n = ngx_atoi(value[i].data + 16, value[i].len - 16);
            if (n == NGX_ERROR || n == 0) {
                goto invalid;
            }

            fc.max_invocations = n;
            continue;
        }

        if (ngx_strncmp(value[i].data, "memory_high=", 12) == 0) {
            s.data = value[i].data + 12;
            s.len = value[i].len - 12;

            size = ngx_parse_size(&s);
            if (size <= 0) {
                goto invalid;
            }

            fc.memory_high = size;
            continue;
        }

        if (ngx_strncmp(value[i].data, "instructions=", 13) == 0) {
            n = ngx_atoi(value[i].data + 13, value[i].len - 13);
            if (n == NGX_ERROR || n == 0) {
                goto invalid;
            }

            fc.instructions = n;
            continue;
        }

        if (ngx_strcmp(value[i].data, "jit=on") == 0) {
            ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                               "function \"%V\" with jit=on: timeout= and "
                               "instructions= are not checked inside "
                               "compiled code, so a loop can hold the "
                               "worker; use it for trusted code only",
                               &value[1]);
            fc.jit = 1;
            continue;
        }

        if (ngx_strcmp(value[i].data, "jit=off") == 0) {
            fc.jit = 0;
            continue;
        }

        if (ngx_strncmp(value[i].data, "env=", 4) == 0) {
            eq = ngx_strlchr(value[i].data + 4, value[i].data + value[i].len,
                             '=');
            if (eq == NULL || eq == value[i].data + 4) {
                goto invalid;
            }

            kv = ngx_array_push_n(&env, 2);
            if (kv == NULL) {
                return NGX_CONF_ERROR;
            }

            kv[0].data = (char *) value[i].data + 4;
            kv[0].len = eq - value[i].data - 4;
            kv[1].data = (char *) eq + 1;
            kv[1].len = value[i].data + value[i].len - eq - 1;
            continue;
        }

        goto invalid;
    }

    if (fc.memory_high && fc.memory_high >= fc.memory) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"memory_high=\" must be below \"memory=\" in "
                           "\"%V\" directive", &cmd->name);
        return NGX_CONF_ERROR;
    }

    fc.env = env.elts;
    fc.nenv = env.nelts / 2;

    f = ngx_array_push(&fmcf->functions);
    if (f == NULL) {
        return NGX_CONF_ERROR;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NGX_CONF_ERROR;
    }

    f->name = value[1];

    /* nginx -s only signals: a broken function must not stop it */

    if (ngx_process == NGX_PROCESS_SIGNALLER) {
        f->fn = NULL;
        return NGX_CONF_OK;
    }

    f->fn = faas_function_create(&fc, err, sizeof(err));

    if (f->fn == NULL) {
        fmcf->functions.nelts--;
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "function \"%V\": %s",
                           &value[1], err);
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_http_faas_function_cleanup;
    cln->data = f->fn;

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid parameter \"%V\" in \"%V\" directive",
                       &value[i], &cmd->name);

    return NGX_CONF_ERROR;
}


static void
ngx_http_faas_function_cleanup(void *data)
{
    faas_function_destroy(data);
}


/* faas_viewer_request FN [FN ...]: several functions are a sequence */

static char *
ngx_http_faas_event(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_faas_loc_conf_t *flcf = conf;

    ngx_str_t                  *value;
    ngx_uint_t                  i, j;
    faas_function_t           **fn;
    ngx_http_faas_function_t   *f;
    ngx_http_core_loc_conf_t   *clcf;
    ngx_http_faas_main_conf_t  *fmcf;

    if (flcf->events[cmd->offset] != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    flcf->events[cmd->offset] = ngx_array_create(cf->pool,
                                                 cf->args->nelts - 1,
                                                 sizeof(faas_function_t *));
    if (flcf->events[cmd->offset] == NULL) {
        return NGX_CONF_ERROR;
    }

    fmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_faas_module);
    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {
        f = fmcf->functions.elts;

        for (j = 0; j < fmcf->functions.nelts; j++) {
            if (f[j].name.len == value[i].len
                && ngx_strncmp(f[j].name.data, value[i].data, value[i].len)
                   == 0)
            {
                break;
            }
        }

        if (j == fmcf->functions.nelts) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "unknown function \"%V\" in \"%V\": declare "
                               "it with \"faas_function\" at the http level "
                               "before it is used", &value[i], &cmd->name);
            return NGX_CONF_ERROR;
        }

        fn = ngx_array_push(flcf->events[cmd->offset]);
        if (fn == NULL) {
            return NGX_CONF_ERROR;
        }

        *fn = f[j].fn;
    }

    fmcf->declared |= 1 << cmd->offset;

    if (cmd->offset == FAAS_CONTENT) {
        clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
        clcf->handler = ngx_http_faas_content_handler;
    }

    return NGX_CONF_OK;
}


static void *
ngx_http_faas_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_faas_main_conf_t  *fmcf;

    fmcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_faas_main_conf_t));
    if (fmcf == NULL) {
        return NULL;
    }

    if (ngx_array_init(&fmcf->functions, cf->pool, 8,
                       sizeof(ngx_http_faas_function_t))
        != NGX_OK
        || ngx_array_init(&fmcf->backends, cf->pool, 4,
                          sizeof(ngx_http_faas_backend_t))
           != NGX_OK)
    {
        return NULL;
    }

    fmcf->request_id_index = NGX_CONF_UNSET;
    fmcf->reload_check = NGX_CONF_UNSET_MSEC;
    fmcf->warm_states = NGX_CONF_UNSET;
    fmcf->prewarm = NGX_CONF_UNSET;

    return fmcf;
}


static char *
ngx_http_faas_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_faas_main_conf_t *fmcf = conf;

    ngx_conf_init_value(fmcf->warm_states, 0);
    ngx_conf_init_value(fmcf->prewarm, 0);

    return NGX_CONF_OK;
}


static void *
ngx_http_faas_create_loc_conf(ngx_conf_t *cf)
{
    ngx_uint_t                 i;
    ngx_http_faas_loc_conf_t  *flcf;

    flcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_faas_loc_conf_t));
    if (flcf == NULL) {
        return NULL;
    }

    for (i = 0; i < FAAS_EVENT_MAX; i++) {
        flcf->events[i] = NGX_CONF_UNSET_PTR;
    }

    flcf->on_error = NGX_CONF_UNSET_UINT;
    flcf->geo_headers = NGX_CONF_UNSET;
    flcf->origin = NGX_CONF_UNSET_PTR;
    flcf->body = NGX_CONF_UNSET_SIZE;
    flcf->response_max = NGX_CONF_UNSET_SIZE;
    flcf->response_body = NGX_CONF_UNSET_SIZE;

    return flcf;
}


static char *
ngx_http_faas_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_faas_loc_conf_t *prev = parent;
    ngx_http_faas_loc_conf_t *conf = child;

    ngx_uint_t                  i;
    ngx_http_faas_main_conf_t  *fmcf;

    for (i = 0; i < FAAS_EVENT_MAX; i++) {
        ngx_conf_merge_ptr_value(conf->events[i], prev->events[i], NULL);
    }

    ngx_conf_merge_uint_value(conf->on_error, prev->on_error,
                              NGX_HTTP_FAAS_ON_ERROR_FAIL);
    ngx_conf_merge_value(conf->geo_headers, prev->geo_headers, 0);

    if (conf->geo_headers) {
        fmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_faas_module);

        if (fmcf->geo == NULL) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"faas_geo_headers on\" needs a database: "
                               "add \"faas_geoip\" to the http block");
            return NGX_CONF_ERROR;
        }
    }

    ngx_conf_merge_ptr_value(conf->origin, prev->origin, NULL);
    ngx_conf_merge_size_value(conf->body, prev->body, 0);
    ngx_conf_merge_size_value(conf->response_max, prev->response_max,
                              1024 * 1024);
    ngx_conf_merge_size_value(conf->response_body, prev->response_body, 0);

    return ngx_http_faas_origin_merge(cf, prev, conf);
}


static ngx_int_t
ngx_http_faas_init(ngx_conf_t *cf)
{
    ngx_http_faas_main_conf_t  *fmcf;

    fmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_faas_module);

    /*
     * PRECONTENT handlers run in the reverse order of registration: the
     * origin-request handler goes in first so that it runs after the
     * geo handler, and sees the CloudFront-Viewer-* headers.
     */

    if ((fmcf->declared & NGX_HTTP_FAAS_ORIGIN_EVENTS)
        && ngx_http_faas_origin_init(cf) != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (fmcf->geo && ngx_http_faas_geo_init(cf) != NGX_OK) {
        return NGX_ERROR;
    }

    if (fmcf->functions.nelts == 0 && fmcf->backends.nelts == 0) {
        return NGX_OK;
    }

    if (fmcf->backends.nelts && ngx_http_faas_invoke_init(cf) != NGX_OK) {
        return NGX_ERROR;
    }

    if (ngx_http_faas_stats_init(cf) != NGX_OK) {
        return NGX_ERROR;
    }

    fmcf->request_id_index = ngx_http_get_variable_index(cf,
                                                 &ngx_http_faas_request_id);
    if (fmcf->request_id_index == NGX_ERROR) {
        return NGX_ERROR;
    }

    return ngx_http_faas_viewer_init(cf);
}


/* adds a phase handler; handlers of a phase run in reverse order */

ngx_int_t
ngx_http_faas_add_handler(ngx_conf_t *cf, ngx_http_phases phase,
    ngx_http_handler_pt handler)
{
    ngx_http_handler_pt        *h;
    ngx_http_core_main_conf_t  *cmcf;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[phase].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = handler;

    return NGX_OK;
}


/*
 * Each worker: the cap on warm states, then with faas_prewarm the warm
 * state of every function (of the first faas_warm_states ones), its
 * top-level code run now.  A function that fails is logged and left
 * cold: its requests fail as they would without prewarm.
 */

static ngx_int_t
ngx_http_faas_init_process(ngx_cycle_t *cycle)
{
    ngx_uint_t                  i;
    faas_call_t                 call;
    ngx_http_faas_function_t   *f;
    ngx_http_faas_main_conf_t  *fmcf;

    if (ngx_http_faas_state_init_process(cycle) != NGX_OK) {
        return NGX_ERROR;
    }

    fmcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_faas_module);

    if (fmcf == NULL
        || (ngx_process != NGX_PROCESS_WORKER
            && ngx_process != NGX_PROCESS_SINGLE))
    {
        return NGX_OK;
    }

    faas_runtime_set_max_states(fmcf->warm_states);

    if (ngx_http_faas_reload_init_process(cycle, fmcf) != NGX_OK) {
        return NGX_ERROR;
    }

    if (!fmcf->prewarm) {
        return NGX_OK;
    }

    f = fmcf->functions.elts;

    for (i = 0; i < fmcf->functions.nelts; i++) {

        if (fmcf->warm_states && i >= (ngx_uint_t) fmcf->warm_states) {
            break;
        }

        if (f[i].fn == NULL) {
            continue;
        }

        ngx_memzero(&call, sizeof(faas_call_t));

        call.fn = f[i].fn;
        call.event = FAAS_VIEWER_REQUEST;
        call.host = &ngx_http_faas_prewarm_host;
        call.req = cycle;
        call.store = fmcf->store;

        (void) faas_prewarm(&call);
    }

    return NGX_OK;
}


static int
ngx_http_faas_prewarm_get(void *req, faas_field_e field, faas_str_t *value)
{
    return FAAS_ERROR;
}


static int
ngx_http_faas_prewarm_headers(void *req, faas_msg_e msg, faas_str_t *lname,
    faas_header_pt cb, void *arg)
{
    return FAAS_ERROR;
}


static int
ngx_http_faas_prewarm_set(void *req, faas_field_e field, faas_str_t *value)
{
    return FAAS_ERROR;
}


static int
ngx_http_faas_prewarm_set_headers(void *req, faas_msg_e msg,
    faas_str_t *lnames, size_t nnames, faas_header_t *h, size_t n)
{
    return FAAS_ERROR;
}


static int
ngx_http_faas_prewarm_respond(void *req, faas_response_t *resp)
{
    return FAAS_ERROR;
}


static void
ngx_http_faas_prewarm_log(void *req, faas_log_e level, const char *msg,
    size_t len)
{
    ngx_cycle_t  *cycle = req;

    static ngx_uint_t  levels[] = {
        NGX_LOG_ERR, NGX_LOG_WARN, NGX_LOG_INFO, NGX_LOG_DEBUG
    };

    ngx_log_error(levels[level], cycle->log, 0, "%*s, while prewarming",
                  len, msg);
}


static int
ngx_http_faas_prewarm_geo(void *req, faas_str_t *addr,
    faas_geo_result_t *res, char *err, size_t errlen)
{
    return FAAS_DECLINED;
}
