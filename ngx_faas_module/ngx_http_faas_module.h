
/*
 * ngx_http_faas_module: the nginx adapter of the faas runtime.
 */

#ifndef _NGX_HTTP_FAAS_MODULE_H_INCLUDED_
#define _NGX_HTTP_FAAS_MODULE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "scripting/faas_runtime.h"
#include "scripting/faas_backend.h"
#include "cache/faas_store.h"


#define NGX_HTTP_FAAS_ON_ERROR_FAIL  0
#define NGX_HTTP_FAAS_ON_ERROR_PASS  1

/*
 * The events whose handlers or filters are installed only when some
 * level of the configuration declares one (fmcf->declared): a request
 * elsewhere does not pass through them
 */
#define NGX_HTTP_FAAS_ORIGIN_EVENTS                                           \
    (1 << FAAS_ORIGIN_REQUEST | 1 << FAAS_ORIGIN_RESPONSE)
#define NGX_HTTP_FAAS_RESPONSE_EVENTS                                         \
    (1 << FAAS_VIEWER_RESPONSE | 1 << FAAS_ORIGIN_RESPONSE)


typedef struct {
    ngx_str_t                   name;
    faas_function_t            *fn;
} ngx_http_faas_function_t;


typedef struct {
    ngx_str_t                   name;
    faas_backend_t             *backend;
} ngx_http_faas_backend_t;


typedef struct ngx_http_faas_state_s  ngx_http_faas_state_t;


/* a request that waits for a backend call (ngx_http_faas_invoke.c) */
typedef struct {
    ngx_http_request_t         *request;
    faas_invoke_t              *inv;        /* NULL once taken */
    ngx_http_request_t         *sr;         /* the request to the backend */
    ngx_msec_t                  start;
    ngx_event_t                 timer;      /* deadline, or Retry-After */
    ngx_event_t                 resume;     /* posted: the handler goes on */
    ngx_str_t                   answer;     /* the backend's body */
    size_t                      size;       /* allocated for it */
    unsigned                    timer_delay:1;
    unsigned                    delayed:1;
    unsigned                    too_big:1;
} ngx_http_faas_wait_t;


typedef struct {
    ngx_array_t                 functions;  /* ngx_http_faas_function_t */
    ngx_array_t                 backends;   /* ngx_http_faas_backend_t */
    uint64_t                    cache_grace; /* ms: most stale_if_error */
    ngx_int_t                   request_id_index;
    faas_geo_t                 *geo;

    ngx_http_faas_state_t      *state;      /* faas_state, or NULL */
    faas_store_t               *store;      /* opened by each worker */

    ngx_shm_zone_t             *stats_zone;
    void                       *stats;      /* in the zone */
    ngx_uint_t                  nworkers;
    ngx_flag_t                  status;     /* some faas_status exists */
    ngx_uint_t                  declared;   /* 1 << each event declared
                                               at some level */

    ngx_int_t                   warm_states; /* faas_warm_states; 0: any */
    ngx_flag_t                  prewarm;    /* faas_prewarm */
    ngx_msec_t                  reload_check;
} ngx_http_faas_main_conf_t;


typedef struct {
    /* per event: the sequence of faas_function_t * to run, or NULL */
    ngx_array_t                *events[FAAS_EVENT_MAX];
    ngx_uint_t                  on_error;
    ngx_flag_t                  geo_headers;

    /* ngx_http_faas_origin.c, ngx_http_faas_body.c */
    faas_origin_t              *origin;     /* faas_origin, or NULL */
    size_t                      body;       /* faas_body; 0: off */
    size_t                      response_max; /* faas_response_max */
    size_t                      response_body; /* faas_response_body */

    /* faas_forward BACKEND ACTION */
    faas_backend_t             *forward;
    ngx_str_t                   forward_action;
} ngx_http_faas_loc_conf_t;


typedef struct ngx_http_faas_undo_s  ngx_http_faas_undo_t;


typedef struct {
    faas_geo_result_t           result;
    ngx_int_t                   rc;
    char                        err[256];
} ngx_http_faas_geo_t;


typedef struct {
    ngx_http_request_t         *request;
    ngx_str_t                   body;       /* generated or replacement */
    ngx_int_t                   status;     /* of a generated response */
    ngx_msec_t                  duration_us; /* in functions, in all */
    u_char                      status_text[NGX_INT_T_LEN];

    /* the viewer's geolocation, looked up on first use */
    ngx_http_faas_geo_t        *geo;

    unsigned                    viewer_request_done:1;
    unsigned                    viewer_response_done:1;
    unsigned                    generated:1;
    unsigned                    replace_body:1;
    unsigned                    body_sent:1;
    unsigned                    geo_headers_done:1;

    /* the origin side: ngx_http_faas_origin.c, ngx_http_faas_body.c */
    faas_origin_t              *origin;     /* set by origin-request */
    ngx_str_t                   req_body;   /* what request.body shows */
    off_t                       req_body_size;

    unsigned                    origin_request_done:1;
    unsigned                    origin_response_done:1;
    unsigned                    origin_reached:1;   /* content phase */
    unsigned                    skip_origin_response:1;
    unsigned                    skip_viewer_response:1;
    unsigned                    body_read:1;
    unsigned                    body_waiting:1;
    unsigned                    req_body_loaded:1;

    /* faas_response_body: the response body held for the events */
    ngx_str_t                   resp_body;
    size_t                      resp_body_size;   /* allocated */
    unsigned                    resp_buffering:1;
    unsigned                    resp_body_ready:1;

    /* the call of a request event, kept while its handler waits */
    faas_call_t                 call;
    ngx_uint_t                  seq;        /* its place in the sequence */
    ngx_http_faas_wait_t       *wait;
    faas_invoke_t              *forward;    /* faas_forward's call */

    /* faas_on_error pass: what a failed function's writes changed */
    ngx_http_faas_undo_t       *undo;
} ngx_http_faas_ctx_t;


