/*
 * Sweeping: expired entries are already invisible to reads, so removing
 * them is only about space.  A call looks at a bounded number of entries
 * in one write transaction and remembers the next key to look at, so a
 * timer in one worker walks both databases in small steps and never
 * holds LMDB's writer lock (which every worker's commit needs) for long.
 */

#include <string.h>

#include "cache/faas_store_int.h"


typedef struct {
    uint64_t     now_ms;
    uint64_t     cache_grace_ms;
    size_t       max_entries;

    /* where the transaction ends; the store's position moves there only
       once it has committed */
    int          next_cache;
    size_t       next_key_len;     /* the key is in store->keybuf */
    int          wrapped;
    size_t       removed;
} faas_store_sweep_t;


static int
faas_store_sweep_txn(faas_store_t *store, MDB_txn *txn, void *data)
{
    int                  rc, in_cache;
    size_t               budget, key_len;
    MDB_dbi              dbi;
    MDB_val              k, v;
    uint64_t             grace;
    MDB_cursor          *cur;
    const char          *key;
    faas_store_raw_t     raw;
    faas_store_sweep_t  *sw;

    sw = data;

    sw->removed = 0;
    sw->wrapped = 0;

    in_cache = store->sweep_cache;
    key = store->sweep_key;
    key_len = store->sweep_key_len;
    budget = sw->max_entries;

    while (budget) {
        dbi = in_cache ? store->cache : store->kv;
        grace = in_cache ? sw->cache_grace_ms : 0;

        rc = mdb_cursor_open(txn, dbi, &cur);
        if (rc != 0) {
            return faas_store_mdb_error(store, rc, "mdb_cursor_open");
        }

        if (key_len) {
            k.mv_data = (void *) key;
            k.mv_size = key_len;
            rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);

        } else {
            rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
        }

        while (rc == 0 && budget) {
            budget--;

            if (faas_store_value_decode(&v, &raw) == FAAS_STORE_OK
                && raw.expires_ms != 0
                && sw->now_ms >= grace
                && raw.expires_ms <= sw->now_ms - grace)
            {
                rc = mdb_cursor_del(cur, 0);
                if (rc != 0) {
                    mdb_cursor_close(cur);
                    return faas_store_mdb_error(store, rc,
                                                "mdb_cursor_del");
                }

                sw->removed++;
            }

            /* after a delete, MDB_NEXT yields the entry that followed */
            rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
        }

        mdb_cursor_close(cur);

        if (rc == 0) {
            /* out of budget: k is the first key not looked at */
            memcpy(store->keybuf, k.mv_data, k.mv_size);
            sw->next_cache = in_cache;
            sw->next_key_len = k.mv_size;
            break;
        }

        if (rc != MDB_NOTFOUND) {
            return faas_store_mdb_error(store, rc, "mdb_cursor_get");
        }

        /* the end of this database: on to the other one */

        key_len = 0;
        in_cache = !in_cache;

        sw->next_cache = in_cache;
        sw->next_key_len = 0;

        if (!in_cache) {
            sw->wrapped = 1;
            break;
        }
    }

    return sw->removed ? FAAS_STORE_OK : FAAS_STORE_NOOP;
}


int
faas_store_sweep(faas_store_t *store, uint64_t now_ms,
    uint64_t cache_grace_ms, size_t max_entries, size_t *removed,
    int *wrapped)
{
    int                 rc;
    faas_store_sweep_t  sw;

    memset(&sw, 0, sizeof(faas_store_sweep_t));

    sw.now_ms = now_ms;
    sw.cache_grace_ms = cache_grace_ms;
    sw.max_entries = max_entries;
    sw.next_cache = store->sweep_cache;

    rc = faas_store_write(store, faas_store_sweep_txn, &sw, 1);

    if (removed) {
        *removed = rc == FAAS_STORE_OK ? sw.removed : 0;
    }

    if (wrapped) {
        *wrapped = rc == FAAS_STORE_OK ? sw.wrapped : 0;
    }

    if (rc != FAAS_STORE_OK) {
        return rc;
    }

    if (max_entries) {
        store->sweep_cache = sw.next_cache;
        store->sweep_key_len = sw.next_key_len;
        memcpy(store->sweep_key, store->keybuf, sw.next_key_len);
    }

    return FAAS_STORE_OK;
}
