/*
 * The store's environment: creation and checks, open/close, errors,
 * reads, the result cache and statistics.  Batches are in
 * faas_store_batch.c, sweeping in faas_store_sweep.c.
 *
 * Environment flags, and why:
 *
 *   MDB_NOTLS   reader slots belong to MDB_txn objects, not to threads.
 *               The store keeps one read transaction and resets/renews
 *               it, which then keeps its slot (no slot search per read),
 *               and a later thread pool may carry a read transaction to
 *               another thread.  Write transactions stay bound to the
 *               thread that began them (LMDB's writer mutex): a pool
 *               would run a whole commit on one thread.
 *   MDB_NOSYNC  only with sync=off: commits then cost no fsync, and
 *               faas_store_sync() flushes on a timer; a crash of the
 *               machine (not of nginx) loses the last commits, never
 *               consistency.
 *   no MDB_WRITEMAP: the map stays read-only, so a stray write by any C
 *               code in the worker faults instead of corrupting data.
 */

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache/faas_store_int.h"


#define FAAS_STORE_MAX_DBS  4


static int faas_store_dir_check(const faas_store_conf_t *conf, char *err,
    size_t errlen);
static int faas_store_env_open(const faas_store_conf_t *conf,
    MDB_env **envp, char *err, size_t errlen);
static int faas_store_dbs_open(MDB_env *env, const char *dir,
    MDB_dbi *dbis, char *err, size_t errlen);
static int faas_store_chown(const faas_store_conf_t *conf, char *err,
    size_t errlen);
static int faas_store_lookup(faas_store_t *store, MDB_dbi dbi,
    MDB_val *key, uint64_t now_ms, uint64_t stale_ok,
    faas_store_value_t *value);
static int faas_store_cache_key(faas_store_t *store, size_t key_len);


static const char  *faas_store_db_names[] = { "meta", "kv", "cache" };


void
faas_store_conf_init(faas_store_conf_t *conf, const char *dir)
{
    memset(conf, 0, sizeof(faas_store_conf_t));

    conf->dir = dir;
    conf->map_size = FAAS_STORE_DEFAULT_MAP_SIZE;
    conf->max_readers = FAAS_STORE_DEFAULT_READERS;
    conf->sync = 1;
    conf->uid = (uid_t) -1;
    conf->gid = (gid_t) -1;
    conf->max_value = FAAS_STORE_DEFAULT_MAX_VALUE;
    conf->max_batch = FAAS_STORE_DEFAULT_MAX_BATCH;
    conf->max_cache_value = FAAS_STORE_DEFAULT_MAX_CACHE;
}


int
faas_store_check_create(const faas_store_conf_t *conf, char *err,
    size_t errlen)
{
    int       rc;
    MDB_dbi   dbis[3];
    MDB_env  *env;

    rc = faas_store_dir_check(conf, err, errlen);
    if (rc != FAAS_STORE_OK) {
        return rc;
    }

    rc = faas_store_env_open(conf, &env, err, errlen);
    if (rc != FAAS_STORE_OK) {
        return rc;
    }

    rc = faas_store_dbs_open(env, conf->dir, dbis, err, errlen);

    /* the master must not keep the environment across fork() */
    mdb_env_close(env);

    if (rc != FAAS_STORE_OK) {
        return rc;
    }

    return faas_store_chown(conf, err, errlen);
}


