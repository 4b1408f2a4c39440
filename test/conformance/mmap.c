/*
 * Conformance: the mmap family (mmap, munmap, mprotect, mremap, madvise) on anonymous memory.
 *
 * Protections and holes are probed through system calls that must fail with EFAULT, never by
 * touching memory (a fault would kill the test: the enclave has no guest signals yet):
 *   not writable  read(file fd, p, n) and clock_gettime(.., p) -> EFAULT
 *   not readable  rt_sigprocmask(SIG_BLOCK, p, NULL, 8) -> EFAULT (it reads 8 bytes)
 *   unmapped      mprotect(p, page, PROT_READ) -> ENOMEM
 * argv[0] is opened as a file with known-nonempty contents (the test binary itself).
 */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MREMAP_FIXED
#define MREMAP_FIXED 2
#endif

#define PG 4096UL

static int self_fd = -1;

static char *map_anon(size_t len, int prot)
{
    void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static int all_bytes(const char *p, size_t len, unsigned char v)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)p[i] != v)
            return 0;
    return 1;
}

static int is_unmapped(void *p)
{
    errno = 0;
    return mprotect(p, PG, PROT_READ) == -1 && errno == ENOMEM;
}

static int write_efaults(void *p)
{
    long r1, r2;
    int e1, e2;

    errno = 0;
    r1 = pread(self_fd, p, 16, 0);
    e1 = errno;
    errno = 0;
    r2 = syscall(SYS_clock_gettime, CLOCK_MONOTONIC, p);
    e2 = errno;
    return r1 == -1 && e1 == EFAULT && r2 == -1 && e2 == EFAULT;
}

static int read_efaults(void *p)
{
    long r;
    int e;
    sigset_t saved;

    /* On a wrong answer signals got blocked: put the mask back. */
    sigprocmask(SIG_SETMASK, NULL, &saved);
    errno = 0;
    r = syscall(SYS_rt_sigprocmask, SIG_BLOCK, p, NULL, 8);
    e = errno;
    sigprocmask(SIG_SETMASK, &saved, NULL);
    return r == -1 && e == EFAULT;
}

static void test_anon(void)
{
    section_begin("mmap anonymous read/write");
    char *p = map_anon(3 * PG, PROT_READ | PROT_WRITE);
    CHECK(p != NULL);
    if (!p)
        goto out;
    CHECK(((uintptr_t)p & (PG - 1)) == 0);
    CHECK(all_bytes(p, 3 * PG, 0));
    memset(p, 0x5a, 3 * PG);
    CHECK(all_bytes(p, 3 * PG, 0x5a));
    CHECK(munmap(p, 3 * PG) == 0);
    CHECK(is_unmapped(p) && is_unmapped(p + 2 * PG));

    /* A length that is not a page multiple is rounded up. */
    p = map_anon(100, PROT_READ | PROT_WRITE);
    CHECK(p != NULL);
    if (p) {
        p[PG - 1] = 1;
        CHECK(munmap(p, 100) == 0);
        CHECK(is_unmapped(p));
    }

    /* A larger mapping, touched at both ends. */
    size_t big = 16UL << 20;
    p = map_anon(big, PROT_READ | PROT_WRITE);
    CHECK(p != NULL);
    if (p) {
        p[0] = 1;
        p[big - 1] = 2;
        CHECK(p[0] == 1 && p[big - 1] == 2 && p[big / 2] == 0);
        CHECK(munmap(p, big) == 0);
    }
out:
    section_end();
}

