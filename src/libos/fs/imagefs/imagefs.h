/*
 * imagefs: the read-only file system of build/image.fs (include/occlum/image_format.h), read
 * from a host fd on demand. Every field read from the host is validated before use; a damaged
 * image gives -EIO and one log line saying where, never a crash or a wrong answer about the
 * image's structure. (Integrity of the bytes comes with the protected image.)
 */
#ifndef LIBOS_FS_IMAGEFS_IMAGEFS_H
#define LIBOS_FS_IMAGEFS_IMAGEFS_H

#include <stdint.h>

struct super_block;

/* st_dev of every file of the image. */
#define IMAGEFS_DEV 0x801

/* Reads and checks the header and the root inode of the image open as host_fd. On success
 * *out is a new super block whose root is sb->root; -EIO (damaged, logged) or -ENOMEM. */
int imagefs_mount(int host_fd, struct super_block **out);
/* Frees the super block and its cache. Inodes still referenced elsewhere must not outlive it;
 * used by unit tests and a failed start-up. */
void imagefs_unmount(struct super_block *sb);

#endif