int
faas_store_open(const faas_store_conf_t *conf, faas_store_t **storep,
    char *err, size_t errlen)
{
    int            rc, dead;
    MDB_dbi        dbis[3];
    MDB_env       *env;
    faas_store_t  *store;

    *storep = NULL;

    rc = faas_store_dir_check(conf, err, errlen);
    if (rc != FAAS_STORE_OK) {
        return rc;
    }

    rc = faas_store_env_open(conf, &env, err, errlen);
    if (rc != FAAS_STORE_OK) {
        return rc;
    }

    /* slots of workers that died inside a read would pin old pages */
    rc = mdb_reader_check(env, &dead);
    if (rc != 0) {
        snprintf(err, errlen, "mdb_reader_check() failed in \"%s\": %s",
                 conf->dir, mdb_strerror(rc));
        mdb_env_close(env);
        return FAAS_STORE_ERROR;
    }

    rc = faas_store_dbs_open(env, conf->dir, dbis, err, errlen);
    if (rc != FAAS_STORE_OK) {
        mdb_env_close(env);
        return rc;
    }

    store = calloc(1, sizeof(faas_store_t));
    if (store == NULL) {
        goto nomem;
    }

    store->env = env;
    store->meta = dbis[0];
    store->kv = dbis[1];
    store->cache = dbis[2];
    store->map_size = conf->map_size ? conf->map_size
                                     : FAAS_STORE_DEFAULT_MAP_SIZE;
    store->max_key = mdb_env_get_maxkeysize(env);

    /* 0: the default; offsets in a batch are 32-bit */

    store->max_value = conf->max_value ? conf->max_value
                                       : FAAS_STORE_DEFAULT_MAX_VALUE;
    store->max_batch = conf->max_batch ? conf->max_batch
                                       : FAAS_STORE_DEFAULT_MAX_BATCH;
    store->max_cache_value = conf->max_cache_value
                             ? conf->max_cache_value
                             : FAAS_STORE_DEFAULT_MAX_CACHE;

    if (store->max_batch > 0x40000000) {
        store->max_batch = 0x40000000;
    }

    if (store->max_value > store->max_batch) {
        store->max_value = store->max_batch;
    }

    store->keybuf = malloc(store->max_key);
    store->sweep_key = malloc(store->max_key);
    store->dir = strdup(conf->dir);

    if (store->keybuf == NULL || store->sweep_key == NULL
        || store->dir == NULL)
    {
        faas_store_close(store);
        goto nomem_closed;
    }

    *storep = store;

    return FAAS_STORE_OK;

nomem:

    mdb_env_close(env);

nomem_closed:

    snprintf(err, errlen, "out of memory opening \"%s\"", conf->dir);

    return FAAS_STORE_ERROR;
}


void
faas_store_close(faas_store_t *store)
{
    if (store == NULL) {
        return;
    }

    if (store->rtxn) {
        mdb_txn_abort(store->rtxn);
    }

    if (store->env) {
        mdb_env_close(store->env);
    }

    free(store->keybuf);
    free(store->sweep_key);
    free(store->dir);
    free(store);
}


static int
faas_store_dir_check(const faas_store_conf_t *conf, char *err,
    size_t errlen)
{
    struct stat  st;

    if (stat(conf->dir, &st) == -1) {
        if (errno != ENOENT) {
            snprintf(err, errlen, "state directory \"%s\": stat() failed "
                     "(%d: %s)", conf->dir, errno, strerror(errno));
            return FAAS_STORE_ERROR;
        }

        /*
         * Only the last component: a typo in a parent path fails here
         * instead of growing a tree somewhere as root.
         */

        if (mkdir(conf->dir, 0700) == -1) {
            snprintf(err, errlen, "cannot create state directory \"%s\": "
                     "mkdir() failed (%d: %s)", conf->dir, errno,
                     strerror(errno));
            return FAAS_STORE_ERROR;
        }

        return FAAS_STORE_OK;
    }

    if (!S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "state directory \"%s\" is not a directory",
                 conf->dir);
        return FAAS_STORE_ERROR;
    }

    if (access(conf->dir, R_OK | W_OK | X_OK) == -1) {
        snprintf(err, errlen, "state directory \"%s\" is not usable: "
                 "access() failed (%d: %s)", conf->dir, errno,
                 strerror(errno));
        return FAAS_STORE_ERROR;
    }

    return FAAS_STORE_OK;
}


