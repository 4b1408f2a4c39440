/*
 * Conformance: epoll. Level- vs edge-triggered reports on a pipe, EPOLLONESHOT and its re-arm
 * with EPOLL_CTL_MOD, epoll_wait woken by a write from another thread, an eventfd and a
 * signalfd in an epoll, an epoll watched by poll and by another epoll, a watched fd dropped
 * when its file's last reference goes (not when one of two fds is closed), and bad arguments.
 */
#define _GNU_SOURCE
#include "check.h"
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>

static void test_level_edge(void)
{
    section_begin("level and edge triggered");
    int p[2], q[2];
    CHECK_OK(pipe(p));
    CHECK_OK(pipe(q));
    int ep = epoll_create1(EPOLL_CLOEXEC);
    CHECK(ep >= 0);
    CHECK(fcntl(ep, F_GETFD) == FD_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 1};
    CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
    ev.events = EPOLLIN | EPOLLET;
    ev.data.u64 = 2;
    CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, q[0], &ev));
    CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, q[0], &ev), EEXIST);
    struct epoll_event out[4];
    CHECK(epoll_wait(ep, out, 4, 0) == 0);
    CHECK(write(p[1], "ab", 2) == 2);
    CHECK(write(q[1], "ab", 2) == 2);
    int n = epoll_wait(ep, out, 4, 1000);
    CHECK(n == 2);
    uint64_t seen = 0;
    for (int i = 0; i < n; i++) {
        CHECK(out[i].events == EPOLLIN);
        seen |= out[i].data.u64;
    }
    CHECK(seen == 3);
    /* Nothing read: level-triggered reports again, edge-triggered does not. */
    n = epoll_wait(ep, out, 4, 0);
    CHECK(n == 1 && out[0].data.u64 == 1);
    /* New data on the edge-triggered pipe is a new edge. */
    CHECK(write(q[1], "c", 1) == 1);
    n = epoll_wait(ep, out, 4, 0);
    CHECK(n == 2);
    char buf[8];
    CHECK(read(p[0], buf, sizeof(buf)) == 2);
    CHECK(epoll_wait(ep, out, 4, 0) == 0);
    /* Writer gone: EPOLLHUP without asking. */
    close(p[1]);
    n = epoll_wait(ep, out, 4, 1000);
    CHECK(n == 1 && out[0].data.u64 == 1 && out[0].events == EPOLLHUP);
    CHECK_OK(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL));
    CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL), ENOENT);
    CHECK(epoll_wait(ep, out, 4, 0) == 0);
    close(p[0]);
    close(q[0]);
    close(q[1]);
    close(ep);
    section_end();
}

static void test_oneshot(void)
{
    section_begin("EPOLLONESHOT");
    int p[2];
    CHECK_OK(pipe(p));
    int ep = epoll_create(1);
    CHECK(ep >= 0);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLONESHOT, .data.u64 = 7};
    CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
    CHECK(write(p[1], "a", 1) == 1);
    struct epoll_event out[2];
    CHECK(epoll_wait(ep, out, 2, 1000) == 1 && out[0].data.u64 == 7);
    CHECK(epoll_wait(ep, out, 2, 0) == 0);
    CHECK(write(p[1], "b", 1) == 1);
    CHECK(epoll_wait(ep, out, 2, 20) == 0);
    ev.data.u64 = 8;
    CHECK_OK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev));
    CHECK(epoll_wait(ep, out, 2, 0) == 1 && out[0].data.u64 == 8);
    CHECK(epoll_wait(ep, out, 2, 0) == 0);
    close(p[0]);
    close(p[1]);
    close(ep);
    section_end();
}

static int wake_fd;
static void *late_writer(void *arg)
{
    (void)arg;
    usleep(30000);
    uint64_t one = 1;
    if (write(wake_fd, &one, 8) != 8)
        return (void *)1;
    return NULL;
}

static void test_wakeup(void)
{
    section_begin("epoll_wait woken by another thread");
    int p[2];
    CHECK_OK(pipe(p));
    int ev_fd = eventfd(0, EFD_NONBLOCK);
    CHECK(ev_fd >= 0);
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 1};
    CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
    ev.data.u64 = 2;
    CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, ev_fd, &ev));
    struct epoll_event out[2];
    pthread_t th;
    wake_fd = ev_fd;
    CHECK(pthread_create(&th, NULL, late_writer, NULL) == 0);
    CHECK(epoll_wait(ep, out, 2, 5000) == 1 && out[0].data.u64 == 2);
    pthread_join(th, NULL);
    uint64_t v;
    CHECK(read(ev_fd, &v, 8) == 8 && v == 1);
    /* The pipe's writer from another thread, waited for with epoll_pwait2. */
    wake_fd = p[1];
    CHECK(pthread_create(&th, NULL, late_writer, NULL) == 0);
    struct timespec ts = {5, 0};
    CHECK(syscall(SYS_epoll_pwait2, ep, out, 2, &ts, NULL, 8) == 1 && out[0].data.u64 == 1);
    pthread_join(th, NULL);
    /* The epoll fd itself is pollable. */
    struct pollfd pf = {ep, POLLIN, 0};
    CHECK(poll(&pf, 1, 0) == 1 && pf.revents == POLLIN);
    char buf[16];
    CHECK(read(p[0], buf, sizeof(buf)) == 8);
    CHECK(poll(&pf, 1, 0) == 0);
    /* Nested: an epoll inside an epoll. */
    int outer = epoll_create1(0);
    ev.data.u64 = 9;
    CHECK_OK(epoll_ctl(outer, EPOLL_CTL_ADD, ep, &ev));
    CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, outer, &ev), ELOOP);
    CHECK(epoll_wait(outer, out, 2, 0) == 0);
    wake_fd = ev_fd;
    CHECK(pthread_create(&th, NULL, late_writer, NULL) == 0);
    CHECK(epoll_wait(outer, out, 2, 5000) == 1 && out[0].data.u64 == 9);
    pthread_join(th, NULL);
    close(outer);
    close(ev_fd);
    close(p[0]);
    close(p[1]);
    close(ep);
    section_end();
}

