/*
 * hostfs (fs/hostfs/hostfs.c): a host directory mounted inside the enclave, untrusted.
 * hostfs_register (fs/fs_types.h) makes it the "hostfs" type of mount lines.
 */
#ifndef LIBOS_FS_HOSTFS_HOSTFS_H
#define LIBOS_FS_HOSTFS_HOSTFS_H

#include "fs/vfs.h"

/* Mounts the host directory `source` (absolute, or relative to the runtime's cwd, the
 * instance directory); options are ignored. 0, -EINVAL (no source), -ENOENT, -ENOTDIR,
 * -EIO (a lying host), -ENOMEM. */
int hostfs_mount(const char *source, const char *options, struct super_block **out);

#endif
