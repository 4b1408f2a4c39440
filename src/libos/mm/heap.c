/*
 * The LibOS heap: kmalloc/kfree over the one range [base, base+size) that the enclave layout
 * gives it (kernel_space_heap_size).
 *
 * Design: boundary-tag chunks with segregated free lists (a small dlmalloc).
 *
 *   chunk   = header (16 bytes) + payload; sizes are multiples of 16, >= MIN_CHUNK
 *   header  = size_flags: chunk size | C_FREE | C_PREV_FREE
 *             check:      HEAP_MAGIC ^ chunk address ^ size_flags
 *   free    = header, next/prev free-list links in the payload, and a footer (the chunk size)
 *             in the last 8 bytes, so the chunk after it can find its start
 *
 * Bins: sizes below SMALL_LIMIT each have an exact bin (16-byte steps), so a small request is
 * served from its own bin or the first non-empty bigger one (a bitmap finds it in O(1));
 * larger sizes share power-of-two bins searched first-fit inside the bin. A free chunk is
 * always coalesced with free neighbours at once, so no two free chunks are adjacent. The heap
 * ends with a permanent in-use sentinel header so coalescing never runs off the end.
 *
 * Integrity: every header carries a check word bound to its address and flags. kfree of a
 * pointer whose header does not check, or that is already free, is a BUG_ON (a double free or
 * a heap overflow): going on would hand the same memory out twice.
 *
 * Locking: one spinlock (heap_lock) guards everything below; it is a leaf lock (callers may
 * hold vm_space or other locks; nothing is called with it held).
 */
#include "mm/mm.h"
#include "util/compiler.h"
#include "util/log.h"
#include "util/spinlock.h"
#include "util/string.h"

#define HEAP_MAGIC  0x6b6d616c6c6f6321ULL
#define ALIGNMENT   16UL
#define HDR_SIZE    16UL
#define MIN_CHUNK   48UL /* header + two links + footer, rounded to 16 */
#define C_FREE      1UL
#define C_PREV_FREE 2UL
#define C_FLAGS     (C_FREE | C_PREV_FREE)
#define SMALL_LIMIT 1024UL                    /* exact bins below this chunk size */
#define NUM_SMALL   (SMALL_LIMIT / ALIGNMENT) /* bins 0..63, index = size / 16 */
#define NUM_LARGE   48                        /* bins for 2^10 .. 2^57 and up */
#define NUM_BINS    (NUM_SMALL + NUM_LARGE)

struct chunk {
    uint64_t size_flags;
    uint64_t check;
    /* Only in free chunks: */
    struct chunk *next, *prev;
};

static spinlock_t heap_lock = SPINLOCK_INIT;
static uint64_t heap_base, heap_end; /* guarded by heap_lock (written once at init) */
static size_t heap_used_bytes;       /* guarded by heap_lock */
static bool heap_exhausted_logged;   /* guarded by heap_lock */
static struct chunk *bins[NUM_BINS]; /* guarded by heap_lock */
static uint64_t bin_map[(NUM_BINS + 63) / 64];

static inline uint64_t csize(const struct chunk *c)
{
    return c->size_flags & ~C_FLAGS;
}

static inline void set_hdr(struct chunk *c, uint64_t size_flags)
{
    c->size_flags = size_flags;
    c->check = HEAP_MAGIC ^ (uint64_t)c ^ size_flags;
}

static inline void check_hdr(const struct chunk *c)
{
    BUG_ON((uint64_t)c < heap_base || (uint64_t)c + HDR_SIZE > heap_end);
    BUG_ON(c->check != (HEAP_MAGIC ^ (uint64_t)c ^ c->size_flags));
}

static inline struct chunk *next_chunk(struct chunk *c)
{
    return (struct chunk *)((char *)c + csize(c));
}

static inline void set_footer(struct chunk *c)
{
    *(uint64_t *)((char *)c + csize(c) - 8) = csize(c);
}

static unsigned bin_index(uint64_t size)
{
    if (size < SMALL_LIMIT)
        return (unsigned)(size / ALIGNMENT);
    /* 1024..2047 -> NUM_SMALL, 2048..4095 -> NUM_SMALL+1, ... */
    unsigned log2 = 63 - (unsigned)__builtin_clzll(size);
    unsigned i = NUM_SMALL + (log2 - 10);
    return i < NUM_BINS ? i : NUM_BINS - 1;
}

