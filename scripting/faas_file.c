/*
 * faas_file_read() (faas_file.h).
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "faas_file.h"


char *
faas_file_read(const char *path, size_t max, size_t *len, struct stat *sb,
    char *err, size_t errlen)
{
    long   n;
    char  *text;
    FILE  *f;

    f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, errlen, "cannot open \"%s\": %s", path,
                 strerror(errno));
        return NULL;
    }

    text = NULL;

    /*
     * Taken before reading: a file changed while it is read differs next
     * time it is looked at.
     */

    if (sb && fstat(fileno(f), sb) != 0) {
        memset(sb, 0, sizeof(struct stat));
    }

    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0
        || fseek(f, 0, SEEK_SET) != 0)
    {
        snprintf(err, errlen, "cannot read \"%s\": %s", path,
                 strerror(errno));
        goto done;
    }

    if ((size_t) n > max) {
        snprintf(err, errlen, "\"%s\" is larger than %zu bytes", path, max);
        goto done;
    }

    text = malloc(n + 1);
    if (text == NULL) {
        snprintf(err, errlen, "out of memory reading \"%s\"", path);
        goto done;
    }

    if (fread(text, 1, n, f) != (size_t) n) {
        snprintf(err, errlen, "cannot read \"%s\"", path);
        free(text);
        text = NULL;
        goto done;
    }

    text[n] = '\0';
    *len = n;

done:

    fclose(f);
    return text;
}
