/*
 * Hostile functions through the whole runtime (faas_call on the
 * in-memory host): the escapes and bombs of docs/security.md that need
 * no nginx.  t/030-hostile.t has the same vectors in nginx.
 */

#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "faas_test.h"
#include "test_host.h"



static faas_function_t *
mkfn(const char *name, const char *src, size_t memory, uint64_t timeout,
    char *err)
{
    faas_function_conf_t  conf;

    memset(&conf, 0, sizeof(conf));
    conf.memory = memory ? memory : 8 * 1024 * 1024;
    conf.timeout = timeout ? timeout : 1000000;

    return th_function("tmp", name, src, &conf, err, 512);
}


/* runs src once: the body or the failure class in r->body; the time */

static uint64_t
run(const char *name, const char *src, size_t memory, uint64_t timeout,
    th_req_t *r)
{
    char              err[512];
    uint64_t          t0;
    faas_call_t       call;
    faas_function_t  *fn;

    th_init(r);

    fn = mkfn(name, src, memory, timeout, err);
    if (fn == NULL) {
        snprintf(r->body, sizeof(r->body), "create: %s", err);
        return 0;
    }

    memset(&call, 0, sizeof(call));
    call.fn = fn;
    call.event = FAAS_VIEWER_REQUEST;
    call.host = &th_host;
    call.req = r;

    t0 = faas_test_cpu_us();

    if (faas_call(&call) == FAAS_ERROR) {
        snprintf(r->body, sizeof(r->body), "%s",
                 faas_fail_name(call.fail));
    }

    t0 = faas_test_cpu_us() - t0;

    faas_function_destroy(fn);

    return t0;
}


static void
test_cdata(void)
{
    char              err[512];
    faas_function_t  *fn;

    fn = mkfn("cdata", "local a = '1LL' -- 2LL\nlocal b = [[\n3ULL]]\n"
              "return function() return 0x10ULL end\n", 0, 0, err);
    FAAS_CHECK(fn == NULL);
    FAAS_CHECK(strstr(err, "tmp/cdata.lua:4: cdata literals (1LL, 1ULL, "
                           "1i) are refused") != NULL);

    fn = mkfn("cdata_i", "return function() return 2i end", 0, 0, err);
    FAAS_CHECK(fn == NULL);
    FAAS_CHECK(strstr(err, "tmp/cdata_i.lua:1: cdata literals") != NULL);

    /* in strings and comments they are text */

    fn = mkfn("cdata_text", "local a = '1LL' -- 2LL\n--[[ 3i ]]\n"
              "return function() return nil end\n", 0, 0, err);
    FAAS_CHECK(fn != NULL);

    if (fn) {
        faas_function_destroy(fn);
    }
}


static void
test_bombs(void)
{
    uint64_t  us;
    th_req_t  r;

    /* LuaJIT's own find runs this for minutes */

    us = run("pattern",
             "return function()\n"
             "  return { status = 200,\n"
             "    body = tostring(('a'):rep(3000):find('.-.-.-.-b')) }\n"
             "end\n", 0, 20000, &r);
    FAAS_CHECK_STR(r.body, "timeout");
    FAAS_CHECK(strstr(r.log, "timeout of 20 ms exceeded") != NULL);
    FAAS_CHECK(us < faas_test_time(20000 + 5000));

    /* __tostring = tostring looped without bytecode: no hook ever ran */

    us = run("tostring",
             "return function()\n"
             "  return { status = 200, body = tostring(setmetatable({},\n"
             "    { __tostring = tostring })) }\n"
             "end\n", 0, 20000, &r);
    FAAS_CHECK_STR(r.body, "timeout");
    FAAS_CHECK(us < faas_test_time(20000 + 5000));

    /* one instruction can cost a megabyte: the allocator checks too */

    us = run("upper",
             "local s = ('x'):rep(1024 * 1024)\n"
             "return function()\n"
             "  local n = 0\n"
             "  while true do local u = (s .. n):upper() n = n + 1 end\n"
             "end\n", 32 * 1024 * 1024, 20000, &r);
    FAAS_CHECK_STR(r.body, "timeout");
    FAAS_CHECK(us < faas_test_time(20000 + 10000));
}


static void
test_crashes(void)
{
    th_req_t  r;

    /* LuaJIT issue #1048: pcall chains overrun the Lua stack */

    run("pcall_chain",
        "return function()\n"
        "  local n = 0\n"
        "  for k = 1, 300 do\n"
        "    local p = {}\n"
        "    for i = 1, k do p[i] = pcall end\n"
        "    n = select('#', pcall(unpack(p)))\n"
        "  end\n"
        "  local t = setmetatable({}, {})\n"
        "  getmetatable(t).__call = pcall\n"
        "  return { status = 200, body = n .. ' ' .. tostring(t()) }\n"
        "end\n", 0, 0, &r);
    FAAS_CHECK_STR(r.body, "301 true");

    /* nested resumes and C callbacks recurse on the C stack */

    run("nested",
        "local function strip(e) return (tostring(e):gsub('^.-:%d+: ', ''))"
        " end\n"
        "return function()\n"
        "  local function f() return coroutine.wrap(f)() end\n"
        "  local function g(s) return (s:gsub('.', g)) end\n"
        "  local function h(a, b) table.sort({ 3, 2, 1 }, h) return a < b end\n"
        "  local _, e1 = pcall(f)\n"
        "  local _, e2 = pcall(g, 'ab')\n"
        "  local _, e3 = pcall(table.sort, { 3, 2, 1 }, h)\n"
        "  return { status = 200, body = table.concat({ strip(e1),\n"
        "    strip(e2), strip(e3) }, '|') }\n"
        "end\n", 64 * 1024 * 1024, 0, &r);
    FAAS_CHECK_STR(r.body,
                   "C stack overflow|C stack overflow|C stack overflow");
}


static void
test_memory(void)
{
    th_req_t  r;

    /* the sticky kill has room for its own message */

    run("oom_pcall",
        "return function()\n"
        "  for k = 1, 3 do pcall(function()\n"
        "    local t = {} for i = 1, 1e7 do t[i] = ('x'):rep(64) .. i end\n"
        "  end) end\n"
        "  return { status = 200, body = 'escaped' }\n"
        "end\n", 1024 * 1024, 0, &r);
    FAAS_CHECK_STR(r.body, "memory");
    FAAS_CHECK(strstr(r.log, "memory limit of 1024 KiB exceeded") != NULL);
}


int
main(void)
{
    test_cdata();
    test_bombs();
    test_crashes();
    test_memory();

    return FAAS_TEST_DONE();
}
