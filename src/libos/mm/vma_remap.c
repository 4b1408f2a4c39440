/*
 * mremap(2) and madvise(2) over a vm_space (vma.c has the rest and explains the data
 * structure and locking).
 *
 * mremap moves a mapping by copying its bytes inside the enclave (memcpy), which works the
 * same on every platform: the LibOS never asks the host to remap pages. A file mapping that
 * grows gets zero pages, not more of the file (its contents were copied at mmap time).
 *
 * madvise(MADV_DONTNEED) on anonymous memory discards the pages and commits them again, so
 * the next read sees zeros, as Linux guarantees for private anonymous memory.
 */
#include "mm/vm_internal.h"
#include "uapi/errno.h"
#include "uapi/linux_types.h"
#include "util/compiler.h"
#include "util/log.h"
#include "util/string.h"

/* madvise values beyond uapi/linux_types.h that Linux accepts. */
#define MADV_WIPEONFORK      18
#define MADV_KEEPONFORK      19
#define MADV_COLD            20
#define MADV_PAGEOUT         21
#define MADV_POPULATE_READ   22
#define MADV_POPULATE_WRITE  23
#define MADV_DONTNEED_LOCKED 24
#define MADV_COLLAPSE        25
#define MADV_HWPOISON        100
#define MADV_SOFT_OFFLINE    101

/*
 * Moves [old, old+old_len) of VMA index i to a new range of new_len bytes (at *dst exactly
 * with `fixed`, else anywhere). vm->lock held, room for 4 VMAs prepared. The old range is
 * unmapped afterwards, or with `keep_old` left mapped with fresh zero pages
 * (MREMAP_DONTUNMAP).
 */
static int move_locked(struct vm_space *vm, size_t i, uint64_t old, uint64_t old_len,
                       uint64_t new_len, uint64_t *dst, bool fixed, bool keep_old)
{
    struct vma tmpl = vm->v[i];
    tmpl.off += old - tmpl.start;
    uint64_t a = fixed ? *dst : 0;
    int ret = vm_reserve(vm, &a, new_len, fixed ? URANGE_FIXED : URANGE_ANY, NULL, 0, NULL);
    if (ret < 0)
        return ret;
    if (fixed)
        vma_unmap_locked(vm, a, a + new_len, false); /* disjoint from old (checked) */

    int prot = tmpl.prot;
    /* The LibOS must be able to read the source and write the destination for the copy (a
     * lazy source is still PROT_NONE on the host). */
    if (!(prot & PROT_READ) || (tmpl.flags & VMA_LAZY)) {
        ret = vm_commit(old, old_len, prot | PROT_READ);
        if (ret < 0)
            goto out_release;
    }
    ret = vm_commit(a, new_len, PROT_READ | PROT_WRITE);
    if (ret < 0)
        goto out_restore;
    memcpy((void *)a, (const void *)old, MIN(old_len, new_len));
    if (tmpl.flags & VMA_PATCHED) {
        /* Rewritten syscall sites jump relative to where they were: the copy gets the file's
         * bytes (its sites trap, and are rewritten, again). */
        ret = vm_restore_file_bytes(&tmpl.key, tmpl.off, a, a + MIN(old_len, new_len));
        if (ret < 0)
            goto out_discard;
    }
    if (prot != (PROT_READ | PROT_WRITE)) {
        ret = vm_commit(a, new_len, prot);
        if (ret < 0)
            goto out_discard;
    }
    /* Grown past its old end, the copy holds zeros there, not the file's bytes. */
    unsigned flags = new_len > old_len ? tmpl.flags & ~VMA_PRISTINE : tmpl.flags;
    flags &= ~(VMA_LAZY | VMA_PATCHED); /* the copy was committed with prot, and cleaned */
    struct vma v = {a, a + new_len, prot, flags, tmpl.off, tmpl.name, tmpl.key};
    vm_name_get(tmpl.name);
    size_t k = vma_insert(vm, &v);
    vma_merge_around(vm, k, k);

    if (keep_old) {
        /* Linux leaves the old range mapped; anonymous pages there read as zero. */
        vma_forget_contents(vm, old, old + old_len);
        vm_discard(old, old_len);
        if (prot != PROT_NONE && vm_commit(old, old_len, prot) < 0)
            vma_unmap_locked(vm, old, old + old_len, true);
    } else {
        vma_unmap_locked(vm, old, old + old_len, true);
    }
    *dst = a;
    return 0;

out_discard:
    vm_discard(a, new_len);
out_restore:
    if (!(prot & PROT_READ) || (tmpl.flags & VMA_LAZY))
        vm_commit(old, old_len, prot); /* best effort: back to the mapping's protection */
out_release:
    urange_unmap(vm, a, new_len);
    return ret;
}

