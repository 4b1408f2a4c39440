/*
 * Spawn-and-wait latency: posix_spawn PROGRAM (no arguments) and waitpid for it, N times.
 * Prints "spawn_lat N US" on stderr: microseconds per spawn-and-wait.
 *
 *   spawn_lat PROGRAM N
 */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    long n = atol(argv[2]);
    char *args[] = {argv[1], NULL};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long i = 0; i < n; i++) {
        pid_t pid;
        int st;
        if (posix_spawn(&pid, argv[1], NULL, NULL, args, environ) != 0 ||
            waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            fprintf(stderr, "spawn_lat: run %ld of %s failed\n", i, argv[1]);
            return 1;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double us = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / 1e3 / (double)n;
    fprintf(stderr, "spawn_lat %ld %.1f\n", n, us);
    return 0;
}
