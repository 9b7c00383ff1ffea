/*
 * libmaxminddb lookups for faas.geo and the CloudFront-Viewer-* headers.
 * See faas_geo.h for the contract.
 */

#define _GNU_SOURCE                 /* memfd_create() */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mman.h>

#include <maxminddb.h>

#include "faas_geo.h"


struct faas_geo_s {
    unsigned  n;
    MMDB_s    dbs[FAAS_GEO_MAX_DBS];
};


static int faas_geo_copy(const char *path, char *copy, size_t len);
static int faas_geo_lookup_db(MMDB_s *db, const struct sockaddr *sa,
    faas_geo_result_t *res, char *err, size_t errlen);
static int faas_geo_get(MMDB_s *db, MMDB_entry_s *entry,
    const char *const *path, uint32_t type, MMDB_entry_data_s *data,
    char *err, size_t errlen);
static int faas_geo_get_str(MMDB_s *db, MMDB_entry_s *entry,
    const char *const *path, faas_geo_str_t *out, char *err,
    size_t errlen);


/* The MMDB lookup paths of the result fields. */
static const char *const  faas_geo_p_country_code[] =
    { "country", "iso_code", NULL };
static const char *const  faas_geo_p_country_name[] =
    { "country", "names", "en", NULL };
static const char *const  faas_geo_p_continent_code[] =
    { "continent", "code", NULL };
static const char *const  faas_geo_p_region_code[] =
    { "subdivisions", "0", "iso_code", NULL };
static const char *const  faas_geo_p_region_name[] =
    { "subdivisions", "0", "names", "en", NULL };
static const char *const  faas_geo_p_city[] =
    { "city", "names", "en", NULL };
static const char *const  faas_geo_p_postal_code[] =
    { "postal", "code", NULL };
static const char *const  faas_geo_p_time_zone[] =
    { "location", "time_zone", NULL };
static const char *const  faas_geo_p_latitude[] =
    { "location", "latitude", NULL };
static const char *const  faas_geo_p_longitude[] =
    { "location", "longitude", NULL };
static const char *const  faas_geo_p_accuracy_radius[] =
    { "location", "accuracy_radius", NULL };
static const char *const  faas_geo_p_asn[] =
    { "autonomous_system_number", NULL };
static const char *const  faas_geo_p_as_org[] =
    { "autonomous_system_organization", NULL };


faas_geo_t *
faas_geo_create(void)
{
    return calloc(1, sizeof(faas_geo_t));
}


int
faas_geo_open(faas_geo_t *geo, const char *path, char *err, size_t errlen)
{
    int      rc, saved, fd;
    char     copy[64];
    MMDB_s  *db;

    if (geo->n == FAAS_GEO_MAX_DBS) {
        snprintf(err, errlen, "cannot open GeoIP database \"%s\": "
                 "more than %d databases", path, FAAS_GEO_MAX_DBS);
        return FAAS_GEO_ERROR;
    }

    db = &geo->dbs[geo->n];

    fd = faas_geo_copy(path, copy, sizeof(copy));

    errno = 0;
    rc = MMDB_open(fd == -1 ? path : copy, MMDB_MODE_MMAP, db);
    saved = errno;

    if (fd != -1) {
        close(fd);                  /* the mapping keeps the copy */
    }

    if (rc != MMDB_SUCCESS) {
        /* "Error opening the specified MaxMind DB file" says not why */
        if (rc == MMDB_IO_ERROR || (rc == MMDB_FILE_OPEN_ERROR && saved)) {
            snprintf(err, errlen, "cannot open GeoIP database \"%s\": "
                     "%s (%s)", path, MMDB_strerror(rc), strerror(saved));

        } else {
            snprintf(err, errlen, "cannot open GeoIP database \"%s\": %s",
                     path, MMDB_strerror(rc));
        }

        memset(db, 0, sizeof(MMDB_s));
        return FAAS_GEO_ERROR;
    }

    geo->n++;

    return FAAS_GEO_OK;
}


/*
 * The database is mapped from a sealed in-memory copy (a memfd, opened by
 * libmaxminddb through /proc/self/fd), not from its file.  A file written
 * over in place (cp over it, rather than the rename geoipupdate does)
 * would change or truncate the pages under the mapping: a SIGBUS or
 * garbage in every worker, and in every respawned one, since workers
 * inherit the master's mapping, until a reload.  The copy costs the
 * database's size once per configuration (the workers share its pages).
 * Returns the memfd and its path in copy, or -1 when the file cannot be
 * copied (missing, unreadable, no memfd or /proc): then the file itself is
 * opened, and MMDB_open() reports why it cannot be.
 */

