/*
 * Which headers a function may write, and what a valid header is.
 *
 * Hop-by-hop headers and nginx's internal X-Accel-* are owned by nginx in
 * every event; each event adds the read-only headers of Lambda@Edge that
 * nginx computes itself (Content-Length, Host, Via ...).  A handler that
 * changes one gets an error naming the header and the event.
 */

#include <stdint.h>
#include <string.h>

#include "faas_state.h"


typedef struct {
    const char  *name;
    size_t       len;
} faas_name_t;


/*
 * A list of names and a mask of their lengths: most names a handler
 * writes have a length no name of the list has, which rules them out
 * without a comparison.
 */

typedef struct {
    uint64_t      lens;
    faas_name_t  *names;
} faas_names_t;


#define faas_name(s)      { s, sizeof(s) - 1 },
#define faas_name_len(s)  | (1ULL << (sizeof(s) - 1))

#define faas_names(var, list)                                                \
    static faas_name_t  var##_names[] = { list(faas_name) { NULL, 0 } };     \
    static faas_names_t  var = { 0 list(faas_name_len), var##_names }


#define FAAS_OWNED(n)                                                        \
    n("connection") n("keep-alive") n("proxy-connection")                    \
    n("transfer-encoding") n("upgrade") n("te") n("trailer")

#define FAAS_RO_VIEWER_REQUEST(n)                                            \
    n("content-length") n("host") n("via") n("expect")

#define FAAS_RO_ORIGIN_REQUEST(n)                                            \
    n("content-length") n("via") n("accept-encoding")                        \
    n("if-modified-since") n("if-none-match") n("if-range")                  \
    n("if-unmodified-since")

#define FAAS_RO_VIEWER_RESPONSE(n)                                           \
    n("content-length") n("content-encoding") n("warning") n("via")

/* Content-Length too: nginx frames the (possibly replaced) body */
#define FAAS_RO_ORIGIN_RESPONSE(n)                                           \
    n("content-length") n("via")

/* a generated response: nginx frames the body itself */
#define FAAS_RO_GENERATED(n)                                                 \
    n("content-length")

faas_names(faas_owned, FAAS_OWNED);
faas_names(faas_ro_viewer_request, FAAS_RO_VIEWER_REQUEST);
faas_names(faas_ro_origin_request, FAAS_RO_ORIGIN_REQUEST);
faas_names(faas_ro_viewer_response, FAAS_RO_VIEWER_RESPONSE);
faas_names(faas_ro_origin_response, FAAS_RO_ORIGIN_RESPONSE);
faas_names(faas_ro_generated, FAAS_RO_GENERATED);


static int
faas_name_in(faas_names_t *list, faas_str_t *lname)
{
    faas_name_t  *n;

    if (lname->len >= 64 || (list->lens & (1ULL << lname->len)) == 0) {
        return 0;
    }

    for (n = list->names; n->name; n++) {
        if (n->len == lname->len
            && memcmp(n->name, lname->data, lname->len) == 0)
        {
            return 1;
        }
    }

    return 0;
}


/* NULL if the handler may write lname, else why it may not */

const char *
faas_header_forbidden(faas_event_e event, faas_msg_e msg, faas_str_t *lname)
{
    faas_names_t  *ro;

    if (faas_name_in(&faas_owned, lname)
        || (lname->len >= 8 && memcmp(lname->data, "x-accel-", 8) == 0))
    {
        return "is owned by nginx";
    }

    if (msg == FAAS_MSG_RESPONSE
        && (event == FAAS_VIEWER_REQUEST || event == FAAS_ORIGIN_REQUEST
            || event == FAAS_CONTENT))
    {
        ro = &faas_ro_generated;

    } else {
        switch (event) {
        case FAAS_VIEWER_REQUEST:
            ro = &faas_ro_viewer_request;
            break;
        case FAAS_ORIGIN_REQUEST:
            ro = &faas_ro_origin_request;
            break;
        case FAAS_VIEWER_RESPONSE:
            ro = &faas_ro_viewer_response;
            break;
        case FAAS_ORIGIN_RESPONSE:
            ro = &faas_ro_origin_response;
            break;
        default:
            ro = &faas_ro_generated;
        }
    }

    return faas_name_in(ro, lname) ? "is read-only" : NULL;
}


/*
 * Eight bytes at a time: a word is tested with a few operations on all
 * its bytes, and only a word that fails is looked at byte by byte.  A
 * string of 8 bytes or more ends with a word that overlaps the one
 * before it, instead of a loop over the last bytes.  The tests on the
 * bytes below 0x80 add a constant to the 7 low bits of each byte: no
 * carry crosses into the next byte.
 */

#define FAAS_ONES   0x0101010101010101ULL
#define FAAS_HIGH   0x8080808080808080ULL

/* the high bit of each byte of w that is below n (w < 0x80 each) */
#define faas_word_lt(w, n)    (~((w) + FAAS_ONES * (0x80 - (n))) & FAAS_HIGH)

/* the high bit of each byte of w from lo to hi (w < 0x80 each) */
#define faas_word_in(w, lo, hi)                                               \
    (((w) + FAAS_ONES * (0x80 - (lo))) & ~((w) + FAAS_ONES * (0x7f - (hi)))   \
     & FAAS_HIGH)

/* whether w has a byte below n (n <= 0x80); the borrows only reach bytes
   above a match, so "any" is exact */
#define faas_word_below(w, n)  (((w) - FAAS_ONES * (n)) & ~(w) & FAAS_HIGH)


/* the offset of the next word of a string of len >= 8 bytes after i */

static size_t
faas_word_next(size_t i, size_t len)
{
    return i + 16 <= len ? i + 8 : len - 8;
}


/* RFC 9110 token characters: 1, or 2 for the uppercase letters */

static const unsigned char  faas_tchar[256] = {
    ['0' ... '9'] = 1, ['a' ... 'z'] = 1, ['A' ... 'Z'] = 2,
    ['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1,
    ['*'] = 1, ['+'] = 1, ['-'] = 1, ['.'] = 1, ['^'] = 1, ['_'] = 1,
    ['`'] = 1, ['|'] = 1, ['~'] = 1
};


/*
 * an RFC 9110 token: 0 if not, 1, or 2 if it has uppercase letters; the
 * common name, lowercase letters, digits and "-", is known by its words
 */

int
faas_header_name_valid(const char *p, size_t len)
{
    size_t    i;
    unsigned  t, all;
    uint64_t  w;

    if (len == 0 || len > 256) {
        return 0;
    }

    for (i = 0; len >= 8; i = faas_word_next(i, len)) {
        memcpy(&w, p + i, 8);

        if ((w & FAAS_HIGH)
            || ((faas_word_in(w, 'a', 'z') | faas_word_in(w, '0', '9')
                 | faas_word_lt(w ^ (FAAS_ONES * '-'), 1))
                != FAAS_HIGH))
        {
            break;
        }

        if (i == len - 8) {
            return 1;
        }
    }

    all = 0;

    for (i = 0; i < len; i++) {
        t = faas_tchar[(unsigned char) p[i]];

        if (t == 0) {
            return 0;
        }

        all |= t;
    }

    return all;
}


/*
 * Lowercases the header name p of len bytes into out (len + 1 bytes,
 * NUL-terminated), eight bytes at a time; 1 if it is a token, else 0.
 * A word with a byte above 0x7f is copied as it is: it is no token.
 */

int
faas_header_name_lower(const char *p, size_t len, char *out)
{
    size_t    i;
    uint64_t  w;

    if (len == 0 || len > 256) {
        return 0;
    }

    if (len < 8) {
        for (i = 0; i < len; i++) {
            out[i] = (char) (p[i] | ((p[i] >= 'A' && p[i] <= 'Z') << 5));
        }

    } else {
        for (i = 0; /* void */; i = faas_word_next(i, len)) {
            memcpy(&w, p + i, 8);

            if ((w & FAAS_HIGH) == 0) {
                w |= faas_word_in(w, 'A', 'Z') >> 2;
            }

            memcpy(out + i, &w, 8);

            if (i == len - 8) {
                break;
            }
        }
    }

    out[len] = '\0';

    return faas_header_name_valid(out, len) == 1;
}


static int
faas_value_bytes_valid(const char *p, size_t len)
{
    size_t         i;
    unsigned char  c;

    for (i = 0; i < len; i++) {
        c = (unsigned char) p[i];

        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            return 0;
        }
    }

    return 1;
}


/* no CR, LF, NUL or other controls but HTAB: no header injection */

int
faas_header_value_valid(const char *p, size_t len)
{
    size_t    i;
    uint64_t  w;

    if (len < 8) {
        return faas_value_bytes_valid(p, len);
    }

    for (i = 0; /* void */ ; i = faas_word_next(i, len)) {
        memcpy(&w, p + i, 8);

        if ((faas_word_below(w, 0x20)
             || faas_word_below(w ^ (FAAS_ONES * 0x7f), 1))
            && !faas_value_bytes_valid(p + i, 8))
        {
            return 0;
        }

        if (i == len - 8) {
            return 1;
        }
    }
}


/*
 * Whether key is lname (a lowercase token) in any case of A-Z only: the
 * bytes of a word from 'A' to 'Z' get 0x20 added
 */

int
faas_header_key_same(const char *key, const char *lname, size_t len)
{
    char      c;
    size_t    i;
    uint64_t  w, l;

    for (i = 0; len >= 8; i = faas_word_next(i, len)) {
        memcpy(&w, key + i, 8);
        memcpy(&l, lname + i, 8);

        w |= (faas_word_in(w & ~FAAS_HIGH, 'A', 'Z') & ~w) >> 2;

        if (w != l) {
            return 0;
        }

        if (i == len - 8) {
            return 1;
        }
    }

    for (i = 0; i < len; i++) {
        c = key[i];

        if (c >= 'A' && c <= 'Z') {
            c |= 0x20;
        }

        if (c != lname[i]) {
            return 0;
        }
    }

    return 1;
}
