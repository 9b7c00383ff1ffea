/*
 * Unit tests of scripting/: the allocator cap, the hook, the sandbox
 * table, the loader, the lazy event and its write-back.
 */

#include <stdlib.h>
#include <sys/stat.h>

#include "faas_test.h"
#include "test_host.h"
#include "scripting/faas_state.h"


static faas_function_t *
mkfn(const char *name, const char *src, size_t memory, uint64_t timeout,
    uint64_t instructions, char *err)
{
    faas_function_conf_t  conf;
    static faas_str_t     env[2] = {
        { "GREETING", 8 }, { "hello", 5 }
    };

    memset(&conf, 0, sizeof(conf));
    conf.memory = memory ? memory : 2 * 1024 * 1024;
    conf.timeout = timeout ? timeout : 50000;
    conf.instructions = instructions;
    conf.env = env;
    conf.nenv = 1;

    return th_function("tmp", name, src, &conf, err, 512);
}


/* a call of fn in event on r; body_max: a generated body's (0: 1 MB) */

static int
run_max(faas_function_t *fn, faas_event_e event, th_req_t *r,
    size_t body_max)
{
    faas_call_t  call;
    int          rc;

    memset(&call, 0, sizeof(call));
    call.fn = fn;
    call.event = event;
    call.host = &th_host;
    call.req = r;
    call.body_max = body_max;

    rc = faas_call(&call);
    if (rc == FAAS_ERROR) {
        snprintf(r->body, sizeof(r->body), "%s",
                 faas_fail_name(call.fail));
    }
    return rc;
}


static int
run(faas_function_t *fn, faas_event_e event, th_req_t *r)
{
    return run_max(fn, event, r, 0);
}


static faas_function_t *
fn_ok(const char *name, const char *src)
{
    char              err[512];
    faas_function_t  *fn;

    fn = mkfn(name, src, 0, 0, 0, err);
    if (fn == NULL) {
        fprintf(stderr, "%s: %s\n", name, err);
        exit(1);
    }
    return fn;
}


static void
test_loader(void)
{
    char              err[512];
    faas_function_t  *fn;

    fn = mkfn("syntax", "return function(e)\n  if then end\nend\n",
              0, 0, 0, err);
    FAAS_CHECK(fn == NULL);
    FAAS_CHECK(strstr(err, "tmp/syntax.lua:2:") != NULL);

    fn = mkfn("bytecode", "\033LJ\002junk", 0, 0, 0, err);
    FAAS_CHECK(fn == NULL);
    FAAS_CHECK(strstr(err, "bytecode is refused") != NULL);

    fn = fn_ok("version", "return function() end\n");
    FAAS_CHECK(strlen(faas_function_version(fn)) == 16);
    faas_function_destroy(fn);
}


static void
test_sandbox(void)
{
    th_req_t          r;
    faas_function_t  *fn;

    fn = fn_ok("sandbox",
        "local gone = { 'load', 'loadstring', 'dofile', 'loadfile',\n"
        "  'require', 'module', 'getfenv', 'setfenv', 'collectgarbage',\n"
        "  'newproxy', 'gcinfo', 'io', 'debug', 'ffi', 'jit',\n"
        "  'package' }\n"
        "return function(event)\n"
        "  for _, n in ipairs(gone) do\n"
        "    if _G[n] ~= nil then error('present: ' .. n) end\n"
        "  end\n"
        "  if string.dump or ('').dump then error('dump') end\n"
        "  if os.execute or os.getenv or os.exit then error('os') end\n"
        "  if getmetatable('') ~= false then error('string mt') end\n"
        "  if faas.env.GREETING ~= 'hello' then error('env') end\n"
        "  return { status = 200, body = 'clean' }\n"
        "end\n");

    th_init(&r);
    FAAS_CHECK(run(fn, FAAS_VIEWER_REQUEST, &r) == FAAS_DONE);
    FAAS_CHECK_STR(r.body, "clean");

    faas_function_destroy(fn);

    /* a write to a protected table is a sticky sandbox violation */

    fn = fn_ok("rawset",
        "return function(event)\n"
        "  pcall(rawset, faas.env, 'GREETING', 'x')\n"
        "  return { status = 200, body = 'escaped' }\n"
        "end\n");

    th_init(&r);
    FAAS_CHECK(run(fn, FAAS_VIEWER_REQUEST, &r) == FAAS_ERROR);
    FAAS_CHECK_STR(r.body, "sandbox");
    FAAS_CHECK(strstr(r.log, "rawset on a protected table") != NULL);

    faas_function_destroy(fn);
}


static void
test_limits(void)
{
    char              err[512];
    th_req_t          r;
    faas_function_t  *fn;

    /* the memory cap: the state is recycled, the next call is cold */

    fn = mkfn("memory",
        "local t = {}\n"
        "return function(event, context)\n"
        "  if event.Records[1].cf.request.uri == '/big' then\n"
        "    for i = 1, 1e7 do t[i] = ('x'):rep(100) .. i end\n"
        "  end\n"
        "  return { status = 200, body = tostring(context.cold_start) }\n"
        "end\n", 1024 * 1024, 1000000, 0, err);
    FAAS_CHECK(fn != NULL);

    th_init(&r);
    strcpy(r.fields[FAAS_FIELD_URI], "/big");
    FAAS_CHECK(run(fn, FAAS_VIEWER_REQUEST, &r) == FAAS_ERROR);
    FAAS_CHECK_STR(r.body, "memory");
    FAAS_CHECK(faas_function_memory(fn) == 0);

    th_init(&r);
    FAAS_CHECK(run(fn, FAAS_VIEWER_REQUEST, &r) == FAAS_DONE);
    FAAS_CHECK_STR(r.body, "true");
    FAAS_CHECK(faas_function_memory(fn) > 0);
    FAAS_CHECK(faas_function_memory(fn) <= 1024 * 1024);

    faas_function_destroy(fn);

    /* the deadline, and pcall cannot swallow the kill */

    fn = mkfn("timeout",
        "return function(event)\n"
        "  while true do pcall(function() while true do end end) end\n"
        "end\n", 0, 20000, 0, err);
    FAAS_CHECK(fn != NULL);

    th_init(&r);
    FAAS_CHECK(run(fn, FAAS_VIEWER_REQUEST, &r) == FAAS_ERROR);
    FAAS_CHECK_STR(r.body, "timeout");
    FAAS_CHECK(strstr(r.log, "timeout of 20 ms exceeded") != NULL);

    faas_function_destroy(fn);

    /* the instruction budget */

    fn = mkfn("budget",
        "return function(event)\n"
        "  local n = 0\n"
        "  for i = 1, 1e6 do n = n + i end\n"
        "  return { status = 200 }\n"
        "end\n", 0, 10000000, 100000, err);
    FAAS_CHECK(fn != NULL);

    th_init(&r);
    FAAS_CHECK(run(fn, FAAS_VIEWER_REQUEST, &r) == FAAS_ERROR);
    FAAS_CHECK_STR(r.body, "timeout");
    FAAS_CHECK(strstr(r.log, "instruction budget of 100000") != NULL);

    faas_function_destroy(fn);
}


