/*
 * read_loop N [threads]: reads 1 byte from /dev/zero N times through libc's read() and checks
 * each answer (1 byte, a zero), then that errors (EFAULT, EBADF) still come back. With
 * `threads`, a second thread is started first, so glibc takes its cancellable read path (it
 * tests __libc_single_threaded); that thread blocks in read() on a pipe meanwhile, and gets
 * its byte once the loop is done.
 *
 * glibc's read() is `xor %eax, %eax; syscall`, a site the LibOS's fast path rewrites after its
 * first trap (a short jump into the function's alignment padding, then to a stub); each of
 * glibc's two read paths is a separate site. Used by test/strace_test.sh: inside the enclave
 * under `strace -f`, the host must deliver far fewer traps than N. Also an ordinary
 * conformance test: every read must still answer right after the rewrite.
 */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

static int pipe_fds[2];
static char *volatile bad = (char *)8; /* volatile: no compile-time overflow warning */

/* Blocks in read() until main writes; returns how many bytes it read (1 expected). */
static void *reader(void *arg)
{
    char c;
    (void)arg;
    return (void *)(long)read(pipe_fds[0], &c, 1);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
    int threads = argc > 2 && !strcmp(argv[2], "threads");
    pthread_t t = 0;
    long made = 0, wrong = 0;

    CHECK(n > 0);
    if (threads) {
        CHECK(pipe(pipe_fds) == 0);
        CHECK(pthread_create(&t, NULL, reader, NULL) == 0);
    }
    int fd = open("/dev/zero", O_RDONLY);
    CHECK(fd >= 0);
    for (; made < n; made++) {
        unsigned char c = 0xff;
        if (read(fd, &c, 1) != 1 || c != 0)
            wrong++;
    }
    CHECK(wrong == 0);
    /* Errors come back through the same (by now rewritten) site: glibc's error branch. */
    CHECK_ERR(read(fd, bad, 1), EFAULT);
    CHECK(close(fd) == 0);
    CHECK_ERR(read(fd, bad, 1), EBADF);
    if (threads) {
        void *got = NULL;
        CHECK(write(pipe_fds[1], "x", 1) == 1);
        CHECK(pthread_join(t, &got) == 0);
        CHECK((long)got == 1);
    }
    printf("read_loop: made %ld reads\n", made);
    return check_summary("read_loop");
}
