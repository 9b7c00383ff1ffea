/*
 * faas-run: runs a function file on one Lambda@Edge event with the
 * runtime nginx uses (same sandbox, limits, faas.kv, faas.geo) and
 * prints the result as JSON; "faas-run --test DIR" runs a directory of
 * cases.  Usage and formats: docs/faas-run.md.
 *
 * Exit codes: 0 success, 1 the function failed (or a --test case did),
 * 2 usage or input error.
 */

#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cache/faas_store.h"
#include "scripting/faas_file.h"
#include "tools/faas-run/faas_run.h"


#define FAAS_RUN_OK       0
#define FAAS_RUN_FAILED   1
#define FAAS_RUN_USAGE    2


typedef struct {
    const char                *name;
    int                        event_set;
    faas_event_e               event;
    const char                *request;
    char                     **headers;         /* -H */
    size_t                     nheaders;
    char                     **resp_headers;    /* -R */
    size_t                     nresp_headers;
    const char                *status;
    const char                *event_file;
    char                      *body;            /* --body, --body-file */
    size_t                     body_len;
    char                      *body_file;       /* read, owned */
    size_t                     body_max;        /* faas_body */
    const char                *response_body;
    size_t                     memory;
    uint64_t                   timeout;         /* microseconds */
    uint64_t                   instructions;
    int                        jit;
    faas_str_t                *env;
    size_t                     nenv;
    const char                *state;
    faas_store_t              *store;
    faas_geo_t                *geo;
    const char                *client_ip;
    const char                *test_dir;
    const char                *function;
} faas_run_opts_t;


static void faas_run_usage(void);
static int faas_run_size(const char *s, size_t *size);
static int faas_run_time(const char *s, uint64_t *usec);
static int faas_run_header_arg(faas_run_req_t *r, faas_msg_e msg,
    const char *arg);
static int faas_run_header_given(faas_run_opts_t *o, const char *name);
static int faas_run_build(faas_run_opts_t *o, faas_run_req_t *r,
    cJSON *event, char *err, size_t errlen);
static int faas_run_case(faas_run_opts_t *o, const char *file,
    faas_run_req_t *r, cJSON *env, faas_fail_e *fail, char *err,
    size_t errlen);
static int faas_run_one(faas_run_opts_t *o, const char *file);
static int faas_run_test(faas_run_opts_t *o);


static const struct {
    unsigned                   status;
    const char                *text;
} faas_run_reasons[] = {
    { 200, "OK" }, { 201, "Created" }, { 204, "No Content" },
    { 301, "Moved Permanently" }, { 302, "Found" },
    { 304, "Not Modified" }, { 400, "Bad Request" },
    { 401, "Unauthorized" }, { 403, "Forbidden" }, { 404, "Not Found" },
    { 500, "Internal Server Error" }, { 502, "Bad Gateway" },
    { 503, "Service Unavailable" }, { 0, NULL }
};


static void
faas_run_usage(void)
{
    fprintf(stderr,
        "usage: faas-run FILE [--event TYPE] [--request 'GET /path?query']\n"
        "                [-H 'Name: value' ...] [-R 'Name: value' ...]\n"
        "                [--status N] [--event-file event.json]\n"
        "                [--body TEXT | --body-file FILE] [--body-max 1m]\n"
        "                [--response-body TEXT]\n"
        "                [--name NAME] [--memory 8m] [--timeout 5ms]\n"
        "                [--instructions N] [--jit on|off]\n"
        "                [--env KEY=VALUE ...] [--state DIR]\n"
        "                [--geoip FILE ...] [--client-ip IP]\n"
        "       faas-run --test DIR [--function FILE] [options]\n"
        "TYPE: viewer-request, origin-request, origin-response,\n"
        "      viewer-response, content\n");
}


/* nginx's size units: 512k, 8m, 1g or bytes */

static int
faas_run_size(const char *s, size_t *size)
{
    char                *end;
    unsigned long long   n;

    n = strtoull(s, &end, 10);

    if (end == s) {
        return FAAS_ERROR;
    }

    switch (*end) {
    case 'k': case 'K': n <<= 10; end++; break;
    case 'm': case 'M': n <<= 20; end++; break;
    case 'g': case 'G': n <<= 30; end++; break;
    }

    if (*end != '\0') {
        return FAAS_ERROR;
    }

    *size = (size_t) n;

    return FAAS_OK;
}


