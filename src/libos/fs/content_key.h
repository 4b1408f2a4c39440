/*
 * The identity of immutable file contents (inode_ops.content_key in vfs.h): the file system
 * instance and the file's number in it, both valid while the LibOS runs. Its own header so
 * that mm/ (and its host-built unit test) can hold keys without the VFS's types.
 */
#ifndef LIBOS_FS_CONTENT_KEY_H
#define LIBOS_FS_CONTENT_KEY_H

#include <stdint.h>

struct content_key {
    const void *fs;
    uint64_t ino;
};

#endif
