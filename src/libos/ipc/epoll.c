/*
 * epoll: epoll_create, epoll_create1, epoll_ctl, epoll_wait, epoll_pwait, epoll_pwait2.
 *
 * An epoll instance (struct eventpoll) keeps an item per watched (open file, fd) pair. At
 * EPOLL_CTL_ADD the item registers on the file's poll heads (ipc/poll.h) with ep_wake as its
 * callback: a change puts the item on the ready list and wakes the epoll's waiters, which are
 * registered on the epoll's own head (so the epoll fd is itself pollable, and can be watched
 * by another epoll). epoll_wait takes items off the ready list and asks each file for its
 * readiness now: reported if it matches; a level-triggered item goes back on the list (to be
 * re-checked next time), an edge-triggered one waits for the next change, a one-shot one is
 * disabled until EPOLL_CTL_MOD. Items of files that cannot notify (host fds, signalfd: see
 * poll.h) are "repolled": put back on the ready list at every wait; an edge-triggered one is
 * then reported only when a bit newly holds. EPOLLEXCLUSIVE is accepted and treated as plain.
 *
 * A watched file's items go when its last reference goes (poll_file_release, through a
 * registry from file to items), not when one fd of it is closed — Linux's rule.
 *
 * Nesting: an epoll may watch an epoll that watches no epoll, and an epoll that is watched
 * may not watch an epoll (-ELOOP): two levels at most, never a loop, which keeps the lock
 * order acyclic.
 *
 * Locking, outermost first:
 *   ep->ctl    the item list, items' fields but `ready`/`rd_next`, calls into watched files'
 *              poll ops (a host fd's is a zero-timeout host call: short, so held across it)
 *   registry   the file -> items hash
 *   head lock  of a watched file (poll_entry_add/remove; ep_wake runs under it)
 *   ep->rd     the ready list
 */
#include "fs/fdtable.h"
#include "fs/fs.h"
#include "fs/vfs.h"
#include "ipc/poll.h"
#include "mm/mm.h"
#include "process/process.h"
#include "signal/signal.h"
#include "syscall/syscall.h"
#include "time/time.h"
#include "uapi/errno.h"
#include "util/compiler.h"
#include "util/log.h"
#include "util/string.h"
#include "util/uaccess.h"

#define EPOLL_CTL_ADD 1
#define EPOLL_CTL_DEL 2
#define EPOLL_CTL_MOD 3

#define EPOLLEXCLUSIVE (1U << 28)
#define EPOLLWAKEUP    (1U << 29)
#define EPOLLONESHOT   (1U << 30)
#define EPOLLET        (1U << 31)
#define EP_PRIVATE     (EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE)
#define EPOLLEXCLUSIVE_OK                                                                          \
    (POLLIN | POLLOUT | POLLERR | POLLHUP | EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE)
#define EPOLL_CLOEXEC O_CLOEXEC
#define EP_MAX_EVENTS (INT32_MAX / 12)
#define EP_BATCH      256

struct epoll_event {
    uint32_t events;
    uint64_t data;
} __attribute__((packed));
_Static_assert(sizeof(struct epoll_event) == 12, "epoll_event");

struct ep_reg {
    struct poll_entry e;
    struct ep_reg *next;
};

struct epitem {
    struct eventpoll *ep;
    struct epitem *next;      /* ep->items, guarded by ep->ctl */
    struct epitem *file_next; /* registry chain, guarded by registry_lock */
    struct file *file;        /* not referenced: the item goes before the file does */
    int fd;
    uint32_t events; /* interest | EPOLLERR | EPOLLHUP | flags; atomic (ep_wake) */
    uint64_t data;
    bool repoll;         /* cannot notify: back on the ready list at every wait */
    uint64_t sigwake;    /* signalfd signals that must wake a waiter */
    unsigned int last;   /* repoll + EPOLLET: the bits reported last */
    struct ep_reg *regs; /* registrations on the file's heads */
    bool ready;          /* on ep->rdlist; guarded by ep->rd */
    struct epitem *rd_next;
};

