/*
 * The VFS's internal interface: what a file system implements and what the path walk and the
 * syscall layer use. Four layers, each talking only to the one below:
 *
 *   syscall layer (fs/sys_*.c)     argument checks, guest memory, fd numbers
 *   file / fd layer (fs/file.c,    struct file (open file description), struct fdtable
 *     fs/fdtable.c)
 *   path walk (fs/namei.c)         path string -> struct inode, symlinks, '.', '..'
 *   file systems (fs/imagefs/,     struct inode_ops / struct file_ops
 *     fs/stdio.c)
 *
 * Ownership: an inode is refcounted (inode_get/inode_put); whoever holds a pointer holds a
 * reference. A struct file holds one reference to its inode. Inodes are immutable after
 * creation except for `priv` data their file system fills under its own lock, so they need no
 * lock of their own. A struct file's position is guarded by file->pos_lock.
 *
 * All buffers passed to these ops are enclave (kernel) memory; guest memory is the syscall
 * layer's business.
 */
#ifndef LIBOS_FS_VFS_H
#define LIBOS_FS_VFS_H

#include "uapi/linux_types.h"
#include "fs/fs.h"
#include "util/spinlock.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct inode;
struct file;
struct super_block;

/*
 * Called by inode_ops.iterate for each entry, in order. `pos` is the position just after
 * this entry (what lseek/d_off would resume from). Returns true to go on, false when the
 * caller's buffer is full (the entry was NOT consumed).
 */
typedef bool (*dir_emit_fn)(void *ctx, const char *name, size_t name_len, uint64_t ino,
                            unsigned int type, uint64_t pos);

struct inode_ops {
    /* Finds `name` (name_len bytes, never "." or "..") in directory `dir`. 0 and a
     * referenced inode in *out, -ENOENT, -EIO, -ENOMEM. */
    int (*lookup)(struct inode *dir, const char *name, size_t name_len, struct inode **out);
    /* The parent directory of `dir` (itself for the file system's root). */
    int (*parent)(struct inode *dir, struct inode **out);
    /* Fills st completely (zeroed by the caller). */
    int (*getattr)(struct inode *inode, struct stat *st);
    /* Copies the symlink target (not NUL terminated, at most len bytes); returns its full
     * length, which is < PATH_MAX. */
    long (*readlink)(struct inode *inode, char *buf, size_t len);
    /* Emits entries of a directory from *pos on, updating *pos; "." and ".." included. */
    int (*iterate)(struct inode *dir, uint64_t *pos, dir_emit_fn emit, void *ctx);
    /* Reads file data at off; 0 at or past the end. */
    ssize_t (*read)(struct inode *inode, void *buf, size_t len, uint64_t off);
    /* Frees the file system's private data; called when the last reference goes. */
    void (*release)(struct inode *inode);
};

struct file_ops {
    /* Sequential read/write at *pos (the file's position, pos_lock held by the caller for
     * seekable files). Return bytes done, or -errno. */
    ssize_t (*read)(struct file *f, void *buf, size_t len, uint64_t *pos);
    ssize_t (*write)(struct file *f, const void *buf, size_t len, uint64_t *pos);
    /* Positional read; NULL if the file is not seekable (-ESPIPE). */
    ssize_t (*pread)(struct file *f, void *buf, size_t len, uint64_t off);
    /* NULL for non-seekable files (-ESPIPE). Returns the new position or -errno. */
    int64_t (*lseek)(struct file *f, int64_t off, int whence);
    /* `uarg` is a guest pointer or value; the op copies to/from the guest itself. */
    long (*ioctl)(struct file *f, unsigned long request, unsigned long uarg);
    /* Called once, when the last reference to the file goes. */
    void (*release)(struct file *f);
};

struct super_block {
    uint64_t dev;       /* st_dev of every inode */
    bool readonly;      /* writes, O_TRUNC and creation are -EROFS */
    struct inode *root; /* a reference held for the mount's lifetime */
    void *priv;
};

struct inode {
    int refcount;  /* atomic */
    uint64_t ino;  /* the file system's inode number (st_ino - 1 for image) */
    uint32_t mode; /* S_IF* | permission bits */
    uint64_t size;
    struct super_block *sb;
    const struct inode_ops *iops;
    const struct file_ops *fops; /* ops of a file opened on this inode */
    void *priv;                  /* the file system's, guarded by its own lock */
};