/* nginx's time units for a timeout: 5ms, 1s, 2m; a bare number is s */

static int
faas_run_time(const char *s, uint64_t *usec)
{
    char                *end;
    unsigned long long   n;

    n = strtoull(s, &end, 10);

    if (end == s) {
        return FAAS_ERROR;
    }

    if (strcmp(end, "ms") == 0) {
        n *= 1000;

    } else if (strcmp(end, "s") == 0 || *end == '\0') {
        n *= 1000000;

    } else if (strcmp(end, "m") == 0) {
        n *= 60000000;

    } else {
        return FAAS_ERROR;
    }

    *usec = n;

    return FAAS_OK;
}


/* "Name: value" */

static int
faas_run_header_arg(faas_run_req_t *r, faas_msg_e msg, const char *arg)
{
    char        *key;
    const char  *colon, *value;

    colon = strchr(arg, ':');
    if (colon == NULL || colon == arg) {
        return FAAS_ERROR;
    }

    for (value = colon + 1; *value == ' ' || *value == '\t'; value++) {
        /* void */
    }

    key = faas_run_strndup(arg, colon - arg);
    faas_run_add_header(r, msg, key, value, strlen(value));
    free(key);

    return FAAS_OK;
}


/* 1 when a -H option is the header lname */

static int
faas_run_header_given(faas_run_opts_t *o, const char *lname)
{
    size_t  i, n;

    n = strlen(lname);

    for (i = 0; i < o->nheaders; i++) {
        if (strncasecmp(o->headers[i], lname, n) == 0
            && o->headers[i][n] == ':')
        {
            return 1;
        }
    }

    return 0;
}


/* the event: the event file (if any), then the options over it */

static int
faas_run_build(faas_run_opts_t *o, faas_run_req_t *r, cJSON *event,
    char *err, size_t errlen)
{
    char        *s, *target, *q, len[32];
    size_t       i;
    unsigned     status;
    const char  *sp;

    faas_run_req_init(r, o->event_set ? o->event : FAAS_VIEWER_REQUEST);
    r->body_max = o->body_max;

    if (event
        && faas_run_load_event(r, event, o->event_set, err, errlen)
           != FAAS_OK)
    {
        return FAAS_ERROR;
    }

    if (o->request) {
        sp = strchr(o->request, ' ');
        if (sp) {
            s = faas_run_strndup(o->request, sp - o->request);
            faas_run_set_field(r, FAAS_FIELD_METHOD, s);
            free(s);
            target = faas_run_strndup(sp + 1, strlen(sp + 1));

        } else {
            target = faas_run_strndup(o->request, strlen(o->request));
        }

        if (target[0] != '/') {
            snprintf(err, errlen, "--request: the target must start "
                     "with \"/\": \"%s\"", target);
            free(target);
            return FAAS_ERROR;
        }

        q = strchr(target, '?');
        if (q) {
            *q++ = '\0';
        }

        faas_run_set_field(r, FAAS_FIELD_URI, target);
        faas_run_set_field(r, FAAS_FIELD_QUERYSTRING, q ? q : "");
        free(target);
    }

    /* a request made from options has a Host header, first */

    if (event == NULL && !faas_run_header_given(o, "host")) {
        faas_run_add_header(r, FAAS_MSG_REQUEST, "Host", "localhost", 9);
    }

    for (i = 0; i < o->nheaders; i++) {
        if (faas_run_header_arg(r, FAAS_MSG_REQUEST, o->headers[i])
            != FAAS_OK)
        {
            snprintf(err, errlen, "-H: not \"Name: value\": \"%s\"",
                     o->headers[i]);
            return FAAS_ERROR;
        }
    }

    /* and the Content-Length a client sends with a body */

    if (event == NULL && o->body && !faas_run_header_given(o,
                                                        "content-length"))
    {
        snprintf(len, sizeof(len), "%zu", o->body_len);
        faas_run_add_header(r, FAAS_MSG_REQUEST, "Content-Length", len,
                            strlen(len));
    }

    if (o->body) {
        faas_run_give_body(r, FAAS_MSG_REQUEST, o->body, o->body_len, 0);
    }

    if (o->response_body) {
        if (!r->has_response) {
            snprintf(err, errlen, "--response-body: only for "
                     "origin-response and viewer-response");
            return FAAS_ERROR;
        }

        faas_run_give_body(r, FAAS_MSG_RESPONSE, o->response_body,
                           strlen(o->response_body), 0);
    }

    for (i = 0; i < o->nresp_headers; i++) {
        if (faas_run_header_arg(r, FAAS_MSG_RESPONSE, o->resp_headers[i])
            != FAAS_OK)
        {
            snprintf(err, errlen, "-R: not \"Name: value\": \"%s\"",
                     o->resp_headers[i]);
            return FAAS_ERROR;
        }
    }

    if (o->status) {
        status = (unsigned) atoi(o->status);
        if (status < 100 || status > 599) {
            snprintf(err, errlen, "--status: not 100-599: \"%s\"",
                     o->status);
            return FAAS_ERROR;
        }

        faas_run_set_field(r, FAAS_FIELD_STATUS, o->status);
        faas_run_set_field(r, FAAS_FIELD_STATUS_DESCRIPTION, "");

        for (i = 0; faas_run_reasons[i].text; i++) {
            if (faas_run_reasons[i].status == status) {
                faas_run_set_field(r, FAAS_FIELD_STATUS_DESCRIPTION,
                                   faas_run_reasons[i].text);
            }
        }
    }

    if (o->client_ip) {
        faas_run_set_field(r, FAAS_FIELD_CLIENT_IP, o->client_ip);
    }

    r->geo = o->geo;

    return FAAS_OK;
}


