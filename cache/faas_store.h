/*
 * cache/: the LMDB store behind faas.kv (function state) and the backend
 * result cache (SPEC sections 5 and 7).  Plain C: libc and liblmdb only,
 * used by the nginx adapter, the local runner and tests/test_store.c.
 *
 * One LMDB environment per nginx instance, in a directory (data.mdb and
 * lock.mdb), with three named databases:
 *
 *   "meta"   the format version tag ("format" -> "1.0");
 *   "kv"     function state, keyed "<function name>\0<key>";
 *   "cache"  backend results, keyed by an opaque caller-made key.
 *
 * Namespaces are a key prefix, not one named database per function:
 * LMDB fixes maxdbs when the environment is opened, every named database
 * costs a slot in every transaction and a linear name search at open,
 * and a fleet may load thousands of functions; a prefix costs the name's
 * bytes in each key and nothing else.  A function name never contains a
 * NUL byte, so "<name>\0<key>" is unambiguous even for keys holding NULs
 * and mdb_dump shows the owner of every key.  A key may be up to
 * mdb_env_get_maxkeysize() (511) minus the name and the NUL.
 *
 * A value is a 12-byte header and the payload (faas_store_value.c):
 *
 *   byte 0       type: FAAS_STORE_STRING (1) or FAAS_STORE_NUMBER (2)
 *   byte 1       flags (free for callers; the cache may mark results)
 *   byte 2       header length (12), so a later format can grow it
 *   byte 3       reserved, 0
 *   bytes 4-11   expiry, unix milliseconds, little-endian, 0 = never
 *   then         string bytes, or a number as an 8-byte IEEE double
 *
 * An entry whose expiry is <= now_ms is invisible to every read at once;
 * faas_store_sweep() removes it later, in bounded write transactions.
 *
 * Life cycle in nginx: the master calls faas_store_check_create() at
 * configuration time (creates the directory and the databases, checks
 * the version tag, chowns to the worker user, closes); each worker calls
 * faas_store_open() after fork and faas_store_close() at exit.  An
 * environment must never be used across fork().
 *
 * Reads: faas_store_read_begin(), any number of faas_store_get() /
 * faas_store_cache_get(), faas_store_read_end().  Returned pointers go
 * into the map and stay valid until faas_store_read_end(); the read
 * transaction is reused (reset/renew), so a read costs no allocation.
 * Keep a read short: an open read pins the pages of its snapshot.
 *
 * Writes to "kv" go through a batch (one per invocation): set, incr and
 * delete are staged in memory, coalesced per key, visible through
 * faas_store_batch_find(), and applied together in one write transaction
 * by faas_store_batch_commit(), all or nothing.  incr is applied inside
 * the write transaction on the value stored then, so it is exact across
 * workers (LMDB serializes writers across processes).
 *
 * Every call returns a FAAS_STORE_* code; on failure the message is in
 * faas_store_strerror(store) (or in err for the calls that make a store).
 * One store is used by one thread at a time.
 */

#ifndef FAAS_STORE_H
#define FAAS_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>


#define FAAS_STORE_OK            0
#define FAAS_STORE_ERROR        -1   /* I/O, corrupt data, LMDB failure */
#define FAAS_STORE_NOT_FOUND    -2   /* no such key, or expired */
#define FAAS_STORE_FULL         -3   /* the map is full: raise size= */
#define FAAS_STORE_TOO_BIG      -4   /* key, value or batch over a limit */
#define FAAS_STORE_BAD_TYPE     -5   /* incr of a value that is a string */
#define FAAS_STORE_VERSION      -6   /* the directory has another format */

#define FAAS_STORE_STRING        1
#define FAAS_STORE_NUMBER        2

#define FAAS_STORE_OP_SET        1
#define FAAS_STORE_OP_DELETE     2
#define FAAS_STORE_OP_INCR       3

#define FAAS_STORE_FORMAT_MAJOR  1
#define FAAS_STORE_FORMAT_MINOR  0

#define FAAS_STORE_DEFAULT_MAP_SIZE    (256 * 1024 * 1024)
#define FAAS_STORE_DEFAULT_READERS     126
#define FAAS_STORE_DEFAULT_MAX_VALUE   (64 * 1024)
#define FAAS_STORE_DEFAULT_MAX_BATCH   (1024 * 1024)
#define FAAS_STORE_DEFAULT_MAX_CACHE   (1024 * 1024)

#define FAAS_STORE_ERRLEN        512


typedef struct faas_store_s        faas_store_t;
typedef struct faas_store_batch_s  faas_store_batch_t;

