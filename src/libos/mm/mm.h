/*
 * LibOS memory management: the LibOS heap, and the user range in which every guest
 * process's mappings live.
 *
 * All guest processes share one address space (DESIGN.md), so the user range is one global
 * resource: a range belongs to at most one process. Each process has a vm_space listing its
 * mappings (VMAs); the user-range allocator finds free gaps across all of them. Pages of the
 * user range are made accessible and inaccessible through the platform (ocall/ocall.h:
 * host_mem_commit / host_mem_discard); a page that is not part of any mapping is always
 * inaccessible, and freshly mapped anonymous memory always reads as zero.
 *
 * Locking: each vm_space has its own lock, and the user-range allocator one global lock,
 * always taken after a vm_space lock, never before.
 */
#ifndef LIBOS_MM_MM_H
#define LIBOS_MM_MM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct file;
struct vm_space;

/* ---- LibOS heap (kernel_space_heap_size) ---- */

/* Called once at start-up with the heap range from the enclave layout. */
void heap_init(uint64_t base, uint64_t size);
/* NULL when the heap is exhausted (logged once, naming kernel_space_heap_size). 16-byte
 * aligned. */
void *kmalloc(size_t size);
void *kzalloc(size_t size);
void *krealloc(void *p, size_t size);
void kfree(void *p);
/* The kmalloc'd array arr (*cap elements of elem_size bytes) grown to hold at least `need`
 * elements, doubling from min_cap (*cap updated); arr itself if it already does; NULL if
 * memory ran out (arr is then unchanged and still the caller's). */
void *karray_grow(void *arr, size_t *cap, size_t need, size_t elem_size, size_t min_cap);
/* Bytes currently allocated, for /proc/meminfo-like reports and leak tests. */
size_t heap_used(void);

/* ---- user range ---- */

/* Called once at start-up with the user range from the enclave layout. */
void user_range_init(uint64_t base, uint64_t size);
uint64_t user_range_base(void);
uint64_t user_range_size(void);

/* A new, empty address space description for a process; NULL on -ENOMEM. */
struct vm_space *vm_space_create(void);
/* Unmaps everything the process has (returning the pages to the platform) and frees it. */
void vm_space_destroy(struct vm_space *vm);

/*
 * The Linux calls, with Linux's semantics and errors (see mmap(2) and friends). `file` is
 * NULL for anonymous mappings; for a file mapping its contents from `off` are read into the
 * new pages through file_pread (fs/fs.h); a MAP_SHARED mapping of a file open read-write is
 * written back to it when unmapped or msync'ed (vma_shared.c). Addresses outside the user range are -ENOMEM (or -EEXIST/-EINVAL where
 * Linux says so). Returns the address mapped or -errno.
 */
/* For the ELF loader: reserves len bytes PROT_NONE for an image of `file` whose first byte
 * would be at file offset `off` (at exactly addr with `fixed`; else at the hint addr if it is
 * free, else where pages kept from an earlier run hold those bytes, else anywhere). The kept pages that do are mapped
 * from the file (the segments mapped over them with MAP_FIXED then take them as they are);
 * the rest is an empty reservation. Returns the address or -errno (-EEXIST: `fixed` and the
 * range is in use). */
long vm_reserve_image(struct vm_space *vm, uint64_t addr, uint64_t len, bool fixed,
                      struct file *file, uint64_t off);
long vm_mmap(struct vm_space *vm, uint64_t addr, uint64_t len, int prot, int flags,
             struct file *file, uint64_t off);
int vm_munmap(struct vm_space *vm, uint64_t addr, uint64_t len);
int vm_mprotect(struct vm_space *vm, uint64_t addr, uint64_t len, int prot);
long vm_mremap(struct vm_space *vm, uint64_t old_addr, uint64_t old_len, uint64_t new_len,
               int flags, uint64_t new_addr);
int vm_madvise(struct vm_space *vm, uint64_t addr, uint64_t len, int advice);
/* msync(2): writes shared file mappings in the range back to their files. */
int vm_msync(struct vm_space *vm, uint64_t addr, uint64_t len, int flags);
/* Sets where the program break starts (page-aligned end of the loaded executable). */
void vm_set_brk_base(struct vm_space *vm, uint64_t base);
/* brk(2): returns the new break, or the old one when the request cannot be met. */
uint64_t vm_brk(struct vm_space *vm, uint64_t new_brk);
/* True if all of [addr, addr+len) is mapped with at least the PROT_* bits in `prot`. */
bool vm_range_ok(struct vm_space *vm, uint64_t addr, uint64_t len, int prot);
/* Writes the process's mappings, one per line, as /proc/self/maps shows them; returns the
 * length the full text would have (like snprintf). */
size_t vm_format_maps(struct vm_space *vm, char *buf, size_t size);

/* ---- names, the lock for guest-memory access, the current address space ---- */

/* Names the mappings in [addr, addr+len) for /proc/self/maps ("[stack]", a file path; NULL
 * clears), splitting VMAs at the edges. The name is copied. 0, -EINVAL (unaligned, len 0),
 * -ENOMEM (part of the range unmapped, or no memory). */
int vm_set_name(struct vm_space *vm, uint64_t addr, uint64_t len, const char *name);
/* The vm_space lock, for callers that must keep a checked range mapped while they use it
 * (util/uaccess.c holds it across check and copy). No other mm call may be made while
 * holding it, except vm_range_ok_locked. */
void vm_lock(struct vm_space *vm);
void vm_unlock(struct vm_space *vm);
/* vm_range_ok with vm_lock already held. Pages the range may be used with whose protection
 * the host does not have yet (lazily committed adopted pages) get it first, so the caller can
 * touch them. */
bool vm_range_ok_locked(struct vm_space *vm, uint64_t addr, uint64_t len, int prot);
/* The syscall fast path rewrote code in [start, end): pristine file pages there no longer hold
 * exactly the file's bytes (mm/vm_internal.h: VMA_PATCHED). vm_lock held. */
void vm_mark_patched_locked(struct vm_space *vm, uint64_t start, uint64_t end);
/* A guest fault at addr: true if it hit pages whose protection was not committed yet (now it
 * is: retry the access), false if it is the guest's own fault. */
bool vm_fault_fixup(struct vm_space *vm, uint64_t addr);
/* The calling thread's process's vm_space, or NULL when no guest process is current (early
 * start-up). (mm/current.c; a seam that host-built unit tests replace.) */
struct vm_space *current_vm(void);

#endif
