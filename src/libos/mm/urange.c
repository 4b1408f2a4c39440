/*
 * The user-range allocator: which parts of the one shared user range belong to which process
 * (DESIGN.md: all processes live in one address space, so a range belongs to at most one).
 *
 * Data structure: a sorted array of extents {start, end, owner}; touching extents of the same
 * owner are merged, so a process with thousands of adjacent VMAs usually owns a handful of
 * extents here. Lookups are binary searches; inserts and removals memmove the tail, which for
 * a few thousand 24-byte entries is a few microseconds. Gap search scans from the top down
 * (as Linux's mmap does), so new mappings stay away from the low addresses where non-PIE
 * executables and their brk heaps live.
 *
 * Locking: urange_lock guards everything here. It is taken after a vm_space lock (mm.h), is
 * never held across a host call, and may call kmalloc (the heap lock is a leaf).
 */
#include "mm/vm_internal.h"
#include "uapi/errno.h"
#include "util/compiler.h"
#include "util/log.h"
#include "util/string.h"

struct extent {
    uint64_t start, end;
    const struct vm_space *owner;
};

static spinlock_t urange_lock = SPINLOCK_INIT;
static uint64_t ur_base, ur_end; /* written once at init */
static struct extent *ext;       /* guarded by urange_lock */
static size_t next, ncap;        /* guarded by urange_lock */

void user_range_init(uint64_t base, uint64_t size)
{
    BUG_ON(!IS_ALIGNED(base, PAGE_SIZE) || !IS_ALIGNED(size, PAGE_SIZE) ||
           range_wraps(base, size) || size == 0);
    ur_base = base;
    ur_end = base + size;
}

uint64_t user_range_base(void)
{
    return ur_base;
}

uint64_t user_range_size(void)
{
    return ur_end - ur_base;
}

bool urange_contains(uint64_t addr, uint64_t len)
{
    return !range_wraps(addr, len) && addr >= ur_base && addr + len <= ur_end;
}

static int ext_prepare(size_t extra)
{
    if (next + extra <= ncap)
        return 0;
    size_t cap = ncap ? ncap * 2 : 64;
    while (cap < next + extra)
        cap *= 2;
    struct extent *e = krealloc(ext, cap * sizeof(*e));
    if (!e)
        return -ENOMEM;
    ext = e;
    ncap = cap;
    return 0;
}

/* First extent with end > addr. */
static size_t ext_index(uint64_t addr)
{
    size_t lo = 0, hi = next;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ext[mid].end > addr)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

static void ext_remove(size_t i)
{
    memmove(&ext[i], &ext[i + 1], (next - i - 1) * sizeof(*ext));
    next--;
}

static void ext_insert_at(size_t i, uint64_t start, uint64_t end, const struct vm_space *owner)
{
    memmove(&ext[i + 1], &ext[i], (next - i) * sizeof(*ext));
    ext[i] = (struct extent){start, end, owner};
    next++;
}

/* Is anything in [a, b)? Is anything there not owned by owner? */
static void ext_probe(uint64_t a, uint64_t b, const struct vm_space *owner, bool *any,
                      bool *foreign)
{
    *any = *foreign = false;
    for (size_t i = ext_index(a); i < next && ext[i].start < b; i++) {
        *any = true;
        if (ext[i].owner != owner)
            *foreign = true;
    }
}

static bool ext_free(uint64_t a, uint64_t b)
{
    size_t i = ext_index(a);
    return i == next || ext[i].start >= b;
}

/* Highest page-aligned free range of len bytes, or 0. */
static uint64_t find_gap(uint64_t len)
{
    uint64_t gap_end = ur_end;
    for (size_t i = next;; i--) {
        uint64_t gap_start = i ? ext[i - 1].end : ur_base;
        if (gap_end - gap_start >= len)
            return ALIGN_DOWN(gap_end - len, PAGE_SIZE);
        if (i == 0)
            return 0;
        gap_end = ext[i - 1].start;
    }
}

