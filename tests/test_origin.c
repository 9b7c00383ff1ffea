/*
 * Unit tests of the origin side of the event: request.origin in
 * origin-request (read, re-route, validation), request.body with
 * faas_body (exposed, truncated, replaced), origin-response status and
 * body, content functions and the cap on generated bodies.
 */

#include <stdlib.h>
#include <sys/stat.h>

#include "faas_test.h"
#include "test_host.h"


static size_t  to_body_max;


static faas_function_t *
to_fn(const char *name, const char *src)
{
    faas_function_conf_t  conf;

    memset(&conf, 0, sizeof(conf));
    conf.memory = 2 * 1024 * 1024;
    conf.timeout = 100000;

    return th_function("tmp", name, src, &conf, NULL, 0);
}


/* runs src once on r; the failure class goes to r->body */

static int
to_run(const char *src, faas_event_e event, th_req_t *r)
{
    int               rc;
    faas_call_t       call;
    faas_function_t  *fn;

    fn = to_fn("origin", src);

    memset(&call, 0, sizeof(call));
    call.fn = fn;
    call.event = event;
    call.host = &th_host;
    call.req = r;
    call.body_max = to_body_max;

    rc = faas_call(&call);
    if (rc == FAAS_ERROR) {
        snprintf(r->body, sizeof(r->body), "%s", faas_fail_name(call.fail));
    }

    faas_function_destroy(fn);

    return rc;
}


#define to_logged(r, s)  (strstr((r)->log, s) != NULL)


static void
test_origin_read(void)
{
    th_req_t  r;

    th_init(&r);
    th_origin_init(&r, "example.org");
    strcpy(r.origin_path, "/base");
    r.norigin_hdrs = 1;
    strcpy(r.origin_hdrs[0].lname, "x-origin-key");
    strcpy(r.origin_hdrs[0].key, "X-Origin-Key");
    strcpy(r.origin_hdrs[0].value, "s3cret");

    FAAS_CHECK(to_run(
        "return function(event)\n"
        "  local o = event.Records[1].cf.request.origin.custom\n"
        "  local h = o.customHeaders['x-origin-key'][1]\n"
        "  return { status = 200, body = table.concat({ o.protocol,\n"
        "    o.domainName, o.port, o.path, o.readTimeout,\n"
        "    o.keepaliveTimeout, table.concat(o.sslProtocols, ','),\n"
        "    h.key, h.value }, ' ') }\n"
        "end\n", FAAS_ORIGIN_REQUEST, &r) == FAAS_DONE);
    FAAS_CHECK_STR(r.body, "https example.org 443 /base 30 5 TLSv1.2 "
                   "X-Origin-Key s3cret");

    /* no origin in viewer events; none without faas_origin */

    th_init(&r);
    th_origin_init(&r, "example.org");
    FAAS_CHECK(to_run(
        "return function(event)\n"
        "  return { status = 200, body =\n"
        "    tostring(event.Records[1].cf.request.origin) }\n"
        "end\n", FAAS_VIEWER_REQUEST, &r) == FAAS_DONE);
    FAAS_CHECK_STR(r.body, "nil");

    th_init(&r);
    FAAS_CHECK(to_run(
        "return function(event)\n"
        "  return { status = 200, body =\n"
        "    tostring(event.Records[1].cf.request.origin) }\n"
        "end\n", FAAS_ORIGIN_REQUEST, &r) == FAAS_DONE);
    FAAS_CHECK_STR(r.body, "nil");

    /* read and returned: no write-back, an IP from the config is fine */

    th_init(&r);
    th_origin_init(&r, "127.0.0.1");
    FAAS_CHECK(to_run(
        "return function(event)\n"
        "  local req = event.Records[1].cf.request\n"
        "  local _ = req.origin.custom.domainName\n"
        "  return req\n"
        "end\n", FAAS_ORIGIN_REQUEST, &r) == FAAS_OK);
    FAAS_CHECK(r.origin_set == 0);
}


