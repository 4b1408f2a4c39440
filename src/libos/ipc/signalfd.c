/*
 * signalfd and signalfd4: a file from which the calling thread reads its pending signals
 * (those in the file's mask) as struct signalfd_siginfo records, instead of having them
 * delivered (signalfd(2)). Programs block the signals first, so that delivery leaves them
 * pending.
 *
 * Readiness is the reading thread's own: readable while a signal of the mask is pending for
 * it or its process. Signals have no poll head: a signal sent to a thread wakes it anyway
 * (signal_send_thread), and for one sent to the process the poll op names the mask in
 * pt->sigwake, so that the waiter unblocks those signals while it is parked (poll_park) and
 * is chosen, and woken, as the signal's target — rt_sigtimedwait's scheme.
 *
 * Locking: the mask is one atomic word (signalfd4 on an existing fd replaces it).
 */
#include "fs/fdtable.h"
#include "fs/fs.h"
#include "fs/vfs.h"
#include "ipc/poll.h"
#include "mm/mm.h"
#include "process/process.h"
#include "signal/signal.h"
#include "syscall/syscall.h"
#include "uapi/errno.h"
#include "util/log.h"
#include "util/string.h"
#include "util/uaccess.h"

#define SFD_CLOEXEC  O_CLOEXEC
#define SFD_NONBLOCK O_NONBLOCK
#define UNBLOCKABLE  (sigmask(SIGKILL) | sigmask(SIGSTOP))

struct signalfd_siginfo {
    uint32_t ssi_signo;
    int32_t ssi_errno;
    int32_t ssi_code;
    uint32_t ssi_pid;
    uint32_t ssi_uid;
    int32_t ssi_fd;
    uint32_t ssi_tid;
    uint32_t ssi_band;
    uint32_t ssi_overrun;
    uint32_t ssi_trapno;
    int32_t ssi_status;
    int32_t ssi_int;
    uint64_t ssi_ptr;
    uint64_t ssi_utime;
    uint64_t ssi_stime;
    uint64_t ssi_addr;
    uint16_t ssi_addr_lsb;
    uint16_t pad2;
    int32_t ssi_syscall;
    uint64_t ssi_call_addr;
    uint32_t ssi_arch;
    uint8_t pad[28];
};
_Static_assert(sizeof(struct signalfd_siginfo) == 128, "signalfd_siginfo");

struct signalfd {
    sigset_t mask; /* atomic */
};

static struct super_block signalfd_sb = {.dev = 0xe};
static uint64_t next_ino = 1;

static sigset_t sfd_mask(struct file *f)
{
    struct signalfd *s = f->inode->priv;
    return __atomic_load_n(&s->mask, __ATOMIC_RELAXED);
}

/* Linux's signalfd_copyinfo: the fields that mean something for the siginfo's kind. */
static void fill(struct signalfd_siginfo *o, const struct ksiginfo *i)
{
    memset(o, 0, sizeof(*o));
    o->ssi_signo = (uint32_t)i->si_signo;
    o->ssi_errno = i->si_errno;
    o->ssi_code = i->si_code;
    int sig = i->si_signo;
    if (i->si_code == SI_TIMER) {
        o->ssi_tid = (uint32_t)i->timer.tid;
        o->ssi_overrun = (uint32_t)i->timer.overrun;
        o->ssi_ptr = i->timer.value;
        o->ssi_int = (int32_t)i->timer.value;
    } else if (i->si_code <= 0 || i->si_code == SI_KERNEL) {
        o->ssi_pid = (uint32_t)i->rt.pid;
        o->ssi_uid = i->rt.uid;
        if (i->si_code == SI_QUEUE) {
            o->ssi_ptr = i->rt.value;
            o->ssi_int = (int32_t)i->rt.value;
        }
    } else if (sig == SIGCHLD) {
        o->ssi_pid = (uint32_t)i->chld.pid;
        o->ssi_uid = i->chld.uid;
        o->ssi_status = i->chld.status;
        o->ssi_utime = (uint64_t)i->chld.utime;
        o->ssi_stime = (uint64_t)i->chld.stime;
    } else if (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE ||
               sig == SIGTRAP) {
        o->ssi_addr = i->fault.addr;
    }
}

