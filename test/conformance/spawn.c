/*
 * Conformance: processes. posix_spawn (clone with CLONE_VM | CLONE_VFORK, then execve),
 * vfork + execve and vfork + _exit, wait4 and waitid with their statuses (normal exits and
 * deaths by signal), WNOHANG, ECHILD, a failed execve that leaves the caller intact, and
 * getppid in the child. The program spawns itself: `spawn child MODE [N]` is the child.
 */
#define _GNU_SOURCE
#include "check.h"
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int child_main(int argc, char **argv)
{
    const char *mode = argv[2];
    if (!strcmp(mode, "exit"))
        return argc > 3 ? atoi(argv[3]) : 0;
    if (!strcmp(mode, "abort"))
        abort();
    if (!strcmp(mode, "ppid")) /* exit status: 0 if our parent is who the caller says */
        return getppid() == atoi(argv[3]) ? 0 : 1;
    if (!strcmp(mode, "env"))
        return getenv("SPAWN_TEST") && !strcmp(getenv("SPAWN_TEST"), "yes") ? 0 : 1;
    return 100;
}

static pid_t spawn(const char *self, char *const args[])
{
    pid_t pid = -1;
    int rc = posix_spawn(&pid, self, NULL, NULL, args, environ);
    return rc == 0 ? pid : -1;
}

int main(int argc, char **argv)
{
    if (argc > 2 && !strcmp(argv[1], "child"))
        return child_main(argc, argv);
    char self_buf[4096];
    const char *self = spawnable_self(argv[0], self_buf, sizeof(self_buf));
    int st;

    section_begin("posix_spawn and wait4");
    char *a1[] = {(char *)self, "child", "exit", "7", NULL};
    pid_t pid = spawn(self, a1);
    CHECK(pid > 0);
    CHECK(waitpid(pid, &st, 0) == pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 7);
    CHECK_ERR(waitpid(pid, &st, 0), ECHILD);
    CHECK_ERR(waitpid(-1, &st, WNOHANG), ECHILD);
    section_end();

    section_begin("death by signal");
    char *a2[] = {(char *)self, "child", "abort", NULL};
    pid = spawn(self, a2);
    CHECK(pid > 0);
    CHECK(waitpid(pid, &st, 0) == pid);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
    section_end();

    section_begin("many children, any order");
    pid_t kids[5];
    for (int i = 0; i < 5; i++) {
        char n[8];
        snprintf(n, sizeof(n), "%d", 10 + i);
        char *a[] = {(char *)self, "child", "exit", n, NULL};
        kids[i] = spawn(self, a);
        CHECK(kids[i] > 0);
    }
    int seen = 0;
    for (int i = 0; i < 5; i++) {
        pid_t w = waitpid(-1, &st, 0);
        for (int j = 0; j < 5; j++)
            if (w == kids[j] && WIFEXITED(st) && WEXITSTATUS(st) == 10 + j)
                seen |= 1 << j;
    }
    CHECK(seen == 0x1f);
    section_end();

    section_begin("getppid and environment in the child");
    char me[16];
    snprintf(me, sizeof(me), "%d", getpid());
    char *a3[] = {(char *)self, "child", "ppid", me, NULL};
    pid = spawn(self, a3);
    CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    setenv("SPAWN_TEST", "yes", 1);
    char *a4[] = {(char *)self, "child", "env", NULL};
    pid = spawn(self, a4);
    CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    section_end();

    section_begin("vfork");
    pid = vfork();
    if (pid == 0) {
        char *a[] = {(char *)self, "child", "exit", "3", NULL};
        execve(self, a, environ);
        _exit(99);
    }
    CHECK(pid > 0);
    CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 3);
    pid = vfork();
    if (pid == 0)
        _exit(4);
    CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 4);
    /* A failed execve returns to the (vfork) child, which can report it. */
    pid = vfork();
    if (pid == 0) {
        char *a[] = {"/nonexistent/program", NULL};
        execve(a[0], a, environ);
        _exit(errno == ENOENT ? 5 : 6);
    }
    CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 5);
    section_end();

    section_begin("waitid");
    char *a5[] = {(char *)self, "child", "exit", "9", NULL};
    pid = spawn(self, a5);
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    CHECK(waitid(P_PID, pid, &si, WEXITED) == 0);
    CHECK(si.si_pid == pid && si.si_code == CLD_EXITED && si.si_status == 9);
    CHECK_ERR(waitid(P_PID, pid, &si, WEXITED), ECHILD);
    CHECK_ERR(waitid(P_ALL, 0, &si, 0), EINVAL);
    section_end();

    section_begin("execve failure leaves the caller intact");
    char *bad[] = {"/nonexistent/program", NULL};
    CHECK_ERR(execve(bad[0], bad, environ), ENOENT);
    CHECK_ERR(syscall(SYS_execve, (char *)0, bad, environ), EFAULT);
    CHECK(getpid() > 0);
    section_end();

    section_begin("process groups, sessions, prctl, rusage");
    char name[16] = {0};
    CHECK_OK(prctl(PR_SET_NAME, "conformance-name-too-long"));
    CHECK(prctl(PR_GET_NAME, name) == 0 && !strcmp(name, "conformance-nam"));
    CHECK_ERR(prctl(PR_SET_PDEATHSIG, 999), EINVAL);
    CHECK_OK(prctl(PR_SET_PDEATHSIG, SIGTERM));
    int pd = 0;
    CHECK(prctl(PR_GET_PDEATHSIG, &pd) == 0 && pd == SIGTERM);
    CHECK_OK(prctl(PR_SET_PDEATHSIG, 0));
    pid_t self_pid = getpid();
    CHECK(getpgid(0) == getpgrp());
    CHECK_ERR(setpgid(-1, 0), EINVAL);
    CHECK_ERR(setpgid(999999, 0), ESRCH);
    if (getpgrp() != self_pid) /* natively: a member of the harness's group */
        setpgid(0, 0);          /* become a group leader */
    CHECK(getpgrp() == self_pid);
    CHECK_ERR(setsid(), EPERM); /* a group leader cannot start a session */
    uid_t ru_, eu_, su_;
    CHECK_OK(setresuid(-1, -1, -1));
    CHECK(getresuid(&ru_, &eu_, &su_) == 0 && eu_ == geteuid());
    CHECK_OK(setregid(-1, -1));
    CHECK(getgroups(0, NULL) >= 0);
    struct rusage ru;
    CHECK_OK(getrusage(RUSAGE_SELF, &ru));
    CHECK_OK(getrusage(RUSAGE_CHILDREN, &ru));
    CHECK_ERR(getrusage(42, &ru), EINVAL);
    section_end();

    return check_summary("spawn");
}
