/*
 * How exact and how cheap the limits are (docs/security.md):
 *
 *   limits_bench overshoot [N] [MS] [BYTES]
 *                                    N kills of each CPU bomb under
 *                                    timeout=MS (memory=BYTES, 32m): how
 *                                    far past the deadline the failure
 *                                    is logged and the call returns
 *   limits_bench hook [N]            the count hook's cost: a loop of N
 *                                    iterations (2 VM instructions each)
 *                                    with the hook and without it
 *   limits_bench hook N on|off       one such call, for instruction
 *                                    counts: valgrind --tool=callgrind
 *                                    with two values of N gives the
 *                                    instructions per VM instruction
 *   limits_bench memory [BYTES]      how close to memory= a state gets
 *                                    before the kill, and how much live
 *                                    data it can keep while it makes
 *                                    garbage
 *
 * The hook interval is FAAS_HOOK_INTERVAL; to try another one:
 *
 *   cc -O2 -DFAAS_HOOK_INTERVAL=100 -I. -I/usr/include/luajit-2.1 \
 *       -o limits_bench_100 bench/limits_bench.c scripting/\*.c cache/\*.c \
 *       geo/\*.c -lluajit-5.1 -llmdb -lmaxminddb -lcjson -lcrypto -lm
 */

#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "tests/test_host.h"
#include "scripting/faas_state.h"


static faas_host_t       bench_host;
static uint64_t          logged_at;

/* the function called, and its state's memory when a failure is logged */
static faas_function_t  *current;
static size_t            last_peak, last_used;


