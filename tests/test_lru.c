/*
 * The cap on warm states (faas_runtime_set_max_states(): the least
 * recently used state is closed) and prewarm (faas_prewarm()).
 */

#include <stdlib.h>
#include <sys/stat.h>

#include "faas_test.h"
#include "test_host.h"


static faas_function_t *
mkfn(const char *name, const char *src)
{
    faas_function_conf_t  conf;

    memset(&conf, 0, sizeof(conf));
    conf.memory = 1024 * 1024;
    conf.timeout = 1000000;

    return th_function("tmp", name, src, &conf, NULL, 0);
}


static const char  *counter =
    "local n = 0\n"
    "return function(event)\n"
    "  n = n + 1\n"
    "  return { status = 200, body = tostring(n) }\n"
    "end\n";


/* one call: 'C' for a cold start, else '.'; the log in r */

static char
call(faas_function_t *fn, th_req_t *r)
{
    faas_call_t  c;

    th_init(r);

    memset(&c, 0, sizeof(c));
    c.fn = fn;
    c.event = FAAS_VIEWER_REQUEST;
    c.host = &th_host;
    c.req = r;

    if (faas_call(&c) == FAAS_ERROR) {
        return 'E';
    }

    return c.cold_start ? 'C' : '.';
}


static void
test_lru(void)
{
    int               i;
    char              seen[16];
    th_req_t          r;
    faas_function_t  *fn[4];

    fn[0] = mkfn("a", counter);
    fn[1] = mkfn("b", counter);
    fn[2] = mkfn("c", counter);
    fn[3] = NULL;

    /* no cap: every state stays */

    faas_runtime_set_max_states(0);

    for (i = 0; i < 6; i++) {
        seen[i] = call(fn[i % 3], &r);
    }

    seen[6] = '\0';
    FAAS_CHECK_STR(seen, "CCC...");
    FAAS_CHECK(faas_runtime_states() == 3);

    faas_function_destroy(fn[0]);
    faas_function_destroy(fn[1]);
    faas_function_destroy(fn[2]);
    FAAS_CHECK(faas_runtime_states() == 0);

    /* cap 2: A B C A: C evicts A, A then evicts B */

    fn[0] = mkfn("a", counter);
    fn[1] = mkfn("b", counter);
    fn[2] = mkfn("c", counter);

    faas_runtime_set_max_states(2);

    seen[0] = call(fn[0], &r);
    seen[1] = call(fn[1], &r);
    seen[2] = call(fn[2], &r);
    FAAS_CHECK(strstr(r.log, "warm state of function \"a\" closed: "
                             "faas_warm_states 2 reached") != NULL);
    seen[3] = call(fn[0], &r);
    FAAS_CHECK(strstr(r.log, "function \"b\" closed") != NULL);
    seen[4] = call(fn[2], &r);
    seen[5] = call(fn[0], &r);
    seen[6] = '\0';
    FAAS_CHECK_STR(seen, "CCCC..");
    FAAS_CHECK(faas_runtime_states() == 2);
    FAAS_CHECK(faas_function_memory(fn[1]) == 0);

    /* a use moves a state to the front: A B A C evicts B, not A */

    for (i = 0; i < 3; i++) {
        faas_function_destroy(fn[i]);
        fn[i] = mkfn(i == 0 ? "a" : i == 1 ? "b" : "c", counter);
    }

    seen[0] = call(fn[0], &r);
    seen[1] = call(fn[1], &r);
    seen[2] = call(fn[0], &r);
    seen[3] = call(fn[2], &r);
    FAAS_CHECK(strstr(r.log, "function \"b\" closed") != NULL);
    seen[4] = call(fn[0], &r);
    seen[5] = call(fn[2], &r);
    seen[6] = call(fn[1], &r);
    seen[7] = '\0';
    FAAS_CHECK_STR(seen, "CC.C..C");
    FAAS_CHECK(faas_runtime_states() == 2);

    /* a failed cold start takes no place; cap 1 keeps one state */

    fn[3] = mkfn("bad", "error('top level')\n");
    FAAS_CHECK(call(fn[3], &r) == 'E');
    FAAS_CHECK(faas_runtime_states() == 1);

    faas_runtime_set_max_states(1);
    FAAS_CHECK(call(fn[0], &r) == 'C');
    FAAS_CHECK(call(fn[0], &r) == '.');
    FAAS_CHECK(faas_runtime_states() == 1);

    for (i = 0; i < 4; i++) {
        faas_function_destroy(fn[i]);
    }

    FAAS_CHECK(faas_runtime_states() == 0);
    faas_runtime_set_max_states(0);
}


static void
test_prewarm(void)
{
    th_req_t          r;
    faas_call_t       c;
    faas_function_t  *fn, *bad;

    fn = mkfn("warm",
        "top = (top or 0) + 1\n"
        "return function(event)\n"
        "  return { status = 200, body = tostring(top) }\n"
        "end\n");

    th_init(&r);
    memset(&c, 0, sizeof(c));
    c.fn = fn;
    c.event = FAAS_VIEWER_REQUEST;
    c.host = &th_host;
    c.req = &r;

    FAAS_CHECK(faas_prewarm(&c) == FAAS_OK);
    FAAS_CHECK(c.cold_start == 1);
    FAAS_CHECK(faas_function_memory(fn) > 0);

    /* the top level ran once; the first call is warm */

    FAAS_CHECK(call(fn, &r) == '.');
    FAAS_CHECK_STR(r.body, "1");

    /* prewarming a warm function is a no-op */

    FAAS_CHECK(faas_prewarm(&c) == FAAS_OK);
    FAAS_CHECK(c.cold_start == 0);

    bad = mkfn("broken", "error('no config')\n");

    th_init(&r);
    c.fn = bad;
    FAAS_CHECK(faas_prewarm(&c) == FAAS_ERROR);
    FAAS_CHECK(c.fail == FAAS_FAIL_RUNTIME);
    FAAS_CHECK(strstr(r.log, "function \"broken\"") != NULL);
    FAAS_CHECK(strstr(r.log, "no config") != NULL);
    FAAS_CHECK(faas_function_memory(bad) == 0);
    FAAS_CHECK(call(bad, &r) == 'E');

    faas_function_destroy(fn);
    faas_function_destroy(bad);
}


int
main(void)
{
    test_lru();
    test_prewarm();

    return FAAS_TEST_DONE();
}
