/*
 * Unit tests of cache/faas_store*.c.  Every test works in its own
 * directory under tests/tmp/ (the harness runs with cwd tests/), made by
 * mkdtemp() and removed at the end.
 */

#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <lmdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/faas_test.h"
#include "cache/faas_store.h"


#define NOW    1700000000000ULL      /* a fixed "now", unix ms */
#define FN     "fn", 2               /* a namespace, as ptr, len */


static char  base[64];


static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void) st;
    (void) flag;
    (void) ftw;

    return remove(path);
}


static void
rm_tree(const char *path)
{
    nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}


/* a fresh directory name (not created) under this run's base */

static const char *
env_dir(const char *name)
{
    static char  path[128];

    snprintf(path, sizeof(path), "%s/%s", base, name);

    return path;
}


static faas_store_t *
open_store(const char *dir, size_t map_size, size_t max_value)
{
    char               err[FAAS_STORE_ERRLEN];
    faas_store_t      *store;
    faas_store_conf_t  conf;

    faas_store_conf_init(&conf, dir);
    conf.sync = 0;

    if (map_size) {
        conf.map_size = map_size;
    }

    if (max_value) {
        conf.max_value = max_value;
    }

    if (faas_store_open(&conf, &store, err, sizeof(err)) != FAAS_STORE_OK) {
        fprintf(stderr, "open \"%s\": %s\n", dir, err);
        return NULL;
    }

    return store;
}


/* one-op batches, as the binding commits them */

static int
kv_set(faas_store_t *store, const char *key, const char *val, uint64_t ttl,
    uint64_t now)
{
    int                  rc;
    faas_store_batch_t  *b;

    b = faas_store_batch_create(store);
    rc = faas_store_batch_set(b, FN, key, strlen(key), val, strlen(val),
                              ttl);
    if (rc == FAAS_STORE_OK) {
        rc = faas_store_batch_commit(b, now);
    }

    faas_store_batch_destroy(b);

    return rc;
}


static int
kv_incr(faas_store_t *store, const char *key, double delta, double *result)
{
    int                  rc;
    faas_store_batch_t  *b;
    faas_store_staged_t  st;

    b = faas_store_batch_create(store);
    rc = faas_store_batch_incr(b, FN, key, strlen(key), delta, 0);
    if (rc == FAAS_STORE_OK) {
        rc = faas_store_batch_commit(b, NOW);
    }

    if (rc == FAAS_STORE_OK && result) {
        faas_store_batch_find(b, FN, key, strlen(key), &st);
        *result = st.result;
    }

    faas_store_batch_destroy(b);

    return rc;
}


/* the value of a key as a NUL-terminated string, or NULL */

static const char *
kv_get(faas_store_t *store, const char *ns, const char *key, uint64_t now)
{
    static char         buf[256];
    faas_store_value_t  v;
    int                 rc;

    if (faas_store_read_begin(store) != FAAS_STORE_OK) {
        return NULL;
    }

    rc = faas_store_get(store, ns, strlen(ns), key, strlen(key), now, &v);

    if (rc == FAAS_STORE_OK && v.type == FAAS_STORE_NUMBER) {
        snprintf(buf, sizeof(buf), "%.17g", v.number);

    } else if (rc == FAAS_STORE_OK) {
        snprintf(buf, sizeof(buf), "%.*s", (int) v.len, v.data);
    }

    faas_store_read_end(store);

    return rc == FAAS_STORE_OK ? buf : NULL;
}


static void
test_create_check_reopen(void)
{
    int                rc;
    char               err[FAAS_STORE_ERRLEN], path[160];
    const char        *dir;
    struct stat        st;
    faas_store_t      *store;
    faas_store_conf_t  conf;

    dir = env_dir("create");
    faas_store_conf_init(&conf, dir);

    rc = faas_store_check_create(&conf, err, sizeof(err));
    FAAS_CHECK(rc == FAAS_STORE_OK);

    FAAS_CHECK(stat(dir, &st) == 0 && S_ISDIR(st.st_mode)
               && (st.st_mode & 0777) == 0700);

    snprintf(path, sizeof(path), "%s/data.mdb", dir);
    FAAS_CHECK(access(path, F_OK) == 0);

    /* the master checks again at every reload */
    FAAS_CHECK(faas_store_check_create(&conf, err, sizeof(err))
               == FAAS_STORE_OK);

    rc = faas_store_open(&conf, &store, err, sizeof(err));
    FAAS_CHECK(rc == FAAS_STORE_OK && store != NULL);

    FAAS_CHECK(faas_store_max_key(store, 2) == 511 - 3);
    FAAS_CHECK(faas_store_max_value(store) == 64 * 1024);

    faas_store_close(store);

    /* chown to ourselves works and is what the master does for workers */
    conf.uid = getuid();
    conf.gid = getgid();
    FAAS_CHECK(faas_store_check_create(&conf, err, sizeof(err))
               == FAAS_STORE_OK);

    FAAS_CHECK_STR(faas_store_code_name(FAAS_STORE_FULL), "FULL");
}


static void
put_format(const char *dir, const char *tag)
{
    MDB_env  *env;
    MDB_txn  *txn;
    MDB_dbi   dbi;
    MDB_val   k, v;

    mdb_env_create(&env);
    mdb_env_set_maxdbs(env, 4);
    FAAS_CHECK(mdb_env_open(env, dir, 0, 0600) == 0);
    mdb_txn_begin(env, NULL, 0, &txn);
    mdb_dbi_open(txn, "meta", 0, &dbi);

    k.mv_data = "format";
    k.mv_size = 6;
    v.mv_data = (void *) tag;
    v.mv_size = strlen(tag);

    FAAS_CHECK(mdb_put(txn, dbi, &k, &v, 0) == 0);
    FAAS_CHECK(mdb_txn_commit(txn) == 0);
    mdb_env_close(env);
}