/*
 * Runs file on r: FAAS_RUN_OK, FAAS_RUN_FAILED (the class in *fail,
 * the runtime's log line logged through the host, or the compiler's
 * message in err) or FAAS_RUN_USAGE (err says why).
 */

static int
faas_run_case(faas_run_opts_t *o, const char *file, faas_run_req_t *r,
    cJSON *env, faas_fail_e *fail, char *err, size_t errlen)
{
    int                    rc;
    char                  *name, *p;
    size_t                 i, n;
    cJSON                 *e;
    faas_str_t            *kv;
    faas_call_t            call;
    faas_function_t       *fn;
    faas_function_conf_t   conf;

    *fail = FAAS_FAIL_NONE;

    /* the name: --name, else the file's base name without ".lua" */

    if (o->name) {
        name = faas_run_strndup(o->name, strlen(o->name));

    } else {
        p = strrchr(file, '/');
        p = p ? p + 1 : (char *) file;
        n = strlen(p);
        if (n > 4 && strcmp(p + n - 4, ".lua") == 0) {
            n -= 4;
        }

        name = faas_run_strndup(p, n);
    }

    /* --env, then the case's own "env" object */

    n = 2 * (o->nenv + (size_t) cJSON_GetArraySize(env));
    kv = faas_run_alloc(n * sizeof(faas_str_t));

    for (i = 0; i < 2 * o->nenv; i++) {
        kv[i] = o->env[i];
    }

    cJSON_ArrayForEach(e, env) {
        if (!cJSON_IsString(e)) {
            snprintf(err, errlen, "env \"%s\" is not a string", e->string);
            free(kv);
            free(name);
            return FAAS_RUN_USAGE;
        }

        kv[i].data = e->string;
        kv[i++].len = strlen(e->string);
        kv[i].data = e->valuestring;
        kv[i++].len = strlen(e->valuestring);
    }

    memset(&conf, 0, sizeof(conf));
    conf.name.data = name;
    conf.name.len = strlen(name);
    conf.path = file;
    conf.memory = o->memory;
    conf.timeout = o->timeout;
    conf.instructions = o->instructions;
    conf.jit = o->jit;
    conf.env = kv;
    conf.nenv = i / 2;

    fn = faas_function_create(&conf, err, errlen);

    if (fn == NULL) {
        free(kv);
        free(name);
        *fail = FAAS_FAIL_SYNTAX;
        return FAAS_RUN_FAILED;
    }

    memset(&call, 0, sizeof(call));
    call.fn = fn;
    call.event = r->event;
    call.host = &faas_run_host;
    call.req = r;
    call.store = o->store;

    rc = faas_call(&call);

    faas_function_destroy(fn);
    free(kv);
    free(name);

    if (rc == FAAS_ERROR) {
        *fail = call.fail;
        err[0] = '\0';
        return FAAS_RUN_FAILED;
    }

    if (r->event == FAAS_CONTENT && !r->responded) {
        snprintf(err, errlen, "a content function returned no response");
        *fail = FAAS_FAIL_BAD_RETURN;
        return FAAS_RUN_FAILED;
    }

    return FAAS_RUN_OK;
}


