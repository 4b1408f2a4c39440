/*
 * Host-built unit test of the user-range allocator and vm_space (src/libos/mm/urange.c,
 * vma.c, vma_remap.c) and of guest-memory access (src/libos/util/uaccess.c).
 *
 * The platform is stubbed for real: the "user range" is a PROT_NONE region reserved with host
 * mmap, host_mem_commit is mprotect and host_mem_discard is madvise(DONTNEED) + mprotect
 * (PROT_NONE), so the tests read and write the mapped memory and probe (SIGSEGV) that unmapped
 * memory is really inaccessible. A shadow of every page's committed protection lets the
 * checker verify the invariants of mm.h/vm_internal.h after each step:
 *   - a page outside every VMA is discarded; a page inside one is committed with its
 *     protection (anonymous PROT_NONE pages may be uncommitted);
 *   - VMAs are sorted, page aligned, non-overlapping; no two neighbours are mergeable;
 *   - each process owns exactly the user-range extents its VMAs cover.
 * A model-based random test compares mmap/munmap/mprotect/madvise/writes against a per-page
 * model, and a 5,000-VMA stress checks the data structure at scale.
 */
#define _GNU_SOURCE
#include "mm/vm_internal.h"
#include "util/uaccess.h"
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #c);                  \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)
#define CHECK_EQ(a, b)                                                                             \
    do {                                                                                           \
        long _a = (long)(a), _b = (long)(b);                                                       \
        if (_a != _b) {                                                                            \
            fprintf(stderr, "%s:%d: CHECK failed: %s == %s (%ld vs %ld)\n", __FILE__, __LINE__,    \
                    #a, #b, _a, _b);                                                               \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

#define PG       ((uint64_t)PAGE_SIZE)
#define UR_PAGES 65536ULL /* 256 MiB user range */
#define RW       (PROT_READ | PROT_WRITE)
#define ANON     (MAP_PRIVATE | MAP_ANONYMOUS)

/* ---- platform and LibOS stubs ---- */
int libos_log_level = 2;             /* LOG_WARN: shows what the code logs */
static uint64_t ur;                  /* user range base */
static signed char shadow[UR_PAGES]; /* committed prot per page, -1 discarded */
static int fail_commit;              /* fault injection: the next commit fails */

void log_printf(int level, const char *file, int line, const char *fmt, ...);
void log_printf(int level, const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "  [log %d %s:%d] ", level, file, line);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

void libos_panic(const char *file, int line, const char *fmt, ...);
void libos_panic(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "panic %s:%d: ", file, line);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

static void check_platform_range(uint64_t addr, uint64_t len)
{
    CHECK(addr % PG == 0 && len % PG == 0 && len > 0);
    CHECK(addr >= ur && addr + len <= ur + UR_PAGES * PG);
}

int host_mem_commit(uint64_t addr, uint64_t len, int prot);
int host_mem_commit(uint64_t addr, uint64_t len, int prot)
{
    check_platform_range(addr, len);
    if (fail_commit) {
        fail_commit = 0;
        return -ENOMEM;
    }
    CHECK(mprotect((void *)addr, len, prot) == 0);
    memset(&shadow[(addr - ur) / PG], prot, len / PG);
    return 0;
}

int host_mem_discard(uint64_t addr, uint64_t len);
int host_mem_discard(uint64_t addr, uint64_t len)
{
    check_platform_range(addr, len);
    CHECK(madvise((void *)addr, len, MADV_DONTNEED) == 0);
    CHECK(mprotect((void *)addr, len, PROT_NONE) == 0);
    memset(&shadow[(addr - ur) / PG], -1, len / PG);
    return 0;
}

struct file {
    const char *data;
    size_t size;
    int err;
    char *wdata;    /* writable files: where file_pwrite writes (NULL: open read-only) */
    int refs;       /* references the mm code holds */
};

ssize_t file_pwrite(struct file *f, const void *kbuf, size_t len, uint64_t off);
ssize_t file_pwrite(struct file *f, const void *kbuf, size_t len, uint64_t off)
{
    if (!f->wdata)
        return -EBADF;
    if (off >= f->size)
        return 0;
    size_t n = len < f->size - off ? len : f->size - off;
    memcpy(f->wdata + off, kbuf, n);
    return (ssize_t)n;
}

/* Files of this test make no promise that their bytes never change (no page reuse). */
struct content_key;
bool file_content_key(struct file *f, struct content_key *key);
bool file_content_key(struct file *f, struct content_key *key)
{
    (void)f;
    (void)key;
    return false;
}

/* The LibOS's struct stat (include/uapi/linux_types.h: 144 bytes, st_size at 48), which this
 * host-built test cannot include beside the host's headers. */
int file_stat(struct file *f, void *st);
int file_stat(struct file *f, void *st)
{
    memset(st, 0, 144);
    int64_t size = (int64_t)f->size;
    memcpy((char *)st + 48, &size, sizeof(size));
    return 0;
}

unsigned int file_flags(const struct file *f);
unsigned int file_flags(const struct file *f)
{
    return f->wdata ? 02 /* O_RDWR */ : 0 /* O_RDONLY */;
}

void file_get(struct file *f);
void file_get(struct file *f)
{
    f->refs++;
}

void file_put(struct file *f);
void file_put(struct file *f)
{
    f->refs--;
}

ssize_t file_pread(struct file *f, void *kbuf, size_t len, uint64_t off);
ssize_t file_pread(struct file *f, void *kbuf, size_t len, uint64_t off)
{
    if (f->err)
        return f->err;
    if (off >= f->size)
        return 0;
    size_t n = len < f->size - off ? len : f->size - off;
    if (n > 1000)
        n = 1000; /* short reads: the caller must loop */
    memcpy(kbuf, f->data + off, n);
    return (ssize_t)n;
}

static struct vm_space *cur_vm;
struct vm_space *current_vm(void)
{
    return cur_vm;
}

/* ---- probing real accessibility ---- */
static sigjmp_buf probe_jmp;
static void on_segv(int sig)
{
    siglongjmp(probe_jmp, 1);
}

/* 1 if the byte at p can be accessed (read, or read and write back). */
static int probe(uint64_t p, int write)
{
    volatile char *c = (volatile char *)p;
    if (sigsetjmp(probe_jmp, 1))
        return 0;
    char v = *c;
    if (write)
        *c = v;
    return 1;
}

/* ---- invariant checker ---- */
#define MAX_VMS 8
static struct vm_space *live[MAX_VMS];

static const struct vma *find_vma(uint64_t page, const struct vm_space **owner)
{
    for (int k = 0; k < MAX_VMS; k++) {
        struct vm_space *vm = live[k];
        if (!vm)
            continue;
        size_t i = vma_index(vm, page);
        if (i < vm->n && vm->v[i].start <= page) {
            *owner = vm;
            return &vm->v[i];
        }
    }
    *owner = NULL;
    return NULL;
}

struct walk_state {
    uint64_t last_end;
    int bad;
};

static void check_extent(uint64_t s, uint64_t e, const struct vm_space *owner, void *arg)
{
    struct walk_state *w = arg;
    if (s < w->last_end || s >= e)
        w->bad = 1;
    w->last_end = e;
    /* Every page of the extent is in one of owner's VMAs. */
    for (uint64_t p = s; p < e; p += PG) {
        const struct vm_space *o;
        if (!find_vma(p, &o) || o != owner)
            w->bad = 1;
    }
}

static void check_invariants(void)
{
    uint64_t vma_pages = 0;
    for (int k = 0; k < MAX_VMS; k++) {
        struct vm_space *vm = live[k];
        if (!vm)
            continue;
        for (size_t i = 0; i < vm->n; i++) {
            const struct vma *v = &vm->v[i];
            CHECK(v->start % PG == 0 && v->end % PG == 0 && v->start < v->end);
            CHECK(v->start >= ur && v->end <= ur + UR_PAGES * PG);
            if (i) {
                const struct vma *u = &vm->v[i - 1];
                CHECK(u->end <= v->start);
                bool mergeable = u->end == v->start && u->prot == v->prot && u->flags == v->flags &&
                                 !(v->flags & VMA_FILE) &&
                                 (u->name == v->name ||
                                  (u->name && v->name && !strcmp(u->name->str, v->name->str)));
                CHECK(!mergeable);
            }
            vma_pages += (v->end - v->start) / PG;
        }
    }
    struct walk_state w = {0, 0};
    urange_walk(check_extent, &w);
    CHECK(!w.bad);
    uint64_t ext_pages = 0;
    for (uint64_t pg = 0; pg < UR_PAGES; pg++) {
        const struct vm_space *o;
        const struct vma *v = find_vma(ur + pg * PG, &o);
        if (!v) {
            CHECK_EQ(shadow[pg], -1);
            continue;
        }
        ext_pages++;
        if (v->prot == PROT_NONE)
            CHECK(shadow[pg] == -1 || shadow[pg] == PROT_NONE);
        else
            CHECK_EQ(shadow[pg], v->prot);
    }
    CHECK_EQ(ext_pages, vma_pages); /* no overlap between processes */
}

static struct vm_space *new_vm(void)
{
    struct vm_space *vm = vm_space_create();
    CHECK(vm);
    for (int k = 0; k < MAX_VMS; k++) {
        if (!live[k]) {
            live[k] = vm;
            return vm;
        }
    }
    CHECK(!"too many vm_spaces");
    return NULL;
}

static void free_vm(struct vm_space *vm)
{
    for (int k = 0; k < MAX_VMS; k++)
        if (live[k] == vm)
            live[k] = NULL;
    vm_space_destroy(vm);
}

static size_t nvma(struct vm_space *vm)
{
    return vm->n;
}

static bool all_bytes(uint64_t a, uint64_t len, unsigned char c)
{
    for (uint64_t k = 0; k < len; k++)
        if (((unsigned char *)a)[k] != c)
            return false;
    return true;
}

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
    struct file f = {"x", 1, 0, NULL, 0};
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
    struct file f = {data, sizeof(data), 0, NULL, 0};
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
    struct file wf = {wdata, sizeof(wdata), 0, wdata, 0};
    long w = vm_mmap(vm, 0, 4 * PG, RW, MAP_SHARED, &wf, 0);
    CHECK(w > 0 && wf.refs == 1);
    memset((void *)w, 'A', PG);                  /* page 0 */
    memset((void *)(w + 2 * PG), 'C', 2 * PG);   /* pages 2 and 3 (3 is past EOF + 100) */
    CHECK(wdata[0] != 'A');                      /* not yet: no page cache */
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
    struct file bad = {data, sizeof(data), -EIO, NULL, 0};
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
    free_vm(vm);
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
static void test_model(void)
{
    struct vm_space *vm = new_vm();
    uint64_t w = ur + 30000 * PG;
    static int mprot[MW];          /* -1 unmapped */
    static unsigned char mval[MW]; /* expected first byte of each page */
    for (int i = 0; i < MW; i++)
        mprot[i] = -1;
    unsigned seed = 42;
    const int prots[] = {PROT_NONE, PROT_READ, RW, PROT_READ | PROT_EXEC, RW | PROT_EXEC};
    for (int it = 0; it < 4000; it++) {
        int s = rand_r(&seed) % MW;
        int n = 1 + rand_r(&seed) % (rand_r(&seed) % 2 ? 4 : 64);
        if (s + n > MW)
            n = MW - s;
        uint64_t a = w + (uint64_t)s * PG, len = (uint64_t)n * PG;
        int prot = prots[rand_r(&seed) % 5];
        bool covered = true;
        for (int i = s; i < s + n; i++)
            covered &= mprot[i] >= 0;
        switch (rand_r(&seed) % 6) {
        case 0:
            CHECK_EQ(vm_mmap(vm, a, len, prot, ANON | MAP_FIXED, NULL, 0), a);
            for (int i = s; i < s + n; i++)
                mprot[i] = prot, mval[i] = 0;
            break;
        case 1:
            CHECK_EQ(vm_munmap(vm, a, len), 0);
            for (int i = s; i < s + n; i++)
                mprot[i] = -1;
            break;
        case 2:
            CHECK_EQ(vm_mprotect(vm, a, len, prot), covered ? 0 : -ENOMEM);
            for (int i = s; covered && i < s + n; i++)
                mprot[i] = prot;
            break;
        case 3:
            CHECK_EQ(vm_madvise(vm, a, len, MADV_DONTNEED), covered ? 0 : -ENOMEM);
            for (int i = s; i < s + n; i++)
                mval[i] = 0;
            break;
        default:
            for (int i = s; i < s + n; i++) {
                if (mprot[i] >= 0 && (mprot[i] & PROT_WRITE)) {
                    mval[i] = (unsigned char)rand_r(&seed);
                    *(unsigned char *)(w + (uint64_t)i * PG) = mval[i];
                }
            }
        }
        if (it % 200 == 0 || it == 3999) {
            for (int i = 0; i < MW; i++) {
                uint64_t p = w + (uint64_t)i * PG;
                CHECK_EQ(vm_range_ok(vm, p, PG, 0), mprot[i] >= 0);
                if (mprot[i] < 0) {
                    CHECK(!probe(p, 0));
                    continue;
                }
                CHECK_EQ(vm_range_ok(vm, p, PG, PROT_WRITE), (mprot[i] & PROT_WRITE) != 0);
                if (mprot[i] & (PROT_READ | PROT_WRITE)) {
                    CHECK(probe(p, 0));
                    CHECK_EQ(*(unsigned char *)p, mval[i]);
                } else if (mprot[i] == PROT_NONE) {
                    CHECK(!probe(p, 0));
                }
            }
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
    free_vm(vm);
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
    static char heap_arena[16 << 20] __attribute__((aligned(4096)));
    heap_init((uint64_t)heap_arena, sizeof(heap_arena));
    void *r =
        mmap(NULL, UR_PAGES * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    CHECK(r != MAP_FAILED);
    ur = (uint64_t)r;
    memset(shadow, -1, sizeof(shadow));
    user_range_init(ur, UR_PAGES * PG);
    CHECK_EQ(user_range_base(), ur);
    CHECK_EQ(user_range_size(), UR_PAGES * PG);
    struct sigaction sa = {.sa_handler = on_segv};
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_NODEFER;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);

    size_t heap0 = heap_used();
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
    /* Every vm_space is gone: only the user-range table itself may remain on the heap. */
    struct walk_state w = {0, 0};
    urange_walk(check_extent, &w);
    CHECK(!w.bad && w.last_end == 0);
    fprintf(stderr, "  heap: %zu bytes before, %zu after\n", heap0, heap_used());
    printf("test_vma: ok\n");
    return 0;
}
