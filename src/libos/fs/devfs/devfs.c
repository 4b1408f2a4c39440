/*
 * devfs: the /dev a Linux program expects, as a pseudo tree (fs/procfs/pseudo.h).
 *
 *   null     1:3  reads end at once, writes vanish
 *   zero     1:5  reads zeros, writes vanish
 *   full     1:7  reads zeros, writes fail with ENOSPC
 *   random   1:8  reads bytes of RDRAND (arch.h), writes are accepted and ignored (as
 *   urandom  1:9  Linux credits nothing for them)
 *   tty      5:0  the host's terminal, through the standard streams: reads from host fd 0,
 *                 writes and terminal ioctls to host fd 2 (the stream least often
 *                 redirected), as the enclave has no terminal of its own
 *   stdin, stdout, stderr -> /proc/self/fd/0..2, fd -> /proc/self/fd (symlinks, as udev
 *                 makes them)
 *   shm/          an empty directory, the mount point for a ramfs (the default Occlum.json
 *                 mounts one there)
 *
 * The devices keep no state, so their inodes and open files need no lock.
 */
#include "arch/arch.h"
#include "fs/devfs/devfs.h"
#include "fs/fdtable.h"
#include "fs/fs_types.h"
#include "fs/procfs/pseudo.h"
#include "ocall/ocall.h"
#include "uapi/errno.h"
#include "util/log.h"
#include "util/string.h"
#include "util/uaccess.h"

/* st_dev of devfs inodes (devtmpfs is 0:5 on Linux). */
#define DEVFS_DEV 0x5

/* ---- shared ops ---- */

static int64_t dev_lseek_zero(struct file *f, int64_t off, int whence)
{
    /* Linux's null, zero, full and random devices ignore seeks and report position 0. */
    return 0;
}

static long dev_notty(struct file *f, unsigned long request, unsigned long uarg)
{
    return -ENOTTY;
}

static ssize_t dev_pwrite_sink(struct file *f, const void *buf, size_t len, uint64_t off)
{
    return (ssize_t)len;
}

static ssize_t dev_write_sink(struct file *f, const void *buf, size_t len, uint64_t *pos)
{
    return (ssize_t)len;
}

static ssize_t dev_pread_zero(struct file *f, void *buf, size_t len, uint64_t off)
{
    memset(buf, 0, len);
    return (ssize_t)len;
}

static ssize_t dev_read_zero(struct file *f, void *buf, size_t len, uint64_t *pos)
{
    return dev_pread_zero(f, buf, len, *pos);
}

/* ---- null ---- */

static ssize_t null_pread(struct file *f, void *buf, size_t len, uint64_t off)
{
    return 0;
}

static ssize_t null_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
    return 0;
}

static const struct file_ops null_fops = {
    .read = null_read,
    .write = dev_write_sink,
    .pread = null_pread,
    .pwrite = dev_pwrite_sink,
    .lseek = dev_lseek_zero,
    .ioctl = dev_notty,
};

/* ---- zero, full ---- */

static const struct file_ops zero_fops = {
    .read = dev_read_zero,
    .write = dev_write_sink,
    .pread = dev_pread_zero,
    .pwrite = dev_pwrite_sink,
    .lseek = dev_lseek_zero,
    .ioctl = dev_notty,
};

static ssize_t full_pwrite(struct file *f, const void *buf, size_t len, uint64_t off)
{
    return -ENOSPC;
}

static ssize_t full_write(struct file *f, const void *buf, size_t len, uint64_t *pos)
{
    return -ENOSPC;
}

static const struct file_ops full_fops = {
    .read = dev_read_zero,
    .write = full_write,
    .pread = dev_pread_zero,
    .pwrite = full_pwrite,
    .lseek = dev_lseek_zero,
    .ioctl = dev_notty,
};

/* ---- random, urandom ---- */