static cJSON *
faas_run_parse_file(const char *path, char *err, size_t errlen)
{
    char    *s;
    size_t   len;
    cJSON   *json;

    s = faas_file_read(path, SIZE_MAX, &len, NULL, err, errlen);
    if (s == NULL) {
        return NULL;
    }

    json = cJSON_Parse(s);
    free(s);

    if (json == NULL) {
        snprintf(err, errlen, "\"%s\" is not valid JSON", path);
    }

    return json;
}


static int
faas_run_one(faas_run_opts_t *o, const char *file)
{
    int              rc;
    char            *out, err[1024];
    cJSON           *event, *result;
    faas_fail_e      fail;
    faas_run_req_t   r;

    event = NULL;

    if (o->event_file) {
        event = faas_run_parse_file(o->event_file, err, sizeof(err));
        if (event == NULL) {
            fprintf(stderr, "faas-run: %s\n", err);
            return FAAS_RUN_USAGE;
        }
    }

    memset(&r, 0, sizeof(r));

    if (faas_run_build(o, &r, event, err, sizeof(err)) != FAAS_OK) {
        fprintf(stderr, "faas-run: %s%s\n", o->event_file ? "event file: "
                : "", err);
        faas_run_req_free(&r);
        cJSON_Delete(event);
        return FAAS_RUN_USAGE;
    }

    rc = faas_run_case(o, file, &r, NULL, &fail, err, sizeof(err));

    if (rc == FAAS_RUN_OK) {
        result = faas_run_result(&r);
        out = faas_run_print(result);
        fputs(out, stdout);
        free(out);
        cJSON_Delete(result);

    } else if (err[0]) {
        fprintf(stderr, "faas-run: %s (%s)\n", err, faas_fail_name(fail));
    }

    faas_run_req_free(&r);
    cJSON_Delete(event);

    return rc;
}


static int
faas_run_select(const struct dirent *d)
{
    size_t  n;

    n = strlen(d->d_name);

    return n > 11 && strcmp(d->d_name + n - 11, ".event.json") == 0;
}


/*
 * --test DIR: NAME.event.json with NAME.expected.json next to it; the
 * function is the event file's "function" (relative to DIR), else
 * --function.  A failing function's result is {"error": "CLASS"}.
 */