static void
test_version(void)
{
    int                rc;
    char               err[FAAS_STORE_ERRLEN];
    const char        *dir;
    faas_store_t      *store;
    faas_store_conf_t  conf;

    dir = env_dir("version");
    faas_store_conf_init(&conf, dir);

    FAAS_CHECK(faas_store_check_create(&conf, err, sizeof(err))
               == FAAS_STORE_OK);

    /* a later minor version of the same major stays readable */
    put_format(dir, "1.7");
    FAAS_CHECK(faas_store_check_create(&conf, err, sizeof(err))
               == FAAS_STORE_OK);

    put_format(dir, "2.0");

    rc = faas_store_check_create(&conf, err, sizeof(err));
    FAAS_CHECK(rc == FAAS_STORE_VERSION);
    FAAS_CHECK(strstr(err, dir) != NULL);
    FAAS_CHECK(strstr(err, "format version \"2.0\"") != NULL);
    FAAS_CHECK(strstr(err, "reads version 1.x") != NULL);

    rc = faas_store_open(&conf, &store, err, sizeof(err));
    FAAS_CHECK(rc == FAAS_STORE_VERSION && store == NULL);
}


static void
test_corrupt(void)
{
    int                fd, rc;
    char               err[FAAS_STORE_ERRLEN], path[160], junk[4096];
    const char        *dir;
    faas_store_t      *store;
    faas_store_conf_t  conf;

    dir = env_dir("corrupt");
    faas_store_conf_init(&conf, dir);

    FAAS_CHECK(faas_store_check_create(&conf, err, sizeof(err))
               == FAAS_STORE_OK);

    /* both meta pages: the first two pages of data.mdb */

    snprintf(path, sizeof(path), "%s/data.mdb", dir);
    memset(junk, 'x', sizeof(junk));

    fd = open(path, O_WRONLY);
    FAAS_CHECK(fd != -1);
    FAAS_CHECK(write(fd, junk, sizeof(junk)) == sizeof(junk));
    FAAS_CHECK(write(fd, junk, sizeof(junk)) == sizeof(junk));
    close(fd);

    rc = faas_store_check_create(&conf, err, sizeof(err));
    FAAS_CHECK(rc == FAAS_STORE_ERROR);
    FAAS_CHECK(strstr(err, dir) != NULL);
    FAAS_CHECK(strstr(err, "MDB_INVALID") != NULL);
    FAAS_CHECK(strstr(err, "corrupt") != NULL);

    rc = faas_store_open(&conf, &store, err, sizeof(err));
    FAAS_CHECK(rc == FAAS_STORE_ERROR && store == NULL);

    /* only the header's magic */

    dir = env_dir("corrupt2");
    faas_store_conf_init(&conf, dir);
    FAAS_CHECK(faas_store_check_create(&conf, err, sizeof(err))
               == FAAS_STORE_OK);

    snprintf(path, sizeof(path), "%s/data.mdb", dir);
    fd = open(path, O_WRONLY);
    FAAS_CHECK(pwrite(fd, junk, 32, 0) == 32);
    close(fd);

    rc = faas_store_check_create(&conf, err, sizeof(err));
    FAAS_CHECK(rc == FAAS_STORE_ERROR);
    FAAS_CHECK(strstr(err, "mdb_env_open() failed") != NULL);
}


static void
test_not_a_dir(void)
{
    int                fd;
    char               err[FAAS_STORE_ERRLEN], file[160], sub[200];
    faas_store_conf_t  conf;

    snprintf(file, sizeof(file), "%s", env_dir("file"));
    fd = open(file, O_CREAT | O_WRONLY, 0600);
    FAAS_CHECK(fd != -1);
    close(fd);

    faas_store_conf_init(&conf, file);
    FAAS_CHECK(faas_store_check_create(&conf, err, sizeof(err))
               == FAAS_STORE_ERROR);
    FAAS_CHECK(strstr(err, "is not a directory") != NULL);
    FAAS_CHECK(strstr(err, file) != NULL);

    /* unwritable even for root: a path under a regular file */
    snprintf(sub, sizeof(sub), "%s/sub", file);
    faas_store_conf_init(&conf, sub);
    FAAS_CHECK(faas_store_check_create(&conf, err, sizeof(err))
               == FAAS_STORE_ERROR);
    FAAS_CHECK(strstr(err, sub) != NULL);
    FAAS_CHECK(strstr(err, "Not a directory") != NULL);

    /* a missing parent is not created */
    snprintf(sub, sizeof(sub), "%s/nope/sub", base);
    faas_store_conf_init(&conf, sub);
    FAAS_CHECK(faas_store_check_create(&conf, err, sizeof(err))
               == FAAS_STORE_ERROR);
    FAAS_CHECK(strstr(err, "No such file or directory") != NULL);
}


