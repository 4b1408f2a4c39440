/*
 * Host-built unit test of retained file pages (src/libos/mm/retained.c) and of
 * vm_reserve_image (src/libos/mm/vma.c; its tests are in test_reserve_image.c, linked into this
 * binary), on the stubbed platform of vma_standins.c, whose invariant checker runs after each
 * step.
 *
 * A read-only private mapping of an immutable (keyed) file keeps its pages when unmapped or
 * when its process exits; a later mapping of the same bytes at the same addresses adopts them
 * without reading the file; anything else that needs the addresses takes them and sees zeros;
 * at most a quarter of the user range is kept, the oldest evicted first. The tests count
 * file_pread's bytes to prove what was read and what adopted.
 */
#define _GNU_SOURCE
#include "vma_standins.h"
#include <errno.h>

/* test_reserve_image.c */
void test_reserve_image(void);

/* ---- retained file pages (retained.c): kept at unmap, adopted by a matching mapping ---- */

/* Kept pages are reused by the next process that maps the same bytes, and only by one. */
static void test_retained_across_processes(void)
{
    CHECK_EQ(retained_bytes(), 0);
    struct file *f = keyed_file(&fs_a, 100, 5 * PG + 100, 1);
    uint64_t len = 6 * PG; /* the last page is past the end of the file: zeros */
    struct vm_space *a = new_vm();
    long x = fmap(a, 0, len, PROT_READ | PROT_EXEC, MAP_PRIVATE, f, 0);
    CHECK(x > 0);
    CHECK_EQ(f->read_bytes, f->size);
    CHECK(holds_file((uint64_t)x, len, f, 0));
    CHECK(vma_at(a, (uint64_t)x)->flags & VMA_PRISTINE);
    check_invariants();
    CHECK_EQ(retained_bytes(), 0);
    free_vm(a); /* exits without writing: its pages are kept, hidden, intact */
    CHECK_EQ(retained_bytes(), len);
    CHECK_EQ(reclaimable_in((uint64_t)x, (uint64_t)x + len, NULL), len);
    CHECK(!probe((uint64_t)x, 0) && !probe((uint64_t)x + len - 1, 0));
    check_invariants(); /* also: committed PROT_NONE, the file's bytes */

    /* B maps the same file and offset with no address: it lands where the bytes are and
     * copies nothing. */
    struct vm_space *b = new_vm();
    uint64_t r0 = f->read_bytes;
    CHECK_EQ(fmap(b, 0, len, PROT_READ | PROT_EXEC, MAP_PRIVATE, f, 0), x);
    CHECK_EQ(f->read_bytes, r0);
    CHECK(holds_file((uint64_t)x, len, f, 0));
    CHECK(probe((uint64_t)x, 0) && !probe((uint64_t)x, 1));
    CHECK(vm_range_ok(b, (uint64_t)x, len, PROT_READ | PROT_EXEC));
    CHECK_EQ(retained_bytes(), 0);
    CHECK_EQ(reclaimable_in(ur, ur + UR_PAGES * PG, NULL), 0);
    check_invariants();

    /* C at the same time: the address is B's, so C gets another one and reads the file. */
    struct vm_space *c = new_vm();
    long y = fmap(c, 0, len, PROT_READ, MAP_PRIVATE, f, 0);
    CHECK(y > 0 && ((uint64_t)y + len <= (uint64_t)x || (uint64_t)y >= (uint64_t)x + len));
    CHECK_EQ(f->read_bytes - r0, f->size);
    CHECK(holds_file((uint64_t)y, len, f, 0));
    check_invariants();

    /* Both exit: two copies kept. A mapping of part of the file at an offset lands inside
     * one of them, at the matching address, and copies nothing. */
    free_vm(b);
    free_vm(c);
    CHECK_EQ(retained_bytes(), 2 * len);
    check_invariants();
    struct vm_space *d = new_vm();
    r0 = f->read_bytes;
    long z = fmap(d, 0, 2 * PG, PROT_READ, MAP_PRIVATE, f, 2 * PG);
    CHECK(z == x + (long)(2 * PG) || z == y + (long)(2 * PG));
    CHECK_EQ(f->read_bytes, r0);
    CHECK(holds_file((uint64_t)z, 2 * PG, f, 2 * PG));
    CHECK_EQ(retained_bytes(), 2 * len - 2 * PG);
    check_invariants();
    /* A shared mapping never adopts (and is never pristine). */
    CHECK_EQ(fmap(d, 0, PG, PROT_READ, MAP_SHARED, f, 0) > 0, 1);
    CHECK_EQ(f->read_bytes - r0, PG);
    CHECK_EQ(retained_bytes(), 2 * len - 2 * PG);
    free_vm(d); /* its pristine part is kept again; its shared page is not */
    CHECK_EQ(retained_bytes(), 2 * len);
    check_invariants();
    retained_evict_all();
    CHECK_EQ(retained_bytes(), 0);
    check_invariants();
}

