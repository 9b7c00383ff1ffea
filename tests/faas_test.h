/*
 * A minimal test harness for the plain-C libraries: each tests/test_*.c
 * is one program that prints one line per failed check and a closing
 * "N passed, N failed" line, and exits non-zero when anything failed.
 */

#ifndef FAAS_TEST_H
#define FAAS_TEST_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


static int  faas_test_passed;
static int  faas_test_failed;


#define FAAS_CHECK(cond)                                                      \
    do {                                                                      \
        if (cond) {                                                           \
            faas_test_passed++;                                               \
        } else {                                                              \
            faas_test_failed++;                                               \
            fprintf(stderr, "%s:%d: check failed: %s\n",                      \
                    __FILE__, __LINE__, #cond);                               \
        }                                                                     \
    } while (0)

#define FAAS_CHECK_STR(got, want)                                             \
    do {                                                                      \
        const char  *g_ = (got), *w_ = (want);                                \
        if (g_ != NULL && strcmp(g_, w_) == 0) {                              \
            faas_test_passed++;                                               \
        } else {                                                              \
            faas_test_failed++;                                               \
            fprintf(stderr, "%s:%d: got \"%s\", want \"%s\"\n",               \
                    __FILE__, __LINE__, g_ ? g_ : "(null)", w_);              \
        }                                                                     \
    } while (0)

/*
 * What a run costs, in CPU time: on a loaded machine the wall clock also
 * counts the time others ran, while a deadline (wall clock) comes sooner
 * in CPU time, never later; so a check of a kill's overshoot in CPU time
 * holds on a busy machine and still fails without the kill.
 */
static inline uint64_t
faas_test_cpu_us(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);

    return (uint64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}


/*
 * A time limit of a check, times FAAS_TEST_SLOW when it is set: the
 * sanitizers make C code several times slower (tools/sanitize sets it).
 */

static inline uint64_t
faas_test_time(uint64_t us)
{
    const char  *slow;

    slow = getenv("FAAS_TEST_SLOW");

    return slow ? us * strtoull(slow, NULL, 10) : us;
}

#define FAAS_TEST_DONE()                                                      \
    (printf("%d passed, %d failed\n", faas_test_passed, faas_test_failed),   \
     faas_test_failed ? 1 : 0)

#endif /* FAAS_TEST_H */
