/*
 * Pipes: pipe and pipe2. A pipe is a ring buffer in enclave memory shared by a read end and a
 * write end (two struct files on one inode); moving data between processes is a copy inside
 * the enclave, with no host call.
 *
 * Semantics (pipe(7)): a read of an empty pipe blocks until data arrives or every write end
 * is closed (then 0, end of file); a write blocks until there is room, and one of at most
 * PIPE_BUF bytes is never interleaved with others; a write with no read end left is -EPIPE
 * with SIGPIPE; O_NONBLOCK turns the waits into -EAGAIN.
 *
 * Locking: pipe->lock guards everything in struct pipe; waiters park on `readers_wq` (for
 * data or the last writer leaving) and `writers_wq` (for room or the last reader leaving).
 * poll/select/epoll watch `poll` (ipc/poll.h), notified after each change, never under
 * pipe->lock. Readiness: the read end is readable with data, POLLHUP with no writer left; the
 * write end is writable with room for PIPE_BUF bytes, POLLERR with no reader left.
 */
#include "fs/fdtable.h"
#include "fs/fs.h"
#include "fs/vfs.h"
#include "ipc/poll.h"
#include "mm/mm.h"
#include "process/process.h"
#include "sched/sched.h"
#include "signal/signal.h"
#include "syscall/syscall.h"
#include "uapi/errno.h"
#include "util/log.h"
#include "util/string.h"
#include "util/uaccess.h"

#define PIPE_BUF      4096
#define PIPE_DEF_SIZE (64 * 1024)

struct pipe {
    spinlock_t lock;
    char *buf;
    size_t size;     /* capacity */
    size_t head;     /* next byte to read */
    size_t len;      /* bytes in the buffer */
    int readers;     /* open read ends */
    int writers;     /* open write ends */
    struct waitq readers_wq;
    struct waitq writers_wq;
    struct poll_head poll;
};

static struct super_block pipe_sb = {.dev = 0xc};
static uint64_t next_pipe_ino = 1;

static bool readable(void *arg)
{
    struct pipe *p = arg;
    return p->len > 0 || p->writers == 0;
}

static ssize_t pipe_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
    (void)pos;
    struct pipe *p = f->inode->priv;
    if (len == 0)
        return 0;
    spin_lock(&p->lock);
    if (p->len == 0 && p->writers > 0) {
        if (f->flags & O_NONBLOCK) {
            spin_unlock(&p->lock);
            return -EAGAIN;
        }
        int rc = wait_event(&p->readers_wq, readable, p, -1, &p->lock);
        if (rc) {
            spin_unlock(&p->lock);
            return rc;
        }
    }
    size_t n = MIN(len, p->len);
    size_t first = MIN(n, p->size - p->head);
    memcpy(buf, p->buf + p->head, first);
    memcpy((char *)buf + first, p->buf, n - first);
    p->head = (p->head + n) % p->size;
    p->len -= n;
    spin_unlock(&p->lock);
    if (n) {
        waitq_wake_all(&p->writers_wq);
        poll_notify(&p->poll, POLLOUT | POLLWRNORM);
    }
    return (ssize_t)n;
}

struct write_wait {
    struct pipe *p;
    size_t need;
};

static bool writable(void *arg)
{
    struct write_wait *w = arg;
    return w->p->readers == 0 || w->p->size - w->p->len >= w->need;
}

static ssize_t pipe_write(struct file *f, const void *buf, size_t len, uint64_t *pos)
{
    (void)pos;
    struct pipe *p = f->inode->priv;
    size_t done = 0;
    spin_lock(&p->lock);
    while (done < len) {
        if (p->readers == 0) {
            spin_unlock(&p->lock);
            signal_send_self(SIGPIPE);
            return done ? (ssize_t)done : -EPIPE;
        }
        /* Up to PIPE_BUF bytes go in whole; more may be split at any byte. */
        size_t left = len - done;
        struct write_wait w = {p, left <= PIPE_BUF ? left : 1};
        if (!writable(&w)) {
            if (f->flags & O_NONBLOCK) {
                spin_unlock(&p->lock);
                return done ? (ssize_t)done : -EAGAIN;
            }
            int rc = wait_event(&p->writers_wq, writable, &w, -1, &p->lock);
            if (rc) {
                spin_unlock(&p->lock);
                return done ? (ssize_t)done : rc;
            }
            continue;
        }
        size_t n = MIN(left, p->size - p->len);
        size_t tail = (p->head + p->len) % p->size;
        size_t first = MIN(n, p->size - tail);
        memcpy(p->buf + tail, (const char *)buf + done, first);
        memcpy(p->buf, (const char *)buf + done + first, n - first);
        p->len += n;
        done += n;
        spin_unlock(&p->lock);
        waitq_wake_all(&p->readers_wq);
        poll_notify(&p->poll, POLLIN | POLLRDNORM);
        spin_lock(&p->lock);
    }
    spin_unlock(&p->lock);
    return (ssize_t)done;
}

#define FIONREAD 0x541b