/* A mapping that was ever writable is not kept; a later mapping sees the file, not the
 * writes. */
static void test_retained_written_not_kept(void)
{
    struct file *f = keyed_file(&fs_a, 101, 4 * PG, 2);
    struct vm_space *a = new_vm();
    long x = fmap(a, 0, 4 * PG, PROT_READ, MAP_PRIVATE, f, 0);
    CHECK(x > 0);
    uint64_t b = (uint64_t)x;
    CHECK_EQ(vm_mprotect(a, b + PG, PG, RW), 0);
    CHECK(!(vma_at(a, b + PG)->flags & VMA_PRISTINE));
    memset((void *)(b + PG), 0xee, 100);
    CHECK_EQ(vm_mprotect(a, b + PG, PG, PROT_READ), 0); /* read-only again: still changed */
    CHECK(!(vma_at(a, b + PG)->flags & VMA_PRISTINE));
    /* Adding PROT_EXEC (not PROT_WRITE) keeps the mark. */
    CHECK_EQ(vm_mprotect(a, b + 2 * PG, PG, PROT_READ | PROT_EXEC), 0);
    CHECK(vma_at(a, b + 2 * PG)->flags & VMA_PRISTINE);
    /* Mapped writable from the start: never pristine. */
    long w = fmap(a, 0, PG, RW, MAP_PRIVATE, f, 3 * PG);
    CHECK(w > 0 && !(vma_at(a, (uint64_t)w)->flags & VMA_PRISTINE));
    memset((void *)w, 0xdd, PG);
    check_invariants();
    free_vm(a);
    CHECK_EQ(retained_bytes(), 3 * PG); /* pages 0, 2 and 3 of x */
    CHECK_EQ(shadow[(b + PG - ur) / PG], -1);
    CHECK_EQ(shadow[((uint64_t)w - ur) / PG], -1);
    check_invariants();

    /* A new process: the written page is read again (its bytes are the file's), the others
     * adopted. */
    struct vm_space *n = new_vm();
    uint64_t r0 = f->read_bytes;
    CHECK_EQ(fmap(n, 0, 4 * PG, PROT_READ, MAP_PRIVATE, f, 0), x);
    CHECK_EQ(f->read_bytes - r0, PG);
    CHECK(holds_file(b, 4 * PG, f, 0));
    /* The page written through w (file page 3) was not kept either. */
    r0 = f->read_bytes;
    long w2 = fmap(n, 0, PG, PROT_READ, MAP_PRIVATE, f, 3 * PG);
    CHECK(w2 > 0 && w2 != x + (long)(3 * PG));
    CHECK_EQ(f->read_bytes - r0, PG);
    CHECK(holds_file((uint64_t)w2, PG, f, 3 * PG));
    check_invariants();
    free_vm(n);
    retained_evict_all();
    check_invariants();
}

