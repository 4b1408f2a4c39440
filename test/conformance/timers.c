/*
 * Conformance: timers. alarm (a SIGALRM handler interrupting pause, the seconds left),
 * setitimer/getitimer (interval firing several times, the value decreasing, the interval
 * reported), POSIX timers (SIGEV_SIGNAL with SI_TIMER, si_timerid, si_value and sigtimedwait;
 * an interval timer with its signal blocked counting overruns; SIGEV_THREAD_ID; SIGEV_NONE;
 * TIMER_ABSTIME; timer_delete stopping it), timerfd (a blocking read and its expiration
 * count, an interval count, TFD_NONBLOCK's EAGAIN, TFD_TIMER_ABSTIME, TFD_CLOEXEC, poll and
 * epoll on it), and bad
 * arguments (EINVAL, EFAULT, EBADF).
 *
 * Times are checked with generous bounds only: a lower bound where the kernel guarantees one
 * (a timer never fires early), an upper bound of seconds where it only says "eventually".
 * POSIX timers go through syscall() with the kernel's struct sigevent and timer ids, so both
 * libcs are tested on the same ABI.
 */
#define _GNU_SOURCE
#include "check.h"
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define BAD_PTR ((void *)16) /* never mapped */

/* The kernel's struct sigevent (64 bytes). */
struct ksigevent {
    union sigval value;
    int signo;
    int notify;
    union {
        int tid;
        int pad[12];
    };
};
#define K_SIGEV_SIGNAL    0
#define K_SIGEV_NONE      1
#define K_SIGEV_THREAD_ID 4

static long k_timer_create(clockid_t clock, struct ksigevent *sev, int *id)
{
    return syscall(SYS_timer_create, clock, sev, id);
}

static long k_timer_settime(int id, int flags, const struct itimerspec *nv, struct itimerspec *old)
{
    return syscall(SYS_timer_settime, id, flags, nv, old);
}

static long k_timer_gettime(int id, struct itimerspec *cur)
{
    return syscall(SYS_timer_gettime, id, cur);
}

static long k_timer_getoverrun(int id)
{
    return syscall(SYS_timer_getoverrun, id);
}

static long k_timer_delete(int id)
{
    return syscall(SYS_timer_delete, id);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

static int64_t ts_ns(const struct timespec *ts)
{
    return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

static int64_t tv_us(const struct timeval *tv)
{
    return (int64_t)tv->tv_sec * 1000000 + tv->tv_usec;
}

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
    (void)sig;
    alarms++;
}

static void set_handler(int sig, void (*fn)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = fn;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL); /* no SA_RESTART: pause and reads are interrupted */
}

static void block(int sig, int how)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    sigprocmask(how, &s, NULL);
}

/* Waits up to `sec` s for `sig` (blocked); returns the signal or -1. */
static int wait_sig_for(int sig, siginfo_t *si, time_t sec)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    struct timespec to = {sec, 0};
    memset(si, 0, sizeof(*si));
    return sigtimedwait(&s, si, &to);
}

static int wait_sig(int sig, siginfo_t *si)
{
    return wait_sig_for(sig, si, 5);
}

static void test_alarm(void)
{
    section_begin("alarm");
    set_handler(SIGALRM, on_alarm);
    alarms = 0;
    CHECK(alarm(10) == 0);
    unsigned left = alarm(0); /* cancels, reports what was left, rounded */
    CHECK(left == 10 || left == 9);
    struct itimerval v;
    CHECK(getitimer(ITIMER_REAL, &v) == 0 && tv_us(&v.it_value) == 0);

    int64_t t0 = now_ms();
    CHECK(alarm(1) == 0);
    int r = pause();
    int e = errno;
    int64_t dt = now_ms() - t0;
    CHECK(r == -1 && e == EINTR);
    CHECK(alarms == 1);
    CHECK(dt >= 900 && dt < 10000);
    CHECK(alarm(0) == 0); /* it went off: nothing left */
    section_end();
}

