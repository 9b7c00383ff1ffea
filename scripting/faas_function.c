/*
 * Functions as configured: the source is read and compiled once at
 * configuration time, so `nginx -t` reports "FILE:LINE: message"; the
 * code runs only in the workers, in a warm state of its own.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "faas_state.h"
#include "faas_digest.h"
#include "faas_file.h"


static int faas_function_read(faas_function_t *fn, char *err,
    size_t errlen);
static int faas_function_compile(faas_function_t *fn, char *err,
    size_t errlen);
static int faas_function_load(const char *src, size_t len,
    const char *name, int *ffi, char *err, size_t errlen);
static int faas_function_hash(faas_function_t *fn, char *version,
    char *err, size_t errlen);


faas_function_t *
faas_function_create(faas_function_conf_t *conf, char *err, size_t errlen)
{
    size_t            i, size;
    char             *p;
    faas_function_t  *fn;

    size = sizeof(faas_function_t) + conf->name.len + 1
           + 1 + strlen(conf->path) + 1 + 2 * conf->nenv * sizeof(faas_str_t);

    for (i = 0; i < 2 * conf->nenv; i++) {
        size += conf->env[i].len + 1;
    }

    fn = calloc(1, size);
    if (fn == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    fn->env = (faas_str_t *) (fn + 1);
    p = (char *) (fn->env + 2 * conf->nenv);

    fn->name.data = p;
    fn->name.len = conf->name.len;
    memcpy(p, conf->name.data, conf->name.len);
    p += conf->name.len + 1;

    /* "@path": Lua then names the file in messages as "path:line:" */

    *p++ = '@';
    fn->path = p;
    strcpy(p, conf->path);
    p += strlen(conf->path) + 1;

    for (i = 0; i < 2 * conf->nenv; i++) {
        fn->env[i].data = p;
        fn->env[i].len = conf->env[i].len;
        memcpy(p, conf->env[i].data, conf->env[i].len);
        p += conf->env[i].len + 1;
    }

    fn->nenv = conf->nenv;
    fn->memory = conf->memory;
    fn->timeout = conf->timeout;
    fn->instructions = conf->instructions;
    fn->max_invocations = conf->max_invocations;
    fn->memory_high = conf->memory_high;
    fn->jit = conf->jit;

    if (faas_function_read(fn, err, errlen) != FAAS_OK
        || faas_function_compile(fn, err, errlen) != FAAS_OK
        || faas_function_hash(fn, fn->version, err, errlen) != FAAS_OK)
    {
        faas_function_destroy(fn);
        return NULL;
    }

    return fn;
}


int
faas_function_reload(faas_function_t *fn, int *changed, char *err,
    size_t errlen)
{
    int          rc;
    char        *old, version[17];
    size_t       old_len;
    struct stat  sb;

    *changed = 0;

    if (stat(fn->path, &sb) != 0
        || (sb.st_mtim.tv_sec == fn->mtime.tv_sec
            && sb.st_mtim.tv_nsec == fn->mtime.tv_nsec
            && sb.st_size == fn->size))
    {
        return FAAS_OK;
    }

    old = fn->source;
    old_len = fn->source_len;
    fn->source = NULL;

    rc = faas_function_read(fn, err, errlen);

    if (rc == FAAS_OK) {
        rc = faas_function_compile(fn, err, errlen);
    }

    if (rc == FAAS_OK) {
        rc = faas_function_hash(fn, version, err, errlen);
    }

    if (rc != FAAS_OK) {
        free(fn->source);
        fn->source = old;
        fn->source_len = old_len;
        return FAAS_ERROR;
    }

    free(old);

    if (strcmp(version, fn->version) != 0) {
        memcpy(fn->version, version, sizeof(version));
        *changed = 1;

        if (fn->state) {
            faas_state_close(fn->state);
        }
    }

    return FAAS_OK;
}


/* the version names the code: the first 64 bits of its SHA-256 */

static int
faas_function_hash(faas_function_t *fn, char *version, char *err,
    size_t errlen)
{
    unsigned char  md[FAAS_SHA256_LEN];

    if (faas_sha256(fn->source, fn->source_len, md) != 0) {
        snprintf(err, errlen, "%s: SHA-256 failed", fn->path);
        return FAAS_ERROR;
    }

    faas_hex_encode(version, md, 8);
    version[16] = '\0';

    return FAAS_OK;
}


