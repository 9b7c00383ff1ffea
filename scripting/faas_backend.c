/*
 * A backend of the regional tier: its configuration, its credentials
 * (read once, when the configuration is loaded) and its circuit breaker
 * (per worker: each worker sees its own failures).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "faas_backend_int.h"
#include "faas_file.h"
#include "faas_lib.h"


static int faas_backend_auth(faas_backend_t *b, char *text, size_t len,
    char *err, size_t errlen);
static int faas_backend_aws(faas_backend_t *b, char *err, size_t errlen);
static int faas_str_copy(faas_str_t *dst, faas_str_t *src);
static void faas_str_trim(char **p, size_t *len);


static const char  *faas_proto_names[] = { "openwhisk", "lambda", "http" };


int
faas_backend_proto_parse(const char *s, size_t len, faas_proto_e *p)
{
    size_t  i;

    for (i = 0; i < sizeof(faas_proto_names) / sizeof(char *); i++) {
        if (strlen(faas_proto_names[i]) == len
            && memcmp(faas_proto_names[i], s, len) == 0)
        {
            *p = (faas_proto_e) i;
            return FAAS_OK;
        }
    }

    return FAAS_ERROR;
}


faas_backend_t *
faas_backend_create(faas_backend_conf_t *conf, char *err, size_t errlen)
{
    char            *text;
    char             cerr[256];
    size_t           len;
    faas_backend_t  *b;

    b = calloc(1, sizeof(faas_backend_t));
    if (b == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    b->conf = *conf;
    b->conf.credentials = NULL;

    if (faas_str_copy(&b->conf.name, &conf->name) != FAAS_OK
        || faas_str_copy(&b->conf.location, &conf->location) != FAAS_OK
        || faas_str_copy(&b->conf.ns, &conf->ns) != FAAS_OK
        || faas_str_copy(&b->conf.region, &conf->region) != FAAS_OK
        || faas_str_copy(&b->conf.host, &conf->host) != FAAS_OK
        || faas_str_copy(&b->conf.env_key, &conf->env_key) != FAAS_OK
        || faas_str_copy(&b->conf.env_secret, &conf->env_secret) != FAAS_OK
        || faas_str_copy(&b->conf.env_token, &conf->env_token) != FAAS_OK)
    {
        snprintf(err, errlen, "out of memory");
        goto failed;
    }

    /* the location is joined with the protocol's path, which has a "/" */

    while (b->conf.location.len
           && b->conf.location.data[b->conf.location.len - 1] == '/')
    {
        b->conf.location.len--;
    }

    text = NULL;
    len = 0;

    if (conf->credentials) {
        text = faas_file_read(conf->credentials, 64 * 1024, &len, NULL,
                              cerr, sizeof(cerr));
        if (text == NULL) {
            snprintf(err, errlen, "credentials: %s", cerr);
            goto failed;
        }
    }

    switch (conf->protocol) {

    case FAAS_PROTO_LAMBDA:
        b->aws_text = text;
        b->aws_len = len;

        if (faas_backend_aws(b, err, errlen) != FAAS_OK) {
            goto failed;
        }

        break;

    default:
        if (text == NULL) {
            if (conf->protocol == FAAS_PROTO_OPENWHISK) {
                snprintf(err, errlen, "protocol=openwhisk needs "
                         "credentials=FILE holding UUID:KEY");
                goto failed;
            }

            break;
        }

        if (faas_backend_auth(b, text, len, err, errlen) != FAAS_OK) {
            free(text);
            goto failed;
        }

        free(text);
    }

    return b;

failed:

    faas_backend_destroy(b);
    return NULL;
}


void
faas_backend_destroy(faas_backend_t *b)
{
    if (b == NULL) {
        return;
    }

    free((char *) b->conf.name.data);
    free((char *) b->conf.location.data);
    free((char *) b->conf.ns.data);
    free((char *) b->conf.region.data);
    free((char *) b->conf.host.data);
    free((char *) b->conf.env_key.data);
    free((char *) b->conf.env_secret.data);
    free((char *) b->conf.env_token.data);
    free(b->auth);
    free(b->aws_text);
    free(b);
}


const char *
faas_backend_name(faas_backend_t *b, size_t *len)
{
    *len = b->conf.name.len;
    return b->conf.name.data;
}


faas_proto_e
faas_backend_protocol(faas_backend_t *b)
{
    return b->conf.protocol;
}


uint64_t
faas_backend_stale(faas_backend_t *b)
{
    return b->conf.stale_if_error;
}


unsigned
faas_backend_function_error(faas_backend_t *b)
{
    return b->conf.function_error;
}


size_t
faas_backend_max_answer(faas_backend_t *b)
{
    return b->conf.max_answer;
}


void
faas_backend_set_index(faas_backend_t *b, unsigned index)
{
    b->index = index;
}


unsigned
faas_backend_index(faas_backend_t *b)
{
    return b->index;
}


