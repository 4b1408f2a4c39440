/*
 * futex(2): WAIT, WAKE, WAIT_BITSET, WAKE_BITSET, REQUEUE, CMP_REQUEUE, WAKE_OP, with
 * relative and absolute timeouts on CLOCK_MONOTONIC and CLOCK_REALTIME. The PI operations
 * and futex_waitv answer -ENOSYS.
 *
 * Waiters hang on one of FUTEX_BUCKETS hashed lists. A waiter checks the futex word while
 * holding its bucket's lock and queues itself before releasing it, and a waker takes the same
 * lock, so no wake-up can fall between the check and the wait (futex(2)'s guarantee). A woken
 * waiter has been dequeued by its waker (`woken`); one that times out or is interrupted
 * dequeues itself.
 */
#include "ipc/futex.h"
#include "process/process.h"
#include "sched/sched.h"
#include "signal/signal.h"
#include "syscall/syscall.h"
#include "time/time.h"
#include "uapi/errno.h"
#include "util/log.h"
#include "util/uaccess.h"

#define FUTEX_WAIT            0
#define FUTEX_WAKE            1
#define FUTEX_FD              2
#define FUTEX_REQUEUE         3
#define FUTEX_CMP_REQUEUE     4
#define FUTEX_WAKE_OP         5
#define FUTEX_LOCK_PI         6
#define FUTEX_UNLOCK_PI       7
#define FUTEX_TRYLOCK_PI      8
#define FUTEX_WAIT_BITSET     9
#define FUTEX_WAKE_BITSET     10
#define FUTEX_PRIVATE_FLAG    128
#define FUTEX_CLOCK_REALTIME  256
#define FUTEX_CMD_MASK        (~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME))
#define FUTEX_BITSET_MATCH_ANY 0xffffffffU

#define FUTEX_BUCKETS 256

struct futex_waiter {
    struct thread *thread;
    uint64_t addr;
    uint32_t bitset;
    bool woken; /* guarded by the bucket lock */
    struct futex_waiter *next, *prev;
};

struct bucket {
    spinlock_t lock;
    struct futex_waiter head; /* circular */
};

static struct bucket buckets[FUTEX_BUCKETS];
static bool buckets_ready;
static spinlock_t init_lock = SPINLOCK_INIT;

static struct bucket *bucket_of(uint64_t addr)
{
    if (!__atomic_load_n(&buckets_ready, __ATOMIC_ACQUIRE)) {
        spin_lock(&init_lock);
        if (!buckets_ready) {
            for (int i = 0; i < FUTEX_BUCKETS; i++) {
                buckets[i].lock = (spinlock_t)SPINLOCK_INIT;
                buckets[i].head.next = buckets[i].head.prev = &buckets[i].head;
            }
            __atomic_store_n(&buckets_ready, true, __ATOMIC_RELEASE);
        }
        spin_unlock(&init_lock);
    }
    uint64_t h = (addr >> 2) * 0x9e3779b97f4a7c15ULL;
    return &buckets[h >> 56];
}

static void unlink_waiter(struct futex_waiter *w)
{
    w->prev->next = w->next;
    w->next->prev = w->prev;
}

static void link_waiter(struct bucket *b, struct futex_waiter *w)
{
    w->prev = b->head.prev;
    w->next = &b->head;
    b->head.prev->next = w;
    b->head.prev = w;
}

static int futex_wait(uint64_t uaddr, uint32_t val, int64_t deadline_ns, uint32_t bitset)
{
    if (uaddr % 4)
        return -EINVAL;
    if (!bitset)
        return -EINVAL;
    struct bucket *b = bucket_of(uaddr);
    struct futex_waiter w = {.thread = current_thread(), .addr = uaddr, .bitset = bitset};
    uint32_t cur;
    spin_lock(&b->lock);
    /* The word is read under the bucket lock: copy_from_user takes the vm lock, which nests
     * inside a bucket lock and nowhere else. */
    if (copy_from_user(&cur, (const void *)uaddr, sizeof(cur))) {
        spin_unlock(&b->lock);
        return -EFAULT;
    }
    if (cur != val) {
        spin_unlock(&b->lock);
        return -EAGAIN;
    }
    link_waiter(b, &w);
    spin_unlock(&b->lock);

    int rc = 0;
    for (;;) {
        spin_lock(&b->lock);
        bool woken = w.woken;
        spin_unlock(&b->lock);
        if (woken)
            break;
        if (thread_interrupted(w.thread)) {
            rc = -ERESTARTSYS;
            break;
        }
        if (deadline_ns >= 0 && (int64_t)time_monotonic_ns() >= deadline_ns) {
            rc = -ETIMEDOUT;
            break;
        }
        thread_park(deadline_ns);
    }
    spin_lock(&b->lock);
    if (w.woken)
        rc = 0; /* a wake-up that raced with a timeout or signal wins, as on Linux */
    else
        unlink_waiter(&w);
    spin_unlock(&b->lock);
    return rc;
}

