/*
 * Data system calls on fds: read, write, readv, writev, pread64, pwrite64, preadv(2),
 * pwritev(2), sendfile, copy_file_range, lseek, ioctl.
 *
 * Guest buffers are never handed to file systems: data is bounced through one kernel buffer
 * of at most BOUNCE_MAX bytes per call, and copied to or from the guest with util/uaccess.h.
 * Bounce buffers are pooled (bounce_take/bounce_give), so a read or write costs no heap
 * allocation (kmalloc/kfree were ~13% of a 4 KiB pipe transfer).
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

/* Bounce buffers of BOUNCE_MAX bytes that calls have given back, for the next calls: a read
 * or write then costs no heap allocation. At most POOL_MAX are kept. */
#define POOL_MAX 64
static spinlock_t pool_lock = SPINLOCK_INIT;
static char *pool[POOL_MAX]; /* guarded by pool_lock */
static size_t pooled;        /* guarded by pool_lock */

/* A bounce buffer of BOUNCE_MAX bytes, or NULL. */
static char *bounce_take(void)
{
    char *b = NULL;
    spin_lock(&pool_lock);
    if (pooled)
        b = pool[--pooled];
    spin_unlock(&pool_lock);
    return b ? b : kmalloc(BOUNCE_MAX);
}

void bounce_pool_drain(void)
{
    spin_lock(&pool_lock);
    while (pooled)
        kfree(pool[--pooled]);
    spin_unlock(&pool_lock);
}

static void bounce_give(char *b)
{
    spin_lock(&pool_lock);
    if (pooled < POOL_MAX) {
        pool[pooled++] = b;
        b = NULL;
    }
    spin_unlock(&pool_lock);
    kfree(b);
}

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
    kbuf = bounce_take();
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
    bounce_give(kbuf);
    return done > 0 ? (ssize_t)done : ret;
}

