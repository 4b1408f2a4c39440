/*
 * Conformance: signal delivery. Handlers with siginfo and a ucontext (a handler that changes
 * the interrupted registers), rt_sigreturn, SA_RESETHAND, SA_NODEFER and the handler's mask,
 * blocked and pending signals (sigpending, sigsuspend, sigtimedwait), a fault caught by a
 * handler (SIGSEGV with si_addr and SEGV_MAPERR/SEGV_ACCERR, left with siglongjmp),
 * sigaltstack, a signal to a thread spinning in guest code, EINTR and SA_RESTART on a pipe
 * read and in nanosleep, and SIGCHLD plus kill() of a child.
 */
#define _GNU_SOURCE
#include "check.h"
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

extern char **environ;

static volatile sig_atomic_t got, got_sig, nested_max, depth;
static volatile int got_code, got_pid;
static volatile uintptr_t got_addr;

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    got++;
    got_sig = sig;
    got_code = si->si_code;
    got_pid = si->si_pid;
}

static volatile sig_atomic_t calls;
static void on_nested(int sig)
{
    (void)sig;
    calls++;
    depth++;
    if (depth > nested_max)
        nested_max = depth;
    if (calls < 3)
        raise(SIGUSR2); /* nested with SA_NODEFER, else delivered after we return */
    depth--;
}

/* Resumes the interrupted code elsewhere: the handler moves rip to a label and sets rax
 * through the ucontext, the way JITs and debuggers do. */
static volatile uintptr_t resume_at;
static void on_trap_ctx(int sig, siginfo_t *si, void *ucv)
{
    (void)sig, (void)si;
    ucontext_t *uc = ucv;
    uc->uc_mcontext.gregs[REG_RIP] = (greg_t)resume_at;
    uc->uc_mcontext.gregs[REG_RAX] = 42;
}

static sigjmp_buf jb;
static void on_segv(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    got_sig = sig;
    got_code = si->si_code;
    got_addr = (uintptr_t)si->si_addr;
    siglongjmp(jb, 1);
}

static volatile uintptr_t alt_sp;
static void on_alt(int sig)
{
    (void)sig;
    int local;
    alt_sp = (uintptr_t)&local;
}

static void on_plain(int sig)
{
    got++;
    got_sig = sig;
}

static volatile int spin_stop;
static pthread_t main_thread;
static void *spinner(void *arg)
{
    (void)arg;
    while (!spin_stop)
        __asm__ volatile("pause");
    return NULL;
}

static int wfd;
static void *late_writer(void *arg)
{
    (void)arg;
    struct timespec ts = {0, 50 * 1000 * 1000};
    nanosleep(&ts, NULL);
    pthread_kill(main_thread, SIGUSR1);
    nanosleep(&ts, NULL);
    if (write(wfd, "z", 1) != 1)
        return NULL;
    return NULL;
}

