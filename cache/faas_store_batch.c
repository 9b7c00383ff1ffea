/*
 * Batches: the writes of one invocation, staged in memory and applied in
 * one write transaction.
 *
 * Each key has one entry, which later ops on the key update (coalesce),
 * so a lookup returns the key's final staged state without replaying a
 * log, and the commit does one LMDB operation per key.  The entries live
 * in an array, their keys ("<ns>\0<key>", ready for LMDB) and string
 * values in one growable buffer addressed by offsets (so growing it
 * moves nothing that an entry holds), and an open-addressing hash index
 * finds a key in O(1) however many keys an invocation writes.
 */

#include <stdlib.h>
#include <string.h>

#include "cache/faas_store_int.h"


typedef struct {
    uint32_t     key_off;          /* "<ns>\0<key>" in buf */
    uint32_t     key_len;
    uint32_t     val_off;          /* string value in buf */
    uint32_t     val_len;
    uint32_t     val_cap;          /* bytes reserved at val_off */
    uint32_t     hash;
    int          op;
    int          type;
    int          committed;
    double       number;           /* set: the number; incr: the delta */
    double       result;           /* incr: the value committed */
    uint64_t     ttl_ms;
} faas_store_entry_t;


struct faas_store_batch_s {
    faas_store_t        *store;

    faas_store_entry_t  *entries;
    size_t               nentries;
    size_t               nalloc;

    char                *buf;
    size_t               used;
    size_t               size;

    uint32_t            *index;    /* entry number + 1; 0: empty slot */
    size_t               index_size;

    uint64_t             now_ms;   /* of the commit under way */
};


static int faas_store_batch_stage(faas_store_batch_t *batch, const char *ns,
    size_t ns_len, const char *key, size_t key_len, size_t val_len,
    faas_store_entry_t **entryp);
static faas_store_entry_t *faas_store_batch_lookup(faas_store_batch_t *batch,
    const char *key, size_t len, uint32_t hash);
static int faas_store_batch_alloc(faas_store_batch_t *batch, size_t n,
    uint32_t *offp);
static int faas_store_batch_index_grow(faas_store_batch_t *batch);
static uint32_t faas_store_hash(const char *p, size_t len);
static int faas_store_batch_bad_type(faas_store_t *store, const char *key,
    size_t len, const char *why);
static int faas_store_batch_write(faas_store_t *store, MDB_txn *txn,
    void *data);
static int faas_store_batch_apply(faas_store_batch_t *batch, MDB_txn *txn,
    faas_store_entry_t *e, uint64_t now_ms);


faas_store_batch_t *
faas_store_batch_create(faas_store_t *store)
{
    faas_store_batch_t  *batch;

    batch = calloc(1, sizeof(faas_store_batch_t));
    if (batch == NULL) {
        return NULL;
    }

    batch->store = store;

    return batch;
}


void
faas_store_batch_destroy(faas_store_batch_t *batch)
{
    if (batch == NULL) {
        return;
    }

    free(batch->entries);
    free(batch->buf);
    free(batch->index);
    free(batch);
}


void
faas_store_batch_reset(faas_store_batch_t *batch)
{
    size_t  held;

    held = batch->size + batch->nalloc * sizeof(faas_store_entry_t)
           + batch->index_size * sizeof(uint32_t);

    /* one invocation that wrote a lot must not keep a worker fat */

    if (held > FAAS_STORE_BATCH_KEEP) {
        free(batch->entries);
        free(batch->buf);
        free(batch->index);

        batch->entries = NULL;
        batch->nalloc = 0;
        batch->buf = NULL;
        batch->size = 0;
        batch->index = NULL;
        batch->index_size = 0;

    } else if (batch->nentries) {
        memset(batch->index, 0, batch->index_size * sizeof(uint32_t));
    }

    batch->nentries = 0;
    batch->used = 0;
}


size_t
faas_store_batch_count(faas_store_batch_t *batch)
{
    return batch->nentries;
}


int
faas_store_batch_set(faas_store_batch_t *batch, const char *ns,
    size_t ns_len, const char *key, size_t key_len, const char *data,
    size_t len, uint64_t ttl_ms)
{
    int                  rc;
    faas_store_entry_t  *e;

    if (len > batch->store->max_value) {
        return faas_store_error(batch->store, FAAS_STORE_TOO_BIG,
                   "value of %zu bytes exceeds the limit of %zu bytes",
                   len, batch->store->max_value);
    }

    rc = faas_store_batch_stage(batch, ns, ns_len, key, key_len, len, &e);
    if (rc != FAAS_STORE_OK) {
        return rc;
    }

    if (len) {
        memcpy(batch->buf + e->val_off, data, len);
    }

    e->op = FAAS_STORE_OP_SET;
    e->type = FAAS_STORE_STRING;
    e->val_len = (uint32_t) len;
    e->number = 0;
    e->ttl_ms = ttl_ms;
    e->committed = 0;

    return FAAS_STORE_OK;
}