static void test_itimer(void)
{
    section_begin("setitimer");
    set_handler(SIGALRM, on_alarm);
    alarms = 0;
    struct itimerval v = {{0, 20000}, {0, 20000}}, old;
    CHECK(setitimer(ITIMER_REAL, &v, &old) == 0);
    CHECK(tv_us(&old.it_value) == 0);
    int64_t t0 = now_ms();
    while (alarms < 5 && now_ms() - t0 < 10000)
        pause();
    CHECK(alarms >= 5);
    CHECK(now_ms() - t0 >= 80); /* five periods of 20 ms, the first at 20 ms */
    struct itimerval zero = {{0, 0}, {0, 0}};
    CHECK(setitimer(ITIMER_REAL, &zero, &old) == 0);
    CHECK(old.it_interval.tv_sec == 0 && old.it_interval.tv_usec == 20000);
    CHECK(tv_us(&old.it_value) > 0 && tv_us(&old.it_value) <= 20000);
    int seen = alarms;
    sleep_ms(60);
    CHECK(alarms == seen); /* disarmed: no more */
    section_end();

    section_begin("getitimer");
    struct itimerval a = {{0, 250000}, {2, 0}}, g1, g2;
    CHECK(setitimer(ITIMER_REAL, &a, NULL) == 0);
    CHECK(getitimer(ITIMER_REAL, &g1) == 0);
    sleep_ms(50);
    CHECK(getitimer(ITIMER_REAL, &g2) == 0);
    CHECK(tv_us(&g1.it_value) <= 2000000 && tv_us(&g1.it_value) > 1000000);
    CHECK(tv_us(&g2.it_value) < tv_us(&g1.it_value));
    CHECK(tv_us(&g1.it_value) - tv_us(&g2.it_value) >= 40000);
    CHECK(g1.it_interval.tv_sec == 0 && g1.it_interval.tv_usec == 250000);
    CHECK(setitimer(ITIMER_REAL, &zero, NULL) == 0);
    CHECK(getitimer(ITIMER_REAL, &g1) == 0 && tv_us(&g1.it_value) == 0);

    /* VIRTUAL and PROF: set, read back about what was set (Linux rounds CPU time up to a
     * tick), disarm. */
    struct itimerval p = {{0, 0}, {5, 0}};
    CHECK(setitimer(ITIMER_PROF, &p, NULL) == 0);
    CHECK(getitimer(ITIMER_PROF, &g1) == 0);
    CHECK(tv_us(&g1.it_value) > 0 && tv_us(&g1.it_value) <= 5100000);
    CHECK(setitimer(ITIMER_PROF, &zero, NULL) == 0);
    CHECK(setitimer(ITIMER_VIRTUAL, &p, NULL) == 0);
    CHECK(getitimer(ITIMER_VIRTUAL, &g1) == 0);
    CHECK(tv_us(&g1.it_value) > 0 && tv_us(&g1.it_value) <= 5100000);
    CHECK(setitimer(ITIMER_VIRTUAL, &zero, &g2) == 0);
    CHECK(tv_us(&g2.it_value) > 0);
    CHECK(getitimer(ITIMER_VIRTUAL, &g1) == 0 && tv_us(&g1.it_value) == 0);

    struct itimerval badu = {{0, 0}, {0, 1000000}};
    CHECK_ERR(setitimer(ITIMER_REAL, &badu, NULL), EINVAL);
    struct itimerval negs = {{0, 0}, {-1, 0}};
    CHECK_ERR(setitimer(ITIMER_REAL, &negs, NULL), EINVAL);
    CHECK_ERR(syscall(SYS_setitimer, 3, &p, NULL), EINVAL);
    CHECK_ERR(syscall(SYS_getitimer, 3, &g1), EINVAL);
    CHECK_ERR(syscall(SYS_getitimer, -1, &g1), EINVAL);
    CHECK_ERR(syscall(SYS_getitimer, ITIMER_REAL, BAD_PTR), EFAULT);
    CHECK_ERR(syscall(SYS_setitimer, ITIMER_REAL, BAD_PTR, NULL), EFAULT);
    section_end();
}

