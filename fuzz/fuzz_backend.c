/*
 * The answers of backends (scripting/faas_backend_proto.c through
 * faas_invoke_done) and faas_forward's mapping of a function's answer
 * (faas_forward.c): any bytes, as status, headers and body, for each
 * protocol.  Input: a byte selecting the protocol and the status class,
 * then "name: value" header lines, an empty line, and the body.
 */

#include "fuzz/fuzz.h"


static faas_backend_t  *fz_backends[3];




int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void) argc;
    (void) argv;

    fz_backends[0] = th_backend_new("/tmp", "fuzz_ow", FAAS_PROTO_OPENWHISK,
                                    "u:k\n", NULL);
    fz_backends[1] = th_backend_new("/tmp", "fuzz_lam", FAAS_PROTO_LAMBDA,
                                    "[default]\naws_access_key_id = A\n"
                                    "aws_secret_access_key = S\n", NULL);
    fz_backends[2] = th_backend_new("/tmp", "fuzz_fn", FAAS_PROTO_HTTP,
                                    NULL, NULL);

    return 0;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char                     *copy, *p, *end, *nl, *colon;
    void                     *mem;
    char                      err[256];
    size_t                    n;
    unsigned                  statuses[] = { 200, 202, 401, 404, 429, 500,
                                             502, 503 };
    faas_str_t                action, payload, result;
    const char               *msg, *cache;
    faas_header_t             h[16];
    faas_invoke_t            *inv;
    faas_response_t           resp;
    faas_invoke_opts_t        opts;
    faas_backend_response_t   br;

    if (size < 1) {
        return 0;
    }

    copy = malloc(size);
    if (copy == NULL) {
        return 0;
    }

    memcpy(copy, data + 1, size - 1);
    end = copy + size - 1;

    memset(&br, 0, sizeof(br));
    br.end = FAAS_BACKEND_ANSWERED;
    br.status = statuses[(data[0] >> 2) % 8];
    br.headers = h;

    /* header lines up to an empty one, the rest is the body */

    for (p = copy; p < end && br.nheaders < 16; p = nl + 1) {
        nl = memchr(p, '\n', end - p);
        if (nl == NULL || nl == p) {
            break;
        }

        colon = memchr(p, ':', nl - p);
        if (colon == NULL) {
            continue;
        }

        h[br.nheaders].lname.data = p;
        h[br.nheaders].lname.len = colon - p;
        h[br.nheaders].key = h[br.nheaders].lname;
        h[br.nheaders].value.data = colon + 1;
        h[br.nheaders].value.len = nl - colon - 1;
        br.nheaders++;
    }

    if (p < end && *p == '\n') {
        p++;
    }

    br.body.data = p < end ? p : end;
    br.body.len = p < end ? (size_t) (end - p) : 0;

    action.data = "echo";
    action.len = 4;
    payload.data = "{}";
    payload.len = 2;
    opts.cache_ttl = 0;
    opts.deadline = 0;

    inv = faas_invoke_create(fz_backends[data[0] % 3], &action, &payload,
                             &opts, NULL);

    /* every answer ends the call or asks for one more attempt */

    for (n = 0; n < 3 && faas_invoke_state(inv) == FAAS_INVOKE_SEND; n++) {
        (void) faas_invoke_done(inv, &br);
    }

    if (faas_invoke_state(inv) == FAAS_INVOKE_READY
        && faas_invoke_result(inv, &result, &msg, &cache) == FAAS_INVOKE_OK)
    {
        /* what faas_forward would make of a successful answer */

        if (faas_forward_response(faas_backend_protocol(
                                      fz_backends[data[0] % 3]),
                                  &result, &resp, &mem, err, sizeof(err))
            == FAAS_OK)
        {
            free(mem);
        }
    }

    faas_invoke_destroy(inv);

    /* and the body taken directly as a function's answer */

    result = br.body;

    if (faas_forward_response((faas_proto_e) (data[0] % 3), &result, &resp,
                              &mem, err, sizeof(err))
        == FAAS_OK)
    {
        free(mem);
    }

    free(copy);

    return 0;
}
