/*
 * sysfs (fs/sysfs/sysfs.c): the few /sys files programs read. sysfs_register
 * (fs/fs_types.h) makes it the "sysfs" type of mount lines.
 */
#ifndef LIBOS_FS_SYSFS_SYSFS_H
#define LIBOS_FS_SYSFS_SYSFS_H

#include "fs/vfs.h"

/* A mount of sysfs (source and options are ignored). 0 or -ENOMEM. */
int sysfs_mount(const char *source, const char *options, struct super_block **out);

#endif