static void
test_events(void)
{
    th_req_t          r;
    faas_function_t  *fn;

    fn = fn_ok("rewrite",
        "local hits = 0\n"
        "return function(event, context)\n"
        "  hits = hits + 1\n"
        "  local req = event.Records[1].cf.request\n"
        "  if req.headers['x-country'][1].value == 'DE' then\n"
        "    req.uri = '/de' .. req.uri\n"
        "  end\n"
        "  req.headers['x-hits'] = {{ key = 'X-Hits',\n"
        "                              value = tostring(hits) }}\n"
        "  req.headers['x-country'] = nil\n"
        "  return req\n"
        "end\n");

    th_init(&r);
    FAAS_CHECK(run(fn, FAAS_VIEWER_REQUEST, &r) == FAAS_OK);
    FAAS_CHECK_STR(r.fields[FAAS_FIELD_URI], "/de/x");
    FAAS_CHECK_STR(th_header(&r, FAAS_MSG_REQUEST, "x-hits"), "1");
    FAAS_CHECK(th_header(&r, FAAS_MSG_REQUEST, "x-country") == NULL);
    FAAS_CHECK_STR(th_header(&r, FAAS_MSG_REQUEST, "host"), "localhost");

    th_init(&r);
    FAAS_CHECK(run(fn, FAAS_VIEWER_REQUEST, &r) == FAAS_OK);
    FAAS_CHECK_STR(th_header(&r, FAAS_MSG_REQUEST, "x-hits"), "2");

    faas_function_destroy(fn);

    /* read-only and owned headers, injection */

    fn = fn_ok("host",
        "return function(event)\n"
        "  local req = event.Records[1].cf.request\n"
        "  req.headers.host = {{ value = 'evil' }}\n"
        "  return req\n"
        "end\n");
    th_init(&r);
    FAAS_CHECK(run(fn, FAAS_VIEWER_REQUEST, &r) == FAAS_ERROR);
    FAAS_CHECK_STR(r.body, "bad-return");
    FAAS_CHECK(strstr(r.log, "header \"host\" is read-only in "
                             "viewer-request") != NULL);
    FAAS_CHECK_STR(th_header(&r, FAAS_MSG_REQUEST, "host"), "localhost");
    faas_function_destroy(fn);

    fn = fn_ok("crlf",
        "return function(event)\n"
        "  local req = event.Records[1].cf.request\n"
        "  req.headers['x-a'] = {{ value = 'a\\r\\nSet-Cookie: x=1' }}\n"
        "  return req\n"
        "end\n");
    th_init(&r);
    FAAS_CHECK(run(fn, FAAS_VIEWER_REQUEST, &r) == FAAS_ERROR);
    FAAS_CHECK(strstr(r.log, "control character") != NULL);
    FAAS_CHECK(th_header(&r, FAAS_MSG_REQUEST, "x-a") == NULL);
    faas_function_destroy(fn);

    /* viewer-response: headers yes, status no */

    fn = fn_ok("security",
        "return function(event)\n"
        "  local res = event.Records[1].cf.response\n"
        "  res.headers['strict-transport-security'] =\n"
        "    {{ key = 'Strict-Transport-Security', value = 'max-age=1' }}\n"
        "  res.headers.server = nil\n"
        "  return res\n"
        "end\n");
    th_init(&r);
    FAAS_CHECK(run(fn, FAAS_VIEWER_RESPONSE, &r) == FAAS_OK);
    FAAS_CHECK_STR(th_header(&r, FAAS_MSG_RESPONSE,
                             "strict-transport-security"), "max-age=1");
    FAAS_CHECK(th_header(&r, FAAS_MSG_RESPONSE, "server") == NULL);
    faas_function_destroy(fn);

    fn = fn_ok("status",
        "return function(event)\n"
        "  local res = event.Records[1].cf.response\n"
        "  res.status = '404'\n"
        "  return res\n"
        "end\n");
    th_init(&r);
    FAAS_CHECK(run(fn, FAAS_VIEWER_RESPONSE, &r) == FAAS_ERROR);
    FAAS_CHECK(strstr(r.log, "cannot change response.status") != NULL);
    faas_function_destroy(fn);

    /* a generated response with more header lines than fit on the C stack */

    fn = fn_ok("many",
        "return function(event)\n"
        "  local h = { ['x-multi'] = {} }\n"
        "  for i = 1, 20 do h['x-h' .. i] = {{ value = tostring(i) }} end\n"
        "  for i = 1, 10 do h['x-multi'][i] = { value = 'm' .. i } end\n"
        "  return { status = 200, headers = h }\n"
        "end\n");
    th_init(&r);
    FAAS_CHECK(run(fn, FAAS_VIEWER_REQUEST, &r) == FAAS_DONE);
    FAAS_CHECK(r.nhdrs[FAAS_MSG_RESPONSE] == 30);
    FAAS_CHECK_STR(th_header(&r, FAAS_MSG_RESPONSE, "x-h20"), "20");
    FAAS_CHECK_STR(th_header(&r, FAAS_MSG_RESPONSE, "x-multi"), "m1");
    faas_function_destroy(fn);

    /* a generated redirect */

    fn = fn_ok("redirect",
        "return function(event)\n"
        "  local req = event.Records[1].cf.request\n"
        "  return { status = '302', statusDescription = 'Found',\n"
        "    headers = { location = {{ key = 'Location',\n"
        "      value = 'https://' .. req.headers.host[1].value .. req.uri\n"
        "    }} } }\n"
        "end\n");
    th_init(&r);
    FAAS_CHECK(run(fn, FAAS_VIEWER_REQUEST, &r) == FAAS_DONE);
    FAAS_CHECK(r.status == 302);
    FAAS_CHECK_STR(th_header(&r, FAAS_MSG_RESPONSE, "location"),
                   "https://localhost/x");
    faas_function_destroy(fn);
}

/*
 * The lazy event: headers load a name at a time, yet pairs, next,
 * table.foreach and faas.json.encode see every header, a removed header
 * stays removed, and only what changed is written back.
 */

