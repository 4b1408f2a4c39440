/*
 * Host-built unit test of the user-range allocator and vm_space (src/libos/mm/urange.c,
 * vma.c, vma_remap.c) and of guest-memory access (src/libos/util/uaccess.c): mmap, munmap,
 * mprotect, mremap, brk, madvise, file mappings, several processes, host refusals; a
 * model-based random test comparing mmap (anonymous and keyed-file, so also the reuse of
 * pristine and kept file pages)/munmap/mprotect/madvise/writes against a per-page model; a
 * 5,000-VMA stress of the data structure at scale; uaccess, and threads racing.
 *
 * The stubbed platform, stand-in files and the invariant checker run after each step are in
 * vma_standins.c (vma_standins.h says what they check). Retained file pages and
 * vm_reserve_image have their own test, test_retained.c.
 */
#define _GNU_SOURCE
#include "util/uaccess.h"
#include "vma_standins.h"
#include <errno.h>
#include <pthread.h>
#include <time.h>

/* ---- tests ---- */

static void test_mmap_basic(void)
{
    struct vm_space *vm = new_vm();
    long a = vm_mmap(vm, 0, 3 * PG, RW, ANON, NULL, 0);
    CHECK(a > 0 && (uint64_t)a % PG == 0 && (uint64_t)a >= ur);
    CHECK(all_bytes((uint64_t)a, 3 * PG, 0));
    memset((void *)a, 7, 3 * PG);
    CHECK(vm_range_ok(vm, (uint64_t)a, 3 * PG, RW));
    CHECK(!vm_range_ok(vm, (uint64_t)a, 3 * PG + 1, PROT_READ));
    CHECK(!vm_range_ok(vm, (uint64_t)a, 3 * PG, PROT_EXEC));
    /* len not a page multiple: rounded up */
    long b = vm_mmap(vm, 0, 10, PROT_READ, ANON, NULL, 0);
    CHECK(b > 0 && vm_range_ok(vm, (uint64_t)b, PG, PROT_READ));
    CHECK(!vm_range_ok(vm, (uint64_t)b, PG, PROT_WRITE));
    CHECK(probe((uint64_t)b, 0) && !probe((uint64_t)b, 1));
    check_invariants();

    /* Argument errors, in Linux's terms. */
    CHECK_EQ(vm_mmap(vm, 0, 0, RW, ANON, NULL, 0), -EINVAL);
    CHECK_EQ(vm_mmap(vm, 0, PG, RW, MAP_ANONYMOUS, NULL, 0), -EINVAL); /* no type */
    CHECK_EQ(vm_mmap(vm, 0, PG, RW, ANON | 0x4, NULL, 0), -EINVAL);    /* type 0x6 */
    CHECK_EQ(vm_mmap(vm, ur + 1, PG, RW, ANON | MAP_FIXED, NULL, 0), -EINVAL);
    CHECK_EQ(vm_mmap(vm, ur + 1, PG, RW, ANON | MAP_FIXED_NOREPLACE, NULL, 0), -EINVAL);
    struct file f = {.data = "x", .size = 1};
    CHECK_EQ(vm_mmap(vm, 0, PG, PROT_READ, MAP_PRIVATE, &f, 100), -EINVAL); /* offset */
    CHECK_EQ(vm_mmap(vm, 0, UINT64_MAX - 10, RW, ANON, NULL, 0), -ENOMEM);
    CHECK_EQ(vm_mmap(vm, 0, UR_PAGES * PG * 2, RW, ANON, NULL, 0), -ENOMEM);
    CHECK_EQ(vm_mmap(vm, ur - PG, PG, RW, ANON | MAP_FIXED, NULL, 0), -ENOMEM);
    CHECK_EQ(vm_mmap(vm, 0x1000, PG, RW, ANON | MAP_FIXED, NULL, 0), -ENOMEM);
    CHECK_EQ(vm_mmap(vm, ur + UR_PAGES * PG - PG, 2 * PG, RW, ANON | MAP_FIXED, NULL, 0), -ENOMEM);
    CHECK_EQ(vm_mmap(vm, UINT64_MAX & ~(PG - 1), 2 * PG, RW, ANON | MAP_FIXED, NULL, 0), -ENOMEM);
    check_invariants();
    free_vm(vm);
    check_invariants();
}

static void test_hints_fixed_noreplace(void)
{
    struct vm_space *vm = new_vm();
    uint64_t h = ur + 1000 * PG;
    CHECK_EQ(vm_mmap(vm, h, 4 * PG, RW, ANON, NULL, 0), h);                   /* free hint used */
    CHECK_EQ(vm_mmap(vm, h + 4 * PG + 5, PG, RW, ANON, NULL, 0), h + 5 * PG); /* rounded up */
    long o = vm_mmap(vm, h + PG, 2 * PG, RW, ANON, NULL, 0); /* occupied: elsewhere */
    CHECK(o > 0 && ((uint64_t)o + 2 * PG <= h || (uint64_t)o >= h + 6 * PG));
    CHECK_EQ(vm_mmap(vm, 8, PG, RW, ANON, NULL, 0) > 0, 1); /* out-of-range hint: ignored */
    memset((void *)h, 0x55, 4 * PG);

    /* MAP_FIXED over the middle of an existing mapping replaces it (zero) and splits it. */
    CHECK_EQ(vm_mmap(vm, h + PG, 2 * PG, PROT_READ, ANON | MAP_FIXED, NULL, 0), h + PG);
    CHECK(all_bytes(h, PG, 0x55) && all_bytes(h + 3 * PG, PG, 0x55));
    CHECK(all_bytes(h + PG, 2 * PG, 0));
    CHECK(!vm_range_ok(vm, h + PG, PG, PROT_WRITE) && vm_range_ok(vm, h, PG, PROT_WRITE));
    CHECK(!probe(h + PG, 1) && probe(h + PG, 0) && probe(h, 1));
    check_invariants();

    /* MAP_FIXED_NOREPLACE: -EEXIST if anything is there, even one page; fine if free. */
    CHECK_EQ(vm_mmap(vm, h + 3 * PG, 2 * PG, RW, ANON | MAP_FIXED_NOREPLACE, NULL, 0), -EEXIST);
    CHECK_EQ(vm_mmap(vm, h - PG, 2 * PG, RW, ANON | MAP_FIXED_NOREPLACE, NULL, 0), -EEXIST);
    CHECK(all_bytes(h + 3 * PG, PG, 0x55));
    CHECK_EQ(vm_mmap(vm, h - 2 * PG, 2 * PG, RW, ANON | MAP_FIXED_NOREPLACE, NULL, 0), h - 2 * PG);
    check_invariants();
    free_vm(vm);
}

