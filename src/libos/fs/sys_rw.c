/*
 * Data system calls on fds: read, write, readv, writev, pread64, lseek, ioctl.
 *
 * Guest buffers are never handed to file systems: data is bounced through one kernel buffer
 * of at most BOUNCE_MAX bytes per call, and copied to or from the guest with util/uaccess.h.
 * A large transfer is done in chunks; it stops early on a short chunk (end of file, a partial
 * host write) and on a stream (a second host read could block where Linux would return), and
 * then returns what was done, as Linux does. An error after some bytes were done returns the
 * count; an error before returns the error.
 */
#include "fs/fdtable.h"
#include "fs/current.h"
#include "fs/vfs.h"
#include "mm/mm.h"
#include "syscall/syscall.h"
#include "uapi/errno.h"
#include "util/log.h"
#include "util/string.h"
#include "util/uaccess.h"

#define BOUNCE_MAX (64 * 1024)
/* Linux never moves more than this in one call. */
#define MAX_RW_COUNT 0x7ffff000L
#define SSIZE_MAX    0x7fffffffffffffffL

static bool seekable(const struct file *f)
{
    return f->ops && f->ops->lseek;
}

static int check_readable(const struct file *f)
{
    if ((f->flags & O_PATH) || (f->flags & O_ACCMODE) == O_WRONLY)
        return -EBADF;
    if (S_ISDIR(f->inode->mode))
        return -EISDIR;
    if (!f->ops || !f->ops->read)
        return -EINVAL;
    return 0;
}

static int check_writable(const struct file *f)
{
    if ((f->flags & O_PATH) || (f->flags & O_ACCMODE) == O_RDONLY)
        return -EBADF;
    if (!f->ops || !f->ops->write)
        return -EINVAL;
    return 0;
}

/*
 * Reads up to len bytes into guest memory. With `off` (pread) the position is explicit;
 * otherwise *pos is used and advanced. The caller has checked the file is readable.
 */
static ssize_t do_read(struct file *f, char *ubuf, size_t len, uint64_t *pos, bool positional)
{
    size_t done = 0, cap = MIN(len, (size_t)BOUNCE_MAX);
    ssize_t ret = 0;
    char *kbuf;

    if (len == 0)
        return 0;
    kbuf = kmalloc(cap);
    if (!kbuf)
        return -ENOMEM;
    while (done < len) {
        size_t chunk = MIN(len - done, cap);
        ssize_t n =
            positional ? f->ops->pread(f, kbuf, chunk, *pos) : f->ops->read(f, kbuf, chunk, pos);

        if (n < 0) {
            ret = n;
            break;
        }
        if ((size_t)n > chunk) { /* a file system bug, not a host answer */
            ret = -EIO;
            break;
        }
        if (copy_to_user(ubuf + done, kbuf, (size_t)n) < 0) {
            ret = -EFAULT;
            break;
        }
        if (positional)
            *pos += (uint64_t)n;
        done += (size_t)n;
        if ((size_t)n < chunk || !seekable(f))
            break;
    }
    kfree(kbuf);
    return done > 0 ? (ssize_t)done : ret;
}

static ssize_t do_write(struct file *f, const char *ubuf, size_t len, uint64_t *pos)
{
    size_t done = 0, cap = MIN(len, (size_t)BOUNCE_MAX);
    ssize_t ret = 0;
    char *kbuf;

    if (len == 0)
        return 0;
    kbuf = kmalloc(cap);
    if (!kbuf)
        return -ENOMEM;
    while (done < len) {
        size_t chunk = MIN(len - done, cap);
        ssize_t n;

        if (copy_from_user(kbuf, ubuf + done, chunk) < 0) {
            ret = -EFAULT;
            break;
        }
        n = f->ops->write(f, kbuf, chunk, pos);
        if (n < 0) {
            ret = n;
            break;
        }
        if ((size_t)n > chunk) {
            ret = -EIO;
            break;
        }
        done += (size_t)n;
        if ((size_t)n < chunk)
            break;
    }
    kfree(kbuf);
    return done > 0 ? (ssize_t)done : ret;
}

static uint64_t pos_load(struct file *f)
{
    uint64_t pos;

    spin_lock(&f->pos_lock);
    pos = f->pos;
    spin_unlock(&f->pos_lock);
    return pos;
}

static void pos_store(struct file *f, uint64_t pos)
{
    spin_lock(&f->pos_lock);
    f->pos = pos;
    spin_unlock(&f->pos_lock);
}

DEFINE_SYSCALL3(read, int, fd, char *, ubuf, size_t, count)
{
    struct file *f = fd_lookup_file(fd);
    uint64_t pos;
    ssize_t ret;

    if (!f)
        return -EBADF;
    ret = check_readable(f);
    if (ret == 0) {
        pos = pos_load(f);
        ret = do_read(f, ubuf, MIN(count, (size_t)MAX_RW_COUNT), &pos, false);
        if (ret > 0 && seekable(f))
            pos_store(f, pos);
    }
    file_put(f);
    return ret;
}