/* Kept pages are free for anything asked by address, and what takes them sees zeros. */
static void test_retained_stolen(void)
{
    struct file *f = keyed_file(&fs_a, 102, 8 * PG, 3);
    struct vm_space *a = new_vm();
    long xl = fmap(a, 0, 8 * PG, PROT_READ, MAP_PRIVATE, f, 0);
    CHECK(xl > 0);
    uint64_t x = (uint64_t)xl;
    CHECK_EQ(vm_munmap(a, x, 8 * PG), 0);
    CHECK_EQ(retained_bytes(), 8 * PG);
    check_invariants();
    /* An ordinary search leaves kept pages alone while there is free room. */
    long o = vm_mmap(a, 0, PG, RW, ANON, NULL, 0);
    CHECK(o > 0 && ((uint64_t)o + PG <= x || (uint64_t)o >= x + 8 * PG));
    /* MAP_FIXED anonymous (another process) over the middle: zeros; the rest stays kept. */
    struct vm_space *b = new_vm();
    CHECK_EQ(vm_mmap(b, x + 2 * PG, 2 * PG, RW, ANON | MAP_FIXED, NULL, 0), x + 2 * PG);
    CHECK(all_bytes(x + 2 * PG, 2 * PG, 0));
    CHECK_EQ(retained_bytes(), 6 * PG);
    check_invariants();
    /* MAP_FIXED_NOREPLACE: kept pages are not "something there". */
    CHECK_EQ(vm_mmap(b, x + 5 * PG, PG, PROT_READ, ANON | MAP_FIXED_NOREPLACE, NULL, 0),
             x + 5 * PG);
    CHECK(all_bytes(x + 5 * PG, PG, 0));
    /* ...but a live page is, and then nothing kept is touched. */
    CHECK_EQ(vm_mmap(b, x + 4 * PG, 2 * PG, RW, ANON | MAP_FIXED_NOREPLACE, NULL, 0), -EEXIST);
    CHECK_EQ(retained_bytes(), 5 * PG);
    /* A hint inside kept pages is used. */
    CHECK_EQ(vm_mmap(b, x + 7 * PG, PG, RW, ANON, NULL, 0), x + 7 * PG);
    CHECK(all_bytes(x + 7 * PG, PG, 0));
    CHECK_EQ(retained_bytes(), 4 * PG); /* pages 0, 1, 4, 6 */
    check_invariants();
    /* brk growing into a kept page: zeros. */
    vm_set_brk_base(b, x + 6 * PG);
    CHECK_EQ(vm_brk(b, x + 7 * PG), x + 7 * PG);
    CHECK(all_bytes(x + 6 * PG, PG, 0));
    CHECK_EQ(retained_bytes(), 3 * PG);
    /* The pieces left are still whole: a matching mapping adopts them (another process). */
    uint64_t r0 = f->read_bytes;
    CHECK_EQ(fmap(b, x, 2 * PG, PROT_READ, MAP_PRIVATE | MAP_FIXED, f, 0), x);
    CHECK_EQ(f->read_bytes, r0);
    CHECK(holds_file(x, 2 * PG, f, 0));
    /* A file mapping without a key over kept pages reads (and gets its own bytes). */
    static char other[PG];
    memset(other, 0x42, sizeof(other));
    struct file plain = {.data = other, .size = sizeof(other)};
    CHECK_EQ(vm_mmap(b, x + 4 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_FIXED, &plain, 0), x + 4 * PG);
    CHECK_EQ(plain.read_bytes, PG);
    CHECK(all_bytes(x + 4 * PG, PG, 0x42));
    CHECK_EQ(retained_bytes(), 0);
    check_invariants();
    free_vm(a);
    free_vm(b);
    retained_evict_all();
    check_invariants();
}

/* When the range is full, a search takes kept pages rather than fail. */
static void test_retained_full_range(void)
{
    struct file *f = keyed_file(&fs_a, 108, 4 * PG, 14);
    struct vm_space *a = new_vm();
    long xl = fmap(a, 0, 4 * PG, PROT_READ, MAP_PRIVATE, f, 0);
    CHECK(xl > 0);
    uint64_t x = (uint64_t)xl;
    free_vm(a);
    CHECK_EQ(retained_bytes(), 4 * PG);
    struct vm_space *q = new_vm();
    while (vm_mmap(q, 0, 1000 * PG, PROT_NONE, ANON, NULL, 0) > 0)
        ;
    CHECK_EQ(retained_bytes(), 4 * PG); /* 1000 pages did not fit in 4 kept ones */
    long r;
    int pages = 0;
    while ((r = vm_mmap(q, 0, PG, PROT_NONE, ANON, NULL, 0)) > 0)
        pages++;
    CHECK_EQ(r, -ENOMEM);
    CHECK(pages >= 4);
    CHECK_EQ(retained_bytes(), 0);
    CHECK(vm_range_ok(q, x, 4 * PG, 0));
    CHECK_EQ(vm_mprotect(q, x, 4 * PG, PROT_READ), 0);
    CHECK(all_bytes(x, 4 * PG, 0));
    check_invariants();
    free_vm(q);
    check_invariants();
}