int
faas_store_batch_set_number(faas_store_batch_t *batch, const char *ns,
    size_t ns_len, const char *key, size_t key_len, double number,
    uint64_t ttl_ms)
{
    int                  rc;
    faas_store_entry_t  *e;

    rc = faas_store_batch_stage(batch, ns, ns_len, key, key_len, 0, &e);
    if (rc != FAAS_STORE_OK) {
        return rc;
    }

    e->op = FAAS_STORE_OP_SET;
    e->type = FAAS_STORE_NUMBER;
    e->val_len = 0;
    e->number = number;
    e->ttl_ms = ttl_ms;
    e->committed = 0;

    return FAAS_STORE_OK;
}


int
faas_store_batch_incr(faas_store_batch_t *batch, const char *ns,
    size_t ns_len, const char *key, size_t key_len, double delta,
    uint64_t ttl_ms)
{
    int                  rc;
    faas_store_entry_t  *e;

    rc = faas_store_batch_stage(batch, ns, ns_len, key, key_len, 0, &e);
    if (rc != FAAS_STORE_OK) {
        return rc;
    }

    e->committed = 0;

    switch (e->op) {

    case FAAS_STORE_OP_SET:
        if (e->type != FAAS_STORE_NUMBER) {
            return faas_store_batch_bad_type(batch->store,
                       batch->buf + e->key_off, e->key_len,
                       "value is a string");
        }

        /* the staged set made the key: its ttl stays */
        e->number += delta;
        break;

    case FAAS_STORE_OP_DELETE:
        /* an incr after a delete creates the key with the delta */
        e->op = FAAS_STORE_OP_SET;
        e->type = FAAS_STORE_NUMBER;
        e->val_len = 0;
        e->number = delta;
        e->ttl_ms = ttl_ms;
        break;

    case FAAS_STORE_OP_INCR:
        e->number += delta;

        if (e->ttl_ms == 0) {
            e->ttl_ms = ttl_ms;
        }

        break;

    default: /* a new entry */
        e->op = FAAS_STORE_OP_INCR;
        e->type = FAAS_STORE_NUMBER;
        e->number = delta;
        e->ttl_ms = ttl_ms;
        break;
    }

    return FAAS_STORE_OK;
}


int
faas_store_batch_delete(faas_store_batch_t *batch, const char *ns,
    size_t ns_len, const char *key, size_t key_len)
{
    int                  rc;
    faas_store_entry_t  *e;

    rc = faas_store_batch_stage(batch, ns, ns_len, key, key_len, 0, &e);
    if (rc != FAAS_STORE_OK) {
        return rc;
    }

    e->op = FAAS_STORE_OP_DELETE;
    e->type = 0;
    e->val_len = 0;
    e->number = 0;
    e->ttl_ms = 0;
    e->committed = 0;

    return FAAS_STORE_OK;
}


int
faas_store_batch_find(faas_store_batch_t *batch, const char *ns,
    size_t ns_len, const char *key, size_t key_len,
    faas_store_staged_t *st)
{
    int                  rc;
    size_t               len;
    faas_store_entry_t  *e;

    rc = faas_store_make_key(batch->store, batch->store->keybuf, ns, ns_len,
                             key, key_len, &len);
    if (rc != FAAS_STORE_OK) {
        return rc;
    }

    e = faas_store_batch_lookup(batch, batch->store->keybuf, len,
                                faas_store_hash(batch->store->keybuf, len));
    if (e == NULL) {
        return FAAS_STORE_NOT_FOUND;
    }

    st->op = e->op;
    st->type = e->type;
    st->data = batch->buf + e->val_off;
    st->len = e->val_len;
    st->number = e->number;
    st->ttl_ms = e->ttl_ms;
    st->committed = e->committed;
    st->result = e->result;

    return FAAS_STORE_OK;
}


int
faas_store_batch_commit(faas_store_batch_t *batch, uint64_t now_ms)
{
    int     rc, removal;
    size_t  i;

    if (batch->nentries == 0) {
        return FAAS_STORE_OK;
    }

    batch->now_ms = now_ms;
    removal = 1;

    for (i = 0; i < batch->nentries; i++) {
        if (batch->entries[i].op != FAAS_STORE_OP_DELETE) {
            removal = 0;
            break;
        }
    }

    rc = faas_store_write(batch->store, faas_store_batch_write, batch,
                          removal);
    if (rc != FAAS_STORE_OK) {
        return rc;
    }

    for (i = 0; i < batch->nentries; i++) {
        batch->entries[i].committed = 1;
    }

    return FAAS_STORE_OK;
}