static void test_munmap(void)
{
    struct vm_space *vm = new_vm();
    long a = vm_mmap(vm, 0, 5 * PG, RW, ANON, NULL, 0);
    CHECK(a > 0);
    uint64_t b = (uint64_t)a;
    for (int i = 0; i < 5; i++)
        memset((void *)(b + i * PG), i + 1, PG);
    size_t n0 = nvma(vm);
    CHECK_EQ(vm_munmap(vm, b + 2 * PG, PG), 0); /* the middle page */
    CHECK_EQ(nvma(vm), n0 + 1);
    CHECK(!vm_range_ok(vm, b + 2 * PG, 1, 0));
    CHECK(!probe(b + 2 * PG, 0));
    CHECK(all_bytes(b + PG, PG, 2) && all_bytes(b + 3 * PG, PG, 4));
    check_invariants();
    CHECK_EQ(vm_munmap(vm, b + 2 * PG, PG), 0);  /* unmapping nothing is fine */
    CHECK_EQ(vm_munmap(vm, b + 1, PG), -EINVAL); /* unaligned */
    CHECK_EQ(vm_munmap(vm, b, 0), -EINVAL);
    CHECK_EQ(vm_munmap(vm, UINT64_MAX & ~(PG - 1), 2 * PG), -EINVAL); /* wraps */
    CHECK_EQ(vm_munmap(vm, b + PG, 3 * PG - 100), 0); /* rounds up, spans the hole */
    CHECK(vm_range_ok(vm, b, PG, RW) && !vm_range_ok(vm, b + PG, 1, 0));
    CHECK(!vm_range_ok(vm, b + 3 * PG, 1, 0) && vm_range_ok(vm, b + 4 * PG, PG, RW));
    check_invariants();
    /* Remapping the hole gives zeros, not the old bytes. */
    CHECK_EQ(vm_mmap(vm, b + 2 * PG, PG, RW, ANON | MAP_FIXED, NULL, 0), b + 2 * PG);
    CHECK(all_bytes(b + 2 * PG, PG, 0));
    free_vm(vm);
    check_invariants();
}

static void test_mprotect(void)
{
    struct vm_space *vm = new_vm();
    uint64_t b = (uint64_t)vm_mmap(vm, 0, 6 * PG, RW, ANON, NULL, 0);
    memset((void *)b, 9, 6 * PG);
    size_t n0 = nvma(vm);
    CHECK_EQ(vm_mprotect(vm, b + 2 * PG, 2 * PG, PROT_READ), 0);
    CHECK_EQ(nvma(vm), n0 + 2);
    CHECK(!probe(b + 2 * PG, 1) && probe(b + 2 * PG, 0) && probe(b + 4 * PG, 1));
    CHECK(all_bytes(b, 6 * PG, 9));
    CHECK_EQ(vm_mprotect(vm, b + 2 * PG, PG, PROT_NONE), 0);
    CHECK(!probe(b + 2 * PG, 0));
    check_invariants();
    CHECK_EQ(vm_mprotect(vm, b, 6 * PG, RW), 0); /* back to one VMA, contents kept */
    CHECK_EQ(nvma(vm), n0);
    CHECK(all_bytes(b, 6 * PG, 9));
    /* A hole: -ENOMEM and nothing changed. */
    CHECK_EQ(vm_munmap(vm, b + 3 * PG, PG), 0);
    CHECK_EQ(vm_mprotect(vm, b, 6 * PG, PROT_READ), -ENOMEM);
    CHECK(vm_range_ok(vm, b, 3 * PG, RW));
    CHECK_EQ(vm_mprotect(vm, b + 1, PG, PROT_READ), -EINVAL);
    CHECK_EQ(vm_mprotect(vm, b, PG, 0x40), -EINVAL);
    CHECK_EQ(vm_mprotect(vm, b, 0, PROT_READ), 0);
    CHECK_EQ(vm_mprotect(vm, b, PG, PROT_READ | PROT_GROWSDOWN), 0);
    CHECK(!vm_range_ok(vm, b, PG, PROT_WRITE));
    /* PROT_NONE anonymous memory reserves the range; becoming RW gives zeros. */
    uint64_t r = (uint64_t)vm_mmap(vm, 0, 4 * PG, PROT_NONE, ANON, NULL, 0);
    CHECK(!probe(r, 0) && !vm_range_ok(vm, r, 1, PROT_READ) && vm_range_ok(vm, r, PG, 0));
    CHECK_EQ(vm_mmap(vm, r, PG, RW, ANON | MAP_FIXED_NOREPLACE, NULL, 0), -EEXIST);
    CHECK_EQ(vm_mprotect(vm, r + PG, PG, RW), 0);
    CHECK(all_bytes(r + PG, PG, 0));
    check_invariants();
    free_vm(vm);
}