static int
faas_store_env_open(const faas_store_conf_t *conf, MDB_env **envp,
    char *err, size_t errlen)
{
    int           rc;
    unsigned      flags, readers;
    MDB_env      *env;
    const char   *call, *hint;

    *envp = NULL;

    rc = mdb_env_create(&env);
    if (rc != 0) {
        snprintf(err, errlen, "mdb_env_create() failed for \"%s\": %s",
                 conf->dir, mdb_strerror(rc));
        return FAAS_STORE_ERROR;
    }

    readers = conf->max_readers ? conf->max_readers
                                : FAAS_STORE_DEFAULT_READERS;

    call = "mdb_env_set_maxreaders";
    rc = mdb_env_set_maxreaders(env, readers);
    if (rc != 0) {
        goto failed;
    }

    call = "mdb_env_set_maxdbs";
    rc = mdb_env_set_maxdbs(env, FAAS_STORE_MAX_DBS);
    if (rc != 0) {
        goto failed;
    }

    call = "mdb_env_set_mapsize";
    rc = mdb_env_set_mapsize(env, conf->map_size ? conf->map_size
                                  : FAAS_STORE_DEFAULT_MAP_SIZE);
    if (rc != 0) {
        goto failed;
    }

    flags = MDB_NOTLS;

    if (!conf->sync) {
        flags |= MDB_NOSYNC;
    }

    call = "mdb_env_open";
    rc = mdb_env_open(env, conf->dir, flags, 0600);
    if (rc != 0) {
        goto failed;
    }

    *envp = env;

    return FAAS_STORE_OK;

failed:

    hint = "";

    if (rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH
        || rc == MDB_CORRUPTED)
    {
        hint = " (data.mdb is corrupt or not an LMDB file of this version;"
               " move it away to start empty)";
    }

    snprintf(err, errlen, "cannot open state directory \"%s\": %s() "
             "failed: %s%s", conf->dir, call, mdb_strerror(rc), hint);

    mdb_env_close(env);

    return FAAS_STORE_ERROR;
}


static int
faas_store_dbs_open(MDB_env *env, const char *dir, MDB_dbi *dbis,
    char *err, size_t errlen)
{
    int           rc, code;
    char          buf[32], tag[32];
    size_t        i;
    MDB_txn      *txn;
    MDB_val       k, v;
    unsigned      major, minor;
    const char   *call;

    call = "mdb_txn_begin";
    rc = mdb_txn_begin(env, NULL, 0, &txn);
    if (rc != 0) {
        goto failed;
    }

    call = "mdb_dbi_open";

    for (i = 0; i < 3; i++) {
        rc = mdb_dbi_open(txn, faas_store_db_names[i], MDB_CREATE, &dbis[i]);
        if (rc != 0) {
            goto aborted;
        }
    }

    k.mv_data = "format";
    k.mv_size = sizeof("format") - 1;

    call = "mdb_get";
    rc = mdb_get(txn, dbis[0], &k, &v);

    if (rc == MDB_NOTFOUND) {
        snprintf(tag, sizeof(tag), "%d.%d", FAAS_STORE_FORMAT_MAJOR,
                 FAAS_STORE_FORMAT_MINOR);

        v.mv_data = tag;
        v.mv_size = strlen(tag);

        call = "mdb_put";
        rc = mdb_put(txn, dbis[0], &k, &v, 0);
        if (rc != 0) {
            goto aborted;
        }

    } else if (rc != 0) {
        goto aborted;

    } else {
        i = v.mv_size < sizeof(buf) - 1 ? v.mv_size : sizeof(buf) - 1;
        memcpy(buf, v.mv_data, i);
        buf[i] = '\0';

        if (sscanf(buf, "%u.%u", &major, &minor) != 2
            || major != FAAS_STORE_FORMAT_MAJOR)
        {
            /* a later minor version only adds: it stays readable */
            snprintf(err, errlen, "state directory \"%s\" has format "
                     "version \"%s\", this module reads version %d.x: "
                     "point faas_state to another directory or move this "
                     "one away", dir, buf, FAAS_STORE_FORMAT_MAJOR);
            mdb_txn_abort(txn);
            return FAAS_STORE_VERSION;
        }
    }

    call = "mdb_txn_commit";
    rc = mdb_txn_commit(txn);
    if (rc != 0) {
        goto failed;
    }

    return FAAS_STORE_OK;

aborted:

    mdb_txn_abort(txn);

failed:

    code = FAAS_STORE_ERROR;

    if (rc == MDB_MAP_FULL) {
        code = FAAS_STORE_FULL;
    }

    snprintf(err, errlen, "cannot initialize state directory \"%s\": "
             "%s() failed: %s%s", dir, call, mdb_strerror(rc),
             code == FAAS_STORE_FULL ? " (raise faas_state size=)" : "");

    return code;
}


/* the workers run as the configured user: give them the files */

static int
faas_store_chown(const faas_store_conf_t *conf, char *err, size_t errlen)
{
    int          i;
    char         path[PATH_MAX];
    const char  *names[] = { "", "/data.mdb", "/lock.mdb" };

    if (conf->uid == (uid_t) -1 && conf->gid == (gid_t) -1) {
        return FAAS_STORE_OK;
    }

    for (i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "%s%s", conf->dir, names[i]);

        if (chown(path, conf->uid, conf->gid) == -1) {
            snprintf(err, errlen, "chown(\"%s\") failed (%d: %s)", path,
                     errno, strerror(errno));
            return FAAS_STORE_ERROR;
        }
    }

    return FAAS_STORE_OK;
}


