/*
 * POSIX per-process timers: timer_create, timer_settime, timer_gettime, timer_getoverrun,
 * timer_delete.
 *
 * Clocks: CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME (the CPU-time clocks need CPU
 * accounting the LibOS does not have yet: -EINVAL with a log line). Notification (Linux's
 * good_sigevent): SIGEV_SIGNAL to the process, SIGEV_THREAD_ID to one of its threads,
 * SIGEV_NONE (the timer only counts; timer_gettime reads it), SIGEV_THREAD treated as
 * SIGEV_SIGNAL (libcs implement it in user space on top of SIGEV_THREAD_ID).
 *
 * Signals carry si_code SI_TIMER, si_timerid, si_overrun and the sigev_value. A timer's
 * signal does not queue twice: while the one it sent is still pending, later expiries are
 * counted as overruns into that pending siginfo (as Linux, which re-arms at delivery). When
 * it has been delivered, its overrun is what timer_getoverrun reports. Whether it is still
 * pending is read from the target's pending set under its sighand.lock: the pending siginfo
 * for that signal is this timer's (SI_TIMER with this id).
 *
 * Timer ids are per process, handed out increasingly from 0 (as Linux 6.x) and reused only
 * after INT_MAX. execve deletes a process's timers; a new process has none.
 *
 * Locking: timers_lock (proc_timers.h); the expire callback takes proc_lock and sighand.lock
 * under it.
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

#define SIGEV_SIGNAL    0
#define SIGEV_NONE      1
#define SIGEV_THREAD    2
#define SIGEV_THREAD_ID 4

#define MAX_POSIX_TIMERS 4096 /* per process (Linux: RLIMIT_SIGPENDING) */
#define DELAYTIMER_MAX   0x7fffffff

/* The kernel's struct sigevent: 64 bytes. */
struct ksigevent {
    uint64_t sigev_value;
    int32_t sigev_signo;
    int32_t sigev_notify;
    union {
        int32_t tid;
        int32_t pad[12];
    };
};
_Static_assert(sizeof(struct ksigevent) == 64, "sigevent");

struct itimerspec {
    struct timespec it_interval;
    struct timespec it_value;
};

struct posix_timer {
    struct ktimer kt;
    struct proc_timers *owner;
    struct posix_timer *next; /* in owner->posix */
    int id;
    int clock;
    int notify; /* SIGEV_SIGNAL, SIGEV_NONE or SIGEV_THREAD_ID */
    int signo;
    pid_t tid;            /* SIGEV_THREAD_ID: the target thread */
    uint64_t value;       /* sigev_value */
    uint64_t interval;    /* as the guest set it */
    int64_t overrun_cur;  /* overruns counted into the last signal sent */
    int64_t overrun_last; /* overruns of the signal before it (delivered) */
    bool sent;            /* a signal has been sent since the timer was set */
};

static int clamp_overrun(int64_t n)
{
    return n > DELAYTIMER_MAX ? DELAYTIMER_MAX : (int)n;
}

/* The pending siginfo slot for pt's signal in its target, or NULL if the signal is not
 * pending there as this timer's. proc_lock and sighand.lock held; `target` NULL for the
 * process. */
static struct ksiginfo *pending_info(struct posix_timer *pt, struct thread *target)
{
    struct process *p = pt->owner->proc;
    sigset_t pend = target ? target->sigpending : p->sighand.shared_pending;
    struct ksiginfo *info =
        target ? &target->pending_info[pt->signo - 1] : &p->sighand.shared_info[pt->signo - 1];
    if (!(pend & sigmask(pt->signo)) || info->si_code != SI_TIMER || info->timer.tid != pt->id)
        return NULL;
    return info;
}

/* The thread of p with `tid`, or NULL. proc_lock held. */
static struct thread *find_thread(struct process *p, pid_t tid)
{
    for (struct thread *t = p->threads; t; t = t->next)
        if (t->tid == tid)
            return t;
    return NULL;
}