struct eventpoll {
    int refcount; /* atomic: the epoll file's inode, plus poll_file_release while it works */
    spinlock_t ctl;
    struct epitem *items; /* guarded by ctl */
    int nr_epoll_items;   /* items watching an epoll; guarded by ctl */
    int nr_repoll;        /* guarded by ctl */
    uint64_t sigwake;     /* union of the items'; guarded by ctl */
    spinlock_t rd;
    struct epitem *rd_first, *rd_last; /* guarded by rd */
    struct poll_head poll;             /* waiters in epoll_wait and pollers of the epoll fd */
};

/* ---- the file -> items registry ---- */

#define REG_BUCKETS 64
static spinlock_t registry_lock = SPINLOCK_INIT;
static struct epitem *registry[REG_BUCKETS];
static int registry_count; /* atomic: items in the registry */

static unsigned int reg_hash(struct file *f)
{
    return (unsigned int)(((uintptr_t)f >> 6) % REG_BUCKETS);
}

static void registry_add(struct epitem *it)
{
    spin_lock(&registry_lock);
    unsigned int h = reg_hash(it->file);
    it->file_next = registry[h];
    registry[h] = it;
    __atomic_fetch_add(&registry_count, 1, __ATOMIC_RELAXED);
    spin_unlock(&registry_lock);
}

static void registry_remove(struct epitem *it)
{
    spin_lock(&registry_lock);
    for (struct epitem **pp = &registry[reg_hash(it->file)]; *pp; pp = &(*pp)->file_next)
        if (*pp == it) {
            *pp = it->file_next;
            __atomic_fetch_sub(&registry_count, 1, __ATOMIC_RELAXED);
            break;
        }
    spin_unlock(&registry_lock);
}

static void ep_get(struct eventpoll *ep)
{
    __atomic_fetch_add(&ep->refcount, 1, __ATOMIC_RELAXED);
}

static void ep_put(struct eventpoll *ep)
{
    if (__atomic_fetch_sub(&ep->refcount, 1, __ATOMIC_ACQ_REL) != 1)
        return;
    BUG_ON(ep->items);
    poll_head_destroy(&ep->poll);
    kfree(ep);
}

/* An epoll that watches `f`, referenced, or NULL. */
static struct eventpoll *registry_find_ep(struct file *f)
{
    struct eventpoll *ep = NULL;
    spin_lock(&registry_lock);
    for (struct epitem *it = registry[reg_hash(f)]; it; it = it->file_next)
        if (it->file == f) {
            ep = it->ep;
            ep_get(ep);
            break;
        }
    spin_unlock(&registry_lock);
    return ep;
}

/* ---- the ready list ---- */

static void rd_push(struct eventpoll *ep, struct epitem *it)
{
    if (it->ready)
        return;
    it->ready = true;
    it->rd_next = NULL;
    if (ep->rd_last)
        ep->rd_last->rd_next = it;
    else
        ep->rd_first = it;
    ep->rd_last = it;
}

static struct epitem *rd_pop(struct eventpoll *ep)
{
    struct epitem *it = ep->rd_first;
    if (it) {
        ep->rd_first = it->rd_next;
        if (!ep->rd_first)
            ep->rd_last = NULL;
        it->ready = false;
    }
    return it;
}

static void rd_remove(struct eventpoll *ep, struct epitem *it)
{
    spin_lock(&ep->rd);
    if (it->ready) {
        struct epitem *prev = NULL;
        for (struct epitem *x = ep->rd_first; x; prev = x, x = x->rd_next)
            if (x == it) {
                if (prev)
                    prev->rd_next = x->rd_next;
                else
                    ep->rd_first = x->rd_next;
                if (ep->rd_last == x)
                    ep->rd_last = prev;
                break;
            }
        it->ready = false;
    }
    spin_unlock(&ep->rd);
}