static void
test_origin_write(void)
{
    th_req_t  r;

    /* a field changed in place */

    th_init(&r);
    th_origin_init(&r, "example.org");
    FAAS_CHECK(to_run(
        "return function(event)\n"
        "  local req = event.Records[1].cf.request\n"
        "  req.origin.custom.domainName = 'eu.example.org'\n"
        "  req.origin.custom.path = '/eu'\n"
        "  return req\n"
        "end\n", FAAS_ORIGIN_REQUEST, &r) == FAAS_OK);
    FAAS_CHECK(r.origin_set == 1);
    FAAS_CHECK_STR(r.origin_domain, "eu.example.org");
    FAAS_CHECK_STR(r.origin_path, "/eu");
    FAAS_CHECK(r.origin_port == 443);
    FAAS_CHECK(r.origin_read_timeout == 30);

    /* a whole new origin, as Lambda@Edge examples write it */

    th_init(&r);
    th_origin_init(&r, "example.org");
    FAAS_CHECK(to_run(
        "return function(event)\n"
        "  local req = event.Records[1].cf.request\n"
        "  req.origin = { custom = { domainName = 'origin-b',\n"
        "    port = 8080, protocol = 'http', path = '',\n"
        "    sslProtocols = { 'TLSv1.2' }, readTimeout = 5,\n"
        "    keepaliveTimeout = 5, customHeaders = {\n"
        "      ['x-tier'] = {{ key = 'X-Tier', value = 'b' }} } } }\n"
        "  return req\n"
        "end\n", FAAS_ORIGIN_REQUEST, &r) == FAAS_OK);
    FAAS_CHECK(r.origin_set == 1);
    FAAS_CHECK_STR(r.origin_domain, "origin-b");
    FAAS_CHECK_STR(r.origin_protocol, "http");
    FAAS_CHECK(r.origin_port == 8080);
    FAAS_CHECK(r.origin_read_timeout == 5);
    FAAS_CHECK(r.norigin_hdrs == 1);
    FAAS_CHECK_STR(r.origin_hdrs[0].value, "b");

    /* the port defaults to the protocol's */

    th_init(&r);
    th_origin_init(&r, "example.org");
    FAAS_CHECK(to_run(
        "return function(event)\n"
        "  local req = event.Records[1].cf.request\n"
        "  req.origin = { custom = { domainName = 'plain.example.org',\n"
        "    protocol = 'http' } }\n"
        "  return req\n"
        "end\n", FAAS_ORIGIN_REQUEST, &r) == FAAS_OK);
    FAAS_CHECK(r.origin_port == 80);
}


/* each bad origin: a bad return naming the field, nothing written */

static void
to_bad_origin(const char *assign, const char *logged)
{
    char      src[1024];
    th_req_t  r;

    snprintf(src, sizeof(src),
             "return function(event)\n"
             "  local req = event.Records[1].cf.request\n"
             "  local o = req.origin.custom\n"
             "  %s\n"
             "  req.headers['x-changed'] = {{ value = '1' }}\n"
             "  return req\n"
             "end\n", assign);

    th_init(&r);
    th_origin_init(&r, "example.org");

    FAAS_CHECK(to_run(src, FAAS_ORIGIN_REQUEST, &r) == FAAS_ERROR);
    FAAS_CHECK_STR(r.body, "bad-return");
    FAAS_CHECK(r.origin_set == 0);
    FAAS_CHECK(th_header(&r, FAAS_MSG_REQUEST, "x-changed") == NULL);

    if (!to_logged(&r, logged)) {
        fprintf(stderr, "want \"%s\" in: %s", logged, r.log);
        FAAS_CHECK(0);
    }

    /* one line: what the handler wrote cannot add lines to the log */

    FAAS_CHECK(strchr(r.log, '\r') == NULL);
    FAAS_CHECK(strchr(r.log, '\n') == r.log + strlen(r.log) - 1);
}