static void bin_insert(struct chunk *c)
{
    unsigned i = bin_index(csize(c));
    c->prev = NULL;
    c->next = bins[i];
    if (c->next)
        c->next->prev = c;
    bins[i] = c;
    bin_map[i / 64] |= 1ULL << (i % 64);
}

static void bin_remove(struct chunk *c)
{
    unsigned i = bin_index(csize(c));
    if (c->prev)
        c->prev->next = c->next;
    else
        bins[i] = c->next;
    if (c->next)
        c->next->prev = c->prev;
    if (!bins[i])
        bin_map[i / 64] &= ~(1ULL << (i % 64));
}

/* First non-empty bin >= i, or NUM_BINS. */
static unsigned next_bin(unsigned i)
{
    while (i < NUM_BINS) {
        uint64_t word = bin_map[i / 64] & (~0ULL << (i % 64));
        if (word)
            return (i / 64) * 64 + (unsigned)__builtin_ctzll(word);
        i = (i / 64 + 1) * 64;
    }
    return NUM_BINS;
}

/* Marks free chunk c as free in its header and footer, tells its successor, and bins it. */
static void make_free(struct chunk *c, uint64_t size, uint64_t prev_free_flag)
{
    set_hdr(c, size | C_FREE | prev_free_flag);
    set_footer(c);
    struct chunk *n = next_chunk(c);
    check_hdr(n);
    set_hdr(n, n->size_flags | C_PREV_FREE);
    bin_insert(c);
}

void heap_init(uint64_t base, uint64_t size)
{
    uint64_t start = ALIGN_UP(base, ALIGNMENT);
    uint64_t end = ALIGN_DOWN(base + size, ALIGNMENT);
    BUG_ON(end <= start || end - start < MIN_CHUNK + HDR_SIZE);

    spin_lock(&heap_lock);
    heap_base = start;
    heap_end = end;
    struct chunk *first = (struct chunk *)start;
    struct chunk *sentinel = (struct chunk *)(end - HDR_SIZE);
    set_hdr(sentinel, 0); /* in use, size 0: never coalesced, never freed */
    make_free(first, end - HDR_SIZE - start, 0);
    spin_unlock(&heap_lock);
}

/* Chunk size for a request, or 0 if it can never fit. */
static uint64_t request_to_chunk(size_t size)
{
    if (size > heap_end - heap_base)
        return 0;
    uint64_t c = ALIGN_UP((uint64_t)size + HDR_SIZE, ALIGNMENT);
    return c < MIN_CHUNK ? MIN_CHUNK : c;
}

/* Carves `need` bytes off the front of in-use chunk c (already out of its bin), freeing the
 * tail if it is big enough to be a chunk. */
static void split_tail(struct chunk *c, uint64_t need)
{
    uint64_t have = csize(c);
    uint64_t prev_flag = c->size_flags & C_PREV_FREE;
    if (have - need < MIN_CHUNK) {
        set_hdr(c, have | prev_flag);
        return;
    }
    set_hdr(c, need | prev_flag);
    struct chunk *tail = next_chunk(c);
    struct chunk *after = (struct chunk *)((char *)c + have);
    uint64_t tail_size = have - need;
    /* Coalesce the tail with a free successor so free chunks stay non-adjacent. */
    if (after->size_flags & C_FREE) {
        check_hdr(after);
        bin_remove(after);
        tail_size += csize(after);
    }
    make_free(tail, tail_size, 0);
}

static struct chunk *find_chunk(uint64_t need)
{
    for (unsigned i = next_bin(bin_index(need)); i < NUM_BINS; i = next_bin(i + 1)) {
        for (struct chunk *c = bins[i]; c; c = c->next) {
            check_hdr(c);
            BUG_ON(!(c->size_flags & C_FREE));
            if (csize(c) >= need)
                return c;
        }
    }
    return NULL;
}

