/*
 * devfs (fs/devfs/devfs.c): /dev's devices. devfs_register (fs/fs_types.h) makes it the
 * "devfs" type of mount lines.
 */
#ifndef LIBOS_FS_DEVFS_DEVFS_H
#define LIBOS_FS_DEVFS_DEVFS_H

#include "fs/vfs.h"
#include "uapi/linux_types.h"

/* A mount of devfs (source and options are ignored). 0 or -ENOMEM. */
int devfs_mount(const char *source, const char *options, struct super_block **out);

/* Fills buf with len bytes from RDRAND; returns len, or bytes done / -EIO when the DRNG
 * fails. (/dev/random and /dev/urandom read through it; procfs's random/uuid too.) */
ssize_t devfs_fill_random(void *buf, size_t len);

#endif
