
/*
 * faas_state DIR [size=256m] [sync=on|off]: the LMDB environment behind
 * faas.kv (cache/faas_store.h), and its life in nginx's processes.
 *
 *   configuration   the directive checks (creates) the environment, so
 *                   a bad directory, a corrupt data.mdb or another
 *                   format stops "nginx -t" and a reload with FILE:LINE;
 *   init_module     gives the files to the workers' user and checks
 *                   that the user can reach the directory (the core
 *                   module's "user" is only known after parsing);
 *   init_process    each worker opens it (clearing readers left by dead
 *                   processes); worker 0 runs the sweep and sync timer;
 *   exit_process    each worker closes it.
 *
 * The master never keeps the environment open: LMDB must not cross a
 * fork().
 */


#include <grp.h>
#include <stdio.h>
#include <time.h>

#include "ngx_http_faas_module.h"


/* one tick: sweep in steps, then sync when commits do not */
#define NGX_HTTP_FAAS_STATE_TICK         1000       /* ms */
#define NGX_HTTP_FAAS_SWEEP_ENTRIES      1000       /* per transaction */
#define NGX_HTTP_FAAS_SWEEP_BUDGET       2000       /* us per tick */

/* backend results stay past expiry for stale_if_error (none yet) */

#define NGX_HTTP_FAAS_STATE_MIN_SIZE     (64 * 1024)


struct ngx_http_faas_state_s {
    ngx_str_t                   dir;        /* full path, NUL-terminated */
    size_t                      size;
    ngx_flag_t                  sync;

    ngx_str_t                   file;       /* where the directive is */
    ngx_uint_t                  line;

    ngx_event_t                 timer;
};


static void ngx_http_faas_state_conf(ngx_http_faas_state_t *state,
    ngx_cycle_t *cycle, faas_store_conf_t *conf);
static ngx_int_t ngx_http_faas_state_reachable(ngx_http_faas_state_t *state,
    ngx_core_conf_t *ccf, char *err, size_t errlen);
static void ngx_http_faas_state_tick(ngx_event_t *ev);
static uint64_t ngx_http_faas_state_now_us(void);


/* faas_state DIR [size=256m] [sync=on|off] */

