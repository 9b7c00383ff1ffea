/*
 * faas-run: the local runner of SPEC section 9.  One Lambda@Edge event,
 * held in memory (faas_run_host.c), run by the same runtime as nginx
 * (scripting/, cache/, geo/), its result printed as JSON
 * (faas_run_event.c).  See docs/faas-run.md.
 */

#ifndef FAAS_RUN_H
#define FAAS_RUN_H


#include <stddef.h>

#include <cjson/cJSON.h>

#include "scripting/faas_runtime.h"
#include "geo/faas_geo.h"


typedef struct {
    char                      *lname;
    char                      *key;
    char                      *value;
    size_t                     value_len;
} faas_run_header_t;


typedef struct {
    faas_run_header_t         *elts;
    size_t                     nelts;
    size_t                     nalloc;
} faas_run_headers_t;


/* a body of the request or the response, as the host exposes it */
typedef struct {
    char                      *data;
    size_t                     len;
    size_t                     max;             /* faas_body_t.max */
    int                        on;              /* exposed to the handler */
    int                        truncated;       /* inputTruncated */
    int                        replaced;        /* by host->set_body */
} faas_run_body_t;


/* one request (and its response) as the runner's host holds it */
typedef struct {
    faas_event_e               event;
    char                      *fields[FAAS_FIELD_MAX];
    faas_run_headers_t         headers[2];      /* by faas_msg_e */
    int                        has_response;    /* a response event */

    int                        responded;       /* host->respond called */
    faas_run_body_t            bodies[2];       /* by faas_msg_e; a
                                                   generated body is the
                                                   response's */
    size_t                     body_max;        /* --body-max */

    int                        has_origin;      /* request.origin.custom */
    char                      *origin_protocol;
    char                      *origin_domain;
    char                      *origin_path;
    unsigned                   origin_port;
    unsigned                   origin_read_timeout;
    unsigned                   origin_keepalive_timeout;
    unsigned                   origin_ssl;
    faas_run_headers_t         origin_headers;
    faas_header_t             *origin_fh;       /* for host->origin */

    faas_geo_t                *geo;             /* NULL: no --geoip */
    int                        quiet;           /* log into log, not
                                                   stderr */
    char                      *log;             /* the lines logged */
    size_t                     log_len;
} faas_run_req_t;


extern const faas_host_t  faas_run_host;


/* faas_run_host.c */
void *faas_run_alloc(size_t size);
char *faas_run_strndup(const char *s, size_t len);
void faas_run_req_init(faas_run_req_t *r, faas_event_e event);
void faas_run_req_free(faas_run_req_t *r);
void faas_run_set_field(faas_run_req_t *r, faas_field_e field,
    const char *value);
void faas_run_add_header(faas_run_req_t *r, faas_msg_e msg,
    const char *key, const char *value, size_t value_len);
const char *faas_run_find_header(faas_run_req_t *r, faas_msg_e msg,
    const char *lname);
void faas_run_give_body(faas_run_req_t *r, faas_msg_e msg,
    const char *data, size_t len, int truncated);

/* faas_run_event.c */
int faas_run_event_type(const char *name, faas_event_e *event);
int faas_run_load_event(faas_run_req_t *r, cJSON *json, int event_set,
    char *err, size_t errlen);
cJSON *faas_run_result(faas_run_req_t *r);
char *faas_run_print(cJSON *json);
int faas_run_compare(cJSON *got, cJSON *want, char *path, size_t pathlen,
    char *diff, size_t difflen);


#endif /* FAAS_RUN_H */