static void
test_lazy(void)
{
    th_req_t          r;
    faas_function_t  *fn;

    fn = fn_ok("lazy_pairs",
        "return function(event)\n"
        "  local h = event.Records[1].cf.request.headers\n"
        "  local first = h['x-country'][1].value\n"
        "  local names, n = {}, 0\n"
        "  for k, v in pairs(h) do\n"
        "    n = n + 1\n"
        "    names[#names + 1] = k .. '=' .. #v\n"
        "  end\n"
        "  table.sort(names)\n"
        "  return { status = 200, body = first .. ' ' .. n .. ' '\n"
        "    .. table.concat(names, ',') .. ' ' .. h.cookie[2].value }\n"
        "end\n");
    th_init(&r);
    th_add(&r, FAAS_MSG_REQUEST, "cookie", "Cookie", "a=1", 3);
    th_add(&r, FAAS_MSG_REQUEST, "cookie", "cookie", "b=2", 3);
    FAAS_CHECK(run(fn, FAAS_VIEWER_REQUEST, &r) == FAAS_DONE);
    FAAS_CHECK_STR(r.body, "DE 3 cookie=2,host=1,x-country=1 b=2");
    faas_function_destroy(fn);

    /* next, table.foreach and json.encode load the rest too */

    fn = fn_ok("lazy_next",
        "return function(event)\n"
        "  local req = event.Records[1].cf.request\n"
        "  local a = req.headers\n"
        "  local n = 0\n"
        "  table.foreach(a, function() n = n + 1 end)\n"
        "  local b = event.Records[1].cf.request.headers\n"
        "  local j = faas.json.encode(req)\n"
        "  return { status = 200, body = tostring(next(a) ~= nil) .. n\n"
        "    .. ' ' .. tostring(j:find('\"X-Country\"', 1, true) ~= nil)\n"
        "    .. tostring(j:find('\"uri\":\"/x\"', 1, true) ~= nil)\n"
        "    .. tostring(a == b) }\n"
        "end\n");
    th_init(&r);
    FAAS_CHECK(run(fn, FAAS_VIEWER_REQUEST, &r) == FAAS_DONE);
    FAAS_CHECK_STR(r.body, "true2 truetruetrue");
    faas_function_destroy(fn);

    /*
     * A header read then removed stays removed (reading it again does not
     * load it again, pairs does not bring it back); names are lowercase;
     * one changed in place is written back; untouched ones are not
     * written at all (th_set_headers would move them to the end).
     */

    fn = fn_ok("lazy_delete",
        "return function(event)\n"
        "  local req = event.Records[1].cf.request\n"
        "  local h = req.headers\n"
        "  if h['X-Country'] ~= nil then error('uppercase name') end\n"
        "  if h['x-country'][1].value ~= 'DE' then error('value') end\n"
        "  h['x-country'] = nil\n"
        "  if h['x-country'] ~= nil then error('loaded again') end\n"
        "  for k in pairs(h) do\n"
        "    if k == 'x-country' then error('back in pairs') end\n"
        "  end\n"
        "  h['x-multi'][2].value = 'two'\n"
        "  return req\n"
        "end\n");
    th_init(&r);
    th_add(&r, FAAS_MSG_REQUEST, "x-multi", "X-Multi", "1", 1);
    th_add(&r, FAAS_MSG_REQUEST, "x-multi", "X-Multi", "2", 1);
    th_add(&r, FAAS_MSG_REQUEST, "accept", "Accept", "*/*", 3);
    FAAS_CHECK(run(fn, FAAS_VIEWER_REQUEST, &r) == FAAS_OK);
    FAAS_CHECK(th_header(&r, FAAS_MSG_REQUEST, "x-country") == NULL);
    FAAS_CHECK(r.nhdrs[FAAS_MSG_REQUEST] == 4);
    FAAS_CHECK_STR(r.hdrs[FAAS_MSG_REQUEST][0].lname, "host");
    FAAS_CHECK_STR(r.hdrs[FAAS_MSG_REQUEST][1].lname, "accept");
    FAAS_CHECK_STR(r.hdrs[FAAS_MSG_REQUEST][2].value, "1");
    FAAS_CHECK_STR(r.hdrs[FAAS_MSG_REQUEST][3].value, "two");
    faas_function_destroy(fn);

    /* reads without a change write nothing back */

    fn = fn_ok("lazy_read",
        "return function(event)\n"
        "  local req = event.Records[1].cf.request\n"
        "  local c = req.headers['x-country'][1].value\n"
        "  local m = req.headers['x-missing']\n"
        "  return req\n"
        "end\n");
    th_init(&r);
    th_add(&r, FAAS_MSG_REQUEST, "accept", "Accept", "*/*", 3);
    FAAS_CHECK(run(fn, FAAS_VIEWER_REQUEST, &r) == FAAS_OK);
    FAAS_CHECK_STR(r.hdrs[FAAS_MSG_REQUEST][1].lname, "x-country");
    FAAS_CHECK_STR(r.hdrs[FAAS_MSG_REQUEST][2].lname, "accept");
    faas_function_destroy(fn);

    /* more names than are tracked one by one: loaded whole, still right */

    fn = fn_ok("lazy_many",
        "return function(event)\n"
        "  local req = event.Records[1].cf.request\n"
        "  local h = req.headers\n"
        "  for i = 1, 40 do\n"
        "    local v = h['x-absent-' .. i]\n"
        "  end\n"
        "  h['x-country'] = nil\n"
        "  h['x-new'] = {{ value = 'n' }}\n"
        "  return req\n"
        "end\n");
    th_init(&r);
    FAAS_CHECK(run(fn, FAAS_VIEWER_REQUEST, &r) == FAAS_OK);
    FAAS_CHECK(th_header(&r, FAAS_MSG_REQUEST, "x-country") == NULL);
    FAAS_CHECK_STR(th_header(&r, FAAS_MSG_REQUEST, "x-new"), "n");
    FAAS_CHECK_STR(th_header(&r, FAAS_MSG_REQUEST, "host"), "localhost");
    faas_function_destroy(fn);

    /*
     * The event's skeleton: built when read, restored whatever the last
     * invocation did to it, seen whole by pairs; the per-invocation
     * fields of context and config; a table kept from an earlier
     * invocation loads nothing more.
     */

    fn = fn_ok("lazy_event",
        "local kept\n"
        "return function(event, context)\n"
        "  local n = 0\n"
        "  for k in pairs(event) do n = n + 1 end\n"
        "  local cf = event.Records[1].cf\n"
        "  local s = n .. ' ' .. cf.config.eventType .. ' '\n"
        "    .. context.event_type .. ' ' .. tostring(context.cold_start)\n"
        "    .. ' ' .. context.invocation .. ' '\n"
        "    .. tostring(kept and kept.uri)\n"
        "  kept = kept or cf.request.headers\n"
        "  event.Records = nil\n"
        "  cf.request = nil\n"
        "  return { status = 200, body = s }\n"
        "end\n");
    th_init(&r);
    FAAS_CHECK(run(fn, FAAS_VIEWER_RESPONSE, &r) == FAAS_DONE
               || strcmp(r.body, "bad-return") == 0);
    th_init(&r);
    FAAS_CHECK(run(fn, FAAS_VIEWER_REQUEST, &r) == FAAS_DONE);
    FAAS_CHECK_STR(r.body, "1 viewer-request viewer-request false 2 nil");
    th_init(&r);
    FAAS_CHECK(run(fn, FAAS_ORIGIN_REQUEST, &r) == FAAS_DONE);
    FAAS_CHECK_STR(r.body, "1 origin-request origin-request false 3 nil");
    faas_function_destroy(fn);

    /* in a response event the request is made on first read, or pairs */

    fn = fn_ok("lazy_cf",
        "return function(event)\n"
        "  local cf = event.Records[1].cf\n"
        "  local names = {}\n"
        "  for k in pairs(cf) do names[#names + 1] = k end\n"
        "  table.sort(names)\n"
        "  local a = table.concat(names, ',')\n"
        "  return { status = 200, body = a .. ' ' .. cf.request.uri\n"
        "    .. ' ' .. tostring(rawequal(cf.request, cf.request)) }\n"
        "end\n");
    th_init(&r);
    FAAS_CHECK(run(fn, FAAS_VIEWER_REQUEST, &r) == FAAS_DONE);
    FAAS_CHECK_STR(r.body, "config,request /x true");
    faas_function_destroy(fn);

    fn = fn_ok("lazy_cf_response",
        "return function(event)\n"
        "  local cf = event.Records[1].cf\n"
        "  local res = cf.response\n"
        "  res.headers['x-uri'] = {{ value = cf.request.uri }}\n"
        "  local n = 0\n"
        "  for k in pairs(cf) do n = n + 1 end\n"
        "  return res\n"
        "end\n");
    th_init(&r);
    FAAS_CHECK(run(fn, FAAS_VIEWER_RESPONSE, &r) == FAAS_OK);
    FAAS_CHECK_STR(th_header(&r, FAAS_MSG_RESPONSE, "x-uri"), "/x");
    faas_function_destroy(fn);

    /* a write to the event before any read: gone by the next call */

    fn = fn_ok("lazy_write",
        "local n = 0\n"
        "return function(event)\n"
        "  n = n + 1\n"
        "  if n == 1 then event.Records = 'x' return end\n"
        "  return { status = 200,\n"
        "    body = event.Records[1].cf.request.uri }\n"
        "end\n");
    th_init(&r);
    FAAS_CHECK(run(fn, FAAS_VIEWER_REQUEST, &r) == FAAS_OK);
    FAAS_CHECK(run(fn, FAAS_VIEWER_REQUEST, &r) == FAAS_DONE);
    FAAS_CHECK_STR(r.body, "/x");
    faas_function_destroy(fn);

    /* a response event that never read its event still returns one */

    fn = fn_ok("lazy_fresh",
        "return function()\n"
        "  return { status = '200',\n"
        "    headers = { ['x-a'] = {{ value = '1' }} } }\n"
        "end\n");
    th_init(&r);
    FAAS_CHECK(run(fn, FAAS_VIEWER_RESPONSE, &r) == FAAS_OK);
    FAAS_CHECK_STR(th_header(&r, FAAS_MSG_RESPONSE, "x-a"), "1");
    FAAS_CHECK(r.responded == 0);
    faas_function_destroy(fn);

    fn = fn_ok("lazy_kept",
        "local kept\n"
        "return function(event)\n"
        "  local h = event.Records[1].cf.request.headers\n"
        "  local before = kept and tostring(kept['x-country'])\n"
        "  kept = h\n"
        "  return { status = 200, body = tostring(before) }\n"
        "end\n");
    th_init(&r);
    FAAS_CHECK(run(fn, FAAS_VIEWER_REQUEST, &r) == FAAS_DONE);
    FAAS_CHECK_STR(r.body, "nil");
    FAAS_CHECK(run(fn, FAAS_VIEWER_REQUEST, &r) == FAAS_DONE);
    FAAS_CHECK_STR(r.body, "nil");
    faas_function_destroy(fn);
}


/*
 * faas_call() runs a state whose handler returned nil last time without
 * a protected call, and takes one only when the handler does something
 * else: each switch here goes from one way to the other, and the event
 * is fresh every time (even after the handler dropped its Records key
 * and grew the table, which the unprotected path must not allocate for).
 */

static void
test_quiet(void)
{
    int               i, rc;
    th_req_t          r;
    faas_function_t  *fn;

    static const struct {
        int          rc;
        const char  *uri;
        const char  *body;
    } want[] = {
        { FAAS_OK, "/x", "" },              /* nil */
        { FAAS_OK, "/x", "" },              /* nil */
        { FAAS_OK, "/changed", "" },        /* the request, changed */
        { FAAS_OK, "/x", "" },              /* nil: fresh event */
        { FAAS_ERROR, "/x", "runtime" },    /* after nil: an error */
        { FAAS_OK, "/x", "" },              /* nil, Records dropped */
        { FAAS_OK, "/x", "" },              /* nil, a fresh event */
        { FAAS_DONE, "/x", "gen" },         /* after nil: a response */
        { FAAS_ERROR, "/x", "runtime" },    /* a yield at top level */
        { FAAS_OK, "/x", "" },              /* nil: goes on */
    };

    fn = fn_ok("quiet",
        "local n = 0\n"
        "return function(event)\n"
        "  n = n + 1\n"
        "  if n == 3 then\n"
        "    local req = event.Records[1].cf.request\n"
        "    req.uri = '/changed'\n"
        "    return req\n"
        "  elseif n == 4 or n == 7 then\n"
        "    if event.Records[1].cf.request.uri ~= '/x' then\n"
        "      error('stale event')\n"
        "    end\n"
        "  elseif n == 5 then\n"
        "    error('boom')\n"
        "  elseif n == 6 then\n"
        "    local r = event.Records\n"
        "    event.Records = nil\n"
        "    for i = 1, 40 do event['k' .. i] = i end\n"
        "  elseif n == 8 then\n"
        "    return { status = 201, body = 'gen' }\n"
        "  elseif n == 9 then\n"
        "    coroutine.yield()\n"
        "  end\n"
        "end\n");

    for (i = 0; i < (int) (sizeof(want) / sizeof(want[0])); i++) {
        th_init(&r);
        rc = run(fn, FAAS_VIEWER_REQUEST, &r);

        if (rc != want[i].rc || strcmp(r.fields[FAAS_FIELD_URI], want[i].uri)
            || strcmp(r.body, want[i].body))
        {
            fprintf(stderr, "quiet call %d: rc %d uri \"%s\" body \"%s\"\n",
                    i + 1, rc, r.fields[FAAS_FIELD_URI], r.body);
        }

        FAAS_CHECK(rc == want[i].rc);
        FAAS_CHECK_STR(r.fields[FAAS_FIELD_URI], want[i].uri);
        FAAS_CHECK_STR(r.body, want[i].body);
    }

    faas_function_destroy(fn);

    /* a content function must return a response, quiet state or not */

    fn = fn_ok("quiet_content", "return function() end\n");

    for (i = 0; i < 3; i++) {
        th_init(&r);
        FAAS_CHECK(run(fn, FAAS_CONTENT, &r) == FAAS_ERROR);
        FAAS_CHECK_STR(r.body, "bad-return");
    }

    faas_function_destroy(fn);
}