ngx_http_faas_ctx_t *ngx_http_faas_get_ctx(ngx_http_request_t *r);

/* ngx_http_faas_undo.c */
ngx_int_t ngx_http_faas_undo_arm(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx, ngx_uint_t pass);
void ngx_http_faas_undo_save(ngx_http_request_t *r, ngx_uint_t response);
ngx_int_t ngx_http_faas_undo_hide(ngx_http_request_t *r, ngx_table_elt_t *e);
void ngx_http_faas_undo_end(ngx_http_request_t *r, ngx_http_faas_ctx_t *ctx,
    ngx_uint_t failed);
ngx_int_t ngx_http_faas_run(ngx_http_request_t *r, ngx_array_t *fns,
    faas_event_e event, faas_call_t *call);
ngx_int_t ngx_http_faas_fail_status(faas_call_t *call);
ngx_int_t ngx_http_faas_viewer_init(ngx_conf_t *cf);
ngx_int_t ngx_http_faas_add_handler(ngx_conf_t *cf, ngx_http_phases phase,
    ngx_http_handler_pt handler);
ngx_int_t ngx_http_faas_reload_init_process(ngx_cycle_t *cycle,
    ngx_http_faas_main_conf_t *fmcf);
ngx_int_t ngx_http_faas_last_buf(ngx_http_request_t *r, ngx_str_t *body,
    ngx_chain_t *out);
ngx_int_t ngx_http_faas_push_header(ngx_http_request_t *r, ngx_list_t *list,
    faas_header_t *h, ngx_table_elt_t **out);
ngx_int_t ngx_http_faas_set_request_headers(ngx_http_request_t *r,
    faas_str_t *lnames, size_t nnames, faas_header_t *h, size_t n);

char *ngx_http_faas_geoip(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
ngx_int_t ngx_http_faas_geo_add_variables(ngx_conf_t *cf);
ngx_int_t ngx_http_faas_geo_init(ngx_conf_t *cf);
int ngx_http_faas_geo_lookup(void *req, faas_str_t *addr,
    faas_geo_result_t *res, char *err, size_t errlen);

char *ngx_http_faas_state(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
ngx_int_t ngx_http_faas_state_init_module(ngx_cycle_t *cycle);
ngx_int_t ngx_http_faas_state_init_process(ngx_cycle_t *cycle);
void ngx_http_faas_state_exit_process(ngx_cycle_t *cycle);

char *ngx_http_faas_status(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
ngx_int_t ngx_http_faas_stats_init(ngx_conf_t *cf);
void ngx_http_faas_stats_add(ngx_http_request_t *r, faas_call_t *call,
    ngx_msec_t us);
ngx_int_t ngx_http_faas_add_variables(ngx_conf_t *cf);

/* the origin side: origin events, faas_origin, bodies, faas_content */
ngx_int_t ngx_http_faas_send(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx);
ngx_int_t ngx_http_faas_origin_init(ngx_conf_t *cf);
ngx_int_t ngx_http_faas_origin_add_variables(ngx_conf_t *cf);
char *ngx_http_faas_origin(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
char *ngx_http_faas_origin_merge(ngx_conf_t *cf,
    ngx_http_faas_loc_conf_t *prev, ngx_http_faas_loc_conf_t *conf);
int ngx_http_faas_origin_get(void *req, faas_origin_t *origin);
int ngx_http_faas_origin_set(void *req, faas_origin_t *origin);
char *ngx_http_faas_body_conf(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_int_t ngx_http_faas_read_body(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx);
int ngx_http_faas_body_get(void *req, faas_msg_e msg, faas_body_t *body);
int ngx_http_faas_body_set(void *req, faas_msg_e msg, faas_str_t *data);
ngx_int_t ngx_http_faas_content_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_faas_response_body_init(ngx_conf_t *cf);
ngx_uint_t ngx_http_faas_response_events_due(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx, ngx_http_faas_loc_conf_t *flcf);


/* the regional tier: faas_backend, faas_forward, waiting for calls */
char *ngx_http_faas_backend(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
char *ngx_http_faas_forward(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
faas_backend_t *ngx_http_faas_backend_get(void *req, faas_str_t *name);
ngx_int_t ngx_http_faas_invoke_init(ngx_conf_t *cf);
ngx_int_t ngx_http_faas_wait(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx, faas_invoke_t *inv);
ngx_int_t ngx_http_faas_wait_drive(ngx_http_faas_wait_t *w);
ngx_int_t ngx_http_faas_wait_ready(ngx_http_faas_wait_t *w);
void ngx_http_faas_wait_cleanup(ngx_http_faas_wait_t *w);
void ngx_http_faas_backend_stats(ngx_http_request_t *r, faas_backend_t *b,
    ngx_uint_t status, ngx_msec_t ms);
void ngx_http_faas_backend_invoked(void *req, faas_invoke_t *inv);
ngx_int_t ngx_http_faas_body_load(ngx_http_request_t *r,
    ngx_http_faas_ctx_t *ctx, size_t max);


extern const faas_host_t  ngx_http_faas_host;
extern ngx_module_t       ngx_http_faas_module;


#endif /* _NGX_HTTP_FAAS_MODULE_H_INCLUDED_ */
