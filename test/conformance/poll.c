/*
 * Conformance: poll, ppoll, select, pselect6 over pipes, eventfd and a regular file;
 * eventfd's counter rules; signalfd reading a blocked SIGUSR1 sent with kill; hostile
 * arguments (bad fds: POLLNVAL in poll, EBADF in select; bad pointers; huge nfds).
 */
#define _GNU_SOURCE
#include "check.h"
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static long elapsed_ms(const struct timespec *a)
{
    struct timespec b;
    clock_gettime(CLOCK_MONOTONIC, &b);
    return (b.tv_sec - a->tv_sec) * 1000 + (b.tv_nsec - a->tv_nsec) / 1000000;
}

static void test_poll_pipe(void)
{
    section_begin("poll on a pipe");
    int p[2];
    CHECK_OK(pipe(p));
    struct pollfd fds[2] = {{p[0], POLLIN, 0}, {p[1], POLLOUT, 0}};
    CHECK(poll(fds, 2, 0) == 1);
    CHECK(fds[0].revents == 0 && fds[1].revents == POLLOUT);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK(poll(fds, 1, 50) == 0);
    CHECK(elapsed_ms(&t0) >= 45);
    CHECK(write(p[1], "x", 1) == 1);
    CHECK(poll(fds, 1, 1000) == 1 && fds[0].revents == POLLIN);
    char c;
    CHECK(read(p[0], &c, 1) == 1);
    CHECK(poll(fds, 1, 0) == 0);
    close(p[1]);
    CHECK(poll(fds, 1, 1000) == 1 && fds[0].revents == POLLHUP);
    /* Writer's end with the reader gone: POLLERR. */
    CHECK_OK(pipe(p));
    close(p[0]);
    fds[1].fd = p[1];
    CHECK(poll(&fds[1], 1, 0) == 1 && (fds[1].revents & POLLERR));
    close(p[1]);
    /* A full pipe is not writable. */
    CHECK_OK(pipe2(p, O_NONBLOCK));
    static char buf[4096];
    while (write(p[1], buf, sizeof(buf)) > 0)
        ;
    fds[1].fd = p[1];
    CHECK(poll(&fds[1], 1, 0) == 0);
    CHECK(read(p[0], buf, sizeof(buf)) == sizeof(buf));
    CHECK(poll(&fds[1], 1, 0) == 1 && fds[1].revents == POLLOUT);
    close(p[0]);
    close(p[1]);
    section_end();
}

static int wake_fd;
static void *late_writer(void *arg)
{
    (void)arg;
    usleep(30000);
    if (write(wake_fd, "w", 1) != 1)
        return (void *)1;
    return NULL;
}

static void test_poll_wakeup(void)
{
    section_begin("poll woken by another thread");
    int p[2];
    CHECK_OK(pipe(p));
    wake_fd = p[1];
    pthread_t th;
    CHECK(pthread_create(&th, NULL, late_writer, NULL) == 0);
    struct pollfd fd = {p[0], POLLIN, 0};
    CHECK(poll(&fd, 1, 5000) == 1 && fd.revents == POLLIN);
    pthread_join(th, NULL);
    close(p[0]);
    close(p[1]);
    section_end();
}

static void test_select(void)
{
    section_begin("select with mixed fds");
    int p[2], q[2];
    CHECK_OK(pipe(p));
    CHECK_OK(pipe(q));
    int ev = eventfd(0, 0);
    CHECK(ev >= 0);
    fd_set r, w;
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_SET(p[0], &r);
    FD_SET(q[0], &r);
    FD_SET(ev, &r);
    FD_SET(p[1], &w);
    int n = (p[0] > q[0] ? p[0] : q[0]);
    n = (n > p[1] ? n : p[1]);
    n = (n > ev ? n : ev) + 1;
    struct timeval tv = {0, 20000};
    CHECK(select(n, &r, &w, NULL, &tv) == 1);
    CHECK(!FD_ISSET(p[0], &r) && !FD_ISSET(q[0], &r) && FD_ISSET(p[1], &w));
    CHECK(write(q[1], "y", 1) == 1);
    uint64_t one = 1;
    CHECK(write(ev, &one, 8) == 8);
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_SET(p[0], &r);
    FD_SET(q[0], &r);
    FD_SET(ev, &r);
    tv.tv_sec = 1;
    tv.tv_usec = 0;
    CHECK(select(n, &r, NULL, NULL, &tv) == 2);
    CHECK(!FD_ISSET(p[0], &r) && FD_ISSET(q[0], &r) && FD_ISSET(ev, &r));
    CHECK(tv.tv_sec <= 1); /* Linux writes back the time left */
    /* Timeout: nothing ready, 50 ms, the time left written back as 0. */
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    tv.tv_sec = 0;
    tv.tv_usec = 50000;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK(syscall(SYS_select, p[0] + 1, &r, NULL, NULL, &tv) == 0); /* musl copies tv */
    CHECK(elapsed_ms(&t0) >= 45);
    CHECK(tv.tv_sec == 0 && tv.tv_usec == 0 && !FD_ISSET(p[0], &r));
    /* A regular file is always ready. */
    int fd = open("/proc/self/exe", O_RDONLY);
    if (fd < 0)
        fd = open(".", O_RDONLY | O_DIRECTORY);
    CHECK(fd >= 0);
    FD_ZERO(&r);
    FD_SET(fd, &r);
    CHECK(select(fd + 1, &r, NULL, NULL, NULL) == 1 && FD_ISSET(fd, &r));
    /* pselect6 with a timespec. */
    FD_ZERO(&r);
    FD_SET(q[0], &r);
    struct timespec ts = {0, 10000000};
    CHECK(pselect(q[0] + 1, &r, NULL, NULL, &ts, NULL) == 1);
    close(fd);
    close(ev);
    close(p[0]);
    close(p[1]);
    close(q[0]);
    close(q[1]);
    section_end();
}

