/*
 * Host-built unit test of the user-range allocator and vm_space (src/libos/mm/urange.c,
 * vma.c, vma_remap.c, retained.c) and of guest-memory access (src/libos/util/uaccess.c).
 *
 * The platform is stubbed for real: the "user range" is a PROT_NONE region reserved with host
 * mmap, host_mem_commit is mprotect and host_mem_discard is madvise(DONTNEED) + mprotect
 * (PROT_NONE), so the tests read and write the mapped memory and probe (SIGSEGV) that unmapped
 * memory is really inaccessible. A shadow of every page's committed protection lets the
 * checker verify the invariants of mm.h/vm_internal.h after each step:
 *   - a page outside every VMA is discarded; a page inside one is committed with its
 *     protection (anonymous PROT_NONE pages may be uncommitted);
 *   - VMAs are sorted, page aligned, non-overlapping; no two neighbours are mergeable;
 *   - each process owns exactly the user-range extents its VMAs cover;
 *   - retained file pages (retained.c): a kept (urange_reclaimable) page is in no VMA, is
 *     committed PROT_NONE and holds the file bytes its record says (checked where
 *     retained_where points); retained_bytes() equals the reclaimable extents' total; a
 *     VMA_PRISTINE VMA is never writable and holds its file's bytes.
 * Files may carry a content key (keyed_file), and count the bytes file_pread copied, so the
 * tests prove when pages were adopted (no copy) or read.
 * A model-based random test compares mmap (anonymous and keyed-file)/munmap/mprotect/madvise/
 * writes against a per-page model, and a 5,000-VMA stress checks the data structure at scale.
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
    char *wdata; /* writable files: where file_pwrite writes (NULL: open read-only) */
    int refs;    /* references the mm code holds */
    /* Immutable contents (file_content_key): key {key_fs, key_ino}; key_fs NULL: none. */
    const void *key_fs;
    uint64_t key_ino;
    uint64_t span;       /* end of the furthest file offset a test mapped (checker) */
    uint64_t read_bytes; /* bytes file_pread copied: proves a copy did or did not happen */
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