static void posix_timer_expire(struct ktimer *kt, uint64_t count)
{
    struct posix_timer *pt = container_of(kt, struct posix_timer, kt);
    struct process *p = pt->owner->proc;
    if (pt->notify == SIGEV_NONE)
        return;
    spin_lock(&proc_lock);
    struct thread *target = NULL;
    if (pt->notify == SIGEV_THREAD_ID) {
        target = find_thread(p, pt->tid);
        if (!target) { /* the thread has gone: nobody to tell (as Linux) */
            spin_unlock(&proc_lock);
            return;
        }
    }
    spin_lock(&p->sighand.lock);
    struct ksiginfo *pending = pt->sent ? pending_info(pt, target) : NULL;
    if (pending) {
        pt->overrun_cur += (int64_t)count;
        pending->timer.overrun = clamp_overrun(pt->overrun_cur);
        spin_unlock(&p->sighand.lock);
        spin_unlock(&proc_lock);
        return;
    }
    spin_unlock(&p->sighand.lock);
    /* The previous signal (if any) has been delivered with overrun_cur. */
    pt->overrun_last = pt->overrun_cur;
    pt->overrun_cur = (int64_t)count - 1;
    pt->sent = true;
    struct ksiginfo info;
    memset(&info, 0, sizeof(info));
    info.si_signo = pt->signo;
    info.si_code = SI_TIMER;
    info.timer.tid = pt->id;
    info.timer.overrun = clamp_overrun(pt->overrun_cur);
    info.timer.value = pt->value;
    if (target) {
        /* Under proc_lock, so the thread cannot leave (and be freed) meanwhile. */
        signal_send_thread(target, pt->signo, &info);
        spin_unlock(&proc_lock);
    } else {
        spin_unlock(&proc_lock);
        signal_send_process(p, pt->signo, &info);
    }
}

static struct posix_timer *lookup_locked(struct proc_timers *pts, int id)
{
    if (!pts)
        return NULL;
    for (struct posix_timer *pt = pts->posix; pt; pt = pt->next)
        if (pt->id == id)
            return pt;
    return NULL;
}

static void unlink_locked(struct posix_timer *pt)
{
    struct posix_timer **pp = &pt->owner->posix;
    while (*pp != pt)
        pp = &(*pp)->next;
    *pp = pt->next;
    pt->owner->nr_posix--;
    timer_disarm_locked(&pt->kt);
}

void posix_timers_release_locked(struct proc_timers *pts)
{
    BUG_ON(!spin_is_locked(&timers_lock));
    while (pts->posix) {
        struct posix_timer *pt = pts->posix;
        unlink_locked(pt);
        kfree(pt);
    }
    pts->next_id = 0;
}

static bool clock_ok(int clock)
{
    return clock == CLOCK_REALTIME || clock == CLOCK_MONOTONIC || clock == CLOCK_BOOTTIME;
}

DEFINE_SYSCALL3(timer_create, int, clock, const struct ksigevent *, usev, int *, uid)
{
    if (!clock_ok(clock)) {
        if (clock == CLOCK_PROCESS_CPUTIME_ID || clock == CLOCK_THREAD_CPUTIME_ID || clock < 0)
            log_warn("timer_create: CPU-time clocks are not supported (no CPU accounting)");
        return -EINVAL;
    }
    struct ksigevent sev;
    memset(&sev, 0, sizeof(sev));
    if (usev) {
        if (copy_from_user(&sev, usev, sizeof(sev)))
            return -EFAULT;
    } else {
        sev.sigev_notify = SIGEV_SIGNAL;
        sev.sigev_signo = SIGALRM;
    }
    struct process *p = current_process();
    int notify = sev.sigev_notify;
    switch (notify) {
    case SIGEV_THREAD_ID: {
        spin_lock(&proc_lock);
        bool ours = find_thread(p, sev.tid) != NULL;
        spin_unlock(&proc_lock);
        if (!ours)
            return -EINVAL;
    }
        /* fall through */
    case SIGEV_SIGNAL:
    case SIGEV_THREAD:
        if (sev.sigev_signo <= 0 || sev.sigev_signo > NSIG)
            return -EINVAL;
        break;
    case SIGEV_NONE:
        break;
    default:
        return -EINVAL;
    }
    if (notify == SIGEV_THREAD)
        notify = SIGEV_SIGNAL;

    int rc = timer_service_start();
    if (rc)
        return rc;
    struct posix_timer *pt = kzalloc(sizeof(*pt));
    if (!pt)
        return -ENOMEM;
    ktimer_init(&pt->kt, posix_timer_expire);
    pt->clock = clock;
    pt->notify = notify;
    pt->signo = sev.sigev_signo;
    pt->tid = sev.tid;
    /* Without a sigevent the value is the timer id (set below), as Linux does. */
    pt->value = sev.sigev_value;

    spin_lock(&timers_lock);
    struct proc_timers *pts = proc_timers_get_locked(p);
    if (!pts || pts->nr_posix >= MAX_POSIX_TIMERS) {
        spin_unlock(&timers_lock);
        kfree(pt);
        return pts ? -EAGAIN : -ENOMEM;
    }
    while (lookup_locked(pts, pts->next_id))
        pts->next_id = pts->next_id == INT32_MAX ? 0 : pts->next_id + 1;
    pt->id = pts->next_id;
    pts->next_id = pts->next_id == INT32_MAX ? 0 : pts->next_id + 1;
    if (!usev)
        pt->value = (uint64_t)pt->id;
    pt->owner = pts;
    pt->next = pts->posix;
    pts->posix = pt;
    pts->nr_posix++;
    int id = pt->id;
    spin_unlock(&timers_lock);

    if (copy_to_user(uid, &id, sizeof(id))) {
        spin_lock(&timers_lock);
        pt = lookup_locked(p->timers, id);
        if (pt) {
            unlink_locked(pt);
            kfree(pt);
        }
        spin_unlock(&timers_lock);
        return -EFAULT;
    }
    return 0;
}