static uint64_t
now_us(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return (uint64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}


static void
bench_log(void *req, faas_log_e level, const char *msg, size_t len)
{
    logged_at = now_us();
    th_log(req, level, msg, len);

    if (current != NULL && current->state != NULL) {
        last_peak = current->state->peak;
        last_used = current->state->used;
    }
}


static faas_function_t *
function(const char *name, const char *src, size_t memory, uint64_t timeout)
{
    char                  path[256], err[512];
    FILE                 *f;
    faas_function_t      *fn;
    faas_function_conf_t  conf;

    snprintf(path, sizeof(path), "/tmp/limits_bench_%d_%s.lua",
             (int) getpid(), name);

    f = fopen(path, "w");
    if (f == NULL) {
        perror(path);
        exit(1);
    }

    fputs(src, f);
    fclose(f);

    memset(&conf, 0, sizeof(conf));
    conf.name.data = name;
    conf.name.len = strlen(name);
    conf.path = path;
    conf.memory = memory;
    conf.timeout = timeout;

    fn = faas_function_create(&conf, err, sizeof(err));
    unlink(path);

    if (fn == NULL) {
        fprintf(stderr, "%s\n", err);
        exit(1);
    }

    return fn;
}


static int
call(faas_function_t *fn, const char *qs, faas_fail_e *fail)
{
    int          rc;
    th_req_t     r;
    faas_call_t  c;

    th_init(&r);
    snprintf(r.fields[FAAS_FIELD_QUERYSTRING],
             sizeof(r.fields[FAAS_FIELD_QUERYSTRING]), "%s", qs);

    memset(&c, 0, sizeof(c));
    c.fn = fn;
    c.event = FAAS_VIEWER_REQUEST;
    c.host = &bench_host;
    c.req = &r;

    current = fn;
    rc = faas_call(&c);
    current = NULL;
    *fail = c.fail;

    return rc;
}


static int
cmp_u64(const void *a, const void *b)
{
    uint64_t  x = *(const uint64_t *) a, y = *(const uint64_t *) b;

    return x < y ? -1 : x > y;
}


static void
percentiles(const char *what, uint64_t *v, int n)
{
    qsort(v, n, sizeof(uint64_t), cmp_u64);

    printf("    %-22s p50 %6.3f  p90 %6.3f  p99 %6.3f  max %6.3f ms\n",
           what, v[n / 2] / 1000.0, v[n * 9 / 10] / 1000.0,
           v[n * 99 / 100] / 1000.0, v[n - 1] / 1000.0);
}


/*
 * Each bomb runs after a warm-up call ("?warm") so the measured call is
 * warm, as in a worker: a kill drops the state, the next call is cold.
 */

static void
overshoot(int n, uint64_t ms, size_t memory)
{
    int                  i, b, killed;
    uint64_t             t0, t1, *logged, *returned;
    faas_fail_e          fail;
    faas_function_t     *fn;
    static const char   *bombs[][2] = {
        { "spin", "while true do end" },
        { "spin_alloc", "local t = {} local i = 0\n"
                        "while true do i = i + 1 t[i % 1000 + 1] = {} end" },
        { "pattern", "string.rep('a', 3000):find('.-.-.-.-b')" },
        { "sort", "local t = {} for i = 1, 300000 do t[i] = -i end\n"
                  "table.sort(t)" },
        { "upper_1m", "local s = ('x'):rep(1024 * 1024)\n"
                      "while true do local u = s:upper() end" },
        { "concat_2m", "local s = ('x'):rep(2 * 1024 * 1024)\n"
                       "while true do local u = s .. 'y' end" },
        { "remove_200k", "local t = {} for i = 1, 200000 do t[i] = i end\n"
                         "while true do t[#t + 1] = table.remove(t, 1) end" },
        { "pairs_200k", "local t = {} for i = 1, 200000 do t[i] = i end\n"
                        "for i = 1, 199999 do t[i] = nil end\n"
                        "while true do for k in pairs(t) do break end end" },
        { "concat_empty_1m", "local t = {} for i = 1, 1e6 do t[i] = '' end\n"
                             "while true do table.concat(t) end" },
    };
    char                 src[1024];

    logged = calloc(n, sizeof(uint64_t));
    returned = calloc(n, sizeof(uint64_t));

    printf("overshoot past timeout=%dms, memory=%zu, %d kills each, "
           "FAAS_HOOK_INTERVAL %d:\n", (int) ms, memory, n,
           FAAS_HOOK_INTERVAL);

    for (b = 0; b < (int) (sizeof(bombs) / sizeof(bombs[0])); b++) {
        snprintf(src, sizeof(src),
                 "return function(event)\n"
                 "  if event.Records[1].cf.request.querystring == 'warm'\n"
                 "  then return nil end\n"
                 "  %s\n"
                 "end\n", bombs[b][1]);

        fn = function(bombs[b][0], src, memory, ms * 1000);
        killed = 0;

        for (i = 0; i < n; i++) {
            if (call(fn, "warm", &fail) == FAAS_ERROR) {
                fprintf(stderr, "%s: warm-up failed\n", bombs[b][0]);
                exit(1);
            }

            t0 = now_us();
            (void) call(fn, "", &fail);
            t1 = now_us();

            if (fail != FAAS_FAIL_TIMEOUT) {
                continue;       /* a memory kill: not what is measured */
            }

            logged[killed] = logged_at > t0 + ms * 1000
                             ? logged_at - t0 - ms * 1000 : 0;
            returned[killed] = t1 > t0 + ms * 1000
                               ? t1 - t0 - ms * 1000 : 0;
            killed++;
        }

        printf("  %s (%d/%d timeouts)\n", bombs[b][0], killed, n);

        if (killed > 0) {
            percentiles("failure logged", logged, killed);
            percentiles("call returned", returned, killed);
        }

        faas_function_destroy(fn);
    }

    free(logged);
    free(returned);
}


/* iterations of "x = x + i" (ADDVV and FORL): with the hook, without */

static void
hook(int n, const char *only)
{
    int               round, i;
    uint64_t          t0, ns[2];
    faas_fail_e       fail;
    faas_function_t  *fn;
    char              qs[32];

    /* N comes in the query string: the state is made by a call of 0 */

    fn = function("hook",
        "return function(event)\n"
        "  local n = tonumber(event.Records[1].cf.request.querystring)\n"
        "  local x = 0\n"
        "  for i = 1, n do x = x + i end\n"
        "  return nil\n"
        "end\n", 8 * 1024 * 1024, 60 * 1000000);

    snprintf(qs, sizeof(qs), "%d", n);

    if (call(fn, "0", &fail) == FAAS_ERROR) {
        fprintf(stderr, "hook: %s\n", faas_fail_name(fail));
        exit(1);
    }

    if (only != NULL) {
        if (strcmp(only, "off") == 0) {
            lua_sethook(fn->state->L, NULL, 0, 0);
        }

        (void) call(fn, qs, &fail);
        faas_function_destroy(fn);
        return;
    }

    ns[0] = ns[1] = UINT64_MAX;

    for (round = 0; round < 2; round++) {

        /* round 1: no hook; the state keeps "hooked", arm leaves it off */

        if (round == 1) {
            lua_sethook(fn->state->L, NULL, 0, 0);
        }

        for (i = 0; i < 5; i++) {
            t0 = now_us();
            (void) call(fn, qs, &fail);
            t0 = now_us() - t0;

            if (t0 * 1000 < ns[round]) {
                ns[round] = t0 * 1000;
            }
        }
    }

    printf("hook cost, %d VM instructions, best of 5, FAAS_HOOK_INTERVAL "
           "%d:\n  with the hook %.3f ns, without %.3f ns per VM "
           "instruction: +%.0f%%\n", 2 * n, FAAS_HOOK_INTERVAL,
           (double) ns[0] / (2.0 * n), (double) ns[1] / (2.0 * n),
           100.0 * ((double) ns[0] / ns[1] - 1));

    faas_function_destroy(fn);
}


static void
memory(size_t limit)
{
    int               ok, round;
    size_t            lo, hi, mid, used;
    faas_fail_e       fail;
    faas_function_t  *fn;
    char              qs[32];

    /* 1. allocate until the kill: how close does the state get? */

    fn = function("hog",
        "return function(event)\n"
        "  local t, i = {}, 0\n"
        "  while true do i = i + 1 t[i] = ('x'):rep(40) .. i end\n"
        "end\n", limit, 10 * 1000000);

    (void) call(fn, "", &fail);

    printf("memory=%zu: killed as %s; at the failure the state used %zu "
           "bytes, its peak %zu (%.3f%% of the cap)\n", limit,
           faas_fail_name(fail), last_used, last_peak,
           100.0 * last_peak / limit);

    faas_function_destroy(fn);

    /*
     * 2. keep N strings of about 100 bytes alive across calls while each
     * call makes as much garbage: the most N that 20 calls survive.
     */

    fn = function("live",
        "local keep = {}\n"
        "return function(event)\n"
        "  local n = tonumber(event.Records[1].cf.request.querystring)\n"
        "  for i = #keep + 1, n do keep[i] = ('k'):rep(90) .. i end\n"
        "  for i = 1, n do local g = ('g'):rep(90) .. i end\n"
        "  return nil\n"
        "end\n", limit, 10 * 1000000);

    lo = 1;
    hi = limit / 64;

    while (lo < hi) {
        mid = lo + (hi - lo + 1) / 2;
        snprintf(qs, sizeof(qs), "%zu", mid);

        ok = 1;

        for (round = 0; ok && round < 20; round++) {
            ok = (call(fn, qs, &fail) != FAAS_ERROR);
        }

        if (ok) {
            lo = mid;

        } else {
            hi = mid - 1;
        }

        /* start every probe from a fresh state */

        faas_function_destroy(fn);
        fn = function("live",
            "local keep = {}\n"
            "return function(event)\n"
            "  local n = tonumber(event.Records[1].cf.request.querystring)\n"
            "  for i = #keep + 1, n do keep[i] = ('k'):rep(90) .. i end\n"
            "  for i = 1, n do local g = ('g'):rep(90) .. i end\n"
            "  return nil\n"
            "end\n", limit, 10 * 1000000);
    }

    snprintf(qs, sizeof(qs), "%zu", lo);
    (void) call(fn, qs, &fail);

    used = faas_function_memory(fn);
    lua_gc(fn->state->L, LUA_GCCOLLECT, 0);

    printf("memory=%zu: keeps %zu live strings of ~100 bytes while making "
           "as much garbage:\n  %zu bytes live (%.1f%% of the cap), %zu "
           "with the garbage not yet collected\n", limit, lo,
           faas_function_memory(fn),
           100.0 * faas_function_memory(fn) / limit, used);

    faas_function_destroy(fn);
}


int
main(int argc, char **argv)
{
    bench_host = th_host;
    bench_host.log = bench_log;

    if (argc > 1 && strcmp(argv[1], "overshoot") == 0) {
        overshoot(argc > 2 ? atoi(argv[2]) : 200,
                  argc > 3 ? strtoull(argv[3], NULL, 10) : 5,
                  argc > 4 ? strtoull(argv[4], NULL, 10)
                           : 32 * 1024 * 1024);

    } else if (argc > 1 && strcmp(argv[1], "hook") == 0) {
        hook(argc > 2 ? atoi(argv[2]) : 10000000, argc > 3 ? argv[3] : NULL);

    } else if (argc > 1 && strcmp(argv[1], "memory") == 0) {
        memory(argc > 2 ? strtoull(argv[2], NULL, 10) : 8 * 1024 * 1024);

    } else {
        fprintf(stderr, "usage: %s overshoot [N] [MS] [BYTES] | "
                "hook [N [on|off]] | memory [BYTES]\n", argv[0]);
        return 2;
    }

    return 0;
}