static ssize_t do_write(struct file *f, const char *ubuf, size_t len, uint64_t *pos,
                        bool positional)
{
    size_t done = 0, cap = MIN(len, (size_t)BOUNCE_MAX);
    ssize_t ret = 0;
    char *kbuf;

    if (len == 0)
        return 0;
    kbuf = bounce_take();
    if (!kbuf)
        return -ENOMEM;
    while (done < len) {
        size_t chunk = MIN(len - done, cap);
        ssize_t n;

        if (copy_from_user(kbuf, ubuf + done, chunk) < 0) {
            ret = -EFAULT;
            break;
        }
        n = positional ? f->ops->pwrite(f, kbuf, chunk, *pos) : f->ops->write(f, kbuf, chunk, pos);
        if (n > 0 && positional)
            *pos += (uint64_t)n;
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
    bounce_give(kbuf);
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
        ret = do_write(f, ubuf, MIN(count, (size_t)MAX_RW_COUNT), &pos, false);
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

/* readv/writev and the positional variants: off < 0 means the file's position. */
static ssize_t do_rw_iov(int fd, const struct iovec *uiov, int iovcnt, bool is_write,
                         int64_t off)
{
    bool positional = off >= 0;
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
    if (positional && (is_write ? !f->ops->pwrite : !f->ops->pread)) {
        ret = -ESPIPE;
        goto out_put;
    }
    ret = copy_iov(uiov, iovcnt, &iov);
    if (ret < 0)
        goto out_put;
    pos = positional ? (uint64_t)off : pos_load(f);
    for (i = 0; i < iovcnt && left > 0; i++) {
        size_t len = MIN(iov[i].iov_len, left);
        ssize_t n;

        if (len == 0)
            continue;
        n = is_write ? do_write(f, iov[i].iov_base, len, &pos, positional)
                     : do_read(f, iov[i].iov_base, len, &pos, positional);
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
        if (seekable(f) && !positional)
            pos_store(f, pos);
    }
    kfree(iov);
out_put:
    file_put(f);
    return ret;
}

DEFINE_SYSCALL3(readv, int, fd, const struct iovec *, uiov, int, iovcnt)
{
    return do_rw_iov(fd, uiov, iovcnt, false, -1);
}

DEFINE_SYSCALL3(writev, int, fd, const struct iovec *, uiov, int, iovcnt)
{
    return do_rw_iov(fd, uiov, iovcnt, true, -1);
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

DEFINE_SYSCALL4(pwrite64, int, fd, const char *, ubuf, size_t, count, int64_t, off)
{
    struct file *f = fd_lookup_file(fd);
    uint64_t pos = (uint64_t)off;
    ssize_t ret;

    if (!f)
        return -EBADF;
    ret = check_writable(f);
    if (ret == 0 && !f->ops->pwrite)
        ret = -ESPIPE;
    if (ret == 0 && off < 0)
        ret = -EINVAL;
    if (ret == 0)
        ret = do_write(f, ubuf, MIN(count, (size_t)MAX_RW_COUNT), &pos, true);
    file_put(f);
    return ret;
}

DEFINE_SYSCALL4(preadv, int, fd, const struct iovec *, uiov, int, iovcnt, int64_t, off)
{
    return off < 0 ? -EINVAL : do_rw_iov(fd, uiov, iovcnt, false, off);
}

DEFINE_SYSCALL4(pwritev, int, fd, const struct iovec *, uiov, int, iovcnt, int64_t, off)
{
    return off < 0 ? -EINVAL : do_rw_iov(fd, uiov, iovcnt, true, off);
}

/* RWF_HIPRI, RWF_DSYNC, RWF_SYNC, RWF_NOWAIT, RWF_APPEND: hints for memory file systems. */
#define RWF_SUPPORTED 0x1f

/* preadv2/pwritev2: the offset arrives as two registers (pos_l, pos_h); on x86-64 pos_l
 * holds all 64 bits. -1 means the file's position. */
DEFINE_SYSCALL6(preadv2, int, fd, const struct iovec *, uiov, int, iovcnt, int64_t, off, long,
                pos_h, int, flags)
{
    if (flags & ~RWF_SUPPORTED)
        return -EOPNOTSUPP;
    if (off < -1)
        return -EINVAL;
    return do_rw_iov(fd, uiov, iovcnt, false, off);
}

DEFINE_SYSCALL6(pwritev2, int, fd, const struct iovec *, uiov, int, iovcnt, int64_t, off, long,
                pos_h, int, flags)
{
    if (flags & ~RWF_SUPPORTED)
        return -EOPNOTSUPP;
    if (off < -1)
        return -EINVAL;
    return do_rw_iov(fd, uiov, iovcnt, true, off);
}

/*
 * Copies up to len bytes between two open files inside the LibOS (sendfile,
 * copy_file_range). *in_off / *out_off: explicit offsets, or NULL for the files' positions.
 */
static ssize_t copy_between(struct file *in, uint64_t *in_off, struct file *out,
                            uint64_t *out_off, size_t len)
{
    size_t done = 0, cap = MIN(len, (size_t)BOUNCE_MAX);
    uint64_t ipos = in_off ? *in_off : pos_load(in);
    uint64_t opos = out_off ? *out_off : pos_load(out);
    ssize_t ret = 0;
    char *kbuf;

    if (len == 0)
        return 0;
    kbuf = kmalloc(cap);
    if (!kbuf)
        return -ENOMEM;
    while (done < len) {
        size_t chunk = MIN(len - done, cap);
        ssize_t n, w;

        n = in->ops->pread ? in->ops->pread(in, kbuf, chunk, ipos)
                           : in->ops->read(in, kbuf, chunk, &ipos);
        if (n <= 0 || (size_t)n > chunk) {
            ret = n < 0 ? n : n == 0 ? 0 : -EIO;
            break;
        }
        if (in->ops->pread)
            ipos += (uint64_t)n;
        w = out_off ? out->ops->pwrite(out, kbuf, (size_t)n, opos)
                    : out->ops->write(out, kbuf, (size_t)n, &opos);
        if (w < 0) {
            ret = w;
            break;
        }
        if (out_off)
            opos += (uint64_t)w;
        done += (size_t)w;
        if (w < n) {
            ipos -= (uint64_t)(n - w); /* what was read but not written is not consumed */
            break;
        }
        if ((size_t)n < chunk)
            break;
    }
    kfree(kbuf);
    if (done == 0 && ret < 0)
        return ret;
    if (in_off)
        *in_off = ipos;
    else if (seekable(in))
        pos_store(in, ipos);
    if (out_off)
        *out_off = opos;
    else if (seekable(out))
        pos_store(out, opos);
    return (ssize_t)done;
}

DEFINE_SYSCALL4(sendfile, int, out_fd, int, in_fd, int64_t *, uoff, size_t, count)
{
    struct file *in = fd_lookup_file(in_fd), *out = fd_lookup_file(out_fd);
    int64_t off = 0;
    uint64_t pos;
    ssize_t ret;

    ret = -EBADF;
    if (!in || !out)
        goto out;
    ret = check_readable(in);
    if (ret == 0)
        ret = check_writable(out);
    if (ret < 0)
        goto out;
    ret = -EINVAL;
    if (!in->ops->pread || (out->flags & O_APPEND))
        goto out;
    if (uoff) {
        ret = -EFAULT;
        if (copy_from_user(&off, uoff, sizeof(off)) < 0)
            goto out;
        ret = -EINVAL;
        if (off < 0)
            goto out;
        pos = (uint64_t)off;
    }
    ret = copy_between(in, uoff ? &pos : NULL, out, NULL, MIN(count, (size_t)MAX_RW_COUNT));
    if (ret >= 0 && uoff) {
        off = (int64_t)pos;
        if (copy_to_user(uoff, &off, sizeof(off)) < 0)
            ret = -EFAULT;
    }
out:
    file_put(in);
    file_put(out);
    return ret;
}

DEFINE_SYSCALL6(copy_file_range, int, fd_in, int64_t *, uoff_in, int, fd_out, int64_t *,
                uoff_out, size_t, len, unsigned int, flags)
{
    struct file *in = fd_lookup_file(fd_in), *out = fd_lookup_file(fd_out);
    int64_t oi = 0, oo = 0;
    uint64_t pi, po;
    ssize_t ret;

    ret = -EBADF;
    if (!in || !out)
        goto out;
    ret = -EINVAL;
    if (flags)
        goto out;
    ret = check_readable(in);
    if (ret == 0)
        ret = check_writable(out);
    if (ret == 0 && (out->flags & O_APPEND))
        ret = -EBADF;
    if (ret < 0)
        goto out;
    ret = -EINVAL;
    if (!S_ISREG(in->inode->mode) || !S_ISREG(out->inode->mode) || !in->ops->pread ||
        !out->ops->pwrite)
        goto out;
    ret = -EFAULT;
    if ((uoff_in && copy_from_user(&oi, uoff_in, sizeof(oi)) < 0) ||
        (uoff_out && copy_from_user(&oo, uoff_out, sizeof(oo)) < 0))
        goto out;
    ret = -EINVAL;
    if (oi < 0 || oo < 0)
        goto out;
    pi = uoff_in ? (uint64_t)oi : pos_load(in);
    po = uoff_out ? (uint64_t)oo : pos_load(out);
    len = MIN(len, (size_t)MAX_RW_COUNT);
    /* Overlapping ranges of one file are refused, as Linux does. */
    if (inode_same(in->inode, out->inode) && pi < po + len && po < pi + len)
        goto out;
    ret = copy_between(in, &pi, out, &po, len);
    if (ret < 0)
        goto out;
    if (uoff_in) {
        oi = (int64_t)pi;
        if (copy_to_user(uoff_in, &oi, sizeof(oi)) < 0)
            ret = -EFAULT;
    } else {
        pos_store(in, pi);
    }
    if (uoff_out) {
        oo = (int64_t)po;
        if (copy_to_user(uoff_out, &oo, sizeof(oo)) < 0)
            ret = -EFAULT;
    } else {
        pos_store(out, po);
    }
out:
    file_put(in);
    file_put(out);
    return ret;
}
