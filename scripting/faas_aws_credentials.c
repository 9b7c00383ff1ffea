/*
 * The AWS shared-credentials file (~/.aws/credentials), read as the AWS
 * CLI and SDKs read it (an INI file through Python's configparser):
 *
 *     # comment            ; comment too, also indented
 *     [default]
 *     aws_access_key_id = AKID...
 *     aws_secret_access_key: ...
 *
 * Section names are taken as written; keys are case-insensitive; '=' or
 * ':' separates key and value, both trimmed; a value runs to the end of
 * the line (no inline comments).  An indented line after a key continues
 * that key's value: allowed for keys we do not read (nested settings),
 * refused for ours, which are single tokens.  What configparser refuses
 * is refused too, so that a file nginx accepts is one the CLI accepts:
 * a line outside any section, a line without a separator, a repeated
 * section or key (checked in the profile we read).
 */

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "faas_sigv4.h"


static int faas_aws_blank(char ch);
static int faas_aws_fail(char *err, size_t errlen, size_t line,
    const char *msg, const char *arg);


static int
faas_aws_blank(char ch)
{
    return ch == ' ' || ch == '\t';
}


static int
faas_aws_fail(char *err, size_t errlen, size_t line, const char *msg,
    const char *arg)
{
    const char  *q;

    q = (arg[0] != '\0') ? "\"" : "";

    if (line) {
        snprintf(err, errlen, "line %zu: %s%s%s%s", line, msg, q, arg, q);

    } else {
        snprintf(err, errlen, "%s%s%s%s", msg, q, arg, q);
    }

    return -1;
}


int
faas_aws_credentials_parse(const char *text, size_t len,
    const char *profile, faas_aws_creds_t *out, char *err, size_t errlen)
{
    int           any, in_profile, seen_profile, after_key, ours;
    size_t        line, plen, i, n;
    faas_str_t    val[4];
    const char   *s, *end, *eol, *b, *e, *sep, *k;

    /* the last is the older name of the session token, still read */
    static const char  *keys[] = {
        "aws_access_key_id", "aws_secret_access_key", "aws_session_token",
        "aws_security_token"
    };

    memset(out, 0, sizeof(faas_aws_creds_t));
    memset(val, 0, sizeof(val));

    if (profile == NULL) {
        profile = "default";
    }

    plen = strlen(profile);

    s = text;
    end = text + len;

    if (len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
        s += 3;
    }

    any = 0;
    in_profile = 0;
    seen_profile = 0;
    after_key = 0;
    ours = 0;
    line = 0;

    for ( /* void */ ; s < end; s = eol + 1) {
        line++;

        eol = memchr(s, '\n', end - s);
        if (eol == NULL) {
            eol = end;
        }

        /* [b, e): the line without its blanks and CR */

        for (b = s; b < eol && faas_aws_blank(*b); b++) { /* void */ }

        for (e = eol; e > b && (faas_aws_blank(e[-1]) || e[-1] == '\r');
             e--)
        { /* void */ }

        if (b == e || *b == '#' || *b == ';') {
            continue;
        }

        if (b > s && after_key) {
            if (ours) {
                return faas_aws_fail(err, errlen, line, "a credential "
                                     "continued on an indented line", "");
            }

            continue;
        }

        after_key = 0;

        if (*b == '[') {
            if (e[-1] != ']' || e - b < 3) {
                return faas_aws_fail(err, errlen, line, "a section header "
                                     "is \"[name]\"", "");
            }

            any = 1;
            in_profile = ((size_t) (e - b - 2) == plen
                          && memcmp(b + 1, profile, plen) == 0);

            if (in_profile && seen_profile) {
                return faas_aws_fail(err, errlen, line, "repeated profile ",
                                     profile);
            }

            seen_profile |= in_profile;

            continue;
        }

        if (!any) {
            return faas_aws_fail(err, errlen, line, "a key before any "
                                 "[profile] header", "");
        }

        for (sep = b; sep < e && *sep != '=' && *sep != ':'; sep++) {
            /* void */
        }

        if (sep == e) {
            return faas_aws_fail(err, errlen, line, "expected "
                                 "\"key = value\"", "");
        }

        after_key = 1;
        ours = 0;

        if (!in_profile) {
            continue;
        }

        for (k = sep; k > b && faas_aws_blank(k[-1]); k--) { /* void */ }

        n = k - b;

        for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
            if (n == strlen(keys[i]) && strncasecmp(b, keys[i], n) == 0) {
                break;
            }
        }

        if (i == sizeof(keys) / sizeof(keys[0])) {
            continue;
        }

        if (val[i].data != NULL) {
            return faas_aws_fail(err, errlen, line, "repeated ", keys[i]);
        }

        ours = 1;

        for (b = sep + 1; b < e && faas_aws_blank(*b); b++) { /* void */ }

        val[i].data = b;
        val[i].len = e - b;
    }

    if (!seen_profile) {
        return faas_aws_fail(err, errlen, 0, "no profile ", profile);
    }

    if (val[0].len == 0) {
        return faas_aws_fail(err, errlen, 0, "no aws_access_key_id in "
                             "profile ", profile);
    }

    if (val[1].len == 0) {
        return faas_aws_fail(err, errlen, 0, "no aws_secret_access_key in "
                             "profile ", profile);
    }

    out->access_key = val[0];
    out->secret_key = val[1];
    out->token = val[2].data ? val[2] : val[3];

    return 0;
}
