/*
 * Readiness heads (poll.h) and the calls built on them: poll, ppoll, select, pselect6.
 *
 * poll and select share one loop (poll_scan_loop): each pass asks every file for its
 * readiness; the first pass also registers the thread on every file's head (a poll_entry
 * per registration, from a chunked pool owned by the call), so any later change wakes it.
 * Files are looked up once, at the start, and held referenced for the whole call. Nothing is
 * registered when the timeout is zero.
 *
 * Interruption: these calls are never restarted; a signal to handle ends them with -EINTR
 * (Linux restarts them only when no handler runs; here a signal that interrupts a wait always
 * has an action to run or is gone by then). select and pselect6 write the time left back,
 * as Linux does, and ppoll too; a failure to write it back is ignored, as on Linux.
 */
#include "ipc/poll.h"
#include "fs/fdtable.h"
#include "fs/fs.h"
#include "fs/vfs.h"
#include "mm/mm.h"
#include "process/process.h"
#include "sched/sched.h"
#include "signal/signal.h"
#include "syscall/syscall.h"
#include "time/time.h"
#include "uapi/errno.h"
#include "util/compiler.h"
#include "util/log.h"
#include "util/string.h"
#include "util/uaccess.h"

#define UNBLOCKABLE  (sigmask(SIGKILL) | sigmask(SIGSTOP))
#define NSEC_PER_SEC 1000000000LL

/* ---- heads ---- */

void poll_head_init(struct poll_head *head)
{
    head->lock = (spinlock_t)SPINLOCK_INIT;
    head->first = NULL;
}

void poll_head_destroy(struct poll_head *head)
{
    BUG_ON(__atomic_load_n(&head->first, __ATOMIC_ACQUIRE) != NULL);
}

void poll_entry_add(struct poll_head *head, struct poll_entry *e)
{
    spin_lock(&head->lock);
    e->head = head;
    e->prev = NULL;
    e->next = head->first;
    if (head->first)
        head->first->prev = e;
    __atomic_store_n(&head->first, e, __ATOMIC_RELEASE);
    spin_unlock(&head->lock);
}

void poll_entry_remove(struct poll_entry *e)
{
    struct poll_head *head = e->head;
    if (!head)
        return;
    spin_lock(&head->lock);
    if (e->prev)
        e->prev->next = e->next;
    else
        __atomic_store_n(&head->first, e->next, __ATOMIC_RELEASE);
    if (e->next)
        e->next->prev = e->prev;
    e->head = NULL;
    spin_unlock(&head->lock);
}