static void *late_signal(void *arg)
{
    struct timespec ts = {0, 50 * 1000 * 1000};
    nanosleep(&ts, NULL);
    pthread_kill(main_thread, (int)(intptr_t)arg);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc > 2 && !strcmp(argv[1], "child")) {
        pause(); /* until killed */
        return 3;
    }
    char self[4096];
    spawnable_self(argv[0], self, sizeof(self));
    main_thread = pthread_self();
    struct sigaction sa;

    section_begin("handler with siginfo");
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_usr1;
    sa.sa_flags = SA_SIGINFO;
    CHECK_OK(sigaction(SIGUSR1, &sa, NULL));
    CHECK_OK(kill(getpid(), SIGUSR1));
    CHECK(got == 1 && got_sig == SIGUSR1 && got_code == SI_USER && got_pid == getpid());
    CHECK_OK(raise(SIGUSR1));
    CHECK(got == 2 && got_code == SI_TKILL);
    section_end();

    section_begin("masks, pending, sigsuspend, sigtimedwait");
    sigset_t block, old, pend;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    CHECK_OK(sigprocmask(SIG_BLOCK, &block, &old));
    CHECK_OK(kill(getpid(), SIGUSR1));
    CHECK(got == 2);
    CHECK(sigpending(&pend) == 0 && sigismember(&pend, SIGUSR1));
    sigset_t none;
    sigemptyset(&none);
    CHECK_ERR(sigsuspend(&none), EINTR);
    CHECK(got == 3);
    sigset_t cur;
    CHECK(sigprocmask(SIG_SETMASK, NULL, &cur) == 0 && sigismember(&cur, SIGUSR1));
    CHECK_OK(kill(getpid(), SIGUSR1));
    siginfo_t si;
    struct timespec zero = {0, 0};
    CHECK(sigtimedwait(&block, &si, &zero) == SIGUSR1 && si.si_signo == SIGUSR1);
    CHECK(got == 3);
    CHECK_ERR(sigtimedwait(&block, &si, &zero), EAGAIN);
    CHECK_OK(sigprocmask(SIG_SETMASK, &old, NULL));
    section_end();

    section_begin("SA_RESETHAND and SA_NODEFER");
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_nested;
    sa.sa_flags = SA_NODEFER;
    CHECK_OK(sigaction(SIGUSR2, &sa, NULL));
    raise(SIGUSR2);
    CHECK(nested_max == 3 && calls == 3);
    nested_max = 0;
    calls = 0;
    sa.sa_flags = 0; /* deferred: the nested raise waits until the handler returns */
    CHECK_OK(sigaction(SIGUSR2, &sa, NULL));
    raise(SIGUSR2);
    CHECK(nested_max == 1 && calls == 3);
    sa.sa_handler = on_plain;
    sa.sa_flags = SA_RESETHAND;
    CHECK_OK(sigaction(SIGUSR2, &sa, NULL));
    got = 0;
    raise(SIGUSR2);
    struct sigaction now;
    CHECK(sigaction(SIGUSR2, NULL, &now) == 0 && now.sa_handler == SIG_DFL && got == 1);
    section_end();

    section_begin("handler changes the interrupted context");
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_trap_ctx;
    sa.sa_flags = SA_SIGINFO;
    CHECK_OK(sigaction(SIGTRAP, &sa, NULL));
    long rax;
    __asm__ volatile("lea 1f(%%rip), %%rax\n\t"
                     "mov %%rax, %1\n\t"
                     "xor %%eax, %%eax\n\t"
                     "int3\n\t"
                     "mov $7, %%eax\n" /* skipped: the handler resumes at 1: */
                     "1:\n\t"
                     : "=a"(rax), "=m"(resume_at));
    CHECK(rax == 42);
    section_end();

    section_begin("faults reach handlers");
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    CHECK_OK(sigaction(SIGSEGV, &sa, NULL));
    char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(ro != MAP_FAILED);
    if (sigsetjmp(jb, 1) == 0)
        *(volatile char *)(ro + 8) = 1;
    CHECK(got_sig == SIGSEGV && got_code == SEGV_ACCERR && got_addr == (uintptr_t)(ro + 8));
    CHECK_OK(munmap(ro, 4096));
    got_sig = 0;
    if (sigsetjmp(jb, 1) == 0)
        *(volatile char *)(ro + 16) = 1;
    CHECK(got_sig == SIGSEGV && got_code == SEGV_MAPERR && got_addr == (uintptr_t)(ro + 16));
    section_end();

    section_begin("sigaltstack");
    static char altstack[65536];
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof(altstack)};
    CHECK_OK(sigaltstack(&ss, NULL));
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_alt;
    sa.sa_flags = SA_ONSTACK;
    CHECK_OK(sigaction(SIGWINCH, &sa, NULL));
    raise(SIGWINCH);
    CHECK(alt_sp > (uintptr_t)altstack && alt_sp < (uintptr_t)altstack + sizeof(altstack));
    section_end();

    section_begin("a thread spinning in guest code gets its signal");
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_plain;
    CHECK_OK(sigaction(SIGUSR2, &sa, NULL));
    pthread_t t;
    got = 0;
    CHECK(pthread_create(&t, NULL, spinner, NULL) == 0);
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
    CHECK(pthread_kill(t, SIGUSR2) == 0);
    for (int i = 0; i < 200 && !got; i++)
        nanosleep(&ts, NULL);
    CHECK(got == 1);
    spin_stop = 1;
    CHECK(pthread_join(t, NULL) == 0);
    section_end();

    section_begin("EINTR and SA_RESTART");
    int p[2];
    CHECK_OK(pipe(p));
    wfd = p[1];
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_usr1;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    CHECK_OK(sigaction(SIGUSR1, &sa, NULL));
    got = 0;
    CHECK(pthread_create(&t, NULL, late_writer, NULL) == 0);
    char c = 0;
    CHECK(read(p[0], &c, 1) == 1 && c == 'z' && got == 1); /* restarted after the handler */
    pthread_join(t, NULL);
    sa.sa_flags = SA_SIGINFO;
    CHECK_OK(sigaction(SIGUSR1, &sa, NULL));
    CHECK(pthread_create(&t, NULL, late_signal, (void *)(intptr_t)SIGUSR1) == 0);
    CHECK_ERR(read(p[0], &c, 1), EINTR);
    pthread_join(t, NULL);
    CHECK(pthread_create(&t, NULL, late_signal, (void *)(intptr_t)SIGUSR1) == 0);
    struct timespec longsleep = {5, 0}, rem = {0, 0};
    CHECK_ERR(nanosleep(&longsleep, &rem), EINTR);
    CHECK(rem.tv_sec >= 3 && rem.tv_sec <= 5);
    pthread_join(t, NULL);
    close(p[0]);
    close(p[1]);
    section_end();

    section_begin("SIGCHLD and killing a child");
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_usr1;
    sa.sa_flags = SA_SIGINFO;
    CHECK_OK(sigaction(SIGCHLD, &sa, NULL));
    got = 0;
    char *args[] = {self, "child", "wait", NULL};
    pid_t pid;
    CHECK(posix_spawn(&pid, self, NULL, NULL, args, environ) == 0);
    nanosleep(&ts, NULL);
    CHECK_OK(kill(pid, SIGTERM));
    int st;
    CHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
    CHECK(got >= 1 && got_sig == SIGCHLD && got_pid == pid && got_code == CLD_KILLED);
    section_end();

    return check_summary("signals");
}
