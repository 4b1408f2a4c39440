/*
 * Conformance: getrandom. Fills the buffer (not all zero, two calls differ), honours
 * GRND_NONBLOCK and GRND_RANDOM, refuses unknown flags, and accepts a zero length.
 */
#define _GNU_SOURCE
#include "check.h"

#include <sys/mman.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef GRND_INSECURE
#define GRND_INSECURE 4
#endif

static int nonzero(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 1;
    return 0;
}

int main(void)
{
    unsigned char a[64], b[64];

    section_begin("getrandom fills");
    memset(a, 0, sizeof(a));
    memset(b, 0, sizeof(b));
    CHECK(getrandom(a, sizeof(a), 0) == (ssize_t)sizeof(a));
    CHECK(getrandom(b, sizeof(b), 0) == (ssize_t)sizeof(b));
    CHECK(nonzero(a, sizeof(a)) && nonzero(b, sizeof(b)));
    CHECK(memcmp(a, b, sizeof(a)) != 0);
    /* Only the bytes asked for are written. */
    memset(a, 0xee, sizeof(a));
    CHECK(syscall(SYS_getrandom, a, 5, 0) == 5);
    CHECK(a[5] == 0xee && a[63] == 0xee);
    /* Every byte position gets written sometime (a stuck byte would stay 0xee). */
    int stuck = 0;
    for (int pos = 0; pos < 16; pos++) {
        int changed = 0;
        for (int k = 0; k < 8 && !changed; k++) {
            memset(b, 0xee, 16);
            getrandom(b, 16, 0);
            changed = b[pos] != 0xee;
        }
        stuck += !changed;
    }
    CHECK(stuck == 0);
    section_end();

    section_begin("getrandom flags");
    CHECK(getrandom(a, 32, GRND_NONBLOCK) == 32);
    CHECK(getrandom(a, 32, GRND_RANDOM) == 32);
    CHECK(getrandom(a, 32, GRND_RANDOM | GRND_NONBLOCK) == 32);
    CHECK_ERR(syscall(SYS_getrandom, a, 32, 0x100), EINVAL);
    CHECK_ERR(syscall(SYS_getrandom, a, 32, -1), EINVAL);
    CHECK_ERR(syscall(SYS_getrandom, a, 32, GRND_INSECURE | GRND_RANDOM), EINVAL);
    section_end();

    section_begin("getrandom lengths");
    CHECK(syscall(SYS_getrandom, a, 0, 0) == 0);
    CHECK(syscall(SYS_getrandom, NULL, 0, 0) == 0);
    size_t big = 1 << 20;
    unsigned char *m = mmap(NULL, big, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(m != MAP_FAILED);
    if (m != MAP_FAILED) {
        long r = syscall(SYS_getrandom, m, big, 0);
        CHECK(r > 0 && (size_t)r <= big);
        CHECK(nonzero(m + r - 64, 64));
        munmap(m, big);
    }
    section_end();
    return check_summary("getrandom");
}
