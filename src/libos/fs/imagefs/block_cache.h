/*
 * A cache of fixed-size blocks of an untrusted host file, in enclave memory: direct-mapped,
 * one block per slot, each slot remembering how many bytes of its block are valid (the last
 * block of a file is short). imagefs puts the image's metadata and small file reads through
 * it, so that walking the same directories, reading the same ELF headers and symlinks again
 * costs no OCALL. (The protected image will verify a block once, as it enters the cache.)
 *
 * Thread-safe: a spinlock guards the slots; it is held only while copying a block in or out.
 */
#ifndef LIBOS_FS_IMAGEFS_BLOCK_CACHE_H
#define LIBOS_FS_IMAGEFS_BLOCK_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BLOCK_CACHE_BLOCK 4096u

struct block_cache;

/* A cache of nslots blocks (a power of two); NULL on -ENOMEM. Blocks are allocated when
 * first filled. */
struct block_cache *block_cache_create(size_t nslots);
void block_cache_destroy(struct block_cache *bc);
/* Copies [off, off+len), which must lie in one block, out of the cache: true if that block is
 * cached and holds those bytes. */
bool block_cache_get(struct block_cache *bc, uint64_t off, void *buf, size_t len);
/* Caches `valid` bytes (<= BLOCK_CACHE_BLOCK) of block number `blockno`, copied from data. */
void block_cache_put(struct block_cache *bc, uint64_t blockno, const void *data, size_t valid);

#endif
