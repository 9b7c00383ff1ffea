
/*
 * Metrics: counters and a duration histogram per function in one shared
 * memory zone, so every worker adds to the same numbers, and faas_status
 * to read them as Prometheus text (or JSON with ?format=json).
 */


#include "ngx_http_faas_module.h"


#define NGX_HTTP_FAAS_BUCKETS  12


typedef struct {
    ngx_atomic_t                invocations[FAAS_EVENT_MAX];
    ngx_atomic_t                errors[FAAS_FAIL_MAX];
    ngx_atomic_t                cold_starts;
    ngx_atomic_t                buckets[NGX_HTTP_FAAS_BUCKETS + 1];
    ngx_atomic_t                duration_us;
} ngx_http_faas_fn_stats_t;


#define NGX_HTTP_FAAS_BE_BUCKETS  11
#define NGX_HTTP_FAAS_BE_STATUSES  12


typedef struct {
    ngx_atomic_t                requests[NGX_HTTP_FAAS_BE_STATUSES];
    ngx_atomic_t                buckets[NGX_HTTP_FAAS_BE_BUCKETS + 1];
    ngx_atomic_t                duration_ms;
    ngx_atomic_t                cache[3];   /* hit, miss, stale */
} ngx_http_faas_be_stats_t;


/*
 * The zone: a signature of the function and backend lists, then the
 * counters of each function, the memory gauges (nworkers x nfunctions
 * ngx_atomic_t), the counters of each backend.
 */

typedef struct {
    uint32_t                    signature;
    ngx_uint_t                  nfunctions;
    ngx_uint_t                  nbackends;
    ngx_uint_t                  nworkers;
    ngx_http_faas_fn_stats_t    fn[1];
} ngx_http_faas_stats_t;


static size_t ngx_http_faas_stats_size(ngx_http_faas_main_conf_t *fmcf);
static ngx_int_t ngx_http_faas_stats_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
static ngx_int_t ngx_http_faas_status_handler(ngx_http_request_t *r);
static u_char *ngx_http_faas_status_prometheus(ngx_http_request_t *r,
    u_char *p, ngx_http_faas_stats_t *stats);
static u_char *ngx_http_faas_status_json(ngx_http_request_t *r, u_char *p,
    ngx_http_faas_stats_t *stats);
static u_char *ngx_http_faas_status_backends(ngx_http_request_t *r,
    u_char *p, ngx_http_faas_stats_t *stats);


/* upper bounds in microseconds: 100us ... 1s, then +Inf */
static ngx_msec_t  ngx_http_faas_bucket_us[NGX_HTTP_FAAS_BUCKETS] = {
    100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000,
    250000, 1000000
};

static char  *ngx_http_faas_bucket_le[NGX_HTTP_FAAS_BUCKETS] = {
    "0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01",
    "0.025", "0.05", "0.1", "0.25", "1"
};

static ngx_str_t  ngx_http_faas_stats_zone = ngx_string("faas_stats");


#define ngx_http_faas_memory_gauges(stats)                                    \
    ((ngx_atomic_t *) &(stats)->fn[(stats)->nfunctions])

#define ngx_http_faas_be_stats(stats)                                         \
    ((ngx_http_faas_be_stats_t *) (ngx_http_faas_memory_gauges(stats)        \
                                   + (stats)->nworkers * (stats)->nfunctions))


/* backend calls: 5ms ... 10s, then +Inf */
static ngx_msec_t  ngx_http_faas_be_bucket_ms[NGX_HTTP_FAAS_BE_BUCKETS] = {
    5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000
};

static char  *ngx_http_faas_be_bucket_le[NGX_HTTP_FAAS_BE_BUCKETS] = {
    "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5",
    "5", "10"
};

/* the statuses counted one by one; "other", and "none": no answer */
static ngx_uint_t  ngx_http_faas_be_status[NGX_HTTP_FAAS_BE_STATUSES - 2] = {
    200, 202, 401, 403, 404, 429, 500, 502, 503, 504
};

static char  *ngx_http_faas_be_cache[3] = { "hit", "miss", "stale" };


char *
ngx_http_faas_status(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_core_loc_conf_t   *clcf;
    ngx_http_faas_main_conf_t  *fmcf;

    fmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_faas_module);
    fmcf->status = 1;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_faas_status_handler;

    return NGX_CONF_OK;
}


