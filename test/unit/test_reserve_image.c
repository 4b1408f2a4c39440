/*
 * Unit test of vm_reserve_image (src/libos/mm/vma.c), part of the `retained` unit test
 * (test_retained.c has main; the stubbed platform and the invariant checker run after each step
 * are vma_standins.c's).
 *
 * The ELF loader reserves an image's whole span PROT_NONE, then maps each segment over it with
 * MAP_FIXED (map_prog does what elf_load.c's map_segment does). Pages kept from an earlier run
 * that hold the file's bytes at the span's offsets become a pristine PROT_NONE file mapping,
 * which the segments then adopt without reading the file; the rest of the span is an empty
 * anonymous reservation that commits nothing. The tests count file_pread's bytes to prove what
 * was read and what adopted.
 */
#define _GNU_SOURCE
#include "vma_standins.h"
#include <errno.h>

/* A PT_LOAD segment, its address relative to the image's first page. */
struct seg {
    uint64_t vaddr, off, filesz, memsz;
    int prot;
};

/* A program as a linker lays it out: headers R at offset 0, text R-X, rodata R, then data RW
 * one page further in memory than in the file (another vaddr-offset delta, so the span's
 * offsets do not hold it), its last file page partly .bss, and more .bss after. */
#define PROG_SPAN (9 * PG)
static const struct seg prog[] = {
    {0, 0, PG, PG, PROT_READ},
    {PG, PG, 2 * PG - 64, 2 * PG - 64, PROT_READ | PROT_EXEC},
    {3 * PG, 3 * PG, 500, 500, PROT_READ},
    {5 * PG + 0x40, 4 * PG + 0x40, PG + 200, 3 * PG, RW},
};
#define NPROG (sizeof(prog) / sizeof(prog[0]))

static uint64_t page_down(uint64_t x)
{
    return x & ~(PG - 1);
}

static uint64_t page_up(uint64_t x)
{
    return page_down(x + PG - 1);
}

/* vm_reserve_image, telling the checker how far into f the span's offsets reach. */
static long reserve(struct vm_space *vm, uint64_t addr, uint64_t len, bool fixed, struct file *f,
                    uint64_t off)
{
    file_note_span(f, off + page_up(len));
    return vm_reserve_image(vm, addr, len, fixed, f, off);
}

/* The file bytes the segments map (whole pages: what reading them copies). */
static uint64_t prog_file_bytes(const struct file *f)
{
    uint64_t n = 0;
    for (size_t i = 0; i < NPROG; i++)
        n += file_bytes(f, page_down(prog[i].off),
                        page_up(prog[i].vaddr + prog[i].filesz) - page_down(prog[i].vaddr));
    return n;
}

/* What elf_load's map_segment does for each segment of prog at base, checking after each. */
static void map_prog(struct vm_space *vm, uint64_t base, struct file *f)
{
    for (size_t i = 0; i < NPROG; i++) {
        const struct seg *p = &prog[i];
        uint64_t start = page_down(base + p->vaddr), file_end = base + p->vaddr + p->filesz;
        uint64_t file_pages_end = page_up(file_end), mem_end = page_up(base + p->vaddr + p->memsz);
        bool zero_tail = p->memsz > p->filesz && file_end < file_pages_end;
        int map_prot = zero_tail ? p->prot | PROT_WRITE : p->prot;
        CHECK_EQ(fmap(vm, start, file_pages_end - start, map_prot, MAP_PRIVATE | MAP_FIXED, f,
                      page_down(p->off)),
                 start);
        if (zero_tail)
            memset((void *)file_end, 0, file_pages_end - file_end);
        if (map_prot != p->prot)
            CHECK_EQ(vm_mprotect(vm, start, file_pages_end - start, p->prot), 0);
        if (mem_end > file_pages_end)
            CHECK_EQ(vm_mmap(vm, file_pages_end, mem_end - file_pages_end, p->prot,
                             ANON | MAP_FIXED, NULL, 0),
                     file_pages_end);
        check_invariants();
    }
}

