/* Wait queues and thread parking (sched.h). */
#include "sched/sched.h"
#include "arch/arch.h"
#include "occlum/abi.h"
#include "occlum/ocall.h"
#include "ocall/ocall.h"
#include "process/process.h"
#include "signal/signal.h"
#include "time/time.h"
#include "uapi/errno.h"
#include "util/string.h"

void waitq_init(struct waitq *wq)
{
    wq->lock = (spinlock_t)SPINLOCK_INIT;
    wq->head.next = wq->head.prev = &wq->head;
    wq->head.thread = NULL;
}

static void enqueue(struct waitq *wq, struct waiter *w)
{
    spin_lock(&wq->lock);
    w->prev = wq->head.prev;
    w->next = &wq->head;
    wq->head.prev->next = w;
    wq->head.prev = w;
    w->queued = true;
    spin_unlock(&wq->lock);
}

static void dequeue(struct waitq *wq, struct waiter *w)
{
    spin_lock(&wq->lock);
    if (w->queued) {
        w->prev->next = w->next;
        w->next->prev = w->prev;
        w->queued = false;
    }
    spin_unlock(&wq->lock);
}

static void wake(struct waitq *wq, bool all)
{
    spin_lock(&wq->lock);
    for (struct waiter *w = wq->head.next; w != &wq->head; w = w->next) {
        thread_wake(w->thread, false);
        if (!all)
            break;
    }
    spin_unlock(&wq->lock);
}

void waitq_wake_all(struct waitq *wq)
{
    wake(wq, true);
}

void waitq_wake_one(struct waitq *wq)
{
    wake(wq, false);
}

/* How long a thread about to park first watches for its wake-up: a hand-off between two
 * threads on two CPUs (a pipe's reader and writer, a mutex) then costs no host call on
 * either side. About 10-20 us; not done with a single CPU, where it would only delay the
 * thread that is to wake us. */
#define PARK_SPINS 2000

extern int libos_num_cpus;

static struct tcs *tcs_of_slot(uint64_t slot)
{
    return (struct tcs *)enclave_tcs_addr(enclave_info, slot);
}

int thread_park(int64_t deadline_ns)
{
    struct tcs *tcs = current_tcs();
    /* Park protocol with thread_wake (a Dekker pair, both sequentially consistent): the
     * waker sets wake_pending, then sets the host event only if it sees park_state; the
     * parker sets park_state, then looks at wake_pending once more before the host wait. */
    if (libos_num_cpus > 1)
        for (int i = 0; i < PARK_SPINS; i++) {
            if (__atomic_load_n(&tcs->wake_pending, __ATOMIC_RELAXED) &&
                __atomic_exchange_n(&tcs->wake_pending, 0, __ATOMIC_SEQ_CST))
                return 0;
            __builtin_ia32_pause();
        }
    __atomic_store_n(&tcs->park_state, 1, __ATOMIC_SEQ_CST);
    if (__atomic_exchange_n(&tcs->wake_pending, 0, __ATOMIC_SEQ_CST)) {
        __atomic_store_n(&tcs->park_state, 0, __ATOMIC_SEQ_CST);
        return 0;
    }
    struct ocall_event *a = tcs->host_buf;
    int64_t timeout = -1;
    if (deadline_ns >= 0) {
        int64_t now = (int64_t)time_monotonic_ns();
        if (now >= deadline_ns) {
            __atomic_store_n(&tcs->park_state, 0, __ATOMIC_SEQ_CST);
            return -ETIMEDOUT;
        }
        timeout = deadline_ns - now;
    }
    struct ocall_event req = {.slot = tcs->index, .timeout_ns = timeout};
    memcpy(a, &req, sizeof(req));
    ocall(OCALL_EVENT_WAIT, a);
    /* wake_pending is left alone: a wake that comes after the host wait ended but before
     * park_state is cleared would otherwise be lost. It only makes the next park return at
     * once, which every caller tolerates (it re-checks its condition). */
    __atomic_store_n(&tcs->park_state, 0, __ATOMIC_SEQ_CST);
    /* The answer is only a hint: callers re-check their condition and the clock. */
    return 0;
}

void thread_wake(struct thread *th, bool kick)
{
    struct tcs *target = tcs_of_slot(th->tcs_index);
    __atomic_store_n(&target->wake_pending, 1, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&target->park_state, __ATOMIC_SEQ_CST)) {
        struct ocall_event *a = current_tcs()->host_buf;
        struct ocall_event req = {.slot = th->tcs_index};
        memcpy(a, &req, sizeof(req));
        ocall(OCALL_EVENT_SET, a);
    }
    if (kick) {
        struct ocall_thread *k = current_tcs()->host_buf;
        struct ocall_thread kreq = {.slot = th->tcs_index};
        memcpy(k, &kreq, sizeof(kreq));
        ocall(OCALL_THREAD_KICK, k);
    }
}

static int do_wait_event(struct waitq *wq, bool (*cond)(void *arg), void *arg,
                         int64_t deadline_ns, spinlock_t *lock, bool by_signals)
{
    struct thread *th = current_thread();
    struct waiter w = {.thread = th};
    for (;;) {
        enqueue(wq, &w);
        if (cond(arg)) {
            dequeue(wq, &w);
            return 0;
        }
        if (__atomic_load_n(&th->killed, __ATOMIC_ACQUIRE)) {
            dequeue(wq, &w);
            return -EINTR;
        }
        if (by_signals && thread_interrupted(th)) {
            dequeue(wq, &w);
            return -ERESTARTSYS;
        }
        if (deadline_ns >= 0 && (int64_t)time_monotonic_ns() >= deadline_ns) {
            dequeue(wq, &w);
            return -ETIMEDOUT;
        }
        if (lock)
            spin_unlock(lock);
        thread_park(deadline_ns);
        dequeue(wq, &w);
        if (lock)
            spin_lock(lock);
    }
}

int wait_event(struct waitq *wq, bool (*cond)(void *arg), void *arg, int64_t deadline_ns,
               spinlock_t *lock)
{
    return do_wait_event(wq, cond, arg, deadline_ns, lock, true);
}

int wait_event_killable(struct waitq *wq, bool (*cond)(void *arg), void *arg, spinlock_t *lock)
{
    return do_wait_event(wq, cond, arg, -1, lock, false);
}
