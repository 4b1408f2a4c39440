/*
 * A process's address space (struct vm_space): its VMAs, and mmap, munmap, mprotect, brk,
 * range checks and /proc/self/maps over them. mremap and madvise are in vma_remap.c, page
 * reuse in vma_reuse.c; the global allocator that keeps processes apart is urange.c
 * (vm_internal.h explains the two levels).
 *
 * Data structure: a sorted array of VMAs per process. Lookup is a binary search (the hot
 * path: every copy_from_user checks a range); insert/remove memmove the tail, which for
 * 5,000 VMAs (~200 KiB) costs microseconds and keeps the code simple and cache-friendly
 * compared with a balanced tree. Compatible neighbours are merged, as Linux does, so typical
 * programs hold tens of VMAs.
 *
 * Every operation validates its arguments, then reserves array room for the splits it may
 * make (vma_prepare), so once it starts changing state it cannot fail for lack of memory:
 * only a host refusal to commit pages can stop it midway, and that is undone where possible.
 *
 * Pages: a page of the user range outside every mapping is discarded (inaccessible, reads as
 * zero once mapped again), unless it is kept for reuse (retained.c: then it is owned by
 * urange_reclaimable and inaccessible). A mapping's pages are committed with its protection,
 * except that anonymous PROT_NONE mappings are not committed at all (large PROT_NONE
 * reservations stay free); mprotect commits them when they become accessible.
 *
 * Reuse of file pages: a private mapping of an immutable file (fs: content_key) takes over,
 * instead of copying the file again, pages that already hold the same bytes at the same
 * addresses: pages kept from an earlier process (retained.c), and pristine pages of the
 * process's own mapping it replaces (ld.so maps a library's whole span, then each segment
 * over it with MAP_FIXED). The reservation that takes kept pages over, the page states reuse
 * brings (lazy, patched) and the ELF loader's span are in vma_reuse.c.
 *
 * Locking: vm->lock guards the VMA array and the break; it is held across host_mem_commit /
 * host_mem_discard and file reads for a mapping, which stalls only other memory operations of
 * the same process (they must not see a half-populated mapping). urange_lock comes after it.
 */
#include "fs/fs.h"
#include "mm/vm_internal.h"
#include "ocall/ocall.h"
#include "uapi/errno.h"
#include "uapi/linux_types.h"
#include "util/compiler.h"
#include "util/log.h"
#include "util/printf.h"
#include "util/string.h"

#define PROT_RWX (PROT_READ | PROT_WRITE | PROT_EXEC)

static struct vm_name heap_name = {1, "[heap]"}; /* never freed: its reference is permanent */

void vm_name_get(struct vm_name *name)
{
    if (name)
        __atomic_add_fetch(&name->refs, 1, __ATOMIC_RELAXED);
}

void vm_name_put(struct vm_name *name)
{
    if (name && __atomic_sub_fetch(&name->refs, 1, __ATOMIC_ACQ_REL) == 0)
        kfree(name);
}

int vm_commit(uint64_t addr, uint64_t len, int prot)
{
    int ret = host_mem_commit(addr, len, prot);
    if (ret < 0)
        log_error("host refused to commit %#lx+%#lx prot %d: %d", (unsigned long)addr,
                  (unsigned long)len, prot, ret);
    return ret;
}

void vm_discard(uint64_t addr, uint64_t len)
{
    int ret = host_mem_discard(addr, len);
    if (ret < 0)
        PANIC("host failed to discard user pages %#lx+%#lx: %d", (unsigned long)addr,
              (unsigned long)len, ret);
}

/* ---- the VMA array ---- */

int vma_prepare(struct vm_space *vm, size_t extra)
{
    struct vma *v = karray_grow(vm->v, &vm->cap, vm->n + extra, sizeof(*vm->v), 16);
    if (!v)
        return -ENOMEM;
    vm->v = v;
    return 0;
}