static void
test_set_get_delete(void)
{
    char                 bin[4];
    faas_store_t        *store;
    faas_store_value_t   v;
    faas_store_batch_t  *b;

    store = open_store(env_dir("basic"), 0, 0);
    FAAS_CHECK(store != NULL);
    if (store == NULL) {
        return;
    }

    FAAS_CHECK(kv_get(store, "fn", "a", NOW) == NULL);
    FAAS_CHECK(kv_set(store, "a", "hello", 0, NOW) == FAAS_STORE_OK);
    FAAS_CHECK_STR(kv_get(store, "fn", "a", NOW), "hello");

    /* overwrite, empty value, numbers */
    FAAS_CHECK(kv_set(store, "a", "", 0, NOW) == FAAS_STORE_OK);
    FAAS_CHECK_STR(kv_get(store, "fn", "a", NOW), "");

    b = faas_store_batch_create(store);
    FAAS_CHECK(faas_store_batch_set_number(b, FN, "n", 1, 2.5, 0)
               == FAAS_STORE_OK);

    /* binary keys and an empty key */
    bin[0] = 'k';
    bin[1] = '\0';
    bin[2] = 'z';
    FAAS_CHECK(faas_store_batch_set(b, FN, bin, 3, "bin", 3, 0)
               == FAAS_STORE_OK);
    FAAS_CHECK(faas_store_batch_set(b, FN, "", 0, "empty", 5, 0)
               == FAAS_STORE_OK);
    FAAS_CHECK(faas_store_batch_count(b) == 3);
    FAAS_CHECK(faas_store_batch_commit(b, NOW) == FAAS_STORE_OK);

    FAAS_CHECK(faas_store_read_begin(store) == FAAS_STORE_OK);

    FAAS_CHECK(faas_store_get(store, FN, "n", 1, NOW, &v) == FAAS_STORE_OK
               && v.type == FAAS_STORE_NUMBER && v.number == 2.5
               && v.expires_ms == 0);
    FAAS_CHECK(faas_store_get(store, FN, bin, 3, NOW, &v) == FAAS_STORE_OK
               && v.len == 3 && memcmp(v.data, "bin", 3) == 0);
    FAAS_CHECK(faas_store_get(store, FN, bin, 2, NOW, &v)
               == FAAS_STORE_NOT_FOUND);
    FAAS_CHECK(faas_store_get(store, FN, "", 0, NOW, &v) == FAAS_STORE_OK
               && v.len == 5 && v.type == FAAS_STORE_STRING);

    /* a nested begin is counted */
    FAAS_CHECK(faas_store_read_begin(store) == FAAS_STORE_OK);
    faas_store_read_end(store);
    FAAS_CHECK(faas_store_get(store, FN, "n", 1, NOW, &v) == FAAS_STORE_OK);

    faas_store_read_end(store);

    /* outside a read */
    FAAS_CHECK(faas_store_get(store, FN, "n", 1, NOW, &v)
               == FAAS_STORE_ERROR);

    faas_store_batch_reset(b);
    FAAS_CHECK(faas_store_batch_count(b) == 0);
    FAAS_CHECK(faas_store_batch_delete(b, FN, "a", 1) == FAAS_STORE_OK);
    FAAS_CHECK(faas_store_batch_delete(b, FN, "missing", 7)
               == FAAS_STORE_OK);
    FAAS_CHECK(faas_store_batch_commit(b, NOW) == FAAS_STORE_OK);
    FAAS_CHECK(kv_get(store, "fn", "a", NOW) == NULL);
    FAAS_CHECK_STR(kv_get(store, "fn", "n", NOW), "2.5");

    /* an empty commit */
    faas_store_batch_reset(b);
    FAAS_CHECK(faas_store_batch_commit(b, NOW) == FAAS_STORE_OK);

    faas_store_batch_destroy(b);
    faas_store_close(store);
}


static void
test_namespaces(void)
{
    faas_store_t        *store;
    faas_store_batch_t  *b;

    store = open_store(env_dir("ns"), 0, 0);
    if (store == NULL) {
        FAAS_CHECK(0);
        return;
    }

    b = faas_store_batch_create(store);
    FAAS_CHECK(faas_store_batch_set(b, "alpha", 5, "k", 1, "A", 1, 0) == 0);
    FAAS_CHECK(faas_store_batch_set(b, "beta", 4, "k", 1, "B", 1, 0) == 0);

    /* "al" + "\0pha..." must not meet "alpha" + "\0..." */
    FAAS_CHECK(faas_store_batch_set(b, "al", 2, "pha", 3, "X", 1, 0) == 0);
    FAAS_CHECK(faas_store_batch_count(b) == 3);
    FAAS_CHECK(faas_store_batch_commit(b, NOW) == FAAS_STORE_OK);

    FAAS_CHECK_STR(kv_get(store, "alpha", "k", NOW), "A");
    FAAS_CHECK_STR(kv_get(store, "beta", "k", NOW), "B");
    FAAS_CHECK(kv_get(store, "gamma", "k", NOW) == NULL);
    FAAS_CHECK(kv_get(store, "al", "k", NOW) == NULL);

    faas_store_batch_reset(b);
    FAAS_CHECK(faas_store_batch_delete(b, "alpha", 5, "k", 1) == 0);
    FAAS_CHECK(faas_store_batch_commit(b, NOW) == FAAS_STORE_OK);
    FAAS_CHECK(kv_get(store, "alpha", "k", NOW) == NULL);
    FAAS_CHECK_STR(kv_get(store, "beta", "k", NOW), "B");

    /* a name with a NUL would break the prefix */
    FAAS_CHECK(faas_store_batch_set(b, "a\0b", 3, "k", 1, "x", 1, 0)
               == FAAS_STORE_ERROR);
    FAAS_CHECK(faas_store_batch_set(b, "", 0, "k", 1, "x", 1, 0)
               == FAAS_STORE_ERROR);

    faas_store_batch_destroy(b);
    faas_store_close(store);
}


