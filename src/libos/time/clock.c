/*
 * Clocks and sleeping: clock_gettime, gettimeofday, time, clock_getres, nanosleep,
 * clock_nanosleep.
 *
 * The host's answers are untrusted: each is checked for a sane value, and the monotonic
 * clocks are clamped so that they never run backwards inside the enclave, whatever the host
 * says. (A host can still stop or slow time; no enclave can prevent that.)
 */
#include "ocall/ocall.h"
#include "process/process.h"
#include "sched/sched.h"
#include "syscall/syscall.h"
#include "time/time.h"
#include "uapi/errno.h"
#include "util/log.h"
#include "util/uaccess.h"

#define NSEC_PER_SEC 1000000000LL

/* Highest value returned so far per monotonic clock, in ns. */
static uint64_t last_mono[CLOCK_BOOTTIME + 1];

static bool clock_is_monotonic(int clock)
{
    return clock == CLOCK_MONOTONIC || clock == CLOCK_MONOTONIC_RAW ||
           clock == CLOCK_MONOTONIC_COARSE || clock == CLOCK_BOOTTIME;
}

int time_clock_get(int clock, struct timespec *ts)
{
    if (clock < 0 || clock > CLOCK_BOOTTIME)
        return -EINVAL;
    int rc = host_clock_gettime(clock, ts);
    if (rc)
        return rc == -EINVAL ? -EINVAL : rc;
    if (clock_is_monotonic(clock)) {
        uint64_t now = (uint64_t)ts->tv_sec * NSEC_PER_SEC + (uint64_t)ts->tv_nsec;
        uint64_t prev = __atomic_load_n(&last_mono[clock], __ATOMIC_RELAXED);
        while (now > prev &&
               !__atomic_compare_exchange_n(&last_mono[clock], &prev, now, true,
                                            __ATOMIC_RELAXED, __ATOMIC_RELAXED))
            ;
        if (now < prev) {
            ts->tv_sec = (int64_t)(prev / NSEC_PER_SEC);
            ts->tv_nsec = (int64_t)(prev % NSEC_PER_SEC);
        }
    }
    return 0;
}

uint64_t time_monotonic_ns(void)
{
    struct timespec ts = {0, 0};
    time_clock_get(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

DEFINE_SYSCALL2(clock_gettime, int, clock, struct timespec *, uts)
{
    struct timespec ts;
    int rc = time_clock_get(clock, &ts);
    if (rc)
        return rc;
    return copy_to_user(uts, &ts, sizeof(ts));
}

DEFINE_SYSCALL2(clock_getres, int, clock, struct timespec *, uts)
{
    if (clock < 0 || clock > CLOCK_BOOTTIME)
        return -EINVAL;
    bool coarse = clock == CLOCK_REALTIME_COARSE || clock == CLOCK_MONOTONIC_COARSE;
    struct timespec ts = {0, coarse ? 4000000 : 1};
    return uts ? copy_to_user(uts, &ts, sizeof(ts)) : 0;
}

DEFINE_SYSCALL2(gettimeofday, struct timeval *, utv, struct timezone *, utz)
{
    if (utv) {
        struct timespec ts;
        int rc = time_clock_get(CLOCK_REALTIME, &ts);
        if (rc)
            return rc;
        struct timeval tv = {ts.tv_sec, ts.tv_nsec / 1000};
        if (copy_to_user(utv, &tv, sizeof(tv)))
            return -EFAULT;
    }
    if (utz) {
        struct timezone tz = {0, 0};
        if (copy_to_user(utz, &tz, sizeof(tz)))
            return -EFAULT;
    }
    return 0;
}

DEFINE_SYSCALL1(time, int64_t *, ut)
{
    struct timespec ts;
    int rc = time_clock_get(CLOCK_REALTIME, &ts);
    if (rc)
        return rc;
    if (ut && copy_to_user(ut, &ts.tv_sec, sizeof(ts.tv_sec)))
        return -EFAULT;
    return ts.tv_sec;
}

static bool timespec_valid(const struct timespec *ts)
{
    return ts->tv_sec >= 0 && ts->tv_nsec >= 0 && ts->tv_nsec < NSEC_PER_SEC;
}

/*
 * Sleeps until `deadline_ns` on `clock`, parked on the thread's host event, so that a signal
 * (which wakes the thread) interrupts the sleep: -EINTR, never restarted (nanosleep(2)),
 * with the time left in *left_ns. The host's wake-ups are only hints: the clock decides.
 */
static int sleep_until(int clock, int64_t deadline_ns, int64_t *left_ns)
{
    struct thread *th = current_thread();
    for (;;) {
        struct timespec now;
        int rc = time_clock_get(clock, &now);
        if (rc)
            return rc;
        int64_t left = deadline_ns - (now.tv_sec * NSEC_PER_SEC + now.tv_nsec);
        if (left <= 0)
            return 0;
        if (thread_interrupted(th)) {
            *left_ns = left;
            return -EINTR;
        }
        thread_park((int64_t)time_monotonic_ns() + left);
    }
}

static long do_clock_nanosleep(int clock, int flags, const struct timespec *ureq,
                               struct timespec *urem)
{
    if (clock < 0 || clock > CLOCK_BOOTTIME || clock == CLOCK_THREAD_CPUTIME_ID)
        return -EINVAL;
    /* Linux cannot sleep on the raw and coarse clocks either. */
    if (clock == CLOCK_MONOTONIC_RAW || clock == CLOCK_REALTIME_COARSE ||
        clock == CLOCK_MONOTONIC_COARSE)
        return -EOPNOTSUPP;
    if (clock == CLOCK_PROCESS_CPUTIME_ID) {
        log_warn("clock_nanosleep on CLOCK_PROCESS_CPUTIME_ID is not supported yet");
        return -EOPNOTSUPP;
    }
    struct timespec req;
    if (copy_from_user(&req, ureq, sizeof(req)))
        return -EFAULT;
    if (!timespec_valid(&req))
        return -EINVAL;
    int64_t req_ns = req.tv_sec > INT64_MAX / NSEC_PER_SEC - 1
                         ? INT64_MAX / 2
                         : req.tv_sec * NSEC_PER_SEC + req.tv_nsec;
    int64_t deadline = req_ns, left = 0;
    if (!(flags & TIMER_ABSTIME)) {
        struct timespec now;
        int rc = time_clock_get(clock, &now);
        if (rc)
            return rc;
        deadline = now.tv_sec * NSEC_PER_SEC + now.tv_nsec + req_ns;
    }
    int rc = sleep_until(clock, deadline, &left);
    if (rc == -EINTR && urem && !(flags & TIMER_ABSTIME)) {
        struct timespec rem = {left / NSEC_PER_SEC, left % NSEC_PER_SEC};
        if (copy_to_user(urem, &rem, sizeof(rem)))
            return -EFAULT;
    }
    return rc;
}

DEFINE_SYSCALL2(nanosleep, const struct timespec *, ureq, struct timespec *, urem)
{
    return do_clock_nanosleep(CLOCK_MONOTONIC, 0, ureq, urem);
}

DEFINE_SYSCALL4(clock_nanosleep, int, clock, int, flags, const struct timespec *, ureq,
                struct timespec *, urem)
{
    return do_clock_nanosleep(clock, flags, ureq, urem);
}
