/*
 * Host stand-ins shared by the mm unit tests (test_vma.c: the user range and vm_space;
 * test_retained.c: retained file pages and vm_reserve_image): the platform and LibOS stubs
 * the mm code links against, stand-in files, and the invariant checker (vma_standins.c).
 *
 * The platform is stubbed for real: the "user range" is a PROT_NONE region reserved with host
 * mmap, host_mem_commit is mprotect and host_mem_discard is madvise(DONTNEED) + mprotect
 * (PROT_NONE), so the tests read and write the mapped memory and probe (SIGSEGV) that unmapped
 * memory is really inaccessible. A guest's fault on a page the LibOS makes present lazily
 * (VMA_LAZY, VMA_UNFILLED) goes to vm_fault_fixup and is retried, as the LibOS's SIGSEGV path
 * does (syscall/dispatch.c), so a test touching memory sees what a guest sees. A shadow of every
 * page's committed protection lets check_invariants() verify, after each step:
 *   - a page outside every VMA is discarded, unless it is kept (retained.c); a page inside one
 *     is committed with its protection (anonymous PROT_NONE pages may be uncommitted, lazy
 *     ones may still be PROT_NONE, unfilled ones (VMA_UNFILLED) hold nothing yet);
 *   - VMAs are sorted, page aligned, non-overlapping; no two neighbours are mergeable;
 *   - each process owns exactly the user-range extents its VMAs cover;
 *   - a kept (urange_reclaimable) page is in no VMA, is committed PROT_NONE and holds the
 *     file bytes its record says (checked where retained_where points); retained_bytes()
 *     equals the reclaimable extents' total; a VMA_PRISTINE VMA is a private file mapping,
 *     never writable, and holds its file's bytes.
 * Files may carry a content key (keyed_file), and count the bytes file_pread copied, so the
 * tests prove when pages were adopted (no copy) or read.
 *
 * Each test binary calls standins_init() first and standins_finish() last; a failed CHECK
 * prints file:line and exits 1.
 */
#ifndef TEST_UNIT_VMA_STANDINS_H
#define TEST_UNIT_VMA_STANDINS_H

#include "mm/vm_internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>

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

/* Built against an mm without lazily committed adopted pages, or without pristine mappings
 * filled at first use: nothing is ever lazy, or unfilled. */
#ifndef VMA_LAZY
#define VMA_LAZY 0u
#endif
#ifndef VMA_UNFILLED
#define VMA_UNFILLED 0u
#endif

/* ---- the platform ---- */
extern uint64_t ur;                  /* user range base (UR_PAGES pages) */
extern signed char shadow[UR_PAGES]; /* committed prot per page, -1 discarded */
extern int fail_commit;              /* fault injection: the next host_mem_commit fails */
extern struct vm_space *cur_vm;      /* what current_vm() returns (uaccess) */
extern unsigned long lazy_faults;    /* faults vm_fault_fixup resolved (retried accesses) */

/* Reserves the user range, starts the heap, installs the SIGSEGV handler. */
void standins_init(void);
/* Checks that every vm_space is gone (no extent left) and prints "<name>: ok". */
void standins_finish(const char *name);
/* 1 if the byte at p can be accessed (read, or read and written back), as a guest would. */
int probe(uint64_t p, int write);

/* ---- stand-in files ---- */
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

extern const char fs_a, fs_b; /* two file-system identities for keys */

/* A keyed file of `size` bytes (never freed); `seed` makes its bytes differ from other files'
 * (the first byte of each page also differs from page to page and is never 0). */
struct file *keyed_file(const void *fs, uint64_t ino, size_t size, unsigned seed);
struct content_key key_of(const struct file *f);
/* vm_mmap of a file, remembering how far into it tests map (the checker looks that far).
 * Where pristine mappings are read only at their first use (VMA_UNFILLED), it also uses the
 * whole mapping at once, so that the tests' counts of bytes read and kept stay those of a
 * program that uses what it maps. */
long fmap(struct vm_space *vm, uint64_t addr, uint64_t len, int prot, int flags, struct file *f,
          uint64_t off);
/* Notes that tests look at f up to file offset `end` (for mappings not made by fmap). */
void file_note_span(struct file *f, uint64_t end);
/* Bytes of f in [off, off+len). */
uint64_t file_bytes(const struct file *f, uint64_t off, uint64_t len);
/* True if [addr, addr+len) holds f's bytes from off (zeros past its end). Hidden pages (kept,
 * lazy) are read through a temporary host mprotect, leaving the state as it was; discarded
 * pages hold nothing. */
bool holds_file(uint64_t addr, uint64_t len, const struct file *f, uint64_t off);

/* ---- address spaces and the checker ---- */
/* A new vm_space the checker watches (at most 8 at a time). */
struct vm_space *new_vm(void);
void free_vm(struct vm_space *vm);
size_t nvma(struct vm_space *vm);
/* The VMA containing addr (CHECKs that there is one). */
const struct vma *vma_at(struct vm_space *vm, uint64_t addr);
bool all_bytes(uint64_t a, uint64_t len, unsigned char c);
/* Reclaimable (kept) bytes overlapping [lo, hi), and how many extents (if not NULL). */
uint64_t reclaimable_in(uint64_t lo, uint64_t hi, size_t *extents);
/* Verifies the invariants above over every live vm_space and the whole user range. */
void check_invariants(void);

#endif
