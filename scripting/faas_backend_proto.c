/*
 * The three protocols of the regional tier (SPEC section 8): the request
 * of one attempt, and what an answer means.
 *
 *   openwhisk  POST {location}/api/v1/namespaces/{ns}/actions/{action}
 *              ?blocking=true&result=true, Basic auth.  200: the result;
 *              202: the activation outlived the blocking wait (a
 *              timeout); 502 with {"error": ...}: the action failed.
 *   lambda     POST {location}/2015-03-31/functions/{name}/invocations,
 *              SigV4 over the bytes sent.  X-Amz-Function-Error: the
 *              function failed, even under 200.
 *   http       POST {location}/{action}, JSON, an optional bearer token.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "faas_state.h"
#include "faas_backend_int.h"


#define FAAS_PROTO_HEADERS  6


static size_t faas_proto_path(faas_backend_t *b, faas_str_t *action,
    char *out);
static void faas_proto_header(faas_backend_request_t *req, const char *lname,
    const char *name, const char *value, size_t len);
static faas_str_t *faas_proto_find(faas_backend_response_t *resp,
    const char *lname);
static uint64_t faas_proto_seconds(faas_str_t *v);
static int faas_proto_json(faas_str_t *body, int object);
static void faas_proto_error_text(faas_backend_response_t *resp,
    const char *what, const char *field, const char *field2, char *out,
    size_t size);


int
faas_action_valid(faas_proto_e protocol, faas_str_t *action)
{
    size_t          i, seg;
    unsigned char   c;

    if (action->len == 0 || action->len > FAAS_INVOKE_MAX_ACTION) {
        return 0;
    }

    seg = 0;

    for (i = 0; i <= action->len; i++) {
        c = (i < action->len) ? (unsigned char) action->data[i] : '/';

        if (c == '/') {

            /* no empty, "." or ".." segment: the path stays in location */

            if (protocol == FAAS_PROTO_LAMBDA || seg == i
                || (i - seg == 1 && action->data[seg] == '.')
                || (i - seg == 2 && action->data[seg] == '.'
                    && action->data[seg + 1] == '.'))
            {
                return i == action->len && protocol == FAAS_PROTO_LAMBDA
                       && seg != i;
            }

            seg = i + 1;
            continue;
        }

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
            || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'
            || (c == ':' && protocol == FAAS_PROTO_LAMBDA)
            || (c == '@' && protocol == FAAS_PROTO_OPENWHISK))
        {
            continue;
        }

        return 0;
    }

    return 1;
}


int
faas_proto_request(faas_backend_t *b, faas_str_t *action,
    faas_str_t *payload, faas_backend_request_t *req, void **mem)
{
    char              *p, *uri, *host, *authz;
    size_t             size, n;
    char               amz_date[17];
    faas_header_t      ct;
    faas_sigv4_req_t   sr;

    /* the path, then room for the headers lambda signs */

    size = b->conf.location.len + b->conf.ns.len + action->len * 3 + 128
           + FAAS_PROTO_HEADERS * sizeof(faas_header_t)
           + b->conf.host.len + b->conf.region.len + 64 + 512
           + b->aws.token.len;

    p = malloc(size);
    if (p == NULL) {
        return FAAS_ERROR;
    }

    *mem = p;
    memset(req, 0, sizeof(faas_backend_request_t));

    req->headers = (faas_header_t *) p;
    p += FAAS_PROTO_HEADERS * sizeof(faas_header_t);

    uri = p;
    n = faas_proto_path(b, action, uri);
    req->uri.data = uri;
    req->uri.len = n;
    p += n;

    req->body = *payload;

    faas_proto_header(req, "content-type", "Content-Type",
                      "application/json", 16);

    switch (b->conf.protocol) {

    case FAAS_PROTO_OPENWHISK:
        req->args.data = "blocking=true&result=true";
        req->args.len = sizeof("blocking=true&result=true") - 1;
        faas_proto_header(req, "authorization", "Authorization", b->auth,
                          b->auth_len);
        return FAAS_OK;

    case FAAS_PROTO_HTTP:
        if (b->auth) {
            faas_proto_header(req, "authorization", "Authorization", b->auth,
                          b->auth_len);
        }

        return FAAS_OK;

    default: /* FAAS_PROTO_LAMBDA */
        break;
    }

    host = p;

    if (b->conf.host.len) {
        p += sprintf(p, "%.*s", (int) b->conf.host.len, b->conf.host.data);

    } else {
        p += sprintf(p, "lambda.%.*s.amazonaws.com",
                     (int) b->conf.region.len, b->conf.region.data);
    }

    faas_proto_header(req, "host", "Host", host, p - host);

    ct = req->headers[0];

    memset(&sr, 0, sizeof(faas_sigv4_req_t));
    sr.method.data = "POST";
    sr.method.len = 4;
    sr.host.data = host;
    sr.host.len = p - host;

    /* the path as the backend gets it: without the internal location */
    sr.path.data = uri + b->conf.location.len;
    sr.path.len = n - b->conf.location.len;
    sr.headers = &ct;
    sr.nheaders = 1;
    sr.body = *payload;
    sr.region = b->conf.region;
    sr.service.data = "lambda";
    sr.service.len = 6;
    sr.now = time(NULL);

    authz = ++p;

    if (faas_sigv4_sign(&sr, &b->aws, &b->sigkey, authz, 512, amz_date)
        != 0)
    {
        return FAAS_ERROR;
    }

    p += strlen(authz);
    faas_proto_header(req, "authorization", "Authorization", authz, p - authz);

    memcpy(++p, amz_date, 16);
    faas_proto_header(req, "x-amz-date", "X-Amz-Date", p, 16);

    if (b->aws.token.len) {
        faas_proto_header(req, "x-amz-security-token",
                          "X-Amz-Security-Token", b->aws.token.data,
                          b->aws.token.len);
    }

    return FAAS_OK;
}


