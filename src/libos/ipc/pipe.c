/*
 * Pipes: pipe and pipe2, and FIFOs (named pipes, mkfifo). A pipe is a ring buffer in enclave
 * memory shared by read ends and write ends (struct files whose `priv` is the pipe); moving
 * data between processes is a copy inside the enclave, with no host call.
 *
 * An anonymous pipe belongs to its own inode, freed with it. A FIFO's pipe is found by its
 * file-system inode in `fifos` while any end is open, and freed (with any data left in it,
 * as on Linux) when the last end closes. Opening a FIFO blocks until the other side is
 * open too (fifo(7)): O_RDONLY waits for a writer, O_WRONLY for a reader (with O_NONBLOCK:
 * a reader does not wait, a writer gets -ENXIO), O_RDWR never waits.
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
#include "ipc/pipe.h"
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
    struct inode *fifo;   /* the FIFO's inode (referenced), NULL for an anonymous pipe */
    struct pipe *next;    /* in `fifos`, guarded by fifos_lock */
    struct waitq open_wq; /* FIFO opens waiting for the other side */
    unsigned int reader_opens, writer_opens; /* ends ever opened: a peer that came and went
                                              * still releases a waiting open, as on Linux */
    /* Packet mode (pipe2's O_DIRECT): each write of up to PIPE_BUF bytes is a packet, and a
     * read takes at most one (the rest of a packet longer than the read is dropped). Like
     * Linux's 16 pipe buffers, at most PIPE_PACKETS packets wait at once. */
    bool packet;
    uint16_t pkt_len[16];
    unsigned int pkt_head, pkt_count;
};

#define PIPE_PACKETS 16

/* FIFOs with an open end; fifos_lock nests outside pipe->lock. */
static spinlock_t fifos_lock = SPINLOCK_INIT;
static struct pipe *fifos;

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
    struct pipe *p = f->priv;
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
    size_t n = MIN(len, p->len), take = n;
    if (p->packet && p->pkt_count) {
        take = p->pkt_len[p->pkt_head];
        n = MIN(len, take);
        p->pkt_head = (p->pkt_head + 1) % PIPE_PACKETS;
        p->pkt_count--;
    }
    size_t first = MIN(n, p->size - p->head);
    memcpy(buf, p->buf + p->head, first);
    memcpy((char *)buf + first, p->buf, n - first);
    p->head = (p->head + take) % p->size;
    p->len -= take;
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
    if (w->p->readers == 0)
        return true;
    return w->p->size - w->p->len >= w->need &&
           (!w->p->packet || w->p->pkt_count < PIPE_PACKETS);
}