static ssize_t signalfd_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
    (void)pos;
    struct thread *th = current_thread();
    size_t max = len / sizeof(struct signalfd_siginfo), n = 0;
    if (max == 0)
        return -EINVAL;
    while (n < max) {
        struct ksiginfo info;
        sigset_t mask = sfd_mask(f);
        if (signal_dequeue(th, mask, &info)) {
            fill((struct signalfd_siginfo *)buf + n, &info);
            n++;
            continue;
        }
        if (n)
            break;
        if (f->flags & O_NONBLOCK)
            return -EAGAIN;
        if (poll_park(-1, false, mask) == -EINTR)
            return __atomic_load_n(&th->killed, __ATOMIC_ACQUIRE) ? -EINTR : -ERESTARTSYS;
    }
    return (ssize_t)(n * sizeof(struct signalfd_siginfo));
}

static unsigned int signalfd_poll(struct file *f, struct poll_table *pt)
{
    struct thread *th = current_thread();
    struct sighand *sh = &th->proc->sighand;
    sigset_t mask = sfd_mask(f);
    if (pt)
        pt->sigwake |= mask; /* before the check, as poll_wait would be */
    spin_lock(&sh->lock);
    sigset_t pending = (th->sigpending | sh->shared_pending) & mask;
    spin_unlock(&sh->lock);
    return pending ? POLLIN | POLLRDNORM : 0;
}

static void signalfd_release(struct file *f)
{
    poll_file_release(f);
}

static void signalfd_inode_release(struct inode *inode)
{
    kfree(inode->priv);
}

static int signalfd_getattr(struct inode *inode, struct stat *st)
{
    st->st_dev = signalfd_sb.dev;
    st->st_ino = inode->ino;
    st->st_mode = 0600;
    st->st_nlink = 1;
    st->st_blksize = 4096;
    return 0;
}

static const struct file_ops signalfd_fops = {
    .read = signalfd_read,
    .release = signalfd_release,
    .poll = signalfd_poll,
};

static const struct inode_ops signalfd_iops = {
    .getattr = signalfd_getattr,
    .release = signalfd_inode_release,
};

static long do_signalfd4(int fd, const sigset_t *umask, size_t sizemask, int flags)
{
    if (flags & ~(SFD_CLOEXEC | SFD_NONBLOCK))
        return -EINVAL;
    if (sizemask != sizeof(sigset_t))
        return -EINVAL;
    sigset_t mask;
    if (copy_from_user(&mask, umask, sizeof(mask)))
        return -EFAULT;
    mask &= ~UNBLOCKABLE;
    if (fd != -1) {
        struct file *f = fdtable_get(current_process()->files, fd, NULL);
        if (!f)
            return -EBADF;
        long rc = -EINVAL;
        if (f->ops == &signalfd_fops) {
            struct signalfd *s = f->inode->priv;
            __atomic_store_n(&s->mask, mask, __ATOMIC_RELAXED);
            rc = fd;
        }
        file_put(f);
        return rc;
    }
    struct signalfd *s = kzalloc(sizeof(*s));
    if (!s)
        return -ENOMEM;
    s->mask = mask;
    uint64_t ino = __atomic_fetch_add(&next_ino, 1, __ATOMIC_RELAXED);
    struct inode *inode = inode_alloc(&signalfd_sb, ino, 0600, 0, &signalfd_iops, &signalfd_fops);
    if (!inode) {
        kfree(s);
        return -ENOMEM;
    }
    inode->priv = s;
    struct file *f = file_alloc(inode, O_RDWR | (flags & SFD_NONBLOCK));
    inode_put(inode);
    if (!f)
        return -ENOMEM;
    int nfd = fdtable_install(current_process()->files, f, 0, flags & SFD_CLOEXEC);
    file_put(f);
    return nfd;
}

DEFINE_SYSCALL4(signalfd4, int, fd, const sigset_t *, umask, size_t, sizemask, int, flags)
{
    return do_signalfd4(fd, umask, sizemask, flags);
}

DEFINE_SYSCALL3(signalfd, int, fd, const sigset_t *, umask, size_t, sizemask)
{
    return do_signalfd4(fd, umask, sizemask, 0);
}
