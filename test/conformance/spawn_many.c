/*
 * Conformance: 1,000 spawn-and-wait iterations leak nothing the process can see: the same
 * open fds and a single thread before and after (read from /proc/self), and every child
 * reaped (ECHILD at the end). test/spawn_leak.sh runs it inside the enclave and also checks
 * from outside that the host process's thread count does not grow.
 */
#define _GNU_SOURCE
#include "check.h"
#include <dirent.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

static int count_threads(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    int n = -1;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "Threads: %d", &n) == 1)
            break;
    fclose(f);
    return n;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "child"))
        return 0;
    int iterations = argc > 1 ? atoi(argv[1]) : 1000;
    char self[4096];
    spawnable_self(argv[0], self, sizeof(self));

    section_begin("spawn and wait, many times");
    int fds_before = count_fds();
    CHECK(fds_before >= 3);
    CHECK(count_threads() == 1);
    char *args[] = {self, "child", NULL};
    int ok = 0;
    for (int i = 0; i < iterations; i++) {
        pid_t pid;
        int st;
        if (posix_spawn(&pid, self, NULL, NULL, args, environ) == 0 &&
            waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0)
            ok++;
    }
    CHECK(ok == iterations);
    CHECK(count_fds() == fds_before);
    CHECK(count_threads() == 1);
    CHECK_ERR(waitpid(-1, NULL, WNOHANG), ECHILD);
    section_end();
    return check_summary("spawn_many");
}