static void test_posix_signal(void)
{
    section_begin("timer_create SIGEV_SIGNAL");
    block(SIGUSR1, SIG_BLOCK);
    struct ksigevent sev;
    memset(&sev, 0, sizeof(sev));
    sev.notify = K_SIGEV_SIGNAL;
    sev.signo = SIGUSR1;
    sev.value.sival_int = 1234;
    int id = -1;
    CHECK(k_timer_create(CLOCK_MONOTONIC, &sev, &id) == 0);
    CHECK(id >= 0);
    struct itimerspec cur;
    CHECK(k_timer_gettime(id, &cur) == 0 && ts_ns(&cur.it_value) == 0); /* created disarmed */
    struct itimerspec nv = {{0, 0}, {0, 50000000}};
    int64_t t0 = now_ms();
    CHECK(k_timer_settime(id, 0, &nv, NULL) == 0);
    CHECK(k_timer_gettime(id, &cur) == 0);
    CHECK(ts_ns(&cur.it_value) > 0 && ts_ns(&cur.it_value) <= 50000000);
    siginfo_t si;
    CHECK(wait_sig(SIGUSR1, &si) == SIGUSR1);
    CHECK(now_ms() - t0 >= 45);
    CHECK(si.si_code == SI_TIMER);
    CHECK(si.si_timerid == id);
    CHECK(si.si_overrun == 0);
    CHECK(si.si_value.sival_int == 1234);
    CHECK(k_timer_gettime(id, &cur) == 0 && ts_ns(&cur.it_value) == 0); /* one-shot: done */
    CHECK(k_timer_getoverrun(id) == 0);

    /* Absolute, on CLOCK_REALTIME. */
    int rid = -1;
    CHECK(k_timer_create(CLOCK_REALTIME, &sev, &rid) == 0);
    CHECK(rid != id);
    struct timespec rt;
    clock_gettime(CLOCK_REALTIME, &rt);
    rt.tv_nsec += 30000000;
    if (rt.tv_nsec >= 1000000000) {
        rt.tv_sec++;
        rt.tv_nsec -= 1000000000;
    }
    struct itimerspec abs = {{0, 0}, rt};
    CHECK(k_timer_settime(rid, TIMER_ABSTIME, &abs, NULL) == 0);
    CHECK(wait_sig(SIGUSR1, &si) == SIGUSR1 && si.si_timerid == rid);
    struct itimerspec past = {{0, 0}, {1, 0}}; /* 1970: fires at once */
    CHECK(k_timer_settime(rid, TIMER_ABSTIME, &past, NULL) == 0);
    CHECK(wait_sig(SIGUSR1, &si) == SIGUSR1 && si.si_code == SI_TIMER);
    CHECK(k_timer_delete(rid) == 0);

    /* No sigevent: SIGALRM with the id as value (checked blocked). */
    block(SIGALRM, SIG_BLOCK);
    int did = -1;
    CHECK(k_timer_create(CLOCK_BOOTTIME, NULL, &did) == 0);
    struct itimerspec soon = {{0, 0}, {0, 1000000}};
    CHECK(k_timer_settime(did, 0, &soon, NULL) == 0);
    CHECK(wait_sig(SIGALRM, &si) == SIGALRM);
    CHECK(si.si_code == SI_TIMER && si.si_timerid == did && si.si_value.sival_int == did);
    CHECK(k_timer_delete(did) == 0);
    block(SIGALRM, SIG_UNBLOCK);
    CHECK(k_timer_delete(id) == 0);
    section_end();

    section_begin("timer interval and overrun");
    block(SIGUSR2, SIG_BLOCK);
    sev.signo = SIGUSR2;
    CHECK(k_timer_create(CLOCK_MONOTONIC, &sev, &id) == 0);
    struct itimerspec iv = {{0, 10000000}, {0, 10000000}};
    CHECK(k_timer_settime(id, 0, &iv, NULL) == 0);
    sleep_ms(200); /* ~20 expiries, one signal pending */
    CHECK(wait_sig(SIGUSR2, &si) == SIGUSR2);
    CHECK(si.si_code == SI_TIMER && si.si_timerid == id);
    CHECK(si.si_overrun >= 3 && si.si_overrun <= 100);
    CHECK(k_timer_getoverrun(id) == si.si_overrun);
    CHECK(wait_sig(SIGUSR2, &si) == SIGUSR2); /* it keeps going */
    CHECK(k_timer_gettime(id, &cur) == 0);
    CHECK(ts_ns(&cur.it_interval) == 10000000);
    CHECK(ts_ns(&cur.it_value) > 0 && ts_ns(&cur.it_value) <= 10000000);
    section_end();

    section_begin("timer_delete");
    CHECK(k_timer_delete(id) == 0);
    wait_sig_for(SIGUSR2, &si, 0); /* one may have been sent just before */
    sleep_ms(60);
    sigset_t pend;
    sigpending(&pend);
    CHECK(!sigismember(&pend, SIGUSR2)); /* deleted: no more expiries */
    CHECK_ERR(k_timer_delete(id), EINVAL);
    CHECK_ERR(k_timer_settime(id, 0, &iv, NULL), EINVAL);
    CHECK_ERR(k_timer_gettime(id, &cur), EINVAL);
    CHECK_ERR(k_timer_getoverrun(id), EINVAL);
    CHECK_ERR(k_timer_delete(-1), EINVAL);
    CHECK_ERR(k_timer_delete(123456), EINVAL);
    block(SIGUSR2, SIG_UNBLOCK);
    section_end();

    section_begin("timer SIGEV_THREAD_ID and SIGEV_NONE");
    memset(&sev, 0, sizeof(sev));
    sev.notify = K_SIGEV_THREAD_ID;
    sev.signo = SIGUSR1;
    sev.tid = (int)syscall(SYS_gettid);
    sev.value.sival_int = 77;
    CHECK(k_timer_create(CLOCK_MONOTONIC, &sev, &id) == 0);
    CHECK(k_timer_settime(id, 0, &soon, NULL) == 0);
    CHECK(wait_sig(SIGUSR1, &si) == SIGUSR1);
    CHECK(si.si_code == SI_TIMER && si.si_timerid == id && si.si_value.sival_int == 77);
    CHECK(k_timer_delete(id) == 0);
    sev.tid = 999999; /* no such thread */
    CHECK_ERR(k_timer_create(CLOCK_MONOTONIC, &sev, &id), EINVAL);

    memset(&sev, 0, sizeof(sev));
    sev.notify = K_SIGEV_NONE;
    CHECK(k_timer_create(CLOCK_MONOTONIC, &sev, &id) == 0);
    struct itimerspec one = {{0, 500000000}, {1, 0}}, old;
    CHECK(k_timer_settime(id, 0, &one, NULL) == 0);
    CHECK(k_timer_gettime(id, &cur) == 0);
    CHECK(ts_ns(&cur.it_value) > 0 && ts_ns(&cur.it_value) <= 1000000000);
    CHECK(ts_ns(&cur.it_interval) == 500000000);
    struct itimerspec off = {{0, 0}, {0, 0}};
    CHECK(k_timer_settime(id, 0, &off, &old) == 0);
    CHECK(ts_ns(&old.it_value) > 0 && ts_ns(&old.it_interval) == 500000000);
    CHECK(k_timer_delete(id) == 0);
    block(SIGUSR1, SIG_UNBLOCK);
    section_end();

    section_begin("timer bad arguments");
    memset(&sev, 0, sizeof(sev));
    sev.notify = K_SIGEV_SIGNAL;
    sev.signo = SIGUSR1;
    CHECK_ERR(k_timer_create(12345, &sev, &id), EINVAL);
    CHECK_ERR(k_timer_create(CLOCK_MONOTONIC, BAD_PTR, &id), EFAULT);
    sev.notify = 99;
    CHECK_ERR(k_timer_create(CLOCK_MONOTONIC, &sev, &id), EINVAL);
    sev.notify = K_SIGEV_SIGNAL;
    sev.signo = 0;
    CHECK_ERR(k_timer_create(CLOCK_MONOTONIC, &sev, &id), EINVAL);
    sev.signo = 65;
    CHECK_ERR(k_timer_create(CLOCK_MONOTONIC, &sev, &id), EINVAL);
    sev.signo = SIGUSR1;
    CHECK(k_timer_create(CLOCK_MONOTONIC, &sev, &id) == 0);
    CHECK_ERR(k_timer_settime(id, 0, NULL, NULL), EINVAL);
    CHECK_ERR(k_timer_settime(id, 0, BAD_PTR, NULL), EFAULT);
    struct itimerspec badns = {{0, 0}, {0, 1000000000}};
    CHECK_ERR(k_timer_settime(id, 0, &badns, NULL), EINVAL);
    struct itimerspec badiv = {{0, -1}, {1, 0}};
    CHECK_ERR(k_timer_settime(id, 0, &badiv, NULL), EINVAL);
    struct itimerspec negv = {{0, 0}, {-1, 0}};
    CHECK_ERR(k_timer_settime(id, 0, &negv, NULL), EINVAL);
    CHECK_ERR(k_timer_gettime(id, BAD_PTR), EFAULT);
    CHECK(k_timer_delete(id) == 0);
    section_end();
}