typedef struct {
    const char  *dir;              /* the environment's directory */
    size_t       map_size;         /* bytes; LMDB rounds to pages */

    /*
     * Reader slots: one per open read transaction in every process.
     * The adapter passes 2 * worker_processes + a margin: during a
     * reload the old workers still hold theirs, and mdb_stat/mdb_dump
     * take one each.  The lock file keeps the size it got from the
     * first process to open it while any process holds it open.
     */
    unsigned     max_readers;

    int          sync;             /* 0: MDB_NOSYNC + faas_store_sync() */

    uid_t        uid;              /* owner to give the files, or -1 */
    gid_t        gid;

    size_t       max_value;        /* bytes of one kv value */
    size_t       max_batch;        /* bytes staged by one batch */
    size_t       max_cache_value;  /* bytes of one cached result */
} faas_store_conf_t;

typedef struct {
    int          type;             /* FAAS_STORE_STRING or _NUMBER */
    unsigned     flags;            /* header byte 1 */
    const char  *data;             /* string bytes, into the map */
    size_t       len;
    double       number;           /* FAAS_STORE_NUMBER */
    uint64_t     expires_ms;       /* 0: never */
    int          stale;            /* faas_store_cache_get_stale(): expired */
} faas_store_value_t;

/* The staged state of one key in a batch, see faas_store_batch_find(). */
typedef struct {
    int          op;               /* FAAS_STORE_OP_SET, _DELETE, _INCR */
    int          type;             /* OP_SET: FAAS_STORE_STRING or _NUMBER */
    const char  *data;             /* OP_SET string: valid until the batch
                                      changes */
    size_t       len;
    double       number;           /* OP_SET number: the value;
                                      OP_INCR: the delta to add to the
                                      stored value */
    uint64_t     ttl_ms;           /* 0: none */
    int          committed;        /* set by a successful commit */
    double       result;           /* OP_INCR once committed: the value
                                      stored by the commit */
} faas_store_staged_t;

typedef struct {
    size_t       map_size;         /* bytes mapped */
    size_t       page_size;
    size_t       used_bytes;       /* pages in use (high water - free) */
    size_t       high_water_bytes; /* last page used in the file */
    size_t       kv_entries;
    size_t       cache_entries;
    unsigned     max_readers;
    unsigned     readers_used;     /* high water of the reader table */
} faas_store_stat_t;


/*
 * Defaults: 256 MiB map, sync on, 126 readers, no chown, 64 KiB kv
 * values, 1 MiB per batch, 1 MiB cached results.
 */
void faas_store_conf_init(faas_store_conf_t *conf, const char *dir);

/*
 * For the master at configuration time: creates conf->dir if missing
 * (mode 0700, only the last path component), opens the environment,
 * creates the named databases, writes or checks the format version tag,
 * gives the directory and its files to conf->uid/gid (when not -1), and
 * closes.  Returns FAAS_STORE_OK, or FAAS_STORE_VERSION / _FULL / _ERROR
 * with a message naming the directory and the system's or LMDB's reason
 * in err (a missing parent, a file instead of a directory, no access, a
 * corrupt data.mdb, another major format version).
 */
int faas_store_check_create(const faas_store_conf_t *conf, char *err,
    size_t errlen);

/*
 * For each worker after fork (and for the local runner and tests): opens
 * the environment (creating it as faas_store_check_create() does when
 * needed), clears reader slots left by dead processes (mdb_reader_check)
 * and returns the store in *storep.  On failure *storep is NULL and err
 * says why.
 */
int faas_store_open(const faas_store_conf_t *conf, faas_store_t **storep,
    char *err, size_t errlen);

/* Ends any read, closes the environment, frees the store. NULL is ok. */
void faas_store_close(faas_store_t *store);

/* The message of the last failure on this store. */
const char *faas_store_strerror(faas_store_t *store);

/* "OK", "NOT_FOUND", "FULL", ...: for logs and metric labels. */
const char *faas_store_code_name(int rc);

/* Flushes to disk; for a periodic timer when sync is off. */
int faas_store_sync(faas_store_t *store);

/* Limits of the key a caller may pass for namespace ns_len bytes long. */
size_t faas_store_max_key(faas_store_t *store, size_t ns_len);
size_t faas_store_max_value(faas_store_t *store);

/*
 * Reads.  faas_store_read_begin() starts (renews) the store's read
 * transaction; faas_store_read_end() resets it.  Nested begins are
 * counted, so a helper may begin/end inside an open read.
 */
int faas_store_read_begin(faas_store_t *store);
void faas_store_read_end(faas_store_t *store);

/*
 * Function state: the value of key in namespace ns (the function name)
 * at now_ms.  FAAS_STORE_NOT_FOUND when missing or expired.  Must be
 * inside read_begin/read_end; value->data is valid until read_end.
 */
int faas_store_get(faas_store_t *store, const char *ns, size_t ns_len,
    const char *key, size_t key_len, uint64_t now_ms,
    faas_store_value_t *value);

