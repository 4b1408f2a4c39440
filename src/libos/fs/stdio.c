/*
 * The standard streams: files whose I/O goes to the host's fds 0, 1 and 2.
 *
 * A read or write is one OCALL and may be short, as on a real pipe or tty; the count the
 * host reports is bounded by the length asked (ocall/ocall.h checks it). fstat reports what
 * the host's fd is (a tty, a pipe, a file, with its permission bits and size), since libcs
 * pick their buffering from it and programs size their input by it; TCGETS is passed to the
 * host too. poll asks the host with a zero timeout.
 *
 * A stream that is a regular file on the host (`prog < file`) is also seekable: lseek and
 * pread go to the host fd, whose offset stays the one the host's other holders see, as an
 * inherited fd's offset does on Linux. Other streams have no position (-ESPIPE).
 */
#include "fs/fdtable.h"
#include "fs/vfs.h"
#include "ipc/poll.h"
#include "mm/mm.h"
#include "ocall/ocall.h"
#include "uapi/errno.h"
#include "util/log.h"
#include "util/string.h"
#include "util/uaccess.h"

/* st_dev of the streams. */
#define STDIO_DEV 0x16

static struct super_block stdio_sb = {.dev = STDIO_DEV};

static int host_fd_of(struct file *f)
{
    return (int)f->inode->ino;
}

static ssize_t stdio_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
    return host_read(host_fd_of(f), buf, len);
}

static ssize_t stdio_write(struct file *f, const void *buf, size_t len, uint64_t *pos)
{
    return host_write(host_fd_of(f), buf, len);
}

long host_tty_ioctl(int host_fd, unsigned long request, unsigned long uarg)
{
    union {
        struct ktermios t;
        struct winsize w;
    } u;
    size_t len;
    int ret;

    switch (request) {
    case TCGETS:
        len = sizeof(u.t);
        break;
    case TIOCGWINSZ:
        len = sizeof(u.w);
        break;
    default:
        log_info("ioctl %#lx on a host terminal stream is not served", request);
        return -ENOTTY;
    }
    memset(&u, 0, sizeof(u));
    ret = host_ioctl(host_fd, request, &u, len);
    if (ret < 0)
        return ret;
    return copy_to_user((void *)uarg, &u, len);
}

static long stdio_ioctl(struct file *f, unsigned long request, unsigned long uarg)
{
    return host_tty_ioctl(host_fd_of(f), request, uarg);
}

/* Readiness comes from the host (a zero-timeout host poll); the host cannot wake an enclave
 * waiter, so waiters re-poll it (ipc/poll.h: poll_recheck). */
static unsigned int stdio_poll(struct file *f, struct poll_table *pt)
{
    unsigned int revents;
    poll_recheck(pt);
    int rc = host_poll(host_fd_of(f), POLLIN | POLLPRI | POLLOUT | POLLRDNORM | POLLWRNORM,
                       &revents);
    if (rc < 0)
        return POLLERR;
    return revents & POLLNVAL ? POLLERR : revents;
}

static int64_t stdio_lseek(struct file *f, int64_t off, int whence)
{
    if (whence < SEEK_SET || whence > SEEK_END)
        return -EINVAL;
    return host_lseek(host_fd_of(f), off, whence);
}

static ssize_t stdio_pread(struct file *f, void *buf, size_t len, uint64_t off)
{
    return host_pread(host_fd_of(f), buf, len, off);
}

/* A regular file on the host: the stream ops plus a position. */
static const struct file_ops stdio_file_fops = {
    .read = stdio_read,
    .write = stdio_write,
    .ioctl = stdio_ioctl,
    .poll = stdio_poll,
    .lseek = stdio_lseek,
    .pread = stdio_pread,
};

static const struct file_ops stdio_fops = {
    .read = stdio_read,
    .write = stdio_write,
    .ioctl = stdio_ioctl,
    .poll = stdio_poll,
};

/* The stream's type comes from the host (a tty, a pipe, a file): programs choose their
 * buffering from it, so it must be the real one. Only the type bits are taken. */
static int stdio_getattr(struct inode *inode, struct stat *st)
{
    struct host_stat hs;
    int rc = host_fstat((int)inode->ino, &hs);
    if (rc)
        return rc;
    st->st_dev = STDIO_DEV;
    st->st_ino = inode->ino + 1;
    st->st_nlink = 1;
    st->st_mode = hs.type | hs.perm;
    st->st_rdev = hs.type == S_IFCHR ? hs.rdev : 0;
    st->st_size = hs.type == S_IFREG ? hs.size : 0;
    st->st_blksize = hs.type == S_IFCHR ? 1024 : 4096;
    st->st_blocks = (st->st_size + 511) / 512;
    return 0;
}

static const struct inode_ops stdio_iops = {
    .getattr = stdio_getattr,
};

int stdio_file_open(int host_fd, struct file **out)
{
    struct inode *inode;
    struct file *f;

    struct host_stat hs;
    bool regular = host_fstat(host_fd, &hs) == 0 && hs.type == S_IFREG;
    inode = inode_alloc(&stdio_sb, (uint64_t)host_fd, regular ? S_IFREG | 0600 : S_IFCHR | 0620,
                        0, &stdio_iops, regular ? &stdio_file_fops : &stdio_fops);
    if (!inode)
        return -ENOMEM;
    /* A terminal's streams are all open read-write; the host decides what really works. */
    f = file_alloc(inode, O_RDWR);
    inode_put(inode);
    if (!f)
        return -ENOMEM;
    *out = f;
    return 0;
}