/* the values of the request headers named lname, in order, ',' between */

static void
values(th_req_t *r, const char *lname, char *buf, size_t size)
{
    int     i;
    size_t  n;

    buf[0] = '\0';

    for (i = 0; i < r->nhdrs[FAAS_MSG_REQUEST]; i++) {
        if (strcmp(r->hdrs[FAAS_MSG_REQUEST][i].lname, lname) == 0) {
            n = strlen(buf);
            snprintf(buf + n, size - n, "%s%s", n ? "," : "",
                     r->hdrs[FAAS_MSG_REQUEST][i].value);
        }
    }
}


/*
 * Several host headers of one name, apart from each other: the write-back
 * finds all of them (by name, in order), and leaves an unchanged list
 * alone.
 */

static void
test_same_name(void)
{
    char              buf[256];
    th_req_t          r;
    faas_function_t  *fn;

    fn = fn_ok("dups",
        "return function(event)\n"
        "  local req = event.Records[1].cf.request\n"
        "  local d = req.headers['x-dup']\n"
        "  if req.uri == '/swap' then\n"
        "    req.headers['x-dup'] = { d[2], d[1] }\n"
        "  elseif req.uri == '/cut' then\n"
        "    req.headers['x-dup'] = { d[1] }\n"
        "  elseif req.uri == '/more' then\n"
        "    d[#d + 1] = { value = 'c' }\n"
        "  else\n"
        "    req.headers['x-new'] = {{ value = 'n' }}\n"
        "  end\n"
        "  return req\n"
        "end\n");

    th_init(&r);
    th_add(&r, FAAS_MSG_REQUEST, "x-dup", "X-Dup", "a", 1);
    th_add(&r, FAAS_MSG_REQUEST, "y", "Y", "1", 1);
    th_add(&r, FAAS_MSG_REQUEST, "x-dup", "X-Dup", "b", 1);

    FAAS_CHECK(run(fn, FAAS_VIEWER_REQUEST, &r) == FAAS_OK);
    FAAS_CHECK_STR(r.hdrs[FAAS_MSG_REQUEST][2].lname, "x-dup");
    values(&r, "x-dup", buf, sizeof(buf));
    FAAS_CHECK_STR(buf, "a,b");
    FAAS_CHECK_STR(th_header(&r, FAAS_MSG_REQUEST, "x-new"), "n");

    strcpy(r.fields[FAAS_FIELD_URI], "/swap");
    FAAS_CHECK(run(fn, FAAS_VIEWER_REQUEST, &r) == FAAS_OK);
    values(&r, "x-dup", buf, sizeof(buf));
    FAAS_CHECK_STR(buf, "b,a");

    strcpy(r.fields[FAAS_FIELD_URI], "/cut");
    FAAS_CHECK(run(fn, FAAS_VIEWER_REQUEST, &r) == FAAS_OK);
    values(&r, "x-dup", buf, sizeof(buf));
    FAAS_CHECK_STR(buf, "b");

    strcpy(r.fields[FAAS_FIELD_URI], "/more");
    FAAS_CHECK(run(fn, FAAS_VIEWER_REQUEST, &r) == FAAS_OK);
    values(&r, "x-dup", buf, sizeof(buf));
    FAAS_CHECK_STR(buf, "b,c");

    faas_function_destroy(fn);
}


/*
 * The write-back of the live headers table by the kind of touched name:
 * a list the handler assigned is written without a look at the host, the
 * host's list is compared (changed in place or not), a removal of a name
 * never read is written unless the rules refuse it, and then only the
 * host's answer tells an error from nothing to do.  Lists the rules
 * refuse that equal the host's headers are kept without a check.
 */

