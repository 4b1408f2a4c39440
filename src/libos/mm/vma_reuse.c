/*
 * Reusing pages that already hold a mapping's bytes (the other half of vma.c's mapping code):
 * reserving a range and taking over what the retained cache kept there (vm_reserve), the ELF
 * loader's span (vm_reserve_image), and the page states that reuse introduces, with the
 * transitions between them:
 *
 *   VMA_LAZY     adopted pages still PROT_NONE on the host; the first access commits the
 *                VMA's protection (vm_fault_fixup for the guest, vm_range_ok_locked for the
 *                LibOS, vma_unlazy).
 *   VMA_PATCHED  pages that may hold syscall fast-path rewrites; a use without PROT_EXEC
 *                gets the file's bytes back first (vma_commit, vma_restore_patched_runs,
 *                vm_restore_file_bytes), and so does a move (vma_unsplit before mremap).
 *
 * Locking: as vma.c (vm->lock held by every function here, except where a function takes it
 * itself: vm_fault_fixup, vm_reserve_image).
 */
#include "fs/fs.h"
#include "mm/vm_internal.h"
#include "uapi/errno.h"
#include "uapi/linux_types.h"
#include "util/compiler.h"
#include "util/string.h"

void page_runs_add(struct page_runs *runs, uint64_t start, uint64_t end, bool hidden, bool patched)
{
    if (runs->n == URANGE_MAX_STOLEN)
        return;
    size_t i = runs->n;
    while (i && runs->r[i - 1].start > start) {
        runs->r[i] = runs->r[i - 1];
        i--;
    }
    runs->r[i] = (struct page_run){start, end, hidden, patched};
    runs->n++;
}

/* Discards the pages of [start, end) outside the runs. */
static void discard_except(uint64_t start, uint64_t end, const struct page_runs *runs)
{
    uint64_t at = start;
    for (size_t k = 0; runs && k < runs->n && at < end; k++) {
        uint64_t s = MAX(runs->r[k].start, at), e = MIN(runs->r[k].end, end);
        if (s >= e)
            continue;
        if (s > at)
            vm_discard(at, s - at);
        at = e;
    }
    if (at < end)
        vm_discard(at, end - at);
}

int vm_reserve(struct vm_space *vm, uint64_t *addr, uint64_t len, enum urange_mode mode,
               const struct content_key *key, uint64_t off, struct page_runs *adopt)
{
    struct urange_stolen st;
    if (adopt)
        adopt->n = 0;
    int ret = urange_map(vm, addr, len, mode, &st);
    if (ret == -EAGAIN) {
        retained_evict_all();
        ret = urange_map(vm, addr, len, mode, &st);
    }
    if (ret < 0)
        return ret;
    if (st.n == 0)
        return 0;
    struct page_runs taken = {0};
    retained_take(&st, adopt ? key : NULL, *addr, off, &taken);
    for (size_t k = 0; k < st.n; k++)
        discard_except(st.piece[k].start, st.piece[k].end, &taken);
    if (adopt)
        *adopt = taken;
    return 0;
}

int vm_restore_file_bytes(const struct content_key *key, uint64_t off, uint64_t start, uint64_t end)
{
    uint64_t len = end - start;
    long n = key->read ? key->read(key, (void *)start, len, off) : -EIO;
    if (n < 0 || (uint64_t)n > len)
        return n < 0 ? (int)n : -EIO;
    memset((void *)(start + (uint64_t)n), 0, len - (uint64_t)n); /* past the end of file */
    return 0;
}

/* Commits prot to [addr, addr+len) except the adopted runs still hidden on the host, which
 * are left for the first access (VMA_LAZY). */
int vma_commit_except_hidden(uint64_t addr, uint64_t len, int prot, const struct page_runs *adopt)
{
    uint64_t at = addr, end = addr + len;
    for (size_t k = 0; k <= adopt->n && at < end; k++) {
        if (k < adopt->n && !adopt->r[k].hidden)
            continue;
        uint64_t s = k < adopt->n ? MAX(adopt->r[k].start, at) : end;
        if (s > at) {
            int ret = vm_commit(at, s - at, prot);
            if (ret < 0)
                return ret;
        }
        at = k < adopt->n ? MAX(at, MIN(adopt->r[k].end, end)) : end;
    }
    return 0;
}