size_t vma_index(const struct vm_space *vm, uint64_t addr)
{
    size_t lo = 0, hi = vm->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (vm->v[mid].end > addr)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

void vma_split(struct vm_space *vm, uint64_t addr)
{
    size_t i = vma_index(vm, addr);
    if (i == vm->n || vm->v[i].start >= addr)
        return;
    BUG_ON(vm->n == vm->cap);
    memmove(&vm->v[i + 1], &vm->v[i], (vm->n - i) * sizeof(struct vma));
    vm->n++;
    vm->v[i].end = addr;
    vm->v[i + 1].start = addr;
    vm->v[i + 1].off += addr - vm->v[i].start;
    vm_name_get(vm->v[i].name);
}

size_t vma_insert(struct vm_space *vm, const struct vma *v)
{
    size_t i = vma_index(vm, v->start);
    BUG_ON(vm->n == vm->cap);
    BUG_ON(i < vm->n && vm->v[i].start < v->end);
    memmove(&vm->v[i + 1], &vm->v[i], (vm->n - i) * sizeof(struct vma));
    vm->v[i] = *v;
    vm->n++;
    return i;
}

static void vma_remove(struct vm_space *vm, size_t i, size_t j)
{
    for (size_t k = i; k < j; k++)
        vm_name_put(vm->v[k].name);
    memmove(&vm->v[i], &vm->v[j], (vm->n - j) * sizeof(struct vma));
    vm->n -= j - i;
}

static bool same_name(const struct vm_name *a, const struct vm_name *b)
{
    if (a == b)
        return true;
    return a && b && strcmp(a->str, b->str) == 0;
}

static bool mergeable(const struct vma *a, const struct vma *b)
{
    if (a->end != b->start || a->prot != b->prot || a->flags != b->flags ||
        !same_name(a->name, b->name))
        return false;
    if ((a->flags & VMA_PRISTINE) && (a->key.fs != b->key.fs || a->key.ino != b->key.ino))
        return false;
    return !(a->flags & VMA_FILE) || a->off + (a->end - a->start) == b->off;
}

void vma_merge_around(struct vm_space *vm, size_t lo, size_t hi)
{
    lo = lo ? lo - 1 : 0;
    for (size_t k = MIN(hi + 1, vm->n ? vm->n - 1 : 0); k > lo; k--) {
        if (k < vm->n && mergeable(&vm->v[k - 1], &vm->v[k])) {
            vm->v[k - 1].end = vm->v[k].end;
            vma_remove(vm, k, k + 1);
        }
    }
}

bool vma_covered(const struct vm_space *vm, uint64_t start, uint64_t end)
{
    uint64_t at = start;
    for (size_t i = vma_index(vm, start); i < vm->n && at < end; i++) {
        if (vm->v[i].start > at)
            return false;
        at = vm->v[i].end;
    }
    return at >= end;
}

/* What a replacing mapping can adopt from the VMAs it replaces: key's bytes, with file
 * offset `off` at address `start`. */
struct adopt_spec {
    const struct content_key *key;
    uint64_t start, off;
};

static bool holds_spec(const struct vma *v, const struct adopt_spec *spec)
{
    return spec && spec->key && (v->flags & VMA_PRISTINE) && v->key.fs == spec->key->fs &&
           v->key.ino == spec->key->ino && v->start >= spec->start &&
           v->off == spec->off + (v->start - spec->start);
}

/* The end (index) of the run of VMAs from i (pristine) below `last` that hold one file's
 * bytes contiguously: they are kept together, with one record and one host call. */
static size_t pristine_group_end(const struct vm_space *vm, size_t i, size_t last)
{
    size_t j = i + 1;
    while (j < last) {
        const struct vma *a = &vm->v[j - 1], *b = &vm->v[j];
        if (!(b->flags & VMA_PRISTINE) || b->start != a->end || b->key.fs != a->key.fs ||
            b->key.ino != a->key.ino || b->off != a->off + (a->end - a->start) ||
            (b->flags & VMA_PATCHED) != (a->flags & VMA_PATCHED))
            break;
        j++;
    }
    return j;
}

/*
 * Removes every mapping of vm in [start, end). Pristine pages that `spec` can use are left
 * in place and listed in *adopt; with `release`, pristine pages are offered to the retained
 * cache and the range goes back to the user-range allocator; everything else is discarded.
 */
static void unmap_range(struct vm_space *vm, uint64_t start, uint64_t end, bool release,
                        const struct adopt_spec *spec, struct page_runs *adopt)
{
    if (vm->shared)
        shared_map_writeback(vm, start, end, true); /* while the pages are still there */
    vma_split(vm, start);
    vma_split(vm, end);
    size_t i = vma_index(vm, start), j = i, last = i;
    while (last < vm->n && vm->v[last].end <= end)
        last++;
    uint64_t run_start = 0, run_end = 0; /* discard touching VMAs with one host call */
    uint64_t hidden_end = 0;             /* and hide touching kept ones with one */
    while (j < last) {
        const struct vma *v = &vm->v[j];
        size_t next = j + 1;
        bool spared = false;
        if (release && (v->flags & VMA_PRISTINE) && v->start >= hidden_end) {
            size_t k = j + 1;
            while (k < last && (vm->v[k].flags & VMA_PRISTINE) &&
                   vm->v[k].start == vm->v[k - 1].end)
                k++;
            if (vm_commit(v->start, vm->v[k - 1].end - v->start, PROT_NONE) == 0)
                hidden_end = vm->v[k - 1].end;
        }
        if (holds_spec(v, spec) && adopt->n < URANGE_MAX_STOLEN) {
            page_runs_add(adopt, v->start, v->end, (v->flags & VMA_LAZY) || v->prot == PROT_NONE,
                          v->flags & VMA_PATCHED);
            spared = true;
        } else if (release && (v->flags & VMA_PRISTINE)) {
            next = pristine_group_end(vm, j, last);
            spared = retained_keep(vm, v->start, vm->v[next - 1].end, &v->key, v->off,
                                   v->flags & VMA_PATCHED, v->start < hidden_end);
            next = spared ? next : j + 1;
        }
        if (spared || v->start != run_end) {
            if (run_end)
                vm_discard(run_start, run_end - run_start);
            run_end = 0;
        }
        if (!spared) {
            if (!run_end)
                run_start = v->start;
            run_end = v->end;
        }
        j = next;
    }
    if (run_end)
        vm_discard(run_start, run_end - run_start);
    vma_remove(vm, i, j);
    if (release)
        urange_unmap(vm, start, end - start);
}

void vma_unmap_locked(struct vm_space *vm, uint64_t start, uint64_t end, bool release)
{
    unmap_range(vm, start, end, release, NULL, NULL);
}

void vma_forget_contents(struct vm_space *vm, uint64_t start, uint64_t end)
{
    vma_split(vm, start);
    vma_split(vm, end);
    size_t i = vma_index(vm, start), j = i;
    for (; j < vm->n && vm->v[j].start < end; j++)
        vm->v[j].flags &= ~(VMA_PRISTINE | VMA_LAZY | VMA_PATCHED);
    vma_merge_around(vm, i, j);
}

/* ---- vm_space ---- */

struct vm_space *vm_space_create(void)
{
    struct vm_space *vm = kzalloc(sizeof(*vm));
    if (!vm)
        return NULL;
    vm->lock = (spinlock_t)SPINLOCK_INIT;
    return vm;
}

void vm_space_destroy(struct vm_space *vm)
{
    if (!vm)
        return;
    spin_lock(&vm->lock);
    /* As munmap of everything: shared mappings written back, pristine pages kept, touching
     * VMAs discarded together. */
    if (vm->n)
        unmap_range(vm, vm->v[0].start, vm->v[vm->n - 1].end, true, NULL, NULL);
    urange_unmap(vm, user_range_base(), user_range_size());
    kfree(vm->v);
    spin_unlock(&vm->lock);
    kfree(vm);
}

int vm_msync(struct vm_space *vm, uint64_t addr, uint64_t len, int flags)
{
    if (!IS_ALIGNED(addr, PAGE_SIZE) || (flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) ||
        ((flags & MS_ASYNC) && (flags & MS_SYNC)))
        return -EINVAL;
    len = ALIGN_UP(len, PAGE_SIZE);
    if (range_wraps(addr, len))
        return -ENOMEM;
    spin_lock(&vm->lock);
    int ret = vma_covered(vm, addr, addr + len) ? 0 : -ENOMEM;
    if (ret == 0 && vm->shared)
        ret = shared_map_writeback(vm, addr, addr + len, false);
    spin_unlock(&vm->lock);
    return ret;
}

void vm_lock(struct vm_space *vm)
{
    spin_lock(&vm->lock);
}

void vm_unlock(struct vm_space *vm)
{
    spin_unlock(&vm->lock);
}

/* Reads the file into freshly committed (zero, writable) pages; bytes past EOF stay zero. */
static int populate_from_file(struct file *file, uint64_t addr, uint64_t len, uint64_t off)
{
    uint64_t done = 0;
    while (done < len) {
        ssize_t n = file_pread(file, (void *)(addr + done), len - done, off + done);
        if (n == 0)
            break;
        if (n < 0) {
            /* Linux's answers for files that cannot be mapped this way. */
            if (n == -EBADF)
                return -EACCES;
            if (n == -ESPIPE || n == -EISDIR)
                return -ENODEV;
            return (int)n;
        }
        if ((uint64_t)n > len - done)
            return -EIO; /* never trust a count larger than asked */
        done += (uint64_t)n;
    }
    return 0;
}

/* Fills [addr, addr+len) of a new file mapping from the file, except the adopted runs, which
 * already hold the right bytes: only the pages filled are made writable for it (changing a
 * present page's protection costs the host a page-table update, and adopted pages are many). */
static int populate_except(struct file *file, uint64_t addr, uint64_t len, uint64_t off,
                           const struct page_runs *adopt)
{
    uint64_t at = addr, end = addr + len;
    int ret = 0;
    for (size_t k = 0; k <= adopt->n && ret == 0 && at < end; k++) {
        uint64_t s = k < adopt->n ? MAX(adopt->r[k].start, at) : end;
        uint64_t e = k < adopt->n ? MIN(adopt->r[k].end, end) : end;
        if (s > at) {
            ret = vm_commit(at, s - at, PROT_READ | PROT_WRITE);
            if (ret == 0)
                ret = populate_from_file(file, at, s - at, off + (at - addr));
        }
        at = MAX(at, e);
    }
    return ret;
}

bool vma_linux_same(const struct vma *a, const struct vma *b)
{
    unsigned kind = VMA_SHARED | VMA_FILE;
    return a->end == b->start && a->prot == b->prot && (a->flags & kind) == (b->flags & kind) &&
           same_name(a->name, b->name) &&
           (!(a->flags & VMA_FILE) || a->off + (a->end - a->start) == b->off);
}

/*
 * Maps [*addr, *addr+len) (mode as urange_map) with the given attributes and contents.
 * Takes a reference on `name`. vm->lock held. Returns 0 and sets *addr, or -errno.
 */
static int map_locked(struct vm_space *vm, uint64_t *addr, uint64_t len, int prot, unsigned vflags,
                      enum urange_mode mode, struct file *file, uint64_t off, struct vm_name *name)
{
    struct content_key key;
    bool keyed = file && !(vflags & VMA_SHARED) && file_content_key(file, &key);
    struct page_runs adopt = {0};
    int ret = vma_prepare(vm, 3 + 2 * URANGE_MAX_STOLEN); /* marked pieces split it */
    if (ret < 0)
        return ret;
    if (keyed && mode == URANGE_ANY && (!*addr || !urange_available(*addr, len))) {
        /* Where these bytes already are, if anywhere: a better place than a taken hint. */
        uint64_t where = retained_where(&key, off);
        *addr = where ? where : *addr;
    }
    ret = vm_reserve(vm, addr, len, mode, keyed ? &key : NULL, off, &adopt);
    if (ret < 0)
        return ret;
    uint64_t a = *addr;
    if (mode == URANGE_FIXED) {
        /* The range stays ours: no release. */
        struct adopt_spec spec = {keyed ? &key : NULL, a, off};
        unmap_range(vm, a, a + len, false, &spec, &adopt);
    }

    struct vma v = {a, a + len, prot, vflags, off, name, {0}};
    if (keyed && !(prot & PROT_WRITE)) {
        v.flags |= VMA_PRISTINE;
        v.key = key;
    }
    vm_name_get(name);
    size_t i = vma_insert(vm, &v);
    bool lazy = (v.flags & VMA_PRISTINE) && prot != PROT_NONE;
    if (file) {
        ret = populate_except(file, a, len, off, &adopt);
        if (ret == 0 && keyed && !(prot & PROT_EXEC) && prot != PROT_NONE)
            ret = vma_restore_patched_runs(&key, a, off, &adopt, lazy);
        if (ret == 0 && lazy)
            ret = vma_commit_except_hidden(a, len, prot, &adopt);
        else if (ret == 0 && (adopt.n || prot != (PROT_READ | PROT_WRITE)))
            ret = vm_commit(a, len, prot); /* the host skips pages that have it already */
    } else if (prot != PROT_NONE) {
        ret = vm_commit(a, len, prot);
    }
    if (ret < 0) {
        vm_discard(a, len);
        vma_remove(vm, i, i + 1);
        urange_unmap(vm, a, len);
        return ret;
    }
    if (keyed)
        i = vma_mark_adopted(vm, i, &adopt, lazy);
    vma_merge_around(vm, i, i);
    return 0;
}

long vm_mmap(struct vm_space *vm, uint64_t addr, uint64_t len, int prot, int flags,
             struct file *file, uint64_t off)
{
    int type = flags & MAP_TYPE;
    if (type != MAP_PRIVATE && type != MAP_SHARED && type != MAP_SHARED_VALIDATE)
        return -EINVAL;
    if (len == 0 || !IS_ALIGNED(off, PAGE_SIZE))
        return -EINVAL;
    prot &= PROT_RWX; /* Linux's mmap ignores other bits (PROT_SEM, ...) */
    if (len > UINT64_MAX - PAGE_SIZE)
        return -ENOMEM;
    len = ALIGN_UP(len, PAGE_SIZE);
    if (flags & MAP_ANONYMOUS) {
        file = NULL;
        off = 0;
    } else if (range_wraps(off, len)) {
        return -EOVERFLOW;
    }
    unsigned vflags = (type == MAP_PRIVATE ? 0 : VMA_SHARED) | (file ? VMA_FILE : 0);
    /* A shared mapping of a file open read-write is written back (vma_shared.c); writing
     * through a shared mapping needs the file open for writing, as on Linux. */
    bool write_back = file && (vflags & VMA_SHARED) && (file_flags(file) & O_ACCMODE) == O_RDWR;
    if (file && (vflags & VMA_SHARED) && (prot & PROT_WRITE) && !write_back)
        return -EACCES;

    enum urange_mode mode = URANGE_ANY;
    if (flags & MAP_FIXED_NOREPLACE)
        mode = URANGE_NOREPLACE;
    else if (flags & MAP_FIXED)
        mode = URANGE_FIXED;
    if (mode != URANGE_ANY) {
        if (!IS_ALIGNED(addr, PAGE_SIZE))
            return -EINVAL;
        if (range_wraps(addr, len))
            return -ENOMEM;
    } else {
        /* A hint is only a hint: round it to a page, drop it if it cannot work. */
        addr = addr > UINT64_MAX - PAGE_SIZE ? 0 : ALIGN_UP(addr, PAGE_SIZE);
    }

    spin_lock(&vm->lock);
    int ret = map_locked(vm, &addr, len, prot, vflags, mode, file, off, NULL);
    if (ret == 0 && write_back && shared_map_add(vm, addr, addr + len, file, off) < 0) {
        vma_unmap_locked(vm, addr, addr + len, true);
        ret = -ENOMEM;
    }
    spin_unlock(&vm->lock);
    return ret < 0 ? ret : (long)addr;
}

int vm_munmap(struct vm_space *vm, uint64_t addr, uint64_t len)
{
    /* As Linux: a range reaching past the user half of the address space is -EINVAL. */
    if (!IS_ALIGNED(addr, PAGE_SIZE) || len == 0 || addr > LINUX_TASK_SIZE ||
        len > LINUX_TASK_SIZE - addr)
        return -EINVAL;
    len = ALIGN_UP(len, PAGE_SIZE);
    if (range_wraps(addr, len))
        return -EINVAL;
    spin_lock(&vm->lock);
    int ret = vma_prepare(vm, 2);
    if (ret == 0)
        vma_unmap_locked(vm, addr, addr + len, true);
    spin_unlock(&vm->lock);
    return ret;
}

int vm_mprotect(struct vm_space *vm, uint64_t addr, uint64_t len, int prot)
{
    if (!IS_ALIGNED(addr, PAGE_SIZE) || (prot & ~(PROT_RWX | PROT_GROWSDOWN | PROT_GROWSUP)))
        return -EINVAL;
    if ((prot & PROT_GROWSDOWN) && (prot & PROT_GROWSUP))
        return -EINVAL;
    prot &= PROT_RWX; /* the grows bits only extend the range to the VMA's edge in Linux */
    if (len == 0)
        return 0;
    if (len > UINT64_MAX - PAGE_SIZE)
        return -ENOMEM;
    len = ALIGN_UP(len, PAGE_SIZE);
    if (range_wraps(addr, len))
        return -ENOMEM;
    uint64_t end = addr + len;

    spin_lock(&vm->lock);
    int ret = -ENOMEM;
    if (!vma_covered(vm, addr, end))
        goto out;
    ret = vma_prepare(vm, 2);
    if (ret < 0)
        goto out;
    vma_split(vm, addr);
    vma_split(vm, end);
    size_t i = vma_index(vm, addr), j = i;
    for (; j < vm->n && vm->v[j].start < end; j++) {
        struct vma *v = &vm->v[j];
        if (v->prot == prot)
            continue;
        ret = vma_commit(vm, j, prot);
        if (ret < 0)
            break;
        v->prot = prot;
        v->flags &= ~VMA_LAZY;
        if (prot & PROT_WRITE)
            v->flags &= ~(VMA_PRISTINE | VMA_PATCHED); /* its bytes may change from now on */
    }
    vma_merge_around(vm, i, j);
out:
    spin_unlock(&vm->lock);
    return ret;
}

void vm_set_brk_base(struct vm_space *vm, uint64_t base)
{
    spin_lock(&vm->lock);
    vm->brk_base = vm->brk_cur = ALIGN_UP(base, PAGE_SIZE);
    spin_unlock(&vm->lock);
}

uint64_t vm_brk(struct vm_space *vm, uint64_t new_brk)
{
    spin_lock(&vm->lock);
    uint64_t cur = vm->brk_cur;
    if (!vm->brk_base || new_brk < vm->brk_base || !urange_contains(new_brk, PAGE_SIZE))
        goto out;
    uint64_t old_end = ALIGN_UP(cur, PAGE_SIZE), new_end = ALIGN_UP(new_brk, PAGE_SIZE);
    if (new_end > old_end) {
        uint64_t a = old_end;
        if (map_locked(vm, &a, new_end - old_end, PROT_READ | PROT_WRITE, 0, URANGE_NOREPLACE, NULL,
                       0, &heap_name) < 0)
            goto out;
    } else if (new_end < old_end) {
        if (vma_prepare(vm, 2) < 0)
            goto out;
        vma_unmap_locked(vm, new_end, old_end, true);
    }
    vm->brk_cur = cur = new_brk;
out:
    spin_unlock(&vm->lock);
    return cur;
}

static int effective_prot(int prot)
{
    /* x86 pages that can be written or executed can also be read. */
    return prot & (PROT_WRITE | PROT_EXEC) ? prot | PROT_READ : prot;
}

bool vm_range_ok_locked(struct vm_space *vm, uint64_t addr, uint64_t len, int prot)
{
    if (range_wraps(addr, len))
        return false;
    uint64_t at = addr, end = addr + len;
    size_t first = vma_index(vm, addr), i = first;
    bool unlazied = false, ok = true;
    for (; i < vm->n && at < end && ok; i++) {
        const struct vma *v = &vm->v[i];
        ok = v->start <= at && (effective_prot(v->prot) & prot) == prot;
        /* The LibOS is about to touch these pages itself: they get their protection now. */
        if (ok && (v->flags & VMA_LAZY)) {
            ok = vma_unlazy(vm, i) == 0;
            unlazied = true;
        }
        at = v->end;
    }
    if (unlazied)
        vma_merge_around(vm, first, i);
    return ok && at >= end;
}

bool vm_range_ok(struct vm_space *vm, uint64_t addr, uint64_t len, int prot)
{
    spin_lock(&vm->lock);
    bool ok = vm_range_ok_locked(vm, addr, len, prot);
    spin_unlock(&vm->lock);
    return ok;
}

int vm_set_name(struct vm_space *vm, uint64_t addr, uint64_t len, const char *name)
{
    if (!IS_ALIGNED(addr, PAGE_SIZE) || len == 0 || len > UINT64_MAX - PAGE_SIZE)
        return -EINVAL;
    len = ALIGN_UP(len, PAGE_SIZE);
    if (range_wraps(addr, len))
        return -EINVAL;
    struct vm_name *vn = NULL;
    if (name) {
        size_t n = strlen(name);
        vn = kmalloc(sizeof(*vn) + n + 1);
        if (!vn)
            return -ENOMEM;
        vn->refs = 1;
        memcpy(vn->str, name, n + 1);
    }
    spin_lock(&vm->lock);
    int ret = -ENOMEM;
    if (!vma_covered(vm, addr, addr + len))
        goto out;
    ret = vma_prepare(vm, 2);
    if (ret < 0)
        goto out;
    vma_split(vm, addr);
    vma_split(vm, addr + len);
    size_t i = vma_index(vm, addr), j = i;
    for (; j < vm->n && vm->v[j].start < addr + len; j++) {
        vm_name_put(vm->v[j].name);
        vm_name_get(vn);
        vm->v[j].name = vn;
    }
    vma_merge_around(vm, i, j);
out:
    spin_unlock(&vm->lock);
    vm_name_put(vn);
    return ret;
}

/* Appends s[0..n) to the output, counting what does not fit. */
static void emit(char *buf, size_t size, size_t *pos, const char *s, size_t n)
{
    if (*pos < size) {
        size_t room = size - *pos;
        memcpy(buf + *pos, s, MIN(n, room));
    }
    *pos += n;
}

size_t vm_format_maps(struct vm_space *vm, char *buf, size_t size)
{
    size_t pos = 0;
    char line[128];
    spin_lock(&vm->lock);
    for (size_t i = 0; i < vm->n; i++) {
        const struct vma *v = &vm->v[i];
        uint64_t end = v->end;
        while (i + 1 < vm->n && vma_linux_same(&vm->v[i], &vm->v[i + 1]))
            end = vm->v[++i].end; /* one line, as Linux would show one mapping */
        int n = snprintf(line, sizeof(line), "%08lx-%08lx %c%c%c%c %08lx 00:00 0 ",
                         (unsigned long)v->start, (unsigned long)end,
                         v->prot & PROT_READ ? 'r' : '-', v->prot & PROT_WRITE ? 'w' : '-',
                         v->prot & PROT_EXEC ? 'x' : '-', v->flags & VMA_SHARED ? 's' : 'p',
                         (unsigned long)(v->flags & VMA_FILE ? v->off : 0));
        emit(buf, size, &pos, line, (size_t)n);
        if (v->name) {
            /* Linux pads the fixed part to 72 columns, then one space, then the name. */
            static const char spaces[] = "                                                  "
                                         "                      ";
            size_t pad = n < 72 ? 72 - (size_t)n : 0;
            emit(buf, size, &pos, spaces, pad);
            emit(buf, size, &pos, " ", 1);
            emit(buf, size, &pos, v->name->str, strlen(v->name->str));
        }
        emit(buf, size, &pos, "\n", 1);
    }
    spin_unlock(&vm->lock);
    if (size)
        buf[MIN(pos, size - 1)] = '\0';
    return pos;
}