static void
test_writeback_kinds(void)
{
    char              buf[256];
    th_req_t          r;
    faas_function_t  *fn;

    fn = fn_ok("wb_kinds",
        "return function(event)\n"
        "  local req = event.Records[1].cf.request\n"
        "  local h = req.headers\n"
        "  local u = req.uri\n"
        "  if u == '/mix' then\n"
        "    h['x-country'][1].value = 'FR'\n"
        "    h['x-new'] = {{ key = 'X-New', value = 'n' }}\n"
        "    h['x-keep'] = {{ key = 'X-Keep', value = 'k' }}\n"
        "    h['x-gone'] = nil\n"
        "    h['x-never'] = nil\n"
        "    local a = h['x-absent']\n"
        "    h['x-absent'] = nil\n"
        "  elseif u == '/read-then-assign' then\n"
        "    local l = h['x-keep']\n"
        "    h['x-keep'] = {{ value = 'k2' }}\n"
        "  elseif u == '/ro-absent' then\n"
        "    h['expect'] = nil\n"
        "    h['via'] = nil\n"
        "  elseif u == '/ro-present' then\n"
        "    h['host'] = nil\n"
        "  elseif u == '/ro-read-present' then\n"
        "    local l = h['host']\n"
        "    h['host'] = nil\n"
        "  elseif u == '/ro-same' then\n"
        "    h['host'] = {{ key = 'Host', value = 'localhost' }}\n"
        "  elseif u == '/ro-other' then\n"
        "    h['host'] = {{ key = 'Host', value = 'example.com' }}\n"
        "  elseif u == '/ctl-same' then\n"
        "    h['x-ctl'] = {{ key = 'X-Ctl', value = 'a\\1b' }}\n"
        "  elseif u == '/ctl-other' then\n"
        "    h['x-ctl'] = {{ key = 'X-Ctl', value = 'a\\1c' }}\n"
        "  elseif u == '/ctl-first' then\n"
        "    h['x-ctl'] = {{ key = 'X-Ctl', value = 'a\\1c' }}\n"
        "    h['x-b'] = {{ key = 'X-B', value = 'b' }}\n"
        "  elseif u == '/moved' then\n"
        "    h['x-new'] = h['x-keep']\n"
        "  end\n"
        "  return req\n"
        "end\n");

    /* in place, assigned, same as the host's, removed, never there */

    th_init(&r);
    th_add(&r, FAAS_MSG_REQUEST, "x-gone", "X-Gone", "g", 1);
    th_add(&r, FAAS_MSG_REQUEST, "x-keep", "X-Keep", "k", 1);
    th_add(&r, FAAS_MSG_REQUEST, "accept", "Accept", "*/*", 3);
    strcpy(r.fields[FAAS_FIELD_URI], "/mix");
    FAAS_CHECK(run(fn, FAAS_VIEWER_REQUEST, &r) == FAAS_OK);
    FAAS_CHECK(r.nhdrs[FAAS_MSG_REQUEST] == 5);
    FAAS_CHECK_STR(r.hdrs[FAAS_MSG_REQUEST][0].lname, "host");
    FAAS_CHECK_STR(r.hdrs[FAAS_MSG_REQUEST][1].lname, "accept");
    FAAS_CHECK_STR(th_header(&r, FAAS_MSG_REQUEST, "x-country"), "FR");
    FAAS_CHECK_STR(th_header(&r, FAAS_MSG_REQUEST, "x-new"), "n");
    FAAS_CHECK_STR(th_header(&r, FAAS_MSG_REQUEST, "x-keep"), "k");
    FAAS_CHECK(th_header(&r, FAAS_MSG_REQUEST, "x-gone") == NULL);

    th_init(&r);
    th_add(&r, FAAS_MSG_REQUEST, "x-keep", "X-Keep", "k", 1);
    strcpy(r.fields[FAAS_FIELD_URI], "/read-then-assign");
    FAAS_CHECK(run(fn, FAAS_VIEWER_REQUEST, &r) == FAAS_OK);
    FAAS_CHECK_STR(th_header(&r, FAAS_MSG_REQUEST, "x-keep"), "k2");
    FAAS_CHECK_STR(r.hdrs[FAAS_MSG_REQUEST][2].key, "x-keep");

    /* a read-only name: nothing to remove is no error, a removal is */

    th_init(&r);
    strcpy(r.fields[FAAS_FIELD_URI], "/ro-absent");
    FAAS_CHECK(run(fn, FAAS_VIEWER_REQUEST, &r) == FAAS_OK);
    FAAS_CHECK(r.nhdrs[FAAS_MSG_REQUEST] == 2);

    th_init(&r);
    strcpy(r.fields[FAAS_FIELD_URI], "/ro-present");
    FAAS_CHECK(run(fn, FAAS_VIEWER_REQUEST, &r) == FAAS_ERROR);
    FAAS_CHECK_STR(r.body, "bad-return");
    FAAS_CHECK(strstr(r.log, "header \"host\" is read-only in "
                      "viewer-request") != NULL);
    FAAS_CHECK_STR(th_header(&r, FAAS_MSG_REQUEST, "host"), "localhost");

    th_init(&r);
    strcpy(r.fields[FAAS_FIELD_URI], "/ro-read-present");
    FAAS_CHECK(run(fn, FAAS_VIEWER_REQUEST, &r) == FAAS_ERROR);
    FAAS_CHECK_STR(r.body, "bad-return");

    /* a refused list that equals the host's headers is kept, unchecked */

    th_init(&r);
    strcpy(r.fields[FAAS_FIELD_URI], "/ro-same");
    FAAS_CHECK(run(fn, FAAS_VIEWER_REQUEST, &r) == FAAS_OK);
    FAAS_CHECK_STR(r.hdrs[FAAS_MSG_REQUEST][0].lname, "host");

    th_init(&r);
    strcpy(r.fields[FAAS_FIELD_URI], "/ro-other");
    FAAS_CHECK(run(fn, FAAS_VIEWER_REQUEST, &r) == FAAS_ERROR);
    FAAS_CHECK(strstr(r.log, "header \"host\" is read-only") != NULL);

    th_init(&r);
    th_add(&r, FAAS_MSG_REQUEST, "x-ctl", "X-Ctl", "a\001b", 3);
    strcpy(r.fields[FAAS_FIELD_URI], "/ctl-same");
    FAAS_CHECK(run(fn, FAAS_VIEWER_REQUEST, &r) == FAAS_OK);

    strcpy(r.fields[FAAS_FIELD_URI], "/ctl-other");
    FAAS_CHECK(run(fn, FAAS_VIEWER_REQUEST, &r) == FAAS_ERROR);
    FAAS_CHECK(strstr(r.log, "header \"x-ctl\" has a control "
                      "character") != NULL);
    values(&r, "x-ctl", buf, sizeof(buf));
    FAAS_CHECK_STR(buf, "a\001b");

    /* a touched name is named alone, not run into the next one */

    th_init(&r);
    strcpy(r.fields[FAAS_FIELD_URI], "/ctl-first");
    FAAS_CHECK(run(fn, FAAS_VIEWER_REQUEST, &r) == FAAS_ERROR);
    FAAS_CHECK(strstr(r.log, "header \"x-ctl\" has a control "
                      "character") != NULL);

    /* the host's list of another name is checked as a new one */

    th_init(&r);
    th_add(&r, FAAS_MSG_REQUEST, "x-keep", "X-Keep", "k", 1);
    strcpy(r.fields[FAAS_FIELD_URI], "/moved");
    FAAS_CHECK(run(fn, FAAS_VIEWER_REQUEST, &r) == FAAS_ERROR);
    FAAS_CHECK(strstr(r.log, "headers[\"x-new\"][1].key \"X-Keep\" "
                      "does not match its name") != NULL);

    faas_function_destroy(fn);

    /* a response: the removal of a header never read, as W3 does */

    fn = fn_ok("wb_response",
        "return function(event)\n"
        "  local res = event.Records[1].cf.response\n"
        "  res.headers['x-frame-options'] = {{ key = 'X-Frame-Options',\n"
        "                                      value = 'DENY' }}\n"
        "  res.headers.server = nil\n"
        "  res.headers.warning = nil\n"
        "  return res\n"
        "end\n");
    th_init(&r);
    FAAS_CHECK(run(fn, FAAS_VIEWER_RESPONSE, &r) == FAAS_OK);
    FAAS_CHECK(th_header(&r, FAAS_MSG_RESPONSE, "server") == NULL);
    FAAS_CHECK_STR(th_header(&r, FAAS_MSG_RESPONSE, "x-frame-options"),
                   "DENY");
    FAAS_CHECK_STR(th_header(&r, FAAS_MSG_RESPONSE, "content-type"),
                   "text/plain");

    th_add(&r, FAAS_MSG_RESPONSE, "warning", "Warning", "199 x", 5);
    FAAS_CHECK(run(fn, FAAS_VIEWER_RESPONSE, &r) == FAAS_ERROR);
    FAAS_CHECK(strstr(r.log, "header \"warning\" is read-only in "
                      "viewer-response") != NULL);
    FAAS_CHECK_STR(th_header(&r, FAAS_MSG_RESPONSE, "warning"), "199 x");
    faas_function_destroy(fn);
}


/*
 * The header rules that work on eight bytes at a time against a byte by
 * byte reading of the rule: every byte value at every position of
 * strings from 0 to 19 bytes (one word, overlapping words, bytes).
 */

static int
ref_value_valid(const char *p, size_t len)
{
    size_t         i;
    unsigned char  c;

    for (i = 0; i < len; i++) {
        c = (unsigned char) p[i];

        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            return 0;
        }
    }

    return 1;
}


static int
ref_key_same(const char *key, const char *lname, size_t len)
{
    char    c;
    size_t  i;

    for (i = 0; i < len; i++) {
        c = key[i];
        c = (c >= 'A' && c <= 'Z') ? (char) (c | 0x20) : c;

        if (c != lname[i]) {
            return 0;
        }
    }

    return 1;
}


static int
ref_name_valid(const char *p, size_t len)
{
    int            all;
    size_t         i;
    unsigned char  c;

    if (len == 0 || len > 256) {
        return 0;
    }

    all = 0;

    for (i = 0; i < len; i++) {
        c = (unsigned char) p[i];

        if (c >= 'A' && c <= 'Z') {
            all |= 2;
            continue;
        }

        all |= 1;

        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                     || (c && strchr("!#$%&'*+-.^_`|~", c))))
        {
            return 0;
        }
    }

    return all;
}


static void
test_header_rules(void)
{
    int         bad;
    char        v[24], key[24], low[24];
    size_t      len, pos;
    unsigned    b;
    faas_str_t  name;
    const char  *lname = "x-content-type-op";

    bad = 0;

    for (len = 0; len < 20; len++) {
        for (pos = 0; pos < len; pos++) {
            for (b = 0; b < 256; b++) {
                memset(v, 'a', sizeof(v));
                v[pos] = (char) b;

                if (faas_header_value_valid(v, len)
                    != ref_value_valid(v, len))
                {
                    bad++;
                }

                memcpy(key, "X-Content-Type-Opt", 18);
                key[pos] = (char) b;

                if (len <= 17
                    && faas_header_key_same(key, lname, len)
                       != ref_key_same(key, lname, len))
                {
                    bad++;
                }

                memset(key, 'a', sizeof(key));
                memcpy(key, "x-content-type-op9", 18);
                key[pos] = (char) b;

                if (faas_header_name_valid(key, len)
                    != ref_name_valid(key, len))
                {
                    bad++;
                }

                /* faas.req.set_header's lowercase copy, word by word */

                memset(key, 'a', sizeof(key));
                memcpy(key, "X-Content-Type-Op9", 18);
                key[pos] = (char) b;

                if (faas_header_name_lower(key, len, low)
                    != (ref_name_valid(key, len) != 0)
                    || (ref_name_valid(key, len)
                        && (low[len] != '\0' || !ref_key_same(key, low, len))))
                {
                    bad++;
                }
            }
        }
    }

    FAAS_CHECK(bad == 0);
    FAAS_CHECK(faas_header_value_valid("a\tb", 3));
    FAAS_CHECK(!faas_header_value_valid("max-age=1\r\nx: y", 15));
    FAAS_CHECK(faas_header_key_same("X-CONTENT-TYPE-OP", lname, 17));
    FAAS_CHECK(!faas_header_key_same("X-CONTENT-TYPE-O\xd0", lname, 17));

    name.data = "connection";
    name.len = 10;
    FAAS_CHECK(faas_header_forbidden(FAAS_VIEWER_RESPONSE,
                                     FAAS_MSG_RESPONSE, &name) != NULL);
    name.data = "x-accel-redirect";
    name.len = 16;
    FAAS_CHECK(faas_header_forbidden(FAAS_VIEWER_REQUEST,
                                     FAAS_MSG_REQUEST, &name) != NULL);
    name.data = "if-unmodified-since";
    name.len = 19;
    FAAS_CHECK(faas_header_forbidden(FAAS_ORIGIN_REQUEST,
                                     FAAS_MSG_REQUEST, &name) != NULL);
    FAAS_CHECK(faas_header_forbidden(FAAS_VIEWER_REQUEST,
                                     FAAS_MSG_REQUEST, &name) == NULL);
    name.data = "x-frame-options";
    name.len = 15;
    FAAS_CHECK(faas_header_forbidden(FAAS_VIEWER_RESPONSE,
                                     FAAS_MSG_RESPONSE, &name) == NULL);
    name.data = "content-length";
    name.len = 14;
    FAAS_CHECK(faas_header_forbidden(FAAS_CONTENT, FAAS_MSG_RESPONSE,
                                     &name) != NULL);
}


