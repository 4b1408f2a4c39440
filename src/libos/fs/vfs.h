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
 * reference. A struct file holds one reference to its inode. An inode's ino, sb and the type
 * bits of its mode never change. A writable file system may change the permission bits of
 * `mode` and `size` (atomic stores, under its own lock; readers load them without a lock and
 * see an old or a new value), and `priv` is the file system's, under its own lock. `locks`
 * belongs to fs/lock.c. A struct file's position is guarded by file->pos_lock.
 *
 * Mounts (fs/mount.c): a super block is mounted on a directory inode of another mount; the
 * path walk enters a mount's root when it reaches its mount point and leaves it to the mount
 * point's parent on '..'. File systems know nothing of mounts.
 *
 * Optional ops: a NULL write-side op means the operation is refused (-EROFS on a read-only
 * super block, else -EPERM); the VFS checks the super block's `readonly` first, so read-only
 * file systems need not define any.
 *
 * All buffers passed to these ops are enclave (kernel) memory; guest memory is the syscall
 * layer's business.
 */
#ifndef LIBOS_FS_VFS_H
#define LIBOS_FS_VFS_H

#include "uapi/linux_types.h"
#include "fs/content_key.h"
#include "fs/fs.h"
#include "util/spinlock.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct inode;
struct file;
struct super_block;
struct iattr;
struct statfs;
struct file_lock;
struct poll_table;

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
    /* Optional, for "magic" links such as /proc/self/fd/N: the inode the link stands for,
     * referenced, when it is not a path (a pipe, a standard stream). -EINVAL: follow the
     * readlink text instead. */
    int (*get_link)(struct inode *link, struct inode **out);
    /* Emits entries of a directory from *pos on, updating *pos; "." and ".." included. */
    int (*iterate)(struct inode *dir, uint64_t *pos, dir_emit_fn emit, void *ctx);
    /* Reads file data at off; 0 at or past the end. */
    ssize_t (*read)(struct inode *inode, void *buf, size_t len, uint64_t off);
    /* Frees the file system's private data; called when the last reference goes. */
    void (*release)(struct inode *inode);
    /* Optional: for a file whose contents can never change while the LibOS runs (a file of
     * the read-only image), fills *key with an identity that outlives the inode and returns
     * true. Memory holding such a file's bytes can be reused for a later mapping of the same
     * bytes (mm/retained.c). NULL or false: no such promise. */
    bool (*content_key)(struct inode *inode, struct content_key *key);

    /* ---- writable file systems (all optional, see above) ---- */
    /* Creates `name` in `dir` (absent: the VFS checked, but the op must answer -EEXIST if
     * it appeared meanwhile) as a regular file, FIFO, socket or device node (mode holds the
     * S_IF* type, `rdev` the device) or a directory (S_IFDIR). Owner and times come from
     * `attr` (uid, gid, times all valid). 0 and a referenced inode in *out, -ENOSPC,
     * -ENOMEM, -EEXIST. */
    int (*create)(struct inode *dir, const char *name, size_t name_len, uint32_t mode,
                  uint64_t rdev, const struct iattr *attr, struct inode **out);
    /* Creates a symlink `name` -> target (target_len < PATH_MAX bytes, no NUL). */
    int (*symlink)(struct inode *dir, const char *name, size_t name_len, const char *target,
                   size_t target_len, const struct iattr *attr, struct inode **out);
    /* A new name for the non-directory `inode` (same super block) in `dir`. -EEXIST,
     * -EMLINK, -ENOSPC. */
    int (*link)(struct inode *dir, const char *name, size_t name_len, struct inode *inode);
    /* Removes the name of a non-directory (-EISDIR for a directory) / of an empty directory
     * (-ENOTDIR for a non-directory, -ENOTEMPTY). -ENOENT if absent. */
    int (*unlink)(struct inode *dir, const char *name, size_t name_len);
    int (*rmdir)(struct inode *dir, const char *name, size_t name_len);
    /* Moves old_dir/old_name to new_dir/new_name in one file system. flags: 0 (replace a
     * compatible target: file over file, empty directory over directory, else -EISDIR /
     * -ENOTDIR / -ENOTEMPTY), RENAME_NOREPLACE (-EEXIST) or RENAME_EXCHANGE (both must
     * exist). The VFS has refused moving a directory into its own subtree (-EINVAL) and
     * same-name renames. */
    int (*rename)(struct inode *old_dir, const char *old_name, size_t old_len,
                  struct inode *new_dir, const char *new_name, size_t new_len,
                  unsigned int flags);
    /* Changes the attributes attr->valid names (ATTR_*); ATTR_SIZE only on regular files
     * (zero-filling on growth; -ENOSPC, -EFBIG). Updates ctime itself. */
    int (*setattr)(struct inode *inode, const struct iattr *attr);
    /* Writes file data at off, growing the file; returns bytes written (short or -ENOSPC when
     * the file system is full). */
    ssize_t (*write)(struct inode *inode, const void *buf, size_t len, uint64_t off);
    /* An unnamed regular file on dir's file system (O_TMPFILE). */
    int (*tmpfile)(struct inode *dir, uint32_t mode, const struct iattr *attr,
                   struct inode **out);
    /* Fills *st (zeroed by the caller) for the file system holding inode. */
    int (*statfs)(struct inode *inode, struct statfs *st);
};