static int
faas_store_batch_write(faas_store_t *store, MDB_txn *txn, void *data)
{
    int                  rc;
    size_t               i;
    faas_store_batch_t  *batch;

    (void) store;

    batch = data;

    for (i = 0; i < batch->nentries; i++) {
        rc = faas_store_batch_apply(batch, txn, &batch->entries[i],
                                    batch->now_ms);
        if (rc != FAAS_STORE_OK) {
            return rc;
        }
    }

    return FAAS_STORE_OK;
}


static int
faas_store_batch_apply(faas_store_batch_t *batch, MDB_txn *txn,
    faas_store_entry_t *e, uint64_t now_ms)
{
    int               rc;
    double            base;
    MDB_val           k, v;
    uint64_t          expires;
    faas_store_t     *store;
    faas_store_raw_t  raw;

    store = batch->store;

    k.mv_data = batch->buf + e->key_off;
    k.mv_size = e->key_len;

    if (e->op == FAAS_STORE_OP_DELETE) {
        rc = mdb_del(txn, store->kv, &k, NULL);
        if (rc != 0 && rc != MDB_NOTFOUND) {
            return faas_store_mdb_error(store, rc, "mdb_del");
        }

        return FAAS_STORE_OK;
    }

    expires = e->ttl_ms ? now_ms + e->ttl_ms : 0;
    base = 0;

    if (e->op == FAAS_STORE_OP_INCR) {

        /* the stored value as of this transaction: exact across workers */

        rc = mdb_get(txn, store->kv, &k, &v);

        if (rc == 0) {
            if (faas_store_value_decode(&v, &raw) != FAAS_STORE_OK) {
                raw.type = 0;
            }

            if (raw.type == 0 || raw.expires_ms == 0
                || raw.expires_ms > now_ms)
            {
                if (raw.type != FAAS_STORE_NUMBER) {
                    return faas_store_batch_bad_type(store, k.mv_data,
                               k.mv_size, raw.type == FAAS_STORE_STRING
                               ? "stored value is a string"
                               : "stored value is malformed");
                }

                /* an existing key keeps its expiry */
                base = faas_store_number_get(raw.data);
                expires = raw.expires_ms;
            }

        } else if (rc != MDB_NOTFOUND) {
            return faas_store_mdb_error(store, rc, "mdb_get");
        }

        e->result = base + e->number;
    }

    v.mv_size = faas_store_value_size(e->type, e->val_len);

    rc = mdb_put(txn, store->kv, &k, &v, MDB_RESERVE);
    if (rc != 0) {
        return faas_store_mdb_error(store, rc, "mdb_put");
    }

    faas_store_value_encode(v.mv_data, e->type, 0, expires,
                            batch->buf + e->val_off, e->val_len,
                            e->op == FAAS_STORE_OP_INCR ? e->result
                                                        : e->number);

    return FAAS_STORE_OK;
}


/*
 * Finds or adds the entry of a key, with val_len bytes of value space.
 * A new entry has op 0.  Fails (batch unchanged) over the limits.
 */