static size_t
ngx_http_faas_stats_size(ngx_http_faas_main_conf_t *fmcf)
{
    return sizeof(ngx_http_faas_stats_t)
           + fmcf->functions.nelts * sizeof(ngx_http_faas_fn_stats_t)
           + fmcf->functions.nelts * fmcf->nworkers * sizeof(ngx_atomic_t)
           + fmcf->backends.nelts * sizeof(ngx_http_faas_be_stats_t);
}


/* the zone exists only when some location shows it: counting is free */

ngx_int_t
ngx_http_faas_stats_init(ngx_conf_t *cf)
{
    size_t                      size;
    ngx_core_conf_t            *ccf;
    ngx_http_faas_main_conf_t  *fmcf;

    fmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_faas_module);

    if (!fmcf->status) {
        return NGX_OK;
    }

    ccf = (ngx_core_conf_t *) ngx_get_conf(cf->cycle->conf_ctx,
                                           ngx_core_module);

    fmcf->nworkers = ccf->worker_processes == NGX_CONF_UNSET
                     ? 1 : ccf->worker_processes;

    size = ngx_http_faas_stats_size(fmcf);

    size = ngx_max(ngx_align(size, ngx_pagesize), 8 * ngx_pagesize);

    fmcf->stats_zone = ngx_shared_memory_add(cf, &ngx_http_faas_stats_zone,
                                             size, &ngx_http_faas_module);
    if (fmcf->stats_zone == NULL) {
        return NGX_ERROR;
    }

    fmcf->stats_zone->init = ngx_http_faas_stats_init_zone;
    fmcf->stats_zone->data = fmcf;

    return NGX_OK;
}


/*
 * A reload keeps the counters when the functions are the same ones in
 * the same order; otherwise the slots would mean other functions, so
 * they start again from zero.
 */

static ngx_int_t
ngx_http_faas_stats_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_faas_main_conf_t  *fmcf = shm_zone->data;

    uint32_t                   signature;
    ngx_uint_t                 i;
    ngx_slab_pool_t           *shpool;
    ngx_http_faas_stats_t     *stats;
    ngx_http_faas_function_t  *f;
    ngx_http_faas_backend_t   *be;

    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    ngx_crc32_init(signature);

    f = fmcf->functions.elts;

    for (i = 0; i < fmcf->functions.nelts; i++) {
        ngx_crc32_update(&signature, f[i].name.data, f[i].name.len + 1);
        faas_function_set_index(f[i].fn, i);
    }

    be = fmcf->backends.elts;

    for (i = 0; i < fmcf->backends.nelts; i++) {
        ngx_crc32_update(&signature, be[i].name.data, be[i].name.len + 1);
        faas_backend_set_index(be[i].backend, i);
    }

    ngx_crc32_final(signature);

    if (shm_zone->shm.exists) {
        fmcf->stats = shpool->data;
        return NGX_OK;
    }

    stats = data ? ((ngx_http_faas_main_conf_t *) data)->stats : NULL;

    if (stats == NULL
        || stats->signature != signature
        || stats->nworkers != fmcf->nworkers
        || stats->nfunctions != fmcf->functions.nelts
        || stats->nbackends != fmcf->backends.nelts)
    {
        stats = ngx_slab_calloc(shpool, ngx_http_faas_stats_size(fmcf));
        if (stats == NULL) {
            return NGX_ERROR;
        }

        stats->signature = signature;
        stats->nfunctions = fmcf->functions.nelts;
        stats->nbackends = fmcf->backends.nelts;
        stats->nworkers = fmcf->nworkers;
    }

    shpool->data = stats;
    fmcf->stats = stats;

    return NGX_OK;
}


/* a histogram's observation: its bucket (n bounds, then +Inf), its sum */

static void
ngx_http_faas_observe(ngx_msec_t *bounds, ngx_uint_t n, ngx_atomic_t *buckets,
    ngx_atomic_t *sum, ngx_msec_t v)
{
    ngx_uint_t  b;

    for (b = 0; b < n; b++) {
        if (v <= bounds[b]) {
            break;
        }
    }

    (void) ngx_atomic_fetch_add(&buckets[b], 1);
    (void) ngx_atomic_fetch_add(sum, v);
}


/* after every invocation; a no-op without faas_status */