static void test_timerfd(void)
{
    section_begin("timerfd read");
    int fd = timerfd_create(CLOCK_MONOTONIC, 0);
    CHECK(fd >= 0);
    struct itimerspec cur;
    CHECK(timerfd_gettime(fd, &cur) == 0 && ts_ns(&cur.it_value) == 0);
    struct itimerspec nv = {{0, 0}, {0, 50000000}};
    int64_t t0 = now_ms();
    CHECK(timerfd_settime(fd, 0, &nv, NULL) == 0);
    uint64_t n = 0;
    CHECK(read(fd, &n, sizeof(n)) == 8); /* blocks until it expires */
    CHECK(n == 1);
    CHECK(now_ms() - t0 >= 45);
    CHECK(timerfd_gettime(fd, &cur) == 0 && ts_ns(&cur.it_value) == 0);

    struct itimerspec iv = {{0, 10000000}, {0, 10000000}};
    CHECK(timerfd_settime(fd, 0, &iv, NULL) == 0);
    sleep_ms(100);
    n = 0;
    CHECK(read(fd, &n, sizeof(n)) == 8);
    CHECK(n >= 3 && n <= 50);
    CHECK(timerfd_gettime(fd, &cur) == 0);
    CHECK(ts_ns(&cur.it_interval) == 10000000);
    CHECK(ts_ns(&cur.it_value) > 0 && ts_ns(&cur.it_value) <= 10000000);
    struct itimerspec off = {{0, 0}, {0, 0}}, old;
    CHECK(timerfd_settime(fd, 0, &off, &old) == 0);
    CHECK(ts_ns(&old.it_interval) == 10000000);
    CHECK(timerfd_gettime(fd, &cur) == 0 && ts_ns(&cur.it_value) == 0);
    char small[4];
    CHECK_ERR(read(fd, small, sizeof(small)), EINVAL);
    CHECK_ERR(write(fd, &n, sizeof(n)), EINVAL);
    close(fd);
    section_end();

    section_begin("timerfd nonblock abstime cloexec");
    fd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
    CHECK(fd >= 0);
    CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK);
    CHECK_ERR(read(fd, &n, sizeof(n)), EAGAIN);
    struct timespec rt;
    clock_gettime(CLOCK_REALTIME, &rt);
    rt.tv_nsec += 30000000;
    if (rt.tv_nsec >= 1000000000) {
        rt.tv_sec++;
        rt.tv_nsec -= 1000000000;
    }
    struct itimerspec abs = {{0, 0}, rt};
    CHECK(timerfd_settime(fd, TFD_TIMER_ABSTIME, &abs, NULL) == 0);
    CHECK_ERR(read(fd, &n, sizeof(n)), EAGAIN); /* not yet */
    sleep_ms(60);
    n = 0;
    CHECK(read(fd, &n, sizeof(n)) == 8 && n == 1);
    CHECK_ERR(read(fd, &n, sizeof(n)), EAGAIN); /* read resets the count */
    close(fd);
    section_end();

    section_begin("timerfd poll and epoll");
    fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    CHECK(fd >= 0);
    struct pollfd pfd = {fd, POLLIN, 0};
    CHECK(poll(&pfd, 1, 0) == 0); /* disarmed: not readable */
    struct itimerspec soon = {{0, 0}, {0, 30000000}};
    t0 = now_ms();
    CHECK(timerfd_settime(fd, 0, &soon, NULL) == 0);
    CHECK(poll(&pfd, 1, 5000) == 1 && (pfd.revents & POLLIN));
    CHECK(now_ms() - t0 >= 25);
    CHECK(read(fd, &n, sizeof(n)) == 8 && n == 1);
    pfd.revents = 0;
    CHECK(poll(&pfd, 1, 0) == 0); /* read: not readable again */
    int ep = epoll_create1(EPOLL_CLOEXEC);
    CHECK(ep >= 0);
    struct epoll_event ev = {.events = EPOLLIN, .data = {.u64 = 42}};
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0);
    CHECK(epoll_wait(ep, &ev, 1, 0) == 0);
    CHECK(timerfd_settime(fd, 0, &soon, NULL) == 0);
    memset(&ev, 0, sizeof(ev));
    CHECK(epoll_wait(ep, &ev, 1, 5000) == 1 && ev.data.u64 == 42 && (ev.events & EPOLLIN));
    CHECK(read(fd, &n, sizeof(n)) == 8 && n == 1);
    close(ep);
    close(fd);
    section_end();

    section_begin("timerfd bad arguments");
    CHECK_ERR(timerfd_create(CLOCK_MONOTONIC, 0x1234), EINVAL);
    CHECK_ERR(timerfd_create(12345, 0), EINVAL);
    fd = timerfd_create(CLOCK_MONOTONIC, 0);
    CHECK(fd >= 0);
    CHECK_ERR(timerfd_settime(999, 0, &nv, NULL), EBADF);
    CHECK_ERR(timerfd_gettime(999, &cur), EBADF);
    int p[2];
    CHECK(pipe(p) == 0);
    CHECK_ERR(timerfd_settime(p[0], 0, &nv, NULL), EINVAL);
    CHECK_ERR(timerfd_gettime(p[0], &cur), EINVAL);
    close(p[0]);
    close(p[1]);
    CHECK_ERR(timerfd_settime(fd, 0x100, &nv, NULL), EINVAL);
    struct itimerspec badns = {{0, 0}, {0, 1000000000}};
    CHECK_ERR(timerfd_settime(fd, 0, &badns, NULL), EINVAL);
    CHECK_ERR(timerfd_settime(fd, 0, BAD_PTR, NULL), EFAULT);
    CHECK_ERR(timerfd_gettime(fd, BAD_PTR), EFAULT);
    close(fd);
    section_end();
}

int main(void)
{
    test_alarm();
    test_itimer();
    test_posix_signal();
    test_timerfd();
    return check_summary("timers");
}