/* Splits new VMA i at the adopted runs that need a mark and marks them (room prepared):
 * VMA_LAZY for hidden runs left uncommitted (`lazy`), VMA_PATCHED for runs that may hold
 * fast-path rewrites and keep them (restored ones were cleaned). Returns the index of the VMA
 * that now starts where VMA i did. */
size_t vma_mark_adopted(struct vm_space *vm, size_t i, const struct page_runs *adopt, bool lazy)
{
    uint64_t start = vm->v[i].start, end = vm->v[i].end;
    bool pristine = vm->v[i].flags & VMA_PRISTINE;
    for (size_t k = 0; k < adopt->n; k++) {
        uint64_t s = MAX(adopt->r[k].start, start), e = MIN(adopt->r[k].end, end);
        unsigned mark = (lazy && adopt->r[k].hidden ? VMA_LAZY : 0) |
                        (pristine && adopt->r[k].patched ? VMA_PATCHED : 0);
        if (!mark || s >= e)
            continue;
        vma_split(vm, s);
        vma_split(vm, e);
        vm->v[vma_index(vm, s)].flags |= mark;
    }
    return vma_index(vm, start);
}

/* Gives the adopted runs that may hold fast-path rewrites the file's bytes back, for a
 * mapping that is not executable and commits them now (writable, or not lazy). The pages
 * are left writable; the caller commits the mapping's protection. */
int vma_restore_patched_runs(const struct content_key *key, uint64_t map_start, uint64_t map_off,
                             struct page_runs *adopt, bool lazy)
{
    for (size_t k = 0; k < adopt->n; k++) {
        struct page_run *r = &adopt->r[k];
        if (!r->patched || (lazy && r->hidden))
            continue;
        int ret = vm_commit(r->start, r->end - r->start, PROT_READ | PROT_WRITE);
        if (ret == 0)
            ret = vm_restore_file_bytes(key, map_off + (r->start - map_start), r->start, r->end);
        if (ret < 0)
            return ret;
        r->patched = false;
        r->hidden = false;
    }
    return 0;
}

/* Gives VMA i protection `prot` on the host; pages it holds with fast-path rewrites get the
 * file's bytes back first unless prot lets them be executed (or not touched at all).
 * vm->lock held. */
int vma_commit(struct vm_space *vm, size_t i, int prot)
{
    struct vma *v = &vm->v[i];
    int ret;
    if ((v->flags & VMA_PATCHED) && !(prot & PROT_EXEC) && prot != PROT_NONE) {
        ret = vm_commit(v->start, v->end - v->start, PROT_READ | PROT_WRITE);
        if (ret == 0)
            ret = vm_restore_file_bytes(&v->key, v->off, v->start, v->end);
        if (ret < 0)
            return ret;
        v->flags &= ~VMA_PATCHED;
    }
    return vm_commit(v->start, v->end - v->start, prot);
}

/* Gives lazy VMA i its protection on the host. vm->lock held. */
int vma_unlazy(struct vm_space *vm, size_t i)
{
    int ret = vma_commit(vm, i, vm->v[i].prot);
    if (ret == 0)
        vm->v[i].flags &= ~VMA_LAZY;
    return ret;
}

void vm_mark_patched_locked(struct vm_space *vm, uint64_t start, uint64_t end)
{
    for (size_t i = vma_index(vm, start); i < vm->n && vm->v[i].start < end; i++)
        if (vm->v[i].flags & VMA_PRISTINE)
            vm->v[i].flags |= VMA_PATCHED;
}