/* A watched file changed (under its head's lock). */
static void ep_wake(struct poll_entry *e, unsigned int events)
{
    struct epitem *it = e->priv;
    struct eventpoll *ep = it->ep;
    uint32_t interest = __atomic_load_n(&it->events, __ATOMIC_RELAXED) & ~EP_PRIVATE;
    if (!interest || (events && !(events & interest)))
        return; /* disabled (one-shot fired) or not what it waits for */
    spin_lock(&ep->rd);
    rd_push(ep, it);
    spin_unlock(&ep->rd);
    poll_notify(&ep->poll, POLLIN | POLLRDNORM);
}

static void ep_queue(struct poll_table *pt, struct poll_head *head);

struct ep_table {
    struct poll_table pt; /* first */
    struct epitem *it;
};

static void ep_queue(struct poll_table *pt, struct poll_head *head)
{
    struct epitem *it = ((struct ep_table *)pt)->it;
    struct ep_reg *r = kzalloc(sizeof(*r));
    if (!r) {
        pt->error = -ENOMEM;
        return;
    }
    r->e.wake = ep_wake;
    r->e.priv = it;
    r->next = it->regs;
    it->regs = r;
    poll_entry_add(head, &r->e);
}

/* Unregisters and frees an item (ep->ctl held). */
static void item_free(struct eventpoll *ep, struct epitem *it)
{
    for (struct epitem **pp = &ep->items; *pp; pp = &(*pp)->next)
        if (*pp == it) {
            *pp = it->next;
            break;
        }
    while (it->regs) {
        struct ep_reg *r = it->regs;
        it->regs = r->next;
        poll_entry_remove(&r->e); /* after this, ep_wake cannot run for it */
        kfree(r);
    }
    rd_remove(ep, it);
    registry_remove(it);
    if (file_is_epoll(it->file))
        ep->nr_epoll_items--;
    if (it->repoll)
        ep->nr_repoll--;
    kfree(it);
}

static void recompute_sigwake(struct eventpoll *ep)
{
    uint64_t s = 0;
    for (struct epitem *it = ep->items; it; it = it->next)
        s |= it->sigwake;
    ep->sigwake = s;
}

void poll_file_release(struct file *f)
{
    if (!__atomic_load_n(&registry_count, __ATOMIC_RELAXED))
        return;
    struct eventpoll *ep;
    while ((ep = registry_find_ep(f))) {
        spin_lock(&ep->ctl);
        for (struct epitem *it = ep->items, *next; it; it = next) {
            next = it->next;
            if (it->file == f)
                item_free(ep, it);
        }
        recompute_sigwake(ep);
        spin_unlock(&ep->ctl);
        ep_put(ep);
    }
}

/* ---- the epoll file ---- */

static struct super_block epoll_sb = {.dev = 0xf};
static uint64_t next_ino = 1;

static unsigned int ep_item_revents(struct epitem *it)
{
    return vfs_poll(it->file, NULL) & it->events & ~EP_PRIVATE;
}

/* Puts the repolled items on the ready list (ctl held). */
static void ep_requeue_repoll(struct eventpoll *ep)
{
    if (!ep->nr_repoll)
        return;
    spin_lock(&ep->rd);
    for (struct epitem *it = ep->items; it; it = it->next)
        if (it->repoll && (it->events & ~EP_PRIVATE))
            rd_push(ep, it);
    spin_unlock(&ep->rd);
}

/* Whether any item is ready, without consuming anything (the epoll fd's readiness). */
static unsigned int ep_poll(struct file *f, struct poll_table *pt)
{
    struct eventpoll *ep = f->inode->priv;
    poll_wait(pt, &ep->poll);
    unsigned int mask = 0;
    spin_lock(&ep->ctl);
    if (pt) {
        pt->recheck |= ep->nr_repoll > 0;
        pt->sigwake |= ep->sigwake;
    }
    ep_requeue_repoll(ep);
    spin_lock(&ep->rd);
    struct epitem *first = ep->rd_first;
    spin_unlock(&ep->rd);
    /* Items stay on the list while ctl is held (only ctl holders pop them). */
    for (struct epitem *it = first; it && !mask; it = it->rd_next)
        if (ep_item_revents(it))
            mask = POLLIN | POLLRDNORM;
    spin_unlock(&ep->ctl);
    return mask;
}