static void
test_ttl_sweep(void)
{
    int                  i, wrapped, passes;
    char                 key[32];
    size_t               removed, total;
    faas_store_t        *store;
    faas_store_stat_t    st;
    faas_store_batch_t  *b;
    faas_store_value_t   v;

    store = open_store(env_dir("ttl"), 0, 0);
    if (store == NULL) {
        FAAS_CHECK(0);
        return;
    }

    FAAS_CHECK(kv_set(store, "t", "v", 1000, NOW) == FAAS_STORE_OK);
    FAAS_CHECK_STR(kv_get(store, "fn", "t", NOW + 999), "v");
    FAAS_CHECK(kv_get(store, "fn", "t", NOW + 1000) == NULL);

    faas_store_read_begin(store);
    FAAS_CHECK(faas_store_get(store, FN, "t", 1, NOW, &v) == FAAS_STORE_OK
               && v.expires_ms == NOW + 1000);
    faas_store_read_end(store);

    /* not yet expired: the sweep keeps it */
    FAAS_CHECK(faas_store_sweep(store, NOW + 999, 0, 100, &removed,
                                &wrapped) == FAAS_STORE_OK);
    FAAS_CHECK(removed == 0 && wrapped == 1);

    FAAS_CHECK(faas_store_sweep(store, NOW + 1000, 0, 100, &removed,
                                &wrapped) == FAAS_STORE_OK);
    FAAS_CHECK(removed == 1);

    FAAS_CHECK(faas_store_stat(store, &st) == FAAS_STORE_OK
               && st.kv_entries == 0);

    /* an expired key reads as missing for a set over it, too */
    FAAS_CHECK(kv_set(store, "t", "v2", 0, NOW) == FAAS_STORE_OK);
    FAAS_CHECK_STR(kv_get(store, "fn", "t", NOW + 5000), "v2");

    /* incr on an expired key starts over, with the incr's ttl */
    b = faas_store_batch_create(store);
    FAAS_CHECK(faas_store_batch_incr(b, FN, "c", 1, 5, 100) == 0);
    FAAS_CHECK(faas_store_batch_commit(b, NOW) == FAAS_STORE_OK);
    faas_store_batch_reset(b);

    /* an existing counter keeps its window */
    FAAS_CHECK(faas_store_batch_incr(b, FN, "c", 1, 1, 100000) == 0);
    FAAS_CHECK(faas_store_batch_commit(b, NOW + 50) == FAAS_STORE_OK);
    FAAS_CHECK_STR(kv_get(store, "fn", "c", NOW + 99), "6");
    FAAS_CHECK(kv_get(store, "fn", "c", NOW + 100) == NULL);

    faas_store_batch_reset(b);
    FAAS_CHECK(faas_store_batch_incr(b, FN, "c", 1, 1, 0) == 0);
    FAAS_CHECK(faas_store_batch_commit(b, NOW + 100) == FAAS_STORE_OK);
    FAAS_CHECK_STR(kv_get(store, "fn", "c", NOW + 10000000), "1");

    /* a resumable sweep: 100 keys, every other one expired */

    faas_store_batch_reset(b);

    for (i = 0; i < 100; i++) {
        snprintf(key, sizeof(key), "k%03d", i);
        FAAS_CHECK(faas_store_batch_set(b, FN, key, strlen(key), "x", 1,
                                        i % 2 ? 0 : 10) == 0);
    }

    FAAS_CHECK(faas_store_batch_commit(b, NOW) == FAAS_STORE_OK);
    faas_store_batch_destroy(b);

    total = 0;
    passes = 0;

    for (i = 0; i < 100; i++) {
        FAAS_CHECK(faas_store_sweep(store, NOW + 10, 0, 7, &removed,
                                    &wrapped) == FAAS_STORE_OK);
        FAAS_CHECK(removed <= 7);
        total += removed;

        if (wrapped) {
            passes++;
            break;
        }
    }

    FAAS_CHECK(passes == 1);
    FAAS_CHECK(total == 50);
    FAAS_CHECK(i >= 14);      /* 102 entries, 7 at a time */

    FAAS_CHECK(faas_store_stat(store, &st) == FAAS_STORE_OK
               && st.kv_entries == 52);
    FAAS_CHECK_STR(kv_get(store, "fn", "k001", NOW + 10), "x");
    FAAS_CHECK(kv_get(store, "fn", "k000", NOW) == NULL);

    faas_store_close(store);
}