/* struct iattr.valid bits */
#define ATTR_MODE  0x01
#define ATTR_UID   0x02
#define ATTR_GID   0x04
#define ATTR_SIZE  0x08
#define ATTR_ATIME 0x10
#define ATTR_MTIME 0x20
#define ATTR_CTIME 0x40

/* Attributes to set (setattr) or to give a new inode (create, symlink, tmpfile). */
struct iattr {
    unsigned int valid;
    uint32_t mode; /* permission bits only (07777) */
    uint32_t uid, gid;
    uint64_t size;
    struct timespec atime, mtime, ctime;
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
    /* Positional write (also what write(2) uses on seekable files, at the position or, for
     * O_APPEND, at the end); NULL if not seekable or not writable. */
    ssize_t (*pwrite)(struct file *f, const void *buf, size_t len, uint64_t off);
    /* Readiness (ipc/poll.h has the contract): returns the POLL* bits that hold now and, if
     * pt is not NULL, registers the caller on the object's poll heads with poll_wait. NULL:
     * always readable and writable (and not watchable by epoll). A file type with this op
     * calls poll_file_release(f) in its release op. */
    unsigned int (*poll)(struct file *f, struct poll_table *pt);
};

struct super_block {
    uint64_t dev;       /* st_dev of every inode */
    bool readonly;      /* writes, O_TRUNC and creation are -EROFS */
    struct inode *root; /* a reference held for the mount's lifetime */
    void *priv;
    const char *type;                      /* "ramfs", ... for /proc/mounts; may be NULL */
    void (*kill)(struct super_block *sb);  /* unmount: frees everything; may be NULL */
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
    struct file_lock *locks;     /* fs/lock.c's, guarded by its lock */
};