static void test_mremap(void)
{
    size_t heap0 = heap_used(); /* leak check */
    struct vm_space *vm = new_vm();
    uint64_t h = ur + 3000 * PG;
    CHECK_EQ(vm_mmap(vm, h, 4 * PG, RW, ANON | MAP_FIXED, NULL, 0), h);
    for (int i = 0; i < 4; i++)
        memset((void *)(h + i * PG), 0x10 + i, PG);
    /* Shrink. */
    CHECK_EQ(vm_mremap(vm, h, 4 * PG, 3 * PG, 0, 0), h);
    CHECK(!vm_range_ok(vm, h + 3 * PG, 1, 0));
    /* Grow in place (the next pages are free). */
    CHECK_EQ(vm_mremap(vm, h, 3 * PG, 5 * PG, 0, 0), h);
    CHECK(all_bytes(h + 2 * PG, PG, 0x12) && all_bytes(h + 3 * PG, 2 * PG, 0));
    CHECK_EQ(nvma(vm), 1);
    check_invariants();
    /* Blocked: without MAYMOVE -ENOMEM, with it a move that keeps the bytes. */
    CHECK_EQ(vm_mmap(vm, h + 5 * PG, PG, PROT_READ, ANON | MAP_FIXED, NULL, 0), h + 5 * PG);
    CHECK_EQ(vm_mremap(vm, h, 5 * PG, 8 * PG, 0, 0), -ENOMEM);
    long m = vm_mremap(vm, h, 5 * PG, 8 * PG, MREMAP_MAYMOVE, 0);
    CHECK(m > 0 && (uint64_t)m != h);
    for (int i = 0; i < 3; i++)
        CHECK(all_bytes((uint64_t)m + i * PG, PG, 0x10 + i));
    CHECK(all_bytes((uint64_t)m + 3 * PG, 5 * PG, 0));
    CHECK(!vm_range_ok(vm, h, 1, 0) && !probe(h, 0));
    check_invariants();
    /* MREMAP_FIXED onto an existing own mapping replaces it; a read-only source works. */
    CHECK_EQ(vm_mprotect(vm, (uint64_t)m, 8 * PG, PROT_READ), 0);
    uint64_t t = ur + 5000 * PG;
    CHECK_EQ(vm_mmap(vm, t, 2 * PG, RW, ANON | MAP_FIXED, NULL, 0), t);
    CHECK_EQ(vm_mremap(vm, (uint64_t)m, 2 * PG, 3 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, t), t);
    CHECK(all_bytes(t, PG, 0x10) && all_bytes(t + PG, PG, 0x11) && all_bytes(t + 2 * PG, PG, 0));
    CHECK(vm_range_ok(vm, t, 3 * PG, PROT_READ) && !vm_range_ok(vm, t, PG, PROT_WRITE));
    CHECK(!vm_range_ok(vm, (uint64_t)m, PG, 0) && vm_range_ok(vm, (uint64_t)m + 2 * PG, PG, 0));
    check_invariants();
    /* A PROT_NONE mapping moves too (the copy needs a temporary read permission). */
    CHECK_EQ(vm_mprotect(vm, t, 3 * PG, PROT_NONE), 0);
    long n = vm_mremap(vm, t, 3 * PG, 3 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, h);
    CHECK_EQ(n, h);
    CHECK(!probe(h, 0));
    CHECK_EQ(vm_mprotect(vm, h, 3 * PG, PROT_READ), 0);
    CHECK(all_bytes(h, PG, 0x10) && all_bytes(h + PG, PG, 0x11));
    check_invariants();
    /* DONTUNMAP: the old range stays mapped with zero pages. */
    CHECK_EQ(vm_mprotect(vm, h, 3 * PG, RW), 0);
    long d = vm_mremap(vm, h, 3 * PG, 3 * PG, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0);
    CHECK(d > 0 && all_bytes((uint64_t)d, PG, 0x10) && all_bytes(h, 3 * PG, 0));
    CHECK(vm_range_ok(vm, h, 3 * PG, RW));
    check_invariants();
    /* Errors. */
    CHECK_EQ(vm_mremap(vm, h, PG, 2 * PG, MREMAP_FIXED, t), -EINVAL); /* FIXED w/o MAYMOVE */
    CHECK_EQ(vm_mremap(vm, h, PG, 2 * PG, 0x10, 0), -EINVAL);
    CHECK_EQ(vm_mremap(vm, h + 1, PG, 2 * PG, 0, 0), -EINVAL);
    CHECK_EQ(vm_mremap(vm, h, PG, 0, 0, 0), -EINVAL);
    CHECK_EQ(vm_mremap(vm, h, 2 * PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, h + PG), -EINVAL);
    CHECK_EQ(vm_mremap(vm, h, PG, PG, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0) > 0, 1);
    CHECK_EQ(vm_mremap(vm, h, PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0), -EINVAL);
    CHECK_EQ(vm_mremap(vm, ur + 9000 * PG, PG, 2 * PG, MREMAP_MAYMOVE, 0), -EFAULT);
    CHECK_EQ(vm_mmap(vm, h + 3 * PG, PG, PROT_READ, ANON | MAP_FIXED, NULL, 0), h + 3 * PG);
    CHECK_EQ(vm_mremap(vm, h, 4 * PG, 8 * PG, MREMAP_MAYMOVE, 0), -EFAULT); /* two VMAs */
    check_invariants();
    free_vm(vm);
    CHECK_EQ(heap_used(), heap0);
}

static void test_brk(void)
{
    size_t heap0 = heap_used(); /* leak check */
    struct vm_space *vm = new_vm();
    uint64_t base = ur + 100 * PG;
    CHECK_EQ(vm_brk(vm, base + PG), 0); /* no base yet: the (zero) break stays */
    vm_set_brk_base(vm, base);
    CHECK_EQ(vm_brk(vm, 0), base);
    CHECK_EQ(vm_brk(vm, base + 100), base + 100);
    memset((void *)base, 3, 100);
    CHECK_EQ(vm_brk(vm, base + 3 * PG + 5), base + 3 * PG + 5);
    CHECK(vm_range_ok(vm, base, 4 * PG, RW) && !vm_range_ok(vm, base + 4 * PG, 1, 0));
    CHECK(all_bytes(base, 100, 3) && all_bytes(base + 100, 4 * PG - 100, 0));
    CHECK_EQ(nvma(vm), 1);
    char maps[512];
    vm_format_maps(vm, maps, sizeof(maps));
    CHECK(strstr(maps, "[heap]") != NULL);
    /* Shrink, then grow again: the pages come back zero. */
    memset((void *)(base + 2 * PG), 4, PG);
    CHECK_EQ(vm_brk(vm, base + PG), base + PG);
    CHECK(!vm_range_ok(vm, base + PG, 1, 0));
    CHECK_EQ(vm_brk(vm, base + 3 * PG), base + 3 * PG);
    CHECK(all_bytes(base + 2 * PG, PG, 0));
    /* Below the base, or into another mapping: the old break. */
    CHECK_EQ(vm_brk(vm, base - 1), base + 3 * PG);
    CHECK_EQ(vm_mmap(vm, base + 5 * PG, PG, RW, ANON | MAP_FIXED, NULL, 0), base + 5 * PG);
    CHECK_EQ(vm_brk(vm, base + 6 * PG), base + 3 * PG);
    CHECK_EQ(vm_brk(vm, UINT64_MAX - 5), base + 3 * PG);
    CHECK_EQ(vm_brk(vm, base + 5 * PG), base + 5 * PG); /* up to it is fine */
    check_invariants();
    free_vm(vm);
    CHECK_EQ(heap_used(), heap0);
}

