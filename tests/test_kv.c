/*
 * Unit tests of faas.kv (scripting/faas_lib_kv.c) over the in-memory host
 * and a real store in tests/tmp/: staging, reads of the invocation's own
 * writes, the commit after a valid result, atomicity of failures,
 * namespaces, TTL, limits, map full.
 */

#define _GNU_SOURCE

#include <errno.h>
#include <ftw.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "faas_test.h"
#include "test_host.h"
#include "cache/faas_store.h"


static char  base[64];


static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void) st;
    (void) flag;
    (void) ftw;

    return remove(path);
}


static faas_store_t *
open_store(const char *name, size_t map_size)
{
    char               dir[128], err[FAAS_STORE_ERRLEN];
    faas_store_t      *store;
    faas_store_conf_t  conf;

    snprintf(dir, sizeof(dir), "%s/%s", base, name);

    faas_store_conf_init(&conf, dir);
    conf.sync = 0;

    if (map_size) {
        conf.map_size = map_size;
    }

    if (faas_store_open(&conf, &store, err, sizeof(err)) != FAAS_STORE_OK) {
        fprintf(stderr, "open \"%s\": %s\n", dir, err);
        exit(1);
    }

    return store;
}


static faas_function_t *
mkfn(const char *name, const char *src)
{
    faas_function_conf_t  conf;

    memset(&conf, 0, sizeof(conf));
    conf.memory = 4 * 1024 * 1024;
    conf.timeout = 500000;

    return th_function(base, name, src, &conf, NULL, 0);
}


/*
 * Runs fn on a request for uri; the generated body (or the failure
 * class) ends up in r->body.
 */

static int
run(faas_function_t *fn, faas_store_t *store, const char *uri, th_req_t *r)
{
    int          rc;
    faas_call_t  call;

    th_init(r);
    snprintf(r->fields[FAAS_FIELD_URI], sizeof(r->fields[0]), "%s", uri);

    memset(&call, 0, sizeof(call));
    call.fn = fn;
    call.event = FAAS_VIEWER_REQUEST;
    call.host = &th_host;
    call.req = r;
    call.store = store;

    rc = faas_call(&call);
    if (rc == FAAS_ERROR) {
        snprintf(r->body, sizeof(r->body), "%s", faas_fail_name(call.fail));
    }

    return rc;
}