/* Wakes up to n waiters on uaddr whose bitset matches; with `requeue_to`, moves up to
 * `nr_requeue` further ones to that futex instead. Returns woken (+ requeued) count. */
static int futex_wake_requeue(uint64_t uaddr, int n, uint32_t bitset, uint64_t requeue_to,
                              int nr_requeue)
{
    struct bucket *b = bucket_of(uaddr);
    struct bucket *b2 = requeue_to ? bucket_of(requeue_to) : NULL;
    /* Lock order between two buckets: by address. */
    if (b2 && b2 != b && b2 < b) {
        spin_lock(&b2->lock);
        spin_lock(&b->lock);
    } else {
        spin_lock(&b->lock);
        if (b2 && b2 != b)
            spin_lock(&b2->lock);
    }
    int woken = 0, moved = 0;
    struct futex_waiter *w = b->head.next;
    while (w != &b->head) {
        struct futex_waiter *next = w->next;
        if (w->addr == uaddr && (w->bitset & bitset)) {
            if (woken < n) {
                unlink_waiter(w);
                w->woken = true;
                thread_wake(w->thread, false);
                woken++;
            } else if (b2 && moved < nr_requeue) {
                unlink_waiter(w);
                w->addr = requeue_to;
                link_waiter(b2, w);
                moved++;
            } else {
                break;
            }
        }
        w = next;
    }
    if (b2 && b2 != b)
        spin_unlock(&b2->lock);
    spin_unlock(&b->lock);
    return woken + moved;
}

int futex_wake(uint64_t uaddr, int n, uint32_t bitset)
{
    return futex_wake_requeue(uaddr, n, bitset, 0, 0);
}

/* FUTEX_WAKE_OP's operation on *uaddr2 (futex(2)): returns the old value's comparison. */
static int futex_wake_op(uint64_t uaddr, int n, uint64_t uaddr2, int n2, uint32_t op)
{
    uint32_t oparg = (op >> 12) & 0xfff, cmparg = op & 0xfff;
    uint32_t opc = (op >> 28) & 0xf, cmp = (op >> 24) & 0xf;
    if (opc & 8) {
        opc &= 7;
        if (oparg >= 32)
            return -EINVAL;
        oparg = 1U << oparg;
    }
    /* The read-modify-write is atomic with respect to other LibOS futex operations on that
     * word (its bucket lock); guest code racing on the word sees a plain atomic exchange. */
    struct bucket *b2 = bucket_of(uaddr2);
    spin_lock(&b2->lock);
    uint32_t old, nv;
    if (copy_from_user(&old, (const void *)uaddr2, 4)) {
        spin_unlock(&b2->lock);
        return -EFAULT;
    }
    switch (opc) {
    case 0: nv = oparg; break;
    case 1: nv = old + oparg; break;
    case 2: nv = old | oparg; break;
    case 3: nv = old & ~oparg; break;
    case 4: nv = old ^ oparg; break;
    default:
        spin_unlock(&b2->lock);
        return -ENOSYS;
    }
    int rc = copy_to_user((void *)uaddr2, &nv, 4);
    spin_unlock(&b2->lock);
    if (rc)
        return rc;
    bool hit;
    int32_t o = (int32_t)old, c = (int32_t)(cmparg << 20) >> 20; /* sign-extend 12 bits */
    switch (cmp) {
    case 0: hit = o == c; break;
    case 1: hit = o != c; break;
    case 2: hit = o < c; break;
    case 3: hit = o <= c; break;
    case 4: hit = o > c; break;
    case 5: hit = o >= c; break;
    default: return -ENOSYS;
    }
    int woken = futex_wake(uaddr, n, FUTEX_BITSET_MATCH_ANY);
    if (hit)
        woken += futex_wake(uaddr2, n2, FUTEX_BITSET_MATCH_ANY);
    return woken;
}