static void test_madvise(void)
{
    struct vm_space *vm = new_vm();
    uint64_t b = (uint64_t)vm_mmap(vm, 0, 4 * PG, RW, ANON, NULL, 0);
    memset((void *)b, 0x77, 4 * PG);
    CHECK_EQ(vm_madvise(vm, b + PG, 2 * PG, MADV_DONTNEED), 0);
    CHECK(all_bytes(b, PG, 0x77) && all_bytes(b + PG, 2 * PG, 0) &&
          all_bytes(b + 3 * PG, PG, 0x77));
    CHECK(vm_range_ok(vm, b, 4 * PG, RW) && probe(b + PG, 1));
    CHECK_EQ(vm_madvise(vm, b, 4 * PG, MADV_WILLNEED), 0);
    CHECK_EQ(vm_madvise(vm, b, 4 * PG, MADV_NORMAL), 0);
    CHECK_EQ(vm_madvise(vm, b, 4 * PG, MADV_FREE), 0);
    CHECK_EQ(vm_madvise(vm, b, 4 * PG, MADV_HUGEPAGE), 0);
    CHECK_EQ(vm_madvise(vm, b, 4 * PG, 12345), -EINVAL);
    CHECK_EQ(vm_madvise(vm, b, 4 * PG, -1), -EINVAL);
    CHECK_EQ(vm_madvise(vm, b + 1, PG, MADV_DONTNEED), -EINVAL);
    CHECK_EQ(vm_madvise(vm, b, 0, MADV_DONTNEED), 0);
    CHECK_EQ(vm_madvise(vm, b, PG, MADV_REMOVE), -EINVAL); /* private memory */
    /* A hole: -ENOMEM, but the mapped part is still advised. */
    memset((void *)b, 0x66, PG);
    CHECK_EQ(vm_munmap(vm, b + 2 * PG, PG), 0);
    CHECK_EQ(vm_madvise(vm, b, 4 * PG, MADV_DONTNEED), -ENOMEM);
    CHECK(all_bytes(b, PG, 0));
    /* DONTNEED on read-only memory keeps the protection. */
    CHECK_EQ(vm_mprotect(vm, b + 3 * PG, PG, PROT_READ), 0);
    CHECK_EQ(vm_madvise(vm, b + 3 * PG, PG, MADV_DONTNEED), 0);
    CHECK(probe(b + 3 * PG, 0) && !probe(b + 3 * PG, 1));
    check_invariants();
    free_vm(vm);
}