static void ep_release(struct file *f)
{
    struct eventpoll *ep = f->inode->priv;
    poll_file_release(f);
    spin_lock(&ep->ctl);
    while (ep->items)
        item_free(ep, ep->items);
    spin_unlock(&ep->ctl);
}

static void ep_inode_release(struct inode *inode)
{
    ep_put(inode->priv);
}

static int ep_getattr(struct inode *inode, struct stat *st)
{
    st->st_dev = epoll_sb.dev;
    st->st_ino = inode->ino;
    st->st_mode = 0600;
    st->st_nlink = 1;
    st->st_blksize = 4096;
    return 0;
}

static const struct file_ops epoll_fops = {
    .release = ep_release,
    .poll = ep_poll,
};

static const struct inode_ops epoll_iops = {
    .getattr = ep_getattr,
    .release = ep_inode_release,
};

bool file_is_epoll(struct file *f)
{
    return f->ops == &epoll_fops;
}

static long do_epoll_create(int flags)
{
    if (flags & ~EPOLL_CLOEXEC)
        return -EINVAL;
    struct eventpoll *ep = kzalloc(sizeof(*ep));
    if (!ep)
        return -ENOMEM;
    ep->refcount = 1;
    ep->ctl = (spinlock_t)SPINLOCK_INIT;
    ep->rd = (spinlock_t)SPINLOCK_INIT;
    poll_head_init(&ep->poll);
    uint64_t ino = __atomic_fetch_add(&next_ino, 1, __ATOMIC_RELAXED);
    struct inode *inode = inode_alloc(&epoll_sb, ino, 0600, 0, &epoll_iops, &epoll_fops);
    if (!inode) {
        kfree(ep);
        return -ENOMEM;
    }
    inode->priv = ep;
    struct file *f = file_alloc(inode, O_RDWR);
    inode_put(inode);
    if (!f)
        return -ENOMEM;
    int fd = fdtable_install(current_process()->files, f, 0, flags & EPOLL_CLOEXEC);
    file_put(f);
    return fd;
}

DEFINE_SYSCALL1(epoll_create1, int, flags)
{
    return do_epoll_create(flags);
}

DEFINE_SYSCALL1(epoll_create, int, size)
{
    return size <= 0 ? -EINVAL : do_epoll_create(0);
}

/* ---- epoll_ctl ---- */

static struct epitem *ep_find(struct eventpoll *ep, struct file *f, int fd)
{
    for (struct epitem *it = ep->items; it; it = it->next)
        if (it->file == f && it->fd == fd)
            return it;
    return NULL;
}

/* Polls the item's file (registering on its heads if `reg`) and queues it if ready. */
static void ep_arm(struct eventpoll *ep, struct epitem *it, bool reg)
{
    struct ep_table t = {.it = it};
    t.pt.queue = ep_queue;
    unsigned int mask = vfs_poll(it->file, reg ? &t.pt : NULL);
    if (reg) {
        it->repoll = t.pt.recheck || t.pt.sigwake || t.pt.error;
        it->sigwake = t.pt.sigwake;
    }
    if (mask & it->events & ~EP_PRIVATE) {
        spin_lock(&ep->rd);
        rd_push(ep, it);
        spin_unlock(&ep->rd);
        poll_notify(&ep->poll, POLLIN | POLLRDNORM);
    }
}

static long ep_insert(struct eventpoll *ep, struct file *epf, struct file *tf, int fd,
                      const struct epoll_event *ev)
{
    if (ep_find(ep, tf, fd))
        return -EEXIST;
    if (file_is_epoll(tf)) {
        struct eventpoll *inner = tf->inode->priv;
        struct eventpoll *watcher = registry_find_ep(epf);
        bool loop = watcher != NULL;
        if (watcher)
            ep_put(watcher);
        spin_lock(&inner->ctl);
        loop |= inner->nr_epoll_items > 0;
        spin_unlock(&inner->ctl);
        if (loop)
            return -ELOOP;
    }
    struct epitem *it = kzalloc(sizeof(*it));
    if (!it)
        return -ENOMEM;
    it->ep = ep;
    it->file = tf;
    it->fd = fd;
    it->events = ev->events | POLLERR | POLLHUP;
    it->data = ev->data;
    it->next = ep->items;
    ep->items = it;
    if (file_is_epoll(tf))
        ep->nr_epoll_items++;
    registry_add(it);
    ep_arm(ep, it, true);
    if (it->repoll)
        ep->nr_repoll++;
    ep->sigwake |= it->sigwake;
    return 0;
}