static void test_signalfd_in_epoll(void)
{
    section_begin("signalfd in epoll");
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    CHECK_OK(sigprocmask(SIG_BLOCK, &set, &old));
    int sfd = signalfd(-1, &set, SFD_NONBLOCK);
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 5};
    CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev));
    struct epoll_event out[2];
    CHECK(epoll_wait(ep, out, 2, 0) == 0);
    CHECK_OK(kill(getpid(), SIGUSR1));
    CHECK(epoll_wait(ep, out, 2, 1000) == 1 && out[0].data.u64 == 5);
    struct signalfd_siginfo si;
    CHECK(read(sfd, &si, sizeof(si)) == sizeof(si) && si.ssi_signo == SIGUSR1);
    CHECK(epoll_wait(ep, out, 2, 0) == 0);
    close(sfd);
    close(ep);
    CHECK_OK(sigprocmask(SIG_SETMASK, &old, NULL));
    section_end();
}

static void test_close_semantics(void)
{
    section_begin("watched fd closed");
    int p[2];
    CHECK_OK(pipe(p));
    int dupfd = dup(p[0]);
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 3};
    CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
    CHECK(write(p[1], "a", 1) == 1);
    struct epoll_event out[2];
    /* One of two fds closed: the open file lives on, so does the registration. */
    close(p[0]);
    CHECK(epoll_wait(ep, out, 2, 0) == 1 && out[0].data.u64 == 3);
    /* The last fd closed: the registration goes with the file. */
    close(dupfd);
    CHECK(epoll_wait(ep, out, 2, 0) == 0);
    /* The writer's close is not held up by the epoll: a new reader sees EOF at once. */
    int q[2];
    CHECK_OK(pipe(q));
    ev.events = EPOLLOUT;
    CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, q[1], &ev));
    close(q[1]);
    char c;
    CHECK(read(q[0], &c, 1) == 0);
    close(q[0]);
    close(p[1]);
    close(ep);
    section_end();
}

static void test_hostile(void)
{
    section_begin("hostile arguments");
    int ep = epoll_create1(0);
    int p[2];
    CHECK_OK(pipe(p));
    struct epoll_event ev = {.events = EPOLLIN};
    struct epoll_event out[2];
    CHECK_ERR(syscall(SYS_epoll_create, 0), EINVAL);
    CHECK_ERR(epoll_create1(0x1234), EINVAL);
    CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, 999, &ev), EBADF);
    CHECK_ERR(epoll_ctl(999, EPOLL_CTL_ADD, p[0], &ev), EBADF);
    CHECK_ERR(epoll_ctl(p[0], EPOLL_CTL_ADD, p[1], &ev), EINVAL);
    CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev), EINVAL);
    CHECK_ERR(epoll_ctl(ep, 99, p[0], &ev), EINVAL);
    CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev), ENOENT);
    CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], (struct epoll_event *)8), EFAULT);
    int fd = open(".", O_RDONLY | O_DIRECTORY);
    CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev), EPERM);
    close(fd);
    ev.events = EPOLLIN | EPOLLEXCLUSIVE;
    CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
    CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev), EINVAL);
    CHECK_ERR(epoll_wait(ep, out, 0, 0), EINVAL);
    CHECK_ERR(syscall(SYS_epoll_pwait, ep, out, -1, 0, NULL, 8), EINVAL);
    CHECK_ERR(epoll_wait(p[0], out, 2, 0), EINVAL);
    CHECK_ERR(epoll_wait(999, out, 2, 0), EBADF);
    CHECK(write(p[1], "x", 1) == 1); /* something to report into a bad buffer */
    CHECK_ERR(syscall(SYS_epoll_pwait, ep, 8, 2, 0, NULL, 8), EFAULT);
    CHECK_ERR(syscall(SYS_epoll_pwait, ep, out, 2, 0, out, 4), EINVAL);
    close(p[0]);
    close(p[1]);
    close(ep);
    section_end();
}

int main(void)
{
    test_level_edge();
    test_oneshot();
    test_wakeup();
    test_signalfd_in_epoll();
    test_close_semantics();
    test_hostile();
    return check_summary("epoll");
}
