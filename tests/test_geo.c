/*
 * geo/: lookups in MaxMind's public test databases (tests/data/geoip/),
 * corrupt and missing databases.
 */

#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "faas_test.h"
#include "geo/faas_geo.h"


#define DATA  "data/geoip/"


static char  faas_test_buf[256];


/* A result string as a C string for FAAS_CHECK_STR; NULL when absent. */
static const char *
faas_test_str(faas_geo_str_t *s)
{
    if (s->data == NULL) {
        return NULL;
    }

    snprintf(faas_test_buf, sizeof(faas_test_buf), "%.*s", (int) s->len,
             s->data);

    return faas_test_buf;
}


static int
faas_test_all_absent(faas_geo_result_t *r)
{
    return r->found == 0
           && r->country_code.data == NULL && r->country_name.data == NULL
           && r->continent_code.data == NULL && r->region_code.data == NULL
           && r->region_name.data == NULL && r->city.data == NULL
           && r->postal_code.data == NULL && r->time_zone.data == NULL
           && r->as_org.data == NULL && !r->has_latitude
           && !r->has_longitude && !r->has_accuracy_radius && !r->has_asn;
}


static int
faas_test_lookup(faas_geo_t *geo, const char *ip, faas_geo_result_t *r,
    char *err, size_t errlen)
{
    return faas_geo_lookup(geo, ip, strlen(ip), r, err, errlen);
}


static void
faas_test_city_asn(void)
{
    int                  rc;
    char                 err[512];
    faas_geo_t          *geo;
    faas_geo_result_t    r;
    struct sockaddr_in   sin;
    struct sockaddr_in6  sin6;

    geo = faas_geo_create();
    FAAS_CHECK(geo != NULL);

    FAAS_CHECK(faas_geo_open(geo, DATA "GeoIP2-City-Test.mmdb", err,
                             sizeof(err)) == FAAS_GEO_OK);
    FAAS_CHECK(faas_geo_open(geo, DATA "GeoIP2-Country-Test.mmdb", err,
                             sizeof(err)) == FAAS_GEO_OK);
    FAAS_CHECK(faas_geo_open(geo, DATA "GeoLite2-ASN-Test.mmdb", err,
                             sizeof(err)) == FAAS_GEO_OK);
    FAAS_CHECK(faas_geo_count(geo) == 3);

    rc = faas_test_lookup(geo, "81.2.69.142", &r, err, sizeof(err));
    FAAS_CHECK(rc == FAAS_GEO_OK);
    FAAS_CHECK(r.found == 2);
    FAAS_CHECK_STR(faas_test_str(&r.country_code), "GB");
    FAAS_CHECK_STR(faas_test_str(&r.country_name), "United Kingdom");
    FAAS_CHECK_STR(faas_test_str(&r.continent_code), "EU");
    FAAS_CHECK_STR(faas_test_str(&r.region_code), "ENG");
    FAAS_CHECK_STR(faas_test_str(&r.region_name), "England");
    FAAS_CHECK_STR(faas_test_str(&r.city), "London");
    FAAS_CHECK_STR(faas_test_str(&r.time_zone), "Europe/London");
    FAAS_CHECK(r.postal_code.data == NULL);
    FAAS_CHECK(r.has_latitude && r.latitude > 51.51 && r.latitude < 51.52);
    FAAS_CHECK(r.has_longitude && r.longitude < -0.09
               && r.longitude > -0.1);
    FAAS_CHECK(r.has_accuracy_radius && r.accuracy_radius == 10);
    FAAS_CHECK(!r.has_asn && r.as_org.data == NULL);

    rc = faas_test_lookup(geo, "2001:218::1", &r, err, sizeof(err));
    FAAS_CHECK(rc == FAAS_GEO_OK);
    FAAS_CHECK_STR(faas_test_str(&r.country_code), "JP");
    FAAS_CHECK_STR(faas_test_str(&r.continent_code), "AS");
    FAAS_CHECK(r.city.data == NULL);

    rc = faas_test_lookup(geo, "1.128.0.1", &r, err, sizeof(err));
    FAAS_CHECK(rc == FAAS_GEO_OK);
    FAAS_CHECK(r.has_asn && r.asn == 1221);
    FAAS_CHECK_STR(faas_test_str(&r.as_org), "Telstra Pty Ltd");

    /* the same through a struct sockaddr, and IPv4-mapped IPv6 */
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    inet_pton(AF_INET, "81.2.69.142", &sin.sin_addr);
    rc = faas_geo_lookup_sockaddr(geo, (struct sockaddr *) &sin, &r, err,
                                  sizeof(err));
    FAAS_CHECK(rc == FAAS_GEO_OK);
    FAAS_CHECK_STR(faas_test_str(&r.city), "London");

    memset(&sin6, 0, sizeof(sin6));
    sin6.sin6_family = AF_INET6;
    inet_pton(AF_INET6, "::ffff:1.128.0.1", &sin6.sin6_addr);
    rc = faas_geo_lookup_sockaddr(geo, (struct sockaddr *) &sin6, &r, err,
                                  sizeof(err));
    FAAS_CHECK(rc == FAAS_GEO_OK);
    FAAS_CHECK(r.has_asn && r.asn == 1221);

    inet_pton(AF_INET6, "2001:218::1", &sin6.sin6_addr);
    rc = faas_geo_lookup_sockaddr(geo, (struct sockaddr *) &sin6, &r, err,
                                  sizeof(err));
    FAAS_CHECK(rc == FAAS_GEO_OK);
    FAAS_CHECK_STR(faas_test_str(&r.country_code), "JP");

    /* private addresses: no database knows them, every field absent */
    rc = faas_test_lookup(geo, "10.0.0.1", &r, err, sizeof(err));
    FAAS_CHECK(rc == FAAS_GEO_OK && faas_test_all_absent(&r));
    rc = faas_test_lookup(geo, "192.168.1.1", &r, err, sizeof(err));
    FAAS_CHECK(rc == FAAS_GEO_OK && faas_test_all_absent(&r));
    rc = faas_test_lookup(geo, "::1", &r, err, sizeof(err));
    FAAS_CHECK(rc == FAAS_GEO_OK && faas_test_all_absent(&r));

    /* invalid text addresses */
    rc = faas_test_lookup(geo, "not-an-ip", &r, err, sizeof(err));
    FAAS_CHECK(rc == FAAS_GEO_BAD_ADDR);
    FAAS_CHECK_STR(err, "invalid IP address \"not-an-ip\"");
    FAAS_CHECK(faas_test_lookup(geo, "1.2.3.256", &r, err, sizeof(err))
               == FAAS_GEO_BAD_ADDR);
    FAAS_CHECK(faas_test_lookup(geo, "1.2.3", &r, err, sizeof(err))
               == FAAS_GEO_BAD_ADDR);
    FAAS_CHECK(faas_test_lookup(geo, "localhost", &r, err, sizeof(err))
               == FAAS_GEO_BAD_ADDR);
    FAAS_CHECK(faas_test_lookup(geo, "2001:::1", &r, err, sizeof(err))
               == FAAS_GEO_BAD_ADDR);
    FAAS_CHECK(faas_test_lookup(geo, "", &r, err, sizeof(err))
               == FAAS_GEO_BAD_ADDR);
    FAAS_CHECK(faas_geo_lookup(geo, "81.2.69.142x", 11, &r, err,
                               sizeof(err)) == FAAS_GEO_OK);
    FAAS_CHECK(faas_test_lookup(geo, "1111:2222:3333:4444:5555:6666:"
                                "7777:8888:9999", &r, err, sizeof(err))
               == FAAS_GEO_BAD_ADDR);

    faas_geo_close(geo);
}


