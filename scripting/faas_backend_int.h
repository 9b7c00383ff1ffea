/*
 * Internals of the regional tier shared by faas_backend.c, faas_invoke.c
 * and faas_backend_proto.c.  Hosts use faas_backend.h only.
 */

#ifndef FAAS_BACKEND_INT_H
#define FAAS_BACKEND_INT_H


#include "faas_backend.h"
#include "faas_sigv4.h"


#define FAAS_INVOKE_MAX_ACTION  256
#define FAAS_INVOKE_MSG         256


struct faas_backend_s {
    faas_backend_conf_t        conf;        /* strings owned */
    char                      *auth;        /* Authorization, or NULL */
    size_t                     auth_len;

    /* lambda */
    char                      *aws_text;    /* the credentials file */
    size_t                     aws_len;
    faas_aws_creds_t           aws;
    faas_sigv4_key_t           sigkey;

    unsigned                   index;

    /* the circuit breaker of this worker */
    unsigned                   failures;    /* in a row */
    uint64_t                   open_until;  /* monotonic microseconds */
    unsigned                   probing:1;
};


/* what an answer means, protocol by protocol (faas_backend_proto.c) */
typedef struct {
    faas_invoke_err_e          err;
    int                        retry;       /* worth another attempt */
    int                        healthy;     /* for the circuit breaker */
    uint64_t                   retry_after; /* microseconds, 0: none */
    faas_str_t                 result;      /* into the answer's body */
    char                       msg[FAAS_INVOKE_MSG];
} faas_answer_t;


/* faas_backend.c: 1 when a call may go now */
int faas_backend_admit(faas_backend_t *b, uint64_t now);
void faas_backend_outcome(faas_backend_t *b, int ok, uint64_t now);

/*
 * faas_backend_proto.c: the request of one attempt, in one malloc()ed
 * block that *mem receives; FAAS_ERROR when out of memory or too long.
 */
int faas_proto_request(faas_backend_t *b, faas_str_t *action,
    faas_str_t *payload, faas_backend_request_t *req, void **mem);
void faas_proto_answer(faas_backend_t *b, faas_backend_response_t *resp,
    faas_answer_t *a);
int faas_action_valid(faas_proto_e protocol, faas_str_t *action);


#endif /* FAAS_BACKEND_INT_H */
