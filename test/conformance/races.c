/*
 * Conformance: the races that break naive implementations. A signal arriving while a thread
 * blocks in futex or in wait4 (EINTR without SA_RESTART, a transparent restart with it);
 * SIGCHLD with SA_RESTART during a pipe read; a child killed while its parent waits in
 * wait4; execve from a secondary thread (the other threads go, the new program runs as the
 * process's only thread, with the pid as its tid). The program spawns itself:
 * `races child MODE`.
 */
#define _GNU_SOURCE
#include "check.h"
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static char self[4096];
static pthread_t main_thread;
static volatile sig_atomic_t handled;

static void on_signal(int sig)
{
    (void)sig;
    handled++;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

static void *signal_main_later(void *arg)
{
    sleep_ms(40);
    pthread_kill(main_thread, (int)(intptr_t)arg);
    return NULL;
}

static void *write_late(void *arg)
{
    sleep_ms(150); /* after the child's exit and its SIGCHLD */
    if (write((int)(intptr_t)arg, "r", 1) != 1)
        return NULL;
    return NULL;
}

static void *kill_later(void *arg)
{
    sleep_ms(40);
    kill((pid_t)(intptr_t)arg, SIGKILL);
    return NULL;
}

static void *exec_from_thread(void *unused)
{
    (void)unused;
    char *args[] = {self, "child", "after-exec", NULL};
    execve(self, args, environ);
    _exit(99);
}

static void *idle_thread(void *unused)
{
    (void)unused;
    for (;;)
        sleep_ms(1000);
    return NULL;
}

static void set_handler(int sig, int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sa.sa_flags = flags;
    sigaction(sig, &sa, NULL);
}

static pid_t spawn_child(const char *mode)
{
    char *args[] = {self, "child", (char *)mode, NULL};
    pid_t pid = -1;
    return posix_spawn(&pid, self, NULL, NULL, args, environ) == 0 ? pid : -1;
}

static int child_main(const char *mode)
{
    if (!strcmp(mode, "sleep")) {
        sleep_ms(60);
        return 5;
    }
    if (!strcmp(mode, "wait-forever")) {
        for (;;)
            pause();
    }
    if (!strcmp(mode, "exec-thread")) {
        pthread_t a, b;
        pthread_create(&a, NULL, idle_thread, NULL);
        pthread_create(&b, NULL, exec_from_thread, NULL);
        for (;;)
            sleep_ms(1000);
    }
    if (!strcmp(mode, "after-exec")) /* the new image: one thread, tid == pid */
        return syscall(SYS_gettid) == getpid() ? 42 : 43;
    return 100;
}

int main(int argc, char **argv)
{
    spawnable_self(argv[0], self, sizeof(self));
    if (argc > 2 && !strcmp(argv[1], "child"))
        return child_main(argv[2]);
    main_thread = pthread_self();
    pthread_t t;
    int st;

    section_begin("signal during futex wait");
    set_handler(SIGUSR1, 0);
    uint32_t word = 0;
    handled = 0;
    pthread_create(&t, NULL, signal_main_later, (void *)(intptr_t)SIGUSR1);
    CHECK_ERR(syscall(SYS_futex, &word, 0 /* FUTEX_WAIT */, 0, NULL, NULL, 0), EINTR);
    pthread_join(t, NULL);
    CHECK(handled == 1);
    section_end();

    section_begin("signal during wait4");
    pid_t pid = spawn_child("sleep");
    handled = 0;
    pthread_create(&t, NULL, signal_main_later, (void *)(intptr_t)SIGUSR1);
    CHECK_ERR(waitpid(pid, &st, 0), EINTR); /* no SA_RESTART */
    pthread_join(t, NULL);
    CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 5);
    set_handler(SIGUSR1, SA_RESTART);
    pid = spawn_child("sleep");
    handled = 0;
    pthread_create(&t, NULL, signal_main_later, (void *)(intptr_t)SIGUSR1);
    CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 5);
    pthread_join(t, NULL);
    CHECK(handled == 1);
    section_end();

    section_begin("SIGCHLD with SA_RESTART during a read");
    int p[2];
    CHECK_OK(pipe(p));
    set_handler(SIGCHLD, SA_RESTART);
    handled = 0;
    pid = spawn_child("sleep"); /* exits after 60 ms: SIGCHLD while we read */
    pthread_create(&t, NULL, write_late, (void *)(intptr_t)p[1]);
    char c = 0;
    CHECK(read(p[0], &c, 1) == 1 && c == 'r'); /* restarted after the handler */
    pthread_join(t, NULL);
    CHECK(handled >= 1);
    CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st));
    close(p[0]);
    close(p[1]);
    signal(SIGCHLD, SIG_DFL);
    section_end();

    section_begin("child killed while its parent is in wait4");
    pid = spawn_child("wait-forever");
    pthread_create(&t, NULL, kill_later, (void *)(intptr_t)pid);
    CHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    pthread_join(t, NULL);
    section_end();

    section_begin("execve from a secondary thread");
    pid = spawn_child("exec-thread");
    CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 42);
    section_end();

    return check_summary("races");
}