/* The loaded image at base holds what a fresh load gives: each segment's file bytes, zeros
 * after them, and what each VMA is. */
static void check_prog(struct vm_space *vm, uint64_t base, const struct file *f)
{
    for (size_t i = 0; i < NPROG; i++) {
        const struct seg *p = &prog[i];
        uint64_t a = base + p->vaddr, file_end = a + p->filesz;
        CHECK(vm_range_ok(vm, page_down(a), page_up(a + p->memsz) - page_down(a), p->prot));
        CHECK(memcmp((void *)a, f->data + p->off, p->filesz) == 0);
        if (p->memsz > p->filesz)
            CHECK(all_bytes(file_end, page_up(a + p->memsz) - file_end, 0));
        const struct vma *v = vma_at(vm, a);
        CHECK_EQ(v->prot, p->prot);
        CHECK(v->flags & VMA_FILE);
        CHECK_EQ(v->off + (page_down(a) - v->start), page_down(p->off));
        CHECK_EQ((v->flags & VMA_PRISTINE) != 0, !(p->prot & PROT_WRITE));
    }
    /* The gap between rodata and data stays an inaccessible reservation. */
    CHECK(vm_range_ok(vm, base + 4 * PG, PG, PROT_NONE) && !probe(base + 4 * PG, 0));
    CHECK_EQ(vma_at(vm, base + 4 * PG)->prot, PROT_NONE);
    CHECK(!(vma_at(vm, base + 4 * PG)->flags & VMA_FILE));
    CHECK(probe(base + PG, 0) && !probe(base + PG, 1)); /* text: read, never write */
}

/* True if no page of [a, a+len) is committed. */
static bool uncommitted(uint64_t a, uint64_t len)
{
    for (uint64_t p = a; p < a + len; p += PG)
        if (shadow[(p - ur) / PG] != -1)
            return false;
    return true;
}

/* [a, a+len) is exactly one VMA with these flags, PROT_NONE. */
static void check_one_reservation(struct vm_space *vm, uint64_t a, uint64_t len, unsigned flags)
{
    const struct vma *v = vma_at(vm, a);
    CHECK(v->start == a && v->end == a + len && v->prot == PROT_NONE && v->flags == flags);
    CHECK(!probe(a, 0) && !probe(a + len - 1, 0));
}

/* Nothing kept: one empty anonymous reservation, then the segments read from the file. A
 * program loaded again lands where its pages were kept (no address, a taken hint, or its own
 * hint) and adopts its read-only pieces without reading them; the written data is read. */
