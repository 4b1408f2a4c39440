/*
 * The check macros of the host-built unit tests: CHECK(cond) and CHECK_EQ(a, b) count each
 * check, print "FAIL file:line: ..." for a failed one, and leave the totals in `checks` and
 * `failures` for the test's main to report (exit 0 only without failures).
 */
#ifndef UNIT_CHECK_H
#define UNIT_CHECK_H

#include <stdio.h>

static int failures, checks;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        checks++;                                                                                  \
        if (!(cond)) {                                                                             \
            failures++;                                                                            \
            printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);                                 \
        }                                                                                          \
    } while (0)
#define CHECK_EQ(a, b)                                                                             \
    do {                                                                                           \
        long long a_ = (long long)(a), b_ = (long long)(b);                                        \
        checks++;                                                                                  \
        if (a_ != b_) {                                                                            \
            failures++;                                                                            \
            printf("FAIL %s:%d: %s == %lld, expected %s == %lld\n", __FILE__, __LINE__, #a, a_,    \
                   #b, b_);                                                                        \
        }                                                                                          \
    } while (0)

#endif
