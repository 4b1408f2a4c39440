/*
 * Conformance: job control. A child stopped by SIGSTOP is reported by waitpid(WUNTRACED)
 * and waitid(WSTOPPED), once; SIGCONT continues it and is reported by WCONTINUED; the parent
 * gets SIGCHLD with CLD_STOPPED and CLD_CONTINUED; a stopped child still dies of SIGKILL;
 * SIGTSTP to a child that ignores it does nothing. The program spawns itself.
 */
#define _GNU_SOURCE
#include "check.h"
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static volatile sig_atomic_t last_code, chld_count;

static void on_chld(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)uc;
    last_code = si->si_code;
    chld_count++;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
    char self[4096];
    spawnable_self(argv[0], self, sizeof(self));
    if (argc > 2 && !strcmp(argv[1], "child")) {
        if (!strcmp(argv[2], "ignore-tstp"))
            signal(SIGTSTP, SIG_IGN);
        for (;;)
            pause();
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_chld;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigaction(SIGCHLD, &sa, NULL);
    int st;

    section_begin("stop, continue, kill");
    char *args[] = {self, "child", "plain", NULL};
    pid_t pid;
    CHECK(posix_spawn(&pid, self, NULL, NULL, args, environ) == 0);
    sleep_ms(30);
    CHECK_OK(kill(pid, SIGSTOP));
    CHECK(waitpid(pid, &st, WUNTRACED) == pid && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
    CHECK(waitpid(pid, &st, WUNTRACED | WNOHANG) == 0); /* reported once */
    for (int i = 0; i < 100 && last_code != CLD_STOPPED; i++)
        sleep_ms(5);
    CHECK(last_code == CLD_STOPPED);
    CHECK_OK(kill(pid, SIGCONT));
    CHECK(waitpid(pid, &st, WCONTINUED) == pid && WIFCONTINUED(st));
    for (int i = 0; i < 100 && last_code != CLD_CONTINUED; i++)
        sleep_ms(5);
    CHECK(last_code == CLD_CONTINUED);
    CHECK_OK(kill(pid, SIGSTOP));
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    CHECK(waitid(P_PID, pid, &si, WSTOPPED) == 0 && si.si_code == CLD_STOPPED &&
          si.si_status == SIGSTOP);
    CHECK_OK(kill(pid, SIGKILL)); /* a stopped process still dies */
    CHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    section_end();

    section_begin("an ignored SIGTSTP does not stop");
    char *args2[] = {self, "child", "ignore-tstp", NULL};
    CHECK(posix_spawn(&pid, self, NULL, NULL, args2, environ) == 0);
    sleep_ms(30);
    CHECK_OK(kill(pid, SIGTSTP));
    sleep_ms(30);
    CHECK(waitpid(pid, &st, WUNTRACED | WNOHANG) == 0);
    CHECK_OK(kill(pid, SIGTERM));
    CHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
    section_end();

    return check_summary("jobctl");
}