static int
faas_geo_copy(const char *path, char *copy, size_t len)
{
    int      in, fd;
    char     buf[65536];
    ssize_t  n;

    in = open(path, O_RDONLY | O_CLOEXEC);
    if (in == -1) {
        return -1;
    }

    fd = memfd_create("faas_geoip", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd == -1) {
        close(in);
        return -1;
    }

    while ((n = read(in, buf, sizeof(buf))) > 0) {
        if (write(fd, buf, n) != n) {
            n = -1;
            break;
        }
    }

    close(in);

    snprintf(copy, len, "/proc/self/fd/%d", fd);

    if (n == -1
        || fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE
                                  | F_SEAL_SEAL) == -1
        || access(copy, R_OK) == -1)
    {
        close(fd);
        return -1;
    }

    return fd;
}


unsigned
faas_geo_count(faas_geo_t *geo)
{
    return geo->n;
}


int
faas_geo_lookup(faas_geo_t *geo, const char *addr, size_t len,
    faas_geo_result_t *res, char *err, size_t errlen)
{
    char                  buf[INET6_ADDRSTRLEN + 1];
    struct sockaddr_in    sin;
    struct sockaddr_in6   sin6;

    /*
     * inet_pton() rather than MMDB_lookup_string(): it accepts only
     * numeric addresses and, unlike getaddrinfo(), allocates nothing.
     */

    if (len == 0 || len >= sizeof(buf)) {
        goto invalid;
    }

    memcpy(buf, addr, len);
    buf[len] = '\0';

    if (memchr(buf, ':', len) == NULL) {
        memset(&sin, 0, sizeof(struct sockaddr_in));
        sin.sin_family = AF_INET;

        if (inet_pton(AF_INET, buf, &sin.sin_addr) != 1) {
            goto invalid;
        }

        return faas_geo_lookup_sockaddr(geo, (struct sockaddr *) &sin, res,
                                        err, errlen);
    }

    memset(&sin6, 0, sizeof(struct sockaddr_in6));
    sin6.sin6_family = AF_INET6;

    if (inet_pton(AF_INET6, buf, &sin6.sin6_addr) != 1) {
        goto invalid;
    }

    return faas_geo_lookup_sockaddr(geo, (struct sockaddr *) &sin6, res,
                                    err, errlen);

invalid:

    snprintf(err, errlen, "invalid IP address \"%.*s\"",
             (int) (len > 64 ? 64 : len), addr);

    return FAAS_GEO_BAD_ADDR;
}


int
faas_geo_lookup_sockaddr(faas_geo_t *geo, const struct sockaddr *sa,
    faas_geo_result_t *res, char *err, size_t errlen)
{
    int                         rc;
    unsigned                    i;
    struct sockaddr_in          sin;
    const struct sockaddr_in6  *sin6;

    memset(res, 0, sizeof(faas_geo_result_t));

    if (sa->sa_family == AF_INET6) {
        sin6 = (const struct sockaddr_in6 *) sa;

        /*
         * An IPv4-mapped address (a dual-stack listener) is looked up
         * as IPv4: IPv4-only databases have no IPv6 tree at all.
         */

        if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
            memset(&sin, 0, sizeof(struct sockaddr_in));
            sin.sin_family = AF_INET;
            memcpy(&sin.sin_addr, &sin6->sin6_addr.s6_addr[12], 4);
            sa = (const struct sockaddr *) &sin;
        }

    } else if (sa->sa_family != AF_INET) {
        snprintf(err, errlen, "unsupported address family %d",
                 (int) sa->sa_family);
        return FAAS_GEO_BAD_ADDR;
    }

    for (i = 0; i < geo->n; i++) {
        rc = faas_geo_lookup_db(&geo->dbs[i], sa, res, err, errlen);
        if (rc != FAAS_GEO_OK) {
            return rc;
        }
    }

    return FAAS_GEO_OK;
}


