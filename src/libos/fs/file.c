/*
 * Inodes and open files: allocation, reference counting, and the generic file ops shared by
 * read-only file systems (fs/vfs.h).
 *
 * Position discipline: a file's position is read and written under pos_lock, but the I/O in
 * between runs without it (it may be a blocking OCALL, and a spinlock must not be held
 * across one). Two threads reading one open file description at once may therefore read the
 * same bytes, which Linux prevents with its f_pos_lock mutex; a sleeping lock comes with the
 * threads work.
 */
#include "fs/vfs.h"
#include "ipc/poll.h"
#include "fs/lock.h"
#include "mm/mm.h"
#include "uapi/errno.h"
#include "util/log.h"
#include "util/string.h"

struct inode *vfs_root;

struct inode *inode_alloc(struct super_block *sb, uint64_t ino, uint32_t mode, uint64_t size,
                          const struct inode_ops *iops, const struct file_ops *fops)
{
    struct inode *inode = kzalloc(sizeof(*inode));

    if (!inode)
        return NULL;
    inode->refcount = 1;
    inode->sb = sb;
    inode->ino = ino;
    inode->mode = mode;
    inode->size = size;
    inode->iops = iops;
    inode->fops = fops;
    return inode;
}

void inode_get(struct inode *inode)
{
    int old = __atomic_fetch_add(&inode->refcount, 1, __ATOMIC_RELAXED);

    BUG_ON(old <= 0);
}

void inode_put(struct inode *inode)
{
    int old;

    if (!inode)
        return;
    old = __atomic_fetch_sub(&inode->refcount, 1, __ATOMIC_ACQ_REL);
    BUG_ON(old <= 0);
    if (old != 1)
        return;
    if (inode->iops && inode->iops->release)
        inode->iops->release(inode);
    kfree(inode);
}

bool inode_same(const struct inode *a, const struct inode *b)
{
    return a == b || (a->sb == b->sb && a->ino == b->ino);
}

int vfs_getattr(struct inode *inode, struct stat *st)
{
    memset(st, 0, sizeof(*st));
    if (!inode->iops || !inode->iops->getattr)
        return -EIO;
    return inode->iops->getattr(inode, st);
}

struct file *file_alloc(struct inode *inode, unsigned int flags)
{
    struct file *f = kzalloc(sizeof(*f));

    if (!f)
        return NULL;
    f->refcount = 1;
    f->flags = flags;
    inode_get(inode);
    f->inode = inode;
    f->ops = inode->fops;
    f->pos_lock = (spinlock_t)SPINLOCK_INIT;
    return f;
}

void file_get(struct file *f)
{
    int old = __atomic_fetch_add(&f->refcount, 1, __ATOMIC_RELAXED);

    BUG_ON(old <= 0);
}

void file_put(struct file *f)
{
    int old;

    if (!f)
        return;
    old = __atomic_fetch_sub(&f->refcount, 1, __ATOMIC_ACQ_REL);
    BUG_ON(old <= 0);
    if (old != 1)
        return;
    if (f->inode->locks)
        locks_release_file(f);
    if (f->ops && f->ops->poll)
        poll_file_release(f); /* every epoll watching this open file forgets it */
    if (f->ops && f->ops->release)
        f->ops->release(f);
    inode_put(f->inode);
    kfree(f->path);
    kfree(f);
}

ssize_t file_pread(struct file *f, void *kbuf, size_t len, uint64_t off)
{
    if ((f->flags & O_PATH) || (f->flags & O_ACCMODE) == O_WRONLY)
        return -EBADF;
    if (S_ISDIR(f->inode->mode))
        return -EISDIR;
    if (!f->ops || !f->ops->pread)
        return -ESPIPE;
    if ((int64_t)off < 0)
        return -EINVAL;
    return f->ops->pread(f, kbuf, len, off);
}

ssize_t file_pwrite(struct file *f, const void *kbuf, size_t len, uint64_t off)
{
    if ((f->flags & O_PATH) || (f->flags & O_ACCMODE) == O_RDONLY)
        return -EBADF;
    if (!f->ops || !f->ops->pwrite)
        return -ESPIPE;
    if ((int64_t)off < 0)
        return -EINVAL;
    return f->ops->pwrite(f, kbuf, len, off);
}

unsigned int file_flags(const struct file *f)
{
    return __atomic_load_n(&f->flags, __ATOMIC_RELAXED);
}