static void
test_origin_bad(void)
{
    th_req_t  r;

    to_bad_origin("o.port = 70000", "port 70000 is invalid");
    to_bad_origin("o.port = 8", "port 8 is invalid");
    to_bad_origin("o.port = 8080.5", "port must be a whole number");
    to_bad_origin("o.domainName = '203.0.113.9'", "is an IP address");
    to_bad_origin("o.domainName = '[::1]'", "has a colon");
    to_bad_origin("o.domainName = 'a..b'", "has an empty label");
    to_bad_origin("o.domainName = 'evil.com\\r\\nX-A'",
                  "is not a domain name");
    to_bad_origin("o.domainName = ''", "is empty");
    to_bad_origin("req.origin = { custom = { domainName = 'b.example' } }",
                  "protocol is missing: \"http\" or \"https\"");
    to_bad_origin("o.protocol = 'ftp'", "protocol must be \"http\" or");
    to_bad_origin("o.path = 'nosl'", "path \"nosl\" is invalid");
    to_bad_origin("o.path = '/a/'", "path \"/a/\" is invalid");
    to_bad_origin("o.path = '/a b'", "path \"/a b\" is invalid");
    to_bad_origin("o.readTimeout = 0", "readTimeout and keepaliveTimeout");
    to_bad_origin("o.sslProtocols = { 'TLSv9' }", "sslProtocols[1]");
    to_bad_origin("o.customHeaders['x-a'] = {{ value = 'a\\r\\nB: c' }}",
                  "control character");
    to_bad_origin("o.customHeaders['bad name'] = {{ value = 'x' }}",
                  "invalid header name");
    to_bad_origin("o.customHeaders['connection'] = {{ value = 'x' }}",
                  "\"connection\" is owned by nginx");
    to_bad_origin("req.origin = { s3 = { domainName = 'b.s3.amazonaws.com' }"
                  " }", "S3 origins are not supported");
    to_bad_origin("req.origin = 'x'", "request.origin must be a table");

    /* outside origin-request, and without faas_origin */

    th_init(&r);
    FAAS_CHECK(to_run(
        "return function(event)\n"
        "  local req = event.Records[1].cf.request\n"
        "  req.origin = { custom = { domainName = 'x.example',\n"
        "    protocol = 'https' } }\n"
        "  return req\n"
        "end\n", FAAS_VIEWER_REQUEST, &r) == FAAS_ERROR);
    FAAS_CHECK(to_logged(&r, "only be set in origin-request"));

    th_init(&r);
    FAAS_CHECK(to_run(
        "return function(event)\n"
        "  local req = event.Records[1].cf.request\n"
        "  req.origin = { custom = { domainName = 'x.example',\n"
        "    protocol = 'https' } }\n"
        "  return req\n"
        "end\n", FAAS_ORIGIN_REQUEST, &r) == FAAS_ERROR);
    FAAS_CHECK(to_logged(&r, "without faas_origin"));
}


