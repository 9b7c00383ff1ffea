/*
 * Event building from a hostile request and response, and header
 * write-back: the input is lines (method, uri, query string, client
 * address, status, then "name: value" headers, response headers after a
 * line "<"), run through functions/event.lua on every event.
 */

#include "fuzz/fuzz.h"


static faas_function_t  *fz_fn;


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char  err[256];

    (void) argc;
    (void) argv;

    th_geo_db = faas_geo_create();
    if (faas_geo_open(th_geo_db, FUZZ_DIR "/../tests/data/geoip/"
                      "GeoIP2-City-Test.mmdb", err, sizeof(err))
        != FAAS_GEO_OK)
    {
        fprintf(stderr, "fuzz: %s\n", err);
        exit(1);
    }

    fz_fn = fz_function("event.lua", 4 * 1024 * 1024, NULL, 0);

    return 0;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int             e, m;
    char            line[512], *colon, *p;
    th_req_t        r;
    faas_fail_e     fail;
    const uint8_t  *in, *end;

    static const faas_field_e  fields[] = {
        FAAS_FIELD_METHOD, FAAS_FIELD_URI, FAAS_FIELD_QUERYSTRING,
        FAAS_FIELD_CLIENT_IP, FAAS_FIELD_STATUS
    };

    for (e = 0; e < FAAS_EVENT_MAX; e++) {
        th_init(&r);
        in = data;
        end = data + size;

        for (m = 0; m < 5; m++) {
            fz_line(&in, end, r.fields[fields[m]], sizeof(r.fields[0]));
        }

        if (e == FAAS_ORIGIN_REQUEST) {
            th_origin_init(&r, "origin.example");
        }

        m = FAAS_MSG_REQUEST;

        while (in < end) {
            fz_line(&in, end, line, sizeof(line));

            if (strcmp(line, "<") == 0) {
                m = FAAS_MSG_RESPONSE;
                continue;
            }

            colon = strchr(line, ':');
            if (colon == NULL || colon == line) {
                continue;
            }

            *colon++ = '\0';

            for (p = line; *p; p++) {
                *p = (*p >= 'A' && *p <= 'Z') ? *p + 32 : *p;
            }

            th_add(&r, m, line, line, colon, strlen(colon));
        }

        (void) fz_call(fz_fn, e, &r, &fail);
    }

    return 0;
}
