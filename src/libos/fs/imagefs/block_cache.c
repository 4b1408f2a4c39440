/*
 * The block cache (block_cache.h). A slot's block buffer is allocated on its first fill and
 * reused for every later block that maps to the slot; replacing a block copies the new bytes
 * over the old under the lock, so a reader never sees a mix.
 */
#include "fs/imagefs/block_cache.h"
#include "mm/mm.h"
#include "util/spinlock.h"
#include "util/string.h"

struct slot {
    uint64_t tag;   /* block number + 1; 0: empty */
    uint32_t valid; /* bytes of the block held */
    uint8_t *data;  /* BLOCK_CACHE_BLOCK bytes, or NULL until first filled */
};

struct block_cache {
    spinlock_t lock;
    size_t mask;
    struct slot slots[];
};

struct block_cache *block_cache_create(size_t nslots)
{
    if (nslots == 0 || (nslots & (nslots - 1)))
        return NULL;
    struct block_cache *bc = kzalloc(sizeof(*bc) + nslots * sizeof(struct slot));
    if (!bc)
        return NULL;
    bc->lock = (spinlock_t)SPINLOCK_INIT;
    bc->mask = nslots - 1;
    return bc;
}

void block_cache_destroy(struct block_cache *bc)
{
    if (!bc)
        return;
    for (size_t i = 0; i <= bc->mask; i++)
        kfree(bc->slots[i].data);
    kfree(bc);
}

bool block_cache_get(struct block_cache *bc, uint64_t off, void *buf, size_t len)
{
    uint64_t blockno = off / BLOCK_CACHE_BLOCK;
    size_t in = off % BLOCK_CACHE_BLOCK;
    struct slot *s = &bc->slots[blockno & bc->mask];
    bool hit;

    spin_lock(&bc->lock);
    hit = s->tag == blockno + 1 && in + len <= s->valid;
    if (hit)
        memcpy(buf, s->data + in, len);
    spin_unlock(&bc->lock);
    return hit;
}

void block_cache_put(struct block_cache *bc, uint64_t blockno, const void *data, size_t valid)
{
    struct slot *s = &bc->slots[blockno & bc->mask];
    uint8_t *fresh = NULL;

    if (valid > BLOCK_CACHE_BLOCK)
        return;
    if (!__atomic_load_n(&s->data, __ATOMIC_ACQUIRE)) {
        fresh = kmalloc(BLOCK_CACHE_BLOCK);
        if (!fresh)
            return;
    }
    spin_lock(&bc->lock);
    if (!s->data) {
        __atomic_store_n(&s->data, fresh, __ATOMIC_RELEASE);
        fresh = NULL;
    }
    memcpy(s->data, data, valid);
    s->tag = blockno + 1;
    s->valid = (uint32_t)valid;
    spin_unlock(&bc->lock);
    kfree(fresh); /* another thread filled the slot first */
}