static int
faas_run_test(faas_run_opts_t *o)
{
    int               i, n, rc, passed, failed;
    char              path[4096], func[4096], err[1024], diff[512];
    char              where[512], *file;
    cJSON            *event, *want, *got, *f, *env;
    faas_fail_e       fail;
    faas_run_req_t    r;
    struct dirent   **list;

    n = scandir(o->test_dir, &list, faas_run_select, alphasort);
    if (n < 0) {
        fprintf(stderr, "faas-run: cannot read directory \"%s\"\n",
                o->test_dir);
        return FAAS_RUN_USAGE;
    }

    if (n == 0) {
        fprintf(stderr, "faas-run: no *.event.json in \"%s\"\n",
                o->test_dir);
        free(list);
        return FAAS_RUN_USAGE;
    }

    passed = 0;
    failed = 0;

    for (i = 0; i < n; i++) {
        event = NULL;
        want = NULL;
        got = NULL;
        memset(&r, 0, sizeof(r));
        r.quiet = 1;

        snprintf(path, sizeof(path), "%s/%s", o->test_dir, list[i]->d_name);
        list[i]->d_name[strlen(list[i]->d_name) - 11] = '\0';

        event = faas_run_parse_file(path, err, sizeof(err));
        if (event == NULL) {
            goto fail;
        }

        snprintf(path, sizeof(path), "%s/%s.expected.json", o->test_dir,
                 list[i]->d_name);
        want = faas_run_parse_file(path, err, sizeof(err));
        if (want == NULL) {
            goto fail;
        }

        f = cJSON_GetObjectItemCaseSensitive(event, "function");
        if (cJSON_IsString(f)) {
            snprintf(func, sizeof(func), "%s%s%s",
                     f->valuestring[0] == '/' ? "" : o->test_dir,
                     f->valuestring[0] == '/' ? "" : "/", f->valuestring);
            file = func;

        } else if (o->function) {
            file = (char *) o->function;

        } else {
            snprintf(err, sizeof(err), "no \"function\" in the event file "
                     "and no --function");
            goto fail;
        }

        env = cJSON_GetObjectItemCaseSensitive(event, "env");

        if (faas_run_build(o, &r, event, err, sizeof(err)) != FAAS_OK) {
            goto fail;
        }

        r.quiet = 1;

        rc = faas_run_case(o, file, &r, env, &fail, err, sizeof(err));
        if (rc == FAAS_RUN_USAGE) {
            goto fail;
        }

        if (rc == FAAS_RUN_OK) {
            got = faas_run_result(&r);

        } else {
            got = cJSON_CreateObject();
            cJSON_AddStringToObject(got, "error", faas_fail_name(fail));
        }

        where[0] = '\0';

        if (faas_run_compare(got, want, where, sizeof(where), diff,
                             sizeof(diff))
            == FAAS_OK)
        {
            printf("ok %s\n", list[i]->d_name);
            passed++;
            goto next;
        }

        printf("FAIL %s: %s\n", list[i]->d_name, diff);

        if (rc == FAAS_RUN_FAILED && err[0]) {
            printf("    %s\n", err);
        }

        if (r.log) {
            printf("    %s", r.log);
        }

        failed++;
        goto next;

    fail:

        printf("FAIL %s: %s\n", list[i]->d_name, err);
        failed++;

    next:

        cJSON_Delete(event);
        cJSON_Delete(want);
        cJSON_Delete(got);
        faas_run_req_free(&r);
        free(list[i]);
    }

    free(list);

    printf("%d passed, %d failed\n", passed, failed);

    return failed ? FAAS_RUN_FAILED : FAAS_RUN_OK;
}


enum {
    FAAS_RUN_OPT_EVENT = 256,
    FAAS_RUN_OPT_REQUEST,
    FAAS_RUN_OPT_STATUS,
    FAAS_RUN_OPT_EVENT_FILE,
    FAAS_RUN_OPT_BODY,
    FAAS_RUN_OPT_BODY_FILE,
    FAAS_RUN_OPT_BODY_MAX,
    FAAS_RUN_OPT_RESPONSE_BODY,
    FAAS_RUN_OPT_NAME,
    FAAS_RUN_OPT_MEMORY,
    FAAS_RUN_OPT_TIMEOUT,
    FAAS_RUN_OPT_INSTRUCTIONS,
    FAAS_RUN_OPT_JIT,
    FAAS_RUN_OPT_ENV,
    FAAS_RUN_OPT_STATE,
    FAAS_RUN_OPT_GEOIP,
    FAAS_RUN_OPT_CLIENT_IP,
    FAAS_RUN_OPT_TEST,
    FAAS_RUN_OPT_FUNCTION
};