static void test_file_mappings(void)
{
    size_t heap0 = heap_used(); /* leak check */
    struct vm_space *vm = new_vm();
    static char data[3 * 4096 + 100];
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (char)(i % 251 + 1);
    struct file f = {.data = data, .size = sizeof(data)};
    long a = vm_mmap(vm, 0, 5 * PG, PROT_READ, MAP_PRIVATE, &f, 0);
    CHECK(a > 0);
    CHECK(memcmp((void *)a, data, sizeof(data)) == 0);
    CHECK(all_bytes((uint64_t)a + sizeof(data), 4 * PG - sizeof(data), 0)); /* past EOF */
    CHECK(vm_range_ok(vm, (uint64_t)a, 5 * PG, PROT_READ) && !probe((uint64_t)a, 1));
    /* An offset, writable private copy. */
    long b = vm_mmap(vm, 0, PG, RW, MAP_PRIVATE, &f, 2 * PG);
    CHECK(b > 0 && memcmp((void *)b, data + 2 * PG, PG) == 0);
    ((char *)b)[0] = 0;
    CHECK(data[2 * PG] != 0);
    /* MAP_SHARED read-only is a copy; writable needs the file open read-write. */
    long c = vm_mmap(vm, 0, PG, PROT_READ, MAP_SHARED, &f, PG);
    CHECK(c > 0 && memcmp((void *)c, data + PG, PG) == 0);
    CHECK_EQ(vm_mmap(vm, 0, PG, RW, MAP_SHARED, &f, 0), -EACCES);
    /* A file open read-write: writes through the mapping reach it on msync and munmap,
     * only for the part unmapped, and never past its end. */
    static char wdata[3 * 4096 + 100];
    memcpy(wdata, data, sizeof(wdata));
    struct file wf = {.data = wdata, .size = sizeof(wdata), .wdata = wdata};
    long w = vm_mmap(vm, 0, 4 * PG, RW, MAP_SHARED, &wf, 0);
    CHECK(w > 0 && wf.refs == 1);
    memset((void *)w, 'A', PG);                /* page 0 */
    memset((void *)(w + 2 * PG), 'C', 2 * PG); /* pages 2 and 3 (3 is past EOF + 100) */
    CHECK(wdata[0] != 'A');                    /* not yet: no page cache */
    CHECK_EQ(vm_msync(vm, (uint64_t)w, PG, MS_SYNC), 0);
    CHECK(wdata[0] == 'A' && wdata[PG - 1] == 'A' && wdata[2 * PG] != 'C');
    CHECK_EQ(vm_msync(vm, (uint64_t)w + 1, PG, MS_SYNC), -EINVAL);
    CHECK_EQ(vm_msync(vm, (uint64_t)w, PG, MS_SYNC | MS_ASYNC), -EINVAL);
    CHECK_EQ(vm_munmap(vm, (uint64_t)w + 2 * PG, 2 * PG), 0);
    CHECK(wdata[2 * PG] == 'C' && wdata[sizeof(wdata) - 1] == 'C'); /* up to EOF only */
    CHECK(wf.refs == 1);
    memset((void *)(w + PG), 'B', PG);
    CHECK_EQ(vm_munmap(vm, (uint64_t)w, 2 * PG), 0);
    CHECK(wdata[PG] == 'B' && wf.refs == 0);
    CHECK_EQ(vm_msync(vm, (uint64_t)w, PG, MS_SYNC), -ENOMEM); /* unmapped */
    /* Read errors come back, with nothing left mapped. */
    struct file bad = {.data = data, .size = sizeof(data), .err = -EIO};
    CHECK_EQ(vm_mmap(vm, ur + 7000 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_FIXED, &bad, 0), -EIO);
    bad.err = -EBADF;
    CHECK_EQ(vm_mmap(vm, 0, PG, PROT_READ, MAP_PRIVATE, &bad, 0), -EACCES);
    CHECK(!vm_range_ok(vm, ur + 7000 * PG, PG, 0));
    check_invariants();
    /* The loader names its mappings; /proc/self/maps shows them like Linux. */
    CHECK_EQ(vm_set_name(vm, (uint64_t)a, PG, "/bin/prog"), 0);
    CHECK_EQ(vm_set_name(vm, ur + 7000 * PG, PG, "x"), -ENOMEM);
    char maps[4096];
    size_t len = vm_format_maps(vm, maps, sizeof(maps));
    CHECK(len == strlen(maps));
    char want[128];
    snprintf(want, sizeof(want), "%08lx-%08lx r--p 00000000 00:00 0", (unsigned long)a,
             (unsigned long)a + PG);
    char *line = strstr(maps, want);
    CHECK(line != NULL);
    CHECK(strncmp(line + 73, "/bin/prog\n", 10) == 0 && line[72] == ' ');
    snprintf(want, sizeof(want), "%08lx-%08lx r--p 00001000 00:00 0 \n", (unsigned long)a + PG,
             (unsigned long)a + 5 * PG);
    CHECK(strstr(maps, want) != NULL);
    snprintf(want, sizeof(want), "%08lx-%08lx r--s 00001000 00:00 0 \n", (unsigned long)c,
             (unsigned long)c + PG);
    CHECK(strstr(maps, want) != NULL);
    /* Truncated output still reports the full length and is terminated. */
    char small[20];
    CHECK_EQ(vm_format_maps(vm, small, sizeof(small)), len);
    CHECK(strlen(small) == sizeof(small) - 1 && memcmp(small, maps, sizeof(small) - 1) == 0);
    CHECK_EQ(vm_format_maps(vm, NULL, 0), len);
    check_invariants();
    /* Exit writes back what is still mapped shared, as munmap does. */
    long w2 = vm_mmap(vm, 0, 2 * PG, RW, MAP_SHARED, &wf, PG);
    CHECK(w2 > 0 && wf.refs == 1);
    memset((void *)(w2 + PG), 'D', 10);
    free_vm(vm);
    CHECK(wdata[2 * PG] == 'D' && wdata[2 * PG + 9] == 'D' && wdata[2 * PG + 10] == 'C');
    CHECK_EQ(wf.refs, 0);
    CHECK_EQ(heap_used(), heap0);
}

static void test_two_processes_and_gaps(void)
{
    struct vm_space *p = new_vm(), *q = new_vm();
    uint64_t h = ur + 20000 * PG;
    CHECK_EQ(vm_mmap(p, h, 10 * PG, RW, ANON | MAP_FIXED, NULL, 0), h);
    memset((void *)h, 1, 10 * PG);
    /* Another process cannot take or replace it, and a hint there goes elsewhere. */
    CHECK_EQ(vm_mmap(q, h + PG, PG, RW, ANON | MAP_FIXED, NULL, 0), -ENOMEM);
    CHECK_EQ(vm_mmap(q, h + PG, PG, RW, ANON | MAP_FIXED_NOREPLACE, NULL, 0), -EEXIST);
    long o = vm_mmap(q, h, PG, RW, ANON, NULL, 0);
    CHECK(o > 0 && ((uint64_t)o < h || (uint64_t)o >= h + 10 * PG));
    CHECK_EQ(vm_munmap(q, h, 10 * PG), 0); /* q has nothing there: p's pages stay */
    CHECK(all_bytes(h, 10 * PG, 1));
    CHECK_EQ(vm_mprotect(q, h, PG, PROT_READ), -ENOMEM);
    CHECK(!vm_range_ok(q, h, PG, 0));
    CHECK_EQ(vm_mremap(p, h, 10 * PG, 11 * PG, 0, 0), h); /* grows into the free page */
    check_invariants();

    /* Fill the whole range with q's mappings: then -ENOMEM; a freed hole is found exactly. */
    int count = 0;
    long last = 0, r;
    while ((r = vm_mmap(q, 0, 1000 * PG, PROT_NONE, ANON, NULL, 0)) > 0) {
        last = r;
        count++;
    }
    CHECK_EQ(r, -ENOMEM);
    CHECK(count > 50);
    while (vm_mmap(q, 0, PG, PROT_NONE, ANON, NULL, 0) > 0)
        count++;
    CHECK_EQ(vm_mmap(q, 0, PG, RW, ANON, NULL, 0), -ENOMEM);
    CHECK_EQ(vm_munmap(q, (uint64_t)last + 10 * PG, 3 * PG), 0);
    CHECK_EQ(vm_mmap(q, 0, 4 * PG, RW, ANON, NULL, 0), -ENOMEM);
    CHECK_EQ(vm_mmap(q, 0, 3 * PG, RW, ANON, NULL, 0), last + 10 * PG);
    /* p's brk cannot grow into q's memory. */
    vm_set_brk_base(p, h + 11 * PG);
    CHECK_EQ(vm_brk(p, h + 12 * PG), h + 11 * PG);
    check_invariants();
    /* Destroying p gives its range back; q can now map there. */
    free_vm(p);
    CHECK(!probe(h, 0));
    CHECK_EQ(vm_mmap(q, h, PG, RW, ANON | MAP_FIXED_NOREPLACE, NULL, 0), h);
    CHECK(all_bytes(h, PG, 0));
    check_invariants();
    free_vm(q);
    check_invariants();
}