int
faas_store_error(faas_store_t *store, int code, const char *fmt, ...)
{
    va_list  args;

    va_start(args, fmt);
    vsnprintf(store->err, sizeof(store->err), fmt, args);
    va_end(args);

    return code;
}


int
faas_store_mdb_error(faas_store_t *store, int rc, const char *call)
{
    MDB_envinfo  info;

    if (rc == MDB_MAP_FULL) {
        mdb_env_info(store->env, &info);

        return faas_store_error(store, FAAS_STORE_FULL,
                   "the state map of %zu bytes in \"%s\" is full, "
                   "raise faas_state size= (%s() failed: %s)",
                   info.me_mapsize, store->dir, call, mdb_strerror(rc));
    }

    if (rc == MDB_TXN_FULL) {
        return faas_store_error(store, FAAS_STORE_TOO_BIG,
                   "too many changes for one transaction in \"%s\" "
                   "(%s() failed: %s)", store->dir, call, mdb_strerror(rc));
    }

    return faas_store_error(store, FAAS_STORE_ERROR,
               "%s() failed in \"%s\": %s", call, store->dir,
               mdb_strerror(rc));
}


const char *
faas_store_strerror(faas_store_t *store)
{
    return store->err;
}


const char *
faas_store_code_name(int rc)
{
    switch (rc) {
    case FAAS_STORE_OK:
        return "OK";
    case FAAS_STORE_NOT_FOUND:
        return "NOT_FOUND";
    case FAAS_STORE_FULL:
        return "FULL";
    case FAAS_STORE_TOO_BIG:
        return "TOO_BIG";
    case FAAS_STORE_BAD_TYPE:
        return "BAD_TYPE";
    case FAAS_STORE_VERSION:
        return "VERSION";
    default:
        return "ERROR";
    }
}


int
faas_store_sync(faas_store_t *store)
{
    int  rc;

    rc = mdb_env_sync(store->env, 1);
    if (rc != 0) {
        return faas_store_mdb_error(store, rc, "mdb_env_sync");
    }

    return FAAS_STORE_OK;
}


size_t
faas_store_max_key(faas_store_t *store, size_t ns_len)
{
    return ns_len + 1 < store->max_key ? store->max_key - ns_len - 1 : 0;
}


size_t
faas_store_max_value(faas_store_t *store)
{
    return store->max_value;
}


/* a key for a message: at most 64 bytes, non-printables as \xHH */

size_t
faas_store_key_print(char *buf, size_t size, const char *key, size_t len)
{
    size_t         i, n;
    unsigned char  c;

    n = 0;

    for (i = 0; i < len && i < 64 && n + 5 < size; i++) {
        c = (unsigned char) key[i];

        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
            buf[n++] = (char) c;

        } else {
            n += snprintf(buf + n, size - n, "\\x%02x", c);
        }
    }

    if (i < len && n + 4 < size) {
        memcpy(buf + n, "...", 3);
        n += 3;
    }

    buf[n] = '\0';

    return n;
}


/* "<ns>\0<key>" into buf (max_key bytes) */

int
faas_store_make_key(faas_store_t *store, char *buf, const char *ns,
    size_t ns_len, const char *key, size_t key_len, size_t *lenp)
{
    char  name[300];

    if (ns_len == 0 || memchr(ns, '\0', ns_len) != NULL) {
        return faas_store_error(store, FAAS_STORE_ERROR,
                                "invalid state namespace (function name)");
    }

    if (ns_len + 1 + key_len > store->max_key) {
        faas_store_key_print(name, sizeof(name), ns, ns_len);

        return faas_store_error(store, FAAS_STORE_TOO_BIG,
                   "key of %zu bytes exceeds the limit of %zu bytes "
                   "for \"%s\"", key_len,
                   faas_store_max_key(store, ns_len), name);
    }

    memcpy(buf, ns, ns_len);
    buf[ns_len] = '\0';

    if (key_len) {
        memcpy(buf + ns_len + 1, key, key_len);
    }

    *lenp = ns_len + 1 + key_len;

    return FAAS_STORE_OK;
}