static void test_hint_and_fixed(void)
{
    section_begin("mmap hint, MAP_FIXED, MAP_FIXED_NOREPLACE");
    /* Find a free range, free it, and ask for it back as a hint: Linux honours a free hint. */
    char *hole = map_anon(4 * PG, PROT_NONE);
    CHECK(hole != NULL);
    if (!hole)
        goto out;
    CHECK(munmap(hole, 4 * PG) == 0);
    char *p = mmap(hole + PG, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p == hole + PG);
    if (p != MAP_FAILED)
        munmap(p, PG);

    /* MAP_FIXED over part of an existing mapping replaces exactly that part. */
    p = map_anon(4 * PG, PROT_READ | PROT_WRITE);
    CHECK(p != NULL);
    if (!p)
        goto out;
    memset(p, 0xaa, 4 * PG);
    char *q =
        mmap(p + PG, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    CHECK(q == p + PG);
    CHECK(all_bytes(p, PG, 0xaa));
    CHECK(all_bytes(p + PG, PG, 0));
    CHECK(all_bytes(p + 2 * PG, 2 * PG, 0xaa));

    /* MAP_FIXED_NOREPLACE over a mapping: EEXIST, and the old contents stay. */
    errno = 0;
    q = mmap(p + 2 * PG, 2 * PG, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    CHECK(q == MAP_FAILED && errno == EEXIST);
    CHECK(all_bytes(p + 2 * PG, 2 * PG, 0xaa));

    /* ...and partly over one (the range sticks out past the end): still EEXIST. */
    CHECK(munmap(p + 3 * PG, PG) == 0);
    errno = 0;
    q = mmap(p + 2 * PG, 2 * PG, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    CHECK(q == MAP_FAILED && errno == EEXIST);

    /* ...and on a free range it maps exactly there. */
    q = mmap(p + 3 * PG, PG, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    CHECK(q == p + 3 * PG);
    CHECK(all_bytes(p + 3 * PG, PG, 0));
    CHECK(munmap(p, 4 * PG) == 0);
out:
    section_end();
}

static void test_munmap_partial(void)
{
    section_begin("munmap partial");
    char *p = map_anon(5 * PG, PROT_READ | PROT_WRITE);
    CHECK(p != NULL);
    if (!p)
        goto out;
    memset(p, 0x11, 5 * PG);
    /* Punch out the middle page: the edges stay and keep their contents. */
    CHECK(munmap(p + 2 * PG, PG) == 0);
    CHECK(is_unmapped(p + 2 * PG));
    CHECK(read_efaults(p + 2 * PG));
    CHECK(all_bytes(p, 2 * PG, 0x11));
    CHECK(all_bytes(p + 3 * PG, 2 * PG, 0x11));
    p[0] = 1;
    p[5 * PG - 1] = 2;
    CHECK(p[0] == 1 && p[5 * PG - 1] == 2);
    /* Trim the head and the tail. */
    CHECK(munmap(p, PG) == 0);
    CHECK(munmap(p + 4 * PG, PG) == 0);
    CHECK(is_unmapped(p) && is_unmapped(p + 4 * PG));
    CHECK(all_bytes(p + PG, PG, 0x11) && all_bytes(p + 3 * PG, PG, 0x11));
    /* Unmapping a range that spans holes is fine. */
    CHECK(munmap(p, 5 * PG) == 0);
    CHECK(is_unmapped(p + PG) && is_unmapped(p + 3 * PG));
    /* Unmapping nothing is fine too. */
    CHECK(munmap(p, 5 * PG) == 0);
    CHECK_ERR(munmap(p, 0), EINVAL);
    CHECK_ERR(munmap(p + 1, PG), EINVAL);
out:
    section_end();
}

static void test_mprotect(void)
{
    section_begin("mprotect");
    char *p = map_anon(3 * PG, PROT_READ | PROT_WRITE);
    CHECK(p != NULL);
    if (!p)
        goto out;
    CHECK(!write_efaults(p + PG)); /* writable to begin with (the probe writes 16 bytes) */
    memset(p, 0x22, 3 * PG);

    /* Read-only middle page: the kernel may not write it, we may still read it. */
    CHECK(mprotect(p + PG, PG, PROT_READ) == 0);
    CHECK(write_efaults(p + PG));
    CHECK(all_bytes(p + PG, PG, 0x22));
    CHECK(!write_efaults(p));          /* neighbours unchanged */
    CHECK(!write_efaults(p + 2 * PG)); /* (these overwrite 16 bytes) */

    /* No access at all. */
    CHECK(mprotect(p + PG, PG, PROT_NONE) == 0);
    CHECK(read_efaults(p + PG));
    CHECK(write_efaults(p + PG));

    /* Back to read/write: contents survived. */
    CHECK(mprotect(p + PG, PG, PROT_READ | PROT_WRITE) == 0);
    CHECK(all_bytes(p + PG, PG, 0x22));
    p[PG] = 3;
    CHECK(p[PG] == 3);
    CHECK(!write_efaults(p + PG));

    /* A PROT_NONE mapping made usable afterwards. */
    char *n = map_anon(PG, PROT_NONE);
    CHECK(n != NULL);
    if (n) {
        CHECK(read_efaults(n));
        CHECK(mprotect(n, PG, PROT_READ | PROT_WRITE) == 0);
        n[10] = 4;
        CHECK(n[10] == 4 && n[11] == 0);
        CHECK(munmap(n, PG) == 0);
    }

    /* Raw: musl's mprotect() rounds the start down itself. */
    CHECK_ERR(syscall(SYS_mprotect, p + 1, PG, PROT_READ), EINVAL);
    CHECK_ERR(mprotect(p, PG, 0x1000), EINVAL); /* unknown protection bit */
    /* A range running into a hole: ENOMEM. */
    CHECK(munmap(p + 2 * PG, PG) == 0);
    CHECK_ERR(mprotect(p + PG, 2 * PG, PROT_READ), ENOMEM);
    CHECK(munmap(p, 3 * PG) == 0);
out:
    section_end();
}

static void fill_pattern(char *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        p[i] = (char)(i * 7 + 3);
}

static int has_pattern(const char *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (p[i] != (char)(i * 7 + 3))
            return 0;
    return 1;
}

static void test_mremap(void)
{
    section_begin("mremap");
    /* Grow in place: free the page after the mapping first. */
    char *p = map_anon(3 * PG, PROT_READ | PROT_WRITE);
    CHECK(p != NULL);
    if (!p)
        goto out;
    CHECK(munmap(p + PG, 2 * PG) == 0);
    fill_pattern(p, PG);
    char *q = mremap(p, PG, 3 * PG, 0);
    CHECK(q == p);
    if (q == p) {
        CHECK(has_pattern(p, PG));
        CHECK(all_bytes(p + PG, 2 * PG, 0));
        p[3 * PG - 1] = 9;
    }

    /* Shrink: same address, the tail is gone. */
    q = mremap(p, 3 * PG, PG, 0);
    CHECK(q == p);
    CHECK(has_pattern(p, PG));
    CHECK(is_unmapped(p + PG) && is_unmapped(p + 2 * PG));

    /* Grow when the next page is taken: without MAYMOVE ENOMEM, with it a move. */
    char *blocker = mmap(p + PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    CHECK(blocker == p + PG);
    errno = 0;
    q = mremap(p, PG, 4 * PG, 0);
    CHECK(q == MAP_FAILED && errno == ENOMEM);
    q = mremap(p, PG, 4 * PG, MREMAP_MAYMOVE);
    CHECK(q != MAP_FAILED && q != p);
    if (q != MAP_FAILED) {
        CHECK(has_pattern(q, PG));
        CHECK(all_bytes(q + PG, 3 * PG, 0));
        CHECK(is_unmapped(p));
        CHECK(!is_unmapped(blocker));
        q[4 * PG - 1] = 1;
        p = q;
    }
    CHECK(munmap(blocker, PG) == 0);

    /* MREMAP_FIXED: move to a chosen free address, contents kept, old range gone. */
    char *dst = map_anon(4 * PG, PROT_NONE);
    CHECK(dst != NULL);
    if (dst && p) {
        CHECK(munmap(dst, 4 * PG) == 0);
        q = mremap(p, 4 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
        CHECK(q == dst);
        if (q == dst) {
            CHECK(has_pattern(dst, PG));
            CHECK(is_unmapped(p));
            CHECK(is_unmapped(dst + 2 * PG));
            p = dst;
        }
    }

    /* Bad arguments. */
    CHECK_ERR(mremap(p + 1, PG, 2 * PG, MREMAP_MAYMOVE), EINVAL);
    CHECK_ERR(mremap(p, PG, 0, MREMAP_MAYMOVE), EINVAL);
    CHECK_ERR(mremap(p, PG, 2 * PG, 0x80), EINVAL);                     /* unknown flag */
    CHECK_ERR(mremap(p, PG, 2 * PG, MREMAP_FIXED, p + 8 * PG), EINVAL); /* FIXED needs MAYMOVE */
    CHECK(munmap(p, 2 * PG) == 0);
    /* Nothing mapped at the old address: EFAULT, as Linux answers. */
    CHECK_ERR(mremap(p, PG, 2 * PG, MREMAP_MAYMOVE), EFAULT);
out:
    section_end();
}

static void test_madvise(void)
{
    section_begin("madvise");
    char *p = map_anon(4 * PG, PROT_READ | PROT_WRITE);
    CHECK(p != NULL);
    if (!p)
        goto out;
    memset(p, 0x33, 4 * PG);
    CHECK(madvise(p + PG, 2 * PG, MADV_DONTNEED) == 0);
    CHECK(all_bytes(p, PG, 0x33));
    CHECK(all_bytes(p + PG, 2 * PG, 0));
    CHECK(all_bytes(p + 3 * PG, PG, 0x33));
    /* Still mapped and writable after DONTNEED. */
    p[PG] = 5;
    CHECK(p[PG] == 5);
    CHECK(madvise(p, 4 * PG, MADV_NORMAL) == 0);
    CHECK(madvise(p, 4 * PG, MADV_WILLNEED) == 0);
    CHECK_ERR(madvise(p + 1, PG, MADV_DONTNEED), EINVAL);
    CHECK_ERR(madvise(p, PG, 12345), EINVAL);
    CHECK(munmap(p + 2 * PG, PG) == 0);
    CHECK_ERR(madvise(p, 4 * PG, MADV_DONTNEED), ENOMEM);
    CHECK(munmap(p, 4 * PG) == 0);
out:
    section_end();
}

static void test_bad_mmap(void)
{
    section_begin("mmap bad arguments");
    CHECK_ERR(mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), EINVAL);
    CHECK_ERR(mmap(NULL, PG, PROT_READ, MAP_ANONYMOUS, -1, 0), EINVAL); /* no SHARED/PRIVATE */
    CHECK_ERR(mmap((void *)(PG + 1), PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0),
              EINVAL);
    CHECK_ERR(mmap(NULL, (size_t)1 << 62, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), ENOMEM);
    CHECK_ERR(mmap(NULL, (size_t)-PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), ENOMEM);
    CHECK_ERR(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, 9999, 0), EBADF); /* file map, bad fd */
    section_end();
}

int main(int argc, char **argv)
{
    (void)argc;
    self_fd = open(argv[0], O_RDONLY);
    CHECK(self_fd >= 0);
    test_anon();
    test_hint_and_fixed();
    test_munmap_partial();
    test_mprotect();
    test_mremap();
    test_madvise();
    test_bad_mmap();
    return check_summary("mmap");
}