/* ld.so: the whole file mapped read-only, then segments over it with MAP_FIXED. */
static void test_retained_ldso_pattern(void)
{
    struct file *f = keyed_file(&fs_a, 103, 4 * PG + 50, 4);
    struct vm_space *vm = new_vm();
    long xl = fmap(vm, 0, 6 * PG, PROT_READ, MAP_PRIVATE, f, 0);
    CHECK(xl > 0);
    uint64_t x = (uint64_t)xl;
    CHECK_EQ(f->read_bytes, f->size);
    uint64_t r0 = f->read_bytes;
    /* Text at its own offset: adopted, no copy, still pristine. */
    CHECK_EQ(fmap(vm, x + PG, PG, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_FIXED, f, PG), x + PG);
    CHECK_EQ(f->read_bytes, r0);
    CHECK(holds_file(x + PG, PG, f, PG));
    CHECK(vm_range_ok(vm, x + PG, PG, PROT_READ | PROT_EXEC) && !probe(x + PG, 1));
    CHECK(vma_at(vm, x + PG)->flags & VMA_PRISTINE);
    /* Data at its own offset, writable: adopted too (a private copy), no longer pristine. */
    CHECK_EQ(fmap(vm, x + 2 * PG, PG, RW, MAP_PRIVATE | MAP_FIXED, f, 2 * PG), x + 2 * PG);
    CHECK_EQ(f->read_bytes, r0);
    CHECK(holds_file(x + 2 * PG, PG, f, 2 * PG));
    CHECK(!(vma_at(vm, x + 2 * PG)->flags & VMA_PRISTINE));
    /* A different offset: read, with the right bytes (the last page is partly past EOF). */
    CHECK_EQ(fmap(vm, x + 3 * PG, 2 * PG, PROT_READ, MAP_PRIVATE | MAP_FIXED, f, 3 * PG - PG),
             x + 3 * PG);
    CHECK_EQ(f->read_bytes - r0, 2 * PG);
    CHECK(holds_file(x + 3 * PG, 2 * PG, f, 2 * PG));
    check_invariants();
    /* The written data page is not adopted when mapped again. */
    memset((void *)(x + 2 * PG), 0xab, 10);
    r0 = f->read_bytes;
    CHECK_EQ(fmap(vm, x + 2 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_FIXED, f, 2 * PG), x + 2 * PG);
    CHECK_EQ(f->read_bytes - r0, PG);
    CHECK(holds_file(x + 2 * PG, PG, f, 2 * PG));
    /* Another key over pristine pages: read; a file without a key: read; anonymous: zeros. */
    struct file *g = keyed_file(&fs_a, 104, 4 * PG, 5);
    CHECK_EQ(fmap(vm, x, PG, PROT_READ, MAP_PRIVATE | MAP_FIXED, g, 0), x);
    CHECK_EQ(g->read_bytes, PG);
    CHECK(holds_file(x, PG, g, 0));
    struct file plain = {.data = f->data, .size = f->size}; /* the same bytes, no promise */
    CHECK_EQ(vm_mmap(vm, x + PG, PG, PROT_READ, MAP_PRIVATE | MAP_FIXED, &plain, PG), x + PG);
    CHECK_EQ(plain.read_bytes, PG);
    CHECK(holds_file(x + PG, PG, f, PG));
    CHECK_EQ(vm_mmap(vm, x + 5 * PG, PG, RW, ANON | MAP_FIXED, NULL, 0), x + 5 * PG);
    CHECK(all_bytes(x + 5 * PG, PG, 0));
    check_invariants();
    free_vm(vm);
    /* Kept: g's page 0 and f's pages at x+2 (off 2) and x+3..x+5 (off 2..4). */
    CHECK_EQ(retained_bytes(), 4 * PG);
    check_invariants();
    retained_evict_all();
    check_invariants();
}