DEFINE_SYSCALL4(epoll_ctl, int, epfd, int, op, int, fd, const struct epoll_event *, uev)
{
    struct epoll_event ev = {0, 0};
    bool has_event = op == EPOLL_CTL_ADD || op == EPOLL_CTL_MOD;
    if (has_event && copy_from_user(&ev, uev, sizeof(ev)))
        return -EFAULT;
    struct fdtable *t = current_process()->files;
    struct file *epf = fdtable_get(t, epfd, NULL);
    if (!epf)
        return -EBADF;
    struct file *tf = fdtable_get(t, fd, NULL);
    long rc = -EBADF;
    if (!tf)
        goto out;
    rc = -EPERM;
    if (!tf->ops || !tf->ops->poll || (tf->flags & O_PATH))
        goto out;
    rc = -EINVAL;
    if (!file_is_epoll(epf) || epf == tf)
        goto out;
    if (op != EPOLL_CTL_ADD && op != EPOLL_CTL_MOD && op != EPOLL_CTL_DEL)
        goto out;
    ev.events &= ~EPOLLWAKEUP; /* needs CAP_BLOCK_SUSPEND on Linux: dropped silently */
    if (has_event && (ev.events & EPOLLEXCLUSIVE)) {
        if (op == EPOLL_CTL_MOD || file_is_epoll(tf) || (ev.events & ~EPOLLEXCLUSIVE_OK))
            goto out;
    }
    struct eventpoll *ep = epf->inode->priv;
    spin_lock(&ep->ctl);
    struct epitem *it = ep_find(ep, tf, fd);
    switch (op) {
    case EPOLL_CTL_ADD:
        rc = ep_insert(ep, epf, tf, fd, &ev);
        break;
    case EPOLL_CTL_DEL:
        rc = -ENOENT;
        if (it) {
            item_free(ep, it);
            recompute_sigwake(ep);
            rc = 0;
        }
        break;
    case EPOLL_CTL_MOD:
        rc = -ENOENT;
        if (!it)
            break;
        rc = -EINVAL;
        if (it->events & EPOLLEXCLUSIVE)
            break;
        __atomic_store_n(&it->events, ev.events | POLLERR | POLLHUP, __ATOMIC_RELAXED);
        it->data = ev.data;
        it->last = 0;
        ep_arm(ep, it, false);
        rc = 0;
        break;
    }
    spin_unlock(&ep->ctl);
out:
    file_put(tf);
    file_put(epf);
    return rc;
}

/* ---- epoll_wait ---- */

/* Takes ready events (up to max) off the list; ctl held. */
static int ep_collect(struct eventpoll *ep, struct epoll_event *out, int max)
{
    int n = 0;
    struct epitem *requeue = NULL;
    ep_requeue_repoll(ep);
    while (n < max) {
        spin_lock(&ep->rd);
        struct epitem *it = rd_pop(ep);
        spin_unlock(&ep->rd);
        if (!it)
            break;
        uint32_t events = it->events;
        if (!(events & ~EP_PRIVATE))
            continue; /* disabled one-shot */
        unsigned int revents = ep_item_revents(it);
        if (it->repoll && (events & EPOLLET)) {
            unsigned int fresh = revents & ~it->last;
            it->last = revents;
            revents = fresh ? revents : 0;
        }
        if (!revents)
            continue; /* a later change puts it back */
        out[n].events = revents;
        out[n].data = it->data;
        n++;
        if (events & EPOLLONESHOT)
            __atomic_store_n(&it->events, events & EP_PRIVATE, __ATOMIC_RELAXED);
        else if (!(events & EPOLLET)) {
            it->rd_next = requeue; /* level-triggered: check again next time */
            requeue = it;
        }
    }
    spin_lock(&ep->rd);
    while (requeue) {
        struct epitem *it = requeue;
        requeue = it->rd_next;
        rd_push(ep, it);
    }
    spin_unlock(&ep->rd);
    return n;
}

