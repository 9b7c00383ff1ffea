/*
 * Reading a whole file the configuration names: a function's source, a
 * backend's credentials.
 */

#ifndef FAAS_FILE_H
#define FAAS_FILE_H


#include <stddef.h>
#include <sys/stat.h>


/*
 * The file's bytes, NUL-terminated, in a malloc()ed buffer; *len gets
 * their number and *sb (when not NULL) the file's status, taken before
 * the read.  NULL with the reason in err ('cannot open "PATH": ...')
 * when it cannot be read or holds more than max bytes.
 */
char *faas_file_read(const char *path, size_t max, size_t *len,
    struct stat *sb, char *err, size_t errlen);


#endif /* FAAS_FILE_H */