static void
test_libs(void)
{
    char              err[256];
    th_req_t          r;
    faas_function_t  *fn;

    fn = fn_ok("geo",
        "return function(event)\n"
        "  local v = faas.geo()\n"
        "  local j = faas.geo('2001:218::1')\n"
        "  local none = faas.geo('10.0.0.1')\n"
        "  local bad, e = faas.geo('not an address')\n"
        "  return { status = 200, body = table.concat({ v.country_code,\n"
        "    v.city, j.country_code, tostring(none.country_code),\n"
        "    tostring(bad), tostring(e ~= nil),\n"
        "    faas.crypto.hex(faas.crypto.sha256('abc')):sub(1, 8),\n"
        "    faas.json.encode({ a = 1 }) }, ' ') }\n"
        "end\n");

    /* without a database faas.geo says which directive is missing */

    th_init(&r);
    FAAS_CHECK(run(fn, FAAS_VIEWER_REQUEST, &r) == FAAS_ERROR);
    FAAS_CHECK(strstr(r.log, "add faas_geoip") != NULL);

    th_geo_db = faas_geo_create();
    FAAS_CHECK(faas_geo_open(th_geo_db, "data/geoip/GeoIP2-City-Test.mmdb",
                             err, sizeof(err)) == FAAS_GEO_OK);

    th_init(&r);
    strcpy(r.fields[FAAS_FIELD_CLIENT_IP], "81.2.69.142");
    FAAS_CHECK(run(fn, FAAS_VIEWER_REQUEST, &r) == FAAS_DONE);
    FAAS_CHECK_STR(r.body, "GB London JP nil nil true ba7816bf {\"a\":1}");

    faas_geo_close(th_geo_db);
    th_geo_db = NULL;
    faas_function_destroy(fn);
}


/* a bad call of a handler body, the event it runs in, what the log says */

typedef struct {
    const char    *body;
    faas_event_e   event;
    const char    *log;
} bad_call_t;


/* each bad call: an error naming the call and the rule, nothing written */

static void
run_bad(const char *name, bad_call_t *bad, size_t n)
{
    char              src[512];
    size_t            i;
    th_req_t          r;
    faas_function_t  *fn;

    for (i = 0; i < n; i++) {
        snprintf(src, sizeof(src),
                 "return function(event)\n  %s\nend\n", bad[i].body);
        fn = fn_ok(name, src);

        th_init(&r);
        FAAS_CHECK(run(fn, bad[i].event, &r) == FAAS_ERROR);

        if (strstr(r.log, bad[i].log) == NULL) {
            fprintf(stderr, "%s %d: no \"%s\" in: %s\n", name, (int) i,
                    bad[i].log, r.log);
            FAAS_CHECK(0);
        }

        FAAS_CHECK(th_header(&r, FAAS_MSG_REQUEST, "x-a") == NULL);
        FAAS_CHECK(th_header(&r, FAAS_MSG_RESPONSE, "x-a") == NULL);
        FAAS_CHECK(th_header(&r, FAAS_MSG_REQUEST, "x-n1") == NULL);
        FAAS_CHECK_STR(r.fields[FAAS_FIELD_URI], "/x");
        FAAS_CHECK(!r.responded);
        faas_function_destroy(fn);
    }
}


/*
 * faas.req, faas.resp, faas.respond and faas.redirect: read and written
 * through the host in the call, checked by the event's rules.
 */

static void
test_direct(void)
{
    int               i;
    th_req_t          r;
    faas_function_t  *fn;

    static bad_call_t  bad[] = {
        { "faas.req.set_header('Host', 'a')", FAAS_VIEWER_REQUEST,
          "header \"host\" is read-only in viewer-request" },
        { "faas.req.set_header('Connection', 'close')", FAAS_ORIGIN_REQUEST,
          "is owned by nginx" },
        { "faas.req.set_header('bad name', 'a')", FAAS_VIEWER_REQUEST,
          "invalid header name \"bad name\"" },
        { "faas.req.set_header('x-a', 'a\\r\\nx-b: c')",
          FAAS_VIEWER_REQUEST, "has a control character" },
        { "faas.req.set_header('x-a', { 'a', {} })", FAAS_VIEWER_REQUEST,
          "must be a string, not table" },
        { "faas.req.set_uri('x')", FAAS_VIEWER_REQUEST,
          "a path starts with" },
        { "faas.req.set_querystring('a b')", FAAS_VIEWER_REQUEST,
          "a query string has no" },
        { "faas.req.set_header('x-a', 'a')", FAAS_VIEWER_RESPONSE,
          "the request is read-only in viewer-response" },
        { "faas.resp.header('server')", FAAS_VIEWER_REQUEST,
          "viewer-request has no response" },
        { "local r = event.Records[1].cf.request\n"
          "  faas.req.set_header('x-a', 'a')", FAAS_VIEWER_REQUEST,
          "change that table instead" },
        { "return faas.redirect('/a', 200)", FAAS_VIEWER_REQUEST,
          "301, 302, 303, 307 or 308" },
        { "return faas.respond(99)", FAAS_VIEWER_REQUEST,
          "from 100 to 599" },
        { "return faas.respond(200, { ['Content-Length'] = '1' })",
          FAAS_VIEWER_REQUEST, "in a generated response" },
        { "return faas.respond(200)", FAAS_VIEWER_RESPONSE,
          "viewer-response must return the response" },
    };

    /* reads: joined as RFC 9110 joins them, Cookie with "; " */

    fn = fn_ok("direct_read",
        "return function(event)\n"
        "  local q = faas.req\n"
        "  return faas.respond(200, nil, table.concat({ q.header('Host'),\n"
        "    q.header('x-forwarded-for'), q.header('cookie'),\n"
        "    tostring(q.header('x-none')), q.uri(), q.querystring(),\n"
        "    q.method(), q.client_ip() }, '|'))\n"
        "end\n");

    th_init(&r);
    th_add(&r, FAAS_MSG_REQUEST, "x-forwarded-for", "X-Forwarded-For",
           "1.1.1.1", 7);
    th_add(&r, FAAS_MSG_REQUEST, "x-forwarded-for", "X-Forwarded-For",
           "2.2.2.2", 7);
    th_add(&r, FAAS_MSG_REQUEST, "cookie", "Cookie", "a=1", 3);
    th_add(&r, FAAS_MSG_REQUEST, "cookie", "Cookie", "b=2", 3);
    strcpy(r.fields[FAAS_FIELD_QUERYSTRING], "q=1");
    FAAS_CHECK(run(fn, FAAS_VIEWER_REQUEST, &r) == FAAS_DONE);
    FAAS_CHECK_STR(r.body, "localhost|1.1.1.1, 2.2.2.2|a=1; b=2|nil|/x|q=1"
                           "|GET|127.0.0.1");
    faas_function_destroy(fn);

    /* writes reach the host in the call; the event loads what they did */

    fn = fn_ok("direct_write",
        "return function(event)\n"
        "  local q = faas.req\n"
        "  q.set_header('X-Variant', 'b')\n"
        "  q.set_header('X-List', { 'one', 2 })\n"
        "  q.set_header('x-country', nil)\n"
        "  q.set_uri('/de' .. q.uri())\n"
        "  q.set_querystring('a=1')\n"
        "  local h = event.Records[1].cf.request.headers\n"
        "  if h['x-variant'][1].value ~= 'b' or h['x-country'] then\n"
        "    error('the event does not see the writes')\n"
        "  end\n"
        "end\n");

    th_init(&r);
    FAAS_CHECK(run(fn, FAAS_VIEWER_REQUEST, &r) == FAAS_OK);
    FAAS_CHECK_STR(th_header(&r, FAAS_MSG_REQUEST, "x-variant"), "b");
    FAAS_CHECK(th_header(&r, FAAS_MSG_REQUEST, "x-country") == NULL);
    FAAS_CHECK_STR(r.fields[FAAS_FIELD_URI], "/de/x");
    FAAS_CHECK_STR(r.fields[FAAS_FIELD_QUERYSTRING], "a=1");

    for (i = 0; i < r.nhdrs[FAAS_MSG_REQUEST]; i++) {
        if (strcmp(r.hdrs[FAAS_MSG_REQUEST][i].lname, "x-list") == 0) {
            FAAS_CHECK_STR(r.hdrs[FAAS_MSG_REQUEST][i].key, "X-List");
            FAAS_CHECK_STR(r.hdrs[FAAS_MSG_REQUEST][i].value, "one");
            FAAS_CHECK_STR(r.hdrs[FAAS_MSG_REQUEST][i + 1].value, "2");
            break;
        }
    }

    FAAS_CHECK(i < r.nhdrs[FAAS_MSG_REQUEST]);
    faas_function_destroy(fn);

    /* the response of a response event */

    fn = fn_ok("direct_resp",
        "return function(event)\n"
        "  local p = faas.resp\n"
        "  p.set_header('X-Status', tostring(p.status()))\n"
        "  p.set_header('X-Type', p.header('Content-Type'))\n"
        "  p.set_header('Server', false)\n"
        "end\n");

    th_init(&r);
    FAAS_CHECK(run(fn, FAAS_VIEWER_RESPONSE, &r) == FAAS_OK);
    FAAS_CHECK_STR(th_header(&r, FAAS_MSG_RESPONSE, "x-status"), "200");
    FAAS_CHECK_STR(th_header(&r, FAAS_MSG_RESPONSE, "x-type"), "text/plain");
    FAAS_CHECK(th_header(&r, FAAS_MSG_RESPONSE, "server") == NULL);
    faas_function_destroy(fn);

    /* a response made at the top level serves every invocation */

    fn = fn_ok("direct_respond",
        "local denied = faas.respond(403, { ['Content-Type'] = 'text/plain',\n"
        "  ['Set-Cookie'] = { 'a=1', 'b=2' } }, 'denied')\n"
        "return function(event)\n"
        "  if faas.req.header('x-country') == 'DE' then return denied end\n"
        "  return faas.redirect('https://example.com' .. faas.req.uri(), 301)\n"
        "end\n");

    for (i = 0; i < 2; i++) {
        th_init(&r);
        FAAS_CHECK(run(fn, FAAS_VIEWER_REQUEST, &r) == FAAS_DONE);
        FAAS_CHECK(r.status == 403);
        FAAS_CHECK_STR(r.body, "denied");
        FAAS_CHECK_STR(th_header(&r, FAAS_MSG_RESPONSE, "content-type"),
                       "text/plain");
        FAAS_CHECK(r.nhdrs[FAAS_MSG_RESPONSE] == 3);
    }

    th_init(&r);
    r.nhdrs[FAAS_MSG_REQUEST] = 1;      /* Host only */
    FAAS_CHECK(run(fn, FAAS_CONTENT, &r) == FAAS_DONE);
    FAAS_CHECK(r.status == 301);
    FAAS_CHECK_STR(th_header(&r, FAAS_MSG_RESPONSE, "location"),
                   "https://example.com/x");
    FAAS_CHECK_STR(r.hdrs[FAAS_MSG_RESPONSE][0].key, "Location");
    faas_function_destroy(fn);

    run_bad("direct_bad", bad, sizeof(bad) / sizeof(bad[0]));

    /* the top level has no request */

    fn = fn_ok("direct_top", "faas.req.header('host')\n"
               "return function() end\n");
    th_init(&r);
    FAAS_CHECK(run(fn, FAAS_VIEWER_REQUEST, &r) == FAAS_ERROR);
    FAAS_CHECK(strstr(r.log, "only a handler has a request") != NULL);
    faas_function_destroy(fn);
}

