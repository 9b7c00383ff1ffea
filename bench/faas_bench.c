/*
 * The runtime without nginx, on the unit tests' in-memory host:
 *
 *   faas_bench cold FILE [N]        mean cold start (state + first call)
 *                                   and the warm state's Lua memory
 *   faas_bench warm FILE [N] [QS]   warm invocations per second, with
 *                                   QS as the request's query string
 */

#include <stdlib.h>
#include <time.h>

#include "tests/test_host.h"


static uint64_t
now_ns(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return (uint64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}


static int
call(faas_function_t *fn, const char *qs, uint64_t *ns)
{
    uint64_t      t0;
    th_req_t      r;
    faas_call_t   c;

    th_init(&r);
    snprintf(r.fields[FAAS_FIELD_QUERYSTRING],
             sizeof(r.fields[FAAS_FIELD_QUERYSTRING]), "%s", qs);

    memset(&c, 0, sizeof(c));
    c.fn = fn;
    c.event = FAAS_VIEWER_REQUEST;
    c.host = &th_host;
    c.req = &r;

    t0 = now_ns();

    if (faas_call(&c) == FAAS_ERROR) {
        fprintf(stderr, "%s", r.log);
        return -1;
    }

    *ns += now_ns() - t0;

    return 0;
}


int
main(int argc, char **argv)
{
    int                    i, n, cold;
    size_t                 mem;
    uint64_t               ns;
    const char            *qs;
    faas_function_t       *fn;
    faas_function_conf_t   conf;
    char                   err[512];

    if (argc < 3) {
        fprintf(stderr, "usage: %s cold|warm FILE [N] [QS]\n", argv[0]);
        return 2;
    }

    cold = strcmp(argv[1], "cold") == 0;
    n = argc > 3 ? atoi(argv[3]) : 1000;
    qs = argc > 4 ? argv[4] : "";

    memset(&conf, 0, sizeof(conf));
    conf.name.data = "bench";
    conf.name.len = 5;
    conf.path = argv[2];
    conf.memory = 8 * 1024 * 1024;
    conf.timeout = 10000000;

    fn = faas_function_create(&conf, err, sizeof(err));
    if (fn == NULL) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }

    ns = 0;
    mem = 0;

    if (!cold && call(fn, qs, &ns) != 0) {
        return 1;
    }

    ns = 0;

    for (i = 0; i < n; i++) {
        if (call(fn, qs, &ns) != 0) {
            return 1;
        }

        mem = faas_function_memory(fn);

        if (cold) {
            /* drop the warm state: the next call is a cold start again */
            faas_function_destroy(fn);
            fn = faas_function_create(&conf, err, sizeof(err));
        }
    }

    if (cold) {
        printf("%s: cold start %.1f us (mean of %d), warm state %zu bytes\n",
               argv[2], (double) ns / n / 1000, n, mem);

    } else {
        printf("%s: %.0f invocations/s (%d, query \"%s\"), %.2f us each\n",
               argv[2], n / ((double) ns / 1e9), n, qs,
               (double) ns / n / 1000);
    }

    faas_function_destroy(fn);

    return 0;
}
