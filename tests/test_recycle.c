/*
 * Warm states recycled after max_invocations and past the memory
 * high-water mark (faas_state_recycle()).
 */

#include <stdlib.h>
#include <sys/stat.h>

#include "faas_test.h"
#include "test_host.h"


static faas_function_t *
mkfn(const char *name, const char *src, size_t memory, uint64_t max,
    size_t high)
{
    faas_function_conf_t  conf;

    memset(&conf, 0, sizeof(conf));
    conf.memory = memory;
    conf.timeout = 1000000;
    conf.max_invocations = max;
    conf.memory_high = high;

    return th_function("tmp", name, src, &conf, NULL, 0);
}


/* one call: its body (or failure class); *cold and *recycled */

static void
call(faas_function_t *fn, const char *qs, th_req_t *r, int *cold,
    int *recycled)
{
    faas_call_t  c;

    th_init(r);
    snprintf(r->fields[FAAS_FIELD_QUERYSTRING],
             sizeof(r->fields[FAAS_FIELD_QUERYSTRING]), "%s", qs);

    memset(&c, 0, sizeof(c));
    c.fn = fn;
    c.event = FAAS_VIEWER_REQUEST;
    c.host = &th_host;
    c.req = r;

    if (faas_call(&c) == FAAS_ERROR) {
        snprintf(r->body, sizeof(r->body), "%s", faas_fail_name(c.fail));
    }

    *cold = c.cold_start;
    *recycled = c.recycled;
}


static void
test_max_invocations(void)
{
    int               i, cold, recycled;
    char              seen[64];
    th_req_t          r;
    faas_function_t  *fn;

    fn = mkfn("max3",
        "local n = 0\n"
        "return function(event)\n"
        "  n = n + 1\n"
        "  if event.Records[1].cf.request.querystring == 'fail' then\n"
        "    error('counted too')\n"
        "  end\n"
        "  return { status = 200, body = tostring(n) }\n"
        "end\n", 1024 * 1024, 3, 0);

    /* cold on calls 1, 4 and 7; the module's counter starts again */

    for (i = 0; i < 7; i++) {
        call(fn, "", &r, &cold, &recycled);
        seen[2 * i] = cold ? 'C' : '.';
        seen[2 * i + 1] = recycled ? 'R' : r.body[0];
    }

    seen[14] = '\0';
    FAAS_CHECK_STR(seen, "C1.2.RC1.2.RC1");
    FAAS_CHECK(strstr(r.log, "recycled") == NULL);

    call(fn, "", &r, &cold, &recycled);
    call(fn, "", &r, &cold, &recycled);
    FAAS_CHECK(recycled == 1);
    FAAS_CHECK(strstr(r.log, "warm state recycled after 3 invocations "
                             "(max_invocations)") != NULL);
    FAAS_CHECK(faas_function_memory(fn) == 0);

    /* a failed invocation counts; the state is dropped after it too */

    call(fn, "", &r, &cold, &recycled);
    call(fn, "fail", &r, &cold, &recycled);
    FAAS_CHECK_STR(r.body, "runtime");
    call(fn, "fail", &r, &cold, &recycled);
    FAAS_CHECK(recycled == 1);
    call(fn, "", &r, &cold, &recycled);
    FAAS_CHECK(cold == 1);

    faas_function_destroy(fn);
}


static void
test_memory_high(void)
{
    int               i, cold, recycled, recycles, colds;
    th_req_t          r;
    faas_function_t  *fn;

    /* live data grows 64 KiB a call: recycled before the 4 MiB cap */

    fn = mkfn("grow",
        "local keep = {}\n"
        "return function(event)\n"
        "  keep[#keep + 1] = ('k'):rep(64 * 1024 - 32) .. #keep\n"
        "  return { status = 200, body = tostring(#keep) }\n"
        "end\n", 4 * 1024 * 1024, 0, 1024 * 1024);

    recycles = 0;

    for (i = 0; i < 200; i++) {
        call(fn, "", &r, &cold, &recycled);
        FAAS_CHECK(strcmp(r.body, "memory") != 0);
        recycles += recycled;
    }

    FAAS_CHECK(recycles >= 10);
    FAAS_CHECK(strstr(r.log, "failed") == NULL);

    faas_function_destroy(fn);

    /* garbage only: collected below the mark, never recycled */

    fn = mkfn("garbage",
        "return function(event)\n"
        "  local t = {}\n"
        "  for i = 1, 200 do t[i] = ('g'):rep(1000) .. i end\n"
        "  return { status = 200, body = 'ok' }\n"
        "end\n", 4 * 1024 * 1024, 0, 1024 * 1024);

    recycles = 0;
    colds = 0;

    for (i = 0; i < 200; i++) {
        call(fn, "", &r, &cold, &recycled);
        recycles += recycled;
        colds += cold;
    }

    FAAS_CHECK(recycles == 0);
    FAAS_CHECK(colds == 1);
    FAAS_CHECK_STR(r.body, "ok");

    faas_function_destroy(fn);
}


int
main(void)
{
    test_max_invocations();
    test_memory_high();

    return FAAS_TEST_DONE();
}