static void
faas_test_errors(void)
{
    int                 rc, i;
    char                err[512], ip[32];
    unsigned            failed;
    faas_geo_t         *geo;
    faas_geo_result_t   r;

    geo = faas_geo_create();
    FAAS_CHECK(geo != NULL);

    /* a corrupt database is refused at open, naming the file */
    rc = faas_geo_open(geo, DATA "GeoIP2-City-Test-Invalid-Node-Count.mmdb",
                       err, sizeof(err));
    FAAS_CHECK(rc == FAAS_GEO_ERROR);
    FAAS_CHECK(strstr(err, "GeoIP2-City-Test-Invalid-Node-Count.mmdb")
               != NULL);
    FAAS_CHECK(strstr(err, "invalid metadata") != NULL);
    FAAS_CHECK(faas_geo_count(geo) == 0);

    /* a missing file */
    rc = faas_geo_open(geo, DATA "no-such.mmdb", err, sizeof(err));
    FAAS_CHECK(rc == FAAS_GEO_ERROR);
    FAAS_CHECK(strstr(err, "no-such.mmdb") != NULL);
    FAAS_CHECK(strstr(err, "No such file or directory") != NULL);

    /* not a database at all */
    rc = faas_geo_open(geo, DATA "README.md", err, sizeof(err));
    FAAS_CHECK(rc == FAAS_GEO_ERROR);
    FAAS_CHECK(strstr(err, "README.md") != NULL);
    FAAS_CHECK(faas_geo_count(geo) == 0);

    /* broken pointers: opens, but lookups fail cleanly */
    rc = faas_geo_open(geo, DATA "MaxMind-DB-test-broken-pointers-24.mmdb",
                       err, sizeof(err));
    FAAS_CHECK(rc == FAAS_GEO_OK);

    rc = faas_test_lookup(geo, "1.1.1.16", &r, err, sizeof(err));
    FAAS_CHECK(rc == FAAS_GEO_ERROR);
    FAAS_CHECK(strstr(err, "contains bad data") != NULL);

    rc = faas_test_lookup(geo, "1.1.1.32", &r, err, sizeof(err));
    FAAS_CHECK(rc == FAAS_GEO_ERROR);
    FAAS_CHECK(strstr(err, "search tree is corrupt") != NULL);

    /* every address in the test networks: never a crash */
    failed = 0;
    for (i = 0; i < 256; i++) {
        snprintf(ip, sizeof(ip), "1.1.1.%d", i);
        if (faas_test_lookup(geo, ip, &r, err, sizeof(err))
            == FAAS_GEO_ERROR)
        {
            failed++;
        }
    }
    FAAS_CHECK(failed > 0);

    faas_geo_close(geo);
    faas_geo_close(NULL);
}


int
main(void)
{
    faas_test_city_asn();
    faas_test_errors();

    return FAAS_TEST_DONE();
}