static void
test_batch_visibility(void)
{
    faas_store_t        *store;
    faas_store_batch_t  *b;
    faas_store_staged_t  st;

    store = open_store(env_dir("visible"), 0, 0);
    if (store == NULL) {
        FAAS_CHECK(0);
        return;
    }

    b = faas_store_batch_create(store);

    FAAS_CHECK(faas_store_batch_find(b, FN, "a", 1, &st)
               == FAAS_STORE_NOT_FOUND);

    FAAS_CHECK(faas_store_batch_set(b, FN, "a", 1, "one", 3, 50) == 0);
    FAAS_CHECK(faas_store_batch_find(b, FN, "a", 1, &st) == FAAS_STORE_OK
               && st.op == FAAS_STORE_OP_SET
               && st.type == FAAS_STORE_STRING && st.len == 3
               && memcmp(st.data, "one", 3) == 0 && st.ttl_ms == 50);

    /* a longer value for the same key, then a shorter one in place */
    FAAS_CHECK(faas_store_batch_set(b, FN, "a", 1, "three", 5, 0) == 0);
    FAAS_CHECK(faas_store_batch_set(b, FN, "a", 1, "tw", 2, 0) == 0);
    FAAS_CHECK(faas_store_batch_find(b, FN, "a", 1, &st) == FAAS_STORE_OK
               && st.len == 2 && memcmp(st.data, "tw", 2) == 0
               && st.ttl_ms == 0);

    /* another namespace does not see it */
    FAAS_CHECK(faas_store_batch_find(b, "other", 5, "a", 1, &st)
               == FAAS_STORE_NOT_FOUND);

    FAAS_CHECK(faas_store_batch_delete(b, FN, "a", 1) == 0);
    FAAS_CHECK(faas_store_batch_find(b, FN, "a", 1, &st) == FAAS_STORE_OK
               && st.op == FAAS_STORE_OP_DELETE);

    /* incr after delete: a set of the delta */
    FAAS_CHECK(faas_store_batch_incr(b, FN, "a", 1, 4, 0) == 0);
    FAAS_CHECK(faas_store_batch_find(b, FN, "a", 1, &st) == FAAS_STORE_OK
               && st.op == FAAS_STORE_OP_SET
               && st.type == FAAS_STORE_NUMBER && st.number == 4);

    /* pending incrs add up */
    FAAS_CHECK(faas_store_batch_incr(b, FN, "c", 1, 2, 0) == 0);
    FAAS_CHECK(faas_store_batch_incr(b, FN, "c", 1, 3, 0) == 0);
    FAAS_CHECK(faas_store_batch_find(b, FN, "c", 1, &st) == FAAS_STORE_OK
               && st.op == FAAS_STORE_OP_INCR && st.number == 5
               && st.committed == 0);

    /* incr on a staged number */
    FAAS_CHECK(faas_store_batch_set_number(b, FN, "n", 1, 10, 0) == 0);
    FAAS_CHECK(faas_store_batch_incr(b, FN, "n", 1, -1, 0) == 0);
    FAAS_CHECK(faas_store_batch_find(b, FN, "n", 1, &st) == FAAS_STORE_OK
               && st.op == FAAS_STORE_OP_SET && st.number == 9);

    /* incr on a staged string */
    FAAS_CHECK(faas_store_batch_set(b, FN, "s", 1, "str", 3, 0) == 0);
    FAAS_CHECK(faas_store_batch_incr(b, FN, "s", 1, 1, 0)
               == FAAS_STORE_BAD_TYPE);
    FAAS_CHECK_STR(faas_store_strerror(store),
                   "cannot incr key \"s\" of \"fn\": its value is a string");

    /* nothing is in the store before the commit */
    FAAS_CHECK(kv_get(store, "fn", "c", NOW) == NULL);

    /* the stored value plus the pending delta, as the binding reads it */
    FAAS_CHECK(faas_store_batch_commit(b, NOW) == FAAS_STORE_OK);
    FAAS_CHECK_STR(kv_get(store, "fn", "c", NOW), "5");
    FAAS_CHECK_STR(kv_get(store, "fn", "a", NOW), "4");
    FAAS_CHECK_STR(kv_get(store, "fn", "n", NOW), "9");
    FAAS_CHECK_STR(kv_get(store, "fn", "s", NOW), "str");

    FAAS_CHECK(faas_store_batch_find(b, FN, "c", 1, &st) == FAAS_STORE_OK
               && st.committed && st.result == 5);

    faas_store_batch_reset(b);
    FAAS_CHECK(faas_store_batch_incr(b, FN, "c", 1, 10, 0) == 0);
    FAAS_CHECK(faas_store_batch_commit(b, NOW) == FAAS_STORE_OK);
    FAAS_CHECK(faas_store_batch_find(b, FN, "c", 1, &st) == FAAS_STORE_OK
               && st.committed && st.result == 15);

    faas_store_batch_destroy(b);
    faas_store_close(store);
}


static void
test_batch_many(void)
{
    int                  i, ok;
    char                 key[32], val[32];
    faas_store_t        *store;
    faas_store_batch_t  *b;
    faas_store_staged_t  st;

    store = open_store(env_dir("many"), 0, 0);
    if (store == NULL) {
        FAAS_CHECK(0);
        return;
    }

    /* enough keys to grow the index and the buffer several times */

    b = faas_store_batch_create(store);
    ok = 1;

    for (i = 0; i < 5000; i++) {
        snprintf(key, sizeof(key), "key%d", i);
        snprintf(val, sizeof(val), "val%d", i);

        ok &= faas_store_batch_set(b, FN, key, strlen(key), val,
                                   strlen(val), 0) == 0;
    }

    FAAS_CHECK(ok);
    FAAS_CHECK(faas_store_batch_count(b) == 5000);

    for (i = 0; i < 5000; i += 7) {
        snprintf(key, sizeof(key), "key%d", i);
        snprintf(val, sizeof(val), "val%d", i);

        ok &= faas_store_batch_find(b, FN, key, strlen(key), &st) == 0
              && st.len == strlen(val) && memcmp(st.data, val, st.len) == 0;
    }

    FAAS_CHECK(ok);
    FAAS_CHECK(faas_store_batch_commit(b, NOW) == FAAS_STORE_OK);
    FAAS_CHECK_STR(kv_get(store, "fn", "key4999", NOW), "val4999");

    /* reset frees what one big invocation grew; the batch still works */
    faas_store_batch_reset(b);
    FAAS_CHECK(faas_store_batch_find(b, FN, "key1", 4, &st)
               == FAAS_STORE_NOT_FOUND);
    FAAS_CHECK(faas_store_batch_set(b, FN, "key1", 4, "new", 3, 0) == 0);
    FAAS_CHECK(faas_store_batch_commit(b, NOW) == FAAS_STORE_OK);
    FAAS_CHECK_STR(kv_get(store, "fn", "key1", NOW), "new");

    faas_store_batch_destroy(b);
    faas_store_close(store);
}