/* Only the files made by keyed_file() promise that their bytes never change (page reuse). */
bool file_content_key(struct file *f, struct content_key *key);
bool file_content_key(struct file *f, struct content_key *key)
{
    if (!f->key_fs)
        return false;
    *key = (struct content_key){f->key_fs, f->key_ino};
    return true;
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
    f->read_bytes += n;
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

/* ---- immutable (keyed) files and what their pages must hold ---- */
#define MAX_KEYED 64
static struct file *keyed[MAX_KEYED]; /* every keyed file ever made (never freed) */
static size_t nkeyed;
static const char fs_a = 'a', fs_b = 'b'; /* two file-system identities for keys */
static const unsigned char zero_page[4096];

/* A keyed file of `size` bytes; `seed` makes its bytes differ from other files' (the first
 * byte of each page also differs from page to page and is never 0). */
static struct file *keyed_file(const void *fs, uint64_t ino, size_t size, unsigned seed)
{
    CHECK(nkeyed < MAX_KEYED);
    struct file *f = calloc(1, sizeof(*f));
    char *d = malloc(size ? size : 1);
    CHECK(f && d);
    for (size_t i = 0; i < size; i++)
        d[i] = (char)(((i / PG) * 31 + seed * 7 + (i % PG) * 3) % 251 + 1);
    *f = (struct file){.data = d, .size = size, .key_fs = fs, .key_ino = ino};
    keyed[nkeyed++] = f;
    return f;
}

static struct file *keyed_lookup(const struct content_key *key)
{
    for (size_t k = 0; k < nkeyed; k++)
        if (keyed[k]->key_fs == key->fs && keyed[k]->key_ino == key->ino)
            return keyed[k];
    return NULL;
}

static struct content_key key_of(const struct file *f)
{
    return (struct content_key){f->key_fs, f->key_ino};
}

/* vm_mmap of a file, remembering how far into it tests map (the checker looks that far). */
static long fmap(struct vm_space *vm, uint64_t addr, uint64_t len, int prot, int flags,
                 struct file *f, uint64_t off)
{
    uint64_t end = off + (len + PG - 1) / PG * PG;
    if (end > f->span)
        f->span = end;
    return vm_mmap(vm, addr, len, prot, flags, f, off);
}

/* Bytes of f in [off, off+len). */
static uint64_t file_bytes(const struct file *f, uint64_t off, uint64_t len)
{
    if (off >= f->size)
        return 0;
    return len < f->size - off ? len : f->size - off;
}

/* True if the page at p holds f's bytes from off (zeros past its end). p must be readable. */
static bool page_holds(uint64_t p, const struct file *f, uint64_t off)
{
    uint64_t n = file_bytes(f, off, PG);
    return memcmp((void *)p, f->data + off, n) == 0 &&
           memcmp((void *)(p + n), zero_page, PG - n) == 0;
}

/* True if [addr, addr+len) holds f's bytes from off. Pages the test cannot read (PROT_NONE:
 * kept pages) are read through a temporary host mprotect; the shadow stays right. Discarded
 * pages hold nothing. */
static bool holds_file(uint64_t addr, uint64_t len, const struct file *f, uint64_t off)
{
    bool ok = true;
    for (uint64_t p = addr; p < addr + len && ok;) {
        int sh = shadow[(p - ur) / PG];
        if (sh < 0)
            return false;
        uint64_t q = p;
        while (q < addr + len && shadow[(q - ur) / PG] == sh)
            q += PG;
        bool hidden = !(sh & PROT_READ);
        if (hidden)
            CHECK(mprotect((void *)p, q - p, PROT_READ) == 0);
        for (uint64_t r = p; r < q && ok; r += PG)
            ok = page_holds(r, f, off + (r - addr));
        if (hidden)
            CHECK(mprotect((void *)p, q - p, sh) == 0);
        p = q;
    }
    return ok;
}

static const struct vma *vma_at(struct vm_space *vm, uint64_t addr)
{
    size_t i = vma_index(vm, addr);
    CHECK(i < vm->n && vm->v[i].start <= addr);
    return &vm->v[i];
}

/* Reclaimable (kept) bytes and extents overlapping [lo, hi). */
struct reclaim_count {
    uint64_t lo, hi, bytes;
    size_t extents;
};

static void count_reclaim(uint64_t s, uint64_t e, const struct vm_space *owner, void *arg)
{
    struct reclaim_count *c = arg;
    if (owner != urange_reclaimable || e <= c->lo || s >= c->hi)
        return;
    c->extents++;
    c->bytes += (e < c->hi ? e : c->hi) - (s > c->lo ? s : c->lo);
}

static uint64_t reclaimable_in(uint64_t lo, uint64_t hi, size_t *extents)
{
    struct reclaim_count c = {lo, hi, 0, 0};
    urange_walk(count_reclaim, &c);
    if (extents)
        *extents = c.extents;
    return c.bytes;
}

/* ---- invariant checker ---- */
static bool reclaim_pg[UR_PAGES]; /* filled by check_extent: the page is kept (reclaimable) */

struct walk_state {
    uint64_t last_end;
    int bad;
    uint64_t reclaim_bytes;
};

static void check_extent(uint64_t s, uint64_t e, const struct vm_space *owner, void *arg)
{
    struct walk_state *w = arg;
    if (s < w->last_end || s >= e)
        w->bad = 1;
    w->last_end = e;
    if (owner == urange_reclaimable) {
        /* Kept pages: in no VMA of any process, committed PROT_NONE (content intact). */
        w->reclaim_bytes += e - s;
        for (uint64_t p = s; p < e; p += PG) {
            const struct vm_space *o;
            if (find_vma(p, &o) || shadow[(p - ur) / PG] != PROT_NONE)
                w->bad = 1;
            reclaim_pg[(p - ur) / PG] = true;
        }
        return;
    }
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
            if (v->flags & VMA_PRISTINE) {
                /* Never writable, private, and holding exactly its file's bytes. */
                CHECK(!(v->prot & PROT_WRITE) && (v->flags & VMA_FILE) && !(v->flags & VMA_SHARED));
                const struct file *f = keyed_lookup(&v->key);
                CHECK(f != NULL);
                CHECK(holds_file(v->start, v->end - v->start, f, v->off));
            }
        }
    }
    memset(reclaim_pg, 0, sizeof(reclaim_pg));
    struct walk_state w = {0, 0, 0};
    urange_walk(check_extent, &w);
    CHECK(!w.bad);
    /* Every kept byte has its record, and only kept bytes do. (The one documented exception,
     * a record dropped when splitting it found no memory, cannot happen here.) */
    CHECK_EQ(w.reclaim_bytes, retained_bytes());
    /* Where retained_where says a keyed file's bytes are, they are: kept, intact pages. */
    for (size_t k = 0; k < nkeyed; k++) {
        struct content_key key = key_of(keyed[k]);
        for (uint64_t off = 0; off < keyed[k]->span; off += PG) {
            uint64_t at = retained_where(&key, off);
            if (!at)
                continue;
            CHECK(at % PG == 0 && at >= ur && at < ur + UR_PAGES * PG);
            CHECK(reclaim_pg[(at - ur) / PG]);
            CHECK(holds_file(at, PG, keyed[k], off));
        }
    }
    uint64_t ext_pages = 0;
    for (uint64_t pg = 0; pg < UR_PAGES; pg++) {
        const struct vm_space *o;
        const struct vma *v = find_vma(ur + pg * PG, &o);
        if (!v) {
            CHECK_EQ(shadow[pg], reclaim_pg[pg] ? PROT_NONE : -1);
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
        int n = 1 + rand_r(&seed) % (rand_r(&seed) % 2 ? 4 : 64);
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
    test_model();
    test_5000_vmas();
    test_uaccess();
    test_threads();
    /* Every vm_space is gone: only the user-range table itself may remain on the heap. */
    struct walk_state w = {0, 0, 0};
    urange_walk(check_extent, &w);
    CHECK(!w.bad && w.last_end == 0);
    fprintf(stderr, "  heap: %zu bytes before, %zu after\n", heap0, heap_used());
    printf("test_vma: ok\n");
    return 0;
}
