/*
 * Conformance: clocks and sleeps -- clock_gettime, clock_getres, gettimeofday, time,
 * nanosleep, clock_nanosleep. Natively libc answers most of these from the vDSO; the raw
 * syscall forms are tested as well so the system calls themselves are covered everywhere.
 * No time values are printed (the output must be the same natively and in the enclave).
 */
#define _GNU_SOURCE
#include "check.h"

#include <stdint.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define NS       1000000000LL
#define JAN_2020 1577836800LL

static long long ts_ns(const struct timespec *t)
{
    return (long long)t->tv_sec * NS + t->tv_nsec;
}

static long long now_ns(clockid_t c)
{
    struct timespec t;
    if (clock_gettime(c, &t))
        return -1;
    return ts_ns(&t);
}

static int ts_valid(const struct timespec *t)
{
    return t->tv_sec >= 0 && t->tv_nsec >= 0 && t->tv_nsec < NS;
}

static void test_gettime(void)
{
    section_begin("clock_gettime");
    static const clockid_t clocks[] = {CLOCK_REALTIME,        CLOCK_MONOTONIC,
                                       CLOCK_BOOTTIME,        CLOCK_MONOTONIC_RAW,
                                       CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE};
    for (size_t i = 0; i < sizeof(clocks) / sizeof(clocks[0]); i++) {
        struct timespec a = {-1, -1}, b = {-1, -1};
        CHECK(clock_gettime(clocks[i], &a) == 0 && ts_valid(&a));
        CHECK(syscall(SYS_clock_gettime, clocks[i], &b) == 0 && ts_valid(&b));
        CHECK(ts_ns(&b) >= ts_ns(&a) - 20 * 1000 * 1000); /* coarse clocks lag a tick */
    }
    struct timespec rt;
    CHECK(clock_gettime(CLOCK_REALTIME, &rt) == 0);
    CHECK(rt.tv_sec > JAN_2020);
    long long mono = now_ns(CLOCK_MONOTONIC), boot = now_ns(CLOCK_BOOTTIME);
    CHECK(mono > 0);
    CHECK(boot >= mono); /* boot time also counts suspend */
    section_end();

    section_begin("CLOCK_MONOTONIC never decreases");
    long long prev = now_ns(CLOCK_MONOTONIC), back = 0;
    for (int i = 0; i < 1000; i++) {
        long long t = now_ns(CLOCK_MONOTONIC);
        if (t < prev)
            back++;
        prev = t;
    }
    CHECK(back == 0);
    prev = 0;
    back = 0;
    for (int i = 0; i < 200; i++) {
        struct timespec t;
        syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &t);
        if (ts_ns(&t) < prev)
            back++;
        prev = ts_ns(&t);
    }
    CHECK(back == 0);
    section_end();
}

static void test_getres(void)
{
    section_begin("clock_getres");
    struct timespec r = {-1, -1};
    CHECK(clock_getres(CLOCK_REALTIME, &r) == 0);
    CHECK(r.tv_sec == 0 && r.tv_nsec > 0 && r.tv_nsec <= 10 * 1000 * 1000);
    r.tv_nsec = -1;
    CHECK(syscall(SYS_clock_getres, CLOCK_MONOTONIC, &r) == 0);
    CHECK(r.tv_sec == 0 && r.tv_nsec > 0 && r.tv_nsec <= 10 * 1000 * 1000);
    CHECK(syscall(SYS_clock_getres, CLOCK_MONOTONIC, NULL) == 0); /* NULL res is allowed */
    CHECK_ERR(syscall(SYS_clock_getres, 100, &r), EINVAL);
    section_end();
}

