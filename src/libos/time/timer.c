/*
 * The timer service (time/timer.h): one queue of armed timers for the whole enclave, and a
 * LibOS kernel thread that fires them.
 *
 * Why a kernel thread: a timer must fire while every guest thread of its process is busy in
 * guest code or parked for something else (SIGALRM interrupting a tight loop or pause()), so
 * someone other than the target must watch the clock. The LibOS already parks threads on the
 * host with a deadline (thread_park), so the service is a thread like any other, with no
 * process: it takes a slot (one of resource_limits.max_num_of_threads) at the first armed
 * timer and keeps it for the enclave's life, parks until the earliest deadline, and runs
 * the expired timers' callbacks, which send signals or wake timerfd readers. A timer armed
 * earlier than the one it sleeps for sets its event (thread_wake), and the event is sticky,
 * so a wake-up between its look at the queue and its park is not lost.
 *
 * The service thread's struct thread has no process (proc == NULL) and kthread_fn set;
 * ECALL_THREAD (thread_enter_slot) calls kthread_fn instead of entering guest code. It never
 * runs guest code and is never kicked, so it has no exception entry of its own.
 *
 * Locking: timers_lock guards the queue and every struct ktimer in it, and is held while the
 * callbacks run; it is taken before proc_lock (see timer.h). start_lock serializes the one
 * start of the service.
 */
#include "time/timer.h"
#include "mm/mm.h"
#include "process/process.h"
#include "sched/sched.h"
#include "time/time.h"
#include "uapi/errno.h"
#include "util/log.h"

spinlock_t timers_lock = SPINLOCK_INIT;
/* Guarded by timers_lock; an empty list from the start (the service may look at it first). */
static struct timerq queue = {.head = {.next = &queue.head, .prev = &queue.head}};
static struct thread *service; /* the service thread, set once (atomic) */
static spinlock_t start_lock = SPINLOCK_INIT;

static __noreturn void service_main(void)
{
    log_debug("timer service running on slot %llu",
              (unsigned long long)current_thread()->tcs_index);
    spin_lock(&timers_lock);
    for (;;) {
        uint64_t now = time_monotonic_ns();
        uint64_t count;
        struct ktimer *t;
        while ((t = timerq_pop_expired(&queue, now, &count)))
            t->expire(t, count);
        uint64_t next = timerq_next(&queue);
        spin_unlock(&timers_lock);
        /* An early or spurious return only costs one more look at the queue. */
        thread_park(next >= KTIME_MAX ? -1 : (int64_t)next);
        spin_lock(&timers_lock);
    }
}

int timer_service_start(void)
{
    if (__atomic_load_n(&service, __ATOMIC_ACQUIRE))
        return 0;
    /* Held across the host-thread start, a blocking OCALL: it happens once per enclave, and
     * the only other holders are threads arming their first timer at the same moment. */
    spin_lock(&start_lock);
    int rc = 0;
    if (service)
        goto out;
    struct thread *th = kzalloc(sizeof(*th));
    if (!th) {
        rc = -ENOMEM;
        goto out;
    }
    th->kthread_fn = service_main;
    long slot = slot_alloc(th);
    if (slot < 0) {
        kfree(th);
        log_warn("no thread slot for the timer service: raise "
                 "resource_limits.max_num_of_threads");
        rc = -EAGAIN;
        goto out;
    }
    th->tcs_index = (uint64_t)slot;
    if (slot_start_host_thread((uint64_t)slot)) {
        slot_free((uint64_t)slot);
        kfree(th);
        log_warn("the host refused a thread for the timer service");
        rc = -EAGAIN;
        goto out;
    }
    __atomic_store_n(&service, th, __ATOMIC_RELEASE);
out:
    spin_unlock(&start_lock);
    return rc;
}

void timer_arm_locked(struct ktimer *t, uint64_t deadline, uint64_t interval)
{
    BUG_ON(!spin_is_locked(&timers_lock));
    uint64_t before = timerq_next(&queue);
    timerq_arm(&queue, t, deadline, interval);
    struct thread *svc = __atomic_load_n(&service, __ATOMIC_ACQUIRE);
    /* Only an earlier first deadline changes how long the service must sleep. */
    if (deadline < before && svc)
        thread_wake(svc, false);
}

void timer_disarm_locked(struct ktimer *t)
{
    BUG_ON(!spin_is_locked(&timers_lock));
    timerq_disarm(&queue, t); /* the service may wake for nothing: it just looks again */
}

uint64_t timer_abs_to_deadline(int clock, uint64_t abs_ns, uint64_t now_mono)
{
    uint64_t now_clock = now_mono;
    if (clock != CLOCK_MONOTONIC) {
        struct timespec ts = {0, 0};
        uint64_t ns = 0;
        if (time_clock_get(clock, &ts) == 0 && timespec_to_ns(&ts, &ns) == 0)
            now_clock = ns;
    }
    if (abs_ns <= now_clock)
        return now_mono; /* already past: expires at once */
    return ktime_add(now_mono, abs_ns - now_clock);
}