static void test_reserve_image_reload(void)
{
    struct file *f = keyed_file(&fs_a, 400, 5 * PG + 300, 50);
    struct vm_space *a = new_vm();
    long xl = reserve(a, 0, PROG_SPAN, false, f, 0);
    CHECK(xl > 0 && (uint64_t)xl % PG == 0);
    uint64_t x = (uint64_t)xl;
    CHECK_EQ(nvma(a), 1);
    check_one_reservation(a, x, PROG_SPAN, 0);
    CHECK(uncommitted(x, PROG_SPAN));
    CHECK_EQ(f->read_bytes, 0);
    check_invariants();
    map_prog(a, x, f);
    CHECK_EQ(f->read_bytes, prog_file_bytes(f));
    check_prog(a, x, f);
    memset((void *)(x + 5 * PG + 0x40), 0x99, 64); /* relocations, and .bss in use */
    memset((void *)(x + 8 * PG), 0x98, 64);
    check_invariants();
    free_vm(a); /* headers, text, rodata (off 0..4 pages at x) kept as one piece */
    CHECK_EQ(retained_bytes(), 4 * PG);
    CHECK_EQ(reclaimable_in(x, x + 4 * PG, NULL), 4 * PG);
    check_invariants();

    /* B, with no address: at x, the kept pieces a pristine PROT_NONE file mapping (still
     * hidden, not read), the rest empty. */
    struct vm_space *b = new_vm();
    uint64_t r0 = f->read_bytes;
    CHECK_EQ(reserve(b, 0, PROG_SPAN, false, f, 0), x);
    CHECK_EQ(f->read_bytes, r0);
    CHECK_EQ(nvma(b), 2);
    check_one_reservation(b, x, 4 * PG, VMA_FILE | VMA_PRISTINE);
    CHECK_EQ(vma_at(b, x)->off, 0);
    check_one_reservation(b, x + 4 * PG, PROG_SPAN - 4 * PG, 0);
    CHECK(uncommitted(x + 4 * PG, PROG_SPAN - 4 * PG));
    CHECK(holds_file(x, 4 * PG, f, 0));
    CHECK_EQ(retained_bytes(), 0);
    check_invariants();
    /* The loader gives up (out_unmap): the pieces are kept again, as they were. */
    CHECK_EQ(vm_munmap(b, x, PROG_SPAN), 0);
    CHECK_EQ(retained_bytes(), 4 * PG);
    check_invariants();
    CHECK_EQ(reserve(b, 0, PROG_SPAN, false, f, 0), x);
    CHECK_EQ(retained_bytes(), 0);
    map_prog(b, x, f);
    CHECK_EQ(f->read_bytes - r0, file_bytes(f, 4 * PG, 2 * PG)); /* the data segment only */
    check_prog(b, x, f); /* the data is the file's again, not A's writes */
    free_vm(b);
    CHECK_EQ(retained_bytes(), 4 * PG);
    check_invariants();

    /* C, with a hint another process holds: at x too. */
    struct vm_space *d = new_vm();
    uint64_t h = ur + 16000 * PG;
    CHECK_EQ(vm_mmap(d, h + 8 * PG, PG, RW, ANON | MAP_FIXED, NULL, 0), h + 8 * PG);
    struct vm_space *c = new_vm();
    r0 = f->read_bytes;
    CHECK_EQ(reserve(c, h, PROG_SPAN, false, f, 0), x);
    CHECK_EQ(f->read_bytes, r0);
    map_prog(c, x, f);
    CHECK_EQ(f->read_bytes - r0, file_bytes(f, 4 * PG, 2 * PG));
    check_prog(c, x, f);
    free_vm(c);
    free_vm(d);

    /* E, with x as its hint (a PIE program's fixed hint): the same. */
    struct vm_space *e = new_vm();
    r0 = f->read_bytes;
    CHECK_EQ(reserve(e, x, PROG_SPAN, false, f, 0), x);
    CHECK_EQ(f->read_bytes, r0);
    map_prog(e, x, f);
    CHECK_EQ(f->read_bytes - r0, file_bytes(f, 4 * PG, 2 * PG));
    check_prog(e, x, f);
    /* F at the same time: x is E's, so F's span goes elsewhere and reads everything. */
    struct vm_space *g = new_vm();
    long yl = reserve(g, 0, PROG_SPAN, false, f, 0);
    CHECK(yl > 0 && ((uint64_t)yl + PROG_SPAN <= x || (uint64_t)yl >= x + PROG_SPAN));
    check_one_reservation(g, (uint64_t)yl, PROG_SPAN, 0);
    r0 = f->read_bytes;
    map_prog(g, (uint64_t)yl, f);
    CHECK_EQ(f->read_bytes - r0, prog_file_bytes(f));
    check_prog(g, (uint64_t)yl, f);
    free_vm(e);
    free_vm(g);
    CHECK_EQ(retained_bytes(), 8 * PG);
    check_invariants();
    retained_evict_all();
    check_invariants();
}

/* `fixed` (an ET_EXEC link address): -EEXIST over a live mapping, whoever's; over kept pages
 * those holding the span's bytes are adopted, the others (another file, another offset)
 * discarded. */