struct file {
    int refcount;        /* atomic */
    unsigned int flags;  /* O_* access mode and status flags (F_GETFL) */
    struct inode *inode; /* referenced, never NULL */
    const struct file_ops *ops;
    spinlock_t pos_lock;
    uint64_t pos; /* guarded by pos_lock */
    void *priv;   /* the file system's (e.g. a host fd) */
};

/* A process's cwd and umask (fs.h: fs_context_create). */
struct fs_context {
    spinlock_t lock;   /* guards cwd and cwd_path */
    struct inode *cwd; /* referenced; a directory */
    char *cwd_path;    /* absolute and canonical (no '.', '..', symlinks), kmalloc'd */
    uint32_t umask;    /* atomic */
};

/* The cwd inode, referenced. */
struct inode *fs_context_cwd(struct fs_context *fs);

/* Allocates an inode with refcount 1 and the given fields; NULL on -ENOMEM. */
struct inode *inode_alloc(struct super_block *sb, uint64_t ino, uint32_t mode, uint64_t size,
                          const struct inode_ops *iops, const struct file_ops *fops);
void inode_get(struct inode *inode);
void inode_put(struct inode *inode);
/* True if both name the same file. */
bool inode_same(const struct inode *a, const struct inode *b);

/* A new open file on `inode` (takes a new inode reference); NULL on -ENOMEM. */
struct file *file_alloc(struct inode *inode, unsigned int flags);

/* Generic ops for files whose inode has a `read` op (regular files of read-only file
 * systems): read, pread, lseek with SEEK_SET/CUR/END; write -EBADF. */
extern const struct file_ops generic_ro_file_ops;
/* Ops for directories: read -EISDIR, lseek to a directory position (SEEK_SET/CUR only). */
extern const struct file_ops generic_dir_file_ops;

/* ---- path walk (fs/namei.c) ---- */

#define WALK_FOLLOW    0x1 /* follow a symlink in the last component */
#define WALK_DIRECTORY 0x2 /* the result must be a directory */

/* The root of the whole tree; set once by vfs_init (or a unit test). */
extern struct inode *vfs_root;

/*
 * Resolves `path` starting at `start` (a directory; used for relative paths) and returns a
 * referenced inode in *out. Absolute paths start at vfs_root; '..' never goes above it.
 * A trailing slash requires a directory (and follows a final symlink). Errors: -ENOENT
 * (also for ""), -ENOTDIR, -ELOOP (more than 40 symlinks followed), -ENAMETOOLONG (path of
 * PATH_MAX bytes or more, component longer than NAME_MAX), -EIO, -ENOMEM.
 */
int vfs_walk(struct inode *start, const char *path, int walk_flags, struct inode **out);

/*
 * Resolves `path` for a *at call: relative to the current process's cwd if dirfd is AT_FDCWD,
 * else to the directory open as dirfd (-EBADF, -ENOTDIR). With empty_ok, an empty path names
 * dirfd itself (AT_EMPTY_PATH). The path has been copied into the enclave already.
 */
int vfs_walk_at(int dirfd, const char *path, int walk_flags, bool empty_ok, struct inode **out);

/* Fills *st for an inode (zeroing it first). */
int vfs_getattr(struct inode *inode, struct stat *st);

/* ---- open (fs/open.c) ---- */

/*
 * open(2)'s work after the path has been copied in: resolves path from dirfd (AT_FDCWD or an
 * fd) and returns a new open file in *out. Linux's rules: O_NOFOLLOW on a final symlink is
 * -ELOOP (unless O_PATH), O_DIRECTORY on a non-directory -ENOTDIR, a directory opened for
 * writing or with O_CREAT -EISDIR, O_CREAT|O_EXCL of an existing file -EEXIST, and on a
 * read-only file system write access, O_TRUNC or creating a file -EROFS (O_CREAT of an
 * existing file without them is fine).
 */
int vfs_openat(int dirfd, const char *path, int flags, struct file **out);

/* Copies a guest path into a new kmalloc'd PATH_MAX buffer (*out; kfree it). Returns 0,
 * -EFAULT or -ENAMETOOLONG. */
int vfs_copy_path(const char *upath, char **out);

#endif