/* Converts a futex timeout to a CLOCK_MONOTONIC deadline (-1: none). */
static int futex_deadline(const struct timespec *uts, bool absolute, bool realtime,
                          int64_t *deadline)
{
    *deadline = -1;
    if (!uts)
        return 0;
    struct timespec ts;
    if (copy_from_user(&ts, uts, sizeof(ts)))
        return -EFAULT;
    if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
        return -EINVAL;
    int64_t ns = ts.tv_sec > (INT64_MAX / 1000000000 - 1) ? INT64_MAX / 2
                                                          : ts.tv_sec * 1000000000 + ts.tv_nsec;
    int64_t mono = (int64_t)time_monotonic_ns();
    if (!absolute) {
        *deadline = mono + ns;
    } else if (realtime) {
        struct timespec now;
        int rc = time_clock_get(CLOCK_REALTIME, &now);
        if (rc)
            return rc;
        *deadline = mono + (ns - (now.tv_sec * 1000000000 + now.tv_nsec));
    } else {
        *deadline = ns;
    }
    return 0;
}

DEFINE_SYSCALL6(futex, uint32_t *, uaddr, int, op, uint32_t, val, const struct timespec *, uts,
                uint32_t *, uaddr2, uint32_t, val3)
{
    int cmd = op & FUTEX_CMD_MASK;
    bool realtime = op & FUTEX_CLOCK_REALTIME;
    int64_t deadline;
    int rc;
    switch (cmd) {
    case FUTEX_WAIT:
        if (realtime)
            return -ENOSYS;
        rc = futex_deadline(uts, false, false, &deadline);
        return rc ? rc : futex_wait((uint64_t)uaddr, val, deadline, FUTEX_BITSET_MATCH_ANY);
    case FUTEX_WAIT_BITSET:
        rc = futex_deadline(uts, true, realtime, &deadline);
        return rc ? rc : futex_wait((uint64_t)uaddr, val, deadline, val3);
    case FUTEX_WAKE:
        return futex_wake((uint64_t)uaddr, (int)val, FUTEX_BITSET_MATCH_ANY);
    case FUTEX_WAKE_BITSET:
        return val3 ? futex_wake((uint64_t)uaddr, (int)val, val3) : -EINVAL;
    case FUTEX_REQUEUE:
    case FUTEX_CMP_REQUEUE: {
        if ((int)val < 0 || (int64_t)(uint64_t)uts < 0)
            return -EINVAL;
        if (cmd == FUTEX_CMP_REQUEUE) {
            uint32_t cur;
            if (copy_from_user(&cur, uaddr, 4))
                return -EFAULT;
            if (cur != val3)
                return -EAGAIN;
        }
        return futex_wake_requeue((uint64_t)uaddr, (int)val, FUTEX_BITSET_MATCH_ANY,
                                  (uint64_t)uaddr2, (int)(uint64_t)uts);
    }
    case FUTEX_WAKE_OP:
        return futex_wake_op((uint64_t)uaddr, (int)val, (uint64_t)uaddr2, (int)(uint64_t)uts,
                             val3);
    default:
        log_warn("futex operation %d is not supported", cmd);
        return -ENOSYS;
    }
}

#define FUTEX_WAITERS     0x80000000U
#define FUTEX_OWNER_DIED  0x40000000U
#define FUTEX_TID_MASK    0x3fffffffU
#define ROBUST_LIST_LIMIT 2048

/* One robust futex of a dying thread: marked OWNER_DIED and one waiter woken, if it held it
 * (Linux's handle_futex_death). */
static void futex_owner_died(uint64_t uaddr, pid_t tid)
{
    if (uaddr % 4)
        return;
    struct bucket *b = bucket_of(uaddr);
    spin_lock(&b->lock);
    uint32_t val;
    bool wake = false;
    if (copy_from_user(&val, (const void *)uaddr, 4) == 0 && (val & FUTEX_TID_MASK) == (uint32_t)tid) {
        uint32_t nv = (val & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
        wake = copy_to_user((void *)uaddr, &nv, 4) == 0 && (val & FUTEX_WAITERS);
    }
    spin_unlock(&b->lock);
    if (wake)
        futex_wake(uaddr, 1, FUTEX_BITSET_MATCH_ANY);
}

void futex_exit_robust_list(uint64_t head, pid_t tid)
{
    /* struct robust_list_head { struct robust_list *next; long futex_offset;
     *                           struct robust_list *list_op_pending; } */
    uint64_t h[3];
    if (!head || copy_from_user(h, (const void *)head, sizeof(h)))
        return;
    int64_t offset = (int64_t)h[1];
    uint64_t entry = h[0];
    for (int n = 0; entry != head && entry && n < ROBUST_LIST_LIMIT; n++) {
        uint64_t next;
        if (copy_from_user(&next, (const void *)entry, sizeof(next)))
            return;
        if (entry != h[2])
            futex_owner_died(entry + (uint64_t)offset, tid);
        entry = next;
    }
    if (h[2])
        futex_owner_died(h[2] + (uint64_t)offset, tid);
}