/* pt's current setting. timers_lock held. */
static void read_locked(struct posix_timer *pt, uint64_t now, struct itimerspec *out)
{
    memset(out, 0, sizeof(*out));
    out->it_value = ns_to_timespec(ktimer_remaining(&pt->kt, now));
    out->it_interval = ns_to_timespec(pt->interval);
}

DEFINE_SYSCALL4(timer_settime, int, id, int, flags, const struct itimerspec *, unew,
                struct itimerspec *, uold)
{
    if (!unew)
        return -EINVAL;
    struct itimerspec nv;
    if (copy_from_user(&nv, unew, sizeof(nv)))
        return -EFAULT;
    uint64_t value, interval;
    if (timespec_to_ns(&nv.it_value, &value) || timespec_to_ns(&nv.it_interval, &interval))
        return -EINVAL;

    struct itimerspec old;
    uint64_t now = time_monotonic_ns();
    spin_lock(&timers_lock);
    struct posix_timer *pt = lookup_locked(current_process()->timers, id);
    if (!pt) {
        spin_unlock(&timers_lock);
        return -EINVAL;
    }
    read_locked(pt, now, &old);
    pt->interval = interval;
    pt->overrun_cur = pt->overrun_last = 0;
    pt->sent = false;
    if (value) {
        uint64_t deadline = (flags & TIMER_ABSTIME) ? timer_abs_to_deadline(pt->clock, value, now)
                                                    : ktime_add(now, value);
        timer_arm_locked(&pt->kt, deadline, interval ? MAX(interval, TIMER_MIN_PERIOD_NS) : 0);
    } else {
        timer_disarm_locked(&pt->kt);
    }
    spin_unlock(&timers_lock);
    if (uold && copy_to_user(uold, &old, sizeof(old)))
        return -EFAULT;
    return 0;
}

DEFINE_SYSCALL2(timer_gettime, int, id, struct itimerspec *, ucur)
{
    struct itimerspec cur;
    uint64_t now = time_monotonic_ns();
    spin_lock(&timers_lock);
    struct posix_timer *pt = lookup_locked(current_process()->timers, id);
    if (!pt) {
        spin_unlock(&timers_lock);
        return -EINVAL;
    }
    read_locked(pt, now, &cur);
    spin_unlock(&timers_lock);
    return copy_to_user(ucur, &cur, sizeof(cur));
}

DEFINE_SYSCALL1(timer_getoverrun, int, id)
{
    struct process *p = current_process();
    spin_lock(&timers_lock);
    struct posix_timer *pt = lookup_locked(p->timers, id);
    if (!pt) {
        spin_unlock(&timers_lock);
        return -EINVAL;
    }
    int64_t n = 0;
    if (pt->sent && pt->notify != SIGEV_NONE) {
        /* The last signal sent is still pending: the delivered one is the one before. */
        spin_lock(&proc_lock);
        struct thread *target = pt->notify == SIGEV_THREAD_ID ? find_thread(p, pt->tid) : NULL;
        spin_lock(&p->sighand.lock);
        bool pending = (pt->notify != SIGEV_THREAD_ID || target) && pending_info(pt, target);
        spin_unlock(&p->sighand.lock);
        spin_unlock(&proc_lock);
        n = pending ? pt->overrun_last : pt->overrun_cur;
    }
    spin_unlock(&timers_lock);
    return clamp_overrun(n);
}

DEFINE_SYSCALL1(timer_delete, int, id)
{
    spin_lock(&timers_lock);
    struct posix_timer *pt = lookup_locked(current_process()->timers, id);
    if (!pt) {
        spin_unlock(&timers_lock);
        return -EINVAL;
    }
    unlink_locked(pt);
    spin_unlock(&timers_lock);
    kfree(pt);
    return 0;
}
