/*
 * Conformance: the standard streams -- write, writev, read, and the terminal ioctls.
 *
 * Usage: stdio [--stdin-empty]
 * The harness runs it with stdin from /dev/null (hence --stdin-empty: read(0) must answer 0)
 * and stdout captured, so the "fdN tty=" lines are the same natively and in the enclave. The
 * output, all of it deterministic, is compared byte for byte with the native run's.
 */
#define _GNU_SOURCE
#include "check.h"

#include <sys/ioctl.h>
#include <sys/uio.h>
#include <termios.h>
#include <unistd.h>

static void test_write(void)
{
    section_begin("write and writev");
    fflush(stdout);
    static const char line[] = "stdio: plain write\n";
    CHECK(write(1, line, sizeof(line) - 1) == (ssize_t)(sizeof(line) - 1));
    CHECK(write(1, line, 0) == 0);
    CHECK(write(2, "stdio: to stderr\n", 17) == 17);

    char a[] = "stdio: writev ", b[] = "in three ", c[] = "parts\n";
    struct iovec iov[4] = {{a, strlen(a)}, {NULL, 0}, {b, strlen(b)}, {c, strlen(c)}};
    CHECK(writev(1, iov, 4) == (ssize_t)(strlen(a) + strlen(b) + strlen(c)));
    CHECK(writev(1, iov, 0) == 0);
    CHECK(writev(2, iov + 3, 1) == (ssize_t)strlen(c));

    /* A large write is written whole (stdout is a file or a pipe in the harness). */
    static char big[70000];
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (i % 64 == 63) ? '\n' : (char)('a' + i % 26);
    big[sizeof(big) - 1] = '\n';
    CHECK(write(1, big, sizeof(big)) == (ssize_t)sizeof(big));

    /* printf and write interleave correctly when flushed. */
    printf("stdio: printf %d %s\n", 42, "ok");
    fflush(stdout);
    CHECK(write(1, "stdio: after printf\n", 20) == 20);
    section_end();
}

static void test_read(int stdin_empty)
{
    section_begin("read stdin");
    char buf[16];
    if (stdin_empty) {
        CHECK(read(0, buf, sizeof(buf)) == 0);
        struct iovec iov = {buf, sizeof(buf)};
        CHECK(readv(0, &iov, 1) == 0);
    }
    CHECK(read(0, buf, 0) == 0);
    CHECK_ERR(read(1234, buf, 1), EBADF);
    section_end();
}

static void test_tty(void)
{
    section_begin("terminal ioctls");
    for (int fd = 0; fd < 3; fd++) {
        struct termios tio;
        struct winsize ws;
        errno = 0;
        int tty = isatty(fd);
        int e = errno;
        int r = ioctl(fd, TCGETS, &tio);
        CHECK((r == 0) == (tty == 1));
        errno = 0;
        int w = ioctl(fd, TIOCGWINSZ, &ws);
        if (tty) {
            CHECK(w == 0);
        } else {
            CHECK(e == ENOTTY);
            CHECK(w == -1 && errno == ENOTTY);
        }
        printf("stdio: fd%d tty=%d\n", fd, tty);
    }
    struct termios tio;
    CHECK_ERR(ioctl(99, TCGETS, &tio), EBADF);
    CHECK_ERR(isatty(99) ? 0 : -1, EBADF);
    section_end();
}

int main(int argc, char **argv)
{
    int stdin_empty = argc > 1 && strcmp(argv[1], "--stdin-empty") == 0;
    test_write();
    test_read(stdin_empty);
    test_tty();
    return check_summary("stdio");
}
