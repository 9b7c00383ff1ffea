/*
 * The faas.* libraries written in C (SPEC section 5).
 *
 * Each faas_lib_*_open() is called from C with the `faas` table on top of
 * the stack: it sets its fields (sub-tables) in that table and leaves the
 * stack as it found it.  It allocates through Lua, so the caller runs it
 * in protected mode (the sandbox is built inside a lua_cpcall()).
 */

#ifndef FAAS_LIB_H
#define FAAS_LIB_H

#include <stddef.h>

#include <lua.h>


/* Sets `crypto` (hashes, HMAC, base64, random bytes) and `jwt`. */
int faas_lib_crypto_open(lua_State *L);

/* Sets `json` (encode, decode, null, array_mt). */
int faas_lib_json_open(lua_State *L);

/*
 * The base64 codec in plain C (RFC 4648; url: the URL-safe alphabet,
 * unpadded).  encode writes (len + 2) / 3 * 4 bytes at most; decode
 * needs len / 4 * 3 + 3 bytes and returns -1 for invalid text (nopad:
 * padding refused).
 */
void faas_b64_encode(const unsigned char *in, size_t len, int url,
    char *out, size_t *outlen);
int faas_b64_decode(const char *in, size_t len, int url, int nopad,
    unsigned char *out, size_t *outlen);

/*
 * Pushes the decoded base64 text s (url: base64url); -1 (nothing pushed)
 * if it is not valid base64.
 */
int faas_base64_decode_push(lua_State *L, const char *s, size_t len,
    int url);

/* Pushes s of len bytes as base64, padded (url: base64url, unpadded). */
void faas_base64_encode_push(lua_State *L, const char *s, size_t len,
    int url);

/* Sets `geo`: faas.geo([ip]) through the host's geo operation. */
int faas_lib_geo_open(lua_State *L);

/*
 * Sets `kv`: faas.kv.get/set/incr/delete over call->store, writes staged
 * per invocation.  faas_kv_commit() applies the staged writes of the
 * running invocation in one write transaction; the runtime calls it once
 * the handler's result is validated and before anything is written back.
 * On failure it raises with call->fail = FAAS_FAIL_STATE.  Without
 * staged writes it costs a test.
 */
int faas_lib_kv_open(lua_State *L);
void faas_kv_commit(lua_State *L);

/* Sets `invoke`: faas.invoke(backend, action, payload [, opts]). */
int faas_lib_invoke_open(lua_State *L);

/*
 * Sets `req`, `resp`, `respond` and `redirect`: the request and response
 * read and written through the host at once (faas_lib_http.c).
 */
int faas_lib_http_open(lua_State *L);

/*
 * Decodes JSON text of len bytes and pushes the value (objects and arrays
 * become tables, null the faas.json.null sentinel).  Returns 0, or -1
 * with nothing pushed and a message in err for invalid JSON or a limit.
 * Raises only Lua memory errors; the parse tree such an error leaves is
 * freed by the next decode or when the invocation ends.
 */
int faas_json_push_decoded(lua_State *L, const char *s, size_t len,
    char *err, size_t errlen);

/* frees the tree of a decode that a Lua memory error interrupted */
void faas_json_release(void);

/*
 * Encodes the value at index idx and pushes the JSON text.  Returns 0, or
 * -1 with nothing pushed and a message in err for a value JSON cannot
 * hold (function, NaN, cycle, ...) or a limit.  Raises only Lua memory
 * errors.  Tables are read raw: no metamethod runs.
 */
int faas_json_push_encoded(lua_State *L, int idx, char *err,
    size_t errlen);

#endif /* FAAS_LIB_H */