void
ngx_http_faas_stats_add(ngx_http_request_t *r, faas_call_t *call,
    ngx_msec_t us)
{
    ngx_uint_t                  i;
    ngx_http_faas_fn_stats_t   *fs;
    ngx_http_faas_stats_t      *stats;
    ngx_http_faas_main_conf_t  *fmcf;

    fmcf = ngx_http_get_module_main_conf(r, ngx_http_faas_module);
    stats = fmcf->stats;

    if (stats == NULL) {
        return;
    }

    i = faas_function_index(call->fn);
    fs = &stats->fn[i];

    (void) ngx_atomic_fetch_add(&fs->invocations[call->event], 1);

    if (call->fail != FAAS_FAIL_NONE) {
        (void) ngx_atomic_fetch_add(&fs->errors[call->fail], 1);
    }

    if (call->cold_start) {
        (void) ngx_atomic_fetch_add(&fs->cold_starts, 1);
    }

    ngx_http_faas_observe(ngx_http_faas_bucket_us, NGX_HTTP_FAAS_BUCKETS,
                          fs->buckets, &fs->duration_us, us);

    if (ngx_worker < stats->nworkers) {
        ngx_http_faas_memory_gauges(stats)[ngx_worker * stats->nfunctions
                                           + i]
            = faas_function_memory(call->fn);
    }
}


/* after every request to a backend: its status (0: none) and time */

void
ngx_http_faas_backend_stats(ngx_http_request_t *r, faas_backend_t *b,
    ngx_uint_t status, ngx_msec_t ms)
{
    ngx_uint_t                  k;
    ngx_http_faas_stats_t      *stats;
    ngx_http_faas_be_stats_t   *bs;
    ngx_http_faas_main_conf_t  *fmcf;

    fmcf = ngx_http_get_module_main_conf(r, ngx_http_faas_module);
    stats = fmcf->stats;

    if (stats == NULL) {
        return;
    }

    bs = &ngx_http_faas_be_stats(stats)[faas_backend_index(b)];

    for (k = 0; k < NGX_HTTP_FAAS_BE_STATUSES - 2; k++) {
        if (status == ngx_http_faas_be_status[k]) {
            break;
        }
    }

    if (status == 0) {
        k = NGX_HTTP_FAAS_BE_STATUSES - 1;
    }

    (void) ngx_atomic_fetch_add(&bs->requests[k], 1);

    ngx_http_faas_observe(ngx_http_faas_be_bucket_ms, NGX_HTTP_FAAS_BE_BUCKETS,
                          bs->buckets, &bs->duration_ms, ms);
}


/* a result reached its caller: from the cache, the backend, or stale */

void
ngx_http_faas_backend_invoked(void *req, faas_invoke_t *inv)
{
    ngx_http_request_t  *r = req;

    ngx_uint_t                  k;
    faas_str_t                  result;
    const char                 *msg, *cache;
    ngx_http_faas_stats_t      *stats;
    ngx_http_faas_main_conf_t  *fmcf;

    fmcf = ngx_http_get_module_main_conf(r, ngx_http_faas_module);
    stats = fmcf->stats;

    if (stats == NULL) {
        return;
    }

    (void) faas_invoke_result(inv, &result, &msg, &cache);

    for (k = 0; cache && k < 3; k++) {
        if (ngx_strcmp(cache, ngx_http_faas_be_cache[k]) == 0) {
            (void) ngx_atomic_fetch_add(&ngx_http_faas_be_stats(stats)
                         [faas_backend_index(faas_invoke_backend(inv))]
                         .cache[k], 1);
            return;
        }
    }
}