static void
test_body(void)
{
    th_req_t  r;

    /* off: no request.body */

    th_init(&r);
    FAAS_CHECK(to_run(
        "return function(event)\n"
        "  return { status = 200, body =\n"
        "    tostring(event.Records[1].cf.request.body) }\n"
        "end\n", FAAS_VIEWER_REQUEST, &r) == FAAS_DONE);
    FAAS_CHECK_STR(r.body, "nil");

    /* exposed as base64, truncated beyond the size */

    th_init(&r);
    r.body_on = 1;
    r.body_max = 5;
    strcpy(r.req_body, "hello world");
    r.req_body_len = 11;
    FAAS_CHECK(to_run(
        "return function(event)\n"
        "  local b = event.Records[1].cf.request.body\n"
        "  return { status = 200, body = table.concat({\n"
        "    tostring(b.inputTruncated), b.action, b.encoding, b.data,\n"
        "    faas.crypto.base64_decode(b.data) }, ' ') }\n"
        "end\n", FAAS_ORIGIN_REQUEST, &r) == FAAS_DONE);
    FAAS_CHECK_STR(r.body, "true read-only base64 aGVsbG8= hello");

    th_init(&r);
    r.body_on = 1;
    r.body_max = 64;
    strcpy(r.req_body, "a=1");
    r.req_body_len = 3;
    FAAS_CHECK(to_run(
        "return function(event)\n"
        "  local b = event.Records[1].cf.request.body\n"
        "  return { status = 200, body = tostring(b.inputTruncated)\n"
        "    .. ' ' .. faas.crypto.base64_decode(b.data) }\n"
        "end\n", FAAS_CONTENT, &r) == FAAS_DONE);
    FAAS_CHECK_STR(r.body, "false a=1");

    /* read-only changes nothing; replace in text and in base64 */

    th_init(&r);
    r.body_on = 1;
    r.body_max = 64;
    FAAS_CHECK(to_run(
        "return function(event)\n"
        "  local req = event.Records[1].cf.request\n"
        "  req.body.data = 'ignored'\n"
        "  return req\n"
        "end\n", FAAS_VIEWER_REQUEST, &r) == FAAS_OK);
    FAAS_CHECK(r.body_replaced == 0);

    FAAS_CHECK(to_run(
        "return function(event)\n"
        "  local req = event.Records[1].cf.request\n"
        "  req.body.action = 'replace'\n"
        "  req.body.encoding = 'text'\n"
        "  req.body.data = '{\"n\":1}'\n"
        "  return req\n"
        "end\n", FAAS_ORIGIN_REQUEST, &r) == FAAS_OK);
    FAAS_CHECK(r.body_replaced == 1);
    FAAS_CHECK(r.req_body_len == 7 && memcmp(r.req_body, "{\"n\":1}", 7) == 0);

    FAAS_CHECK(to_run(
        "return function(event)\n"
        "  local req = event.Records[1].cf.request\n"
        "  req.body = { action = 'replace', data = 'aGk=' }\n"
        "  return req\n"
        "end\n", FAAS_VIEWER_REQUEST, &r) == FAAS_OK);
    FAAS_CHECK(r.req_body_len == 2 && memcmp(r.req_body, "hi", 2) == 0);

    /* bad replacements */

    FAAS_CHECK(to_run(
        "return function(event)\n"
        "  local req = event.Records[1].cf.request\n"
        "  req.body = { action = 'replace', data = '*not base64*' }\n"
        "  return req\n"
        "end\n", FAAS_VIEWER_REQUEST, &r) == FAAS_ERROR);
    FAAS_CHECK(to_logged(&r, "request.body.data is not valid base64"));

    FAAS_CHECK(to_run(
        "return function(event)\n"
        "  local req = event.Records[1].cf.request\n"
        "  req.body = { action = 'replace', encoding = 'text',\n"
        "    data = string.rep('x', 65) }\n"
        "  return req\n"
        "end\n", FAAS_VIEWER_REQUEST, &r) == FAAS_ERROR);
    FAAS_CHECK(to_logged(&r, "replaced request body of 65 bytes is larger "
                             "than the limit of 64 bytes (faas_body)"));

    FAAS_CHECK(to_run(
        "return function(event)\n"
        "  local req = event.Records[1].cf.request\n"
        "  req.body.action = 'delete'\n"
        "  return req\n"
        "end\n", FAAS_VIEWER_REQUEST, &r) == FAAS_ERROR);
    FAAS_CHECK(to_logged(&r, "action must be \"read-only\" or"));

    th_init(&r);
    FAAS_CHECK(to_run(
        "return function(event)\n"
        "  local req = event.Records[1].cf.request\n"
        "  req.body = { action = 'replace', encoding = 'text', data = 'x' }\n"
        "  return req\n"
        "end\n", FAAS_VIEWER_REQUEST, &r) == FAAS_ERROR);
    FAAS_CHECK(to_logged(&r, "cannot be replaced without faas_body"));
}