/* Grows VMA index i (ending at old_end) in place by `more` bytes, if the range is free. */
static int grow_locked(struct vm_space *vm, size_t i, uint64_t more)
{
    uint64_t a = vm->v[i].end;
    int ret = vm_reserve(vm, &a, more, URANGE_NOREPLACE, NULL, 0, NULL);
    if (ret < 0)
        return ret;
    int prot = vm->v[i].prot;
    /* A file VMA gets zeros here; a PROT_NONE anonymous one stays uncommitted (vma.c). */
    if ((vm->v[i].flags & VMA_FILE) || prot != PROT_NONE) {
        ret = vm_commit(a, more, prot);
        if (ret < 0) {
            urange_unmap(vm, a, more);
            return ret;
        }
    }
    vm->v[i].end += more;
    vm->v[i].flags &= ~VMA_PRISTINE; /* the new part holds zeros, not the file's bytes */
    vma_merge_around(vm, i, i);
    return 0;
}

long vm_mremap(struct vm_space *vm, uint64_t old_addr, uint64_t old_len, uint64_t new_len,
               int flags, uint64_t new_addr)
{
    if (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP))
        return -EINVAL;
    if ((flags & (MREMAP_FIXED | MREMAP_DONTUNMAP)) && !(flags & MREMAP_MAYMOVE))
        return -EINVAL;
    if (!IS_ALIGNED(old_addr, PAGE_SIZE))
        return -EINVAL;
    if ((flags & MREMAP_DONTUNMAP) && old_len != new_len)
        return -EINVAL;
    if (old_len > UINT64_MAX - PAGE_SIZE || new_len > UINT64_MAX - PAGE_SIZE)
        return -EINVAL;
    old_len = ALIGN_UP(old_len, PAGE_SIZE);
    new_len = ALIGN_UP(new_len, PAGE_SIZE);
    if (new_len == 0)
        return -EINVAL;
    if (old_len == 0) {
        /* Linux duplicates a shared mapping here; we cannot share pages yet. */
        log_warn("mremap with old_len 0 (duplicating a mapping) is not supported");
        return -EINVAL;
    }
    if (range_wraps(old_addr, old_len))
        return -EFAULT;
    bool fixed = flags & MREMAP_FIXED;
    if (fixed) {
        if (!IS_ALIGNED(new_addr, PAGE_SIZE) || range_wraps(new_addr, new_len))
            return -EINVAL;
        if (new_addr < old_addr + old_len && old_addr < new_addr + new_len)
            return -EINVAL;
    }

    spin_lock(&vm->lock);
    long ret = vma_prepare(vm, 4);
    if (ret < 0)
        goto out;
    ret = vma_unsplit(vm, old_addr, old_addr + old_len);
    if (ret < 0)
        goto out;
    size_t i = vma_index(vm, old_addr);
    if (i == vm->n || vm->v[i].start > old_addr || vm->v[i].end < old_addr + old_len) {
        ret = -EFAULT; /* the old range must lie inside one mapping */
        goto out;
    }
    if (fixed || (flags & MREMAP_DONTUNMAP)) {
        uint64_t dst = new_addr;
        ret = move_locked(vm, i, old_addr, old_len, new_len, &dst, fixed, flags & MREMAP_DONTUNMAP);
        ret = ret < 0 ? ret : (long)dst;
        goto out;
    }
    if (new_len <= old_len) {
        if (new_len < old_len)
            vma_unmap_locked(vm, old_addr + new_len, old_addr + old_len, true);
        ret = (long)old_addr;
        goto out;
    }
    if (vm->v[i].end == old_addr + old_len && grow_locked(vm, i, new_len - old_len) == 0) {
        ret = (long)old_addr;
        goto out;
    }
    if (!(flags & MREMAP_MAYMOVE)) {
        ret = -ENOMEM;
        goto out;
    }
    uint64_t dst = 0;
    ret = move_locked(vm, i, old_addr, old_len, new_len, &dst, false, false);
    ret = ret < 0 ? ret : (long)dst;
