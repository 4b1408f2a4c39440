/*
 * eventfd and eventfd2: a 64-bit counter in enclave memory behind a file (eventfd(2)).
 *
 * A write of 8 bytes adds its value (UINT64_MAX itself is -EINVAL); it blocks while the sum
 * would pass UINT64_MAX - 1. A read of at least 8 bytes returns the counter and zeroes it, or
 * with EFD_SEMAPHORE returns 1 and decrements it; it blocks while the counter is 0.
 * O_NONBLOCK turns both waits into -EAGAIN. Readable when the counter is not 0, writable
 * while it is below UINT64_MAX - 1.
 *
 * Locking: ev->lock guards count; blocked readers and writers park on `wq`; pollers watch
 * `poll`, notified after each change without ev->lock held.
 */
#include "fs/fdtable.h"
#include "fs/fs.h"
#include "fs/vfs.h"
#include "ipc/poll.h"
#include "mm/mm.h"
#include "process/process.h"
#include "sched/sched.h"
#include "syscall/syscall.h"
#include "uapi/errno.h"
#include "util/log.h"
#include "util/string.h"

#define EFD_SEMAPHORE 1
#define EFD_CLOEXEC   O_CLOEXEC
#define EFD_NONBLOCK  O_NONBLOCK

#define EVENTFD_MAX (UINT64_MAX - 1)

struct eventfd {
    spinlock_t lock;
    uint64_t count; /* guarded by lock */
    bool semaphore;
    struct waitq wq;
    struct poll_head poll;
};

static struct super_block eventfd_sb = {.dev = 0xd};
static uint64_t next_ino = 1;

static bool can_read(void *arg)
{
    struct eventfd *ev = arg;
    return ev->count > 0;
}

static ssize_t eventfd_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
    (void)pos;
    struct eventfd *ev = f->inode->priv;
    if (len < sizeof(uint64_t))
        return -EINVAL;
    spin_lock(&ev->lock);
    if (ev->count == 0) {
        if (f->flags & O_NONBLOCK) {
            spin_unlock(&ev->lock);
            return -EAGAIN;
        }
        int rc = wait_event(&ev->wq, can_read, ev, -1, &ev->lock);
        if (rc) {
            spin_unlock(&ev->lock);
            return rc;
        }
    }
    uint64_t v = ev->semaphore ? 1 : ev->count;
    ev->count -= v;
    spin_unlock(&ev->lock);
    memcpy(buf, &v, sizeof(v));
    waitq_wake_all(&ev->wq);
    poll_notify(&ev->poll, POLLOUT | POLLWRNORM);
    return sizeof(v);
}

struct write_wait {
    struct eventfd *ev;
    uint64_t v;
};

static bool can_write(void *arg)
{
    struct write_wait *w = arg;
    return EVENTFD_MAX - w->ev->count >= w->v;
}

static ssize_t eventfd_write(struct file *f, const void *buf, size_t len, uint64_t *pos)
{
    (void)pos;
    struct eventfd *ev = f->inode->priv;
    struct write_wait w = {.ev = ev};
    if (len < sizeof(uint64_t))
        return -EINVAL;
    memcpy(&w.v, buf, sizeof(w.v));
    if (w.v == UINT64_MAX)
        return -EINVAL;
    spin_lock(&ev->lock);
    if (!can_write(&w)) {
        if (f->flags & O_NONBLOCK) {
            spin_unlock(&ev->lock);
            return -EAGAIN;
        }
        int rc = wait_event(&ev->wq, can_write, &w, -1, &ev->lock);
        if (rc) {
            spin_unlock(&ev->lock);
            return rc;
        }
    }
    ev->count += w.v;
    spin_unlock(&ev->lock);
    if (w.v) {
        waitq_wake_all(&ev->wq);
        poll_notify(&ev->poll, POLLIN | POLLRDNORM);
    }
    return sizeof(w.v);
}

static unsigned int eventfd_poll(struct file *f, struct poll_table *pt)
{
    struct eventfd *ev = f->inode->priv;
    unsigned int mask = 0;
    poll_wait(pt, &ev->poll);
    spin_lock(&ev->lock);
    if (ev->count > 0)
        mask |= POLLIN | POLLRDNORM;
    if (ev->count < EVENTFD_MAX)
        mask |= POLLOUT | POLLWRNORM;
    spin_unlock(&ev->lock);
    return mask;
}

static void eventfd_release(struct file *f)
{
    poll_file_release(f);
}

static void eventfd_inode_release(struct inode *inode)
{
    struct eventfd *ev = inode->priv;
    poll_head_destroy(&ev->poll);
    kfree(ev);
}

/* An anonymous inode, as Linux's anon_inode: mode 0600 without a type. */
static int eventfd_getattr(struct inode *inode, struct stat *st)
{
    st->st_dev = eventfd_sb.dev;
    st->st_ino = inode->ino;
    st->st_mode = 0600;
    st->st_nlink = 1;
    st->st_blksize = 4096;
    return 0;
}

static const struct file_ops eventfd_fops = {
    .read = eventfd_read,
    .write = eventfd_write,
    .release = eventfd_release,
    .poll = eventfd_poll,
};

static const struct inode_ops eventfd_iops = {
    .getattr = eventfd_getattr,
    .release = eventfd_inode_release,
};

static long do_eventfd2(unsigned int initval, int flags)
{
    if (flags & ~(EFD_SEMAPHORE | EFD_CLOEXEC | EFD_NONBLOCK))
        return -EINVAL;
    struct eventfd *ev = kzalloc(sizeof(*ev));
    if (!ev)
        return -ENOMEM;
    ev->lock = (spinlock_t)SPINLOCK_INIT;
    ev->count = initval;
    ev->semaphore = flags & EFD_SEMAPHORE;
    waitq_init(&ev->wq);
    poll_head_init(&ev->poll);
    uint64_t ino = __atomic_fetch_add(&next_ino, 1, __ATOMIC_RELAXED);
    struct inode *inode = inode_alloc(&eventfd_sb, ino, 0600, 0, &eventfd_iops, &eventfd_fops);
    if (!inode) {
        kfree(ev);
        return -ENOMEM;
    }
    inode->priv = ev; /* the inode owns it now */
    struct file *f = file_alloc(inode, O_RDWR | (flags & EFD_NONBLOCK));
    inode_put(inode);
    if (!f)
        return -ENOMEM;
    int fd = fdtable_install(current_process()->files, f, 0, flags & EFD_CLOEXEC);
    file_put(f);
    return fd;
}

DEFINE_SYSCALL2(eventfd2, unsigned int, initval, int, flags)
{
    return do_eventfd2(initval, flags);
}

DEFINE_SYSCALL1(eventfd, unsigned int, initval)
{
    return do_eventfd2(initval, 0);
}
