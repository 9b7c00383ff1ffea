/*
 * faas.json: decode any input; what decodes must encode, and the encoding
 * must decode (functions/json.lua raises "fuzz_json:" otherwise, and
 * this target aborts on it).
 */

#include "fuzz/fuzz.h"


static faas_function_t  *fz_fn;


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void) argc;
    (void) argv;

    fz_fn = fz_function("json.lua", 8 * 1024 * 1024, NULL, 0);

    return 0;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fz_body_property(fz_fn, data, size, "fuzz_json:");
}
