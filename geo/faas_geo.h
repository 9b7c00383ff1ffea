/*
 * geo/: viewer geolocation over libmaxminddb (SPEC section 5, faas.geo).
 *
 * A faas_geo_t holds up to FAAS_GEO_MAX_DBS databases opened together
 * (typically GeoIP2/GeoLite2 City or Country, and ASN).  A lookup asks
 * every database in the order they were opened and takes each field from
 * the first one that has it, so City + ASN fill one flat result.
 *
 * The databases are mapped with MMDB_MODE_MMAP, from a sealed in-memory
 * copy of the file (a file overwritten in place cannot change them), and
 * a lookup allocates nothing: the strings of a result point into the
 * mapping and are NOT NUL-terminated (MMDB strings carry a length).  They
 * stay valid until faas_geo_close().  A string field is absent when its
 * data is NULL; the numeric fields have their own has_* flags.
 *
 * Plain C (no nginx headers): used by the nginx adapter, the local runner
 * and tests/test_geo.c.
 */

#ifndef FAAS_GEO_H
#define FAAS_GEO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>


#define FAAS_GEO_MAX_DBS     8

#define FAAS_GEO_OK          0
#define FAAS_GEO_ERROR      -1     /* database error: corrupt data, ... */
#define FAAS_GEO_BAD_ADDR   -2     /* the address is not an IPv4/IPv6 */


typedef struct faas_geo_s  faas_geo_t;

typedef struct {
    const char  *data;             /* into the mmap, not NUL-terminated */
    size_t       len;
} faas_geo_str_t;

typedef struct {
    faas_geo_str_t  country_code;      /* country.iso_code */
    faas_geo_str_t  country_name;      /* country.names.en */
    faas_geo_str_t  continent_code;    /* continent.code */
    faas_geo_str_t  region_code;       /* subdivisions[0].iso_code */
    faas_geo_str_t  region_name;       /* subdivisions[0].names.en */
    faas_geo_str_t  city;              /* city.names.en */
    faas_geo_str_t  postal_code;       /* postal.code */
    faas_geo_str_t  time_zone;         /* location.time_zone */
    faas_geo_str_t  as_org;            /* autonomous_system_organization */

    double          latitude;          /* location.latitude */
    double          longitude;         /* location.longitude */
    uint32_t        accuracy_radius;   /* location.accuracy_radius, km */
    uint32_t        asn;               /* autonomous_system_number */

    unsigned        has_latitude:1;
    unsigned        has_longitude:1;
    unsigned        has_accuracy_radius:1;
    unsigned        has_asn:1;

    /* number of databases that had a record for the address */
    unsigned        found;
} faas_geo_result_t;


/* NULL when out of memory. */
faas_geo_t *faas_geo_create(void);

/*
 * Opens one more database.  On failure returns FAAS_GEO_ERROR with a
 * message naming the file and libmaxminddb's reason in err.
 */
int faas_geo_open(faas_geo_t *geo, const char *path, char *err,
    size_t errlen);

/* The number of open databases. */
unsigned faas_geo_count(faas_geo_t *geo);

/*
 * Looks up an address given as text ("81.2.69.142", "2001:218::1"; no
 * host names, no scope ids) of len bytes.  Returns FAAS_GEO_OK (res is
 * filled, all fields absent when no database knows the address),
 * FAAS_GEO_BAD_ADDR or FAAS_GEO_ERROR, with a message in err.
 */
int faas_geo_lookup(faas_geo_t *geo, const char *addr, size_t len,
    faas_geo_result_t *res, char *err, size_t errlen);

/* The same for an AF_INET or AF_INET6 socket address. */
int faas_geo_lookup_sockaddr(faas_geo_t *geo, const struct sockaddr *sa,
    faas_geo_result_t *res, char *err, size_t errlen);

/* Unmaps every database and frees geo; NULL is ignored. */
void faas_geo_close(faas_geo_t *geo);

#endif /* FAAS_GEO_H */
