/*
 * Conformance: brk. Raw SYS_brk only: musl's sbrk() refuses a nonzero increment, and both
 * libcs' malloc may own the break, so the test puts it back where it found it.
 *
 * Linux's brk never fails with an errno: it answers the new break on success and the old one
 * when the request cannot be honoured (below the start of the heap, or out of memory).
 */
#define _GNU_SOURCE
#include "check.h"

#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PG 4096UL

static uintptr_t brk_raw(uintptr_t addr)
{
    return (uintptr_t)syscall(SYS_brk, addr);
}

static int all_zero(const char *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (p[i])
            return 0;
    return 1;
}

int main(void)
{
    /*
     * Give stdout a static buffer so that printing never calls malloc: malloc may grow the
     * heap with brk, and this test moves the break under its feet.
     */
    static char outbuf[4096];
    setvbuf(stdout, outbuf, _IOLBF, sizeof(outbuf));

    section_begin("brk query");
    uintptr_t start = brk_raw(0);
    CHECK(start != 0);
    CHECK(brk_raw(0) == start); /* querying does not move it */
    section_end();

    section_begin("brk grow and shrink");
    /* The region from the break's page boundary up is not mapped yet. */
    uintptr_t base = (start + PG - 1) & ~(PG - 1);
    uintptr_t grown = brk_raw(start + 64 * 1024);
    CHECK(grown == start + 64 * 1024);
    char *heap = (char *)start;
    if (grown == start + 64 * 1024) {
        CHECK(all_zero(heap, 64 * 1024));
        memset(heap, 0x7e, 64 * 1024);
        CHECK(heap[0] == 0x7e && heap[64 * 1024 - 1] == 0x7e);
        /* Raw mprotect: the whole grown range is mapped. */
        CHECK(mprotect((void *)base, 8 * PG, PROT_READ | PROT_WRITE) == 0);
        /* The break is in use: mmap over it without MAP_FIXED never returns it. */
        void *m = mmap((void *)base, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        CHECK(m != MAP_FAILED && (uintptr_t)m != base);
        if (m != MAP_FAILED)
            munmap(m, PG);
    }
    /* Shrink: the break follows, the freed pages are unmapped. */
    CHECK(brk_raw(start + PG) == start + PG);
    CHECK(brk_raw(0) == start + PG);
    errno = 0;
    CHECK(mprotect((void *)(base + 4 * PG), PG, PROT_READ) == -1 && errno == ENOMEM);
    /* Grow again: the pages that came back are zero, not the old contents. */
    CHECK(brk_raw(start + 64 * 1024) == start + 64 * 1024);
    CHECK(all_zero((char *)base + PG, 14 * PG)); /* base + 15 pages <= start + 64 KiB */
    section_end();

    section_begin("brk refusals");
    uintptr_t cur = brk_raw(0);
    CHECK(brk_raw(1) == cur);                    /* below the heap: unchanged */
    CHECK(brk_raw(0xffff800000000000UL) == cur); /* kernel range */
    CHECK(brk_raw((uintptr_t)1 << 46) == cur);   /* far beyond any memory limit */
    CHECK(brk_raw(0) == cur);
    section_end();

    CHECK(brk_raw(start) == start);
    CHECK(brk_raw(0) == start);
    return check_summary("brk");
}