/* munmap of part of a pristine mapping keeps that part; later mappings adopt what matches. */
static void test_retained_partial(void)
{
    struct file *f = keyed_file(&fs_b, 105, 8 * PG, 6);
    struct vm_space *vm = new_vm();
    long xl = fmap(vm, 0, 8 * PG, PROT_READ, MAP_PRIVATE, f, 0);
    CHECK(xl > 0);
    uint64_t x = (uint64_t)xl;
    CHECK_EQ(vm_munmap(vm, x + 2 * PG, 4 * PG), 0); /* pages 2..5 kept */
    CHECK_EQ(retained_bytes(), 4 * PG);
    CHECK(!probe(x + 2 * PG, 0) && !vm_range_ok(vm, x + 2 * PG, PG, 0));
    check_invariants();
    uint64_t r0 = f->read_bytes;
    /* A sub-range at its own offset: adopted; the kept pieces around it stay. */
    CHECK_EQ(fmap(vm, x + 3 * PG, 2 * PG, PROT_READ, MAP_PRIVATE | MAP_FIXED_NOREPLACE, f, 3 * PG),
             x + 3 * PG);
    CHECK_EQ(f->read_bytes, r0);
    CHECK(holds_file(x + 3 * PG, 2 * PG, f, 3 * PG));
    CHECK_EQ(retained_bytes(), 2 * PG);
    CHECK_EQ(reclaimable_in(x, x + 8 * PG, NULL), 2 * PG);
    check_invariants();
    /* Kept page 2 mapped at another offset: read, and no longer kept. */
    CHECK_EQ(fmap(vm, x + 2 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_FIXED, f, 7 * PG), x + 2 * PG);
    CHECK_EQ(f->read_bytes - r0, PG);
    CHECK(holds_file(x + 2 * PG, PG, f, 7 * PG));
    CHECK_EQ(retained_bytes(), PG);
    /* By hint at its own offset: adopted. */
    r0 = f->read_bytes;
    CHECK_EQ(fmap(vm, x + 5 * PG, PG, PROT_READ, MAP_PRIVATE, f, 5 * PG), x + 5 * PG);
    CHECK_EQ(f->read_bytes, r0);
    CHECK_EQ(retained_bytes(), 0);
    check_invariants();
    /* All of it kept (three records: off 0..2, off 7, off 3..8); by offset, with no address:
     * the middle of a record, and an offset kept twice (the lower address wins). */
    CHECK_EQ(vm_munmap(vm, x, 8 * PG), 0);
    CHECK_EQ(retained_bytes(), 8 * PG);
    check_invariants();
    CHECK_EQ(fmap(vm, 0, 2 * PG, PROT_READ, MAP_PRIVATE, f, 4 * PG), x + 4 * PG);
    CHECK_EQ(fmap(vm, 0, PG, PROT_READ, MAP_PRIVATE, f, 7 * PG), x + 2 * PG);
    CHECK_EQ(fmap(vm, 0, PG, PROT_READ, MAP_PRIVATE, f, PG), x + PG);
    CHECK_EQ(f->read_bytes, r0);
    CHECK_EQ(retained_bytes(), 4 * PG);
    /* Kept again (off 4..6 next to off 6..8, two records): one mapping adopts across both. */
    CHECK_EQ(vm_munmap(vm, x + 4 * PG, 2 * PG), 0);
    CHECK_EQ(retained_bytes(), 6 * PG);
    check_invariants();
    CHECK_EQ(fmap(vm, 0, 3 * PG, PROT_READ, MAP_PRIVATE, f, 4 * PG), x + 4 * PG);
    CHECK_EQ(f->read_bytes, r0);
    CHECK(holds_file(x + 4 * PG, 3 * PG, f, 4 * PG));
    CHECK_EQ(retained_bytes(), 3 * PG); /* off 0 at x, off 3 at x+3, off 7 at x+7 */
    check_invariants();
    free_vm(vm);
    retained_evict_all();
    check_invariants();
}

/* A different key (another file, or the same inode number in another file system) at the
 * same address and offset is never adopted. */
static void test_retained_other_key(void)
{
    struct file *f = keyed_file(&fs_a, 106, 3 * PG, 7);
    struct file *g = keyed_file(&fs_a, 107, 3 * PG, 8);
    struct file *h = keyed_file(&fs_b, 106, 3 * PG, 9);
    struct vm_space *a = new_vm();
    long xl = fmap(a, 0, 3 * PG, PROT_READ, MAP_PRIVATE, f, 0);
    CHECK(xl > 0);
    uint64_t x = (uint64_t)xl;
    free_vm(a);
    CHECK_EQ(retained_bytes(), 3 * PG);
    struct content_key kg = key_of(g), kh = key_of(h), kf = key_of(f);
    CHECK_EQ(retained_where(&kg, 0), 0);
    CHECK_EQ(retained_where(&kh, 0), 0);
    CHECK_EQ(retained_where(&kf, PG), x + PG);
    CHECK_EQ(retained_where(&kf, 3 * PG), 0);
    struct vm_space *b = new_vm();
    uint64_t r0 = f->read_bytes;
    CHECK_EQ(fmap(b, x, PG, PROT_READ, MAP_PRIVATE | MAP_FIXED, f, PG), x); /* off 1 at 0 */
    CHECK_EQ(f->read_bytes - r0, PG);
    CHECK(holds_file(x, PG, f, PG));
    CHECK_EQ(fmap(b, x + PG, PG, PROT_READ, MAP_PRIVATE | MAP_FIXED, g, PG), x + PG);
    CHECK_EQ(g->read_bytes, PG);
    CHECK(holds_file(x + PG, PG, g, PG));
    CHECK_EQ(fmap(b, x + 2 * PG, PG, PROT_READ, MAP_PRIVATE, h, 2 * PG), x + 2 * PG); /* hint */
    CHECK_EQ(h->read_bytes, PG);
    CHECK(holds_file(x + 2 * PG, PG, h, 2 * PG));
    CHECK_EQ(retained_bytes(), 0);
    check_invariants();
    /* And the same over a process's own pristine pages (MAP_FIXED). */
    r0 = g->read_bytes;
    CHECK_EQ(fmap(b, x + 2 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_FIXED, g, 2 * PG), x + 2 * PG);
    CHECK_EQ(g->read_bytes - r0, PG);
    CHECK(holds_file(x + 2 * PG, PG, g, 2 * PG));
    check_invariants();
    free_vm(b);
    retained_evict_all();
    check_invariants();
}

