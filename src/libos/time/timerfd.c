/*
 * timerfd: timerfd_create, timerfd_settime, timerfd_gettime, and the file they make.
 *
 * A timerfd is a struct ktimer on the timer service's queue (time/timer.c) plus a count of
 * expirations not yet read. Its expire callback adds to the count and wakes readers; read
 * returns the count as 8 bytes and resets it, blocking while it is 0 (-EAGAIN with
 * O_NONBLOCK; a signal interrupts it, to be restarted or -EINTR as SA_RESTART says).
 * Setting the timer resets the count. Clocks: CLOCK_REALTIME, CLOCK_MONOTONIC,
 * CLOCK_BOOTTIME; TFD_TIMER_ABSTIME; TFD_TIMER_CANCEL_ON_SET is accepted and never fires
 * (nothing inside the enclave sets the clock, and a change of the host's wall clock is not
 * followed). The timer lives as long as the open file, whichever process holds it.
 *
 * The file is an anonymous inode (st_mode 0600, no type bits, as Linux's anon_inode), O_RDWR;
 * write is -EINVAL, as Linux (no TFD_IOC_SET_TICKS).
 *
 * It is pollable (ipc/poll.h): POLLIN while the count is not 0; the expire callback notifies.
 *
 * Locking: timers_lock guards the timer and `ticks`; readers park on `readers` with it held
 * (wait_event drops it while parked), so the order is timers_lock -> waitq lock, as in the
 * expire callback. The expire callback also calls poll_notify with timers_lock held (the
 * timerfd may be freed as soon as the lock is dropped): timers_lock -> poll head lock ->
 * epoll ready lock. That is safe because no poll waiter takes timers_lock under a head or
 * ready lock: the poll op below takes it only under epoll's ctl lock or no lock at all
 * (epoll ctl -> timers_lock -> head -> ready is acyclic).
 */
#include "fs/fdtable.h"
#include "fs/fs.h"
#include "fs/vfs.h"
#include "ipc/poll.h"
#include "mm/mm.h"
#include "process/process.h"
#include "sched/sched.h"
#include "syscall/syscall.h"
#include "time/timer.h"
#include "time/time.h"
#include "uapi/errno.h"
#include "util/log.h"
#include "util/string.h"
#include "util/uaccess.h"

#define TFD_TIMER_ABSTIME       1
#define TFD_TIMER_CANCEL_ON_SET 2
#define TFD_CLOEXEC             O_CLOEXEC
#define TFD_NONBLOCK            O_NONBLOCK

struct itimerspec {
    struct timespec it_interval;
    struct timespec it_value;
};

struct timerfd {
    struct ktimer kt;
    int clock;
    uint64_t interval; /* as the guest set it */
    uint64_t ticks;    /* expirations not read yet; guarded by timers_lock */
    struct waitq readers;
    struct poll_head poll;
};

static struct super_block timerfd_sb = {.dev = 0xd};
static uint64_t next_ino = 1;

static void timerfd_expire(struct ktimer *kt, uint64_t count)
{
    struct timerfd *t = container_of(kt, struct timerfd, kt);
    t->ticks = ktime_add(t->ticks, count);
    waitq_wake_all(&t->readers);
    poll_notify(&t->poll, POLLIN | POLLRDNORM);
}

static bool has_ticks(void *arg)
{
    return ((struct timerfd *)arg)->ticks != 0;
}

static ssize_t timerfd_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
    (void)pos;
    struct timerfd *t = f->inode->priv;
    if (len < sizeof(uint64_t))
        return -EINVAL;
    spin_lock(&timers_lock);
    if (!t->ticks) {
        if (f->flags & O_NONBLOCK) {
            spin_unlock(&timers_lock);
            return -EAGAIN;
        }
        int rc = wait_event(&t->readers, has_ticks, t, -1, &timers_lock);
        if (rc) {
            spin_unlock(&timers_lock);
            return rc;
        }
    }
    uint64_t n = t->ticks;
    t->ticks = 0;
    spin_unlock(&timers_lock);
    memcpy(buf, &n, sizeof(n));
    return sizeof(n);
}

static ssize_t timerfd_write(struct file *f, const void *buf, size_t len, uint64_t *pos)
{
    (void)f, (void)buf, (void)len, (void)pos;
    return -EINVAL;
}

static unsigned int timerfd_poll(struct file *f, struct poll_table *pt)
{
    struct timerfd *t = f->inode->priv;
    poll_wait(pt, &t->poll); /* first register, then look */
    spin_lock(&timers_lock);
    unsigned int mask = t->ticks ? POLLIN | POLLRDNORM : 0;
    spin_unlock(&timers_lock);
    return mask;
}

static void timerfd_release(struct file *f)
{
    struct timerfd *t = f->inode->priv;
    poll_file_release(f);
    spin_lock(&timers_lock);
    timer_disarm_locked(&t->kt);
    spin_unlock(&timers_lock);
}

static void timerfd_inode_release(struct inode *inode)
{
    struct timerfd *t = inode->priv;
    poll_head_destroy(&t->poll);
    kfree(t);
}