static void test_commit_failure(void)
{
    struct vm_space *vm = new_vm();
    fail_commit = 1;
    CHECK_EQ(vm_mmap(vm, 0, 2 * PG, RW, ANON, NULL, 0), -ENOMEM);
    CHECK_EQ(nvma(vm), 0);
    check_invariants();
    uint64_t b = (uint64_t)vm_mmap(vm, 0, 2 * PG, RW, ANON, NULL, 0);
    fail_commit = 1;
    CHECK_EQ(vm_mremap(vm, b, 2 * PG, 2000 * PG, MREMAP_MAYMOVE, 0), -ENOMEM);
    CHECK(vm_range_ok(vm, b, 2 * PG, RW));
    check_invariants();
    free_vm(vm);
}

/* ---- model-based random test ---- */
#define MW 512 /* pages in the model window */
/* Model of keyed-file pages: which file (1-based index in mfile, 0 none) and file page a
 * mapped page holds and whether it is pristine, and what a kept (unmapped) page holds. */
static struct file *mfile[2];
static int mkey[MW], moff[MW], kkey[MW], koff[MW];
static bool mpristine[MW];

static void test_model(void)
{
    struct vm_space *vm = new_vm();
    uint64_t w = ur + 30000 * PG;
    static int mprot[MW];          /* -1 unmapped */
    static unsigned char mval[MW]; /* expected first byte of each page */
    for (int i = 0; i < MW; i++)
        mprot[i] = -1;
    unsigned seed = 42;
    /* Two keyed files of 40 pages and a bit: a mapping may reach past their ends. */
    mfile[0] = keyed_file(&fs_a, 300, 40 * PG + 123, 40);
    mfile[1] = keyed_file(&fs_a, 301, 40 * PG + 123, 41);
    retained_evict_all();              /* only the model's pages are kept from here on */
    int adopt_own = 0, adopt_kept = 0; /* file pages the model expected to be adopted */
    const int prots[] = {PROT_NONE, PROT_READ, RW, PROT_READ | PROT_EXEC, RW | PROT_EXEC};
    for (int it = 0; it < 4000; it++) {
        int s = rand_r(&seed) % MW;
        int few = rand_r(&seed) % 2; /* two statements: the order of the calls is fixed */
        int n = 1 + rand_r(&seed) % (few ? 4 : 64);
        if (s + n > MW)
            n = MW - s;
        uint64_t a = w + (uint64_t)s * PG, len = (uint64_t)n * PG;
        int prot = prots[rand_r(&seed) % 5];
        bool covered = true;
        for (int i = s; i < s + n; i++)
            covered &= mprot[i] >= 0;
        switch (rand_r(&seed) % 8) {
        case 0:
            CHECK_EQ(vm_mmap(vm, a, len, prot, ANON | MAP_FIXED, NULL, 0), a);
            for (int i = s; i < s + n; i++)
                mprot[i] = prot, mval[i] = 0, mkey[i] = 0, kkey[i] = 0;
            break;
        case 1:
            CHECK_EQ(vm_munmap(vm, a, len), 0);
            for (int i = s; i < s + n; i++) {
                if (mprot[i] >= 0) {
                    kkey[i] = mpristine[i] ? mkey[i] : 0; /* pristine pages are kept */
                    koff[i] = moff[i];
                }
                mprot[i] = -1;
            }
            break;
        case 2:
            CHECK_EQ(vm_mprotect(vm, a, len, prot), covered ? 0 : -ENOMEM);
            for (int i = s; covered && i < s + n; i++) {
                mprot[i] = prot;
                mpristine[i] &= !(prot & PROT_WRITE);
            }
            break;
        case 3:
            CHECK_EQ(vm_madvise(vm, a, len, MADV_DONTNEED), covered ? 0 : -ENOMEM);
            for (int i = s; i < s + n; i++)
                if (!mkey[i])
                    mval[i] = 0; /* file pages are left as they are */
            break;
        case 4: {
            /* A keyed file with MAP_FIXED: pages that hold the same file page (pristine or
             * kept) are adopted, the others read. With up to 4 pages no limit of
             * page_runs/urange_stolen applies, so the bytes read are exact; beyond, the
             * limits may only add reads. */
            int key = 1 + rand_r(&seed) % 2, fo = rand_r(&seed) % 48;
            if (rand_r(&seed) % 2 && mprot[s] >= 0 && mkey[s]) /* often: what is there */
                key = mkey[s], fo = moff[s];
            else if (rand_r(&seed) % 2 && mprot[s] < 0 && kkey[s])
                key = kkey[s], fo = koff[s];
            struct file *f = mfile[key - 1];
            uint64_t need = 0, r0 = f->read_bytes;
            for (int i = s; i < s + n; i++) {
                int po = fo + (i - s);
                bool same = mprot[i] >= 0 ? mpristine[i] && mkey[i] == key && moff[i] == po
                                          : kkey[i] == key && koff[i] == po;
                if (!same)
                    need += file_bytes(f, (uint64_t)po * PG, PG);
                else if (po < 40)
                    *(mprot[i] >= 0 ? &adopt_own : &adopt_kept) += 1;
            }
            CHECK_EQ(fmap(vm, a, len, prot, MAP_PRIVATE | MAP_FIXED, f, (uint64_t)fo * PG), a);
            if (n <= 4)
                CHECK_EQ(f->read_bytes - r0, need);
            else
                CHECK(f->read_bytes - r0 >= need);
            for (int i = s; i < s + n; i++) {
                uint64_t po = (uint64_t)(fo + (i - s)) * PG;
                mprot[i] = prot;
                mval[i] = po < f->size ? (unsigned char)f->data[po] : 0;
                mkey[i] = key;
                moff[i] = fo + (i - s);
                mpristine[i] = !(prot & PROT_WRITE);
                kkey[i] = 0;
            }
            break;
        }
        default:
            for (int i = s; i < s + n; i++) {
                if (mprot[i] >= 0 && (mprot[i] & PROT_WRITE)) {
                    mval[i] = (unsigned char)rand_r(&seed);
                    *(unsigned char *)(w + (uint64_t)i * PG) = mval[i];
                }
            }
        }
        if (it % 200 == 0 || it == 3999) {
            uint64_t kept = 0;
            for (int i = 0; i < MW; i++) {
                uint64_t p = w + (uint64_t)i * PG;
                CHECK_EQ(vm_range_ok(vm, p, PG, 0), mprot[i] >= 0);
                if (mprot[i] < 0) {
                    CHECK(!probe(p, 0));
                    /* A kept page is hidden but intact; any other is discarded. */
                    CHECK_EQ(shadow[(p - ur) / PG], kkey[i] ? PROT_NONE : -1);
                    if (kkey[i])
                        CHECK(holds_file(p, PG, mfile[kkey[i] - 1], (uint64_t)koff[i] * PG));
                    kept += kkey[i] ? PG : 0;
                    continue;
                }
                CHECK_EQ((vma_at(vm, p)->flags & VMA_PRISTINE) != 0, mkey[i] && mpristine[i]);
                CHECK_EQ(vm_range_ok(vm, p, PG, PROT_WRITE), (mprot[i] & PROT_WRITE) != 0);
                if (mprot[i] & (PROT_READ | PROT_WRITE)) {
                    CHECK(probe(p, 0));
                    CHECK_EQ(*(unsigned char *)p, mval[i]);
                } else if (mprot[i] == PROT_NONE) {
                    CHECK(!probe(p, 0));
                }
            }
            CHECK_EQ(retained_bytes(), kept);
            check_invariants();
        }
    }
    /* Make everything readable: PROT_NONE pages kept their contents. */
    for (int i = 0; i < MW; i++) {
        if (mprot[i] < 0)
            continue;
        uint64_t p = w + (uint64_t)i * PG;
        CHECK_EQ(vm_mprotect(vm, p, PG, PROT_READ), 0);
        CHECK_EQ(*(unsigned char *)p, mval[i]);
    }
    check_invariants();
    /* The run really exercised both kinds of reuse. */
    fprintf(stderr, "  model: %d own pristine and %d kept pages adopted\n", adopt_own, adopt_kept);
    CHECK(adopt_own > 20 && adopt_kept > 20);
    free_vm(vm); /* its pristine pages are kept */
    check_invariants();
    retained_evict_all();
    check_invariants();
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_5000_vmas(void)
{
    struct vm_space *vm = new_vm();
    static uint64_t addr[5000];
    double t0 = now();
    for (int i = 0; i < 5000; i++) {
        /* Alternating protections so neighbours cannot merge. */
        long a = vm_mmap(vm, 0, PG, i % 2 ? PROT_READ : RW, ANON, NULL, 0);
        CHECK(a > 0);
        addr[i] = (uint64_t)a;
    }
    CHECK_EQ(nvma(vm), 5000);
    for (int i = 0; i < 5000; i++)
        CHECK(vm_range_ok(vm, addr[i], PG, i % 2 ? PROT_READ : RW));
    for (int i = 0; i < 5000; i += 2)
        CHECK_EQ(vm_mprotect(vm, addr[i], PG, PROT_READ), 0); /* everything merges */
    CHECK(nvma(vm) < 10);
    for (int i = 0; i < 5000; i += 3)
        CHECK_EQ(vm_munmap(vm, addr[i], PG), 0);
    CHECK(nvma(vm) > 1500);
    unsigned seed = 7;
    for (int k = 0; k < 5000; k++) {
        int i = rand_r(&seed) % 5000;
        if (i % 3 == 0)
            CHECK_EQ(vm_mprotect(vm, addr[i], PG, RW), -ENOMEM);
        else
            CHECK_EQ(vm_mprotect(vm, addr[i], PG, k % 2 ? RW : PROT_READ), 0);
    }
    double t1 = now();
    fprintf(stderr, "  5000-VMA stress: %.1f ms\n", (t1 - t0) * 1e3);
    CHECK(t1 - t0 < 5.0);
    check_invariants();
    free_vm(vm);
}

/* ---- uaccess ---- */
static void test_uaccess(void)
{
    struct vm_space *vm = new_vm();
    cur_vm = vm;
    uint64_t b = (uint64_t)vm_mmap(vm, 0, 2 * PG, RW, ANON, NULL, 0);
    uint64_t ro = (uint64_t)vm_mmap(vm, 0, PG, PROT_READ, ANON, NULL, 0);
    char buf[64] = "hello";
    CHECK_EQ(copy_to_user((void *)(b + 10), buf, 6), 0);
    CHECK(strcmp((char *)(b + 10), "hello") == 0);
    char in[6];
    CHECK_EQ(copy_from_user(in, (void *)(b + 10), 6), 0);
    CHECK(strcmp(in, "hello") == 0);
    CHECK_EQ(copy_from_user(in, NULL, 6), -EFAULT);
    CHECK_EQ(copy_from_user(in, NULL, 0), 0);
    CHECK_EQ(copy_to_user((void *)ro, buf, 1), -EFAULT); /* read-only */
    CHECK_EQ(copy_from_user(in, (void *)ro, 6), 0);
    CHECK_EQ(copy_from_user(in, buf, 6), -EFAULT);                      /* LibOS memory */
    CHECK_EQ(copy_from_user(in, (void *)(UINT64_MAX - 2), 6), -EFAULT); /* wraps */
    CHECK_EQ(copy_to_user((void *)(ur + 60000 * PG), buf, 1), -EFAULT);
    /* Partly mapped: -EFAULT and nothing written. */
    CHECK_EQ(vm_munmap(vm, b + PG, PG), 0);
    memset((void *)(b + PG - 4), 0x5a, 4);
    CHECK_EQ(copy_to_user((void *)(b + PG - 4), "abcdefgh", 8), -EFAULT);
    CHECK(all_bytes(b + PG - 4, 4, 0x5a));
    CHECK_EQ(clear_user((void *)(b + PG - 4), 4), 0);
    CHECK(all_bytes(b + PG - 4, 4, 0));
    CHECK_EQ(clear_user((void *)(b + PG - 4), 5), -EFAULT);
    CHECK(user_range_ok((void *)b, PG, RW) && !user_range_ok((void *)b, PG + 1, PROT_READ));
    /* Strings: ending right before an unmapped page is fine; running into it is not. */
    char s[64];
    memcpy((void *)(b + PG - 4), "abc", 4);
    CHECK_EQ(strncpy_from_user(s, (void *)(b + PG - 4), sizeof(s)), 3);
    CHECK(strcmp(s, "abc") == 0);
    memcpy((void *)(b + PG - 4), "abcd", 4);
    CHECK_EQ(strncpy_from_user(s, (void *)(b + PG - 4), sizeof(s)), -EFAULT);
    CHECK_EQ(strncpy_from_user(s, (void *)(b + PG - 4), 4), -ENAMETOOLONG);
    CHECK(s[3] == 0);
    CHECK_EQ(strncpy_from_user(s, (void *)(b + PG - 4), 5), -EFAULT); /* needs byte 5 */
    CHECK_EQ(strncpy_from_user(s, NULL, sizeof(s)), -EFAULT);
    CHECK_EQ(strncpy_from_user(s, "LibOS string", sizeof(s)), -EFAULT);
    memcpy((void *)(b + 100), "xy", 3);
    CHECK_EQ(strncpy_from_user(s, (void *)(b + 100), 3), 2);
    CHECK_EQ(strncpy_from_user(s, (void *)(b + 100), 2), -ENAMETOOLONG);
    CHECK_EQ(strncpy_from_user(s, (void *)(b + 100), 0), -ENAMETOOLONG);
    /* A long string spanning a page boundary. */
    static char big[6000];
    memset((void *)(b + PG - 3000), 'q', 2000);
    ((char *)b)[PG - 1000] = 0;
    CHECK_EQ(vm_mmap(vm, b + PG, PG, RW, ANON | MAP_FIXED, NULL, 0), b + PG);
    memset((void *)(b + PG - 3000), 'q', 5000);
    ((char *)b)[PG + 2000] = 0;
    CHECK_EQ(strncpy_from_user(big, (void *)(b + PG - 3000), sizeof(big)), 5000);
    CHECK(strlen(big) == 5000 && big[4999] == 'q');
    CHECK_EQ(strncpy_from_user(big, (void *)(b + PG - 3000), 5000), -ENAMETOOLONG);
    CHECK_EQ(strncpy_from_user(big, (void *)(b + PG - 3000), 5001), 5000);
    cur_vm = NULL;
    CHECK_EQ(copy_from_user(in, (void *)b, 1), -EFAULT); /* no current process */
    free_vm(vm);
    check_invariants();
}

/* ---- concurrency: threads of two processes, and uaccess racing munmap ---- */
static struct vm_space *tvm[2];
static volatile int stop_racer;

static void *mapper(void *arg)
{
    unsigned seed = (unsigned)(uintptr_t)arg;
    struct vm_space *vm = tvm[seed % 2];
    for (int it = 0; it < 3000; it++) {
        uint64_t len = (1 + rand_r(&seed) % 8) * PG;
        long a = vm_mmap(vm, 0, len, RW, ANON, NULL, 0);
        CHECK(a > 0);
        CHECK(all_bytes((uint64_t)a, len, 0));
        memset((void *)a, (int)seed & 0xff, len);
        CHECK_EQ(vm_mprotect(vm, (uint64_t)a, PG, PROT_READ), 0);
        CHECK(all_bytes((uint64_t)a, len, seed & 0xff));
        CHECK_EQ(vm_munmap(vm, (uint64_t)a, len), 0);
    }
    return NULL;
}

static uint64_t race_addr;

static void *copier(void *arg)
{
    char buf[2 * 4096];
    memset(buf, 0x3c, sizeof(buf));
    long ok = 0, fault = 0;
    while (!stop_racer) {
        int r = copy_to_user((void *)race_addr, buf, sizeof(buf));
        CHECK(r == 0 || r == -EFAULT);
        r == 0 ? ok++ : fault++;
    }
    *(long *)arg = ok + fault;
    return NULL;
}

static void test_threads(void)
{
    tvm[0] = new_vm();
    tvm[1] = new_vm();
    pthread_t t[4];
    for (uintptr_t i = 0; i < 4; i++)
        CHECK(pthread_create(&t[i], NULL, mapper, (void *)(i + 1)) == 0);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    CHECK_EQ(nvma(tvm[0]), 0);
    CHECK_EQ(nvma(tvm[1]), 0);
    check_invariants();

    /* copy_to_user holds the vm lock across check and copy, so a concurrent munmap can make
     * it fail with -EFAULT but never fault. */
    cur_vm = tvm[0];
    race_addr = ur + 40000 * PG;
    long copies = 0;
    pthread_t c;
    CHECK(pthread_create(&c, NULL, copier, &copies) == 0);
    for (int it = 0; it < 3000; it++) {
        CHECK_EQ(vm_mmap(tvm[0], race_addr, 2 * PG, RW, ANON | MAP_FIXED, NULL, 0), race_addr);
        CHECK_EQ(vm_munmap(tvm[0], race_addr + (it % 2) * PG, PG), 0);
        CHECK_EQ(vm_munmap(tvm[0], race_addr, 2 * PG), 0);
    }
    stop_racer = 1;
    pthread_join(c, NULL);
    CHECK(copies > 0);
    cur_vm = NULL;
    free_vm(tvm[0]);
    free_vm(tvm[1]);
    check_invariants();
}

int main(void)
{
    standins_init();
    test_mmap_basic();
    test_hints_fixed_noreplace();
    test_munmap();
    test_mprotect();
    test_mremap();
    test_brk();
    test_madvise();
    test_file_mappings();
    test_two_processes_and_gaps();
    test_commit_failure();
    test_model();
    test_5000_vmas();
    test_uaccess();
    test_threads();
    standins_finish("test_vma");
    return 0;
}