ssize_t devfs_fill_random(void *buf, size_t len)
{
    unsigned char *p = buf;
    size_t done = 0;

    while (done < len) {
        uint64_t r;
        size_t n = MIN(len - done, sizeof(r));

        if (!rdrand64(&r)) {
            log_error("RDRAND failed: /dev/random cannot be served");
            return done ? (ssize_t)done : -EIO;
        }
        memcpy(p + done, &r, n);
        done += n;
    }
    return (ssize_t)done;
}

static ssize_t random_pread(struct file *f, void *buf, size_t len, uint64_t off)
{
    return devfs_fill_random(buf, len);
}

static ssize_t random_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
    return devfs_fill_random(buf, len);
}

static const struct file_ops random_fops = {
    .read = random_read,
    .write = dev_write_sink,
    .pread = random_pread,
    .pwrite = dev_pwrite_sink,
    .lseek = dev_lseek_zero,
    .ioctl = dev_notty,
};

/* ---- tty ---- */

#define TTY_IN  0
#define TTY_OUT 2

static ssize_t tty_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
    return host_read(TTY_IN, buf, len);
}

static ssize_t tty_write(struct file *f, const void *buf, size_t len, uint64_t *pos)
{
    return host_write(TTY_OUT, buf, len);
}

static long tty_ioctl(struct file *f, unsigned long request, unsigned long uarg)
{
    return host_tty_ioctl(TTY_OUT, request, uarg);
}

static const struct file_ops tty_fops = {
    .read = tty_read,
    .write = tty_write,
    .ioctl = tty_ioctl,
};

/* ---- the tree ---- */

static int link_gen(const char *target, struct seqbuf *out)
{
    seq_puts(out, target);
    return 0;
}

static int stdin_gen(const struct pseudo_args *a, struct seqbuf *out)
{
    return link_gen("/proc/self/fd/0", out);
}

static int stdout_gen(const struct pseudo_args *a, struct seqbuf *out)
{
    return link_gen("/proc/self/fd/1", out);
}

static int stderr_gen(const struct pseudo_args *a, struct seqbuf *out)
{
    return link_gen("/proc/self/fd/2", out);
}

static int fd_gen(const struct pseudo_args *a, struct seqbuf *out)
{
    return link_gen("/proc/self/fd", out);
}

#define CHRDEV(n, maj, min, ops)                                                                   \
    static const struct pseudo_node dev_##n = {                                                    \
        .name = #n, .mode = S_IFCHR | 0666, .fops = &ops, .rdev = PSEUDO_MKDEV(maj, min)}

CHRDEV(null, 1, 3, null_fops);
CHRDEV(zero, 1, 5, zero_fops);
CHRDEV(full, 1, 7, full_fops);
CHRDEV(random, 1, 8, random_fops);
CHRDEV(urandom, 1, 9, random_fops);
CHRDEV(tty, 5, 0, tty_fops);

static const struct pseudo_node dev_stdin = {
    .name = "stdin", .mode = S_IFLNK | 0777, .gen = stdin_gen};
static const struct pseudo_node dev_stdout = {
    .name = "stdout", .mode = S_IFLNK | 0777, .gen = stdout_gen};
static const struct pseudo_node dev_stderr = {
    .name = "stderr", .mode = S_IFLNK | 0777, .gen = stderr_gen};
static const struct pseudo_node dev_fd = {.name = "fd", .mode = S_IFLNK | 0777, .gen = fd_gen};
static const struct pseudo_node dev_shm = {.name = "shm", .mode = S_IFDIR | 01777};

static const struct pseudo_node *const devfs_children[] = {
    &dev_fd,    &dev_full,   &dev_null, &dev_random,  &dev_shm,  &dev_stderr,
    &dev_stdin, &dev_stdout, &dev_tty,  &dev_urandom, &dev_zero, NULL,
};

static const struct pseudo_node devfs_root = {.mode = S_IFDIR | 0755, .children = devfs_children};

int devfs_mount(const char *source, const char *options, struct super_block **out)
{
    return pseudo_mount(&devfs_root, DEVFS_DEV, "devtmpfs", out);
}

void devfs_register(void)
{
    int ret = vfs_register_fs("devfs", devfs_mount);

    if (ret < 0)
        log_error("devfs: cannot register (%d)", ret);
}