/*
 * Begins a transaction; when another process has grown the map beyond
 * ours (a reload with a larger size=), adopts the new size and retries.
 */

int
faas_store_txn_begin(faas_store_t *store, unsigned flags, MDB_txn **txnp)
{
    int  rc;

    rc = mdb_txn_begin(store->env, NULL, flags, txnp);

    if (rc == MDB_MAP_RESIZED && store->reading == 0) {
        rc = mdb_env_set_mapsize(store->env, 0);
        if (rc == 0) {
            rc = mdb_txn_begin(store->env, NULL, flags, txnp);
        }
    }

    if (rc != 0) {
        *txnp = NULL;
        return faas_store_mdb_error(store, rc, "mdb_txn_begin");
    }

    return FAAS_STORE_OK;
}


static int
faas_store_write_once(faas_store_t *store, faas_store_write_pt handler,
    void *data)
{
    int       rc;
    MDB_txn  *txn;

    rc = faas_store_txn_begin(store, 0, &txn);
    if (rc != FAAS_STORE_OK) {
        return rc;
    }

    rc = handler(store, txn, data);

    if (rc != FAAS_STORE_OK) {
        /* nothing of the transaction is written */
        mdb_txn_abort(txn);
        return rc == FAAS_STORE_NOOP ? FAAS_STORE_OK : rc;
    }

    rc = mdb_txn_commit(txn);
    if (rc != 0) {
        return faas_store_mdb_error(store, rc, "mdb_txn_commit");
    }

    return FAAS_STORE_OK;
}


/*
 * Runs handler in one write transaction and commits it.
 *
 * A full map must not lock the data in: when every page is taken, even
 * a delete fails, since LMDB copies the pages it changes and records the
 * freed ones on new pages.  So a transaction that only removes (removal)
 * and met MDB_MAP_FULL is retried once with the map grown by a reserve,
 * then the map is set back to its size, which LMDB rounds up to the
 * pages in use: the file grows by the few pages the delete needed, not
 * by the reserve, and the reserve bounds the growth over time.
 */

int
faas_store_write(faas_store_t *store, faas_store_write_pt handler,
    void *data, int removal)
{
    int          rc;
    size_t       reserve;
    MDB_envinfo  info;

    rc = faas_store_write_once(store, handler, data);

    if (rc != FAAS_STORE_FULL || !removal || store->reading) {
        return rc;
    }

    reserve = store->map_size / 16;

    if (reserve < 256 * 1024) {
        reserve = 256 * 1024;
    }

    if (mdb_env_info(store->env, &info) != 0
        || info.me_mapsize >= store->map_size + reserve
        || mdb_env_set_mapsize(store->env, store->map_size + reserve) != 0)
    {
        return rc;
    }

    rc = faas_store_write_once(store, handler, data);

    (void) mdb_env_set_mapsize(store->env, info.me_mapsize);

    return rc;
}


int
faas_store_read_begin(faas_store_t *store)
{
    int  rc;

    if (store->reading) {
        store->reading++;
        return FAAS_STORE_OK;
    }

    if (store->rtxn) {
        rc = mdb_txn_renew(store->rtxn);
        if (rc == 0) {
            store->reading = 1;
            return FAAS_STORE_OK;
        }

        /* e.g. MDB_MAP_RESIZED: start over with a new transaction */
        mdb_txn_abort(store->rtxn);
        store->rtxn = NULL;
    }

    rc = faas_store_txn_begin(store, MDB_RDONLY, &store->rtxn);
    if (rc != FAAS_STORE_OK) {
        return rc;
    }

    store->reading = 1;

    return FAAS_STORE_OK;
}


void
faas_store_read_end(faas_store_t *store)
{
    if (store->reading == 0) {
        return;
    }

    if (--store->reading == 0) {
        mdb_txn_reset(store->rtxn);
    }
}