static volatile sig_atomic_t got_usr1;
static void on_usr1(int sig)
{
    (void)sig;
    got_usr1++;
}

static void *kill_later(void *arg)
{
    (void)arg;
    usleep(30000);
    kill(getpid(), SIGUSR1);
    return NULL;
}

static void test_ppoll_mask(void)
{
    section_begin("ppoll with a signal mask");
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_usr1;
    CHECK_OK(sigaction(SIGUSR1, &sa, NULL));
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    CHECK_OK(sigprocmask(SIG_BLOCK, &block, &old));
    int p[2];
    CHECK_OK(pipe(p));
    struct pollfd fd = {p[0], POLLIN, 0};
    /* Blocked SIGUSR1 pending: ppoll with a mask that unblocks it is interrupted. */
    kill(getpid(), SIGUSR1);
    CHECK(got_usr1 == 0);
    sigset_t empty;
    sigemptyset(&empty);
    struct timespec ts = {5, 0};
    CHECK_ERR(ppoll(&fd, 1, &ts, &empty), EINTR);
    CHECK(got_usr1 == 1);
    /* The old mask is back: SIGUSR1 blocked again. */
    sigset_t now;
    CHECK_OK(sigprocmask(SIG_BLOCK, NULL, &now));
    CHECK(sigismember(&now, SIGUSR1));
    /* A signal sent by another thread while ppoll waits. */
    pthread_t th;
    CHECK(pthread_create(&th, NULL, kill_later, NULL) == 0);
    CHECK_ERR(ppoll(&fd, 1, &ts, &empty), EINTR);
    pthread_join(th, NULL);
    CHECK(got_usr1 == 2);
    /* With the signal still blocked by ppoll's mask, ppoll just times out. */
    kill(getpid(), SIGUSR1);
    ts.tv_sec = 0;
    ts.tv_nsec = 20000000;
    CHECK(ppoll(&fd, 1, &ts, &block) == 0);
    CHECK(got_usr1 == 2);
    CHECK_OK(sigprocmask(SIG_SETMASK, &old, NULL)); /* delivered now */
    CHECK(got_usr1 == 3);
    /* pselect with a mask, interrupted likewise. */
    CHECK_OK(sigprocmask(SIG_BLOCK, &block, NULL));
    kill(getpid(), SIGUSR1);
    fd_set r;
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    ts.tv_sec = 5;
    CHECK_ERR(pselect(p[0] + 1, &r, NULL, NULL, &ts, &empty), EINTR);
    CHECK(got_usr1 == 4);
    CHECK_OK(sigprocmask(SIG_SETMASK, &old, NULL));
    signal(SIGUSR1, SIG_DFL);
    close(p[0]);
    close(p[1]);
    section_end();
}

static void test_eventfd(void)
{
    section_begin("eventfd");
    int fd = eventfd(3, EFD_NONBLOCK | EFD_CLOEXEC);
    CHECK(fd >= 0);
    CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC);
    uint64_t v = 0;
    CHECK(read(fd, &v, 8) == 8 && v == 3);
    CHECK_ERR(read(fd, &v, 8), EAGAIN);
    CHECK_ERR(read(fd, &v, 4), EINVAL);
    v = 5;
    CHECK(write(fd, &v, 8) == 8);
    v = 7;
    CHECK(write(fd, &v, 8) == 8);
    uint64_t two[2] = {0, 0};
    CHECK(read(fd, two, 16) == 8 && two[0] == 12);
    v = UINT64_MAX;
    CHECK_ERR(write(fd, &v, 8), EINVAL);
    v = UINT64_MAX - 1;
    CHECK(write(fd, &v, 8) == 8);
    struct pollfd p = {fd, POLLIN | POLLOUT, 0};
    CHECK(poll(&p, 1, 0) == 1 && p.revents == POLLIN);
    v = 1;
    CHECK_ERR(write(fd, &v, 8), EAGAIN); /* would pass UINT64_MAX - 1 */
    CHECK(read(fd, &v, 8) == 8 && v == UINT64_MAX - 1);
    CHECK(poll(&p, 1, 0) == 1 && p.revents == POLLOUT);
    close(fd);
    /* Semaphore mode: each read takes 1. */
    fd = syscall(SYS_eventfd2, 2, EFD_SEMAPHORE | EFD_NONBLOCK);
    CHECK(fd >= 0);
    CHECK(read(fd, &v, 8) == 8 && v == 1);
    CHECK(read(fd, &v, 8) == 8 && v == 1);
    CHECK_ERR(read(fd, &v, 8), EAGAIN);
    close(fd);
    CHECK_ERR(syscall(SYS_eventfd2, 0, 0x40), EINVAL);
    section_end();
}

