/*
 * What the configuration hands our own parsers (the nginx adapter leaves
 * sizes and times to nginx's ngx_parse_size/ngx_parse_time): the
 * credentials files of faas_backend for each protocol (OpenWhisk's
 * UUID:KEY or .wskprops, a bearer token, the AWS shared-credentials file
 * with any profile) and the protocol name.  Input: a byte choosing the
 * protocol, then the file's text.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scripting/faas_backend.h"
#include "scripting/faas_sigv4.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char                  path[64], err[256];
    FILE                 *f;
    faas_backend_t       *b;
    faas_proto_e          proto;
    faas_aws_creds_t      creds;
    faas_backend_conf_t   bc;

    if (size < 1) {
        return 0;
    }

    (void) faas_backend_proto_parse((const char *) data + 1, size - 1,
                                    &proto);

    (void) faas_aws_credentials_parse((const char *) data + 1, size - 1,
                                      (data[0] & 0x80) ? "prod" : NULL,
                                      &creds, err, sizeof(err));

    snprintf(path, sizeof(path), "/tmp/fuzz_config.%d", (int) getpid());

    f = fopen(path, "wb");
    if (f == NULL) {
        return 0;
    }

    fwrite(data + 1, 1, size - 1, f);
    fclose(f);

    memset(&bc, 0, sizeof(bc));
    bc.name.data = "b";
    bc.name.len = 1;
    bc.protocol = (faas_proto_e) (data[0] % 3);
    bc.location.data = "/_b";
    bc.location.len = 3;
    bc.region.data = "eu-west-1";
    bc.region.len = 9;
    bc.credentials = path;

    b = faas_backend_create(&bc, err, sizeof(err));

    /* a backend that reads its credentials can sign and send a call */

    if (b) {
        faas_str_t          action, payload;
        faas_invoke_t      *inv;
        faas_invoke_opts_t  opts;

        action.data = "echo";
        action.len = 4;
        payload.data = "{}";
        payload.len = 2;
        opts.cache_ttl = 0;
        opts.deadline = 0;

        inv = faas_invoke_create(b, &action, &payload, &opts, NULL);
        faas_invoke_destroy(inv);
        faas_backend_destroy(b);
    }

    unlink(path);

    return 0;
}