static int
faas_store_lookup(faas_store_t *store, MDB_dbi dbi, MDB_val *key,
    uint64_t now_ms, uint64_t stale_ok, faas_store_value_t *value)
{
    int               rc, expired;
    char              name[300];
    MDB_val           v;
    faas_store_raw_t  raw;

    if (store->reading == 0) {
        return faas_store_error(store, FAAS_STORE_ERROR,
                   "a read outside faas_store_read_begin()");
    }

    rc = mdb_get(store->rtxn, dbi, key, &v);

    if (rc == MDB_NOTFOUND) {
        return FAAS_STORE_NOT_FOUND;
    }

    if (rc != 0) {
        return faas_store_mdb_error(store, rc, "mdb_get");
    }

    if (faas_store_value_decode(&v, &raw) != FAAS_STORE_OK) {
        faas_store_key_print(name, sizeof(name), key->mv_data,
                             key->mv_size);

        return faas_store_error(store, FAAS_STORE_ERROR,
                   "malformed value of %zu bytes for key \"%s\" in \"%s\"",
                   v.mv_size, name, store->dir);
    }

    expired = raw.expires_ms != 0 && raw.expires_ms <= now_ms;

    if (expired && !stale_ok) {
        return FAAS_STORE_NOT_FOUND;
    }

    faas_store_value_export(&raw, value);
    value->stale = expired;

    return FAAS_STORE_OK;
}


int
faas_store_get(faas_store_t *store, const char *ns, size_t ns_len,
    const char *key, size_t key_len, uint64_t now_ms,
    faas_store_value_t *value)
{
    int      rc;
    MDB_val  k;

    rc = faas_store_make_key(store, store->keybuf, ns, ns_len, key, key_len,
                             &k.mv_size);
    if (rc != FAAS_STORE_OK) {
        return rc;
    }

    k.mv_data = store->keybuf;

    return faas_store_lookup(store, store->kv, &k, now_ms, 0, value);
}


static int
faas_store_cache_key(faas_store_t *store, size_t key_len)
{
    if (key_len == 0) {
        return faas_store_error(store, FAAS_STORE_ERROR,
                                "empty cache key");
    }

    if (key_len > store->max_key) {
        return faas_store_error(store, FAAS_STORE_TOO_BIG,
                   "cache key of %zu bytes exceeds the limit of %zu bytes",
                   key_len, store->max_key);
    }

    return FAAS_STORE_OK;
}


int
faas_store_cache_get(faas_store_t *store, const char *key, size_t key_len,
    uint64_t now_ms, faas_store_value_t *value)
{
    int      rc;
    MDB_val  k;

    rc = faas_store_cache_key(store, key_len);
    if (rc != FAAS_STORE_OK) {
        return rc;
    }

    k.mv_data = (void *) key;
    k.mv_size = key_len;

    return faas_store_lookup(store, store->cache, &k, now_ms, 0, value);
}


int
faas_store_cache_get_stale(faas_store_t *store, const char *key,
    size_t key_len, uint64_t now_ms, faas_store_value_t *value)
{
    int      rc;
    MDB_val  k;

    rc = faas_store_cache_key(store, key_len);
    if (rc != FAAS_STORE_OK) {
        return rc;
    }

    k.mv_data = (void *) key;
    k.mv_size = key_len;

    return faas_store_lookup(store, store->cache, &k, now_ms, 1, value);
}


typedef struct {
    const char  *key;
    size_t       key_len;
    const char  *data;
    size_t       len;
    unsigned     flags;
    uint64_t     expires_ms;
} faas_store_cache_op_t;


static int
faas_store_cache_put(faas_store_t *store, MDB_txn *txn, void *data)
{
    int                     rc;
    MDB_val                 k, v;
    faas_store_cache_op_t  *op;

    op = data;

    k.mv_data = (void *) op->key;
    k.mv_size = op->key_len;
    v.mv_size = faas_store_value_size(FAAS_STORE_STRING, op->len);

    /* MDB_RESERVE: the value is written once, straight into its page */
    rc = mdb_put(txn, store->cache, &k, &v, MDB_RESERVE);
    if (rc != 0) {
        return faas_store_mdb_error(store, rc, "mdb_put");
    }

    faas_store_value_encode(v.mv_data, FAAS_STORE_STRING, op->flags,
                            op->expires_ms, op->data, op->len, 0);

    return FAAS_STORE_OK;
}


static int
faas_store_cache_del(faas_store_t *store, MDB_txn *txn, void *data)
{
    int                     rc;
    MDB_val                 k;
    faas_store_cache_op_t  *op;

    op = data;

    k.mv_data = (void *) op->key;
    k.mv_size = op->key_len;

    rc = mdb_del(txn, store->cache, &k, NULL);

    if (rc == MDB_NOTFOUND) {
        return FAAS_STORE_NOT_FOUND;
    }

    if (rc != 0) {
        return faas_store_mdb_error(store, rc, "mdb_del");
    }

    return FAAS_STORE_OK;
}


