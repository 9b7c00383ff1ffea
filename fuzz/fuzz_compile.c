/*
 * The configuration-time compile of a function file (faas_function_create:
 * the bytecode refusal, LuaJIT's parser in text mode, the search for the
 * line of a cdata literal), on any source.  Nothing of it runs.  The
 * directives' own parameters (memory=, timeout=) are parsed by nginx's
 * ngx_parse_size() and ngx_parse_time(), in the adapter, and are not
 * fuzzed here.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scripting/faas_runtime.h"


static char  fz_path[64];


static void
fz_unlink(void)
{
    unlink(fz_path);
}


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void) argc;
    (void) argv;

    snprintf(fz_path, sizeof(fz_path), "compile.%d.lua", (int) getpid());
    atexit(fz_unlink);

    return 0;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char                  err[512];
    FILE                 *f;
    faas_function_t      *fn;
    faas_function_conf_t  conf;

    f = fopen(fz_path, "wb");
    if (f == NULL || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
        fprintf(stderr, "fuzz: cannot write %s\n", fz_path);
        exit(1);
    }

    memset(&conf, 0, sizeof(faas_function_conf_t));
    conf.name.data = "fuzz";
    conf.name.len = 4;
    conf.path = fz_path;
    conf.memory = 8 * 1024 * 1024;
    conf.timeout = 5000;

    fn = faas_function_create(&conf, err, sizeof(err));
    if (fn) {
        faas_function_destroy(fn);
    }

    return 0;
}
