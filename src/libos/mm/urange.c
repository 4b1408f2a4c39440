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
 * Reclaimable extents: pages retained for reuse (retained.c) are held by the dummy owner
 * `urange_reclaimable`. They count as taken for an ordinary gap search, but as free for a
 * range a mapping asks for by address (a hint, MAP_FIXED, MAP_FIXED_NOREPLACE) and for a gap
 * search that found nothing else: the mapping then takes them over ("steals" them), and the
 * caller learns which pieces it stole, since their pages still hold contents.
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

static struct vm_space reclaim_owner; /* identity only: never locked or used otherwise */
const struct vm_space *const urange_reclaimable = &reclaim_owner;

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
    struct extent *e = karray_grow(ext, &ncap, next + extra, sizeof(*ext), 64);
    if (!e)
        return -ENOMEM;
    ext = e;
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

/* Is anything but reclaimable pages in [a, b)? Is anything there not owned by owner? */
static void ext_probe(uint64_t a, uint64_t b, const struct vm_space *owner, bool *any,
                      bool *foreign)
{
    *any = *foreign = false;
    for (size_t i = ext_index(a); i < next && ext[i].start < b; i++) {
        if (ext[i].owner == urange_reclaimable)
            continue;
        *any = true;
        if (ext[i].owner != owner)
            *foreign = true;
    }
}

/* Highest page-aligned range of len bytes that is free (or, with `reclaim`, free or
 * reclaimable), or 0. */
static uint64_t find_gap(uint64_t len, bool reclaim)
{
    uint64_t gap_end = ur_end;
    for (size_t i = next;; i--) {
        while (reclaim && i && ext[i - 1].owner == urange_reclaimable)
            i--;
        uint64_t gap_start = i ? ext[i - 1].end : ur_base;
        if (gap_end - gap_start >= len)
            return ALIGN_DOWN(gap_end - len, PAGE_SIZE);
        if (i == 0)
            return 0;
        gap_end = ext[i - 1].start;
    }
}

/* Gives back owner's parts of [addr, b). False if a needed split found no room (logged; the
 * range stays reserved). */
static bool ext_release(const struct vm_space *owner, uint64_t addr, uint64_t b)
{
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
                          (unsigned long)addr, (unsigned long)(b - addr));
                return false;
            }
            e = &ext[i];
            uint64_t old_end = e->end;
            e->end = addr;
            ext_insert_at(i + 1, b, old_end, owner);
            return true;
        } else if (e->start < addr) {
            e->end = addr;
            i++;
        } else {
            e->start = b;
            return true;
        }
    }
    return true;
}

/* Records the reclaimable pieces of [a, b) in *stolen. -EAGAIN if there are too many. */
static int ext_list_reclaimable(uint64_t a, uint64_t b, struct urange_stolen *stolen)
{
    stolen->n = 0;
    for (size_t i = ext_index(a); i < next && ext[i].start < b; i++) {
        if (ext[i].owner != urange_reclaimable)
            continue;
        if (stolen->n == URANGE_MAX_STOLEN)
            return -EAGAIN;
        stolen->piece[stolen->n++] =
            (struct urange_piece){MAX(ext[i].start, a), MIN(ext[i].end, b)};
    }
    return 0;
}

/* Reserves room for stealing up to URANGE_MAX_STOLEN pieces. */
static int ext_prepare_steal(void)
{
    return ext_prepare(2 * URANGE_MAX_STOLEN + 1);
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

/* Moves the listed reclaimable pieces to owner. Room for 2 more extents per piece must have
 * been prepared (a release split and a claim). */
static void ext_steal(const struct urange_stolen *stolen, const struct vm_space *owner)
{
    for (size_t k = 0; k < stolen->n; k++) {
        const struct urange_piece *p = &stolen->piece[k];
        ext_release(urange_reclaimable, p->start, p->end); /* room prepared: cannot fail */
        ext_claim(p->start, p->end, owner);
    }
}

int urange_map(const struct vm_space *owner, uint64_t *addr, uint64_t len, enum urange_mode mode,
               struct urange_stolen *stolen)
{
    uint64_t a = *addr;
    int ret = 0;
    BUG_ON(!len || !IS_ALIGNED(len, PAGE_SIZE) || !IS_ALIGNED(a, PAGE_SIZE));
    stolen->n = 0;

    spin_lock(&urange_lock);
    if (ext_prepare_steal() < 0) {
        ret = -ENOMEM;
        goto out;
    }
    if (mode == URANGE_ANY) {
        bool any, foreign;
        if (a && urange_contains(a, len))
            ext_probe(a, a + len, NULL, &any, &foreign);
        if (!(a && urange_contains(a, len) && !any)) {
            a = find_gap(len, false);
            if (!a)
                a = find_gap(len, true);
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
    ret = ext_list_reclaimable(a, a + len, stolen);
    if (ret < 0) {
        stolen->n = 0;
        goto out;
    }
    ext_steal(stolen, owner);
    ext_claim(a, a + len, owner);
    *addr = a;
out:
    spin_unlock(&urange_lock);
    return ret;
}

bool urange_available(uint64_t addr, uint64_t len)
{
    if (!urange_contains(addr, len))
        return false;
    bool any, foreign;
    spin_lock(&urange_lock);
    ext_probe(addr, addr + len, NULL, &any, &foreign);
    spin_unlock(&urange_lock);
    return !any;
}

int urange_steal(const struct vm_space *owner, uint64_t addr, uint64_t len,
                 struct urange_stolen *stolen)
{
    spin_lock(&urange_lock);
    int ret = ext_prepare_steal();
    if (ret == 0)
        ret = ext_list_reclaimable(addr, addr + len, stolen);
    if (ret == 0)
        ext_steal(stolen, owner);
    else
        stolen->n = 0;
    spin_unlock(&urange_lock);
    return ret;
}

int urange_transfer(const struct vm_space *from, const struct vm_space *to, uint64_t addr,
                    uint64_t len)
{
    spin_lock(&urange_lock);
    bool any, foreign;
    ext_probe(addr, addr + len, from, &any, &foreign);
    int ret = ext_prepare(2) < 0 ? -ENOMEM : foreign || !any ? -EINVAL : 0;
    if (ret == 0 && ext_release(from, addr, addr + len))
        ext_claim(addr, addr + len, to);
    else if (ret == 0)
        ret = -ENOMEM;
    spin_unlock(&urange_lock);
    return ret;
}

void urange_unmap(const struct vm_space *owner, uint64_t addr, uint64_t len)
{
    spin_lock(&urange_lock);
    ext_release(owner, addr, addr + len);
    spin_unlock(&urange_lock);
}

void urange_walk(void (*fn)(uint64_t, uint64_t, const struct vm_space *, void *), void *arg)
{
    spin_lock(&urange_lock);
    for (size_t i = 0; i < next; i++)
        fn(ext[i].start, ext[i].end, ext[i].owner, arg);
    spin_unlock(&urange_lock);
}