struct file {
    int refcount;        /* atomic */
    unsigned int flags;  /* O_* access mode and status flags (F_GETFL) */
    struct inode *inode; /* referenced, never NULL */
    const struct file_ops *ops;
    spinlock_t pos_lock;
    uint64_t pos; /* guarded by pos_lock */
    void *priv;   /* the file system's (e.g. a host fd) */
    char *path;   /* absolute path it was opened by (kmalloc'd, freed with the file), or NULL
                   * for files not opened by path; not updated by later renames */
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
/* Makes dir (a directory; the context takes its own reference) with canonical absolute path
 * `path` the cwd. 0 or -ENOMEM. */
int fs_context_set_cwd(struct fs_context *fs, struct inode *dir, const char *path);

/* Allocates an inode with refcount 1 and the given fields; NULL on -ENOMEM. */
struct inode *inode_alloc(struct super_block *sb, uint64_t ino, uint32_t mode, uint64_t size,
                          const struct inode_ops *iops, const struct file_ops *fops);
void inode_get(struct inode *inode);
void inode_put(struct inode *inode);
/* True if both name the same file. */
bool inode_same(const struct inode *a, const struct inode *b);

/* Moves f's position to base + off by lseek(2)'s rules (the sum must not overflow or be
 * negative: -EINVAL); returns the new position. For file systems' lseek ops. */
int64_t file_seek_to(struct file *f, int64_t base, int64_t off);

/* A new open file on `inode` (takes a new inode reference); NULL on -ENOMEM. */
struct file *file_alloc(struct inode *inode, unsigned int flags);

/* Generic ops for files whose inode has a `read` op (regular files of read-only file
 * systems): read, pread, lseek with SEEK_SET/CUR/END; write -EBADF. */
extern const struct file_ops generic_ro_file_ops;
/* Generic ops for regular files of writable file systems (inode ops read and write):
 * read, write (O_APPEND at the end), pread, pwrite, lseek with SEEK_DATA/SEEK_HOLE. */
extern const struct file_ops generic_rw_file_ops;
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

/* open(2)'s work with a creation mode (O_CREAT / O_TMPFILE; the umask is applied here). */
int vfs_openat_mode(int dirfd, const char *path, int flags, uint32_t mode, struct file **out);

/* ---- more of the path walk (fs/namei.c) ---- */

/* Like vfs_walk_at; if canon is not NULL it receives the canonical absolute path of the
 * result (kmalloc'd), when the start has a known path (AT_FDCWD, an absolute path, or a
 * dirfd opened by path); else *canon is NULL. */
int vfs_walk_at_path(int dirfd, const char *path, int walk_flags, bool empty_ok,
                     struct inode **out, char **canon);

/* The parent of a path's last component, for the calls that create or remove names.
 * parent: the directory, referenced; name/name_len: the last component (inside path); flags
 * PARENT_DOT (it is "." or ".."; the VFS's callers refuse those), PARENT_SLASH (a trailing
 * slash followed it). "" is -ENOENT; a path of only slashes names "/" with name ".". */
#define PARENT_DOT   0x1
#define PARENT_SLASH 0x2
struct walk_parent {
    struct inode *dir;
    const char *name;
    size_t name_len;
    int flags;
};
int vfs_walk_parent_at(int dirfd, const char *path, struct walk_parent *out);

/* Looks up one name in a directory (no symlink following) and crosses into a mount mounted
 * there. -ENOENT, -ENOTDIR. */
int vfs_lookup_one(struct inode *dir, const char *name, size_t name_len, struct inode **out);

/* Permission check for the current process's fs uid/gid: mask of R_OK/W_OK/X_OK. Root
 * passes everything except X_OK on a non-directory without any x bit. 0 or -EACCES. */
int vfs_permission(struct inode *inode, int mask);

/* The current process's credentials and the time for new inodes (uid, gid, all times
 * valid). */
void vfs_new_attr(struct iattr *attr);

/* ---- mounts (fs/mount.c) ---- */

/* Registers a file system type by name, for mount lines of that type. 0, -EEXIST, -ENOMEM.
 * `mount` gets the line's SOURCE and OPTIONS (NULL when absent) and returns a new super
 * block with a referenced root. */
int vfs_register_fs(const char *type,
                    int (*mount)(const char *source, const char *options,
                                 struct super_block **out));
/* Mounts sb on the directory at absolute path `target` (resolved in the tree mounted so
 * far; "/" makes it the root). The table takes the super block. 0, -ENOENT, -ENOTDIR,
 * -EBUSY, -ENOMEM. */
int vfs_mount_sb(struct super_block *sb, const char *target);
/* Mounts a registered type at target (vfs_register_fs + vfs_mount_sb). -ENODEV for an
 * unknown type. */
int vfs_mount(const char *type, const char *target, const char *source, const char *options);
/* Unmounts everything and forgets the registered types (unit tests, failed start-up). */
void vfs_unmount_all(void);
/* If `inode` is a mount point, replaces it (dropping the reference) by the mounted root
 * (referenced); otherwise leaves it. */
void vfs_cross_mount(struct inode **inode);
/* If dir is the root of a mount other than the tree's root, replaces it by its mount point
 * (referenced); returns true then. */
bool vfs_leave_mount(struct inode **dir);
/* True if inode is a mount point or the root of a mount (not removable or renamable). */
bool vfs_is_mount_boundary(struct inode *inode);
/* Walks the mount table: calls fn for each mount in order (target path, super block).
 * For /proc/mounts. */
void vfs_for_each_mount(void (*fn)(void *ctx, const char *target, struct super_block *sb),
                        void *ctx);

/* ---- the file systems this directory provides ---- */

/* ramfs: options "size=BYTES" (0 or absent: no limit but the heap). */
int ramfs_mount(const char *source, const char *options, struct super_block **out);
/* unionfs over a read-only lower super block (taken over) with a ramfs upper layer created
 * from `options` ("upper=ramfs[,size=BYTES]"). */
int unionfs_mount(struct super_block *lower, const char *options, struct super_block **out);

#endif