static uint64_t
now_ms(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_REALTIME, &ts);

    return (uint64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


/* what the store holds for ns/key, as text; NULL when nothing */

static const char *
stored(faas_store_t *store, const char *ns, const char *key)
{
    static char         buf[256];
    faas_store_value_t  v;
    int                 rc;

    if (faas_store_read_begin(store) != FAAS_STORE_OK) {
        return NULL;
    }

    rc = faas_store_get(store, ns, strlen(ns), key, strlen(key), now_ms(),
                        &v);

    if (rc == FAAS_STORE_OK && v.type == FAAS_STORE_NUMBER) {
        snprintf(buf, sizeof(buf), "%.14g", v.number);

    } else if (rc == FAAS_STORE_OK) {
        snprintf(buf, sizeof(buf), "%.*s", (int) v.len, v.data);
    }

    faas_store_read_end(store);

    return rc == FAAS_STORE_OK ? buf : NULL;
}


/* the handler runs the code after "local kv = faas.kv" for each uri */

static const char  *kv_src =
    "local kv = faas.kv\n"
    "local t = {}\n"
    "t['/set'] = function()\n"
    "  kv.set('s', 'text'); kv.set('n', 40); kv.set('gone', 'x')\n"
    "  kv.delete('gone')\n"
    "  return table.concat({ kv.get('s'), kv.get('n'),\n"
    "    tostring(kv.get('gone')), kv.incr('n', 2), kv.get('n') }, ' ')\n"
    "end\n"
    "t['/get'] = function()\n"
    "  return table.concat({ tostring(kv.get('s')), tostring(kv.get('n')),\n"
    "    tostring(kv.get('gone')), tostring(kv.get('never')) }, ' ')\n"
    "end\n"
    "t['/incr'] = function()\n"
    "  local a = kv.incr('c')\n"
    "  local b = kv.incr('c', 10)\n"
    "  local c = kv.incr('c', -0.5)\n"
    "  return table.concat({ a, b, c, kv.get('c') }, ' ')\n"
    "end\n"
    "t['/del'] = function()\n"
    "  kv.delete('s'); kv.set('n', nil)\n"
    "  local after = kv.incr('n', 3)\n"
    "  return tostring(kv.get('s')) .. ' ' .. after\n"
    "end\n"
    "t['/fail'] = function()\n"
    "  kv.set('leak', 'x'); kv.incr('c', 1000)\n"
    "  error('boom')\n"
    "end\n"
    "t['/badreturn'] = function()\n"
    "  kv.set('leak', 'y')\n"
    "  return 42\n"
    "end\n"
    "t['/caught'] = function()\n"
    "  kv.set('ok', 'caught')\n"
    "  pcall(kv.set, 'k', {})\n"
    "  return 'ok'\n"
    "end\n"
    "t['/request'] = function(event)\n"
    "  kv.set('req', 'continued')\n"
    "  return nil\n"
    "end\n"
    "t['/big'] = function()\n"
    "  kv.set('big', string.rep('x', 65 * 1024))\n"
    "end\n"
    "t['/bigkey'] = function()\n"
    "  kv.get(string.rep('k', 600))\n"
    "end\n"
    "t['/type'] = function()\n"
    "  kv.set('t', true)\n"
    "end\n"
    "t['/emptykey'] = function()\n"
    "  kv.get('')\n"
    "end\n"
    "t['/badttl'] = function()\n"
    "  kv.set('t', 'v', -1)\n"
    "end\n"
    "t['/strttl'] = function()\n"
    "  kv.set('t', 'v', '10')\n"
    "end\n"
    "t['/nan'] = function()\n"
    "  kv.incr('c', 0/0)\n"
    "end\n"
    "t['/incrstr'] = function()\n"
    "  kv.incr('s')\n"
    "end\n"
    "t['/incrstaged'] = function()\n"
    "  kv.set('x', 'str'); kv.incr('x')\n"
    "end\n"
    "t['/ttl'] = function()\n"
    "  kv.set('short', 'v', 0.05); kv.set('long', 'v', 3600)\n"
    "  kv.incr('win', 1, 0.05)\n"
    "  return kv.get('short')\n"
    "end\n"
    "t['/ttlcheck'] = function()\n"
    "  return tostring(kv.get('short')) .. ' ' .. tostring(kv.get('long'))\n"
    "    .. ' ' .. tostring(kv.get('win'))\n"
    "end\n"
    "return function(event)\n"
    "  local request = event.Records[1].cf.request\n"
    "  local body = t[request.uri](event)\n"
    "  if request.uri == '/request' then return request end\n"
    "  if request.uri == '/badreturn' then return body end\n"
    "  if body == nil then return nil end\n"
    "  return { status = 200, body = tostring(body) }\n"
    "end\n";


static void
test_basics(faas_store_t *store)
{
    th_req_t          r;
    faas_function_t  *fn;

    fn = mkfn("basic", kv_src);

    /* reads see the invocation's own writes; incr returns the value */

    FAAS_CHECK(run(fn, store, "/set", &r) == FAAS_DONE);
    FAAS_CHECK_STR(r.body, "text 40 nil 42 42");
    FAAS_CHECK_STR(stored(store, "basic", "s"), "text");
    FAAS_CHECK_STR(stored(store, "basic", "n"), "42");
    FAAS_CHECK(stored(store, "basic", "gone") == NULL);

    FAAS_CHECK(run(fn, store, "/get", &r) == FAAS_DONE);
    FAAS_CHECK_STR(r.body, "text 42 nil nil");

    FAAS_CHECK(run(fn, store, "/incr", &r) == FAAS_DONE);
    FAAS_CHECK_STR(r.body, "1 11 10.5 10.5");
    FAAS_CHECK_STR(stored(store, "basic", "c"), "10.5");

    FAAS_CHECK(run(fn, store, "/incr", &r) == FAAS_DONE);
    FAAS_CHECK_STR(r.body, "11.5 21.5 21 21");

    /* set(k, nil) deletes; an incr after a delete starts from 0 */

    FAAS_CHECK(run(fn, store, "/del", &r) == FAAS_DONE);
    FAAS_CHECK_STR(r.body, "nil 3");
    FAAS_CHECK(stored(store, "basic", "s") == NULL);
    FAAS_CHECK_STR(stored(store, "basic", "n"), "3");

    /* a handler that continues the request commits too */

    FAAS_CHECK(run(fn, store, "/request", &r) == FAAS_OK);
    FAAS_CHECK_STR(stored(store, "basic", "req"), "continued");

    /* a caught kv error does not fail the invocation */

    FAAS_CHECK(run(fn, store, "/caught", &r) == FAAS_DONE);
    FAAS_CHECK_STR(stored(store, "basic", "ok"), "caught");

    faas_function_destroy(fn);
}


static void
test_atomic(faas_store_t *store)
{
    th_req_t          r;
    faas_function_t  *fn;

    fn = mkfn("atomic", kv_src);

    FAAS_CHECK(run(fn, store, "/incr", &r) == FAAS_DONE);
    FAAS_CHECK_STR(stored(store, "atomic", "c"), "10.5");

    /* a runtime error after writes: nothing of them is stored */

    FAAS_CHECK(run(fn, store, "/fail", &r) == FAAS_ERROR);
    FAAS_CHECK_STR(r.body, "runtime");
    FAAS_CHECK(stored(store, "atomic", "leak") == NULL);
    FAAS_CHECK_STR(stored(store, "atomic", "c"), "10.5");

    /* nor is a later invocation committing what the failed one staged */

    FAAS_CHECK(run(fn, store, "/get", &r) == FAAS_DONE);
    FAAS_CHECK(run(fn, store, "/request", &r) == FAAS_OK);
    FAAS_CHECK(stored(store, "atomic", "leak") == NULL);
    FAAS_CHECK_STR(stored(store, "atomic", "c"), "10.5");

    /* a result that fails validation commits nothing either */

    FAAS_CHECK(run(fn, store, "/badreturn", &r) == FAAS_ERROR);
    FAAS_CHECK_STR(r.body, "bad-return");
    FAAS_CHECK(stored(store, "atomic", "leak") == NULL);

    FAAS_CHECK(run(fn, store, "/incr", &r) == FAAS_DONE);
    FAAS_CHECK_STR(r.body, "11.5 21.5 21 21");

    faas_function_destroy(fn);
}


static void
test_namespaces(faas_store_t *store)
{
    th_req_t          r;
    faas_function_t  *a, *b;

    a = mkfn("ns_a", kv_src);
    b = mkfn("ns_b", kv_src);

    FAAS_CHECK(run(a, store, "/set", &r) == FAAS_DONE);
    FAAS_CHECK(run(b, store, "/get", &r) == FAAS_DONE);
    FAAS_CHECK_STR(r.body, "nil nil nil nil");

    FAAS_CHECK(run(b, store, "/incr", &r) == FAAS_DONE);
    FAAS_CHECK_STR(r.body, "1 11 10.5 10.5");
    FAAS_CHECK(stored(store, "ns_a", "c") == NULL);
    FAAS_CHECK_STR(stored(store, "ns_a", "s"), "text");
    FAAS_CHECK(stored(store, "ns_b", "s") == NULL);

    faas_function_destroy(a);
    faas_function_destroy(b);
}


static void
test_errors(faas_store_t *store)
{
    th_req_t          r;
    faas_function_t  *fn;

    fn = mkfn("errors", kv_src);

    FAAS_CHECK(run(fn, store, "/set", &r) == FAAS_DONE);

    FAAS_CHECK(run(fn, store, "/big", &r) == FAAS_ERROR);
    FAAS_CHECK_STR(r.body, "runtime");
    FAAS_CHECK(strstr(r.log, "faas.kv.set: value of 66560 bytes exceeds "
                      "the limit of 65536 bytes") != NULL);
    FAAS_CHECK(strstr(r.log, "basic") == NULL);
    FAAS_CHECK(stored(store, "errors", "big") == NULL);

    FAAS_CHECK(run(fn, store, "/bigkey", &r) == FAAS_ERROR);
    FAAS_CHECK(strstr(r.log, "faas.kv.get: key of 600 bytes exceeds the "
                      "limit") != NULL);

    FAAS_CHECK(run(fn, store, "/type", &r) == FAAS_ERROR);
    FAAS_CHECK(strstr(r.log, "faas.kv.set: the value must be a string or "
                      "a number, not boolean") != NULL);

    FAAS_CHECK(run(fn, store, "/emptykey", &r) == FAAS_ERROR);
    FAAS_CHECK(strstr(r.log, "the key must not be empty") != NULL);

    FAAS_CHECK(run(fn, store, "/badttl", &r) == FAAS_ERROR);
    FAAS_CHECK(strstr(r.log, "faas.kv.set: the ttl must be from 0") != NULL);

    FAAS_CHECK(run(fn, store, "/strttl", &r) == FAAS_ERROR);
    FAAS_CHECK(strstr(r.log, "the ttl must be a number of seconds, not "
                      "string") != NULL);

    FAAS_CHECK(run(fn, store, "/nan", &r) == FAAS_ERROR);
    FAAS_CHECK(strstr(r.log, "the increment must be a finite number")
               != NULL);

    FAAS_CHECK(run(fn, store, "/incrstr", &r) == FAAS_ERROR);
    FAAS_CHECK(strstr(r.log, "cannot incr key \"s\": its value is a string")
               != NULL);

    FAAS_CHECK(run(fn, store, "/incrstaged", &r) == FAAS_ERROR);
    FAAS_CHECK(strstr(r.log, "cannot incr key \"x\"") != NULL);
    FAAS_CHECK(stored(store, "errors", "x") == NULL);

    /* none of them left anything behind */

    FAAS_CHECK(run(fn, store, "/get", &r) == FAAS_DONE);
    FAAS_CHECK_STR(r.body, "text 42 nil nil");

    faas_function_destroy(fn);
}


static void
test_ttl(faas_store_t *store)
{
    th_req_t          r;
    faas_function_t  *fn;

    fn = mkfn("ttl", kv_src);

    FAAS_CHECK(run(fn, store, "/ttl", &r) == FAAS_DONE);
    FAAS_CHECK_STR(r.body, "v");
    FAAS_CHECK(run(fn, store, "/ttlcheck", &r) == FAAS_DONE);
    FAAS_CHECK_STR(r.body, "v v 1");

    usleep(120 * 1000);

    FAAS_CHECK(run(fn, store, "/ttlcheck", &r) == FAAS_DONE);
    FAAS_CHECK_STR(r.body, "nil v nil");
    FAAS_CHECK(stored(store, "ttl", "short") == NULL);

    faas_function_destroy(fn);
}


static void
test_no_state(void)
{
    th_req_t          r;
    faas_function_t  *fn, *top;

    fn = mkfn("nostate", kv_src);

    FAAS_CHECK(run(fn, NULL, "/get", &r) == FAAS_ERROR);
    FAAS_CHECK_STR(r.body, "runtime");
    FAAS_CHECK(strstr(r.log, "faas.kv needs function state: add "
                      "\"faas_state DIR\" to the http block") != NULL);

    /* reads are fine in the top-level code, writes are not */

    top = mkfn("toplevel",
               "faas.kv.set('a', 1)\n"
               "return function() end\n");

    FAAS_CHECK(run(top, NULL, "/get", &r) == FAAS_ERROR);
    FAAS_CHECK(strstr(r.log, "faas_state") != NULL);

    faas_function_destroy(fn);
    faas_function_destroy(top);
}


static void
test_toplevel(faas_store_t *store)
{
    th_req_t          r;
    faas_function_t  *fn;

    fn = mkfn("toplevel_w",
              "faas.kv.set('a', 1)\n"
              "return function() end\n");

    FAAS_CHECK(run(fn, store, "/get", &r) == FAAS_ERROR);
    FAAS_CHECK(strstr(r.log, "faas.kv writes belong in the handler") != NULL);

    faas_function_destroy(fn);

    fn = mkfn("toplevel_r",
              "local first = faas.kv.get('a')\n"
              "return function()\n"
              "  faas.kv.set('a', 'x')\n"
              "  return { status = 200, body = tostring(first) }\n"
              "end\n");

    FAAS_CHECK(run(fn, store, "/get", &r) == FAAS_DONE);
    FAAS_CHECK_STR(r.body, "nil");
    FAAS_CHECK_STR(stored(store, "toplevel_r", "a"), "x");

    faas_function_destroy(fn);
}


/*
 * A small map: a function writing 16 KiB per invocation fills it; the
 * failing commit is class "state", names the directive, and leaves what
 * was committed before readable.  Deletes still work.
 */

static void
test_map_full(void)
{
    int               i, rc;
    char              uri[32], key[32];
    th_req_t          r;
    faas_store_t     *store;
    faas_function_t  *fn;

    store = open_store("full", 256 * 1024);

    fn = mkfn("filler",
              "return function(event)\n"
              "  local uri = event.Records[1].cf.request.uri\n"
              "  if uri == '/small' then\n"
              "    faas.kv.set('small', 'x')\n"
              "    return { status = 200 }\n"
              "  end\n"
              "  local n = tonumber(uri:sub(2))\n"
              "  if n < 0 then\n"
              "    for i = 0, -n - 1 do faas.kv.delete('k' .. i) end\n"
              "    return { status = 200 }\n"
              "  end\n"
              "  faas.kv.set('k' .. n, string.rep('v', 16 * 1024))\n"
              "  return { status = 200, body = 'stored ' .. n }\n"
              "end\n");

    rc = FAAS_DONE;

    for (i = 0; i < 100 && rc == FAAS_DONE; i++) {
        snprintf(uri, sizeof(uri), "/%d", i);
        rc = run(fn, store, uri, &r);
    }

    i--;

    FAAS_CHECK(rc == FAAS_ERROR);
    FAAS_CHECK(i > 3);
    FAAS_CHECK_STR(r.body, "state");
    FAAS_CHECK(!r.responded);
    FAAS_CHECK(strstr(r.log, "failed (state): faas.kv: the commit of 1 "
                      "staged key failed: the state map of") != NULL);
    FAAS_CHECK(strstr(r.log, "raise faas_state size=") != NULL);

    snprintf(key, sizeof(key), "k%d", i);
    FAAS_CHECK(stored(store, "filler", key) == NULL);

    FAAS_CHECK(stored(store, "filler", "k0") != NULL);
    snprintf(key, sizeof(key), "k%d", i - 1);
    FAAS_CHECK(stored(store, "filler", key) != NULL);

    /*
     * Deletes make room again, from the commit after theirs on: LMDB
     * keeps the pages of the previous snapshot.
     */

    snprintf(uri, sizeof(uri), "/-%d", i);
    FAAS_CHECK(run(fn, store, uri, &r) == FAAS_DONE);
    FAAS_CHECK(stored(store, "filler", "k0") == NULL);
    FAAS_CHECK(run(fn, store, "/small", &r) == FAAS_DONE);
    FAAS_CHECK(run(fn, store, "/0", &r) == FAAS_DONE);
    FAAS_CHECK(stored(store, "filler", "k0") != NULL);

    faas_function_destroy(fn);
    faas_store_close(store);
}


/* a limit kill drops the state and its batch (valgrind sees the rest) */

static void
test_killed(faas_store_t *store)
{
    th_req_t          r;
    faas_function_t  *fn;

    fn = mkfn("killed",
              "return function(event)\n"
              "  local uri = event.Records[1].cf.request.uri\n"
              "  faas.kv.set('before', uri)\n"
              "  if uri == '/loop' then while true do end end\n"
              "  return { status = 200, body = faas.kv.get('before') }\n"
              "end\n");

    FAAS_CHECK(run(fn, store, "/loop", &r) == FAAS_ERROR);
    FAAS_CHECK_STR(r.body, "timeout");
    FAAS_CHECK(stored(store, "killed", "before") == NULL);

    FAAS_CHECK(run(fn, store, "/ok", &r) == FAAS_DONE);
    FAAS_CHECK_STR(r.body, "/ok");
    FAAS_CHECK_STR(stored(store, "killed", "before"), "/ok");

    faas_function_destroy(fn);
}


/*
 * A handler that returned nil runs unprotected the next time (see
 * faas_call()); writes it stages while still returning nil are
 * committed all the same.
 */

static void
test_quiet(faas_store_t *store)
{
    int               i;
    th_req_t          r;
    faas_function_t  *fn;

    fn = mkfn("quiet_kv",
        "return function(event)\n"
        "  local uri = event.Records[1].cf.request.uri\n"
        "  if uri ~= '/quiet' then faas.kv.set(uri, 'yes') end\n"
        "end\n");

    for (i = 0; i < 3; i++) {
        FAAS_CHECK(run(fn, store, "/quiet", &r) == FAAS_OK);
    }

    FAAS_CHECK(run(fn, store, "/written", &r) == FAAS_OK);
    FAAS_CHECK(run(fn, store, "/quiet", &r) == FAAS_OK);
    FAAS_CHECK(run(fn, store, "/also", &r) == FAAS_OK);

    FAAS_CHECK_STR(stored(store, "quiet_kv", "/written"), "yes");
    FAAS_CHECK_STR(stored(store, "quiet_kv", "/also"), "yes");

    faas_function_destroy(fn);

    /* the same for a handler that returns a response of faas.respond */

    fn = mkfn("quiet_respond",
        "local ok = faas.respond(200, nil, 'ok')\n"
        "return function(event)\n"
        "  local uri = faas.req.uri()\n"
        "  if uri ~= '/quiet' then faas.kv.set(uri, 'yes') end\n"
        "  return ok\n"
        "end\n");

    for (i = 0; i < 3; i++) {
        FAAS_CHECK(run(fn, store, "/quiet", &r) == FAAS_DONE);
        FAAS_CHECK_STR(r.body, "ok");
    }

    FAAS_CHECK(run(fn, store, "/written", &r) == FAAS_DONE);
    FAAS_CHECK(run(fn, store, "/quiet", &r) == FAAS_DONE);
    FAAS_CHECK(run(fn, store, "/also", &r) == FAAS_DONE);
    FAAS_CHECK_STR(r.body, "ok");

    FAAS_CHECK_STR(stored(store, "quiet_respond", "/written"), "yes");
    FAAS_CHECK_STR(stored(store, "quiet_respond", "/also"), "yes");
    FAAS_CHECK(stored(store, "quiet_respond", "/quiet") == NULL);

    faas_function_destroy(fn);
}


int
main(void)
{
    int            rc;
    faas_store_t  *store;

    if (mkdir("tmp", 0700) == -1 && errno != EEXIST) {
        perror("mkdir tmp");
        return 1;
    }

    snprintf(base, sizeof(base), "tmp/kv.XXXXXX");

    if (mkdtemp(base) == NULL) {
        perror("mkdtemp");
        return 1;
    }

    store = open_store("state", 0);

    test_basics(store);
    test_atomic(store);
    test_namespaces(store);
    test_errors(store);
    test_ttl(store);
    test_no_state();
    test_toplevel(store);
    test_killed(store);
    test_quiet(store);
    test_map_full();

    faas_store_close(store);

    rc = FAAS_TEST_DONE();

    nftw(base, rm_entry, 16, FTW_DEPTH | FTW_PHYS);

    return rc;
}