static int
faas_geo_lookup_db(MMDB_s *db, const struct sockaddr *sa,
    faas_geo_result_t *res, char *err, size_t errlen)
{
    int                   rc;
    MMDB_entry_data_s     data;
    MMDB_lookup_result_s  lr;

    lr = MMDB_lookup_sockaddr(db, sa, &rc);

    if (rc == MMDB_IPV6_LOOKUP_IN_IPV4_DATABASE_ERROR) {
        /* an IPv4-only database knows nothing of IPv6 viewers */
        return FAAS_GEO_OK;
    }

    if (rc != MMDB_SUCCESS) {
        snprintf(err, errlen, "GeoIP lookup in \"%s\" failed: %s",
                 db->filename, MMDB_strerror(rc));
        return FAAS_GEO_ERROR;
    }

    if (!lr.found_entry) {
        return FAAS_GEO_OK;
    }

    res->found++;

#define faas_geo_str(field)                                                   \
    if (res->field.data == NULL                                               \
        && faas_geo_get_str(db, &lr.entry, faas_geo_p_##field, &res->field,   \
                            err, errlen) != FAAS_GEO_OK)                      \
    {                                                                         \
        return FAAS_GEO_ERROR;                                                \
    }

    faas_geo_str(country_code);
    faas_geo_str(country_name);
    faas_geo_str(continent_code);
    faas_geo_str(region_code);
    faas_geo_str(region_name);
    faas_geo_str(city);
    faas_geo_str(postal_code);
    faas_geo_str(time_zone);
    faas_geo_str(as_org);

#undef faas_geo_str

    if (!res->has_latitude) {
        rc = faas_geo_get(db, &lr.entry, faas_geo_p_latitude,
                          MMDB_DATA_TYPE_DOUBLE, &data, err, errlen);
        if (rc == FAAS_GEO_ERROR) {
            return rc;
        }

        if (rc == 1) {
            res->latitude = data.double_value;
            res->has_latitude = 1;
        }
    }

    if (!res->has_longitude) {
        rc = faas_geo_get(db, &lr.entry, faas_geo_p_longitude,
                          MMDB_DATA_TYPE_DOUBLE, &data, err, errlen);
        if (rc == FAAS_GEO_ERROR) {
            return rc;
        }

        if (rc == 1) {
            res->longitude = data.double_value;
            res->has_longitude = 1;
        }
    }

    if (!res->has_accuracy_radius) {
        rc = faas_geo_get(db, &lr.entry, faas_geo_p_accuracy_radius,
                          MMDB_DATA_TYPE_UINT16, &data, err, errlen);
        if (rc == FAAS_GEO_ERROR) {
            return rc;
        }

        if (rc == 1) {
            res->accuracy_radius = data.uint16;
            res->has_accuracy_radius = 1;
        }
    }

    if (!res->has_asn) {
        rc = faas_geo_get(db, &lr.entry, faas_geo_p_asn,
                          MMDB_DATA_TYPE_UINT32, &data, err, errlen);
        if (rc == FAAS_GEO_ERROR) {
            return rc;
        }

        if (rc == 1) {
            res->asn = data.uint32;
            res->has_asn = 1;
        }
    }

    return FAAS_GEO_OK;
}


/*
 * Returns 1 when the path holds a value of the wanted type, 0 when it is
 * absent (or of another type: a field we cannot use is one we do not
 * have), FAAS_GEO_ERROR when the database data is corrupt.
 */

static int
faas_geo_get(MMDB_s *db, MMDB_entry_s *entry, const char *const *path,
    uint32_t type, MMDB_entry_data_s *data, char *err, size_t errlen)
{
    int  rc;

    rc = MMDB_aget_value(entry, data, path);

    if (rc == MMDB_LOOKUP_PATH_DOES_NOT_MATCH_DATA_ERROR
        || rc == MMDB_INVALID_LOOKUP_PATH_ERROR)
    {
        /* e.g. no subdivisions[0], or "country" is not a map */
        return 0;
    }

    if (rc != MMDB_SUCCESS) {
        snprintf(err, errlen, "GeoIP lookup in \"%s\" failed: %s",
                 db->filename, MMDB_strerror(rc));
        return FAAS_GEO_ERROR;
    }

    return data->has_data && data->type == type;
}


static int
faas_geo_get_str(MMDB_s *db, MMDB_entry_s *entry, const char *const *path,
    faas_geo_str_t *out, char *err, size_t errlen)
{
    int                rc;
    MMDB_entry_data_s  data;

    rc = faas_geo_get(db, entry, path, MMDB_DATA_TYPE_UTF8_STRING, &data,
                      err, errlen);
    if (rc == FAAS_GEO_ERROR) {
        return rc;
    }

    if (rc == 1) {
        out->data = data.utf8_string;
        out->len = data.data_size;
    }

    return FAAS_GEO_OK;
}


void
faas_geo_close(faas_geo_t *geo)
{
    unsigned  i;

    if (geo == NULL) {
        return;
    }

    for (i = 0; i < geo->n; i++) {
        MMDB_close(&geo->dbs[i]);
    }

    free(geo);
}