/* At most a quarter of the user range is kept; the oldest goes first. */
static void test_retained_eviction(void)
{
    uint64_t cap = UR_PAGES * PG / 4; /* 64 MiB */
    uint64_t blen = 20 << 20;
    struct file *big[4];
    uint64_t at[4];
    struct vm_space *vm = new_vm();
    for (int i = 0; i < 4; i++) {
        big[i] = keyed_file(&fs_b, 200 + i, 3 * PG + i, 20 + i); /* zeros past 3 pages */
        long a = fmap(vm, 0, blen, PROT_READ, MAP_PRIVATE, big[i], 0);
        CHECK(a > 0);
        at[i] = (uint64_t)a;
    }
    /* Unmapped in the order 1, 2, 0, 3: the fourth does not fit, and 1 (the oldest, not the
     * lowest or highest address of the three) is evicted. */
    CHECK(at[0] > at[1] && at[1] > at[2] && at[2] > at[3]); /* gap search from the top */
    const int order[4] = {1, 2, 0, 3};
    for (int k = 0; k < 4; k++) {
        CHECK_EQ(vm_munmap(vm, at[order[k]], blen), 0);
        CHECK(retained_bytes() <= cap);
    }
    CHECK_EQ(retained_bytes(), 3 * blen);
    struct content_key k1 = key_of(big[1]);
    CHECK_EQ(retained_where(&k1, 0), 0);
    for (int i = 0; i < 4; i++) {
        struct content_key k = key_of(big[i]);
        CHECK_EQ(retained_where(&k, PG), i == 1 ? 0 : at[i] + PG);
        CHECK_EQ(reclaimable_in(at[i], at[i] + blen, NULL), i == 1 ? 0 : blen);
    }
    for (uint64_t p = at[1]; p < at[1] + blen; p += PG)
        CHECK_EQ(shadow[(p - ur) / PG], -1);
    check_invariants();
    /* A range larger than the cap is never kept, and evicts nothing. */
    struct file *huge = keyed_file(&fs_b, 210, PG, 30);
    uint64_t hlen = cap + 6 * PG;
    long hl = fmap(vm, 0, hlen, PROT_READ, MAP_PRIVATE, huge, 0);
    CHECK(hl > 0);
    CHECK_EQ(vm_munmap(vm, (uint64_t)hl, hlen), 0);
    CHECK_EQ(retained_bytes(), 3 * blen);
    CHECK_EQ(shadow[((uint64_t)hl - ur) / PG], -1);
    /* Evicted bytes are read again, kept ones not. */
    uint64_t r1 = big[1]->read_bytes, r3 = big[3]->read_bytes;
    long n1 = fmap(vm, 0, 3 * PG, PROT_READ, MAP_PRIVATE, big[1], 0);
    long n3 = fmap(vm, 0, 3 * PG, PROT_READ, MAP_PRIVATE, big[3], 0);
    CHECK(n1 > 0 && (uint64_t)n3 == at[3]);
    CHECK_EQ(big[1]->read_bytes - r1, 3 * PG);
    CHECK_EQ(big[3]->read_bytes, r3);
    CHECK(holds_file((uint64_t)n1, 3 * PG, big[1], 0) && holds_file(at[3], 3 * PG, big[3], 0));
    check_invariants();
    free_vm(vm);
    retained_evict_all();
    check_invariants();
}

/* retained_evict_all forgets everything; so does a reservation that would steal too many
 * pieces at once. */