static long do_epoll_wait(int epfd, struct epoll_event *uevents, int maxevents, int64_t timeout_ns,
                          const sigset_t *umask, size_t sigsetsize)
{
    if (maxevents <= 0 || maxevents > EP_MAX_EVENTS)
        return -EINVAL;
    if (!user_range_ok(uevents, (size_t)maxevents * sizeof(*uevents), PROT_WRITE))
        return -EFAULT;
    struct file *f = fdtable_get(current_process()->files, epfd, NULL);
    if (!f)
        return -EBADF;
    long rc = -EINVAL;
    struct epoll_event *buf = NULL;
    bool swapped = false;
    if (!file_is_epoll(f))
        goto out;
    struct eventpoll *ep = f->inode->priv;
    int max = MIN(maxevents, EP_BATCH);
    rc = -ENOMEM;
    buf = kmalloc((size_t)max * sizeof(*buf));
    if (!buf)
        goto out;
    rc = poll_sigmask_begin(umask, sigsetsize, &swapped);
    if (rc)
        goto out;
    int64_t deadline = poll_deadline(timeout_ns);
    struct poll_entry self = {.wake = poll_wake_thread, .priv = current_thread()};
    bool registered = false;
    for (;;) {
        spin_lock(&ep->ctl);
        int n = ep_collect(ep, buf, max);
        bool recheck = ep->nr_repoll > 0;
        uint64_t sigwake = ep->sigwake;
        spin_unlock(&ep->ctl);
        if (n) {
            rc = copy_to_user(uevents, buf, (size_t)n * sizeof(*buf)) ? -EFAULT : n;
            break;
        }
        if (timeout_ns == 0) {
            rc = 0;
            break;
        }
        if (!registered) {
            /* Register, then scan once more before parking: nothing can slip between. */
            poll_entry_add(&ep->poll, &self);
            registered = true;
            continue;
        }
        int prc = poll_park(deadline, recheck, sigwake);
        if (prc < 0) {
            rc = prc == -ETIMEDOUT ? 0 : prc;
            break;
        }
    }
    if (registered)
        poll_entry_remove(&self);
    poll_sigmask_end(swapped, rc);
out:
    kfree(buf);
    file_put(f);
    return rc;
}

DEFINE_SYSCALL4(epoll_wait, int, epfd, struct epoll_event *, uevents, int, maxevents, int,
                timeout_ms)
{
    int64_t timeout = timeout_ms < 0 ? -1 : (int64_t)timeout_ms * 1000000;
    return do_epoll_wait(epfd, uevents, maxevents, timeout, NULL, 0);
}

DEFINE_SYSCALL6(epoll_pwait, int, epfd, struct epoll_event *, uevents, int, maxevents, int,
                timeout_ms, const sigset_t *, umask, size_t, sigsetsize)
{
    int64_t timeout = timeout_ms < 0 ? -1 : (int64_t)timeout_ms * 1000000;
    return do_epoll_wait(epfd, uevents, maxevents, timeout, umask, sigsetsize);
}

DEFINE_SYSCALL6(epoll_pwait2, int, epfd, struct epoll_event *, uevents, int, maxevents,
                const struct timespec *, uts, const sigset_t *, umask, size_t, sigsetsize)
{
    int64_t timeout = -1;
    if (uts) {
        struct timespec ts;
        if (copy_from_user(&ts, uts, sizeof(ts)))
            return -EFAULT;
        if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
            return -EINVAL;
        timeout = ts.tv_sec > INT64_MAX / 1000000000 - 1 ? -1 : ts.tv_sec * 1000000000 + ts.tv_nsec;
    }
    return do_epoll_wait(epfd, uevents, maxevents, timeout, umask, sigsetsize);
}
