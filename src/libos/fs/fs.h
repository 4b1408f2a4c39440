/*
 * The file-system interface the rest of the LibOS uses. (fs/ owns everything behind it; the
 * layers behind it are described in fs/vfs.h.)
 *
 * Ownership: struct file is refcounted. Every function below that returns a struct file *
 * returns a new reference, which the caller drops with file_put. struct fdtable and
 * struct fs_context belong to one process (process.h: ->files, ->fs) and are freed with it.
 */
#ifndef LIBOS_FS_FS_H
#define LIBOS_FS_FS_H

#include "uapi/linux_types.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct file;
struct fdtable;
struct fs_context;
struct content_key;

/* Mounts the read-only image (a host fd of build/image.fs) as / and sets up the rest of the
 * mount table. Called once at LibOS start-up. Returns 0, or -EIO (logged) for a damaged
 * image, -ENOMEM. */
int vfs_init(int image_host_fd);

/* Opens a path for the LibOS's own use (the ELF loader), resolved from the current process's
 * cwd, following symlinks. Returns 0 and a referenced file, or -errno. */
int vfs_open_kernel(const char *path, int flags, struct file **out);
/* Reads from a file at `off` into enclave memory without moving its position. Returns bytes
 * read (short only at end of file), -ESPIPE for unseekable files, -EISDIR, -EBADF (O_PATH or
 * write-only), -EIO. */
ssize_t file_pread(struct file *f, void *kbuf, size_t len, uint64_t off);
/* Positional write (for writing back shared file mappings): -EBADF unless open for writing,
 * -ESPIPE for a file without positions. */
ssize_t file_pwrite(struct file *f, const void *kbuf, size_t len, uint64_t off);
/* Frees the pooled read/write bounce buffers (sys_rw.c), for leak checks in tests. */
void bounce_pool_drain(void);
/* Fills *st (zeroed first). 0 or -errno. */
int file_stat(struct file *f, struct stat *st);
/* True, with *key set, if the file's contents can never change (vfs.h: content_key). */
bool file_content_key(struct file *f, struct content_key *key);
/* The open file's O_* access mode and status flags (F_GETFL). */
unsigned int file_flags(const struct file *f);
void file_get(struct file *f);
/* Drops a reference; the last one releases the file (and its inode reference). */
void file_put(struct file *f);

/* A process's fd table: a new one with fds 0, 1, 2 on the host's standard streams.
 * NULL on -ENOMEM. */
struct fdtable *fdtable_create_stdio(void);
/* A copy of t for a new process (spawn): every fd refers to the same open file; fds marked
 * FD_CLOEXEC are left out when skip_cloexec. NULL on -ENOMEM. */
struct fdtable *fdtable_clone(struct fdtable *t, bool skip_cloexec);
/* Closes every fd and frees the table. */
void fdtable_destroy(struct fdtable *t);
/* Puts `f` at the lowest free fd >= min_fd (the table takes its own reference). Returns the
 * fd, or -EMFILE when none is below the process's RLIMIT_NOFILE, -ENOMEM. */
int fdtable_install(struct fdtable *t, struct file *f, int min_fd, bool cloexec);
/* The open file behind fd in the current process, referenced; NULL for a bad fd. (mmap of a
 * file uses it.) */
struct file *fd_lookup_file(int fd);

/* A process's file-system context: cwd "/" and umask 022. NULL on -ENOMEM. */
struct fs_context *fs_context_create(void);
/* A copy (same cwd and umask) for a new process; NULL on -ENOMEM. */
struct fs_context *fs_context_clone(struct fs_context *fs);
void fs_context_destroy(struct fs_context *fs);

#endif
