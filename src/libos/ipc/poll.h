/*
 * Readiness: how an open file says whether it can be read or written without blocking, and
 * how a waiter (poll, select, epoll) learns when that changes. ipc/poll.c implements poll,
 * ppoll, select and pselect6 on top of it, ipc/epoll.c the epoll family.
 *
 * The contract for a file type (pipes, eventfd, signalfd, timerfd, sockets, ...):
 *
 *   1. Embed a `struct poll_head` in the object whose state changes (not in struct file: a
 *      pipe's two ends share one head) and poll_head_init() it.
 *   2. Give the file ops a `poll` op (fs/vfs.h):
 *
 *          static unsigned int foo_poll(struct file *f, struct poll_table *pt)
 *          {
 *              struct foo *o = f->priv;
 *              poll_wait(pt, &o->head);      // FIRST register, THEN read the state
 *              unsigned int mask = 0;
 *              spin_lock(&o->lock);
 *              if (o->count) mask |= POLLIN | POLLRDNORM;
 *              spin_unlock(&o->lock);
 *              return mask;
 *          }
 *
 *      It returns the POLL* bits that hold now (POLLERR and POLLHUP whenever they hold; the
 *      caller filters), never blocks, and may be called with pt == NULL (poll_wait is then a
 *      no-op). Registering before reading the state is what makes a change in between
 *      impossible to miss.
 *   3. After every change that may make a POLL* bit become true, call
 *      poll_notify(&o->head, bits) — without holding the object's own lock (poll_notify takes
 *      the head's lock and may wake threads; an epoll watching the file takes its own lock).
 *      `bits` names what may have become ready (POLLIN, POLLOUT, POLLHUP...); 0 means "don't
 *      know", which wakes every watcher.
 *   4. In the file's release op, call poll_file_release(f) first (it drops the epoll
 *      registrations of that open file; harmless if there are none, and harmless if the VFS
 *      calls it too), and poll_head_destroy() on the head when the object goes.
 *
 * A file type that cannot notify — a host fd, whose state only the host knows — calls
 * poll_recheck(pt) in its poll op instead of poll_wait: a waiter then re-polls it every
 * POLL_RECHECK_NS (10 ms) while it waits. Trade-off: an enclave object wakes its waiters at
 * once and a waiter parked on enclave objects alone costs no CPU, but readiness of a host fd
 * is seen up to 10 ms late and a waiter on one costs one host poll per 10 ms. (The
 * alternative, blocking in the host's poll, could not be woken by a pipe write inside the
 * enclave without a host-side wake-up fd per thread.)
 *
 * Signals have no head: signalfd's poll op names its mask in pt->sigwake instead, and the
 * waiter unblocks those signals while parked (poll_park), so that a signal sent to the
 * process picks it as target and wakes it (a signal sent to the thread wakes it anyway).
 *
 * A file without a poll op (regular files, directories) is always readable and writable
 * (Linux's DEFAULT_POLLMASK); epoll refuses it with -EPERM, as Linux does.
 *
 * Lifetime: a head must outlive every registration on it. poll/select hold a reference to
 * each file for the whole call and unregister before they return; epoll's registrations go
 * with EPOLL_CTL_DEL, with the epoll file, or with the watched open file (poll_file_release:
 * Linux's rule, the last reference to the open file description, not close() of one fd).
 *
 * Locking: a head's lock guards its list of entries; wake callbacks run under it and must
 * not take any head lock other than that of an epoll they notify in turn (epoll nests at
 * most two deep and refuses loops, so that order is acyclic). Order:
 *   epoll ctl lock -> object lock (inside a poll op) ; head lock -> epoll ready lock
 */
#ifndef LIBOS_IPC_POLL_H
#define LIBOS_IPC_POLL_H

#include "util/spinlock.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Linux's poll bits (also epoll's EPOLL* values for the same names). */
#define POLLIN     0x0001
#define POLLPRI    0x0002
#define POLLOUT    0x0004
#define POLLERR    0x0008
#define POLLHUP    0x0010
#define POLLNVAL   0x0020
#define POLLRDNORM 0x0040
#define POLLRDBAND 0x0080
#define POLLWRNORM 0x0100
#define POLLWRBAND 0x0200
#define POLLMSG    0x0400
#define POLLRDHUP  0x2000

/* What a file without a poll op is: always readable and writable. */
#define DEFAULT_POLLMASK (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM)

/* How often a waiter re-polls files that cannot notify (host fds). */
#define POLL_RECHECK_NS (10 * 1000 * 1000LL)