static void test_reserve_image_fixed(void)
{
    struct file *f = keyed_file(&fs_a, 401, 7 * PG + 100, 51);
    struct file *g = keyed_file(&fs_b, 401, 2 * PG, 52); /* same inode, another fs */
    uint64_t l = ur + 14000 * PG;
    struct vm_space *p = new_vm();
    CHECK_EQ(reserve(p, l, PROG_SPAN, true, f, 0), l);
    check_one_reservation(p, l, PROG_SPAN, 0);
    CHECK(uncommitted(l, PROG_SPAN));
    map_prog(p, l, f);
    CHECK_EQ(f->read_bytes, prog_file_bytes(f));
    check_prog(p, l, f);
    free_vm(p);
    /* Kept besides [l, l+4): g's page 0 at l+4, f's page 0 at l+5, f's pages 6 and 7 at
     * l+6 (two records). */
    struct vm_space *q = new_vm();
    CHECK_EQ(fmap(q, l + 4 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_FIXED, g, 0), l + 4 * PG);
    CHECK_EQ(fmap(q, l + 5 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_FIXED, f, 0), l + 5 * PG);
    CHECK_EQ(fmap(q, l + 6 * PG, 2 * PG, PROT_READ, MAP_PRIVATE | MAP_FIXED, f, 6 * PG),
             l + 6 * PG);
    CHECK_EQ(vm_munmap(q, l + 7 * PG, PG), 0);
    free_vm(q);
    CHECK_EQ(retained_bytes(), 8 * PG);
    check_invariants();

    /* A live page anywhere in the span, another process's or its own: -EEXIST, nothing
     * done. */
    struct vm_space *o = new_vm(), *r = new_vm();
    CHECK_EQ(vm_mmap(o, l + 8 * PG, PG, RW, ANON | MAP_FIXED, NULL, 0), l + 8 * PG);
    uint64_t r0 = f->read_bytes;
    CHECK_EQ(reserve(r, l, PROG_SPAN, true, f, 0), -EEXIST);
    free_vm(o);
    CHECK_EQ(vm_mmap(r, l + 8 * PG, PG, PROT_NONE, ANON | MAP_FIXED, NULL, 0), l + 8 * PG);
    CHECK_EQ(reserve(r, l, PROG_SPAN, true, f, 0), -EEXIST);
    CHECK_EQ(nvma(r), 1);
    CHECK_EQ(retained_bytes(), 8 * PG);
    CHECK_EQ(f->read_bytes, r0);
    check_invariants();
    CHECK_EQ(vm_munmap(r, l + 8 * PG, PG), 0);

    /* Free or kept: reserved, the matching pieces adopted, the others discarded. */
    CHECK_EQ(reserve(r, l, PROG_SPAN, true, f, 0), l);
    CHECK_EQ(f->read_bytes, r0);
    CHECK_EQ(retained_bytes(), 0);
    CHECK_EQ(nvma(r), 4);
    check_one_reservation(r, l, 4 * PG, VMA_FILE | VMA_PRISTINE);
    check_one_reservation(r, l + 4 * PG, 2 * PG, 0);
    CHECK(uncommitted(l + 4 * PG, 2 * PG));
    check_one_reservation(r, l + 6 * PG, 2 * PG, VMA_FILE | VMA_PRISTINE); /* one VMA */
    CHECK_EQ(vma_at(r, l + 6 * PG)->off, 6 * PG);
    check_one_reservation(r, l + 8 * PG, PG, 0);
    check_invariants(); /* the adopted pieces hold f's bytes at their offsets */
    /* Data maps off 4..6 at l+5..l+7: the piece holding off 6 at l+6 does not match it. */
    map_prog(r, l, f);
    CHECK_EQ(f->read_bytes - r0, file_bytes(f, 4 * PG, 2 * PG));
    check_prog(r, l, f);
    free_vm(r);
    retained_evict_all();
    check_invariants();
}