DEFINE_SYSCALL3(write, int, fd, const char *, ubuf, size_t, count)
{
    struct file *f = fd_lookup_file(fd);
    uint64_t pos;
    ssize_t ret;

    if (!f)
        return -EBADF;
    ret = check_writable(f);
    if (ret == 0) {
        pos = pos_load(f);
        ret = do_write(f, ubuf, MIN(count, (size_t)MAX_RW_COUNT), &pos);
        if (ret > 0 && seekable(f))
            pos_store(f, pos);
    }
    file_put(f);
    return ret;
}

DEFINE_SYSCALL4(pread64, int, fd, char *, ubuf, size_t, count, int64_t, off)
{
    struct file *f = fd_lookup_file(fd);
    uint64_t pos = (uint64_t)off;
    ssize_t ret;

    if (!f)
        return -EBADF;
    ret = check_readable(f);
    if (ret == 0 && !f->ops->pread)
        ret = -ESPIPE;
    if (ret == 0 && off < 0)
        ret = -EINVAL;
    if (ret == 0)
        ret = do_read(f, ubuf, MIN(count, (size_t)MAX_RW_COUNT), &pos, true);
    file_put(f);
    return ret;
}

/* Copies in and checks an iovec array: 0, -EINVAL (count or total length), -EFAULT. */
static int copy_iov(const struct iovec *uiov, int iovcnt, struct iovec **out)
{
    struct iovec *iov;
    size_t total = 0;
    int i;

    if (iovcnt < 0 || iovcnt > IOV_MAX)
        return -EINVAL;
    iov = kmalloc((size_t)(iovcnt ? iovcnt : 1) * sizeof(*iov));
    if (!iov)
        return -ENOMEM;
    if (copy_from_user(iov, uiov, (size_t)iovcnt * sizeof(*iov)) < 0) {
        kfree(iov);
        return -EFAULT;
    }
    for (i = 0; i < iovcnt; i++) {
        if ((ssize_t)iov[i].iov_len < 0 || iov[i].iov_len > (size_t)SSIZE_MAX - total) {
            kfree(iov);
            return -EINVAL;
        }
        total += iov[i].iov_len;
    }
    *out = iov;
    return 0;
}

static ssize_t do_rw_iov(int fd, const struct iovec *uiov, int iovcnt, bool is_write)
{
    struct iovec *iov;
    struct file *f;
    size_t done = 0, left = MAX_RW_COUNT;
    uint64_t pos;
    ssize_t ret;
    int i;

    f = fd_lookup_file(fd);
    if (!f)
        return -EBADF;
    ret = is_write ? check_writable(f) : check_readable(f);
    if (ret < 0)
        goto out_put;
    ret = copy_iov(uiov, iovcnt, &iov);
    if (ret < 0)
        goto out_put;
    pos = pos_load(f);
    for (i = 0; i < iovcnt && left > 0; i++) {
        size_t len = MIN(iov[i].iov_len, left);
        ssize_t n;

        if (len == 0)
            continue;
        n = is_write ? do_write(f, iov[i].iov_base, len, &pos)
                     : do_read(f, iov[i].iov_base, len, &pos, false);
        if (n < 0) {
            ret = n;
            break;
        }
        done += (size_t)n;
        left -= (size_t)n;
        /* A stream read stops at the first buffer: another host read could block. */
        if ((size_t)n < len || (!is_write && !seekable(f)))
            break;
    }
    if (done > 0) {
        ret = (ssize_t)done;
        if (seekable(f))
            pos_store(f, pos);
    }
    kfree(iov);
out_put:
    file_put(f);
    return ret;
}

DEFINE_SYSCALL3(readv, int, fd, const struct iovec *, uiov, int, iovcnt)
{
    return do_rw_iov(fd, uiov, iovcnt, false);
}

DEFINE_SYSCALL3(writev, int, fd, const struct iovec *, uiov, int, iovcnt)
{
    return do_rw_iov(fd, uiov, iovcnt, true);
}

DEFINE_SYSCALL3(lseek, int, fd, int64_t, off, unsigned int, whence)
{
    struct file *f = fd_lookup_file(fd);
    long ret;

    if (!f)
        return -EBADF;
    if (f->flags & O_PATH)
        ret = -EBADF;
    else if (!seekable(f))
        ret = -ESPIPE;
    else
        ret = f->ops->lseek(f, off, (int)whence);
    file_put(f);
    return ret;
}

DEFINE_SYSCALL3(ioctl, int, fd, unsigned int, request, unsigned long, uarg)
{
    struct file *f = fd_lookup_file(fd);
    long ret;
    int on;

    if (!f)
        return -EBADF;
    ret = -EBADF;
    if (f->flags & O_PATH)
        goto out;
    switch (request) {
    case FIOCLEX:
    case FIONCLEX:
        ret = fdtable_set_cloexec(current_fdtable(), fd, request == FIOCLEX);
        break;
    case FIONBIO:
        ret = copy_from_user(&on, (const void *)uarg, sizeof(on));
        if (ret == 0) {
            if (on)
                __atomic_fetch_or(&f->flags, O_NONBLOCK, __ATOMIC_RELAXED);
            else
                __atomic_fetch_and(&f->flags, ~(unsigned int)O_NONBLOCK, __ATOMIC_RELAXED);
        }
        break;
    default:
        ret = f->ops && f->ops->ioctl ? f->ops->ioctl(f, request, uarg) : -ENOTTY;
        break;
    }
out:
    file_put(f);
    return ret;
}