static void *alloc_locked(size_t size)
{
    uint64_t need = request_to_chunk(size);
    struct chunk *c = need ? find_chunk(need) : NULL;
    if (!c) {
        if (!heap_exhausted_logged) {
            heap_exhausted_logged = true;
            log_error("LibOS heap exhausted (%zu bytes in use, %zu requested): raise "
                      "resource_limits.kernel_space_heap_size in Occlum.json",
                      heap_used_bytes, size);
        }
        return NULL;
    }
    bin_remove(c);
    struct chunk *n = next_chunk(c);
    set_hdr(n, n->size_flags & ~C_PREV_FREE);
    set_hdr(c, c->size_flags & ~C_FREE);
    split_tail(c, need);
    heap_used_bytes += csize(c);
    return (char *)c + HDR_SIZE;
}

void *kmalloc(size_t size)
{
    spin_lock(&heap_lock);
    void *p = alloc_locked(size);
    spin_unlock(&heap_lock);
    return p;
}

void *kzalloc(size_t size)
{
    void *p = kmalloc(size);
    if (p)
        memset(p, 0, size);
    return p;
}

/* The in-use chunk behind a kmalloc'd pointer; BUG_ON if it is not one. */
static struct chunk *chunk_of(void *p)
{
    BUG_ON(!IS_ALIGNED((uint64_t)p, ALIGNMENT));
    struct chunk *c = (struct chunk *)((char *)p - HDR_SIZE);
    check_hdr(c);
    BUG_ON(c->size_flags & C_FREE); /* double free */
    BUG_ON(csize(c) < MIN_CHUNK || (uint64_t)c + csize(c) > heap_end - HDR_SIZE);
    return c;
}

static void free_locked(struct chunk *c)
{
    uint64_t size = csize(c);
    heap_used_bytes -= size;
    struct chunk *n = next_chunk(c);
    check_hdr(n);
    if (n->size_flags & C_FREE) {
        bin_remove(n);
        size += csize(n);
    }
    if (c->size_flags & C_PREV_FREE) {
        uint64_t prev_size = *(uint64_t *)((char *)c - 8);
        BUG_ON(prev_size < MIN_CHUNK || (uint64_t)c - prev_size < heap_base);
        struct chunk *prev = (struct chunk *)((char *)c - prev_size);
        check_hdr(prev);
        BUG_ON(!(prev->size_flags & C_FREE) || csize(prev) != prev_size);
        bin_remove(prev);
        size += prev_size;
        c = prev;
    }
    /* No two free chunks are adjacent, so the chunk before c (if any) is in use. */
    make_free(c, size, 0);
}

void kfree(void *p)
{
    if (!p)
        return;
    spin_lock(&heap_lock);
    free_locked(chunk_of(p));
    spin_unlock(&heap_lock);
}

void *krealloc(void *p, size_t size)
{
    if (!p)
        return kmalloc(size);
    if (size == 0) {
        kfree(p);
        return NULL;
    }
    spin_lock(&heap_lock);
    struct chunk *c = chunk_of(p);
    uint64_t need = request_to_chunk(size);
    uint64_t have = csize(c);
    if (need && need <= have) {
        heap_used_bytes -= have;
        split_tail(c, need);
        heap_used_bytes += csize(c);
        spin_unlock(&heap_lock);
        return p;
    }
    struct chunk *n = next_chunk(c);
    check_hdr(n);
    if (need && (n->size_flags & C_FREE) && have + csize(n) >= need) {
        /* Grow in place into the free successor. */
        bin_remove(n);
        heap_used_bytes -= have;
        set_hdr(c, (have + csize(n)) | (c->size_flags & C_PREV_FREE));
        struct chunk *nn = next_chunk(c);
        set_hdr(nn, nn->size_flags & ~C_PREV_FREE);
        split_tail(c, need);
        heap_used_bytes += csize(c);
        spin_unlock(&heap_lock);
        return p;
    }
    void *q = alloc_locked(size);
    if (q) {
        memcpy(q, p, have - HDR_SIZE);
        free_locked(c);
    }
    spin_unlock(&heap_lock);
    return q;
}

void *karray_grow(void *arr, size_t *cap, size_t need, size_t elem_size, size_t min_cap)
{
    if (need <= *cap)
        return arr;
    size_t n = *cap ? *cap * 2 : min_cap;
    while (n < need)
        n *= 2;
    void *grown = krealloc(arr, n * elem_size);
    if (grown)
        *cap = n;
    return grown;
}

size_t heap_used(void)
{
    spin_lock(&heap_lock);
    size_t n = heap_used_bytes;
    spin_unlock(&heap_lock);
    return n;
}