static void test_wallclock(void)
{
    section_begin("gettimeofday and time");
    struct timeval tv = {-1, -1}, tv2 = {-1, -1};
    CHECK(gettimeofday(&tv, NULL) == 0);
    CHECK(tv.tv_sec > JAN_2020 && tv.tv_usec >= 0 && tv.tv_usec < 1000000);
    CHECK(syscall(SYS_gettimeofday, &tv2, NULL) == 0);
    CHECK(tv2.tv_sec > JAN_2020 && tv2.tv_usec >= 0 && tv2.tv_usec < 1000000);
    CHECK(tv2.tv_sec - tv.tv_sec >= 0 && tv2.tv_sec - tv.tv_sec <= 2);

    time_t t1 = time(NULL), t2 = 0, t3 = (time_t)syscall(SYS_time, NULL), t4 = 0;
    CHECK(time(&t2) == t2);
    CHECK(syscall(SYS_time, &t4) == t4);
    /* The time(2) system call reads the kernel's coarse clock, which lags the precise one that
     * libc's time() may read by up to a tick: one second behind at a second's edge. */
    CHECK(t1 > JAN_2020 && t3 - t1 >= -1 && t3 - t1 <= 2 && t4 - t1 >= -1 && t4 - t1 <= 2);
    struct timespec rt;
    clock_gettime(CLOCK_REALTIME, &rt);
    CHECK(rt.tv_sec >= t1 && rt.tv_sec - t1 <= 2);
    section_end();
}

static void test_sleep(void)
{
    section_begin("nanosleep");
    long long t0 = now_ns(CLOCK_MONOTONIC);
    struct timespec req = {0, 10 * 1000 * 1000}, rem = {-1, -1};
    CHECK(nanosleep(&req, &rem) == 0);
    long long t1 = now_ns(CLOCK_MONOTONIC);
    CHECK(t1 - t0 >= 10 * 1000 * 1000);
    CHECK(syscall(SYS_nanosleep, &req, NULL) == 0);
    CHECK(now_ns(CLOCK_MONOTONIC) - t1 >= 10 * 1000 * 1000);
    struct timespec zero = {0, 0};
    CHECK(nanosleep(&zero, NULL) == 0);

    struct timespec bad = {0, NS};
    CHECK_ERR(nanosleep(&bad, NULL), EINVAL);
    bad.tv_nsec = -1;
    CHECK_ERR(nanosleep(&bad, NULL), EINVAL);
    bad.tv_sec = -1;
    bad.tv_nsec = 0;
    CHECK_ERR(nanosleep(&bad, NULL), EINVAL);
    section_end();

    section_begin("clock_nanosleep");
    t0 = now_ns(CLOCK_MONOTONIC);
    CHECK(clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL) == 0);
    t1 = now_ns(CLOCK_MONOTONIC);
    CHECK(t1 - t0 >= 10 * 1000 * 1000);

    /* Absolute: wake no earlier than the target. */
    struct timespec target;
    clock_gettime(CLOCK_MONOTONIC, &target);
    target.tv_nsec += 10 * 1000 * 1000;
    if (target.tv_nsec >= NS) {
        target.tv_sec++;
        target.tv_nsec -= NS;
    }
    CHECK(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &target, NULL) == 0);
    CHECK(now_ns(CLOCK_MONOTONIC) >= ts_ns(&target));

    /* An absolute time in the past returns at once; on CLOCK_REALTIME too. */
    struct timespec past = {1, 0};
    t0 = now_ns(CLOCK_MONOTONIC);
    CHECK(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &past, NULL) == 0);
    CHECK(clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &past, NULL) == 0);
    CHECK(now_ns(CLOCK_MONOTONIC) - t0 < NS);
    CHECK(clock_nanosleep(CLOCK_REALTIME, 0, &req, NULL) == 0);

    /* clock_nanosleep returns the error number instead of setting errno. */
    struct timespec badns = {0, NS};
    CHECK(clock_nanosleep(CLOCK_MONOTONIC, 0, &badns, NULL) == EINVAL);
    CHECK(clock_nanosleep(100, 0, &req, NULL) == EINVAL);
    CHECK_ERR(syscall(SYS_clock_nanosleep, 100, 0, &req, NULL), EINVAL);
    CHECK_ERR(syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &badns, NULL), EINVAL);
    section_end();
}

static void test_bad_clock(void)
{
    section_begin("bad clock ids");
    struct timespec t;
    CHECK_ERR(clock_gettime((clockid_t)100, &t), EINVAL);
    CHECK_ERR(syscall(SYS_clock_gettime, 100, &t), EINVAL);
    CHECK_ERR(syscall(SYS_clock_gettime, 12345, &t), EINVAL);
    CHECK_ERR(clock_getres((clockid_t)100, &t), EINVAL);
    section_end();
}

int main(void)
{
    test_gettime();
    test_getres();
    test_wallclock();
    test_sleep();
    test_bad_clock();
    return check_summary("clock");
}
