/*
 * Internals of cache/faas_store*.c, shared between its files only.
 */

#ifndef FAAS_STORE_INT_H
#define FAAS_STORE_INT_H

#include <lmdb.h>

#include "cache/faas_store.h"


#define FAAS_STORE_HEADER_LEN  12

/* a handler of faas_store_write() asks to abort: nothing to commit */
#define FAAS_STORE_NOOP        1

/* what faas_store_batch_reset() keeps of the batch buffers */
#define FAAS_STORE_BATCH_KEEP  (256 * 1024)


typedef int (*faas_store_write_pt)(faas_store_t *store, MDB_txn *txn,
    void *data);


struct faas_store_s {
    MDB_env      *env;
    MDB_dbi       meta;
    MDB_dbi       kv;
    MDB_dbi       cache;

    MDB_txn      *rtxn;            /* reused: reset between reads */
    unsigned      reading;         /* read_begin nesting depth */

    size_t        map_size;        /* as configured */
    size_t        max_key;         /* mdb_env_get_maxkeysize() */
    size_t        max_value;
    size_t        max_batch;
    size_t        max_cache_value;

    char         *keybuf;          /* max_key bytes: "<ns>\0<key>" */

    /* where the next faas_store_sweep() starts */
    int           sweep_cache;     /* 0: in "kv", 1: in "cache" */
    size_t        sweep_key_len;   /* 0: at the first key */
    char         *sweep_key;       /* max_key bytes */

    char         *dir;
    char          err[FAAS_STORE_ERRLEN];
};


/* faas_store_value.c */

typedef struct {
    int           type;
    unsigned      flags;
    uint64_t      expires_ms;
    const char   *data;
    size_t        len;
} faas_store_raw_t;

size_t faas_store_value_size(int type, size_t len);
void faas_store_value_encode(char *p, int type, unsigned flags,
    uint64_t expires_ms, const char *data, size_t len, double number);
int faas_store_value_decode(const MDB_val *v, faas_store_raw_t *raw);
int faas_store_value_export(const faas_store_raw_t *raw,
    faas_store_value_t *value);
double faas_store_number_get(const char *p);
void faas_store_number_put(char *p, double number);


/* faas_store.c */

int faas_store_error(faas_store_t *store, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int faas_store_mdb_error(faas_store_t *store, int rc, const char *call);
int faas_store_make_key(faas_store_t *store, char *buf, const char *ns,
    size_t ns_len, const char *key, size_t key_len, size_t *lenp);
size_t faas_store_key_print(char *buf, size_t size, const char *key,
    size_t len);
int faas_store_txn_begin(faas_store_t *store, unsigned flags,
    MDB_txn **txnp);
int faas_store_write(faas_store_t *store, faas_store_write_pt handler,
    void *data, int removal);


#endif /* FAAS_STORE_INT_H */