static void test_retained_evict_all(void)
{
    struct file *f = keyed_file(&fs_b, 120, 66 * PG, 12);
    struct vm_space *vm = new_vm();
    long xl = fmap(vm, 0, 66 * PG, PROT_READ, MAP_PRIVATE, f, 0);
    CHECK(xl > 0);
    uint64_t x = (uint64_t)xl;
    for (int k = 0; k < 66; k += 2)
        CHECK_EQ(vm_munmap(vm, x + k * PG, PG), 0);
    size_t extents;
    CHECK_EQ(reclaimable_in(x, x + 66 * PG, &extents), 33 * PG);
    CHECK_EQ(extents, 33);
    CHECK_EQ(retained_bytes(), 33 * PG);
    check_invariants();
    /* 33 kept pieces in the way: more than URANGE_MAX_STOLEN, so everything kept is evicted
     * and read again; of the 33 own pristine pages, 32 runs are adopted (page_runs' limit)
     * and the last one is read. */
    uint64_t r0 = f->read_bytes;
    CHECK_EQ(fmap(vm, x, 66 * PG, PROT_READ, MAP_PRIVATE | MAP_FIXED, f, 0), x);
    CHECK_EQ(retained_bytes(), 0);
    CHECK_EQ(f->read_bytes - r0, 34 * PG);
    CHECK(holds_file(x, 66 * PG, f, 0));
    check_invariants();
    /* Several processes' worth kept, then evict_all: nothing reclaimable, pages discarded. */
    struct vm_space *o = new_vm();
    long y = fmap(o, 0, 5 * PG, PROT_READ, MAP_PRIVATE, f, 10 * PG);
    CHECK(y > 0);
    free_vm(o);
    CHECK_EQ(vm_munmap(vm, x + 10 * PG, 20 * PG), 0);
    free_vm(vm);
    CHECK(retained_bytes() >= 66 * PG);
    CHECK(reclaimable_in(ur, ur + UR_PAGES * PG, &extents) == retained_bytes() && extents >= 1);
    check_invariants();
    retained_evict_all();
    CHECK_EQ(retained_bytes(), 0);
    CHECK_EQ(reclaimable_in(ur, ur + UR_PAGES * PG, &extents), 0);
    CHECK_EQ(extents, 0);
    for (uint64_t p = x; p < x + 66 * PG; p += PG)
        CHECK_EQ(shadow[(p - ur) / PG], -1);
    struct content_key k = key_of(f);
    CHECK_EQ(retained_where(&k, 10 * PG), 0);
    check_invariants();
    retained_evict_all(); /* nothing to do: fine */
    CHECK_EQ(retained_bytes(), 0);
}

/* mremap of a pristine mapping: growth holds zeros, so the result is not kept as the file's
 * bytes; a same-size move stays pristine; DONTUNMAP's old range holds zeros. */
