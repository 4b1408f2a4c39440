/*
 * Retained file pages: the memory of a read-only private mapping of immutable file bytes (an
 * image file's code and read-only data), kept when its process unmaps it or exits, so that a
 * later mapping of the same bytes at the same address takes the pages as they are instead of
 * copying the file again.
 *
 * Why: every process has its own copy of the programs and libraries it maps (one address
 * space, no page sharing: DESIGN.md), so spawning /bin/true used to copy ld.so and libc
 * (~2 MiB) and fault in ~500 fresh host pages, and a static-pie program its whole file.
 * Programs that are started again and again (a spawn loop, make, a shell pipeline) map the
 * same files at the same addresses each time; with this cache the second start copies only
 * the pages that were written (data, relocations). Pages of code the syscall fast path has
 * rewritten stay rewritten, which is equivalent code and saves the new process the traps.
 *
 * What may be kept: a VMA marked VMA_PRISTINE, i.e. a private mapping of a file whose
 * inode promises its bytes never change (fs: content_key), never writable since it was made
 * (mprotect adding PROT_WRITE clears the mark; mremap growth too). Its pages hold exactly
 * the file's bytes at its offset (zeros past the end of the file), apart from fast-path
 * rewrites, which its record remembers (VMA_PATCHED): a mapping without PROT_EXEC that adopts
 * such pages gets the file's bytes back before it can see them (vma_reuse.c). An adopting
 * mapping gives the pages their protection at first use (VMA_LAZY), since changing a present
 * page's protection costs the host a page-table update.
 *
 * How: a kept range becomes owned by urange_reclaimable in the user-range allocator and is
 * made inaccessible (PROT_NONE); a record {range, key, file offset} says what it holds. A
 * mapping that needs those addresses steals the range in urange_map and hands the stolen
 * pieces to retained_take, which drops their records and says which parts hold the new
 * mapping's bytes (adopted); the caller discards the rest. mmap of a keyed file without an
 * address hint asks retained_where first, so it lands where the bytes already are.
 *
 * Limits: at most a quarter of the user range is kept; the oldest records are evicted (pages
 * discarded, range freed) to make room. When a reservation would have to steal too many
 * pieces at once, everything is evicted (vm_reserve retries).
 *
 * Locking: retained_lock guards the records and byte count. Order: vm->lock, retained_lock,
 * urange_lock. A record is inserted before its range becomes reclaimable and removed (by
 * retained_take) after its range was stolen, so a stolen page either has its record, or is
 * treated as unknown and discarded by the stealer; the lock is held across the host calls
 * that hide or discard kept pages.
 */
#include "mm/vm_internal.h"
#include "uapi/errno.h"
#include "uapi/linux_types.h"
#include "util/log.h"
#include "util/string.h"

struct kept {
    uint64_t start, end;
    struct content_key key;
    uint64_t off; /* file offset of start */
    uint64_t age; /* insertion serial: the smallest is evicted first */
    bool patched; /* may hold fast-path rewrites (VMA_PATCHED) */
};

static spinlock_t retained_lock = SPINLOCK_INIT;
static struct kept *kept;           /* sorted by start; guarded by retained_lock */
static size_t nkept, capkept;       /* guarded by retained_lock */
static uint64_t kept_bytes, serial; /* guarded by retained_lock */
static struct vm_space evict_owner; /* urange identity of pages being evicted */

static uint64_t kept_limit(void)
{
    return ALIGN_DOWN(user_range_size() / 4, PAGE_SIZE);
}

static bool same_key(const struct content_key *a, const struct content_key *b)
{
    return a->fs == b->fs && a->ino == b->ino;
}

static int kept_prepare(size_t extra)
{
    struct kept *k = karray_grow(kept, &capkept, nkept + extra, sizeof(*kept), 64);
    if (!k)
        return -ENOMEM;
    kept = k;
    return 0;
}

static void kept_remove(size_t i)
{
    kept_bytes -= kept[i].end - kept[i].start;
    memmove(&kept[i], &kept[i + 1], (nkept - i - 1) * sizeof(*kept));
    nkept--;
}

/* Discards the pages of [start, end) that are still reclaimable and frees the range. */
static void evict_range_locked(uint64_t start, uint64_t end)
{
    struct urange_stolen st;
    if (urange_steal(&evict_owner, start, end - start, &st) < 0) {
        log_error("cannot evict retained pages %#lx-%#lx", (unsigned long)start,
                  (unsigned long)end);
        return;
    }
    for (size_t k = 0; k < st.n; k++) {
        vm_discard(st.piece[k].start, st.piece[k].end - st.piece[k].start);
        urange_unmap(&evict_owner, st.piece[k].start, st.piece[k].end - st.piece[k].start);
    }
}

