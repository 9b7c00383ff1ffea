/*
 * Cold start time and warm-state memory of one function, without nginx:
 * creates the state (sandbox, top-level code) and runs one invocation,
 * N times over; prints the mean cold start and the Lua memory after it.
 *
 *   make bench   (or: build/bench/cold_start bench/functions/noop.lua)
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


int
main(int argc, char **argv)
{
    int                    i, n;
    size_t                 mem;
    uint64_t               t0, total;
    th_req_t               r;
    faas_call_t            call;
    faas_function_t       *fn;
    faas_function_conf_t   conf;
    char                   err[512];

    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE [N]\n", argv[0]);
        return 2;
    }

    n = argc > 2 ? atoi(argv[2]) : 1000;

    memset(&conf, 0, sizeof(conf));
    conf.name.data = "bench";
    conf.name.len = 5;
    conf.path = argv[1];
    conf.memory = 8 * 1024 * 1024;
    conf.timeout = 1000000;

    fn = faas_function_create(&conf, err, sizeof(err));
    if (fn == NULL) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }

    total = 0;
    mem = 0;

    for (i = 0; i < n; i++) {
        th_init(&r);
        memset(&call, 0, sizeof(call));
        call.fn = fn;
        call.event = FAAS_VIEWER_REQUEST;
        call.host = &th_host;
        call.req = &r;

        t0 = now_ns();

        if (faas_call(&call) == FAAS_ERROR) {
            fprintf(stderr, "%s", r.log);
            return 1;
        }

        total += now_ns() - t0;
        mem = faas_function_memory(fn);

        /* drop the warm state: the next call is a cold start again */
        faas_function_destroy(fn);
        fn = faas_function_create(&conf, err, sizeof(err));
    }

    printf("%s: cold start %.1f us (mean of %d), warm state %zu bytes\n",
           argv[1], (double) total / n / 1000, n, mem);

    faas_function_destroy(fn);

    return 0;
}