/*
 * The circuit breaker.  Closed: calls go.  After conf.breaker failures
 * in a row it opens: calls fail at once for conf.breaker_open.  Then one
 * call goes as a probe (half open) while the others still fail fast; its
 * success closes the breaker, its failure opens it again.
 */

int
faas_backend_admit(faas_backend_t *b, uint64_t now)
{
    if (b->conf.breaker == 0 || b->failures < b->conf.breaker) {
        return 1;
    }

    if (now < b->open_until || b->probing) {
        return 0;
    }

    b->probing = 1;

    return 1;
}


void
faas_backend_outcome(faas_backend_t *b, int ok, uint64_t now)
{
    b->probing = 0;

    if (ok) {
        b->failures = 0;
        return;
    }

    if (b->failures < b->conf.breaker) {
        b->failures++;
    }

    if (b->conf.breaker && b->failures >= b->conf.breaker) {
        b->open_until = now + b->conf.breaker_open;
    }
}


/*
 * openwhisk: "UUID:KEY", or the AUTH=UUID:KEY line of a .wskprops; http:
 * a bearer token.  Kept as the Authorization header's value.
 */

static int
faas_backend_auth(faas_backend_t *b, char *text, size_t len, char *err,
    size_t errlen)
{
    char    *p, *line, *nl;
    size_t   n, out;

    p = text;
    n = len;

    if (b->conf.protocol == FAAS_PROTO_OPENWHISK) {
        for (line = text; line < text + len; line = nl + 1) {
            nl = memchr(line, '\n', text + len - line);
            if (nl == NULL) {
                nl = text + len;
            }

            if (nl - line > 5 && memcmp(line, "AUTH=", 5) == 0) {
                p = line + 5;
                n = nl - p;
                break;
            }
        }
    }

    faas_str_trim(&p, &n);

    if (n == 0 || memchr(p, '\n', n) || memchr(p, '\r', n)) {
        snprintf(err, errlen, "credentials: expected %s on one line",
                 b->conf.protocol == FAAS_PROTO_OPENWHISK
                 ? "UUID:KEY" : "a bearer token");
        return FAAS_ERROR;
    }

    if (b->conf.protocol == FAAS_PROTO_OPENWHISK) {
        if (memchr(p, ':', n) == NULL) {
            snprintf(err, errlen, "credentials: expected UUID:KEY");
            return FAAS_ERROR;
        }

        b->auth = malloc(sizeof("Basic ") + (n + 2) / 3 * 4);
        if (b->auth == NULL) {
            snprintf(err, errlen, "out of memory");
            return FAAS_ERROR;
        }

        memcpy(b->auth, "Basic ", 6);
        faas_b64_encode((unsigned char *) p, n, 0, b->auth + 6, &out);
        b->auth_len = 6 + out;

        return FAAS_OK;
    }

    b->auth = malloc(sizeof("Bearer ") + n);
    if (b->auth == NULL) {
        snprintf(err, errlen, "out of memory");
        return FAAS_ERROR;
    }

    memcpy(b->auth, "Bearer ", 7);
    memcpy(b->auth + 7, p, n);
    b->auth_len = 7 + n;

    return FAAS_OK;
}


/* lambda: the shared-credentials file's default profile, or AWS_* */

static int
faas_backend_aws(faas_backend_t *b, char *err, size_t errlen)
{
    if (b->conf.region.len == 0) {
        snprintf(err, errlen, "protocol=lambda needs region=");
        return FAAS_ERROR;
    }

    if (b->aws_text) {
        return faas_aws_credentials_parse(b->aws_text, b->aws_len,
                                          "default", &b->aws, err, errlen);
    }

    if (b->conf.env_key.len == 0 || b->conf.env_secret.len == 0) {
        snprintf(err, errlen, "protocol=lambda needs credentials=FILE or "
                 "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (through "
                 "nginx's env directive)");
        return FAAS_ERROR;
    }

    b->aws.access_key = b->conf.env_key;
    b->aws.secret_key = b->conf.env_secret;
    b->aws.token = b->conf.env_token;

    return FAAS_OK;
}


static int
faas_str_copy(faas_str_t *dst, faas_str_t *src)
{
    char  *p;

    p = malloc(src->len + 1);
    if (p == NULL) {
        dst->data = NULL;
        dst->len = 0;
        return FAAS_ERROR;
    }

    /* an unset parameter is { NULL, 0 }: memcpy must not see that NULL */
    if (src->len) {
        memcpy(p, src->data, src->len);
    }

    p[src->len] = '\0';

    dst->data = p;
    dst->len = src->len;

    return FAAS_OK;
}


static void
faas_str_trim(char **p, size_t *len)
{
    while (*len && (**p == ' ' || **p == '\t' || **p == '\r'
                    || **p == '\n'))
    {
        (*p)++;
        (*len)--;
    }

    while (*len && ((*p)[*len - 1] == ' ' || (*p)[*len - 1] == '\t'
                    || (*p)[*len - 1] == '\r' || (*p)[*len - 1] == '\n'))
    {
        (*len)--;
    }
}