/* Marks [a, b) as owner's, merging with owner's touching or overlapping extents. The caller
 * has checked that no other owner overlaps, and prepared room for one more extent. */
static void ext_claim(uint64_t a, uint64_t b, const struct vm_space *owner)
{
    uint64_t lo = a, hi = b;
    size_t i = a ? ext_index(a - 1) : 0; /* include an extent ending exactly at a */
    while (i < next && ext[i].start <= b) {
        if (ext[i].owner == owner) {
            lo = MIN(lo, ext[i].start);
            hi = MAX(hi, ext[i].end);
            ext_remove(i);
        } else {
            i++;
        }
    }
    ext_insert_at(ext_index(lo), lo, hi, owner);
}

int urange_map(const struct vm_space *owner, uint64_t *addr, uint64_t len, enum urange_mode mode)
{
    uint64_t a = *addr;
    int ret = 0;
    BUG_ON(!len || !IS_ALIGNED(len, PAGE_SIZE) || !IS_ALIGNED(a, PAGE_SIZE));

    spin_lock(&urange_lock);
    if (ext_prepare(1) < 0) {
        ret = -ENOMEM;
        goto out;
    }
    if (mode == URANGE_ANY) {
        if (!(a && urange_contains(a, len) && ext_free(a, a + len))) {
            a = find_gap(len);
            if (!a) {
                /* Once, and as a warning: programs probe with big reservations and fall
                 * back (glibc reserves 128 MiB for each thread's malloc arena). */
                static bool logged; /* guarded by urange_lock */
                if (!logged)
                    log_warn("user range exhausted (%lu bytes asked): raise "
                              "resource_limits.user_space_size in Occlum.json",
                              (unsigned long)len);
                logged = true;
                ret = -ENOMEM;
                goto out;
            }
        }
    } else {
        if (!urange_contains(a, len)) {
            ret = -ENOMEM;
            goto out;
        }
        bool any, foreign;
        ext_probe(a, a + len, owner, &any, &foreign);
        if (mode == URANGE_NOREPLACE && any) {
            ret = -EEXIST;
            goto out;
        }
        if (foreign) {
            log_warn("MAP_FIXED at %#lx+%#lx overlaps another process's mappings", (unsigned long)a,
                     (unsigned long)len);
            ret = -ENOMEM;
            goto out;
        }
    }
    ext_claim(a, a + len, owner);
    *addr = a;
out:
    spin_unlock(&urange_lock);
    return ret;
}

void urange_unmap(const struct vm_space *owner, uint64_t addr, uint64_t len)
{
    uint64_t b = addr + len;
    spin_lock(&urange_lock);
    for (size_t i = ext_index(addr); i < next && ext[i].start < b;) {
        struct extent *e = &ext[i];
        if (e->owner != owner) {
            i++;
        } else if (e->start >= addr && e->end <= b) {
            ext_remove(i);
        } else if (e->start < addr && e->end > b) {
            /* A hole in the middle: the only case that needs a new entry. */
            if (ext_prepare(1) < 0) {
                log_error("cannot split user-range extent; %#lx+%#lx stays reserved",
                          (unsigned long)addr, (unsigned long)len);
                break;
            }
            e = &ext[i];
            uint64_t old_end = e->end;
            e->end = addr;
            ext_insert_at(i + 1, b, old_end, owner);
            break;
        } else if (e->start < addr) {
            e->end = addr;
            i++;
        } else {
            e->start = b;
            break;
        }
    }
    spin_unlock(&urange_lock);
}

void urange_walk(void (*fn)(uint64_t, uint64_t, const struct vm_space *, void *), void *arg)
{
    spin_lock(&urange_lock);
    for (size_t i = 0; i < next; i++)
        fn(ext[i].start, ext[i].end, ext[i].owner, arg);
    spin_unlock(&urange_lock);
}