/* location + the protocol's path; lambda's name percent-encoded */

static size_t
faas_proto_path(faas_backend_t *b, faas_str_t *action, char *out)
{
    char          *p;
    size_t         i;
    unsigned char  c;

    p = out;
    memcpy(p, b->conf.location.data, b->conf.location.len);
    p += b->conf.location.len;

    switch (b->conf.protocol) {

    case FAAS_PROTO_OPENWHISK:
        p += sprintf(p, "/api/v1/namespaces/%.*s/actions/%.*s",
                     (int) b->conf.ns.len, b->conf.ns.data,
                     (int) action->len, action->data);
        break;

    case FAAS_PROTO_LAMBDA:
        p += sprintf(p, "/2015-03-31/functions/");

        for (i = 0; i < action->len; i++) {
            c = (unsigned char) action->data[i];

            if (c == ':') {
                p += sprintf(p, "%%3A");

            } else {
                *p++ = c;
            }
        }

        p += sprintf(p, "/invocations");
        break;

    default:
        p += sprintf(p, "/%.*s", (int) action->len, action->data);
    }

    return p - out;
}


static void
faas_proto_header(faas_backend_request_t *req, const char *lname,
    const char *name, const char *value, size_t len)
{
    faas_header_t  *h;

    h = &req->headers[req->nheaders++];

    h->key.data = name;
    h->key.len = strlen(name);
    h->lname.data = lname;
    h->lname.len = h->key.len;
    h->value.data = value;
    h->value.len = len;
}