static ssize_t pipe_write(struct file *f, const void *buf, size_t len, uint64_t *pos)
{
    (void)pos;
    struct pipe *p = f->priv;
    size_t done = 0;
    spin_lock(&p->lock);
    while (done < len) {
        if (p->readers == 0) {
            spin_unlock(&p->lock);
            signal_send_self(SIGPIPE);
            return done ? (ssize_t)done : -EPIPE;
        }
        /* Up to PIPE_BUF bytes go in whole; more may be split at any byte (in packet mode:
         * into packets of PIPE_BUF bytes). */
        size_t left = len - done;
        if (p->packet)
            left = MIN(left, PIPE_BUF);
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
        if (p->packet) {
            p->pkt_len[(p->pkt_head + p->pkt_count) % PIPE_PACKETS] = (uint16_t)n;
            p->pkt_count++;
        }
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
    struct pipe *p = f->priv;
    if (request != FIONREAD)
        return -ENOTTY;
    spin_lock(&p->lock);
    int n = (int)p->len;
    spin_unlock(&p->lock);
    return copy_to_user((void *)uarg, &n, sizeof(n));
}

static unsigned int pipe_poll(struct file *f, struct poll_table *pt)
{
    struct pipe *p = f->priv;
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

static void pipe_free(struct pipe *p)
{
    poll_head_destroy(&p->poll);
    kfree(p->buf);
    kfree(p);
}

static void pipe_release(struct file *f)
{
    struct pipe *p = f->priv;
    unsigned int acc = f->flags & O_ACCMODE;
    if (p->fifo)
        spin_lock(&fifos_lock); /* the last close of a FIFO unlists it */
    spin_lock(&p->lock);
    if (acc != O_WRONLY)
        p->readers--;
    if (acc != O_RDONLY)
        p->writers--;
    bool gone = p->fifo && p->readers == 0 && p->writers == 0;
    if (gone) {
        struct pipe **pp = &fifos;
        while (*pp != p)
            pp = &(*pp)->next;
        *pp = p->next;
    }
    spin_unlock(&p->lock);
    if (p->fifo)
        spin_unlock(&fifos_lock);
    if (gone) {
        inode_put(p->fifo);
        pipe_free(p);
        return;
    }
    waitq_wake_all(&p->readers_wq);
    waitq_wake_all(&p->writers_wq);
    poll_notify(&p->poll, 0);
}

static void pipe_inode_release(struct inode *inode)
{
    pipe_free(inode->priv);
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

/* A new, empty pipe with no ends counted yet; NULL on -ENOMEM. */
static struct pipe *pipe_new(void)
{
    struct pipe *p = kzalloc(sizeof(*p));
    char *buf = kmalloc(PIPE_DEF_SIZE);
    if (!p || !buf) {
        kfree(p);
        kfree(buf);
        return NULL;
    }
    p->lock = (spinlock_t)SPINLOCK_INIT;
    p->buf = buf;
    p->size = PIPE_DEF_SIZE;
    waitq_init(&p->readers_wq);
    waitq_init(&p->writers_wq);
    waitq_init(&p->open_wq);
    poll_head_init(&p->poll);
    return p;
}

bool file_is_pipe(const struct file *f)
{
    return f->ops == &pipe_fops;
}

long pipe_get_size(struct file *f)
{
    struct pipe *p = f->priv;
    spin_lock(&p->lock);
    long n = (long)p->size;
    spin_unlock(&p->lock);
    return n;
}

long pipe_set_size(struct file *f, unsigned long want)
{
    /* Linux rounds up to a power-of-two number of pages, at least one page, at most 1 MiB
     * (/proc/sys/fs/pipe-max-size) for an unprivileged process. */
    if (want > (1UL << 20))
        return -EPERM;
    size_t size = 4096;
    while (size < want)
        size <<= 1;
    struct pipe *p = f->priv;
    char *nbuf = kmalloc(size);
    if (!nbuf)
        return -ENOMEM;
    spin_lock(&p->lock);
    if (p->len > size) {
        spin_unlock(&p->lock);
        kfree(nbuf);
        return -EBUSY;
    }
    size_t first = MIN(p->len, p->size - p->head);
    memcpy(nbuf, p->buf + p->head, first);
    memcpy(nbuf + first, p->buf, p->len - first);
    char *old = p->buf;
    p->buf = nbuf;
    p->head = 0;
    p->size = size;
    spin_unlock(&p->lock);
    kfree(old);
    waitq_wake_all(&p->writers_wq);
    return (long)size;
}

struct fifo_wait {
    struct pipe *p;
    bool want_writer;
    unsigned int opens_before; /* the peer's open count when the wait began */
};

static bool fifo_peer_open(void *arg)
{
    struct fifo_wait *w = arg;
    return w->want_writer ? w->p->writers > 0 || w->p->writer_opens != w->opens_before
                          : w->p->readers > 0 || w->p->reader_opens != w->opens_before;
}

int fifo_open(struct inode *inode, unsigned int flags, struct file **out)
{
    unsigned int acc = flags & O_ACCMODE;
    struct pipe *fresh = pipe_new();
    struct file *f = file_alloc(inode, flags);
    if (!fresh || !f) {
        if (fresh)
            pipe_free(fresh);
        if (f)
            file_put(f); /* f->ops is the inode's (none): nothing to release */
        return -ENOMEM;
    }
    /* Find the FIFO's pipe, or list the fresh one. */
    spin_lock(&fifos_lock);
    struct pipe *p = fifos;
    while (p && !inode_same(p->fifo, inode))
        p = p->next;
    if (!p) {
        p = fresh;
        fresh = NULL;
        inode_get(inode);
        p->fifo = inode;
        p->next = fifos;
        fifos = p;
    }
    spin_lock(&p->lock);
    if (acc == O_WRONLY && (flags & O_NONBLOCK) && p->readers == 0) {
        bool unused = p->writers == 0 && p->readers == 0;
        spin_unlock(&p->lock);
        if (unused) { /* undo the listing: nobody has it open */
            struct pipe **pp = &fifos;
            while (*pp != p)
                pp = &(*pp)->next;
            *pp = p->next;
        }
        spin_unlock(&fifos_lock);
        if (unused) {
            inode_put(p->fifo);
            pipe_free(p);
        }
        if (fresh)
            pipe_free(fresh);
        file_put(f);
        return -ENXIO;
    }
    if (acc != O_WRONLY) {
        p->readers++;
        p->reader_opens++;
    }
    if (acc != O_RDONLY) {
        p->writers++;
        p->writer_opens++;
    }
    unsigned int peer_opens = acc == O_RDONLY ? p->writer_opens : p->reader_opens;
    f->ops = &pipe_fops; /* counted now: its release keeps the pipe's books */
    f->priv = p;
    spin_unlock(&p->lock);
    spin_unlock(&fifos_lock);
    if (fresh)
        pipe_free(fresh);
    waitq_wake_all(&p->open_wq);
    waitq_wake_all(&p->readers_wq);
    waitq_wake_all(&p->writers_wq);

    /* Wait for the other side, unless non-blocking or read-write. */
    if (acc != O_RDWR && !(acc == O_RDONLY && (flags & O_NONBLOCK))) {
        struct fifo_wait w = {p, acc == O_RDONLY, peer_opens};
        spin_lock(&p->lock);
        int rc = wait_event(&p->open_wq, fifo_peer_open, &w, -1, &p->lock);
        spin_unlock(&p->lock);
        if (rc) {
            file_put(f);
            return rc;
        }
    }
    *out = f;
    return 0;
}

static long do_pipe2(int *ufds, int flags)
{
    if (flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT))
        return -EINVAL;
    int fds[2] = {-1, -1};
    struct pipe *p = pipe_new();
    struct inode *inode = NULL;
    struct file *rf = NULL, *wf = NULL;
    long rc = -ENOMEM;
    if (!p)
        goto fail;
    p->readers = p->writers = 1;
    p->packet = flags & O_DIRECT;
    uint64_t ino = __atomic_fetch_add(&next_pipe_ino, 1, __ATOMIC_RELAXED);
    inode = inode_alloc(&pipe_sb, ino, S_IFIFO | 0600, 0, &pipe_iops, &pipe_fops);
    if (!inode)
        goto fail;
    inode->priv = p; /* the inode owns the pipe now (pipe_inode_release) */
    struct pipe *pipe = p;
    p = NULL;
    unsigned int status = flags & (O_NONBLOCK | O_DIRECT);
    rf = file_alloc(inode, O_RDONLY | status);
    if (rf)
        rf->priv = pipe;
    wf = file_alloc(inode, O_WRONLY | status);
    if (wf)
        wf->priv = pipe;
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
    if (p)
        pipe_free(p);
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
