/*
 * Which headers a function may write, and what a valid header is.
 *
 * Hop-by-hop headers and nginx's internal X-Accel-* are owned by nginx in
 * every event; each event adds the read-only headers of Lambda@Edge that
 * nginx computes itself (Content-Length, Host, Via ...).  A handler that
 * changes one gets an error naming the header and the event.
 */

#include <string.h>

#include "faas_state.h"


typedef struct {
    const char  *name;
    size_t       len;
} faas_name_t;


#define faas_name(s)  { s, sizeof(s) - 1 }

static faas_name_t  faas_owned[] = {
    faas_name("connection"),
    faas_name("keep-alive"),
    faas_name("proxy-connection"),
    faas_name("transfer-encoding"),
    faas_name("upgrade"),
    faas_name("te"),
    faas_name("trailer"),
    { NULL, 0 }
};

static faas_name_t  faas_ro_viewer_request[] = {
    faas_name("content-length"),
    faas_name("host"),
    faas_name("via"),
    faas_name("expect"),
    { NULL, 0 }
};

static faas_name_t  faas_ro_origin_request[] = {
    faas_name("content-length"),
    faas_name("via"),
    faas_name("accept-encoding"),
    faas_name("if-modified-since"),
    faas_name("if-none-match"),
    faas_name("if-range"),
    faas_name("if-unmodified-since"),
    { NULL, 0 }
};

static faas_name_t  faas_ro_viewer_response[] = {
    faas_name("content-length"),
    faas_name("content-encoding"),
    faas_name("warning"),
    faas_name("via"),
    { NULL, 0 }
};

/* Content-Length too: nginx frames the (possibly replaced) body */
static faas_name_t  faas_ro_origin_response[] = {
    faas_name("content-length"),
    faas_name("via"),
    { NULL, 0 }
};

/* a generated response: nginx frames the body itself */
static faas_name_t  faas_ro_generated[] = {
    faas_name("content-length"),
    { NULL, 0 }
};


static int
faas_name_in(faas_name_t *list, faas_str_t *lname)
{
    for ( /* void */ ; list->name; list++) {
        if (list->len == lname->len
            && memcmp(list->name, lname->data, lname->len) == 0)
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
    faas_name_t  *ro;

    if (faas_name_in(faas_owned, lname)
        || (lname->len >= 8 && memcmp(lname->data, "x-accel-", 8) == 0))
    {
        return "is owned by nginx";
    }

    if (msg == FAAS_MSG_RESPONSE
        && (event == FAAS_VIEWER_REQUEST || event == FAAS_ORIGIN_REQUEST
            || event == FAAS_CONTENT))
    {
        ro = faas_ro_generated;

    } else {
        switch (event) {
        case FAAS_VIEWER_REQUEST:
            ro = faas_ro_viewer_request;
            break;
        case FAAS_ORIGIN_REQUEST:
            ro = faas_ro_origin_request;
            break;
        case FAAS_VIEWER_RESPONSE:
            ro = faas_ro_viewer_response;
            break;
        case FAAS_ORIGIN_RESPONSE:
            ro = faas_ro_origin_response;
            break;
        default:
            ro = faas_ro_generated;
        }
    }

    return faas_name_in(ro, lname) ? "is read-only" : NULL;
}


/* RFC 9110 token characters: 1, or 2 for the uppercase letters */

static const unsigned char  faas_tchar[256] = {
    ['0' ... '9'] = 1, ['a' ... 'z'] = 1, ['A' ... 'Z'] = 2,
    ['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1,
    ['*'] = 1, ['+'] = 1, ['-'] = 1, ['.'] = 1, ['^'] = 1, ['_'] = 1,
    ['`'] = 1, ['|'] = 1, ['~'] = 1
};


/* an RFC 9110 token: 0 if not, 1, or 2 if it has uppercase letters */

int
faas_header_name_valid(const char *p, size_t len)
{
    size_t    i;
    unsigned  t, all;

    if (len == 0 || len > 256) {
        return 0;
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


/* no CR, LF, NUL or other controls but HTAB: no header injection */

int
faas_header_value_valid(const char *p, size_t len)
{
    size_t   i;
    unsigned char   c;

    for (i = 0; i < len; i++) {
        c = (unsigned char) p[i];

        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            return 0;
        }
    }

    return 1;
}