static int timerfd_getattr(struct inode *inode, struct stat *st)
{
    st->st_dev = timerfd_sb.dev;
    st->st_ino = inode->ino;
    st->st_mode = 0600;
    st->st_nlink = 1;
    st->st_blksize = 4096;
    return 0;
}

static const struct file_ops timerfd_fops = {
    .read = timerfd_read,
    .write = timerfd_write,
    .release = timerfd_release,
    .poll = timerfd_poll,
};

static const struct inode_ops timerfd_iops = {
    .getattr = timerfd_getattr,
    .release = timerfd_inode_release,
};

static bool clock_ok(int clock)
{
    return clock == CLOCK_REALTIME || clock == CLOCK_MONOTONIC || clock == CLOCK_BOOTTIME;
}

DEFINE_SYSCALL2(timerfd_create, int, clock, int, flags)
{
    if (flags & ~(TFD_CLOEXEC | TFD_NONBLOCK))
        return -EINVAL;
    if (!clock_ok(clock)) {
        if (clock == 8 || clock == 9) /* CLOCK_{REALTIME,BOOTTIME}_ALARM */
            log_warn("timerfd_create: alarm clocks are not supported");
        return -EINVAL;
    }
    int rc = timer_service_start();
    if (rc)
        return rc;
    struct timerfd *t = kzalloc(sizeof(*t));
    if (!t)
        return -ENOMEM;
    ktimer_init(&t->kt, timerfd_expire);
    t->clock = clock;
    waitq_init(&t->readers);
    poll_head_init(&t->poll);
    uint64_t ino = __atomic_fetch_add(&next_ino, 1, __ATOMIC_RELAXED);
    struct inode *inode = inode_alloc(&timerfd_sb, ino, 0600, 0, &timerfd_iops, &timerfd_fops);
    if (!inode) {
        kfree(t);
        return -ENOMEM;
    }
    inode->priv = t; /* the inode owns it now (timerfd_inode_release) */
    struct file *f = file_alloc(inode, O_RDWR | (unsigned int)(flags & TFD_NONBLOCK));
    inode_put(inode);
    if (!f)
        return -ENOMEM;
    int fd = fdtable_install(current_process()->files, f, 0, flags & TFD_CLOEXEC);
    file_put(f);
    return fd;
}

/* The timerfd behind fd, referenced: -EBADF, or -EINVAL if it is another kind of file. */
static int timerfd_get(int fd, struct file **out)
{
    struct file *f = fd_lookup_file(fd);
    if (!f)
        return -EBADF;
    if (f->ops != &timerfd_fops) {
        file_put(f);
        return -EINVAL;
    }
    *out = f;
    return 0;
}

static void read_locked(struct timerfd *t, uint64_t now, struct itimerspec *out)
{
    memset(out, 0, sizeof(*out));
    out->it_value = ns_to_timespec(ktimer_remaining(&t->kt, now));
    out->it_interval = ns_to_timespec(t->interval);
}

DEFINE_SYSCALL4(timerfd_settime, int, fd, int, flags, const struct itimerspec *, unew,
                struct itimerspec *, uold)
{
    /* Linux's order: the copy (-EFAULT), then flags and values (-EINVAL), then the fd. */
    struct itimerspec nv;
    if (copy_from_user(&nv, unew, sizeof(nv)))
        return -EFAULT;
    uint64_t value, interval;
    if ((flags & ~(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET)) ||
        timespec_to_ns(&nv.it_value, &value) || timespec_to_ns(&nv.it_interval, &interval))
        return -EINVAL;
    struct file *f;
    int rc = timerfd_get(fd, &f);
    if (rc)
        return rc;
    struct timerfd *t = f->inode->priv;
    struct itimerspec old;
    uint64_t now = time_monotonic_ns();
    spin_lock(&timers_lock);
    read_locked(t, now, &old);
    t->interval = interval;
    t->ticks = 0;
    if (value) {
        uint64_t deadline = (flags & TFD_TIMER_ABSTIME)
                                ? timer_abs_to_deadline(t->clock, value, now)
                                : ktime_add(now, value);
        timer_arm_locked(&t->kt, deadline, interval ? MAX(interval, TIMER_MIN_PERIOD_NS) : 0);
    } else {
        timer_disarm_locked(&t->kt);
    }
    spin_unlock(&timers_lock);
    file_put(f);
    if (uold && copy_to_user(uold, &old, sizeof(old)))
        return -EFAULT;
    return 0;
}

DEFINE_SYSCALL2(timerfd_gettime, int, fd, struct itimerspec *, ucur)
{
    struct file *f;
    int rc = timerfd_get(fd, &f);
    if (rc)
        return rc;
    struct timerfd *t = f->inode->priv;
    struct itimerspec cur;
    uint64_t now = time_monotonic_ns();
    spin_lock(&timers_lock);
    read_locked(t, now, &cur);
    spin_unlock(&timers_lock);
    file_put(f);
    return copy_to_user(ucur, &cur, sizeof(cur));
}
