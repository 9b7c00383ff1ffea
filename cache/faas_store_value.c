/*
 * The value format of the store (see the layout in faas_store.h).  Fields
 * are written byte by byte in little-endian order: LMDB hands out values
 * at 2-byte alignment only, and a fixed order lets a reader of mdb_dump
 * output decode them on any machine.
 */

#include <string.h>

#include "cache/faas_store_int.h"


static void
faas_store_u64_put(char *p, uint64_t v)
{
    int  i;

    for (i = 0; i < 8; i++) {
        p[i] = (char) (v >> (8 * i));
    }
}


static uint64_t
faas_store_u64_get(const char *p)
{
    int       i;
    uint64_t  v;

    v = 0;

    for (i = 7; i >= 0; i--) {
        v = (v << 8) | (unsigned char) p[i];
    }

    return v;
}


void
faas_store_number_put(char *p, double number)
{
    uint64_t  bits;

    memcpy(&bits, &number, sizeof(bits));
    faas_store_u64_put(p, bits);
}


double
faas_store_number_get(const char *p)
{
    double    number;
    uint64_t  bits;

    bits = faas_store_u64_get(p);
    memcpy(&number, &bits, sizeof(number));

    return number;
}


size_t
faas_store_value_size(int type, size_t len)
{
    return FAAS_STORE_HEADER_LEN + (type == FAAS_STORE_NUMBER ? 8 : len);
}


/* p has faas_store_value_size(type, len) bytes */

void
faas_store_value_encode(char *p, int type, unsigned flags,
    uint64_t expires_ms, const char *data, size_t len, double number)
{
    p[0] = (char) type;
    p[1] = (char) flags;
    p[2] = FAAS_STORE_HEADER_LEN;
    p[3] = 0;
    faas_store_u64_put(p + 4, expires_ms);

    if (type == FAAS_STORE_NUMBER) {
        faas_store_number_put(p + FAAS_STORE_HEADER_LEN, number);

    } else if (len) {
        memcpy(p + FAAS_STORE_HEADER_LEN, data, len);
    }
}


/* FAAS_STORE_ERROR for bytes that are not a value of ours */

int
faas_store_value_decode(const MDB_val *v, faas_store_raw_t *raw)
{
    size_t       hlen;
    const char  *p;

    p = v->mv_data;

    if (v->mv_size < FAAS_STORE_HEADER_LEN) {
        return FAAS_STORE_ERROR;
    }

    hlen = (unsigned char) p[2];

    if (hlen < FAAS_STORE_HEADER_LEN || hlen > v->mv_size) {
        return FAAS_STORE_ERROR;
    }

    raw->type = (unsigned char) p[0];
    raw->flags = (unsigned char) p[1];
    raw->expires_ms = faas_store_u64_get(p + 4);
    raw->data = p + hlen;
    raw->len = v->mv_size - hlen;

    if (raw->type == FAAS_STORE_NUMBER) {
        if (raw->len != 8) {
            return FAAS_STORE_ERROR;
        }

    } else if (raw->type != FAAS_STORE_STRING) {
        return FAAS_STORE_ERROR;
    }

    return FAAS_STORE_OK;
}


int
faas_store_value_export(const faas_store_raw_t *raw,
    faas_store_value_t *value)
{
    value->type = raw->type;
    value->flags = raw->flags;
    value->expires_ms = raw->expires_ms;
    value->data = raw->data;
    value->len = raw->len;
    value->stale = 0;
    value->number = 0;

    if (raw->type == FAAS_STORE_NUMBER) {
        value->number = faas_store_number_get(raw->data);
    }

    return FAAS_STORE_OK;
}