void
faas_function_destroy(faas_function_t *fn)
{
    if (fn->state) {
        faas_state_close(fn->state);
    }

    free(fn->source);
    free(fn);
}


const char *
faas_function_version(faas_function_t *fn)
{
    return fn->version;
}


size_t
faas_function_memory(faas_function_t *fn)
{
    return fn->state ? fn->state->used : 0;
}


void
faas_function_set_index(faas_function_t *fn, unsigned index)
{
    fn->index = index;
}


unsigned
faas_function_index(faas_function_t *fn)
{
    return fn->index;
}


static int
faas_function_read(faas_function_t *fn, char *err, size_t errlen)
{
    size_t       size;
    struct stat  sb;

    /* a source file has no business being near the size of memory */

    fn->source = faas_file_read(fn->path, (size_t) 1 << 30, &size, &sb,
                                err, errlen);
    if (fn->source == NULL) {
        return FAAS_ERROR;
    }

    fn->mtime = sb.st_mtim;
    fn->size = sb.st_size;
    fn->source_len = size;

    /* LuaJIT and Lua bytecode both start with ESC */

    if (size > 0 && fn->source[0] == '\033') {
        snprintf(err, errlen, "%s: bytecode is refused, only Lua source "
                 "is loaded", fn->path);
        return FAAS_ERROR;
    }

    return FAAS_OK;
}


/*
 * Compiles in a throwaway state: nothing of the file runs here.
 *
 * Cdata literals (1LL, 1ULL, 1i) are refused.  LuaJIT's lexer reads them
 * as FFI cdata and loads the FFI library into the state to make them,
 * whether or not the ffi module is in reach: they are the one way cdata
 * could enter a sandboxed state, and with them the FFI's conversions,
 * arithmetic and metamethods.  The lexer loads the library exactly when
 * it reads one, so a compile that leaves _LOADED.ffi behind has one;
 * compiling ever longer prefixes of the file, in halves, finds its line
 * (a prefix of a valid file lexes the same tokens up to its end).
 */

static int
faas_function_compile(faas_function_t *fn, char *err, size_t errlen)
{
    int     rc, ffi;
    size_t  lo, hi, mid, lines, i;

    rc = faas_function_load(fn->source, fn->source_len, fn->path - 1, &ffi,
                            err, errlen);

    if (rc != FAAS_OK || !ffi) {
        return rc;
    }

    for (lines = 1, i = 0; i < fn->source_len; i++) {
        lines += (fn->source[i] == '\n');
    }

    for (lo = 1, hi = lines; lo < hi; /* void */ ) {
        mid = lo + (hi - lo) / 2;

        for (i = 0, lines = 1; i < fn->source_len && lines <= mid; i++) {
            lines += (fn->source[i] == '\n');
        }

        (void) faas_function_load(fn->source, i, fn->path - 1, &ffi, err,
                                  errlen);
        if (ffi) {
            hi = mid;

        } else {
            lo = mid + 1;
        }
    }

    snprintf(err, errlen, "%s:%d: cdata literals (1LL, 1ULL, 1i) are "
             "refused: Lua numbers are doubles", fn->path, (int) lo);

    return FAAS_ERROR;
}


/* FAAS_OK or FAAS_ERROR with the message; *ffi: the FFI got loaded */

static int
faas_function_load(const char *src, size_t len, const char *name, int *ffi,
    char *err, size_t errlen)
{
    int         rc;
    lua_State  *L;

    *ffi = 0;

    L = luaL_newstate();
    if (L == NULL) {
        snprintf(err, errlen, "cannot create a Lua state");
        return FAAS_ERROR;
    }

    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, "_LOADED");

    rc = luaL_loadbufferx(L, src, len, name, "t");

    if (rc != 0) {
        snprintf(err, errlen, "%s", lua_tostring(L, -1));
    }

    lua_getfield(L, LUA_REGISTRYINDEX, "_LOADED");
    lua_getfield(L, -1, "ffi");
    *ffi = !lua_isnil(L, -1);

    lua_close(L);

    return rc == 0 ? FAAS_OK : FAAS_ERROR;
}