static const struct option  faas_run_options[] = {
    { "event", required_argument, NULL, FAAS_RUN_OPT_EVENT },
    { "request", required_argument, NULL, FAAS_RUN_OPT_REQUEST },
    { "header", required_argument, NULL, 'H' },
    { "response-header", required_argument, NULL, 'R' },
    { "status", required_argument, NULL, FAAS_RUN_OPT_STATUS },
    { "event-file", required_argument, NULL, FAAS_RUN_OPT_EVENT_FILE },
    { "body", required_argument, NULL, FAAS_RUN_OPT_BODY },
    { "body-file", required_argument, NULL, FAAS_RUN_OPT_BODY_FILE },
    { "body-max", required_argument, NULL, FAAS_RUN_OPT_BODY_MAX },
    { "response-body", required_argument, NULL,
      FAAS_RUN_OPT_RESPONSE_BODY },
    { "name", required_argument, NULL, FAAS_RUN_OPT_NAME },
    { "memory", required_argument, NULL, FAAS_RUN_OPT_MEMORY },
    { "timeout", required_argument, NULL, FAAS_RUN_OPT_TIMEOUT },
    { "instructions", required_argument, NULL, FAAS_RUN_OPT_INSTRUCTIONS },
    { "jit", required_argument, NULL, FAAS_RUN_OPT_JIT },
    { "env", required_argument, NULL, FAAS_RUN_OPT_ENV },
    { "state", required_argument, NULL, FAAS_RUN_OPT_STATE },
    { "geoip", required_argument, NULL, FAAS_RUN_OPT_GEOIP },
    { "client-ip", required_argument, NULL, FAAS_RUN_OPT_CLIENT_IP },
    { "test", required_argument, NULL, FAAS_RUN_OPT_TEST },
    { "function", required_argument, NULL, FAAS_RUN_OPT_FUNCTION },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
};