/*
 * set_headers with a table and with a header set of faas.headers, and
 * header names known by their Lua string (faas_names.c): the rules of
 * each event still apply to a known name, and a name pushed out of the
 * cache by others, or collected, is never mistaken for another.
 */

static void
test_direct_sets(void)
{
    int               i;
    char              name[64];
    th_req_t          r;
    faas_function_t  *fn;

    static bad_call_t  bad[] = {
        { "faas.req.cookie('a b')", FAAS_VIEWER_REQUEST,
          "invalid cookie name \"a b\"" },
        { "faas.req.cookie()", FAAS_VIEWER_REQUEST,
          "string expected, got no value" },
        { "faas.resp.set_headers({ ['X-A'] = '1', ['x-a'] = '2' })",
          FAAS_VIEWER_RESPONSE, "header \"x-a\" is named twice" },
        { "faas.resp.set_headers({ [1] = 'a' })", FAAS_VIEWER_RESPONSE,
          "header names must be strings, not number" },
        { "faas.resp.set_headers({ ['bad name'] = 'a' })",
          FAAS_VIEWER_RESPONSE, "invalid header name \"bad name\"" },
        { "faas.resp.set_headers({ ['X-A'] = { 'a', true } })",
          FAAS_VIEWER_RESPONSE, "must be a string, not boolean" },
        { "faas.resp.set_headers({ ['X-A'] = 'a\\nb' })",
          FAAS_VIEWER_RESPONSE, "has a control character" },
        { "faas.resp.set_headers({ ['Content-Length'] = '1' })",
          FAAS_VIEWER_RESPONSE,
          "header \"content-length\" is read-only in viewer-response" },
        { "faas.resp.set_headers(faas.respond(200))", FAAS_VIEWER_RESPONSE,
          "a table or a header set of faas.headers expected" },
        { "faas.resp.set_headers('x')", FAAS_VIEWER_RESPONSE,
          "table expected, got string" },
        { "faas.req.set_headers(faas.headers({ ['X-A'] = 'a' }))",
          FAAS_VIEWER_RESPONSE,
          "the request is read-only in viewer-response" },
        { "faas.req.set_headers(faas.headers({ Via = 'a', ['X-A'] = 'a' }))",
          FAAS_VIEWER_REQUEST, "header \"via\" is read-only" },
        { "faas.headers({ Connection = 'close' })", FAAS_VIEWER_REQUEST,
          "faas.headers: header \"connection\" is owned by nginx" },
        { "faas.headers({ ['X-Accel-Redirect'] = '/x' })", FAAS_VIEWER_REQUEST,
          "header \"x-accel-redirect\" is owned by nginx" },
        { "faas.headers({ ['x-a'] = 'a', ['X-A'] = false })",
          FAAS_VIEWER_REQUEST, "is named twice" },
        { "local t = {}\n"
          "  for i = 1, 40 do t['x-n' .. i] = 'v' end\n"
          "  t['X-N7'] = 'w'\n"
          "  faas.req.set_headers(t)", FAAS_VIEWER_REQUEST,
          "header \"x-n7\" is named twice" },
    };

    /* cookies: over every Cookie header, spaces ignored, names exact */

    fn = fn_ok("sets_cookie",
        "return function(event)\n"
        "  local c = faas.req.cookie\n"
        "  return faas.respond(200, nil, table.concat({ c('ab'), c('x'),\n"
        "    c('q'), tostring(c('AB')), tostring(c('a')), c('e') }, '|'))\n"
        "end\n");

    th_init(&r);
    th_add(&r, FAAS_MSG_REQUEST, "cookie", "Cookie", "a b=1;x = 2 ; ab=b",
           18);
    th_add(&r, FAAS_MSG_REQUEST, "cookie", "Cookie", "ab=second; q=\"v\";"
           "e=", 19);
    FAAS_CHECK(run(fn, FAAS_VIEWER_REQUEST, &r) == FAAS_DONE);
    FAAS_CHECK_STR(r.body, "b|2|\"v\"|nil|nil|");
    faas_function_destroy(fn);

    /* a table: values, lists with numbers, false removes */

    fn = fn_ok("sets_table",
        "return function(event)\n"
        "  faas.req.set_headers({ ['X-Variant'] = 'b',\n"
        "    ['X-List'] = { 1, 'two' }, ['X-Country'] = false,\n"
        "    ['X-Empty'] = {} })\n"
        "end\n");

    th_init(&r);
    FAAS_CHECK(run(fn, FAAS_VIEWER_REQUEST, &r) == FAAS_OK);
    FAAS_CHECK_STR(th_header(&r, FAAS_MSG_REQUEST, "x-variant"), "b");
    FAAS_CHECK(th_header(&r, FAAS_MSG_REQUEST, "x-country") == NULL);
    FAAS_CHECK(th_header(&r, FAAS_MSG_REQUEST, "x-empty") == NULL);
    FAAS_CHECK_STR(th_header(&r, FAAS_MSG_REQUEST, "host"), "localhost");

    for (i = 0; i < r.nhdrs[FAAS_MSG_REQUEST]; i++) {
        if (strcmp(r.hdrs[FAAS_MSG_REQUEST][i].lname, "x-list") == 0) {
            FAAS_CHECK_STR(r.hdrs[FAAS_MSG_REQUEST][i].key, "X-List");
            FAAS_CHECK_STR(r.hdrs[FAAS_MSG_REQUEST][i].value, "1");
            FAAS_CHECK_STR(r.hdrs[FAAS_MSG_REQUEST][i + 1].value, "two");
            break;
        }
    }

    FAAS_CHECK(i < r.nhdrs[FAAS_MSG_REQUEST]);
    faas_function_destroy(fn);

    /* a header set made at the top level serves every invocation, and
       its table may change after: the set is a copy */

    fn = fn_ok("sets_set",
        "local t = { ['Strict-Transport-Security'] = 'max-age=1',\n"
        "  ['X-Frame-Options'] = 'DENY', Server = false,\n"
        "  ['Set-Cookie'] = { 'a=1', 2 } }\n"
        "local security = faas.headers(t)\n"
        "t['X-Frame-Options'] = 'SAMEORIGIN'\n"
        "t = nil\n"
        "assert(getmetatable(security) == 'faas.headers')\n"
        "return function(event)\n"
        "  faas.resp.set_headers(security)\n"
        "end\n");

    for (i = 0; i < 2; i++) {
        th_init(&r);
        FAAS_CHECK(run(fn, FAAS_VIEWER_RESPONSE, &r) == FAAS_OK);
        FAAS_CHECK_STR(th_header(&r, FAAS_MSG_RESPONSE,
                                 "strict-transport-security"), "max-age=1");
        FAAS_CHECK_STR(th_header(&r, FAAS_MSG_RESPONSE, "x-frame-options"),
                       "DENY");
        FAAS_CHECK_STR(th_header(&r, FAAS_MSG_RESPONSE, "set-cookie"),
                       "a=1");
        FAAS_CHECK(th_header(&r, FAAS_MSG_RESPONSE, "server") == NULL);
        FAAS_CHECK_STR(th_header(&r, FAAS_MSG_RESPONSE, "content-type"),
                       "text/plain");

        /* content-type, strict-transport-security, x-frame-options and
           set-cookie twice */
        FAAS_CHECK(r.nhdrs[FAAS_MSG_RESPONSE] == 5);

        lua_gc(fn->state->L, LUA_GCCOLLECT, 0);
    }

    faas_function_destroy(fn);

    /*
     * A large table (more names than the C stack holds, names longer than
     * the cache keeps): all of it set
     */

    fn = fn_ok("sets_large",
        "return function(event)\n"
        "  local t = {}\n"
        "  for i = 1, 20 do\n"
        "    t[('X-Long-Header-Name-'):rep(3) .. i] = i\n"
        "  end\n"
        "  faas.req.set_headers(t)\n"
        "end\n");

    th_init(&r);
    FAAS_CHECK(run(fn, FAAS_VIEWER_REQUEST, &r) == FAAS_OK);
    FAAS_CHECK(r.nhdrs[FAAS_MSG_REQUEST] == 22);

    for (i = 1; i <= 20; i++) {
        char  v[8];

        snprintf(name, sizeof(name), "x-long-header-name-x-long-header-"
                 "name-x-long-header-name-%d", i);
        snprintf(v, sizeof(v), "%d", i);
        FAAS_CHECK_STR(th_header(&r, FAAS_MSG_REQUEST, name), v);
    }

    faas_function_destroy(fn);

    /* a known name keeps the rules of each event: Accept-Encoding may be
       written in viewer-request, not in origin-request */

    fn = fn_ok("sets_known",
        "return function(event)\n"
        "  faas.req.set_header('Accept-Encoding', 'br')\n"
        "end\n");

    for (i = 0; i < 2; i++) {
        th_init(&r);
        FAAS_CHECK(run(fn, FAAS_VIEWER_REQUEST, &r) == FAAS_OK);
        FAAS_CHECK_STR(th_header(&r, FAAS_MSG_REQUEST, "accept-encoding"),
                       "br");

        th_init(&r);
        FAAS_CHECK(run(fn, FAAS_ORIGIN_REQUEST, &r) == FAAS_ERROR);
        FAAS_CHECK(strstr(r.log, "header \"accept-encoding\" is read-only "
                                 "in origin-request") != NULL);
    }

    faas_function_destroy(fn);

    /*
     * Names made per invocation push each other out of the cache and are
     * collected, their addresses taken by new strings: each is still its
     * own name
     */

    fn = fn_ok("sets_churn",
        "return function(event)\n"
        "  for i = 1, 24 do\n"
        "    faas.resp.set_header('X-C' .. i, tostring(i))\n"
        "    local garbage = {}\n"
        "    for j = 1, 100 do garbage[j] = ('g'):rep(j) .. i end\n"
        "    assert(faas.resp.header('x-c' .. i) == tostring(i))\n"
        "  end\n"
        "  faas.resp.set_header('X-C1', 'again')\n"
        "end\n");

    for (i = 0; i < 2; i++) {
        th_init(&r);
        FAAS_CHECK(run(fn, FAAS_VIEWER_RESPONSE, &r) == FAAS_OK);
        FAAS_CHECK(r.nhdrs[FAAS_MSG_RESPONSE] == 26);
        FAAS_CHECK_STR(th_header(&r, FAAS_MSG_RESPONSE, "x-c1"), "again");
        FAAS_CHECK_STR(th_header(&r, FAAS_MSG_RESPONSE, "x-c24"), "24");

        lua_gc(fn->state->L, LUA_GCCOLLECT, 0);
    }

    faas_function_destroy(fn);

    /*
     * A state whose handler returned a response ends the next invocation
     * without a protected call (faas_call_quick): what it cannot send
     * there still gets the protected ending and its error
     */

    fn = fn_ok("sets_quick",
        "local ok = faas.respond(200, nil, 'ok')\n"
        "local set = faas.headers({ ['X-A'] = 'a' })\n"
        "local big = faas.respond(200, nil, ('b'):rep(2000))\n"
        "return function(event)\n"
        "  local what = faas.req.header('x-return')\n"
        "  if what == 'set' then return set end\n"
        "  if what == 'big' then return big end\n"
        "  return ok\n"
        "end\n");

    for (i = 0; i < 8; i++) {
        static const char  *what[] = { "ok", "ok", "set", "ok", "big", "ok",
                                       "ok", "set" };

        th_init(&r);
        th_add(&r, FAAS_MSG_REQUEST, "x-return", "X-Return", what[i],
               strlen(what[i]));

        if (strcmp(what[i], "ok") == 0) {
            FAAS_CHECK(run(fn, FAAS_VIEWER_REQUEST, &r) == FAAS_DONE);
            FAAS_CHECK_STR(r.body, "ok");

        } else if (strcmp(what[i], "set") == 0) {
            FAAS_CHECK(run(fn, FAAS_VIEWER_REQUEST, &r) == FAAS_ERROR);
            FAAS_CHECK(strstr(r.log, "must return a table or nil, not a "
                                     "userdata") != NULL);

        } else {
            FAAS_CHECK(run_max(fn, FAAS_VIEWER_REQUEST, &r, 1000)
                       == FAAS_ERROR);
            FAAS_CHECK(strstr(r.log, "larger than the limit of 1000 bytes")
                       != NULL);
        }

        FAAS_CHECK(r.responded == (strcmp(what[i], "ok") == 0));
    }

    faas_function_destroy(fn);

    /* in a response event a response of faas.respond is a bad return,
       the quick way or not */

    fn = fn_ok("sets_quick_resp",
        "local ok = faas.respond(200, nil, 'ok')\n"
        "return function(event) return ok end\n");

    for (i = 0; i < 2; i++) {
        th_init(&r);
        FAAS_CHECK(run(fn, FAAS_VIEWER_RESPONSE, &r) == FAAS_ERROR);
        FAAS_CHECK(strstr(r.log, "viewer-response must return the response")
                   != NULL);
        FAAS_CHECK(!r.responded);
    }

    faas_function_destroy(fn);

    run_bad("sets_bad", bad, sizeof(bad) / sizeof(bad[0]));
}


int
main(void)
{
    test_loader();
    test_sandbox();
    test_limits();
    test_events();
    test_lazy();
    test_quiet();
    test_same_name();
    test_writeback_kinds();
    test_header_rules();
    test_libs();
    test_direct();
    test_direct_sets();

    return FAAS_TEST_DONE();
}
