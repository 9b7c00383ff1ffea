/*
 * What handlers return: the input is JSON (given to the handler as the
 * request body), which functions/result.lua returns as its result, or
 * merges into the event's own request or response, on every event: the
 * request, response, header, body and origin write-back must refuse what
 * is invalid and pass the rest to the host.
 */

#include "fuzz/fuzz.h"


static faas_function_t  *fz_fn;


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void) argc;
    (void) argv;

    fz_fn = fz_function("result.lua", 4 * 1024 * 1024, NULL, 0);

    return 0;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int          e;
    th_req_t     r;
    faas_fail_e  fail;

    if (size > sizeof(r.req_body)) {
        return 0;
    }

    for (e = 0; e < FAAS_EVENT_MAX; e++) {
        fz_request(&r, data, size);

        r.resp_body_on = 1;
        memcpy(r.resp_body, "origin body", 11);
        r.resp_body_len = 11;

        if (e == FAAS_ORIGIN_REQUEST) {
            th_origin_init(&r, "origin.example");
        }

        (void) fz_call(fz_fn, e, &r, &fail);
    }

    return 0;
}