static long pipe_ioctl(struct file *f, unsigned long request, unsigned long uarg)
{
    struct pipe *p = f->inode->priv;
    if (request != FIONREAD)
        return -ENOTTY;
    spin_lock(&p->lock);
    int n = (int)p->len;
    spin_unlock(&p->lock);
    return copy_to_user((void *)uarg, &n, sizeof(n));
}

static unsigned int pipe_poll(struct file *f, struct poll_table *pt)
{
    struct pipe *p = f->inode->priv;
    unsigned int acc = f->flags & O_ACCMODE, mask = 0;
    poll_wait(pt, &p->poll);
    spin_lock(&p->lock);
    if (acc != O_WRONLY) {
        if (p->len > 0)
            mask |= POLLIN | POLLRDNORM;
        if (p->writers == 0)
            mask |= POLLHUP;
    }
    if (acc != O_RDONLY) {
        if (p->size - p->len >= PIPE_BUF)
            mask |= POLLOUT | POLLWRNORM;
        if (p->readers == 0)
            mask |= POLLERR;
    }
    spin_unlock(&p->lock);
    return mask;
}

static void pipe_release(struct file *f)
{
    struct pipe *p = f->inode->priv;
    poll_file_release(f);
    spin_lock(&p->lock);
    if ((f->flags & O_ACCMODE) == O_RDONLY)
        p->readers--;
    else
        p->writers--;
    spin_unlock(&p->lock);
    waitq_wake_all(&p->readers_wq);
    waitq_wake_all(&p->writers_wq);
    poll_notify(&p->poll, 0);
}

static void pipe_inode_release(struct inode *inode)
{
    struct pipe *p = inode->priv;
    poll_head_destroy(&p->poll);
    kfree(p->buf);
    kfree(p);
}

static int pipe_getattr(struct inode *inode, struct stat *st)
{
    st->st_dev = pipe_sb.dev;
    st->st_ino = inode->ino;
    st->st_mode = S_IFIFO | 0600;
    st->st_nlink = 1;
    st->st_blksize = PIPE_BUF;
    return 0;
}

static const struct file_ops pipe_fops = {
    .read = pipe_read,
    .write = pipe_write,
    .ioctl = pipe_ioctl,
    .release = pipe_release,
    .poll = pipe_poll,
};

static const struct inode_ops pipe_iops = {
    .getattr = pipe_getattr,
    .release = pipe_inode_release,
};

static long do_pipe2(int *ufds, int flags)
{
    if (flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT))
        return -EINVAL;
    int fds[2] = {-1, -1};
    struct pipe *p = kzalloc(sizeof(*p));
    char *buf = kmalloc(PIPE_DEF_SIZE);
    struct inode *inode = NULL;
    struct file *rf = NULL, *wf = NULL;
    long rc = -ENOMEM;
    if (!p || !buf)
        goto fail;
    p->lock = (spinlock_t)SPINLOCK_INIT;
    p->buf = buf;
    p->size = PIPE_DEF_SIZE;
    p->readers = p->writers = 1;
    waitq_init(&p->readers_wq);
    waitq_init(&p->writers_wq);
    poll_head_init(&p->poll);
    uint64_t ino = __atomic_fetch_add(&next_pipe_ino, 1, __ATOMIC_RELAXED);
    inode = inode_alloc(&pipe_sb, ino, S_IFIFO | 0600, 0, &pipe_iops, &pipe_fops);
    if (!inode)
        goto fail;
    inode->priv = p; /* the inode owns the pipe now (pipe_inode_release) */
    p = NULL, buf = NULL;
    unsigned int status = flags & (O_NONBLOCK | O_DIRECT);
    rf = file_alloc(inode, O_RDONLY | status);
    wf = file_alloc(inode, O_WRONLY | status);
    if (!rf || !wf)
        goto fail;
    struct fdtable *t = current_process()->files;
    fds[0] = fdtable_install(t, rf, 0, flags & O_CLOEXEC);
    if (fds[0] < 0) {
        rc = fds[0];
        goto fail;
    }
    fds[1] = fdtable_install(t, wf, 0, flags & O_CLOEXEC);
    if (fds[1] < 0) {
        rc = fds[1];
        goto fail;
    }
    if (copy_to_user(ufds, fds, sizeof(fds))) {
        rc = -EFAULT;
        goto fail;
    }
    file_put(rf);
    file_put(wf);
    inode_put(inode);
    return 0;
fail:
    /* Undo in reverse: fds first (their table references), then our own references. */
    if (fds[1] >= 0)
        fdtable_close(current_process()->files, fds[1]);
    if (fds[0] >= 0)
        fdtable_close(current_process()->files, fds[0]);
    if (wf)
        file_put(wf);
    if (rf)
        file_put(rf);
    if (inode)
        inode_put(inode);
    kfree(buf);
    kfree(p);
    return rc;
}

DEFINE_SYSCALL2(pipe2, int *, ufds, int, flags)
{
    return do_pipe2(ufds, flags);
}

DEFINE_SYSCALL1(pipe, int *, ufds)
{
    return do_pipe2(ufds, 0);
}
