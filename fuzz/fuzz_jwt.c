/*
 * faas.jwt.verify and the base64 decoders on any token (the request body),
 * with a secret, an RSA and an EC key; functions/jwt.lua raises
 * "fuzz_jwt:" when a token verifies that was not signed with the key,
 * and this target aborts on it.
 */

#include "fuzz/fuzz.h"


static faas_function_t  *fz_fn;


static faas_str_t
fz_file(const char *name)
{
    char        path[512], *buf;
    long        n;
    FILE       *f;
    faas_str_t  s;

    snprintf(path, sizeof(path), "%s/../tests/data/jwt/%s", FUZZ_DIR, name);

    f = fopen(path, "rb");
    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0) {
        fprintf(stderr, "fuzz: cannot read %s\n", path);
        exit(1);
    }

    rewind(f);
    buf = malloc(n + 1);
    if (buf == NULL || fread(buf, 1, n, f) != (size_t) n) {
        fprintf(stderr, "fuzz: cannot read %s\n", path);
        exit(1);
    }

    fclose(f);

    /* a token file ends with a newline, which is no part of the token */
    while (n > 0 && buf[n - 1] == '\n' && strstr(name, ".jwt")) {
        n--;
    }

    buf[n] = '\0';
    s.data = buf;
    s.len = n;

    return s;
}


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static faas_str_t  env[8];

    (void) argc;
    (void) argv;

    env[0] = (faas_str_t) { "RSA", 3 };
    env[1] = fz_file("rsa-public.pem");
    env[2] = (faas_str_t) { "EC", 2 };
    env[3] = fz_file("ec-public.pem");
    env[4] = (faas_str_t) { "RS256", 5 };
    env[5] = fz_file("rs256.jwt");
    env[6] = (faas_str_t) { "ES256", 5 };
    env[7] = fz_file("es256.jwt");

    fz_fn = fz_function("jwt.lua", 4 * 1024 * 1024, env, 4);

    return 0;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fz_body_property(fz_fn, data, size, "fuzz_jwt:");
}