/*
 * Backend results (db "cache"), keyed by an opaque key that the caller
 * makes (e.g. a hash of backend, action and payload).  cache_get sees
 * fresh entries only; cache_get_stale also returns an expired entry not
 * yet swept, with value->stale = 1 (for stale_if_error).  Both inside
 * read_begin/read_end.
 */
int faas_store_cache_get(faas_store_t *store, const char *key,
    size_t key_len, uint64_t now_ms, faas_store_value_t *value);
int faas_store_cache_get_stale(faas_store_t *store, const char *key,
    size_t key_len, uint64_t now_ms, faas_store_value_t *value);

/* Each in its own write transaction; ttl_ms 0 = no expiry. */
int faas_store_cache_set(faas_store_t *store, const char *key,
    size_t key_len, const char *data, size_t len, unsigned flags,
    uint64_t ttl_ms, uint64_t now_ms);
int faas_store_cache_delete(faas_store_t *store, const char *key,
    size_t key_len);

/*
 * Removes expired entries, looking at no more than max_entries entries
 * in one write transaction, so a sweep timer never holds the writer lock
 * for long.  It goes on where the previous call stopped: successive calls
 * walk "kv" and then "cache", and start over.  Cache entries are kept
 * cache_grace_ms past their expiry for faas_store_cache_get_stale().
 * *removed (may be NULL) gets the number removed; *wrapped (may be NULL)
 * is set to 1 when this call finished a pass over both databases.
 */
int faas_store_sweep(faas_store_t *store, uint64_t now_ms,
    uint64_t cache_grace_ms, size_t max_entries, size_t *removed,
    int *wrapped);

/* Pages in use * page size (the faas_state_used_bytes metric). */
int faas_store_used_bytes(faas_store_t *store, size_t *used);
int faas_store_stat(faas_store_t *store, faas_store_stat_t *st);

/*
 * Batches (one per invocation).  A batch belongs to one store and takes
 * its limits; it owns a growable buffer that reset keeps (up to a size),
 * so a worker can keep one batch and reset it for every invocation.
 */
faas_store_batch_t *faas_store_batch_create(faas_store_t *store);
void faas_store_batch_destroy(faas_store_batch_t *batch);
void faas_store_batch_reset(faas_store_batch_t *batch);

/* Keys staged (one per key, however many ops were staged on it). */
size_t faas_store_batch_count(faas_store_batch_t *batch);

/*
 * Staging.  The ops of a key coalesce: a later set or delete replaces
 * what was staged; incr adds to a staged number or incr, turns a staged
 * delete into a set of the delta, and fails with FAAS_STORE_BAD_TYPE on
 * a staged string.  ttl_ms 0 = no expiry; a set's ttl replaces the
 * stored expiry; an incr's ttl applies only when the incr creates the
 * key (missing or expired), so a fixed-window counter keeps its window,
 * as ngx.shared.DICT:incr's init_ttl.  A key or value over the limits
 * fails with FAAS_STORE_TOO_BIG and leaves the batch as it was.
 */
int faas_store_batch_set(faas_store_batch_t *batch, const char *ns,
    size_t ns_len, const char *key, size_t key_len, const char *data,
    size_t len, uint64_t ttl_ms);
int faas_store_batch_set_number(faas_store_batch_t *batch, const char *ns,
    size_t ns_len, const char *key, size_t key_len, double number,
    uint64_t ttl_ms);
int faas_store_batch_incr(faas_store_batch_t *batch, const char *ns,
    size_t ns_len, const char *key, size_t key_len, double delta,
    uint64_t ttl_ms);
int faas_store_batch_delete(faas_store_batch_t *batch, const char *ns,
    size_t ns_len, const char *key, size_t key_len);

/*
 * The staged state of a key, for reads that must see the invocation's
 * own writes: FAAS_STORE_NOT_FOUND when nothing is staged (read the
 * store); otherwise st->op says set (use st's value), delete (the key
 * is gone) or incr (add st->number to the stored number, 0 if none).
 */
int faas_store_batch_find(faas_store_batch_t *batch, const char *ns,
    size_t ns_len, const char *key, size_t key_len,
    faas_store_staged_t *st);

/*
 * Applies every staged key in one write transaction at now_ms: all or
 * nothing.  FAAS_STORE_BAD_TYPE when an incr meets a stored string,
 * FAAS_STORE_FULL when the map is full (nothing is written; what was
 * there stays readable).  Afterwards faas_store_batch_find() reports
 * committed = 1 and the stored result of each incr.  An empty batch
 * commits nothing and costs nothing.
 */
int faas_store_batch_commit(faas_store_batch_t *batch, uint64_t now_ms);


#endif /* FAAS_STORE_H */
