/*
 * Internals shared by the mm/ files that implement the user range and vm_space (urange.c,
 * vma.c, vma_remap.c). Nothing outside mm/ includes this.
 *
 * Two levels of bookkeeping:
 *   - urange (global, urange_lock): which parts of the user range belong to which vm_space,
 *     as a sorted array of extents; adjacent extents of one owner are merged. It answers
 *     "is this free?" and "where is a gap?" across every process.
 *   - vm_space (per process, vm->lock): the process's VMAs, a sorted array with protections,
 *     kind and name.
 * Invariant: the union of a vm_space's VMAs equals the union of the extents it owns.
 * Lock order: vm->lock, then urange_lock (taken inside the urange_* functions only), then
 * the heap lock. urange_lock is never held across a host call.
 */
#ifndef LIBOS_MM_VM_INTERNAL_H
#define LIBOS_MM_VM_INTERNAL_H

#include "mm/mm.h"
#include "occlum/abi.h"
#include "util/spinlock.h"

/* A VMA's name ("[heap]", "[stack]", a file path): refcounted (atomically, since static names
 * are shared by every process), so splitting a VMA never allocates. */
struct vm_name {
    int refs;
    char str[];
};

#define VMA_SHARED 1u /* MAP_SHARED ("s" in maps); anonymous shared acts as private for now */
#define VMA_FILE   2u /* contents were read from a file at `off` */

struct vma {
    uint64_t start, end;  /* page aligned, start < end */
    int prot;             /* PROT_READ | PROT_WRITE | PROT_EXEC */
    unsigned flags;       /* VMA_* */
    uint64_t off;         /* file offset of `start` (VMA_FILE) */
    struct vm_name *name; /* NULL for plain anonymous memory; one reference */
};

/* A MAP_SHARED mapping of a file opened read-write: what its pages are written back to when
 * they are unmapped or msync'ed (vma_shared.c). */
struct shared_map {
    uint64_t start, end;   /* the part still mapped */
    uint64_t off;          /* file offset of `start` */
    struct file *file;     /* referenced */
    struct shared_map *next;
};

struct vm_space {
    spinlock_t lock;
    struct shared_map *shared; /* guarded by lock */
    struct vma *v;     /* sorted by start, non-overlapping; guarded by lock */
    size_t n, cap;     /* guarded by lock */
    uint64_t brk_base; /* guarded by lock; 0 until vm_set_brk_base */
    uint64_t brk_cur;  /* guarded by lock */
};

/* ---- vma_shared.c: write-back of shared file mappings ---- */

/* Records [start, end) as a shared mapping of `file` at `off` (takes a file reference);
 * -ENOMEM. vm->lock held. */
int shared_map_add(struct vm_space *vm, uint64_t start, uint64_t end, struct file *file,
                   uint64_t off);
/* Writes the shared mappings' pages in [start, end) back to their files, and, if `forget`,
 * stops tracking that range (it is being unmapped). vm->lock held; the pages must still be
 * mapped. Returns 0 or the first write error. */
int shared_map_writeback(struct vm_space *vm, uint64_t start, uint64_t end, bool forget);

/* ---- urange.c: the global user-range allocator ---- */

enum urange_mode {
    URANGE_ANY,       /* *addr is a hint (0: none); any free range of len bytes will do */
    URANGE_FIXED,     /* exactly *addr; parts owned by `owner` may already be there */
    URANGE_NOREPLACE, /* exactly *addr; nothing may be there */
};
/* Reserves len bytes (page aligned) for owner. Returns 0 and sets *addr, or -ENOMEM (no gap,
 * outside the user range, another process's range in the way for URANGE_FIXED), -EEXIST
 * (URANGE_NOREPLACE and something is there). */
int urange_map(const struct vm_space *owner, uint64_t *addr, uint64_t len, enum urange_mode mode);
/* Gives back the parts of [addr, addr+len) that owner holds. Never fails (if growing the table
 * for a split is impossible the range stays reserved, logged). */
void urange_unmap(const struct vm_space *owner, uint64_t addr, uint64_t len);
/* True if [addr, addr+len) lies inside the user range (overflow-safe). */
bool urange_contains(uint64_t addr, uint64_t len);
/* For tests: calls fn for each extent in address order, under urange_lock. */
void urange_walk(void (*fn)(uint64_t start, uint64_t end, const struct vm_space *owner, void *arg),
                 void *arg);

/* ---- vma.c helpers used by vma_remap.c (all need vm->lock held) ---- */

/* Makes room for `extra` more VMAs so that the following operation cannot fail halfway. */
int vma_prepare(struct vm_space *vm, size_t extra);
/* Index of the first VMA with end > addr (vm->n if none). */
size_t vma_index(const struct vm_space *vm, uint64_t addr);
/* Splits the VMA strictly containing addr, if any (room must have been prepared). */
void vma_split(struct vm_space *vm, uint64_t addr);
/* Inserts a VMA (the range must be free in vm; room prepared). Returns its index. */
size_t vma_insert(struct vm_space *vm, const struct vma *v);
/* Merges compatible neighbours around indices [lo, hi] (clamped). */
void vma_merge_around(struct vm_space *vm, size_t lo, size_t hi);
/* Removes every mapping of vm in [start, end) and discards its pages; with release, also
 * gives the range back to the user-range allocator. Room for 2 splits must be prepared. */
void vma_unmap_locked(struct vm_space *vm, uint64_t start, uint64_t end, bool release);
/* True if [start, end) is entirely covered by vm's VMAs (no hole). */
bool vma_covered(const struct vm_space *vm, uint64_t start, uint64_t end);
/* host_mem_commit / host_mem_discard for user pages; a failed discard is fatal (the pages
 * would keep their contents for the next owner). */
int vm_commit(uint64_t addr, uint64_t len, int prot);
void vm_discard(uint64_t addr, uint64_t len);
void vm_name_get(struct vm_name *name);
void vm_name_put(struct vm_name *name);

#endif