char *
ngx_http_faas_state(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_faas_main_conf_t *fmcf = conf;

    char                    err[FAAS_STORE_ERRLEN];
    ssize_t                 size;
    ngx_str_t              *value, s;
    ngx_uint_t              i;
    faas_store_conf_t       sc;
    ngx_http_faas_state_t  *state;

    if (fmcf->state) {
        return "is duplicate";
    }

    state = ngx_pcalloc(cf->pool, sizeof(ngx_http_faas_state_t));
    if (state == NULL) {
        return NGX_CONF_ERROR;
    }

    value = cf->args->elts;

    state->dir = value[1];

    if (ngx_conf_full_name(cf->cycle, &state->dir, 0) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    state->size = FAAS_STORE_DEFAULT_MAP_SIZE;
    state->sync = 0;

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "size=", 5) == 0) {
            s.data = value[i].data + 5;
            s.len = value[i].len - 5;

            size = ngx_parse_size(&s);
            if (size == NGX_ERROR || size < NGX_HTTP_FAAS_STATE_MIN_SIZE) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid value \"%V\" in \"%V\" "
                                   "directive: size= takes at least 64k",
                                   &value[i], &cmd->name);
                return NGX_CONF_ERROR;
            }

            state->size = size;
            continue;
        }

        if (ngx_strcmp(value[i].data, "sync=on") == 0) {
            state->sync = 1;
            continue;
        }

        if (ngx_strcmp(value[i].data, "sync=off") == 0) {
            state->sync = 0;
            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\" in \"%V\" directive",
                           &value[i], &cmd->name);
        return NGX_CONF_ERROR;
    }

    state->file.len = cf->conf_file->file.name.len;
    state->file.data = ngx_pstrdup(cf->pool, &cf->conf_file->file.name);
    if (state->file.data == NULL) {
        return NGX_CONF_ERROR;
    }

    state->line = cf->conf_file->line;

    fmcf->state = state;

    /* "nginx -s reload" parses the configuration too, as any user */

    if (ngx_process == NGX_PROCESS_SIGNALLER) {
        return NGX_CONF_OK;
    }

    ngx_http_faas_state_conf(state, cf->cycle, &sc);

    sc.uid = (uid_t) -1;
    sc.gid = (gid_t) -1;

    if (faas_store_check_create(&sc, err, sizeof(err)) != FAAS_STORE_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%s", err);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static void
ngx_http_faas_state_conf(ngx_http_faas_state_t *state, ngx_cycle_t *cycle,
    faas_store_conf_t *conf)
{
    ngx_int_t         n;
    ngx_core_conf_t  *ccf;

    faas_store_conf_init(conf, (const char *) state->dir.data);

    conf->map_size = state->size;
    conf->sync = state->sync;

    /*
     * Reader slots: a worker holds one (its reused read transaction) and
     * a second for a moment in faas_store_stat(); old workers keep
     * theirs while they finish after a reload, so room for four
     * generations, and for mdb_stat, mdb_dump and other tools.
     */

    ccf = (ngx_core_conf_t *) ngx_get_conf(cycle->conf_ctx, ngx_core_module);

    n = (ccf && ccf->worker_processes > 0) ? ccf->worker_processes : 1;

    conf->max_readers = 2 * 4 * n + 32;

    if (conf->max_readers < FAAS_STORE_DEFAULT_READERS) {
        conf->max_readers = FAAS_STORE_DEFAULT_READERS;
    }
}


/*
 * The master, when it runs as root: the workers switch to the "user" of
 * the core module, so the directory and its files become theirs, and
 * the directories above it must let them through.
 */

ngx_int_t
ngx_http_faas_state_init_module(ngx_cycle_t *cycle)
{
    char                        err[FAAS_STORE_ERRLEN];
    ngx_uint_t                  reload, level;
    ngx_core_conf_t            *ccf;
    faas_store_conf_t           sc;
    ngx_http_faas_state_t      *state;
    ngx_http_faas_main_conf_t  *fmcf;

    fmcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_faas_module);

    if (fmcf == NULL || fmcf->state == NULL) {
        return NGX_OK;
    }

    state = fmcf->state;
    ccf = (ngx_core_conf_t *) ngx_get_conf(cycle->conf_ctx, ngx_core_module);

    /* without a master (master_process off) nobody switches user */

    if (geteuid() != 0 || ccf->user == (ngx_uid_t) NGX_CONF_UNSET_UINT
        || !ccf->master)
    {
        return NGX_OK;
    }

    ngx_http_faas_state_conf(state, cycle, &sc);

    sc.uid = ccf->user;
    sc.gid = ccf->group;

    if (faas_store_check_create(&sc, err, sizeof(err)) == FAAS_STORE_OK
        && ngx_http_faas_state_reachable(state, ccf, err, sizeof(err))
           == NGX_OK)
    {
        return NGX_OK;
    }

    /*
     * nginx exits when init_module fails: at start that is the point,
     * on a reload it would take the running server down, so the new
     * workers report it instead.
     */

    reload = !ngx_is_init_cycle(cycle->old_cycle);
    level = reload ? NGX_LOG_ALERT : NGX_LOG_EMERG;

    ngx_log_error(level, cycle->log, 0, "faas_state: %s in %V:%ui", err,
                  &state->file, state->line);

    return reload ? NGX_OK : NGX_ERROR;
}


/*
 * The workers' user must be able to search every directory above DIR,
 * or each worker dies at start with EACCES while "nginx -t", run as
 * root, is happy: a state directory under a 0700 home, for example.
 */

