/*
 * The standard streams: files whose I/O goes to the host's fds 0, 1 and 2.
 *
 * They are streams: no position, lseek and pread are -ESPIPE. A read or write is one OCALL and
 * may be short, as on a real pipe or tty; the count the host reports is bounded by the length
 * asked (ocall/ocall.h checks it). fstat reports the type of the host's fd (a tty, a pipe, a
 * file), since libcs pick their buffering from it; TCGETS is passed to the host too.
 */
#include "fs/fdtable.h"
#include "fs/vfs.h"
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

static long stdio_ioctl(struct file *f, unsigned long request, unsigned long uarg)
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
        log_info("ioctl %#lx on a standard stream is not served", request);
        return -ENOTTY;
    }
    memset(&u, 0, sizeof(u));
    ret = host_ioctl(host_fd_of(f), request, &u, len);
    if (ret < 0)
        return ret;
    return copy_to_user((void *)uarg, &u, len);
}

static const struct file_ops stdio_fops = {
    .read = stdio_read,
    .write = stdio_write,
    .ioctl = stdio_ioctl,
};

/* The stream's type comes from the host (a tty, a pipe, a file): programs choose their
 * buffering from it, so it must be the real one. Only the type bits are taken. */
static int stdio_getattr(struct inode *inode, struct stat *st)
{
    uint32_t type;
    uint64_t rdev;
    int rc = host_fstat((int)inode->ino, &type, &rdev);
    if (rc)
        return rc;
    st->st_dev = STDIO_DEV;
    st->st_ino = inode->ino + 1;
    st->st_nlink = 1;
    st->st_mode = type | (type == S_IFCHR ? 0620 : 0600);
    st->st_rdev = type == S_IFCHR ? rdev : 0;
    st->st_blksize = type == S_IFCHR ? 1024 : 4096;
    return 0;
}

static const struct inode_ops stdio_iops = {
    .getattr = stdio_getattr,
};

int stdio_file_open(int host_fd, struct file **out)
{
    struct inode *inode;
    struct file *f;

    inode = inode_alloc(&stdio_sb, (uint64_t)host_fd, S_IFCHR | 0620, 0, &stdio_iops, &stdio_fops);
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