void
faas_proto_answer(faas_backend_t *b, faas_backend_response_t *resp,
    faas_answer_t *a)
{
    unsigned      status;
    faas_str_t   *v;
    const char   *proto;

    status = resp->status;
    proto = (b->conf.protocol == FAAS_PROTO_OPENWHISK) ? "openwhisk"
            : (b->conf.protocol == FAAS_PROTO_LAMBDA) ? "lambda" : "http";

    a->healthy = 1;

    if (status == 429) {
        a->err = FAAS_INVOKE_E_THROTTLED;
        a->retry = 1;

        v = faas_proto_find(resp, "retry-after");
        a->retry_after = v ? faas_proto_seconds(v) * 1000000 : 0;

        snprintf(a->msg, sizeof(a->msg), "throttled: backend \"%.*s\" "
                 "answered 429 Too Many Requests%s%.*s",
                 (int) b->conf.name.len, b->conf.name.data,
                 v ? ", Retry-After: " : "", v ? (int) v->len : 0,
                 v ? v->data : "");
        return;
    }

    if (b->conf.protocol == FAAS_PROTO_LAMBDA
        && (v = faas_proto_find(resp, "x-amz-function-error")) != NULL)
    {
        a->err = FAAS_INVOKE_E_FUNCTION;
        faas_proto_error_text(resp, "function error", "errorType",
                              "errorMessage", a->msg, sizeof(a->msg));
        return;
    }

    if (b->conf.protocol == FAAS_PROTO_OPENWHISK && status == 202) {
        a->err = FAAS_INVOKE_E_TIMEOUT;
        faas_proto_error_text(resp, "timeout: the activation outlived "
                              "the blocking wait", "activationId", NULL,
                              a->msg, sizeof(a->msg));
        return;
    }

    if (status >= 200 && status < 300) {
        if (!faas_proto_json(&resp->body,
                             b->conf.protocol == FAAS_PROTO_OPENWHISK))
        {
            a->err = FAAS_INVOKE_E_INVALID;
            snprintf(a->msg, sizeof(a->msg), "invalid answer: %s backend "
                     "\"%.*s\" answered %u with a body that is not %s",
                     proto, (int) b->conf.name.len, b->conf.name.data,
                     status,
                     b->conf.protocol == FAAS_PROTO_OPENWHISK
                     ? "a JSON object" : "JSON");
            return;
        }

        a->result = resp->body;
        return;
    }

    if (b->conf.protocol == FAAS_PROTO_OPENWHISK && status == 502
        && faas_proto_json(&resp->body, 1))
    {
        a->err = FAAS_INVOKE_E_FUNCTION;
        faas_proto_error_text(resp, "function error", "error", NULL,
                              a->msg, sizeof(a->msg));
        return;
    }

    if (status == 502 || status == 503 || status == 504) {
        a->err = FAAS_INVOKE_E_UNREACHABLE;
        a->retry = 1;
        a->healthy = 0;
        snprintf(a->msg, sizeof(a->msg), "unreachable: backend \"%.*s\" "
                 "answered %u", (int) b->conf.name.len, b->conf.name.data,
                 status);
        return;
    }

    if (status == 401 || status == 403 || status == 404) {
        a->err = FAAS_INVOKE_E_REFUSED;
        faas_proto_error_text(resp, status == 404
                                    ? "refused: no such function"
                                    : "refused: authentication or "
                                      "authorization failed",
                              b->conf.protocol == FAAS_PROTO_LAMBDA
                              ? "message" : "error", NULL,
                              a->msg, sizeof(a->msg));
        return;
    }

    if (b->conf.protocol == FAAS_PROTO_HTTP && status >= 500) {
        a->err = FAAS_INVOKE_E_FUNCTION;
        faas_proto_error_text(resp, "function error", "error", NULL,
                              a->msg, sizeof(a->msg));
        return;
    }

    a->err = FAAS_INVOKE_E_INVALID;
    snprintf(a->msg, sizeof(a->msg), "invalid answer: %s backend \"%.*s\" "
             "answered %u", proto, (int) b->conf.name.len,
             b->conf.name.data, status);
}


static faas_str_t *
faas_proto_find(faas_backend_response_t *resp, const char *lname)
{
    size_t  i, n;

    n = strlen(lname);

    for (i = 0; i < resp->nheaders; i++) {
        if (resp->headers[i].lname.len == n
            && memcmp(resp->headers[i].lname.data, lname, n) == 0)
        {
            return &resp->headers[i].value;
        }
    }

    return NULL;
}


/* Retry-After in seconds; its HTTP-date form counts as no delay */

static uint64_t
faas_proto_seconds(faas_str_t *v)
{
    size_t    i;
    uint64_t  n;

    n = 0;

    for (i = 0; i < v->len && v->data[i] >= '0' && v->data[i] <= '9'; i++) {
        if (n > 86400) {
            break;
        }

        n = n * 10 + (v->data[i] - '0');
    }

    return n;
}


static int
faas_proto_json(faas_str_t *body, int object)
{
    int     ok;
    cJSON  *j;

    j = cJSON_ParseWithLength(body->data, body->len);
    if (j == NULL) {
        return 0;
    }

    ok = !object || cJSON_IsObject(j);

    cJSON_Delete(j);

    return ok;
}


/*
 * "<status word>: <field>[: <field2>]" of a JSON error body, or the
 * start of the body as it is: what the log and the handler see.
 */

static void
faas_proto_error_text(faas_backend_response_t *resp, const char *what,
    const char *field, const char *field2, char *out, size_t size)
{
    int          n;
    char        *s;
    cJSON       *j, *f, *f2;

    n = snprintf(out, size, "%s (HTTP %u)", what, resp->status);

    if (n < 0 || (size_t) n >= size) {
        return;
    }

    j = cJSON_ParseWithLength(resp->body.data, resp->body.len);
    f = cJSON_GetObjectItemCaseSensitive(j, field);
    f2 = field2 ? cJSON_GetObjectItemCaseSensitive(j, field2) : NULL;

    if (cJSON_IsString(f)) {
        n += snprintf(out + n, size - n, ": %s", f->valuestring);

    } else if (f) {
        s = cJSON_PrintUnformatted(f);
        n += snprintf(out + n, size - n, ": %s", s ? s : "?");
        free(s);

    } else if (j == NULL && resp->body.len) {
        n += snprintf(out + n, size - n, ": %.*s",
                      (int) (resp->body.len > 120 ? 120 : resp->body.len),
                      resp->body.data);
    }

    if (cJSON_IsString(f2) && n > 0 && (size_t) n < size) {
        (void) snprintf(out + n, size - n, ": %s", f2->valuestring);
    }

    cJSON_Delete(j);
}