void poll_notify(struct poll_head *head, unsigned int events)
{
    /* Fast path with nobody registered. The fence orders the caller's state change (made
     * under its object lock) before this load; a registrant adds its entry (a locked
     * operation) before it reads that state, so one of the two always sees the other. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (!__atomic_load_n(&head->first, __ATOMIC_ACQUIRE))
        return;
    spin_lock(&head->lock);
    for (struct poll_entry *e = head->first; e; e = e->next)
        e->wake(e, events);
    spin_unlock(&head->lock);
}

void poll_wake_thread(struct poll_entry *e, unsigned int events)
{
    (void)events;
    thread_wake(e->priv, false);
}

unsigned int vfs_poll(struct file *f, struct poll_table *pt)
{
    if (f->flags & O_PATH)
        return POLLNVAL;
    if (!f->ops || !f->ops->poll)
        return DEFAULT_POLLMASK;
    return f->ops->poll(f, pt);
}

/* ---- waiting ---- */

int64_t poll_deadline(int64_t timeout_ns)
{
    if (timeout_ns < 0)
        return -1;
    int64_t now = (int64_t)time_monotonic_ns();
    if (timeout_ns > INT64_MAX - now)
        return -1; /* centuries away: no deadline */
    return now + timeout_ns;
}

int poll_park(int64_t deadline_ns, bool recheck, uint64_t sigwake)
{
    struct thread *th = current_thread();
    if (thread_interrupted(th))
        return -EINTR;
    int64_t now = (int64_t)time_monotonic_ns();
    if (deadline_ns >= 0 && now >= deadline_ns)
        return -ETIMEDOUT;
    int64_t until = deadline_ns;
    if (recheck && (until < 0 || until - now > POLL_RECHECK_NS))
        until = now + POLL_RECHECK_NS;
    sigwake &= th->sigmask & ~UNBLOCKABLE;
    if (!sigwake) {
        thread_park(until);
        return 0;
    }
    /* As rt_sigtimedwait does: while parked, the signalfd signals count as unblocked, so a
     * process-directed one chooses (and wakes) this thread. The fence orders the mask store
     * before the pending-set loads of thread_interrupted (a sender reads the mask, then
     * queues the signal). */
    sigset_t saved = th->sigmask;
    __atomic_store_n(&th->sigmask, saved & ~sigwake, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (!thread_interrupted(th))
        thread_park(until);
    __atomic_store_n(&th->sigmask, saved, __ATOMIC_RELAXED);
    return 0;
}

int poll_sigmask_begin(const void *umask, size_t sigsetsize, bool *swapped)
{
    *swapped = false;
    if (!umask)
        return 0;
    if (sigsetsize != sizeof(sigset_t))
        return -EINVAL;
    sigset_t set;
    if (copy_from_user(&set, umask, sizeof(set)))
        return -EFAULT;
    struct thread *th = current_thread();
    th->saved_mask = th->sigmask;
    th->restore_mask = true;
    th->sigmask = set & ~UNBLOCKABLE;
    *swapped = true;
    return 0;
}

void poll_sigmask_end(bool swapped, long result)
{
    if (!swapped || result == -EINTR)
        return; /* -EINTR: signal_deliver restores the mask after the handler's frame */
    struct thread *th = current_thread();
    th->sigmask = th->saved_mask;
    th->restore_mask = false;
}

/* The registrations of one poll/select call. */
#define CHUNK_ENTRIES 32
struct entry_chunk {
    struct entry_chunk *next;
    unsigned int used;
    struct poll_entry e[CHUNK_ENTRIES];
};

struct poll_waiter {
    struct poll_table pt; /* first: the queue callback casts back */
    struct thread *th;
    struct entry_chunk *chunks;
};

static void waiter_queue(struct poll_table *pt, struct poll_head *head)
{
    struct poll_waiter *w = (struct poll_waiter *)pt;
    struct entry_chunk *c = w->chunks;
    if (!c || c->used == CHUNK_ENTRIES) {
        c = kmalloc(sizeof(*c));
        if (!c) {
            /* Cannot register: fall back to re-polling rather than failing the call. */
            pt->recheck = true;
            return;
        }
        c->used = 0;
        c->next = w->chunks;
        w->chunks = c;
    }
    struct poll_entry *e = &c->e[c->used++];
    e->wake = poll_wake_thread;
    e->priv = w->th;
    e->head = NULL;
    poll_entry_add(head, e);
}

static void waiter_cleanup(struct poll_waiter *w)
{
    while (w->chunks) {
        struct entry_chunk *c = w->chunks;
        w->chunks = c->next;
        for (unsigned int i = 0; i < c->used; i++)
            poll_entry_remove(&c->e[i]);
        kfree(c);
    }
}

/* One pass over the caller's files: the number ready (> 0) or 0; pt is NULL after the first
 * pass. */
typedef long (*scan_fn)(void *arg, struct poll_table *pt);

/* Scans until something is ready, the deadline passes (0), or a signal comes (-EINTR). */
static long poll_scan_loop(scan_fn scan, void *arg, int64_t deadline_ns)
{
    struct poll_waiter w = {.th = current_thread()};
    w.pt.queue = waiter_queue;
    bool zero = deadline_ns >= 0 && (int64_t)time_monotonic_ns() >= deadline_ns;
    long rc = scan(arg, zero ? NULL : &w.pt);
    while (rc == 0 && !zero) {
        int prc = poll_park(deadline_ns, w.pt.recheck, w.pt.sigwake);
        if (prc == -ETIMEDOUT)
            break;
        if (prc < 0) {
            rc = prc;
            break;
        }
        rc = scan(arg, NULL);
    }
    waiter_cleanup(&w);
    return rc;
}

/* ---- poll, ppoll ---- */

struct kpollfd {
    int32_t fd;
    int16_t events;
    int16_t revents;
};
_Static_assert(sizeof(struct kpollfd) == 8, "pollfd");

struct poll_args {
    struct kpollfd *fds;
    struct file **files;
    unsigned int nfds;
};

static long poll_scan(void *arg, struct poll_table *pt)
{
    struct poll_args *a = arg;
    long count = 0;
    for (unsigned int i = 0; i < a->nfds; i++) {
        struct kpollfd *p = &a->fds[i];
        unsigned int mask = 0;
        if (p->fd >= 0) {
            if (!a->files[i]) {
                mask = POLLNVAL;
            } else {
                unsigned int want = (uint16_t)p->events | POLLERR | POLLHUP;
                mask = vfs_poll(a->files[i], pt) & (want | POLLNVAL);
            }
        }
        p->revents = (int16_t)mask;
        if (mask)
            count++;
    }
    return count;
}

static uint64_t nofile_limit(void)
{
    return current_process()->rlimits[RLIMIT_NOFILE].rlim_cur;
}

static long do_poll(struct kpollfd *ufds, unsigned int nfds, int64_t timeout_ns,
                    struct timespec *uts, const sigset_t *umask, size_t sigsetsize)
{
    if (nfds > nofile_limit() || nfds > (1u << 24))
        return -EINVAL;
    struct poll_args a = {.nfds = nfds};
    long rc = -ENOMEM;
    if (nfds) {
        a.fds = kmalloc(nfds * sizeof(*a.fds));
        a.files = kzalloc(nfds * sizeof(*a.files));
        if (!a.fds || !a.files)
            goto out;
        rc = -EFAULT;
        if (copy_from_user(a.fds, ufds, nfds * sizeof(*a.fds)))
            goto out;
    }
    bool swapped;
    rc = poll_sigmask_begin(umask, sigsetsize, &swapped);
    if (rc)
        goto out;
    int64_t deadline = poll_deadline(timeout_ns);
    struct fdtable *t = current_process()->files;
    for (unsigned int i = 0; i < nfds; i++)
        if (a.fds[i].fd >= 0)
            a.files[i] = fdtable_get(t, a.fds[i].fd, NULL);
    rc = poll_scan_loop(poll_scan, &a, deadline);
    if (rc >= 0 && nfds && copy_to_user(ufds, a.fds, nfds * sizeof(*a.fds)))
        rc = -EFAULT;
    if (uts) {
        /* ppoll: the time left, as Linux writes it back (an unwritable timeout is ignored). */
        int64_t left = 0;
        if (deadline >= 0)
            left = MAX(deadline - (int64_t)time_monotonic_ns(), 0);
        struct timespec ts = {left / NSEC_PER_SEC, left % NSEC_PER_SEC};
        (void)copy_to_user(uts, &ts, sizeof(ts));
    }
    poll_sigmask_end(swapped, rc);
out:
    if (a.files)
        for (unsigned int i = 0; i < nfds; i++)
            if (a.files[i])
                file_put(a.files[i]);
    kfree(a.files);
    kfree(a.fds);
    return rc;
}

DEFINE_SYSCALL3(poll, struct kpollfd *, ufds, unsigned int, nfds, int, timeout_ms)
{
    int64_t timeout = timeout_ms < 0 ? -1 : (int64_t)timeout_ms * 1000000;
    return do_poll(ufds, nfds, timeout, NULL, NULL, 0);
}

/* A guest timespec as a relative timeout in ns: -EINVAL if malformed, -1 for NULL. */
static int copy_timeout(const struct timespec *uts, int64_t *out)
{
    *out = -1;
    if (!uts)
        return 0;
    struct timespec ts;
    if (copy_from_user(&ts, uts, sizeof(ts)))
        return -EFAULT;
    if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= NSEC_PER_SEC)
        return -EINVAL;
    if (ts.tv_sec > INT64_MAX / NSEC_PER_SEC - 1)
        return 0; /* effectively forever */
    *out = ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
    return 0;
}

DEFINE_SYSCALL5(ppoll, struct kpollfd *, ufds, unsigned int, nfds, struct timespec *, uts,
                const sigset_t *, umask, size_t, sigsetsize)
{
    int64_t timeout;
    int rc = copy_timeout(uts, &timeout);
    if (rc)
        return rc;
    return do_poll(ufds, nfds, timeout, uts, umask, sigsetsize);
}

/* ---- select, pselect6 ---- */

#define POLLIN_SET  (POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR)
#define POLLOUT_SET (POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR)
#define POLLEX_SET  (POLLPRI)

struct select_args {
    unsigned int n;
    uint64_t *in, *out, *ex;    /* what was asked (NULL sets are all zero) */
    uint64_t *rin, *rout, *rex; /* results */
    struct file **files;        /* per fd < n with any bit set */
};

static bool bit(const uint64_t *set, unsigned int fd)
{
    return set && (set[fd / 64] >> (fd % 64)) & 1;
}

static long select_scan(void *arg, struct poll_table *pt)
{
    struct select_args *a = arg;
    size_t words = (a->n + 63) / 64;
    long count = 0;
    memset(a->rin, 0, words * 8);
    memset(a->rout, 0, words * 8);
    memset(a->rex, 0, words * 8);
    for (unsigned int fd = 0; fd < a->n; fd++) {
        if (!a->files[fd])
            continue;
        unsigned int mask = vfs_poll(a->files[fd], pt);
        uint64_t b = 1ULL << (fd % 64);
        if (bit(a->in, fd) && (mask & POLLIN_SET)) {
            a->rin[fd / 64] |= b;
            count++;
        }
        if (bit(a->out, fd) && (mask & POLLOUT_SET)) {
            a->rout[fd / 64] |= b;
            count++;
        }
        if (bit(a->ex, fd) && (mask & POLLEX_SET)) {
            a->rex[fd / 64] |= b;
            count++;
        }
    }
    return count;
}

/* A guest fd_set of n bits (NULL stays NULL; the caller's buffer is zeroed first). */
static int copy_set(uint64_t **dst, uint64_t *buf, const void *uset, size_t bytes)
{
    *dst = NULL;
    if (!uset)
        return 0;
    if (copy_from_user(buf, uset, bytes))
        return -EFAULT;
    *dst = buf;
    return 0;
}

/* The common body: timeout_ns relative (< 0: none); the time left is written by the caller. */
static long do_select(int n, void *uin, void *uout, void *uex, int64_t timeout_ns, int64_t *left_ns,
                      const sigset_t *umask, size_t sigsetsize)
{
    if (n < 0)
        return -EINVAL;
    uint64_t limit = nofile_limit();
    unsigned int nn = (uint64_t)n > limit ? (unsigned int)MIN(limit, 1u << 24) : (unsigned int)n;
    size_t words = (nn + 63) / 64, bytes = words * 8;
    struct select_args a = {.n = nn};
    uint64_t *mem = kzalloc(6 * bytes + 8);
    a.files = kzalloc((nn + 1) * sizeof(*a.files));
    long rc = -ENOMEM;
    bool swapped = false;
    if (!mem || !a.files)
        goto out;
    if ((rc = copy_set(&a.in, mem, uin, bytes)) ||
        (rc = copy_set(&a.out, mem + words, uout, bytes)) ||
        (rc = copy_set(&a.ex, mem + 2 * words, uex, bytes)))
        goto out;
    a.rin = mem + 3 * words;
    a.rout = mem + 4 * words;
    a.rex = mem + 5 * words;
    struct fdtable *t = current_process()->files;
    for (unsigned int fd = 0; fd < nn; fd++) {
        if (!bit(a.in, fd) && !bit(a.out, fd) && !bit(a.ex, fd))
            continue;
        a.files[fd] = fdtable_get(t, (int)fd, NULL);
        if (!a.files[fd]) {
            rc = -EBADF;
            goto out;
        }
    }
    rc = poll_sigmask_begin(umask, sigsetsize, &swapped);
    if (rc)
        goto out;
    int64_t deadline = poll_deadline(timeout_ns);
    rc = poll_scan_loop(select_scan, &a, deadline);
    if (left_ns && deadline >= 0)
        *left_ns = MAX(deadline - (int64_t)time_monotonic_ns(), 0);
    if (rc >= 0) {
        if ((uin && copy_to_user(uin, a.rin, bytes)) ||
            (uout && copy_to_user(uout, a.rout, bytes)) || (uex && copy_to_user(uex, a.rex, bytes)))
            rc = -EFAULT;
    }
    poll_sigmask_end(swapped, rc);
out:
    if (a.files)
        for (unsigned int fd = 0; fd < nn; fd++)
            if (a.files[fd])
                file_put(a.files[fd]);
    kfree(a.files);
    kfree(mem);
    return rc;
}

DEFINE_SYSCALL5(select, int, n, void *, uin, void *, uout, void *, uex, struct timeval *, utv)
{
    int64_t timeout = -1;
    if (utv) {
        struct timeval tv;
        if (copy_from_user(&tv, utv, sizeof(tv)))
            return -EFAULT;
        if (tv.tv_sec < 0 || tv.tv_usec < 0)
            return -EINVAL;
        /* Linux carries whole seconds out of tv_usec rather than refusing them. */
        int64_t max_sec = INT64_MAX / NSEC_PER_SEC - 1;
        if (tv.tv_sec > max_sec || tv.tv_usec / 1000000 > max_sec - tv.tv_sec)
            timeout = -1; /* effectively forever */
        else
            timeout =
                (tv.tv_sec + tv.tv_usec / 1000000) * NSEC_PER_SEC + (tv.tv_usec % 1000000) * 1000;
    }
    int64_t left = -1;
    long rc = do_select(n, uin, uout, uex, timeout, &left, NULL, 0);
    if (utv && left >= 0) {
        struct timeval tv = {left / NSEC_PER_SEC, (left % NSEC_PER_SEC) / 1000};
        (void)copy_to_user(utv, &tv, sizeof(tv));
    }
    return rc;
}

/* pselect6's sixth argument. */
struct pselect_sig {
    const sigset_t *uset;
    size_t size;
};

DEFINE_SYSCALL6(pselect6, int, n, void *, uin, void *, uout, void *, uex, struct timespec *, uts,
                const struct pselect_sig *, usig)
{
    int64_t timeout;
    int rc = copy_timeout(uts, &timeout);
    if (rc)
        return rc;
    struct pselect_sig sig = {NULL, 0};
    if (usig && copy_from_user(&sig, usig, sizeof(sig)))
        return -EFAULT;
    int64_t left = -1;
    long ret = do_select(n, uin, uout, uex, timeout, &left, sig.uset, sig.size);
    if (uts && left >= 0) {
        struct timespec ts = {left / NSEC_PER_SEC, left % NSEC_PER_SEC};
        (void)copy_to_user(uts, &ts, sizeof(ts));
    }
    return ret;
}