int file_stat(struct file *f, struct stat *st)
{
    return vfs_getattr(f->inode, st);
}

bool file_content_key(struct file *f, struct content_key *key)
{
    const struct inode_ops *iops = f->inode->iops;
    return S_ISREG(f->inode->mode) && iops && iops->content_key &&
           iops->content_key(f->inode, key);
}

/* ---- generic ops for read-only regular files ---- */

static ssize_t ro_pread(struct file *f, void *buf, size_t len, uint64_t off)
{
    return f->inode->iops->read(f->inode, buf, len, off);
}

static ssize_t ro_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
    ssize_t n = ro_pread(f, buf, len, *pos);

    if (n > 0)
        *pos += (uint64_t)n;
    return n;
}

static ssize_t ro_write(struct file *f, const void *buf, size_t len, uint64_t *pos)
{
    return -EBADF;
}

int64_t file_seek_to(struct file *f, int64_t base, int64_t off)
{
    int64_t np;

    if (__builtin_add_overflow(base, off, &np) || np < 0)
        return -EINVAL;
    spin_lock(&f->pos_lock);
    f->pos = (uint64_t)np;
    spin_unlock(&f->pos_lock);
    return np;
}

static int64_t ro_lseek(struct file *f, int64_t off, int whence)
{
    int64_t size = (int64_t)__atomic_load_n(&f->inode->size, __ATOMIC_RELAXED);
    int64_t cur;

    switch (whence) {
    case SEEK_SET:
        return file_seek_to(f, 0, off);
    case SEEK_CUR:
        spin_lock(&f->pos_lock);
        cur = (int64_t)f->pos;
        spin_unlock(&f->pos_lock);
        return file_seek_to(f, cur, off);
    case SEEK_END:
        return file_seek_to(f, size, off);
    case SEEK_DATA:
        /* The whole file is data: the next data is at off itself. */
        if (off < 0)
            return -EINVAL;
        if (off >= size)
            return -ENXIO;
        return file_seek_to(f, 0, off);
    case SEEK_HOLE:
        /* The only hole is the virtual one at the end. */
        if (off < 0)
            return -EINVAL;
        if (off >= size)
            return -ENXIO;
        return file_seek_to(f, 0, size);
    default:
        return -EINVAL;
    }
}

const struct file_ops generic_ro_file_ops = {
    .read = ro_read,
    .write = ro_write,
    .pread = ro_pread,
    .lseek = ro_lseek,
};

/* ---- directories ---- */

static ssize_t dir_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
    return -EISDIR;
}

static ssize_t dir_pread(struct file *f, void *buf, size_t len, uint64_t off)
{
    return -EISDIR;
}

static int64_t dir_lseek(struct file *f, int64_t off, int whence)
{
    int64_t cur;

    switch (whence) {
    case SEEK_SET:
        return file_seek_to(f, 0, off);
    case SEEK_CUR:
        spin_lock(&f->pos_lock);
        cur = (int64_t)f->pos;
        spin_unlock(&f->pos_lock);
        return file_seek_to(f, cur, off);
    default:
        return -EINVAL;
    }
}

const struct file_ops generic_dir_file_ops = {
    .read = dir_read,
    .write = ro_write,
    .pread = dir_pread,
    .lseek = dir_lseek,
};

/* ---- generic ops for writable regular files ---- */

static ssize_t rw_pwrite(struct file *f, const void *buf, size_t len, uint64_t off)
{
    if (!f->inode->iops->write)
        return -EBADF;
    return f->inode->iops->write(f->inode, buf, len, off);
}

static ssize_t rw_write(struct file *f, const void *buf, size_t len, uint64_t *pos)
{
    /* O_APPEND: every write goes to the end as it is now (the inode's size). */
    uint64_t off = (f->flags & O_APPEND) ? __atomic_load_n(&f->inode->size, __ATOMIC_RELAXED)
                                         : *pos;
    ssize_t n;

    if ((int64_t)off < 0 || off + len < off)
        return -EFBIG;
    n = rw_pwrite(f, buf, len, off);
    if (n > 0)
        *pos = off + (uint64_t)n;
    return n;
}

const struct file_ops generic_rw_file_ops = {
    .read = ro_read,
    .write = rw_write,
    .pread = ro_pread,
    .lseek = ro_lseek,
    .pwrite = rw_pwrite,
};