bool vm_fault_fixup(struct vm_space *vm, uint64_t addr)
{
    if (!vm)
        return false;
    spin_lock(&vm->lock);
    size_t i = vma_index(vm, addr);
    bool fixed = i < vm->n && vm->v[i].start <= addr && (vm->v[i].flags & VMA_LAZY) &&
                 vma_unlazy(vm, i) == 0;
    if (fixed)
        vma_merge_around(vm, i, i);
    spin_unlock(&vm->lock);
    return fixed;
}

int vma_unsplit(struct vm_space *vm, uint64_t start, uint64_t end)
{
    size_t i = vma_index(vm, start), j = i + 1;
    if (i == vm->n || vm->v[i].start > start)
        return 0;
    while (j < vm->n && vm->v[j - 1].end < end && vma_linux_same(&vm->v[j - 1], &vm->v[j]))
        j++;
    if (vm->v[j - 1].end < end)
        return 0; /* not one mapping to Linux either */
    for (size_t k = i; k < j; k++) {
        struct vma *v = &vm->v[k];
        /* Pieces differ only in what the LibOS knows of their pages: commit lazy ones, and
         * give rewritten code its file bytes back (the sites trap and are rewritten again). */
        int ret = 0;
        if (v->flags & VMA_PATCHED) {
            ret = vm_commit(v->start, v->end - v->start, PROT_READ | PROT_WRITE);
            if (ret == 0)
                ret = vm_restore_file_bytes(&v->key, v->off, v->start, v->end);
            if (ret == 0)
                ret = vm_commit(v->start, v->end - v->start, v->prot);
        } else if (v->flags & VMA_LAZY) {
            ret = vma_unlazy(vm, k);
        }
        if (ret < 0)
            return ret;
        v->flags &= ~(VMA_LAZY | VMA_PATCHED);
    }
    vma_merge_around(vm, i, j - 1);
    return 0;
}

long vm_reserve_image(struct vm_space *vm, uint64_t addr, uint64_t len, bool fixed,
                      struct file *file, uint64_t off)
{
    if (len == 0 || len > UINT64_MAX - PAGE_SIZE || !IS_ALIGNED(addr | off, PAGE_SIZE))
        return -EINVAL;
    len = ALIGN_UP(len, PAGE_SIZE);
    if (range_wraps(addr, len) || range_wraps(off, len))
        return -EINVAL;
    struct content_key key;
    bool keyed = file_content_key(file, &key);
    enum urange_mode mode = fixed ? URANGE_NOREPLACE : URANGE_ANY;
    struct page_runs adopt = {0};

    spin_lock(&vm->lock);
    int ret = vma_prepare(vm, 2 * URANGE_MAX_STOLEN + 1);
    if (ret == 0 && keyed && !fixed && (!addr || !urange_available(addr, len))) {
        uint64_t where = retained_where(&key, off);
        addr = where ? where : addr;
    }
    if (ret == 0)
        ret = vm_reserve(vm, &addr, len, mode, keyed ? &key : NULL, off, &adopt);
    if (ret < 0) {
        spin_unlock(&vm->lock);
        return ret;
    }
    /* Kept pages that hold the file's bytes become a pristine PROT_NONE file mapping (they are
     * PROT_NONE already); the rest is an empty PROT_NONE reservation, never committed. */
    uint64_t at = addr, end = addr + len;
    size_t first = vma_index(vm, addr);
    for (size_t k = 0; k <= adopt.n && at < end; k++) {
        uint64_t s = k < adopt.n ? adopt.r[k].start : end;
        uint64_t e = k < adopt.n ? adopt.r[k].end : end;
        if (s > at)
            vma_insert(vm, &(struct vma){at, s, PROT_NONE, 0, 0, NULL, {0}});
        if (e > s)
            vma_insert(
                vm, &(struct vma){s, e, PROT_NONE,
                                  VMA_FILE | VMA_PRISTINE | (adopt.r[k].patched ? VMA_PATCHED : 0),
                                  off + (s - addr), NULL, key});
        at = MAX(at, e);
    }
    vma_merge_around(vm, first, vma_index(vm, end));
    spin_unlock(&vm->lock);
    return (long)addr;
}