static ngx_int_t
ngx_http_faas_state_reachable(ngx_http_faas_state_t *state,
    ngx_core_conf_t *ccf, char *err, size_t errlen)
{
    int           i, ngroups, ok;
    char         *path, *p;
    gid_t         groups[64];
    mode_t        bit;
    struct stat   sb;

    ngroups = 64;

    if (getgrouplist(ccf->username, ccf->group, groups, &ngroups) == -1) {
        groups[0] = ccf->group;
        ngroups = 1;
    }

    path = ngx_alloc(state->dir.len + 1, ngx_cycle->log);
    if (path == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(path, state->dir.data, state->dir.len + 1);

    ok = 1;

    for (p = path + 1; ok && (p = ngx_strchr(p, '/')) != NULL; p++) {
        *p = '\0';

        if (stat(path, &sb) == 0) {
            bit = S_IXOTH;

            if (sb.st_uid == ccf->user) {
                bit = S_IXUSR;

            } else {
                for (i = 0; i < ngroups; i++) {
                    if (sb.st_gid == groups[i]) {
                        bit = S_IXGRP;
                        break;
                    }
                }
            }

            if (!(sb.st_mode & bit)) {
                /* libc's: ngx_snprintf() has no octal */
                snprintf(err, errlen, "the workers' user \"%s\" cannot "
                         "reach state directory \"%s\": no search "
                         "permission on \"%s\" (mode %04o, owner %u:%u)",
                         ccf->username, state->dir.data, path,
                         (unsigned) (sb.st_mode & 07777),
                         (unsigned) sb.st_uid, (unsigned) sb.st_gid);
                ok = 0;
            }
        }

        *p = '/';
    }

    ngx_free(path);

    return ok ? NGX_OK : NGX_ERROR;
}


ngx_int_t
ngx_http_faas_state_init_process(ngx_cycle_t *cycle)
{
    char                        err[FAAS_STORE_ERRLEN];
    faas_store_conf_t           sc;
    ngx_http_faas_state_t      *state;
    ngx_http_faas_main_conf_t  *fmcf;

    fmcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_faas_module);

    /* not in the cache manager and loader: they run no functions */

    if (fmcf == NULL || fmcf->state == NULL
        || (ngx_process != NGX_PROCESS_WORKER
            && ngx_process != NGX_PROCESS_SINGLE))
    {
        return NGX_OK;
    }

    state = fmcf->state;

    ngx_http_faas_state_conf(state, cycle, &sc);

    if (faas_store_open(&sc, &fmcf->store, err, sizeof(err))
        != FAAS_STORE_OK)
    {
        ngx_log_error(NGX_LOG_EMERG, cycle->log, 0,
                      "faas_state: %s in %V:%ui", err, &state->file,
                      state->line);
        return NGX_ERROR;
    }

    if (ngx_worker != 0) {
        return NGX_OK;
    }

    state->timer.handler = ngx_http_faas_state_tick;
    state->timer.data = fmcf;
    state->timer.log = cycle->log;
    state->timer.cancelable = 1;

    ngx_add_timer(&state->timer, NGX_HTTP_FAAS_STATE_TICK);

    return NGX_OK;
}


void
ngx_http_faas_state_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_faas_main_conf_t  *fmcf;

    fmcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_faas_module);

    if (fmcf == NULL || fmcf->store == NULL) {
        return;
    }

    if (!fmcf->state->sync && faas_store_sync(fmcf->store) != FAAS_STORE_OK)
    {
        ngx_log_error(NGX_LOG_CRIT, cycle->log, 0, "faas_state: %s",
                      faas_store_strerror(fmcf->store));
    }

    faas_store_close(fmcf->store);
    fmcf->store = NULL;
}


/*
 * Worker 0, every second: removes expired entries in short write
 * transactions (other workers' commits wait for the writer lock only
 * that long) until a pass is done or the tick's budget is spent; then,
 * with sync=off, flushes the commits of every worker to disk.
 */

static void
ngx_http_faas_state_tick(ngx_event_t *ev)
{
    int                         rc, wrapped;
    size_t                      removed, total;
    uint64_t                    start, now_ms;
    ngx_time_t                 *tp;
    ngx_http_faas_main_conf_t  *fmcf;

    fmcf = ev->data;

    if (fmcf->store == NULL) {
        return;
    }

    tp = ngx_timeofday();
    now_ms = (uint64_t) tp->sec * 1000 + tp->msec;

    start = ngx_http_faas_state_now_us();
    total = 0;

    do {
        rc = faas_store_sweep(fmcf->store, now_ms,
                              fmcf->cache_grace,
                              NGX_HTTP_FAAS_SWEEP_ENTRIES, &removed,
                              &wrapped);
        if (rc != FAAS_STORE_OK) {
            ngx_log_error(NGX_LOG_ERR, ev->log, 0,
                          "faas_state: sweeping failed: %s",
                          faas_store_strerror(fmcf->store));
            break;
        }

        total += removed;

    } while (!wrapped
             && ngx_http_faas_state_now_us() - start
                < NGX_HTTP_FAAS_SWEEP_BUDGET);

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, ev->log, 0,
                   "faas_state: swept %uz expired entries in %uL us",
                   total, ngx_http_faas_state_now_us() - start);

    if (!fmcf->state->sync && faas_store_sync(fmcf->store) != FAAS_STORE_OK)
    {
        ngx_log_error(NGX_LOG_CRIT, ev->log, 0, "faas_state: %s",
                      faas_store_strerror(fmcf->store));
    }

    if (!ngx_exiting) {
        ngx_add_timer(ev, NGX_HTTP_FAAS_STATE_TICK);
    }
}


static uint64_t
ngx_http_faas_state_now_us(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return (uint64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
