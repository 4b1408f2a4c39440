/*
 * Sequential file throughput: writes SIZE_MB megabytes to DIR/fs_seq.dat in 1 MiB writes
 * (then fsync), reads it back in 1 MiB reads, and removes it. Prints
 * "fs_seq write MBPS" and "fs_seq read MBPS" on stderr (MB/s = 10^6 bytes per second).
 *
 *   fs_seq DIR SIZE_MB
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (1 << 20)

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    char path[4096];
    snprintf(path, sizeof(path), "%s/fs_seq.dat", argv[1]);
    long chunks = atol(argv[2]) * 1000000L / CHUNK;
    char *buf = malloc(CHUNK);
    memset(buf, 's', CHUNK);
    int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
    if (fd < 0) {
        perror(path);
        return 1;
    }
    double t0 = now();
    for (long i = 0; i < chunks; i++)
        if (write(fd, buf, CHUNK) != CHUNK)
            return 1;
    fsync(fd);
    close(fd);
    double t1 = now();
    fd = open(path, O_RDONLY);
    long long got = 0;
    ssize_t n;
    while ((n = read(fd, buf, CHUNK)) > 0)
        got += n;
    close(fd);
    double t2 = now();
    unlink(path);
    if (got != (long long)chunks * CHUNK)
        return 1;
    double mb = (double)chunks * CHUNK / 1e6;
    fprintf(stderr, "fs_seq write %.0f\nfs_seq read %.0f\n", mb / (t1 - t0), mb / (t2 - t1));
    return 0;
}
