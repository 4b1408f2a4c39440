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

#include "fs/content_key.h"
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
/* Private mapping of immutable file bytes (`key`), never writable since: its pages hold the
 * file's bytes at `off` and may be kept for reuse when unmapped (retained.c). */
#define VMA_PRISTINE 4u
/* Adopted pages not yet given `prot` on the host (they are PROT_NONE there, never more than
 * prot): the first access, by the guest (a fault: vm_fault_fixup) or by the LibOS
 * (vm_range_ok_locked), commits prot. Changing a present page's protection costs the host a
 * page-table update, and most of a library's kept pages are never touched by a short run. */
#define VMA_LAZY 8u
/* A pristine VMA whose pages may hold syscall fast-path rewrites (syscall/fastpath.c): code
 * equivalent to the file's, fine to execute, but not the file's bytes. Where such pages are
 * used without PROT_EXEC they first get the file's bytes back (key.read): when a lazy VMA is
 * first touched, when mprotect drops PROT_EXEC, when mremap moves them. */
#define VMA_PATCHED 16u

struct vma {
    uint64_t start, end;  /* page aligned, start < end */
    int prot;             /* PROT_READ | PROT_WRITE | PROT_EXEC */
    unsigned flags;       /* VMA_* */
    uint64_t off;         /* file offset of `start` (VMA_FILE) */
    struct vm_name *name; /* NULL for plain anonymous memory; one reference */
    struct content_key key; /* VMA_PRISTINE: whose bytes */
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
/* The owner of pages kept for reuse (retained.c); see urange.c on reclaimable extents. */
extern const struct vm_space *const urange_reclaimable;

/* The reclaimable pieces a reservation took over: their pages still hold what was retained
 * there, so the caller must hand them to retained_take. */
#define URANGE_MAX_STOLEN 32
struct urange_stolen {
    size_t n;
    struct urange_piece {
        uint64_t start, end;
    } piece[URANGE_MAX_STOLEN];
};

/* Reserves len bytes (page aligned) for owner, taking over reclaimable pages in the way (listed
 * in *stolen). Returns 0 and sets *addr, or -ENOMEM (no gap, outside the user range, another
 * process's range in the way for URANGE_FIXED), -EEXIST (URANGE_NOREPLACE and something is
 * there), -EAGAIN (more than URANGE_MAX_STOLEN reclaimable pieces in the way: nothing done). */
int urange_map(const struct vm_space *owner, uint64_t *addr, uint64_t len, enum urange_mode mode,
               struct urange_stolen *stolen);
/* True if [addr, addr+len) is in the user range and free or reclaimable (a hint's check; the
 * answer may change at once). */
bool urange_available(uint64_t addr, uint64_t len);
/* Takes over only the reclaimable pieces of [addr, addr+len) for owner (listed in *stolen).
 * 0, -EAGAIN (too many pieces), -ENOMEM. */
int urange_steal(const struct vm_space *owner, uint64_t addr, uint64_t len,
                 struct urange_stolen *stolen);
/* Hands [addr, addr+len), which `from` holds, to `to`. 0, -EINVAL (another owner's pages in
 * the range), -ENOMEM. */
int urange_transfer(const struct vm_space *from, const struct vm_space *to, uint64_t addr,
                    uint64_t len);
/* Gives back the parts of [addr, addr+len) that owner holds. Never fails (if growing the table
 * for a split is impossible the range stays reserved, logged). */
void urange_unmap(const struct vm_space *owner, uint64_t addr, uint64_t len);
/* True if [addr, addr+len) lies inside the user range (overflow-safe). */
bool urange_contains(uint64_t addr, uint64_t len);
/* For tests: calls fn for each extent in address order, under urange_lock. */
void urange_walk(void (*fn)(uint64_t start, uint64_t end, const struct vm_space *owner, void *arg),
                 void *arg);

/* ---- page runs: sorted, disjoint page ranges (at most URANGE_MAX_STOLEN; more are dropped,
 * which only costs a copy) ---- */
struct page_runs {
    size_t n;
    struct page_run {
        uint64_t start, end;
        bool hidden;  /* PROT_NONE on the host now */
        bool patched; /* may hold fast-path rewrites (VMA_PATCHED) */
    } r[URANGE_MAX_STOLEN];
};
void page_runs_add(struct page_runs *runs, uint64_t start, uint64_t end, bool hidden,
                   bool patched);

/* ---- retained.c: pages kept for a later mapping of the same file bytes ---- */

/* Keeps [start, end) of vm, a VMA_PRISTINE range holding `key`'s bytes from `off`, instead of
 * discarding it: the range leaves vm (urange) and its pages become inaccessible (`hidden`:
 * the caller made them so). vm->lock held. False if it cannot be kept (too big, no memory):
 * the caller discards it. */
bool retained_keep(struct vm_space *vm, uint64_t start, uint64_t end,
                   const struct content_key *key, uint64_t off, bool patched, bool hidden);
/* Where byte `off` of `key` is kept (page aligned), or 0. */
uint64_t retained_where(const struct content_key *key, uint64_t off);
/* After urange_map stole *st for a mapping at map_start of `key` from map_off (key NULL: not
 * a keyed file mapping): forgets the stolen pieces, and adds to *adopt the parts that hold
 * exactly the mapping's bytes at their addresses. The caller discards the rest. */
void retained_take(const struct urange_stolen *st, const struct content_key *key,
                   uint64_t map_start, uint64_t map_off, struct page_runs *adopt);
/* Evicts everything kept. */
void retained_evict_all(void);
/* Bytes kept now (for tests and statistics). */
uint64_t retained_bytes(void);

/* ---- vma.c helpers used by vma_remap.c (all need vm->lock held) ---- */

/* Reserves like urange_map; stolen retained pages are adopted (listed in *adopt, which is
 * overwritten, if key and adopt are not NULL and they hold key's bytes from `off` at *addr
 * on) or discarded. */
int vm_reserve(struct vm_space *vm, uint64_t *addr, uint64_t len, enum urange_mode mode,
               const struct content_key *key, uint64_t off, struct page_runs *adopt);
/* ---- vma_reuse.c: the page states reuse brings (all need vm->lock held) ---- */

/* Commits prot to [addr, addr+len) except the adopted runs still hidden on the host. */
int vma_commit_except_hidden(uint64_t addr, uint64_t len, int prot, const struct page_runs *adopt);
/* Splits new VMA i at the adopted runs that need VMA_LAZY (with `lazy`) or VMA_PATCHED and
 * marks them (room for 2 splits per run prepared); returns the index of the VMA that now
 * starts where VMA i did. */
size_t vma_mark_adopted(struct vm_space *vm, size_t i, const struct page_runs *adopt, bool lazy);
/* Gives the adopted runs that may hold fast-path rewrites the file's bytes back (not the
 * hidden ones if `lazy`: they are restored at first use), for a mapping without PROT_EXEC. */
int vma_restore_patched_runs(const struct content_key *key, uint64_t map_start,
                             uint64_t map_off, struct page_runs *adopt, bool lazy);
/* Gives VMA i protection `prot` on the host, restoring the file's bytes of a patched VMA
 * first if prot does not let them be executed. */
int vma_commit(struct vm_space *vm, size_t i, int prot);
/* Gives lazy VMA i its protection on the host. */
int vma_unlazy(struct vm_space *vm, size_t i);

/* True if Linux would see VMAs a and b (a just before b) as one mapping: they differ at most
 * in what the LibOS knows of their pages (VMA_PRISTINE, VMA_LAZY, VMA_PATCHED). */
bool vma_linux_same(const struct vma *a, const struct vma *b);
/* Makes [start, end) one VMA if Linux would see one mapping there (lazy pieces committed,
 * rewritten code restored), so that mremap can take it. 0 or -errno; nothing to do is 0.
 * Room for no extra VMA is needed (it only merges). */
int vma_unsplit(struct vm_space *vm, uint64_t start, uint64_t end);
/* Reads the bytes of `key` from `off` back into [start, end) (writable on the host now; zeros
 * past the end of the file): undoes fast-path rewrites for a use that is not execution. */
int vm_restore_file_bytes(const struct content_key *key, uint64_t off, uint64_t start,
                          uint64_t end);
/* Clears VMA_PRISTINE in [start, end) (its pages no longer hold the file's bytes). Room for
 * 2 splits must be prepared. */
void vma_forget_contents(struct vm_space *vm, uint64_t start, uint64_t end);

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