static void test_retained_mremap(void)
{
    struct file *f = keyed_file(&fs_a, 130, 4 * PG, 13);
    struct vm_space *vm = new_vm();
    uint64_t h = ur + 12000 * PG;
    /* Grow in place. */
    CHECK_EQ(fmap(vm, h, 2 * PG, PROT_READ, MAP_PRIVATE | MAP_FIXED, f, 0), h);
    CHECK_EQ(vm_mremap(vm, h, 2 * PG, 4 * PG, 0, 0), h);
    CHECK(holds_file(h, 2 * PG, f, 0) && all_bytes(h + 2 * PG, 2 * PG, 0));
    CHECK(!(vma_at(vm, h)->flags & VMA_PRISTINE));
    check_invariants();
    CHECK_EQ(vm_munmap(vm, h, 4 * PG), 0);
    CHECK_EQ(retained_bytes(), 0);
    uint64_t r0 = f->read_bytes;
    CHECK_EQ(fmap(vm, h, 4 * PG, PROT_READ, MAP_PRIVATE | MAP_FIXED, f, 0), h);
    CHECK_EQ(f->read_bytes - r0, 4 * PG);
    CHECK(holds_file(h, 4 * PG, f, 0)); /* the file's bytes, not the zeros of the growth */
    CHECK_EQ(vm_munmap(vm, h, 4 * PG), 0);
    CHECK_EQ(retained_bytes(), 4 * PG);
    retained_evict_all();

    /* Grow by moving: the old range (pristine) is kept, the copy is not pristine. */
    uint64_t g = ur + 12100 * PG;
    CHECK_EQ(fmap(vm, g, 2 * PG, PROT_READ, MAP_PRIVATE | MAP_FIXED, f, 0), g);
    CHECK_EQ(vm_mmap(vm, g + 2 * PG, PG, PROT_READ, ANON | MAP_FIXED, NULL, 0), g + 2 * PG);
    long m = vm_mremap(vm, g, 2 * PG, 4 * PG, MREMAP_MAYMOVE, 0);
    CHECK(m > 0 && (uint64_t)m != g);
    CHECK(holds_file((uint64_t)m, 2 * PG, f, 0) && all_bytes((uint64_t)m + 2 * PG, 2 * PG, 0));
    CHECK(!(vma_at(vm, (uint64_t)m)->flags & VMA_PRISTINE));
    CHECK_EQ(retained_bytes(), 2 * PG);
    CHECK_EQ(reclaimable_in(g, g + 2 * PG, NULL), 2 * PG);
    check_invariants();
    CHECK_EQ(vm_munmap(vm, (uint64_t)m, 4 * PG), 0);
    CHECK_EQ(retained_bytes(), 2 * PG);
    r0 = f->read_bytes;
    CHECK_EQ(fmap(vm, (uint64_t)m, 4 * PG, PROT_READ, MAP_PRIVATE | MAP_FIXED, f, 0), m);
    CHECK_EQ(f->read_bytes - r0, 4 * PG);
    CHECK(holds_file((uint64_t)m, 4 * PG, f, 0));
    CHECK_EQ(vm_munmap(vm, (uint64_t)m, 4 * PG), 0);
    retained_evict_all();

    /* Same-size move (MREMAP_FIXED): the copy holds the same bytes and stays pristine. */
    uint64_t p = ur + 12200 * PG, q = ur + 12300 * PG;
    CHECK_EQ(fmap(vm, p, 3 * PG, PROT_READ, MAP_PRIVATE | MAP_FIXED, f, PG), p);
    CHECK_EQ(vm_mremap(vm, p, 3 * PG, 3 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, q), q);
    CHECK(vma_at(vm, q)->flags & VMA_PRISTINE);
    CHECK_EQ(retained_bytes(), 3 * PG); /* the old range */
    check_invariants();                 /* the copy holds the file's bytes */
    r0 = f->read_bytes;
    CHECK_EQ(fmap(vm, q + PG, PG, PROT_READ, MAP_PRIVATE | MAP_FIXED, f, 2 * PG), q + PG);
    CHECK_EQ(f->read_bytes, r0);              /* adopted from the moved copy */
    CHECK_EQ(vma_at(vm, q)->end, q + 3 * PG); /* and merged back into one VMA */
    /* Shrinking keeps the tail. */
    CHECK_EQ(vm_mremap(vm, q, 3 * PG, PG, 0, 0), q);
    CHECK_EQ(retained_bytes(), 5 * PG);
    check_invariants();
    CHECK_EQ(vm_munmap(vm, q, PG), 0);
    retained_evict_all();

    /* DONTUNMAP: the old range now holds zeros; mapping the file there again reads it. */
    uint64_t d0 = ur + 12400 * PG;
    CHECK_EQ(fmap(vm, d0, 2 * PG, PROT_READ, MAP_PRIVATE | MAP_FIXED, f, 0), d0);
    long d = vm_mremap(vm, d0, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0);
    CHECK(d > 0 && holds_file((uint64_t)d, 2 * PG, f, 0) && all_bytes(d0, 2 * PG, 0));
    CHECK(!(vma_at(vm, d0)->flags & VMA_PRISTINE));
    CHECK(vma_at(vm, (uint64_t)d)->flags & VMA_PRISTINE);
    check_invariants();
    r0 = f->read_bytes;
    CHECK_EQ(fmap(vm, d0, 2 * PG, PROT_READ, MAP_PRIVATE | MAP_FIXED, f, 0), d0);
    CHECK_EQ(f->read_bytes - r0, 2 * PG);
    CHECK(holds_file(d0, 2 * PG, f, 0));
    CHECK_EQ(vm_munmap(vm, d0, 2 * PG), 0);
    CHECK_EQ(vm_munmap(vm, (uint64_t)d, 2 * PG), 0);
    CHECK_EQ(retained_bytes(), 4 * PG);
    retained_evict_all();

    /* Growing in place into kept pages of the same file: zeros, not the kept bytes. */
    uint64_t e = ur + 12500 * PG;
    CHECK_EQ(fmap(vm, e, 4 * PG, PROT_READ, MAP_PRIVATE | MAP_FIXED, f, 0), e);
    CHECK_EQ(vm_munmap(vm, e + 2 * PG, 2 * PG), 0);
    CHECK_EQ(retained_bytes(), 2 * PG);
    CHECK_EQ(vm_mremap(vm, e, 2 * PG, 4 * PG, 0, 0), e);
    CHECK(holds_file(e, 2 * PG, f, 0) && all_bytes(e + 2 * PG, 2 * PG, 0));
    CHECK_EQ(retained_bytes(), 0);
    check_invariants();
    free_vm(vm);
    CHECK_EQ(retained_bytes(), 0); /* not pristine: nothing kept */
    check_invariants();
}

int main(void)
{
    standins_init();
    test_retained_across_processes();
    test_retained_written_not_kept();
    test_retained_stolen();
    test_retained_full_range();
    test_retained_ldso_pattern();
    test_retained_partial();
    test_retained_other_key();
    test_retained_eviction();
    test_retained_evict_all();
    test_retained_mremap();
    test_reserve_image();
    standins_finish("test_retained");
    return 0;
}