static ngx_int_t
ngx_http_faas_status_handler(ngx_http_request_t *r)
{
    size_t                      size;
    ngx_int_t                   rc, json;
    ngx_buf_t                  *b;
    ngx_str_t                   format;
    ngx_chain_t                 out;
    ngx_http_faas_main_conf_t  *fmcf;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    fmcf = ngx_http_get_module_main_conf(r, ngx_http_faas_module);

    json = ngx_http_arg(r, (u_char *) "format", 6, &format) == NGX_OK
           && format.len == 4 && ngx_strncmp(format.data, "json", 4) == 0;

    /* each function: at most ~40 lines of at most ~120 bytes + its name */

    size = 2048;
    size += (fmcf->functions.nelts + fmcf->backends.nelts)
            * 40 * (128 + 2 * 256);

    b = ngx_create_temp_buf(r->pool, size);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (json) {
        b->last = ngx_http_faas_status_json(r, b->last, fmcf->stats);
        ngx_str_set(&r->headers_out.content_type, "application/json");

    } else {
        b->last = ngx_http_faas_status_prometheus(r, b->last, fmcf->stats);
        ngx_str_set(&r->headers_out.content_type,
                    "text/plain; version=0.0.4");
    }

    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_length_n = b->last - b->pos;

    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


/* a label value: function names come from the configuration */

static u_char *
ngx_http_faas_label(u_char *p, ngx_str_t *name)
{
    ngx_uint_t  i;

    for (i = 0; i < name->len && i < 256; i++) {
        if (name->data[i] == '"' || name->data[i] == '\\') {
            *p++ = '\\';
        }

        *p++ = name->data[i];
    }

    return p;
}


/*
 * One series of a histogram: the cumulative buckets, the sum (total is
 * in units of 1/unit second: microseconds or milliseconds) and the count.
 */

static u_char *
ngx_http_faas_histogram(u_char *p, char *name, char *label, ngx_str_t *value,
    ngx_atomic_t *buckets, char **le, ngx_uint_t n, ngx_atomic_uint_t total,
    ngx_atomic_uint_t unit)
{
    ngx_uint_t         k;
    ngx_atomic_uint_t  cum;

    cum = 0;

    for (k = 0; k <= n; k++) {
        cum += buckets[k];

        p = ngx_sprintf(p, "%s_bucket{%s=\"", name, label);
        p = ngx_http_faas_label(p, value);
        p = ngx_sprintf(p, "\",le=\"%s\"} %uA\n", k < n ? le[k] : "+Inf",
                        cum);
    }

    p = ngx_sprintf(p, "%s_sum{%s=\"", name, label);
    p = ngx_http_faas_label(p, value);

    p = (unit == 1000000)
        ? ngx_sprintf(p, "\"} %uA.%06uA\n", total / unit, total % unit)
        : ngx_sprintf(p, "\"} %uA.%03uA\n", total / unit, total % unit);

    p = ngx_sprintf(p, "%s_count{%s=\"", name, label);
    p = ngx_http_faas_label(p, value);

    return ngx_sprintf(p, "\"} %uA\n", cum);
}


static ngx_atomic_uint_t
ngx_http_faas_memory(ngx_http_faas_stats_t *stats, ngx_uint_t i)
{
    ngx_uint_t          w;
    ngx_atomic_uint_t   sum;

    sum = 0;

    for (w = 0; w < stats->nworkers; w++) {
        sum += ngx_http_faas_memory_gauges(stats)[w * stats->nfunctions + i];
    }

    return sum;
}


static u_char *
ngx_http_faas_status_prometheus(ngx_http_request_t *r, u_char *p,
    ngx_http_faas_stats_t *stats)
{
    size_t                      used;
    ngx_uint_t                  i, k, n;
    ngx_http_faas_fn_stats_t   *fs;
    ngx_http_faas_function_t   *f;
    ngx_http_faas_main_conf_t  *fmcf;

    fmcf = ngx_http_get_module_main_conf(r, ngx_http_faas_module);
    f = fmcf->functions.elts;
    n = fmcf->functions.nelts;

    p = ngx_sprintf(p, "# HELP faas_invocations_total Invocations of a "
                    "function, by event.\n"
                    "# TYPE faas_invocations_total counter\n");

    for (i = 0; i < n; i++) {
        for (k = 0; k < FAAS_EVENT_MAX; k++) {
            if (stats->fn[i].invocations[k] == 0) {
                continue;
            }

            p = ngx_sprintf(p, "faas_invocations_total{function=\"");
            p = ngx_http_faas_label(p, &f[i].name);
            p = ngx_sprintf(p, "\",event=\"%s\"} %uA\n",
                            faas_event_name(k), stats->fn[i].invocations[k]);
        }
    }

    p = ngx_sprintf(p, "# HELP faas_errors_total Failed invocations, by "
                    "class.\n"
                    "# TYPE faas_errors_total counter\n");

    for (i = 0; i < n; i++) {
        for (k = 1; k < FAAS_FAIL_MAX; k++) {
            if (stats->fn[i].errors[k] == 0) {
                continue;
            }

            p = ngx_sprintf(p, "faas_errors_total{function=\"");
            p = ngx_http_faas_label(p, &f[i].name);
            p = ngx_sprintf(p, "\",class=\"%s\"} %uA\n",
                            faas_fail_name(k), stats->fn[i].errors[k]);
        }
    }

    p = ngx_sprintf(p, "# HELP faas_cold_starts_total Warm states "
                    "created.\n"
                    "# TYPE faas_cold_starts_total counter\n");

    for (i = 0; i < n; i++) {
        p = ngx_sprintf(p, "faas_cold_starts_total{function=\"");
        p = ngx_http_faas_label(p, &f[i].name);
        p = ngx_sprintf(p, "\"} %uA\n", stats->fn[i].cold_starts);
    }

    p = ngx_sprintf(p, "# HELP faas_duration_seconds Time in the "
                    "function per invocation.\n"
                    "# TYPE faas_duration_seconds histogram\n");

    for (i = 0; i < n; i++) {
        fs = &stats->fn[i];
        p = ngx_http_faas_histogram(p, "faas_duration_seconds", "function",
                                    &f[i].name, fs->buckets,
                                    ngx_http_faas_bucket_le,
                                    NGX_HTTP_FAAS_BUCKETS, fs->duration_us,
                                    1000000);
    }

    p = ngx_sprintf(p, "# HELP faas_memory_bytes Lua memory of the "
                    "function's warm states, all workers.\n"
                    "# TYPE faas_memory_bytes gauge\n");

    for (i = 0; i < n; i++) {
        p = ngx_sprintf(p, "faas_memory_bytes{function=\"");
        p = ngx_http_faas_label(p, &f[i].name);
        p = ngx_sprintf(p, "\"} %uA\n", ngx_http_faas_memory(stats, i));
    }

    p = ngx_http_faas_status_backends(r, p, stats);

    if (fmcf->store && faas_store_used_bytes(fmcf->store, &used) == 0) {
        p = ngx_sprintf(p, "# HELP faas_state_used_bytes Pages in use in "
                        "the faas_state map.\n"
                        "# TYPE faas_state_used_bytes gauge\n"
                        "faas_state_used_bytes %uz\n", used);
    }

    return p;
}


static u_char *
ngx_http_faas_status_backends(ngx_http_request_t *r, u_char *p,
    ngx_http_faas_stats_t *stats)
{
    ngx_uint_t                  i, k, n;
    ngx_http_faas_backend_t    *be;
    ngx_http_faas_be_stats_t   *bs;
    ngx_http_faas_main_conf_t  *fmcf;

    fmcf = ngx_http_get_module_main_conf(r, ngx_http_faas_module);
    be = fmcf->backends.elts;
    n = fmcf->backends.nelts;

    if (n == 0) {
        return p;
    }

    p = ngx_sprintf(p, "# HELP faas_backend_requests_total Requests to a "
                    "backend, by status (none: no answer).\n"
                    "# TYPE faas_backend_requests_total counter\n");

    for (i = 0; i < n; i++) {
        bs = &ngx_http_faas_be_stats(stats)[i];

        for (k = 0; k < NGX_HTTP_FAAS_BE_STATUSES; k++) {
            if (bs->requests[k] == 0) {
                continue;
            }

            p = ngx_sprintf(p, "faas_backend_requests_total{backend=\"");
            p = ngx_http_faas_label(p, &be[i].name);

            if (k < NGX_HTTP_FAAS_BE_STATUSES - 2) {
                p = ngx_sprintf(p, "\",status=\"%ui\"} %uA\n",
                                ngx_http_faas_be_status[k], bs->requests[k]);

            } else {
                p = ngx_sprintf(p, "\",status=\"%s\"} %uA\n",
                                k == NGX_HTTP_FAAS_BE_STATUSES - 1
                                ? "none" : "other", bs->requests[k]);
            }
        }
    }

    p = ngx_sprintf(p, "# HELP faas_backend_duration_seconds Time of a "
                    "request to a backend.\n"
                    "# TYPE faas_backend_duration_seconds histogram\n");

    for (i = 0; i < n; i++) {
        bs = &ngx_http_faas_be_stats(stats)[i];
        p = ngx_http_faas_histogram(p, "faas_backend_duration_seconds",
                                    "backend", &be[i].name, bs->buckets,
                                    ngx_http_faas_be_bucket_le,
                                    NGX_HTTP_FAAS_BE_BUCKETS,
                                    bs->duration_ms, 1000);
    }

    p = ngx_sprintf(p, "# HELP faas_backend_cache_total Results of "
                    "cacheable calls: hit, miss or stale.\n"
                    "# TYPE faas_backend_cache_total counter\n");

    for (i = 0; i < n; i++) {
        bs = &ngx_http_faas_be_stats(stats)[i];

        for (k = 0; k < 3; k++) {
            p = ngx_sprintf(p, "faas_backend_cache_total{backend=\"");
            p = ngx_http_faas_label(p, &be[i].name);
            p = ngx_sprintf(p, "\",result=\"%s\"} %uA\n",
                            ngx_http_faas_be_cache[k], bs->cache[k]);
        }
    }

    return p;
}


static u_char *
ngx_http_faas_status_json(ngx_http_request_t *r, u_char *p,
    ngx_http_faas_stats_t *stats)
{
    size_t                      used;
    ngx_uint_t                  i, k, n, sep;
    ngx_atomic_uint_t           count;
    ngx_http_faas_fn_stats_t   *fs;
    ngx_http_faas_function_t   *f;
    ngx_http_faas_backend_t    *be;
    ngx_http_faas_be_stats_t   *bs;
    ngx_http_faas_main_conf_t  *fmcf;

    fmcf = ngx_http_get_module_main_conf(r, ngx_http_faas_module);
    f = fmcf->functions.elts;
    be = fmcf->backends.elts;
    n = fmcf->functions.nelts;

    p = ngx_sprintf(p, "{\"functions\":{");

    for (i = 0; i < n; i++) {
        fs = &stats->fn[i];

        p = ngx_sprintf(p, "%s\"", i ? "," : "");
        p = ngx_http_faas_label(p, &f[i].name);
        p = ngx_sprintf(p, "\":{\"invocations\":{");

        for (k = 0, sep = 0; k < FAAS_EVENT_MAX; k++) {
            if (fs->invocations[k]) {
                p = ngx_sprintf(p, "%s\"%s\":%uA", sep++ ? "," : "",
                                faas_event_name(k), fs->invocations[k]);
            }
        }

        p = ngx_sprintf(p, "},\"errors\":{");

        for (k = 1, sep = 0; k < FAAS_FAIL_MAX; k++) {
            if (fs->errors[k]) {
                p = ngx_sprintf(p, "%s\"%s\":%uA", sep++ ? "," : "",
                                faas_fail_name(k), fs->errors[k]);
            }
        }

        for (k = 0, count = 0; k <= NGX_HTTP_FAAS_BUCKETS; k++) {
            count += fs->buckets[k];
        }

        p = ngx_sprintf(p, "},\"cold_starts\":%uA,"
                        "\"duration_seconds\":{\"sum\":%uA.%06uA,"
                        "\"count\":%uA},\"memory_bytes\":%uA}",
                        fs->cold_starts, fs->duration_us / 1000000,
                        fs->duration_us % 1000000, count,
                        ngx_http_faas_memory(stats, i));
    }

    p = ngx_sprintf(p, "},\"backends\":{");

    for (i = 0; i < fmcf->backends.nelts; i++) {
        bs = &ngx_http_faas_be_stats(stats)[i];

        for (k = 0, count = 0; k < NGX_HTTP_FAAS_BE_STATUSES; k++) {
            count += bs->requests[k];
        }

        p = ngx_sprintf(p, "%s\"", i ? "," : "");
        p = ngx_http_faas_label(p, &be[i].name);
        p = ngx_sprintf(p, "\":{\"requests\":%uA,\"no_answer\":%uA,"
                        "\"duration_seconds\":{\"sum\":%uA.%03uA},"
                        "\"cache\":{\"hit\":%uA,\"miss\":%uA,"
                        "\"stale\":%uA}}",
                        count, bs->requests[NGX_HTTP_FAAS_BE_STATUSES - 1],
                        bs->duration_ms / 1000, bs->duration_ms % 1000,
                        bs->cache[0], bs->cache[1], bs->cache[2]);
    }

    p = ngx_sprintf(p, "}");

    if (fmcf->store && faas_store_used_bytes(fmcf->store, &used) == 0) {
        p = ngx_sprintf(p, ",\"state_used_bytes\":%uz", used);
    }

    return ngx_sprintf(p, "}\n");
}