static int
faas_store_batch_stage(faas_store_batch_t *batch, const char *ns,
    size_t ns_len, const char *key, size_t key_len, size_t val_len,
    faas_store_entry_t **entryp)
{
    int                  rc;
    char                *k;
    size_t               len, need, n;
    uint32_t             hash, off, slot, mask;
    faas_store_t        *store;
    faas_store_entry_t  *e;

    store = batch->store;
    k = store->keybuf;

    rc = faas_store_make_key(store, k, ns, ns_len, key, key_len, &len);
    if (rc != FAAS_STORE_OK) {
        return rc;
    }

    hash = faas_store_hash(k, len);
    e = faas_store_batch_lookup(batch, k, len, hash);

    if (e) {
        if (val_len > e->val_cap) {
            if (batch->used + batch->nentries * sizeof(faas_store_entry_t)
                + val_len > store->max_batch)
            {
                goto too_big;
            }

            rc = faas_store_batch_alloc(batch, val_len, &off);
            if (rc != FAAS_STORE_OK) {
                return rc;
            }

            e->val_off = off;
            e->val_cap = (uint32_t) val_len;
        }

        *entryp = e;
        return FAAS_STORE_OK;
    }

    need = len + val_len + sizeof(faas_store_entry_t);

    if (batch->used + batch->nentries * sizeof(faas_store_entry_t) + need
        > store->max_batch)
    {
        goto too_big;
    }

    if (batch->nentries == batch->nalloc) {
        n = batch->nalloc ? batch->nalloc * 2 : 16;

        e = realloc(batch->entries, n * sizeof(faas_store_entry_t));
        if (e == NULL) {
            goto nomem;
        }

        batch->entries = e;
        batch->nalloc = n;
    }

    if ((batch->nentries + 1) * 2 > batch->index_size) {
        rc = faas_store_batch_index_grow(batch);
        if (rc != FAAS_STORE_OK) {
            return rc;
        }
    }

    rc = faas_store_batch_alloc(batch, len + val_len, &off);
    if (rc != FAAS_STORE_OK) {
        return rc;
    }

    memcpy(batch->buf + off, k, len);

    e = &batch->entries[batch->nentries];
    memset(e, 0, sizeof(faas_store_entry_t));

    e->key_off = off;
    e->key_len = (uint32_t) len;
    e->val_off = off + (uint32_t) len;
    e->val_cap = (uint32_t) val_len;
    e->hash = hash;

    mask = (uint32_t) batch->index_size - 1;

    for (slot = hash & mask; batch->index[slot]; slot = (slot + 1) & mask) {
        /* void */
    }

    batch->index[slot] = (uint32_t) ++batch->nentries;

    *entryp = e;

    return FAAS_STORE_OK;

too_big:

    return faas_store_error(store, FAAS_STORE_TOO_BIG,
               "staged writes exceed the limit of %zu bytes per invocation",
               store->max_batch);

nomem:

    return faas_store_error(store, FAAS_STORE_ERROR,
                            "out of memory staging a write");
}


static faas_store_entry_t *
faas_store_batch_lookup(faas_store_batch_t *batch, const char *key,
    size_t len, uint32_t hash)
{
    uint32_t             slot, mask;
    faas_store_entry_t  *e;

    if (batch->nentries == 0) {
        return NULL;
    }

    mask = (uint32_t) batch->index_size - 1;

    for (slot = hash & mask; batch->index[slot]; slot = (slot + 1) & mask) {
        e = &batch->entries[batch->index[slot] - 1];

        if (e->hash == hash && e->key_len == len
            && memcmp(batch->buf + e->key_off, key, len) == 0)
        {
            return e;
        }
    }

    return NULL;
}


static int
faas_store_batch_alloc(faas_store_batch_t *batch, size_t n, uint32_t *offp)
{
    char    *p;
    size_t   size;

    if (batch->used + n > batch->size) {
        size = batch->size ? batch->size : 4096;

        while (size < batch->used + n) {
            size *= 2;
        }

        p = realloc(batch->buf, size);
        if (p == NULL) {
            return faas_store_error(batch->store, FAAS_STORE_ERROR,
                                    "out of memory staging a write");
        }

        batch->buf = p;
        batch->size = size;
    }

    *offp = (uint32_t) batch->used;
    batch->used += n;

    return FAAS_STORE_OK;
}


static int
faas_store_batch_index_grow(faas_store_batch_t *batch)
{
    size_t               i, size;
    uint32_t            *index, slot, mask;
    faas_store_entry_t  *e;

    size = batch->index_size ? batch->index_size * 2 : 32;

    index = calloc(size, sizeof(uint32_t));
    if (index == NULL) {
        return faas_store_error(batch->store, FAAS_STORE_ERROR,
                                "out of memory staging a write");
    }

    mask = (uint32_t) size - 1;

    for (i = 0; i < batch->nentries; i++) {
        e = &batch->entries[i];

        for (slot = e->hash & mask; index[slot]; slot = (slot + 1) & mask) {
            /* void */
        }

        index[slot] = (uint32_t) i + 1;
    }

    free(batch->index);

    batch->index = index;
    batch->index_size = size;

    return FAAS_STORE_OK;
}


/* FNV-1a */

static uint32_t
faas_store_hash(const char *p, size_t len)
{
    size_t    i;
    uint32_t  h;

    h = 2166136261u;

    for (i = 0; i < len; i++) {
        h ^= (unsigned char) p[i];
        h *= 16777619u;
    }

    return h;
}


/* "<ns>\0<key>" -> cannot incr key "<key>" of "<ns>": <why> */

static int
faas_store_batch_bad_type(faas_store_t *store, const char *key, size_t len,
    const char *why)
{
    char    ns[300], name[300];
    size_t  ns_len;

    ns_len = strlen(key);

    faas_store_key_print(ns, sizeof(ns), key, ns_len);
    faas_store_key_print(name, sizeof(name), key + ns_len + 1,
                         len - ns_len - 1);

    return faas_store_error(store, FAAS_STORE_BAD_TYPE,
                            "cannot incr key \"%s\" of \"%s\": its %s",
                            name, ns, why);
}
