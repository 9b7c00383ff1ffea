/*
 * Shared by the libFuzzer targets (fuzz/fuzz_*.c, make fuzz): functions
 * from fuzz/functions/ run through the real runtime on the in-memory test
 * host (tests/test_host.h).  FUZZ_DIR is this directory, set by the
 * Makefile.
 */

#ifndef FUZZ_H
#define FUZZ_H

#include <stdint.h>
#include <stdlib.h>

#include "tests/test_host.h"


/* a function of fuzz/functions/, or exit: a fuzzer without it is void */

static inline faas_function_t *
fz_function(const char *file, size_t memory, faas_str_t *env, size_t nenv)
{
    char                  path[512], err[512];
    faas_function_t      *fn;
    faas_function_conf_t  conf;

    snprintf(path, sizeof(path), "%s/functions/%s", FUZZ_DIR, file);

    memset(&conf, 0, sizeof(faas_function_conf_t));
    conf.name.data = file;
    conf.name.len = strlen(file);
    conf.path = path;
    conf.memory = memory;
    conf.timeout = 200000;            /* 200 ms: no timeout on slow paths */
    conf.env = env;
    conf.nenv = nenv;

    fn = faas_function_create(&conf, err, sizeof(err));
    if (fn == NULL) {
        fprintf(stderr, "fuzz: %s\n", err);
        exit(1);
    }

    return fn;
}


static inline int
fz_call(faas_function_t *fn, faas_event_e event, th_req_t *r,
    faas_fail_e *fail)
{
    int          rc;
    faas_call_t  call;

    memset(&call, 0, sizeof(faas_call_t));
    call.fn = fn;
    call.event = event;
    call.host = &th_host;
    call.req = r;

    rc = faas_call(&call);
    *fail = call.fail;

    return rc;
}


/* a request whose body (faas_body) is the input, size <= 4096 */

static inline void
fz_request(th_req_t *r, const uint8_t *data, size_t size)
{
    th_init(r);
    r->body_on = 1;
    r->body_max = sizeof(r->req_body);
    memcpy(r->req_body, data, size);
    r->req_body_len = size;
}


/*
 * A content function on the input as the request body, which checks a
 * property and raises "NAME:" when it breaks: then abort(), a crash to
 * libFuzzer (fuzz_json, fuzz_jwt).
 */

static inline int
fz_body_property(faas_function_t *fn, const uint8_t *data, size_t size,
    const char *name)
{
    th_req_t     r;
    faas_fail_e  fail;

    if (size > sizeof(r.req_body)) {
        return 0;
    }

    fz_request(&r, data, size);

    if (fz_call(fn, FAAS_CONTENT, &r, &fail) == FAAS_ERROR
        && strstr(r.log, name))
    {
        fprintf(stderr, "%s", r.log);
        abort();
    }

    return 0;
}


/*
 * The next line of the input (up to '\n' or the end) into buf, at most
 * size - 1 bytes, NUL-terminated; advances *p.  The test host keeps
 * NUL-terminated strings, so a NUL ends a field early.
 */

static inline size_t
fz_line(const uint8_t **p, const uint8_t *end, char *buf, size_t size)
{
    size_t          n;
    const uint8_t  *nl;

    nl = memchr(*p, '\n', end - *p);
    n = (nl ? nl : end) - *p;

    if (n > size - 1) {
        n = size - 1;
    }

    memcpy(buf, *p, n);
    buf[n] = '\0';
    *p = nl ? nl + 1 : end;

    return n;
}

#endif /* FUZZ_H */
