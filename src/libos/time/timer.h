/*
 * Timers: one LibOS timer service for alarm, setitimer, POSIX timers and timerfd.
 *
 * Two layers:
 *   - the timer queue (time/timerq.c): a list of struct ktimer sorted by deadline, with the
 *     arithmetic of expiry and overruns. Pure (no lock, no clock, no host): a host unit test
 *     drives it with made-up times.
 *   - the timer service (time/timer.c): one queue under timers_lock, and a LibOS kernel
 *     thread on its own slot, started at the first armed timer, that parks until the earliest
 *     deadline and calls each expired timer's `expire` callback. Arming a timer that becomes
 *     the earliest wakes it.
 *
 * All deadlines are CLOCK_MONOTONIC nanoseconds (time_monotonic_ns). A CLOCK_REALTIME
 * absolute time is converted when the timer is set (the enclave cannot set the clock, so the
 * only drift is the host's own adjustment of its wall clock, which is not followed).
 *
 * Lock order: timers_lock is taken before proc_lock (an expire callback sends signals, which
 * takes proc_lock and sighand.lock, or wakes a wait queue). So nothing here may be called
 * with proc_lock, a sighand.lock or a waitq lock held.
 */
#ifndef LIBOS_TIME_TIMER_H
#define LIBOS_TIME_TIMER_H

#include "uapi/linux_types.h"
#include "util/spinlock.h"
#include <stdbool.h>
#include <stdint.h>

#define NSEC_PER_SEC  1000000000ULL
#define NSEC_PER_USEC 1000ULL
#define KTIME_MAX     ((uint64_t)INT64_MAX) /* deadlines saturate here (Linux: KTIME_MAX) */

/* The shortest period the queue uses for an interval timer: a shorter one would keep the
 * service thread firing back-to-back. The guest still sees the interval it asked for. */
#define TIMER_MIN_PERIOD_NS 100000ULL

struct ktimer;

/* Called with timers_lock held when `t` has expired `count` times (1 + overruns) since the
 * last call. An interval timer has already been re-armed for its next expiry, a one-shot one
 * disarmed; the callback may re-arm or disarm it. It must not block or take timers_lock. */
typedef void (*ktimer_fn)(struct ktimer *t, uint64_t count);

struct ktimer {
    uint64_t deadline; /* next expiry (monotonic ns); meaningful while armed */
    uint64_t interval; /* ns between expiries; 0: one-shot */
    bool armed;        /* linked in the queue */
    struct ktimer *next, *prev;
    ktimer_fn expire;
};

struct timerq {
    struct ktimer head; /* circular list sorted by deadline; head is not a timer */
};

/* ---- the queue (time/timerq.c); the caller serializes ---- */

void timerq_init(struct timerq *q);
void ktimer_init(struct ktimer *t, ktimer_fn expire);
/* (Re)arms t to expire at `deadline`, then every `interval` ns (0: once). */
void timerq_arm(struct timerq *q, struct ktimer *t, uint64_t deadline, uint64_t interval);
void timerq_disarm(struct timerq *q, struct ktimer *t);
/* The earliest deadline, or UINT64_MAX if the queue is empty. */
uint64_t timerq_next(const struct timerq *q);
/* Takes the first timer whose deadline is <= now, re-armed past `now` (interval) or
 * disarmed (one-shot), with in *count how many expiries it missed plus one; NULL if none is
 * due. Calling it until NULL runs every due timer once. */
struct ktimer *timerq_pop_expired(struct timerq *q, uint64_t now, uint64_t *count);
/* Nanoseconds until t expires (at least 1 if armed), 0 if disarmed. */
uint64_t ktimer_remaining(const struct ktimer *t, uint64_t now);

/* a + b, saturated at KTIME_MAX. */
uint64_t ktime_add(uint64_t a, uint64_t b);
/* A timespec / timeval as ns: -EINVAL unless 0 <= sec and 0 <= nsec < 1s (usec < 1s);
 * saturates at KTIME_MAX. */
int timespec_to_ns(const struct timespec *ts, uint64_t *ns);
int timeval_to_ns(const struct timeval *tv, uint64_t *ns);
struct timespec ns_to_timespec(uint64_t ns);
/* Rounded up to whole microseconds, as getitimer reports. */
struct timeval ns_to_timeval(uint64_t ns);

/* ---- the service (time/timer.c) ---- */

extern spinlock_t timers_lock;

/* Starts the service thread if it is not running: 0, or -EAGAIN when no thread slot (or
 * host thread) is free. Called before a timer is first armed; takes no lock the caller may
 * hold except that it must not hold timers_lock. */
int timer_service_start(void);
/* Arms/disarms t on the service's queue; timers_lock held. The service must have been
 * started (timer_service_start). */
void timer_arm_locked(struct ktimer *t, uint64_t deadline, uint64_t interval);
void timer_disarm_locked(struct ktimer *t);

/* Converts an absolute time on `clock` (CLOCK_REALTIME, CLOCK_MONOTONIC or CLOCK_BOOTTIME)
 * to a monotonic deadline (never earlier than `now_mono`). */
uint64_t timer_abs_to_deadline(int clock, uint64_t abs_ns, uint64_t now_mono);

/* ---- per-process timer state (itimer.c, posix_timer.c), hooks for process/ ---- */

struct process;

/*
 * The process's last thread has gone (process teardown, before its struct can be freed):
 * disarms and frees its itimers and POSIX timers. Call with no LibOS lock held.
 */
void timers_process_exit(struct process *p);
/*
 * execve succeeded in p: POSIX timers are deleted (itimers and alarm survive, as on Linux).
 * Call with no LibOS lock held.
 */
void timers_exec(struct process *p);

#endif
