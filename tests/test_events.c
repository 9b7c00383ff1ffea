/*
 * The documented AWS example events (tests/data/events/NAME.json, from the
 * Lambda@Edge event structure page) fed through the event builder: the
 * in-memory host is loaded from each fixture, and a handler compares the
 * event it receives with the fixture field by field.  The one documented
 * difference: config.distributionId is "ngx_faas" (nginx has no
 * distribution id).  Returning nothing must write nothing back.
 */

#include <stdlib.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "faas_test.h"
#include "test_host.h"
#include "scripting/faas_file.h"


static const char  *te_compare =
    "local want = faas.json.decode(FIXTURE)\n"
    "local function cmp(got, exp, path)\n"
    "  if type(exp) == 'table' then\n"
    "    if type(got) ~= 'table' then\n"
    "      error(path .. ': got ' .. type(got) .. ', want a table', 0)\n"
    "    end\n"
    "    if #exp > 0 and #got ~= #exp then\n"
    "      error(path .. ': got ' .. #got .. ' entries, want ' .. #exp, 0)\n"
    "    end\n"
    "    for k, v in pairs(exp) do\n"
    "      cmp(got[k], v, path .. '.' .. tostring(k))\n"
    "    end\n"
    "  elseif got ~= exp then\n"
    "    error(path .. ': got ' .. tostring(got) .. ', want '\n"
    "          .. tostring(exp), 0)\n"
    "  end\n"
    "end\n"
    "return function(event)\n"
    "  local cf = want.Records[1].cf\n"
    "  cf.config.distributionId = 'ngx_faas'\n"
    "  cmp(event, want, 'event')\n"
    "  local got = event.Records[1].cf\n"
    "  if got.request.body ~= nil then error('request.body', 0) end\n"
    "  if not cf.response and got.response ~= nil then\n"
    "    error('response in a request event', 0)\n"
    "  end\n"
    "  if not cf.request.origin and got.request.origin ~= nil then\n"
    "    error('request.origin in ' .. cf.config.eventType, 0)\n"
    "  end\n"
    "end\n";


static char *
te_read(const char *path)
{
    char    err[256];
    size_t  len;
    char   *s;

    s = faas_file_read(path, SIZE_MAX, &len, NULL, err, sizeof(err));
    if (s == NULL) {
        fprintf(stderr, "%s\n", err);
    }

    return s;
}


static void
te_field(th_req_t *r, faas_field_e field, cJSON *o, const char *name)
{
    cJSON  *v;

    v = cJSON_GetObjectItemCaseSensitive(o, name);
    if (cJSON_IsString(v)) {
        snprintf(r->fields[field], sizeof(r->fields[field]), "%s",
                 v->valuestring);
    }
}


static void
te_headers(th_req_t *r, faas_msg_e m, cJSON *headers)
{
    cJSON       *name, *e, *k, *v;

    r->nhdrs[m] = 0;

    cJSON_ArrayForEach(name, headers) {
        cJSON_ArrayForEach(e, name) {
            k = cJSON_GetObjectItemCaseSensitive(e, "key");
            v = cJSON_GetObjectItemCaseSensitive(e, "value");
            th_add(r, m, name->string, k->valuestring, v->valuestring,
                   strlen(v->valuestring));
        }
    }
}


static void
te_origin(th_req_t *r, cJSON *custom)
{
    cJSON  *v;

    th_origin_init(r, cJSON_GetObjectItem(custom, "domainName")
                      ->valuestring);

    snprintf(r->origin_protocol, sizeof(r->origin_protocol), "%s",
             cJSON_GetObjectItem(custom, "protocol")->valuestring);
    snprintf(r->origin_path, sizeof(r->origin_path), "%s",
             cJSON_GetObjectItem(custom, "path")->valuestring);
    r->origin_port = cJSON_GetObjectItem(custom, "port")->valueint;
    r->origin_read_timeout = cJSON_GetObjectItem(custom, "readTimeout")
                             ->valueint;
    r->origin_keepalive_timeout = cJSON_GetObjectItem(custom,
                                      "keepaliveTimeout")->valueint;
    r->origin_ssl = 0;

    cJSON_ArrayForEach(v, cJSON_GetObjectItem(custom, "sslProtocols")) {
        r->origin_ssl |= strcmp(v->valuestring, "SSLv3") == 0
                         ? FAAS_SSL_SSLV3
                         : strcmp(v->valuestring, "TLSv1") == 0
                         ? FAAS_SSL_TLSV1
                         : strcmp(v->valuestring, "TLSv1.1") == 0
                         ? FAAS_SSL_TLSV1_1 : FAAS_SSL_TLSV1_2;
    }
}


/* the host's request (and response) as the fixture describes them */