static void
test_origin_response(void)
{
    th_req_t  r;

    /* the status and its description may change */

    th_init(&r);
    FAAS_CHECK(to_run(
        "return function(event)\n"
        "  local res = event.Records[1].cf.response\n"
        "  res.status = 404\n"
        "  res.statusDescription = 'Gone Fishing'\n"
        "  return res\n"
        "end\n", FAAS_ORIGIN_RESPONSE, &r) == FAAS_OK);
    FAAS_CHECK_STR(r.fields[FAAS_FIELD_STATUS], "404");
    FAAS_CHECK_STR(r.fields[FAAS_FIELD_STATUS_DESCRIPTION], "Gone Fishing");

    th_init(&r);
    FAAS_CHECK(to_run(
        "return function(event)\n"
        "  local res = event.Records[1].cf.response\n"
        "  res.status = '700'\n"
        "  return res\n"
        "end\n", FAAS_ORIGIN_RESPONSE, &r) == FAAS_ERROR);
    FAAS_CHECK(to_logged(&r, "response.status must be a number from 100 "
                             "to 599, not \"700\""));
    FAAS_CHECK_STR(r.fields[FAAS_FIELD_STATUS], "200");

    FAAS_CHECK(to_run(
        "return function(event)\n"
        "  local res = event.Records[1].cf.response\n"
        "  res.status = 99\n"
        "  return res\n"
        "end\n", FAAS_ORIGIN_RESPONSE, &r) == FAAS_ERROR);
    FAAS_CHECK(to_logged(&r, "not \"99\""));

    FAAS_CHECK(to_run(
        "return function(event)\n"
        "  local res = event.Records[1].cf.response\n"
        "  res.statusDescription = 'OK\\r\\nSet-Cookie: a=1'\n"
        "  return res\n"
        "end\n", FAAS_ORIGIN_RESPONSE, &r) == FAAS_ERROR);
    FAAS_CHECK(to_logged(&r, "statusDescription has a control character"));

    /* headers: CR/LF and invalid names are refused */

    FAAS_CHECK(to_run(
        "return function(event)\n"
        "  local res = event.Records[1].cf.response\n"
        "  res.headers['x-a'] = {{ value = 'a\\nSet-Cookie: a=1' }}\n"
        "  return res\n"
        "end\n", FAAS_ORIGIN_RESPONSE, &r) == FAAS_ERROR);
    FAAS_CHECK(to_logged(&r, "control character"));
    FAAS_CHECK(th_header(&r, FAAS_MSG_RESPONSE, "x-a") == NULL);

    FAAS_CHECK(to_run(
        "return function(event)\n"
        "  local res = event.Records[1].cf.response\n"
        "  res.headers['x a:'] = {{ value = 'v' }}\n"
        "  return res\n"
        "end\n", FAAS_ORIGIN_RESPONSE, &r) == FAAS_ERROR);
    FAAS_CHECK(to_logged(&r, "invalid header name \"x a:\""));

    FAAS_CHECK(to_run(
        "return function(event)\n"
        "  local res = event.Records[1].cf.response\n"
        "  res.headers['content-length'] = {{ value = '1' }}\n"
        "  return res\n"
        "end\n", FAAS_ORIGIN_RESPONSE, &r) == FAAS_ERROR);
    FAAS_CHECK(to_logged(&r, "\"content-length\" is read-only in "
                             "origin-response"));

    /* the body: replaced within the cap, in text or base64 */

    th_init(&r);
    FAAS_CHECK(to_run(
        "return function(event)\n"
        "  local res = event.Records[1].cf.response\n"
        "  res.status = '200'\n"
        "  res.body = 'PGgxPm9rPC9oMT4='\n"
        "  res.bodyEncoding = 'base64'\n"
        "  return res\n"
        "end\n", FAAS_ORIGIN_RESPONSE, &r) == FAAS_OK);
    FAAS_CHECK(r.resp_body_replaced == 1);
    FAAS_CHECK(r.resp_body_len == 11
               && memcmp(r.resp_body, "<h1>ok</h1>", 11) == 0);

    to_body_max = 10;
    th_init(&r);
    FAAS_CHECK(to_run(
        "return function(event)\n"
        "  local res = event.Records[1].cf.response\n"
        "  res.body = '<h1>ok</h1>'\n"
        "  return res\n"
        "end\n", FAAS_ORIGIN_RESPONSE, &r) == FAAS_ERROR);
    FAAS_CHECK(to_logged(&r, "response body of 11 bytes is larger than the"
                             " limit of 10 bytes"));
    FAAS_CHECK(r.resp_body_replaced == 0);

    /* and in a generated response */

    th_init(&r);
    FAAS_CHECK(to_run(
        "return function(event)\n"
        "  return { status = 200, body = '<h1>ok</h1>' }\n"
        "end\n", FAAS_ORIGIN_REQUEST, &r) == FAAS_ERROR);
    FAAS_CHECK(to_logged(&r, "of 11 bytes is larger than the limit of 10"));
    to_body_max = 0;

    /* viewer-response: neither the status nor the body */

    th_init(&r);
    FAAS_CHECK(to_run(
        "return function(event)\n"
        "  local res = event.Records[1].cf.response\n"
        "  res.body = 'x'\n"
        "  return res\n"
        "end\n", FAAS_VIEWER_RESPONSE, &r) == FAAS_ERROR);
    FAAS_CHECK(to_logged(&r, "viewer-response cannot replace the body"));

    /* a body the host exposes, returned as it came, is no change */

    th_init(&r);
    r.resp_body_on = 1;
    strcpy(r.resp_body, "abc");
    r.resp_body_len = 3;
    FAAS_CHECK(to_run(
        "return function(event)\n"
        "  local res = event.Records[1].cf.response\n"
        "  res.headers['x-len'] = {{ value = tostring(#res.body) }}\n"
        "  return res\n"
        "end\n", FAAS_VIEWER_RESPONSE, &r) == FAAS_OK);
    FAAS_CHECK_STR(th_header(&r, FAAS_MSG_RESPONSE, "x-len"), "3");
    FAAS_CHECK(r.resp_body_replaced == 0);

    /* and one it was shown, viewer-response may replace */

    FAAS_CHECK(to_run(
        "return function(event)\n"
        "  local res = event.Records[1].cf.response\n"
        "  res.body = res.body:upper()\n"
        "  return res\n"
        "end\n", FAAS_VIEWER_RESPONSE, &r) == FAAS_OK);
    FAAS_CHECK(r.resp_body_replaced == 1);
    FAAS_CHECK(r.resp_body_len == 3 && memcmp(r.resp_body, "ABC", 3) == 0);
}


static void
test_content(void)
{
    th_req_t  r;

    th_init(&r);
    FAAS_CHECK(to_run(
        "return function(event)\n"
        "  local c = event.Records[1].cf.config\n"
        "  return { status = 201, body = c.eventType,\n"
        "    headers = { ['content-type'] = {{ value = 'text/plain' }} } }\n"
        "end\n", FAAS_CONTENT, &r) == FAAS_DONE);
    FAAS_CHECK(r.status == 201);
    FAAS_CHECK_STR(r.body, "content");

    th_init(&r);
    FAAS_CHECK(to_run("return function(event) end\n", FAAS_CONTENT, &r)
               == FAAS_ERROR);
    FAAS_CHECK(to_logged(&r, "a content function must return a response"));

    th_init(&r);
    FAAS_CHECK(to_run(
        "return function(event)\n"
        "  return event.Records[1].cf.request\n"
        "end\n", FAAS_CONTENT, &r) == FAAS_ERROR);
    FAAS_CHECK(to_logged(&r, "a content function must return a response"));
}


int
main(void)
{
    test_origin_read();
    test_origin_write();
    test_origin_bad();
    test_body();
    test_origin_response();
    test_content();

    return FAAS_TEST_DONE();
}
