/*
 * The platform and LibOS stand-ins, stand-in files and invariant checker shared by the mm unit
 * tests (what they model and check: vma_standins.h). Single-threaded except where a test says
 * otherwise: the checker and the fault handler read VMA arrays without their locks.
 */
#define _GNU_SOURCE
#include "vma_standins.h"
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>

/* ---- platform and LibOS stubs ---- */
int libos_log_level = 2; /* LOG_WARN: shows what the code logs */
uint64_t ur;
signed char shadow[UR_PAGES];
int fail_commit;
unsigned long lazy_faults;

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
    *key = key_of(f);
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

struct vm_space *cur_vm;
struct vm_space *current_vm(void)
{
    return cur_vm;
}

/* ---- faults: lazily committed pages, and probing real accessibility ---- */
static sigjmp_buf probe_jmp;
static volatile int probing; /* probe_jmp is set */

static struct vm_space *owner_of(uint64_t addr);

/*
 * A fault: first what the LibOS does for a guest (syscall/dispatch.c): vm_fault_fixup, and
 * retry the access if it committed the page. Otherwise a probe answers "inaccessible"; any
 * other fault is a test failure (a fault with the owner's vm lock held means the LibOS touched
 * a page it had not given a protection).
 */
static void on_segv(int sig, siginfo_t *si, void *ctx)
{
    (void)ctx;
    uint64_t a = (uint64_t)si->si_addr;
    struct vm_space *vm = owner_of(a);
    if (vm && spin_is_locked(&vm->lock)) {
        fprintf(stderr, "fault at %#lx with its vm lock held\n", (unsigned long)a);
        abort();
    }
    if (vm && vm_fault_fixup(vm, a)) {
        lazy_faults++;
        return;
    }
    if (!probing) {
        fprintf(stderr, "unexpected signal %d at %#lx\n", sig, (unsigned long)a);
        abort();
    }
    siglongjmp(probe_jmp, 1);
}

int probe(uint64_t p, int write)
{
    volatile char *c = (volatile char *)p;
    int ok = 0;
    if (sigsetjmp(probe_jmp, 1) == 0) {
        probing = 1;
        char v = *c;
        if (write)
            *c = v;
        ok = 1;
    }
    probing = 0;
    return ok;
}

/* ---- address spaces the checker watches ---- */
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

static struct vm_space *owner_of(uint64_t addr)
{
    for (int k = 0; k < MAX_VMS; k++) {
        struct vm_space *vm = live[k];
        if (vm) {
            size_t i = vma_index(vm, addr);
            if (i < vm->n && vm->v[i].start <= addr)
                return vm;
        }
    }
    return NULL;
}

/* ---- immutable (keyed) files and what their pages must hold ---- */
#define MAX_KEYED 64
static struct file *keyed[MAX_KEYED]; /* every keyed file ever made (never freed) */
static size_t nkeyed;
const char fs_a = 'a', fs_b = 'b';
static const unsigned char zero_page[4096];

struct file *keyed_file(const void *fs, uint64_t ino, size_t size, unsigned seed)
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

/* content_key.read: the file's bytes, counted as read like file_pread's. */
static long key_read(const struct content_key *key, void *buf, unsigned long len, uint64_t off)
{
    struct file *f = keyed_lookup(key);
    CHECK(f != NULL);
    uint64_t n = file_bytes(f, off, len);
    memcpy(buf, f->data + off, n);
    f->read_bytes += n;
    return (long)n;
}

struct content_key key_of(const struct file *f)
{
    return (struct content_key){.fs = f->key_fs, .ino = f->key_ino, .read = key_read};
}

long fmap(struct vm_space *vm, uint64_t addr, uint64_t len, int prot, int flags, struct file *f,
          uint64_t off)
{
    file_note_span(f, off + (len + PG - 1) / PG * PG);
    long a = vm_mmap(vm, addr, len, prot, flags, f, off);
    /* Where pristine mappings are read at their first use (and only pages read are kept), the
     * tests count reads and kept pages as for a program that uses all it maps: use it now. */
    if (VMA_UNFILLED && a > 0)
        CHECK(vm_range_ok(vm, (uint64_t)a, len, 0));
    return a;
}

void file_note_span(struct file *f, uint64_t end)
{
    if (end > f->span)
        f->span = end;
}

uint64_t file_bytes(const struct file *f, uint64_t off, uint64_t len)
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

bool holds_file(uint64_t addr, uint64_t len, const struct file *f, uint64_t off)
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

const struct vma *vma_at(struct vm_space *vm, uint64_t addr)
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

uint64_t reclaimable_in(uint64_t lo, uint64_t hi, size_t *extents)
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

void check_invariants(void)
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
                /* Pieces of one file's pages are mergeable too: the same file (pristine: the
                 * same key), contiguous offsets. */
                bool same_file = !(v->flags & VMA_FILE) ||
                                 (u->off + (u->end - u->start) == v->off &&
                                  (!(v->flags & VMA_PRISTINE) ||
                                   (u->key.fs == v->key.fs && u->key.ino == v->key.ino)));
                bool mergeable = u->end == v->start && u->prot == v->prot && u->flags == v->flags &&
                                 same_file &&
                                 (u->name == v->name ||
                                  (u->name && v->name && !strcmp(u->name->str, v->name->str)));
                CHECK(!mergeable);
            }
            vma_pages += (v->end - v->start) / PG;
            if (v->flags & VMA_UNFILLED) {
                /* Not read yet: nothing on the host, until the first use fills it. */
                CHECK(v->flags & VMA_PRISTINE);
                for (uint64_t p = v->start; p < v->end; p += PG)
                    CHECK(shadow[(p - ur) / PG] == -1 || shadow[(p - ur) / PG] == PROT_NONE);
            } else if (v->flags & VMA_PRISTINE) {
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
        else if (v->flags & VMA_LAZY)
            CHECK(shadow[pg] == PROT_NONE || shadow[pg] == v->prot); /* never more than prot */
        else
            CHECK_EQ(shadow[pg], v->prot);
    }
    CHECK_EQ(ext_pages, vma_pages); /* no overlap between processes */
}

struct vm_space *new_vm(void)
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

void free_vm(struct vm_space *vm)
{
    for (int k = 0; k < MAX_VMS; k++)
        if (live[k] == vm)
            live[k] = NULL;
    vm_space_destroy(vm);
}

size_t nvma(struct vm_space *vm)
{
    return vm->n;
}

bool all_bytes(uint64_t a, uint64_t len, unsigned char c)
{
    for (uint64_t k = 0; k < len; k++)
        if (((unsigned char *)a)[k] != c)
            return false;
    return true;
}

static size_t heap_at_start;

void standins_init(void)
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
    struct sigaction sa = {.sa_sigaction = on_segv};
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_NODEFER | SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    heap_at_start = heap_used();
}

void standins_finish(const char *name)
{
    /* Every vm_space is gone: no extent is left (kept pages were evicted by the tests). */
    for (int k = 0; k < MAX_VMS; k++)
        CHECK(live[k] == NULL);
    struct walk_state w = {0, 0, 0};
    urange_walk(check_extent, &w);
    CHECK(!w.bad && w.last_end == 0);
    fprintf(stderr, "  heap: %zu bytes before, %zu after\n", heap_at_start, heap_used());
    printf("%s: ok\n", name);
}
