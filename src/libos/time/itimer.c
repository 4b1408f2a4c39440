/*
 * Interval timers: alarm, setitimer, getitimer; and the per-process timer state with its
 * lifetime hooks (timers_process_exit, timers_exec).
 *
 * ITIMER_REAL is exact: it counts CLOCK_MONOTONIC time and sends SIGALRM (SI_KERNEL, as
 * Linux's it_real_fn) to the process at each expiry; alarm() is ITIMER_REAL in whole seconds.
 *
 * ITIMER_VIRTUAL and ITIMER_PROF are approximated: the LibOS does not account per-process
 * CPU time yet, so they count wall-clock (monotonic) time from when they are set, as if the
 * process used the CPU all the time, and send SIGVTALRM / SIGPROF. For a process busy on the
 * CPU (what profilers measure) that is close; a process that sleeps gets its signals early.
 * The first use is logged at info level.
 *
 * Like Linux: itimers are per process, survive execve and are not inherited by a new process;
 * a NULL new value to setitimer disarms; the interval is reported even when disarmed; an
 * interval shorter than TIMER_MIN_PERIOD_NS is reported as set but fires at that period.
 *
 * Locking: timers_lock (proc_timers.h).
 */
#include "mm/mm.h"
#include "process/process.h"
#include "signal/signal.h"
#include "syscall/syscall.h"
#include "time/proc_timers.h"
#include "time/time.h"
#include "uapi/errno.h"
#include "util/log.h"
#include "util/string.h"
#include "util/uaccess.h"

struct itimerval {
    struct timeval it_interval;
    struct timeval it_value;
};

static const int itimer_signal[3] = {SIGALRM, SIGVTALRM, SIGPROF};

static void itimer_expire(struct ktimer *kt, uint64_t count)
{
    (void)count; /* standard signals do not queue: later expiries merge into one */
    struct itimer *it = container_of(kt, struct itimer, kt);
    struct proc_timers *pt = it->owner;
    int which = (int)(it - pt->itimers);
    signal_send_process(pt->proc, itimer_signal[which], NULL);
}

struct proc_timers *proc_timers_get_locked(struct process *p)
{
    BUG_ON(!spin_is_locked(&timers_lock));
    if (p->timers)
        return p->timers;
    struct proc_timers *pt = kzalloc(sizeof(*pt));
    if (!pt)
        return NULL;
    pt->proc = p;
    for (int i = 0; i < 3; i++) {
        ktimer_init(&pt->itimers[i].kt, itimer_expire);
        pt->itimers[i].owner = pt;
    }
    p->timers = pt;
    return pt;
}

void timers_process_exit(struct process *p)
{
    spin_lock(&timers_lock);
    struct proc_timers *pt = p->timers;
    if (pt) {
        for (int i = 0; i < 3; i++)
            timer_disarm_locked(&pt->itimers[i].kt);
        posix_timers_release_locked(pt);
        p->timers = NULL;
        kfree(pt);
    }
    spin_unlock(&timers_lock);
}

void timers_exec(struct process *p)
{
    spin_lock(&timers_lock);
    if (p->timers)
        posix_timers_release_locked(p->timers);
    spin_unlock(&timers_lock);
}

/* The current value of `which` for p. timers_lock held. */
static void itimer_read_locked(struct process *p, int which, uint64_t now, struct itimerval *out)
{
    memset(out, 0, sizeof(*out));
    struct proc_timers *pt = p->timers;
    if (!pt)
        return;
    struct itimer *it = &pt->itimers[which];
    uint64_t rem = ktimer_remaining(&it->kt, now);
    if (rem && rem < NSEC_PER_USEC)
        rem = NSEC_PER_USEC; /* armed never reads as 0 (disarmed) */
    /* Truncated to microseconds, as Linux's put_itimerval does. */
    out->it_value.tv_sec = (int64_t)(rem / NSEC_PER_SEC);
    out->it_value.tv_usec = (int64_t)(rem % NSEC_PER_SEC / NSEC_PER_USEC);
    out->it_interval.tv_sec = (int64_t)(it->interval / NSEC_PER_SEC);
    out->it_interval.tv_usec = (int64_t)(it->interval % NSEC_PER_SEC / NSEC_PER_USEC);
}

/* Sets `which` of the current process to value/interval (ns); the old value in *old. */
static int itimer_set(int which, uint64_t value, uint64_t interval, struct itimerval *old)
{
    struct process *p = current_process();
    if (which != ITIMER_REAL) {
        static bool said;
        if (!__atomic_exchange_n(&said, true, __ATOMIC_RELAXED))
            log_info("ITIMER_VIRTUAL/ITIMER_PROF count wall-clock time (no CPU accounting)");
    }
    if (value) {
        int rc = timer_service_start();
        if (rc)
            return rc;
    }
    uint64_t now = time_monotonic_ns();
    spin_lock(&timers_lock);
    if (old)
        itimer_read_locked(p, which, now, old);
    struct proc_timers *pt = proc_timers_get_locked(p);
    if (!pt) {
        spin_unlock(&timers_lock);
        return -ENOMEM;
    }
    struct itimer *it = &pt->itimers[which];
    it->interval = interval;
    if (value)
        timer_arm_locked(&it->kt, ktime_add(now, value),
                         interval ? MAX(interval, TIMER_MIN_PERIOD_NS) : 0);
    else
        timer_disarm_locked(&it->kt);
    spin_unlock(&timers_lock);
    return 0;
}

DEFINE_SYSCALL3(setitimer, int, which, const struct itimerval *, uvalue, struct itimerval *,
                uovalue)
{
    struct itimerval v;
    memset(&v, 0, sizeof(v));
    uint64_t value = 0, interval = 0;
    if (uvalue) {
        if (copy_from_user(&v, uvalue, sizeof(v)))
            return -EFAULT;
        if (timeval_to_ns(&v.it_value, &value) || timeval_to_ns(&v.it_interval, &interval))
            return -EINVAL;
    }
    if (which < ITIMER_REAL || which > ITIMER_PROF)
        return -EINVAL;
    struct itimerval old;
    int rc = itimer_set(which, value, interval, &old);
    if (rc)
        return rc;
    if (uovalue && copy_to_user(uovalue, &old, sizeof(old)))
        return -EFAULT;
    return 0;
}

DEFINE_SYSCALL2(getitimer, int, which, struct itimerval *, uvalue)
{
    if (which < ITIMER_REAL || which > ITIMER_PROF)
        return -EINVAL;
    struct itimerval v;
    uint64_t now = time_monotonic_ns();
    spin_lock(&timers_lock);
    itimer_read_locked(current_process(), which, now, &v);
    spin_unlock(&timers_lock);
    return copy_to_user(uvalue, &v, sizeof(v));
}

DEFINE_SYSCALL1(alarm, unsigned int, seconds)
{
    struct itimerval old;
    int rc = itimer_set(ITIMER_REAL, (uint64_t)seconds * NSEC_PER_SEC, 0, &old);
    if (rc)
        return rc;
    /* Whole seconds left of the previous alarm, rounded as Linux's alarm_setitimer does. */
    long left = (long)old.it_value.tv_sec;
    if ((!left && old.it_value.tv_usec) || old.it_value.tv_usec >= 500000)
        left++;
    return left;
}