/* A file without a content key: always a plain reservation, kept pages never adopted. */
static void test_reserve_image_unkeyed(void)
{
    struct file *f = keyed_file(&fs_a, 402, 5 * PG + 300, 53);
    struct file plain = {.data = f->data, .size = f->size}; /* the same bytes, no promise */
    struct vm_space *a = new_vm();
    long xl = reserve(a, 0, PROG_SPAN, false, f, 0);
    CHECK(xl > 0);
    uint64_t x = (uint64_t)xl;
    map_prog(a, x, f);
    free_vm(a);
    CHECK_EQ(retained_bytes(), 4 * PG);

    /* No address: not where f's pages are kept (they stay kept). */
    struct vm_space *b = new_vm();
    long yl = vm_reserve_image(b, 0, PROG_SPAN, false, &plain, 0);
    CHECK(yl > 0 && ((uint64_t)yl + PROG_SPAN <= x || (uint64_t)yl >= x + PROG_SPAN));
    CHECK_EQ(nvma(b), 1);
    check_one_reservation(b, (uint64_t)yl, PROG_SPAN, 0);
    CHECK_EQ(retained_bytes(), 4 * PG);
    check_invariants();
    free_vm(b);
    /* Right over them: the span is empty, the kept pages discarded, nothing read. */
    struct vm_space *c = new_vm();
    CHECK_EQ(vm_reserve_image(c, x, PROG_SPAN, true, &plain, 0), x);
    CHECK_EQ(nvma(c), 1);
    check_one_reservation(c, x, PROG_SPAN, 0);
    CHECK(uncommitted(x, PROG_SPAN));
    CHECK_EQ(retained_bytes(), 0);
    CHECK_EQ(plain.read_bytes, 0);
    check_invariants();
    map_prog(c, x, &plain);
    CHECK_EQ(plain.read_bytes, prog_file_bytes(f));
    for (size_t i = 0; i < NPROG; i++)
        CHECK(!(vma_at(c, x + prog[i].vaddr)->flags & VMA_PRISTINE));
    free_vm(c);
    CHECK_EQ(retained_bytes(), 0);
    check_invariants();
}

/* Many kept pieces in the span, every other one holding another offset: the matching ones
 * are adopted (up to page_runs' limit), the others discarded, each its own VMA. */
static void test_reserve_image_pieces(void)
{
    enum { N = 80 };
    struct file *f = keyed_file(&fs_b, 403, (N + 1) * PG, 54);
    uint64_t m = ur + 15000 * PG;
    struct vm_space *a = new_vm();
    CHECK_EQ(fmap(a, m, N * PG, PROT_READ, MAP_PRIVATE | MAP_FIXED, f, 0), m);
    for (int i = 1; i < N; i += 2)
        CHECK_EQ(fmap(a, m + i * PG, PG, PROT_READ, MAP_PRIVATE | MAP_FIXED, f, (i + 1) * PG),
                 m + i * PG);
    free_vm(a);
    CHECK_EQ(retained_bytes(), N * PG);
    check_invariants();

    struct vm_space *b = new_vm();
    uint64_t r0 = f->read_bytes;
    CHECK_EQ(reserve(b, m, N * PG, true, f, 0), m);
    CHECK_EQ(f->read_bytes, r0);
    CHECK_EQ(retained_bytes(), 0);
    int adopted = 0;
    for (int i = 0; i < N; i++) {
        const struct vma *v = vma_at(b, m + i * PG);
        CHECK_EQ(v->prot, PROT_NONE);
        if (v->flags & VMA_PRISTINE) {
            CHECK(i % 2 == 0 && v->start == m + i * PG && v->end == v->start + PG);
            CHECK_EQ(v->off, i * PG);
            adopted++;
        } else {
            CHECK_EQ(v->flags, 0);
            CHECK(uncommitted(m + i * PG, PG));
        }
    }
    CHECK_EQ(adopted, URANGE_MAX_STOLEN); /* the first 32 of the 40 that match */
    check_invariants();
    CHECK_EQ(fmap(b, m, N * PG, PROT_READ, MAP_PRIVATE | MAP_FIXED, f, 0), m);
    CHECK_EQ(f->read_bytes - r0, (N - adopted) * PG);
    CHECK(holds_file(m, N * PG, f, 0));
    check_invariants();
    /* One mapping to the guest, and once all of it was touched, one VMA again. */
    char maps[256], want[64];
    snprintf(want, sizeof(want), "%08lx-%08lx r--p 00000000 00:00 0 \n", (unsigned long)m,
             (unsigned long)(m + N * PG));
    CHECK(vm_format_maps(b, maps, sizeof(maps)) == strlen(want) && strcmp(maps, want) == 0);
    for (int i = 0; i < N; i++)
        CHECK_EQ(*(volatile char *)(m + i * PG), f->data[i * PG]);
    CHECK_EQ(nvma(b), 1);
    check_invariants();
    free_vm(b);
    retained_evict_all();
    check_invariants();
}

