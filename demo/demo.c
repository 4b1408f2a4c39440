/*
 * The demo program: an ordinary static Linux program, run unmodified inside the enclave by
 * `make demo`. It reads a file from the enclave's image, hashes it (FNV-1a, to stay
 * dependency-free), asks the LibOS who and where it is, and exits with status 0.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "/etc/demo/message.txt";
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        perror(path);
        return 1;
    }
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n < 0) {
        perror("read");
        return 1;
    }
    buf[n] = '\0';
    uint64_t h = 1469598103934665603ULL;
    for (ssize_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)buf[i]) * 1099511628211ULL;

    struct utsname u;
    uname(&u);
    unsigned char rnd[8];
    if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
        return 1;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < 100000; i++)
        getppid();
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ns = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / 100000;

    printf("%s", buf);
    printf("file %s: %zd bytes, fnv1a64 %016llx\n", path, n, (unsigned long long)h);
    printf("system %s %s, pid %d, parent %d\n", u.sysname, u.machine, getpid(), getppid());
    printf("8 random bytes from the enclave: %02x%02x%02x%02x%02x%02x%02x%02x\n", rnd[0],
           rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
    printf("getppid(): %.0f ns per call\n", ns);
    return 0;
}