static faas_event_e
te_load(th_req_t *r, cJSON *fixture)
{
    int            i;
    cJSON         *cf, *config, *req, *resp, *origin;
    const char    *type;
    faas_event_e   event;

    th_init(r);

    cf = cJSON_GetObjectItem(cJSON_GetArrayItem(
             cJSON_GetObjectItem(fixture, "Records"), 0), "cf");
    config = cJSON_GetObjectItem(cf, "config");
    req = cJSON_GetObjectItem(cf, "request");
    resp = cJSON_GetObjectItem(cf, "response");

    te_field(r, FAAS_FIELD_REQUEST_ID, config, "requestId");
    te_field(r, FAAS_FIELD_SERVER_NAME, config, "distributionDomainName");

    te_field(r, FAAS_FIELD_CLIENT_IP, req, "clientIp");
    te_field(r, FAAS_FIELD_METHOD, req, "method");
    te_field(r, FAAS_FIELD_URI, req, "uri");
    te_field(r, FAAS_FIELD_QUERYSTRING, req, "querystring");
    te_headers(r, FAAS_MSG_REQUEST, cJSON_GetObjectItem(req, "headers"));

    origin = cJSON_GetObjectItem(req, "origin");
    if (origin) {
        te_origin(r, cJSON_GetObjectItem(origin, "custom"));
    }

    r->nhdrs[FAAS_MSG_RESPONSE] = 0;

    if (resp) {
        te_field(r, FAAS_FIELD_STATUS, resp, "status");
        te_field(r, FAAS_FIELD_STATUS_DESCRIPTION, resp,
                 "statusDescription");
        te_headers(r, FAAS_MSG_RESPONSE,
                   cJSON_GetObjectItem(resp, "headers"));
    }

    type = cJSON_GetObjectItem(config, "eventType")->valuestring;
    event = FAAS_EVENT_MAX;

    for (i = 0; i < FAAS_EVENT_MAX; i++) {
        if (strcmp(faas_event_name((faas_event_e) i), type) == 0) {
            event = (faas_event_e) i;
        }
    }

    return event;
}


static void
te_fixture(const char *name)
{
    int               rc;
    char              path[256], err[512], *json, *src;
    size_t            len;
    cJSON            *fixture;
    th_req_t          r, before;
    faas_call_t       call;
    faas_event_e      event;
    faas_function_t  *fn;
    faas_function_conf_t  conf;

    snprintf(path, sizeof(path), "data/events/%s.json", name);

    json = te_read(path);
    FAAS_CHECK(json != NULL);
    if (json == NULL) {
        return;
    }

    fixture = cJSON_Parse(json);
    FAAS_CHECK(fixture != NULL);

    event = te_load(&r, fixture);
    FAAS_CHECK(event != FAAS_EVENT_MAX);

    /* the handler embeds the fixture */

    len = strlen(json) + strlen(te_compare) + 64;
    src = malloc(len);
    snprintf(src, len, "local FIXTURE = [==[%s]==]\n%s", json, te_compare);

    memset(&conf, 0, sizeof(conf));
    conf.memory = 4 * 1024 * 1024;
    conf.timeout = 1000000;

    fn = th_function("tmp", name, src, &conf, err, sizeof(err));
    FAAS_CHECK(fn != NULL);

    before = r;

    memset(&call, 0, sizeof(call));
    call.fn = fn;
    call.event = event;
    call.host = &th_host;
    call.req = &r;

    rc = faas_call(&call);

    if (rc != FAAS_OK) {
        fprintf(stderr, "%s: %s", name, r.log);
    }

    FAAS_CHECK(rc == FAAS_OK);

    /* an event read and returned as nil writes nothing back */

    FAAS_CHECK(memcmp(r.fields, before.fields, sizeof(r.fields)) == 0);
    FAAS_CHECK(memcmp(r.hdrs, before.hdrs, sizeof(r.hdrs)) == 0);
    FAAS_CHECK(r.origin_set == 0 && r.body_replaced == 0);
    FAAS_CHECK(!r.responded);

    faas_function_destroy(fn);
    cJSON_Delete(fixture);
    free(src);
    free(json);
}


/* the same events returned unchanged by a handler: no write-back */

static void
te_unchanged(const char *name)
{
    int               rc;
    char              path[256], err[512], *json;
    cJSON            *fixture;
    th_req_t          r, before;
    faas_call_t       call;
    faas_event_e      event;
    faas_function_t  *fn;
    faas_function_conf_t  conf;

    snprintf(path, sizeof(path), "data/events/%s.json", name);
    json = te_read(path);
    fixture = cJSON_Parse(json);
    event = te_load(&r, fixture);

    memset(&conf, 0, sizeof(conf));
    conf.memory = 4 * 1024 * 1024;
    conf.timeout = 1000000;

    fn = th_function("tmp", name,
                     "return function(event)\n"
                     "  local cf = event.Records[1].cf\n"
                     "  local t = cf.response or cf.request\n"
                     "  local _ = cf.request.headers, cf.request.origin,\n"
                     "            t.headers, t.status, t.statusDescription\n"
                     "  return t\n"
                     "end\n", &conf, err, sizeof(err));
    FAAS_CHECK(fn != NULL);

    before = r;

    memset(&call, 0, sizeof(call));
    call.fn = fn;
    call.event = event;
    call.host = &th_host;
    call.req = &r;

    rc = faas_call(&call);
    if (rc != FAAS_OK) {
        fprintf(stderr, "%s: %s", name, r.log);
    }

    FAAS_CHECK(rc == FAAS_OK);
    FAAS_CHECK(memcmp(r.fields, before.fields, sizeof(r.fields)) == 0);
    FAAS_CHECK(memcmp(r.hdrs, before.hdrs, sizeof(r.hdrs)) == 0);
    FAAS_CHECK(r.origin_set == 0);

    faas_function_destroy(fn);
    cJSON_Delete(fixture);
    free(json);
}


int
main(void)
{
    static const char  *names[] = {
        "viewer-request", "origin-request", "origin-response",
        "viewer-response", NULL
    };

    const char  **n;

    for (n = names; *n; n++) {
        te_fixture(*n);
        te_unchanged(*n);
    }

    return FAAS_TEST_DONE();
}