/* Arguments: -EINVAL for a length of 0, an unaligned address (even a hint) or offset, and a
 * range or offset range that wraps; -ENOMEM outside the user range; nothing done. A length
 * is rounded up to pages. */
static void test_reserve_image_args(void)
{
    struct file *f = keyed_file(&fs_a, 404, 2 * PG, 55);
    struct vm_space *vm = new_vm();
    uint64_t top = UINT64_MAX & ~(PG - 1);
    CHECK_EQ(reserve(vm, 0, 0, false, f, 0), -EINVAL);
    CHECK_EQ(reserve(vm, ur, 0, true, f, 0), -EINVAL);
    CHECK_EQ(reserve(vm, ur + 1, PG, true, f, 0), -EINVAL);
    CHECK_EQ(reserve(vm, ur + 1, PG, false, f, 0), -EINVAL);
    CHECK_EQ(vm_reserve_image(vm, ur, PG, true, f, 100), -EINVAL);
    CHECK_EQ(vm_reserve_image(vm, 0, PG, false, f, PG + 1), -EINVAL);
    CHECK_EQ(vm_reserve_image(vm, top, 2 * PG, true, f, 0), -EINVAL);
    CHECK_EQ(vm_reserve_image(vm, top - PG, 2 * PG, false, f, 0), -EINVAL);
    CHECK_EQ(vm_reserve_image(vm, 0, 2 * PG, false, f, top), -EINVAL);
    CHECK_EQ(vm_reserve_image(vm, ur, 2 * PG, true, f, top - PG), -EINVAL);
    CHECK_EQ(vm_reserve_image(vm, 0, UINT64_MAX - 10, false, f, 0), -EINVAL);
    CHECK_EQ(vm_reserve_image(vm, 0, UINT64_MAX & ~(PG - 1), false, f, 0), -EINVAL);
    CHECK_EQ(reserve(vm, 0x100000, PG, true, f, 0), -ENOMEM);
    CHECK_EQ(reserve(vm, ur + UR_PAGES * PG - PG, 2 * PG, true, f, 0), -ENOMEM);
    CHECK_EQ(reserve(vm, 0, UR_PAGES * PG * 2, false, f, 0), -ENOMEM);
    CHECK_EQ(nvma(vm), 0);
    CHECK_EQ(f->read_bytes, 0);
    check_invariants();
    long a = reserve(vm, 0, 10, false, f, PG);
    CHECK(a > 0);
    CHECK_EQ(nvma(vm), 1);
    check_one_reservation(vm, (uint64_t)a, PG, 0);
    free_vm(vm);
    check_invariants();
}

void test_reserve_image(void);
void test_reserve_image(void)
{
    test_reserve_image_reload();
    test_reserve_image_fixed();
    test_reserve_image_unkeyed();
    test_reserve_image_pieces();
    test_reserve_image_args();
}