out:
    spin_unlock(&vm->lock);
    return ret;
}

/* Zeroes the anonymous pages of [start, end) in VMA v (DONTNEED); file pages are left. */
static int zap(const struct vma *v, uint64_t start, uint64_t end)
{
    if (v->flags & VMA_FILE) {
        /* Linux would re-read the file; its contents were copied at mmap time, so the
         * closest safe answer is to leave the pages as they are. */
        log_debug("madvise(DONTNEED) on a file mapping at %#lx: pages kept", (unsigned long)start);
        return 0;
    }
    vm_discard(start, end - start);
    return v->prot == PROT_NONE ? 0 : vm_commit(start, end - start, v->prot);
}

int vm_madvise(struct vm_space *vm, uint64_t addr, uint64_t len, int advice)
{
    if (!IS_ALIGNED(addr, PAGE_SIZE) || len > UINT64_MAX - PAGE_SIZE)
        return -EINVAL;
    len = ALIGN_UP(len, PAGE_SIZE);
    if (range_wraps(addr, len))
        return -EINVAL;
    switch (advice) {
    case MADV_NORMAL:
    case MADV_RANDOM:
    case MADV_SEQUENTIAL:
    case MADV_WILLNEED:
    case MADV_DONTNEED:
    case MADV_FREE:
    case MADV_REMOVE:
    case MADV_DONTFORK:
    case MADV_DOFORK:
    case MADV_MERGEABLE:
    case MADV_UNMERGEABLE:
    case MADV_HUGEPAGE:
    case MADV_NOHUGEPAGE:
    case MADV_DONTDUMP:
    case MADV_DODUMP:
    case MADV_WIPEONFORK:
    case MADV_KEEPONFORK:
    case MADV_COLD:
    case MADV_PAGEOUT:
    case MADV_POPULATE_READ:
    case MADV_POPULATE_WRITE:
    case MADV_DONTNEED_LOCKED:
    case MADV_COLLAPSE:
        break;
    case MADV_HWPOISON:
    case MADV_SOFT_OFFLINE:
        return -EPERM; /* needs CAP_SYS_ADMIN in Linux */
    default:
        return -EINVAL;
    }
    if (len == 0)
        return 0;
    uint64_t end = addr + len;

    spin_lock(&vm->lock);
    int ret = 0;
    uint64_t at = addr;
    for (size_t i = vma_index(vm, addr); i < vm->n && vm->v[i].start < end; i++) {
        const struct vma *v = &vm->v[i];
        if (v->start > at)
            ret = -ENOMEM; /* a hole: Linux still advises the mapped parts */
        uint64_t s = MAX(v->start, addr), e = MIN(v->end, end);
        at = v->end;
        switch (advice) {
        case MADV_DONTNEED:
        case MADV_DONTNEED_LOCKED:
            if (zap(v, s, e) < 0)
                ret = -ENOMEM;
            break;
        case MADV_REMOVE:
            if (!(v->flags & VMA_SHARED)) {
                ret = -EINVAL;
                goto out;
            }
            if (zap(v, s, e) < 0)
                ret = -ENOMEM;
            break;
        case MADV_FREE:
            /* Contents may stay until the pages are reused: keeping them is a valid answer. */
            if (v->flags & VMA_FILE) {
                ret = -EINVAL;
                goto out;
            }
            break;
        default:
            break;
        }
    }
    if (at < end)
        ret = -ENOMEM;
out:
    spin_unlock(&vm->lock);
    return ret;
}