int
faas_store_cache_set(faas_store_t *store, const char *key, size_t key_len,
    const char *data, size_t len, unsigned flags, uint64_t ttl_ms,
    uint64_t now_ms)
{
    int                    rc;
    faas_store_cache_op_t  op;

    rc = faas_store_cache_key(store, key_len);
    if (rc != FAAS_STORE_OK) {
        return rc;
    }

    if (len > store->max_cache_value) {
        return faas_store_error(store, FAAS_STORE_TOO_BIG,
                   "cached result of %zu bytes exceeds the limit of "
                   "%zu bytes", len, store->max_cache_value);
    }

    op.key = key;
    op.key_len = key_len;
    op.data = data;
    op.len = len;
    op.flags = flags;
    op.expires_ms = ttl_ms ? now_ms + ttl_ms : 0;

    return faas_store_write(store, faas_store_cache_put, &op, 0);
}


int
faas_store_cache_delete(faas_store_t *store, const char *key,
    size_t key_len)
{
    int                    rc;
    faas_store_cache_op_t  op;

    rc = faas_store_cache_key(store, key_len);
    if (rc != FAAS_STORE_OK) {
        return rc;
    }

    op.key = key;
    op.key_len = key_len;

    return faas_store_write(store, faas_store_cache_del, &op, 1);
}


int
faas_store_stat(faas_store_t *store, faas_store_stat_t *st)
{
    int          rc;
    size_t       free_pages, n;
    MDB_txn     *txn;
    MDB_val      k, v;
    MDB_stat     ms;
    MDB_envinfo  info;
    MDB_cursor  *cur;
    const char  *call;

    memset(st, 0, sizeof(faas_store_stat_t));

    /* its own read transaction: a caller may be inside a read */
    rc = faas_store_txn_begin(store, MDB_RDONLY, &txn);
    if (rc != FAAS_STORE_OK) {
        return rc;
    }

    call = "mdb_env_info";
    rc = mdb_env_info(store->env, &info);
    if (rc != 0) {
        goto failed;
    }

    call = "mdb_env_stat";
    rc = mdb_env_stat(store->env, &ms);
    if (rc != 0) {
        goto failed;
    }

    st->map_size = info.me_mapsize;
    st->page_size = ms.ms_psize;
    st->max_readers = info.me_maxreaders;
    st->readers_used = info.me_numreaders;
    st->high_water_bytes = (info.me_last_pgno + 1) * ms.ms_psize;

    /*
     * Free pages are listed in LMDB's free database (dbi 0): each record
     * is a page list whose first word is its length, as mdb_stat -f
     * reads it.
     */

    call = "mdb_cursor_open";
    rc = mdb_cursor_open(txn, 0, &cur);
    if (rc != 0) {
        goto failed;
    }

    free_pages = 0;

    while ((rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) == 0) {
        if (v.mv_size >= sizeof(size_t)) {
            memcpy(&n, v.mv_data, sizeof(size_t));
            free_pages += n;
        }
    }

    mdb_cursor_close(cur);

    if (rc != MDB_NOTFOUND) {
        call = "mdb_cursor_get";
        goto failed;
    }

    if (free_pages > info.me_last_pgno + 1) {
        free_pages = info.me_last_pgno + 1;
    }

    st->used_bytes = (info.me_last_pgno + 1 - free_pages) * ms.ms_psize;

    call = "mdb_stat";
    rc = mdb_stat(txn, store->kv, &ms);
    if (rc != 0) {
        goto failed;
    }

    st->kv_entries = ms.ms_entries;

    rc = mdb_stat(txn, store->cache, &ms);
    if (rc != 0) {
        goto failed;
    }

    st->cache_entries = ms.ms_entries;

    mdb_txn_abort(txn);

    return FAAS_STORE_OK;

failed:

    mdb_txn_abort(txn);

    return faas_store_mdb_error(store, rc, call);
}


int
faas_store_used_bytes(faas_store_t *store, size_t *used)
{
    int                rc;
    faas_store_stat_t  st;

    rc = faas_store_stat(store, &st);

    *used = st.used_bytes;

    return rc;
}
