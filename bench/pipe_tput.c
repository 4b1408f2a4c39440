/*
 * Pipe throughput between two processes: this program spawns itself as the reader, with a
 * pipe as its stdin, and writes TOTAL_MB megabytes in BLOCK-byte writes; the reader reads
 * with the same block size and checks the byte count. Prints "pipe_tput BLOCK MBPS" on
 * stderr (MB/s = 10^6 bytes per second, from the first write to the reader's exit).
 *
 *   pipe_tput BLOCK TOTAL_MB
 */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int reader(size_t block, long long total)
{
    char *buf = malloc(block);
    long long got = 0;
    ssize_t n;
    while ((n = read(0, buf, block)) > 0)
        got += n;
    return got == total ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "reader"))
        return reader((size_t)atol(argv[2]), atoll(argv[3]));
    if (argc != 3)
        return 2;
    size_t block = (size_t)atol(argv[1]);
    long long total = atoll(argv[2]) * 1000000LL / (long long)block * (long long)block;
    int p[2];
    if (pipe(p))
        return 1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, p[0], 0);
    posix_spawn_file_actions_addclose(&fa, p[1]);
    char bs[32], tot[32];
    snprintf(bs, sizeof(bs), "%zu", block);
    snprintf(tot, sizeof(tot), "%lld", total);
    char *args[] = {argv[0], "reader", bs, tot, NULL};
    pid_t pid;
    if (posix_spawn(&pid, argv[0], &fa, NULL, args, environ))
        return 1;
    close(p[0]);
    char *buf = malloc(block);
    memset(buf, 'p', block);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long long sent = 0; sent < total;) {
        ssize_t n = write(p[1], buf, block);
        if (n <= 0)
            return 1;
        sent += n;
    }
    close(p[1]);
    int st;
    if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
        return 1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    fprintf(stderr, "pipe_tput %zu %.0f\n", block, (double)total / 1e6 / s);
    return 0;
}