static void evict_oldest_locked(void)
{
    size_t oldest = 0;
    for (size_t i = 1; i < nkept; i++)
        if (kept[i].age < kept[oldest].age)
            oldest = i;
    struct kept k = kept[oldest];
    kept_remove(oldest);
    evict_range_locked(k.start, k.end);
}

bool retained_keep(struct vm_space *vm, uint64_t start, uint64_t end, const struct content_key *key,
                   uint64_t off, bool patched, bool hidden)
{
    uint64_t len = end - start;
    if (len > kept_limit())
        return false;
    spin_lock(&retained_lock);
    while (nkept && kept_bytes + len > kept_limit())
        evict_oldest_locked();
    bool ok = kept_prepare(1) == 0 && (hidden || vm_commit(start, len, PROT_NONE) == 0);
    if (ok) {
        size_t i = 0;
        while (i < nkept && kept[i].start < start)
            i++;
        memmove(&kept[i + 1], &kept[i], (nkept - i) * sizeof(*kept));
        kept[i] = (struct kept){start, end, *key, off, ++serial, patched};
        nkept++;
        kept_bytes += len;
        if (urange_transfer(vm, urange_reclaimable, start, len) < 0) {
            kept_remove(i);
            ok = false;
        }
    }
    spin_unlock(&retained_lock);
    return ok;
}

uint64_t retained_where(const struct content_key *key, uint64_t off)
{
    uint64_t at = 0;
    spin_lock(&retained_lock);
    for (size_t i = 0; i < nkept && !at; i++) {
        const struct kept *k = &kept[i];
        if (same_key(&k->key, key) && off >= k->off && off - k->off < k->end - k->start)
            at = k->start + (off - k->off);
    }
    spin_unlock(&retained_lock);
    return at;
}

/* Forgets [s, e) of record i (which covers it), splitting the record if needed. */
static void kept_cut(size_t i, uint64_t s, uint64_t e)
{
    struct kept *k = &kept[i];
    if (k->start < s && k->end > e) {
        if (kept_prepare(1) < 0) {
            /* No room for the second part: evict both parts (only what is still reclaimable
             * is taken, so the middle the caller stole is left alone). */
            struct kept old = *k;
            kept_remove(i);
            evict_range_locked(old.start, old.end);
            return;
        }
        k = &kept[i];
        struct kept right = *k;
        right.off += e - k->start;
        right.start = e;
        kept_bytes -= e - s;
        k->end = s;
        memmove(&kept[i + 2], &kept[i + 1], (nkept - i - 1) * sizeof(*kept));
        kept[i + 1] = right;
        nkept++;
    } else if (k->start < s) {
        kept_bytes -= k->end - s;
        k->end = s;
    } else if (k->end > e) {
        kept_bytes -= e - k->start;
        k->off += e - k->start;
        k->start = e;
    } else {
        kept_remove(i);
    }
}

void retained_take(const struct urange_stolen *st, const struct content_key *key,
                   uint64_t map_start, uint64_t map_off, struct page_runs *adopt)
{
    spin_lock(&retained_lock);
    for (size_t p = 0; p < st->n; p++) {
        uint64_t ps = st->piece[p].start, pe = st->piece[p].end;
        size_t i = 0;
        while (i < nkept && kept[i].end <= ps)
            i++;
        while (i < nkept && kept[i].start < pe) {
            struct kept *k = &kept[i];
            uint64_t s = MAX(k->start, ps), e = MIN(k->end, pe);
            bool same = key && adopt && same_key(&k->key, key) &&
                        k->off + (s - k->start) == map_off + (s - map_start);
            if (same)
                page_runs_add(adopt, s, e, true, k->patched); /* kept pages are hidden */
            size_t before = nkept;
            kept_cut(i, s, e);
            /* A record cut in two leaves its right part next; one cut short or removed
             * leaves the next record at i (or i + 1 if it kept its left part). */
            if (nkept > before || (nkept == before && kept[i].end <= s))
                i++;
        }
    }
    spin_unlock(&retained_lock);
}

void retained_evict_all(void)
{
    spin_lock(&retained_lock);
    while (nkept) {
        struct kept k = kept[nkept - 1];
        kept_remove(nkept - 1);
        evict_range_locked(k.start, k.end);
    }
    spin_unlock(&retained_lock);
}

uint64_t retained_bytes(void)
{
    spin_lock(&retained_lock);
    uint64_t n = kept_bytes;
    spin_unlock(&retained_lock);
    return n;
}