struct file;
struct poll_entry;

/* The wait list of a pollable object. */
struct poll_head {
    spinlock_t lock;
    struct poll_entry *first; /* guarded by lock: doubly linked through entry->next/prev */
};

/* One registration of a waiter on a head (owned by the waiter: poll.c or epoll.c). */
struct poll_entry {
    struct poll_entry *next, *prev; /* guarded by head->lock */
    struct poll_head *head;         /* NULL when not registered */
    /* Called under head->lock when the object's state may have changed (`events` as given
     * to poll_notify). Must be quick and must not block. */
    void (*wake)(struct poll_entry *e, unsigned int events);
    void *priv; /* the waiter's */
};

/*
 * What a poll op receives: how to register (queue), plus what the op reported about itself.
 * File types only pass it to poll_wait / poll_recheck.
 */
struct poll_table {
    void (*queue)(struct poll_table *pt, struct poll_head *head);
    bool recheck;     /* a polled file cannot notify: re-poll it periodically */
    uint64_t sigwake; /* signals (signalfd masks) that must wake the waiter (poll_park) */
    int error;        /* -ENOMEM if a registration could not be made */
};

void poll_head_init(struct poll_head *head);
/* Checks that nothing is registered any more (BUG otherwise). For the object's destructor. */
void poll_head_destroy(struct poll_head *head);

/* In a poll op: registers the caller on `head` (no-op if pt is NULL). */
static inline void poll_wait(struct poll_table *pt, struct poll_head *head)
{
    if (pt && pt->queue)
        pt->queue(pt, head);
}

/* In a poll op of a file that cannot notify its changes (host fds): see the header comment. */
static inline void poll_recheck(struct poll_table *pt)
{
    if (pt)
        pt->recheck = true;
}

/* Wakes every waiter registered on `head`; `events` names the POLL* bits that may have become
 * true (0: unknown). Call without holding the object's lock. */
void poll_notify(struct poll_head *head, unsigned int events);

/* Registers entry `e` (wake and priv set by the caller) on `head` / removes it (no-op if it
 * is not registered). For waiter implementations (poll.c, epoll.c). */
void poll_entry_add(struct poll_head *head, struct poll_entry *e);
void poll_entry_remove(struct poll_entry *e);

/*
 * The readiness of an open file: its poll op's answer, or DEFAULT_POLLMASK without one.
 * O_PATH files are POLLNVAL, as Linux answers for them.
 */
unsigned int vfs_poll(struct file *f, struct poll_table *pt);

/*
 * Drops every epoll registration of open file `f` (the last reference to it is going).
 * Called by the release ops of pollable files (and may be called by the VFS as well: a second
 * call finds nothing). Must not be called with any epoll or head lock held.
 */
void poll_file_release(struct file *f);

/* True if `f` is an epoll instance (epoll.c). */
bool file_is_epoll(struct file *f);

/* ---- for waiter implementations (poll.c, epoll.c) ---- */

/* A wake callback that wakes the thread in e->priv. */
void poll_wake_thread(struct poll_entry *e, unsigned int events);

/*
 * Parks the current thread until something registered wakes it, `deadline_ns` (monotonic;
 * < 0 none) passes, or it is interrupted; with `recheck`, for at most POLL_RECHECK_NS.
 * `sigwake` names signals that must wake it although they are blocked (signalfd: they are
 * unblocked for the time of the park only, so that a process-directed one picks this
 * thread). Returns 0 (re-scan), -ETIMEDOUT (the deadline had passed) or -EINTR (a signal
 * to handle, or the thread is being killed; these calls are never restarted).
 */
int poll_park(int64_t deadline_ns, bool recheck, uint64_t sigwake);

/*
 * The temporary signal mask of ppoll, pselect6 and epoll_pwait (rt_sigsuspend's scheme):
 * poll_sigmask_begin copies and validates the guest's mask (NULL: no change; size must be
 * 8, else -EINVAL; -EFAULT) and installs it, remembering the old one; poll_sigmask_end
 * restores the old mask unless the call ends with -EINTR, in which case signal delivery
 * runs the handler under the temporary mask and restores the old one after it.
 * `*swapped` says whether a mask was installed.
 */
int poll_sigmask_begin(const void *umask, size_t sigsetsize, bool *swapped);
void poll_sigmask_end(bool swapped, long result);

/* An absolute monotonic deadline from a relative timeout in ns (< 0: none); saturates. */
int64_t poll_deadline(int64_t timeout_ns);

#endif