static void
test_batch_atomic(void)
{
    faas_store_t        *store;
    faas_store_batch_t  *b;
    faas_store_staged_t  st;

    store = open_store(env_dir("atomic"), 0, 0);
    if (store == NULL) {
        FAAS_CHECK(0);
        return;
    }

    FAAS_CHECK(kv_set(store, "s", "text", 0, NOW) == FAAS_STORE_OK);
    FAAS_CHECK(kv_set(store, "keep", "old", 0, NOW) == FAAS_STORE_OK);

    b = faas_store_batch_create(store);
    FAAS_CHECK(faas_store_batch_set(b, FN, "a", 1, "1", 1, 0) == 0);
    FAAS_CHECK(faas_store_batch_set(b, FN, "keep", 4, "new", 3, 0) == 0);
    FAAS_CHECK(faas_store_batch_incr(b, FN, "c", 1, 1, 0) == 0);
    FAAS_CHECK(faas_store_batch_incr(b, FN, "s", 1, 1, 0) == 0);
    FAAS_CHECK(faas_store_batch_delete(b, FN, "z", 1) == 0);

    FAAS_CHECK(faas_store_batch_commit(b, NOW) == FAAS_STORE_BAD_TYPE);
    FAAS_CHECK(strstr(faas_store_strerror(store),
                      "cannot incr key \"s\" of \"fn\": its stored value "
                      "is a string") != NULL);

    FAAS_CHECK(kv_get(store, "fn", "a", NOW) == NULL);
    FAAS_CHECK(kv_get(store, "fn", "c", NOW) == NULL);
    FAAS_CHECK_STR(kv_get(store, "fn", "keep", NOW), "old");
    FAAS_CHECK_STR(kv_get(store, "fn", "s", NOW), "text");

    FAAS_CHECK(faas_store_batch_find(b, FN, "c", 1, &st) == FAAS_STORE_OK
               && st.committed == 0);

    faas_store_batch_destroy(b);
    faas_store_close(store);
}