int
main(int argc, char **argv)
{
    int                 c, rc, mem;
    char               *eq, *end, err[FAAS_STORE_ERRLEN];
    size_t             *size;
    faas_run_opts_t     o;
    faas_store_conf_t   sc;

    memset(&o, 0, sizeof(o));
    o.memory = 8 * 1024 * 1024;
    o.timeout = 5000;
    o.body_max = 1024 * 1024;
    o.headers = faas_run_alloc(argc * sizeof(char *));
    o.resp_headers = faas_run_alloc(argc * sizeof(char *));
    o.env = faas_run_alloc(2 * argc * sizeof(faas_str_t));

    while ((c = getopt_long(argc, argv, "H:R:h", faas_run_options, NULL))
           != -1)
    {
        switch (c) {

        case FAAS_RUN_OPT_EVENT:
            if (faas_run_event_type(optarg, &o.event) != FAAS_OK) {
                fprintf(stderr, "faas-run: unknown event \"%s\"\n", optarg);
                return FAAS_RUN_USAGE;
            }

            o.event_set = 1;
            break;

        case FAAS_RUN_OPT_REQUEST:
            o.request = optarg;
            break;

        case 'H':
            o.headers[o.nheaders++] = optarg;
            break;

        case 'R':
            o.resp_headers[o.nresp_headers++] = optarg;
            break;

        case FAAS_RUN_OPT_STATUS:
            o.status = optarg;
            break;

        case FAAS_RUN_OPT_EVENT_FILE:
            o.event_file = optarg;
            break;

        case FAAS_RUN_OPT_BODY:
        case FAAS_RUN_OPT_BODY_FILE:
            if (o.body) {
                fprintf(stderr, "faas-run: one --body or --body-file\n");
                return FAAS_RUN_USAGE;
            }

            if (c == FAAS_RUN_OPT_BODY) {
                o.body = optarg;
                o.body_len = strlen(optarg);
                break;
            }

            o.body_file = faas_file_read(optarg, SIZE_MAX, &o.body_len, NULL,
                                         err, sizeof(err));
            if (o.body_file == NULL) {
                fprintf(stderr, "faas-run: --body-file: %s\n", err);
                return FAAS_RUN_USAGE;
            }

            o.body = o.body_file;
            break;

        case FAAS_RUN_OPT_RESPONSE_BODY:
            o.response_body = optarg;
            break;

        case FAAS_RUN_OPT_NAME:
            if (optarg[0] == '\0') {
                fprintf(stderr, "faas-run: --name must not be empty\n");
                return FAAS_RUN_USAGE;
            }

            o.name = optarg;
            break;

        case FAAS_RUN_OPT_MEMORY:
        case FAAS_RUN_OPT_BODY_MAX:

            /* a state needs 64k; a body cap of 0 would be faas_body off */

            mem = (c == FAAS_RUN_OPT_MEMORY);
            size = mem ? &o.memory : &o.body_max;

            if (faas_run_size(optarg, size) != FAAS_OK
                || *size < (mem ? 64 * 1024 : 1))
            {
                fprintf(stderr, "faas-run: invalid --%s \"%s\" (a size, "
                        "at least %s)\n", mem ? "memory" : "body-max",
                        optarg, mem ? "64k" : "1");
                return FAAS_RUN_USAGE;
            }

            break;

        case FAAS_RUN_OPT_TIMEOUT:
            if (faas_run_time(optarg, &o.timeout) != FAAS_OK
                || o.timeout == 0)
            {
                fprintf(stderr, "faas-run: invalid --timeout \"%s\" "
                        "(5ms, 1s)\n", optarg);
                return FAAS_RUN_USAGE;
            }

            break;

        case FAAS_RUN_OPT_INSTRUCTIONS:
            o.instructions = strtoull(optarg, &end, 10);
            if (end == optarg || *end != '\0') {
                fprintf(stderr, "faas-run: invalid --instructions "
                        "\"%s\"\n", optarg);
                return FAAS_RUN_USAGE;
            }

            break;

        case FAAS_RUN_OPT_JIT:
            if (strcmp(optarg, "on") != 0 && strcmp(optarg, "off") != 0) {
                fprintf(stderr, "faas-run: --jit on|off\n");
                return FAAS_RUN_USAGE;
            }

            o.jit = strcmp(optarg, "on") == 0;
            break;

        case FAAS_RUN_OPT_ENV:
            eq = strchr(optarg, '=');
            if (eq == NULL || eq == optarg) {
                fprintf(stderr, "faas-run: --env KEY=VALUE, not \"%s\"\n",
                        optarg);
                return FAAS_RUN_USAGE;
            }

            o.env[2 * o.nenv].data = optarg;
            o.env[2 * o.nenv].len = eq - optarg;
            o.env[2 * o.nenv + 1].data = eq + 1;
            o.env[2 * o.nenv + 1].len = strlen(eq + 1);
            o.nenv++;
            break;

        case FAAS_RUN_OPT_STATE:
            o.state = optarg;
            break;

        case FAAS_RUN_OPT_GEOIP:
            if (o.geo == NULL) {
                o.geo = faas_geo_create();
                if (o.geo == NULL) {
                    fprintf(stderr, "faas-run: out of memory\n");
                    return FAAS_RUN_USAGE;
                }
            }

            if (faas_geo_open(o.geo, optarg, err, sizeof(err)) != FAAS_OK) {
                fprintf(stderr, "faas-run: %s\n", err);
                return FAAS_RUN_USAGE;
            }

            break;

        case FAAS_RUN_OPT_CLIENT_IP:
            o.client_ip = optarg;
            break;

        case FAAS_RUN_OPT_TEST:
            o.test_dir = optarg;
            break;

        case FAAS_RUN_OPT_FUNCTION:
            o.function = optarg;
            break;

        case 'h':
            faas_run_usage();
            return FAAS_RUN_OK;

        default:
            faas_run_usage();
            return FAAS_RUN_USAGE;
        }
    }

    if (o.test_dir == NULL && optind != argc - 1) {
        faas_run_usage();
        return FAAS_RUN_USAGE;
    }

    if (o.test_dir && optind != argc) {
        fprintf(stderr, "faas-run: --test takes no FILE: use --function\n");
        return FAAS_RUN_USAGE;
    }

    if (o.state) {
        faas_store_conf_init(&sc, o.state);
        sc.map_size = 64 * 1024 * 1024;

        if (faas_store_open(&sc, &o.store, err, sizeof(err))
            != FAAS_STORE_OK)
        {
            fprintf(stderr, "faas-run: --state: %s\n", err);
            return FAAS_RUN_USAGE;
        }
    }

    rc = o.test_dir ? faas_run_test(&o) : faas_run_one(&o, argv[optind]);

    faas_store_close(o.store);
    faas_geo_close(o.geo);
    free(o.body_file);
    free(o.headers);
    free(o.resp_headers);
    free(o.env);

    return rc;
}
