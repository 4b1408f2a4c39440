/*
 * The file-system types other directories provide (fs/devfs, fs/procfs, fs/sysfs,
 * fs/hostfs). Each defines its register function, which calls vfs_register_fs (fs/vfs.h)
 * with its type name; fs_types_init (fs/fs_types.c) calls those that exist.
 *
 * The declarations are weak so that the LibOS links before a file system exists: the
 * address of a missing one is NULL and fs_types_init skips it. (A mount line of a type that
 * was never registered is then logged and skipped by vfs_init.)
 */
#ifndef LIBOS_FS_FS_TYPES_H
#define LIBOS_FS_FS_TYPES_H

void devfs_register(void) __attribute__((weak));
void procfs_register(void) __attribute__((weak));
void sysfs_register(void) __attribute__((weak));
void hostfs_register(void) __attribute__((weak));

/* Registers ramfs/tmpfs (this directory's) and every type above that is linked in. */
void fs_types_init(void);

#endif