static void test_signalfd(void)
{
    section_begin("signalfd");
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    CHECK_OK(sigprocmask(SIG_BLOCK, &set, &old));
    int fd = signalfd(-1, &set, SFD_NONBLOCK);
    CHECK(fd >= 0);
    struct signalfd_siginfo si;
    CHECK_ERR(read(fd, &si, sizeof(si)), EAGAIN);
    struct pollfd p = {fd, POLLIN, 0};
    CHECK(poll(&p, 1, 0) == 0);
    CHECK_OK(kill(getpid(), SIGUSR1));
    CHECK(poll(&p, 1, 1000) == 1 && p.revents == POLLIN);
    CHECK_ERR(read(fd, &si, sizeof(si) - 1), EINVAL);
    memset(&si, 0, sizeof(si));
    CHECK(read(fd, &si, sizeof(si)) == sizeof(si));
    CHECK(si.ssi_signo == SIGUSR1 && si.ssi_code == SI_USER && si.ssi_pid == (uint32_t)getpid());
    CHECK(poll(&p, 1, 0) == 0);
    /* A blocking poll woken by a signal another thread sends to the process. */
    pthread_t th;
    CHECK(pthread_create(&th, NULL, kill_later, NULL) == 0);
    CHECK(poll(&p, 1, 5000) == 1 && p.revents == POLLIN);
    pthread_join(th, NULL);
    CHECK(read(fd, &si, sizeof(si)) == sizeof(si) && si.ssi_signo == SIGUSR1);
    /* Changing the mask of an existing signalfd; a non-signalfd fd is EINVAL. */
    sigaddset(&set, SIGUSR2);
    CHECK(signalfd(fd, &set, 0) == fd);
    CHECK_ERR(signalfd(0, &set, 0), EINVAL);
    CHECK_ERR(signalfd(-1, &set, 0x1234), EINVAL);
    close(fd);
    CHECK_OK(sigprocmask(SIG_SETMASK, &old, NULL));
    section_end();
}

static void test_hostile(void)
{
    section_begin("hostile arguments");
    struct pollfd p[2] = {{999, POLLIN, 0}, {-1, POLLIN, 77}};
    CHECK(poll(p, 2, 0) == 1 && p[0].revents == POLLNVAL && p[1].revents == 0);
    CHECK_ERR(syscall(SYS_poll, 8, 1, 0), EFAULT);
    struct rlimit rl;
    CHECK_OK(getrlimit(RLIMIT_NOFILE, &rl));
    CHECK_ERR(syscall(SYS_poll, p, (unsigned long)rl.rlim_cur + 1, 0), EINVAL);
    CHECK(poll(NULL, 0, 10) == 0);
    fd_set r;
    FD_ZERO(&r);
    /* A closed fd inside the table (Linux ignores bits past its table's size). */
    int closed = dup(0);
    CHECK(closed >= 0);
    close(closed);
    FD_SET(closed, &r);
    struct timeval tv = {0, 0};
    CHECK_ERR(select(closed + 1, &r, NULL, NULL, &tv), EBADF);
    CHECK_ERR(select(-1, NULL, NULL, NULL, &tv), EINVAL);
    CHECK_ERR(syscall(SYS_select, 1, 8, 0, 0, &tv), EFAULT);
    tv.tv_usec = -1; /* (the raw call: musl's select checks it itself) */
    CHECK_ERR(syscall(SYS_select, 0, 0, 0, 0, &tv), EINVAL);
    tv.tv_usec = 1000000; /* carried into tv_sec, not refused */
    CHECK(syscall(SYS_select, 0, 0, 0, 0, &tv) == 0 || errno == EINTR);
    struct timespec ts = {0, 1000000000};
    CHECK_ERR(ppoll(p, 1, &ts, NULL), EINVAL);
    ts.tv_nsec = 0;
    CHECK_ERR(syscall(SYS_ppoll, p, 1, &ts, (void *)8, 8), EFAULT);
    sigset_t s;
    sigemptyset(&s);
    CHECK_ERR(syscall(SYS_ppoll, p, 1, &ts, &s, 4), EINVAL);
    section_end();
}

int main(void)
{
    test_poll_pipe();
    test_poll_wakeup();
    test_select();
    test_ppoll_mask();
    test_eventfd();
    test_signalfd();
    test_hostile();
    return check_summary("poll");
}