static void
test_incr_processes(void)
{
    int            i, n, status, ok;
    pid_t          pids[4];
    double         last, result;
    const char    *dir;
    faas_store_t  *store, *child;

    dir = env_dir("procs");

    store = open_store(dir, 0, 0);
    if (store == NULL) {
        FAAS_CHECK(0);
        return;
    }

    /* as nginx's master: no environment open across fork() */
    FAAS_CHECK(kv_set(store, "other", "x", 0, NOW) == FAAS_STORE_OK);
    faas_store_close(store);

    for (n = 0; n < 4; n++) {
        pids[n] = fork();

        if (pids[n] == 0) {
            child = open_store(dir, 0, 0);
            if (child == NULL) {
                _exit(2);
            }

            ok = 1;
            last = 0;

            for (i = 0; i < 250; i++) {
                if (kv_incr(child, "ctr", 1, &result) != FAAS_STORE_OK
                    || result <= last)
                {
                    ok = 0;
                }

                last = result;
            }

            faas_store_close(child);
            _exit(ok ? 0 : 1);
        }
    }

    ok = 1;

    for (n = 0; n < 4; n++) {
        if (pids[n] == -1 || waitpid(pids[n], &status, 0) != pids[n]
            || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        {
            ok = 0;
        }
    }

    store = open_store(dir, 0, 0);
    if (store == NULL) {
        FAAS_CHECK(0);
        return;
    }

    FAAS_CHECK(ok);
    FAAS_CHECK_STR(kv_get(store, "fn", "ctr", NOW), "1000");

    faas_store_close(store);
}


static void
test_limits(void)
{
    char                 key[600], *big, err[FAAS_STORE_ERRLEN];
    size_t               max;
    faas_store_t        *store;
    faas_store_conf_t    conf;
    faas_store_batch_t  *b;
    faas_store_staged_t  st;

    store = open_store(env_dir("limits"), 0, 0);
    if (store == NULL) {
        FAAS_CHECK(0);
        return;
    }

    big = calloc(1, 64 * 1024 + 1);
    b = faas_store_batch_create(store);

    FAAS_CHECK(faas_store_batch_set(b, FN, "big", 3, big, 64 * 1024 + 1, 0)
               == FAAS_STORE_TOO_BIG);
    FAAS_CHECK_STR(faas_store_strerror(store), "value of 65537 bytes "
                   "exceeds the limit of 65536 bytes");
    FAAS_CHECK(faas_store_batch_find(b, FN, "big", 3, &st)
               == FAAS_STORE_NOT_FOUND);

    FAAS_CHECK(faas_store_batch_set(b, FN, "big", 3, big, 64 * 1024, 0)
               == FAAS_STORE_OK);

    max = faas_store_max_key(store, 2);
    memset(key, 'k', sizeof(key));

    FAAS_CHECK(faas_store_batch_set(b, FN, key, max, "v", 1, 0)
               == FAAS_STORE_OK);
    FAAS_CHECK(faas_store_batch_set(b, FN, key, max + 1, "v", 1, 0)
               == FAAS_STORE_TOO_BIG);
    FAAS_CHECK_STR(faas_store_strerror(store), "key of 509 bytes exceeds "
                   "the limit of 508 bytes for \"fn\"");
    FAAS_CHECK(faas_store_batch_incr(b, FN, key, max + 1, 1, 0)
               == FAAS_STORE_TOO_BIG);

    FAAS_CHECK(faas_store_batch_commit(b, NOW) == FAAS_STORE_OK);

    faas_store_read_begin(store);
    FAAS_CHECK(faas_store_get(store, FN, key, max + 1, NOW, NULL)
               == FAAS_STORE_TOO_BIG);
    faas_store_read_end(store);

    faas_store_batch_destroy(b);
    faas_store_close(store);

    /* a smaller value limit and a batch limit */

    faas_store_conf_init(&conf, env_dir("limits"));
    conf.max_value = 100;
    conf.max_batch = 4096;

    FAAS_CHECK(faas_store_open(&conf, &store, err, sizeof(err)) == 0);
    b = faas_store_batch_create(store);

    FAAS_CHECK(faas_store_batch_set(b, FN, "a", 1, big, 101, 0)
               == FAAS_STORE_TOO_BIG);
    FAAS_CHECK(strstr(faas_store_strerror(store), "limit of 100 bytes")
               != NULL);

    for (max = 0; max < 1000; max++) {
        snprintf(key, sizeof(key), "k%zu", max);

        if (faas_store_batch_set(b, FN, key, strlen(key), big, 100, 0)
            != FAAS_STORE_OK)
        {
            break;
        }
    }

    FAAS_CHECK(max > 10 && max < 40);
    FAAS_CHECK(strstr(faas_store_strerror(store), "staged writes exceed "
                      "the limit of 4096 bytes") != NULL);

    faas_store_batch_destroy(b);
    faas_store_close(store);
    free(big);
}


static void
test_map_full(void)
{
    int                  i, n, rc, ok;
    char                 key[32], val[1024];
    faas_store_t        *store;
    faas_store_batch_t  *b;
    faas_store_stat_t    st;

    store = open_store(env_dir("full"), 256 * 1024, 0);
    if (store == NULL) {
        FAAS_CHECK(0);
        return;
    }

    memset(val, 'v', sizeof(val) - 1);
    val[sizeof(val) - 1] = '\0';

    rc = FAAS_STORE_OK;

    for (n = 0; n < 10000; n++) {
        snprintf(key, sizeof(key), "key%05d", n);

        rc = kv_set(store, key, val, 0, NOW);
        if (rc != FAAS_STORE_OK) {
            break;
        }
    }

    FAAS_CHECK(rc == FAAS_STORE_FULL);
    FAAS_CHECK(n > 50);
    FAAS_CHECK(strstr(faas_store_strerror(store), "raise faas_state size=")
               != NULL);
    FAAS_CHECK(strstr(faas_store_strerror(store), "MDB_MAP_FULL") != NULL);

    /* everything committed before stays readable */

    ok = 1;

    for (i = 0; i < n; i++) {
        snprintf(key, sizeof(key), "key%05d", i);
        ok &= kv_get(store, "fn", key, NOW) != NULL;
    }

    FAAS_CHECK(ok);

    snprintf(key, sizeof(key), "key%05d", n);
    FAAS_CHECK(kv_get(store, "fn", key, NOW) == NULL);

    /* the environment is still usable: deletes make room again */

    b = faas_store_batch_create(store);

    for (i = 0; i < 10; i++) {
        snprintf(key, sizeof(key), "key%05d", i);
        FAAS_CHECK(faas_store_batch_delete(b, FN, key, strlen(key)) == 0);
    }

    FAAS_CHECK(faas_store_batch_commit(b, NOW) == FAAS_STORE_OK);
    FAAS_CHECK(kv_get(store, "fn", "key00000", NOW) == NULL);

    FAAS_CHECK(kv_set(store, "after", "full", 0, NOW) == FAAS_STORE_OK);
    FAAS_CHECK_STR(kv_get(store, "fn", "after", NOW), "full");

    FAAS_CHECK(faas_store_stat(store, &st) == FAAS_STORE_OK);
    FAAS_CHECK(st.map_size == 256 * 1024);
    FAAS_CHECK(st.used_bytes > 0 && st.used_bytes <= st.high_water_bytes
               && st.high_water_bytes <= st.map_size);

    /*
     * Fill and delete again and again: deletes keep working, and the
     * file grows by a few pages at most (the reserve bounds it).
     */

    ok = 1;

    for (i = 0; i < 20; i++) {
        for (rc = FAAS_STORE_OK; rc == FAAS_STORE_OK; n++) {
            snprintf(key, sizeof(key), "key%05d", n);
            rc = kv_set(store, key, val, 0, NOW);
        }

        ok &= rc == FAAS_STORE_FULL;

        faas_store_batch_reset(b);

        for (rc = 0; rc < 3; rc++) {
            snprintf(key, sizeof(key), "key%05d", n - 2 - rc);
            faas_store_batch_delete(b, FN, key, strlen(key));
        }

        ok &= faas_store_batch_commit(b, NOW) == FAAS_STORE_OK;
    }

    FAAS_CHECK(ok);
    FAAS_CHECK(faas_store_stat(store, &st) == FAAS_STORE_OK);
    FAAS_CHECK(st.map_size <= 512 * 1024);
    FAAS_CHECK(faas_store_sweep(store, NOW, 0, 1000, NULL, NULL)
               == FAAS_STORE_OK);

    faas_store_batch_destroy(b);
    faas_store_close(store);
}


static void
test_cache_stale(void)
{
    int                 wrapped;
    size_t              removed;
    faas_store_t       *store;
    faas_store_value_t  v;

    store = open_store(env_dir("cache"), 0, 0);
    if (store == NULL) {
        FAAS_CHECK(0);
        return;
    }

    FAAS_CHECK(faas_store_cache_set(store, "h1", 2, "{\"r\":1}", 7, 3, 1000,
                                    NOW) == FAAS_STORE_OK);
    FAAS_CHECK(faas_store_cache_set(store, "h2", 2, "forever", 7, 0, 0,
                                    NOW) == FAAS_STORE_OK);

    /* the cache and kv are apart */
    FAAS_CHECK(kv_get(store, "h1", "", NOW) == NULL);

    faas_store_read_begin(store);

    FAAS_CHECK(faas_store_cache_get(store, "h1", 2, NOW + 999, &v) == 0
               && v.len == 7 && memcmp(v.data, "{\"r\":1}", 7) == 0
               && v.flags == 3 && v.stale == 0);
    FAAS_CHECK(faas_store_cache_get(store, "h1", 2, NOW + 1000, &v)
               == FAAS_STORE_NOT_FOUND);
    FAAS_CHECK(faas_store_cache_get_stale(store, "h1", 2, NOW + 1500, &v)
               == FAAS_STORE_OK && v.stale == 1 && v.len == 7);
    FAAS_CHECK(faas_store_cache_get_stale(store, "h2", 2, NOW + 1500, &v)
               == FAAS_STORE_OK && v.stale == 0);
    FAAS_CHECK(faas_store_cache_get(store, "h3", 2, NOW, &v)
               == FAAS_STORE_NOT_FOUND);

    faas_store_read_end(store);

    /* within the grace period the sweep keeps it */
    FAAS_CHECK(faas_store_sweep(store, NOW + 1500, 1000, 100, &removed,
                                &wrapped) == FAAS_STORE_OK);
    FAAS_CHECK(removed == 0 && wrapped);

    faas_store_read_begin(store);
    FAAS_CHECK(faas_store_cache_get_stale(store, "h1", 2, NOW + 1500, &v)
               == FAAS_STORE_OK && v.stale == 1);
    faas_store_read_end(store);

    FAAS_CHECK(faas_store_sweep(store, NOW + 2000, 1000, 100, &removed,
                                NULL) == FAAS_STORE_OK);
    FAAS_CHECK(removed == 1);

    faas_store_read_begin(store);
    FAAS_CHECK(faas_store_cache_get_stale(store, "h1", 2, NOW + 2000, &v)
               == FAAS_STORE_NOT_FOUND);
    FAAS_CHECK(faas_store_cache_get(store, "h2", 2, NOW + 2000, &v)
               == FAAS_STORE_OK);
    faas_store_read_end(store);

    FAAS_CHECK(faas_store_cache_delete(store, "h2", 2) == FAAS_STORE_OK);
    FAAS_CHECK(faas_store_cache_delete(store, "h2", 2)
               == FAAS_STORE_NOT_FOUND);
    FAAS_CHECK(faas_store_cache_set(store, "", 0, "x", 1, 0, 0, NOW)
               == FAAS_STORE_ERROR);

    faas_store_close(store);
}


static void
test_persistence(void)
{
    size_t         used1, used2;
    const char    *dir;
    faas_store_t  *store;

    dir = env_dir("persist");

    store = open_store(dir, 0, 0);
    if (store == NULL) {
        FAAS_CHECK(0);
        return;
    }

    FAAS_CHECK(faas_store_used_bytes(store, &used1) == FAAS_STORE_OK);
    FAAS_CHECK(used1 > 0);

    FAAS_CHECK(kv_set(store, "p", "kept", 0, NOW) == FAAS_STORE_OK);
    FAAS_CHECK(kv_incr(store, "n", 41, NULL) == FAAS_STORE_OK);
    FAAS_CHECK(faas_store_cache_set(store, "c", 1, "r", 1, 0, 0, NOW) == 0);
    FAAS_CHECK(faas_store_sync(store) == FAAS_STORE_OK);

    FAAS_CHECK(faas_store_used_bytes(store, &used2) == FAAS_STORE_OK);
    FAAS_CHECK(used2 > used1);

    /* a close inside a read ends it */
    faas_store_read_begin(store);
    faas_store_close(store);

    store = open_store(dir, 0, 0);
    if (store == NULL) {
        FAAS_CHECK(0);
        return;
    }

    FAAS_CHECK_STR(kv_get(store, "fn", "p", NOW), "kept");
    FAAS_CHECK(kv_incr(store, "n", 1, NULL) == FAAS_STORE_OK);
    FAAS_CHECK_STR(kv_get(store, "fn", "n", NOW), "42");

    faas_store_close(store);

    /* a larger map at the next start keeps the data */
    store = open_store(dir, 512 * 1024 * 1024, 0);
    FAAS_CHECK(store != NULL && kv_get(store, "fn", "p", NOW) != NULL);
    faas_store_close(store);
}


/* the standard tools read the environment */

static void
test_lmdb_utils(void)
{
    int            found;
    char           cmd[256], line[512];
    FILE          *fp;
    const char    *dir;
    faas_store_t  *store;

    if (access("/usr/bin/mdb_stat", X_OK) != 0) {
        printf("# skipped: no mdb_stat (lmdb-utils)\n");
        return;
    }

    dir = env_dir("utils");

    store = open_store(dir, 0, 0);
    if (store == NULL) {
        FAAS_CHECK(0);
        return;
    }

    FAAS_CHECK(kv_set(store, "hello", "world", 0, NOW) == FAAS_STORE_OK);
    faas_store_close(store);

    snprintf(cmd, sizeof(cmd), "mdb_stat -a %s", dir);
    fp = popen(cmd, "r");
    found = 0;

    while (fp && fgets(line, sizeof(line), fp)) {
        found += strstr(line, "Status of kv") != NULL
                 || strstr(line, "Status of cache") != NULL
                 || strstr(line, "Status of meta") != NULL;
    }

    FAAS_CHECK(fp && pclose(fp) == 0);
    FAAS_CHECK(found == 3);

    /* "fn\0hello" in mdb_dump -p form */
    snprintf(cmd, sizeof(cmd), "mdb_dump -p -s kv %s", dir);
    fp = popen(cmd, "r");
    found = 0;

    while (fp && fgets(line, sizeof(line), fp)) {
        found += strcmp(line, " fn\\00hello\n") == 0;
    }

    FAAS_CHECK(fp && pclose(fp) == 0);
    FAAS_CHECK(found == 1);
}


int
main(void)
{
    if (mkdir("tmp", 0700) == -1 && errno != EEXIST) {
        perror("mkdir tmp");
        return 1;
    }

    snprintf(base, sizeof(base), "tmp/store.XXXXXX");

    if (mkdtemp(base) == NULL) {
        perror("mkdtemp");
        return 1;
    }

    test_create_check_reopen();
    test_version();
    test_corrupt();
    test_not_a_dir();
    test_set_get_delete();
    test_namespaces();
    test_ttl_sweep();
    test_batch_visibility();
    test_batch_many();
    test_batch_atomic();
    test_incr_processes();
    test_limits();
    test_map_full();
    test_cache_stale();
    test_persistence();
    test_lmdb_utils();

    /* tmp/ itself is shared with the other tests */
    rm_tree(base);

    return FAAS_TEST_DONE();
}
