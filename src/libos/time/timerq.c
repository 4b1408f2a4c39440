/*
 * The timer queue (time/timer.h): armed timers in a circular list sorted by deadline, and the
 * arithmetic of expiries. Pure: no lock, no clock, no host call; the caller serializes
 * (timers_lock in the LibOS) and says what time it is. A list rather than a heap because a
 * process has a handful of timers; arming is O(n), taking the earliest O(1).
 *
 * Overruns follow Linux's hrtimer_forward: an interval timer found expired at `now` counts
 * every period that began before `now`, and its next deadline is the first period boundary
 * after `now`, so a late service never makes the timer drift or fire in a burst.
 */
#include "time/timer.h"
#include "uapi/errno.h"

void timerq_init(struct timerq *q)
{
    q->head.next = q->head.prev = &q->head;
    q->head.armed = false;
}

void ktimer_init(struct ktimer *t, ktimer_fn expire)
{
    t->deadline = 0;
    t->interval = 0;
    t->armed = false;
    t->next = t->prev = NULL;
    t->expire = expire;
}

void timerq_disarm(struct timerq *q, struct ktimer *t)
{
    (void)q;
    if (!t->armed)
        return;
    t->prev->next = t->next;
    t->next->prev = t->prev;
    t->next = t->prev = NULL;
    t->armed = false;
}

void timerq_arm(struct timerq *q, struct ktimer *t, uint64_t deadline, uint64_t interval)
{
    timerq_disarm(q, t);
    t->deadline = deadline;
    t->interval = interval;
    /* After every timer with the same or an earlier deadline: equal deadlines fire in the
     * order they were armed. */
    struct ktimer *pos = q->head.next;
    while (pos != &q->head && pos->deadline <= deadline)
        pos = pos->next;
    t->next = pos;
    t->prev = pos->prev;
    pos->prev->next = t;
    pos->prev = t;
    t->armed = true;
}

uint64_t timerq_next(const struct timerq *q)
{
    return q->head.next == &q->head ? UINT64_MAX : q->head.next->deadline;
}

struct ktimer *timerq_pop_expired(struct timerq *q, uint64_t now, uint64_t *count)
{
    struct ktimer *t = q->head.next;
    if (t == &q->head || t->deadline > now)
        return NULL;
    timerq_disarm(q, t);
    if (!t->interval) {
        *count = 1;
        return t;
    }
    uint64_t missed = (now - t->deadline) / t->interval; /* whole periods after the first */
    *count = missed + 1;
    uint64_t step = missed + 1;
    uint64_t next;
    if (step > (KTIME_MAX - t->deadline) / t->interval)
        next = KTIME_MAX; /* saturates: it will never come */
    else
        next = t->deadline + step * t->interval;
    timerq_arm(q, t, next, t->interval);
    return t;
}

uint64_t ktimer_remaining(const struct ktimer *t, uint64_t now)
{
    if (!t->armed)
        return 0;
    return t->deadline > now ? t->deadline - now : 1;
}

uint64_t ktime_add(uint64_t a, uint64_t b)
{
    if (a > KTIME_MAX || b > KTIME_MAX - a)
        return KTIME_MAX;
    return a + b;
}

static uint64_t sec_ns(uint64_t sec, uint64_t frac_ns)
{
    if (sec >= KTIME_MAX / NSEC_PER_SEC)
        return KTIME_MAX;
    return ktime_add(sec * NSEC_PER_SEC, frac_ns);
}

int timespec_to_ns(const struct timespec *ts, uint64_t *ns)
{
    if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= (int64_t)NSEC_PER_SEC)
        return -EINVAL;
    *ns = sec_ns((uint64_t)ts->tv_sec, (uint64_t)ts->tv_nsec);
    return 0;
}

int timeval_to_ns(const struct timeval *tv, uint64_t *ns)
{
    if (tv->tv_sec < 0 || tv->tv_usec < 0 || tv->tv_usec >= 1000000)
        return -EINVAL;
    *ns = sec_ns((uint64_t)tv->tv_sec, (uint64_t)tv->tv_usec * NSEC_PER_USEC);
    return 0;
}

struct timespec ns_to_timespec(uint64_t ns)
{
    struct timespec ts = {(int64_t)(ns / NSEC_PER_SEC), (int64_t)(ns % NSEC_PER_SEC)};
    return ts;
}

struct timeval ns_to_timeval(uint64_t ns)
{
    uint64_t us = ns / NSEC_PER_USEC + (ns % NSEC_PER_USEC != 0);
    struct timeval tv = {(int64_t)(us / 1000000), (int64_t)(us % 1000000)};
    return tv;
}
