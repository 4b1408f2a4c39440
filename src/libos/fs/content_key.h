/*
 * The identity of immutable file contents (inode_ops.content_key in vfs.h): the file system
 * instance and the file's number in it, both valid while the LibOS runs, and how to read them. Its
 * own header so that mm/ (and its host-built unit test) can hold keys without the VFS's types.
 */
#ifndef LIBOS_FS_CONTENT_KEY_H
#define LIBOS_FS_CONTENT_KEY_H

#include <stdint.h>

struct content_key {
    const void *fs;
    uint64_t ino;
    /* Reads len bytes at off of the contents named (0 past the end), into enclave memory;
     * bytes read or -errno. For memory that must get the file's bytes back (mm/vma.c). */
    long (*read)(const struct content_key *key, void *buf, unsigned long len, uint64_t off);
};

#endif
