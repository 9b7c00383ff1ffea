/*
 * The cost of the store's operations, to choose between committing
 * inline in the worker (MDB_NOSYNC + a periodic sync) and a thread pool:
 * commits per second of single-op batches and their latency (p50, p99,
 * max) with sync on and off, alone and with a second process writing,
 * and reads per second.
 *
 *   cc -std=gnu99 -O2 -I. bench/store_bench.c cache/faas_store*.c \
 *       -llmdb -o build/store_bench
 *   build/store_bench [DIR] [N]
 *
 * DIR (default: a new directory under the current one, removed at the
 * end) should be on the disk the state will live on: tmpfs makes sync
 * look free.
 */

#define _GNU_SOURCE

#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cache/faas_store.h"


static uint64_t
bench_now_ns(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return (uint64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}


static int
bench_cmp(const void *a, const void *b)
{
    uint64_t  x, y;

    x = *(const uint64_t *) a;
    y = *(const uint64_t *) b;

    return x < y ? -1 : x > y;
}


static faas_store_t *
bench_open(const char *dir, int sync)
{
    char               err[FAAS_STORE_ERRLEN];
    faas_store_t      *store;
    faas_store_conf_t  conf;

    faas_store_conf_init(&conf, dir);
    conf.sync = sync;

    if (faas_store_open(&conf, &store, err, sizeof(err)) != FAAS_STORE_OK) {
        fprintf(stderr, "%s\n", err);
        exit(1);
    }

    return store;
}


/* a writer in another process, as a second busy worker */

static pid_t
bench_rival(const char *dir, int sync)
{
    int                  i;
    char                 key[32];
    pid_t                pid;
    faas_store_t        *store;
    faas_store_batch_t  *b;

    pid = fork();

    if (pid != 0) {
        return pid;
    }

    store = bench_open(dir, sync);
    b = faas_store_batch_create(store);

    for (i = 0; /* void */; i++) {
        snprintf(key, sizeof(key), "rival%d", i % 1000);
        faas_store_batch_reset(b);
        faas_store_batch_incr(b, "bench", 5, key, strlen(key), 1, 0);
        faas_store_batch_commit(b, 0);
    }

    return 0;
}


static void
bench_writes(const char *dir, const char *what, int sync, int rival, int n)
{
    int                  i, rc;
    char                 key[32], val[100];
    pid_t                pid;
    uint64_t             t0, t1, start, *lat;
    faas_store_t        *store;
    faas_store_batch_t  *b;

    store = bench_open(dir, sync);
    b = faas_store_batch_create(store);
    lat = malloc(n * sizeof(uint64_t));
    memset(val, 'v', sizeof(val));

    pid = rival ? bench_rival(dir, sync) : 0;

    if (pid) {
        usleep(20000);
    }

    start = bench_now_ns();

    for (i = 0; i < n; i++) {
        snprintf(key, sizeof(key), "%s%d", what, i % 10000);

        t0 = bench_now_ns();

        faas_store_batch_reset(b);

        if (strcmp(what, "set") == 0) {
            rc = faas_store_batch_set(b, "bench", 5, key, strlen(key), val,
                                      sizeof(val), 0);
        } else {
            rc = faas_store_batch_incr(b, "bench", 5, key, strlen(key), 1,
                                       0);
        }

        if (rc == FAAS_STORE_OK) {
            rc = faas_store_batch_commit(b, 0);
        }

        t1 = bench_now_ns();

        if (rc != FAAS_STORE_OK) {
            fprintf(stderr, "%s\n", faas_store_strerror(store));
            exit(1);
        }

        lat[i] = t1 - t0;
    }

    t1 = bench_now_ns();

    if (pid) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }

    qsort(lat, n, sizeof(uint64_t), bench_cmp);

    printf("%-5s sync=%-3s %-9s %6d commits  %9.0f/s  p50 %7.1f us  "
           "p99 %8.1f us  max %8.1f us\n",
           what, sync ? "on" : "off", rival ? "+1 writer" : "alone", n,
           n / ((t1 - start) / 1e9), lat[n / 2] / 1e3,
           lat[n * 99 / 100] / 1e3, lat[n - 1] / 1e3);

    if (!sync) {
        t0 = bench_now_ns();
        faas_store_sync(store);
        printf("      faas_store_sync() after them: %.1f us\n",
               (bench_now_ns() - t0) / 1e3);
    }

    free(lat);
    faas_store_batch_destroy(b);
    faas_store_close(store);
}


static void
bench_reads(const char *dir, int n)
{
    int                 i, found;
    char                key[32];
    uint64_t            t0, t1;
    faas_store_t       *store;
    faas_store_value_t  v;

    store = bench_open(dir, 0);
    found = 0;

    t0 = bench_now_ns();

    for (i = 0; i < n; i++) {
        snprintf(key, sizeof(key), "set%d", i % 10000);

        faas_store_read_begin(store);
        found += faas_store_get(store, "bench", 5, key, strlen(key), 0, &v)
                 == FAAS_STORE_OK;
        faas_store_read_end(store);
    }

    t1 = bench_now_ns();

    printf("get   (read_begin + get + read_end)  %d gets  %9.0f/s  "
           "%.2f us each (%d found)\n", n, n / ((t1 - t0) / 1e9),
           (t1 - t0) / 1e3 / n, found);

    faas_store_close(store);
}


static int
bench_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void) st;
    (void) flag;
    (void) ftw;

    return remove(path);
}


int
main(int argc, char **argv)
{
    int    n, own;
    char   tmpl[] = "store_bench.XXXXXX";
    char  *dir;

    own = argc < 2;
    dir = own ? mkdtemp(tmpl) : argv[1];
    n = argc > 2 ? atoi(argv[2]) : 20000;

    if (dir == NULL) {
        perror("mkdtemp");
        return 1;
    }

    printf("# %s, %d single-op batches per line\n", dir, n);

    bench_writes(dir, "set", 0, 0, n);
    bench_writes(dir, "incr", 0, 0, n);
    bench_writes(dir, "incr", 0, 1, n);
    bench_writes(dir, "set", 1, 0, n / 10);
    bench_writes(dir, "incr", 1, 0, n / 10);
    bench_writes(dir, "incr", 1, 1, n / 10);
    bench_reads(dir, n * 10);

    if (own) {
        nftw(dir, bench_rm, 16, FTW_DEPTH | FTW_PHYS);
    }

    return 0;
}
