/*
 * Conformance: pipes. Data through a pipe in order, end of file when the last writer closes,
 * EPIPE (with SIGPIPE ignored) when the last reader is gone, O_NONBLOCK's EAGAIN, FIONREAD,
 * PIPE_BUF atomicity under two concurrent writers, a blocking writer released by a reader,
 * fstat of a pipe, bad arguments, and a pipeline between spawned children (the program
 * spawns itself: `pipe child upper` copies stdin to stdout in upper case).
 */
#define _GNU_SOURCE
#include "check.h"
#include <ctype.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int child_upper(void)
{
    char buf[512];
    ssize_t n;
    while ((n = read(0, buf, sizeof(buf))) > 0) {
        for (ssize_t i = 0; i < n; i++)
            buf[i] = (char)toupper((unsigned char)buf[i]);
        if (write(1, buf, (size_t)n) != n)
            return 2;
    }
    return n == 0 ? 0 : 1;
}

#define BIG (1 << 20)
static int big_fd;
static long big_written;

static void *big_writer(void *unused)
{
    (void)unused;
    static char chunk[65536 + 123];
    memset(chunk, 'x', sizeof(chunk));
    long total = 0;
    while (total < BIG) {
        size_t n = sizeof(chunk) < (size_t)(BIG - total) ? sizeof(chunk) : (size_t)(BIG - total);
        ssize_t w = write(big_fd, chunk, n);
        if (w <= 0)
            break;
        total += w;
    }
    big_written = total;
    close(big_fd);
    return NULL;
}

struct atomic_writer {
    int fd;
    char c;
};

static void *atomic_writer(void *arg)
{
    struct atomic_writer *a = arg;
    char rec[4096];
    memset(rec, a->c, sizeof(rec));
    for (int i = 0; i < 64; i++)
        if (write(a->fd, rec, sizeof(rec)) != (ssize_t)sizeof(rec))
            break;
    return NULL;
}

static char fifo_path[64];

static void *late_fifo_writer(void *unused)
{
    (void)unused;
    struct timespec ts = {0, 30 * 1000 * 1000};
    nanosleep(&ts, NULL);
    int fd = open(fifo_path, O_WRONLY);
    if (fd >= 0) {
        if (write(fd, "fifo", 4) != 4)
            fd = -1;
        close(fd);
    }
    return NULL;
}

static char child_path[4096];

int main(int argc, char **argv)
{
    if (argc > 2 && !strcmp(argv[1], "child"))
        return child_upper();
    spawnable_self(argv[0], child_path, sizeof(child_path));
    signal(SIGPIPE, SIG_IGN);
    int p[2];
    char buf[256];

    section_begin("data, end of file, EPIPE");
    CHECK_OK(pipe(p));
    CHECK(write(p[1], "hello", 5) == 5);
    CHECK(write(p[1], " world", 6) == 6);
    int avail = -1;
    CHECK(ioctl(p[0], FIONREAD, &avail) == 0 && avail == 11);
    CHECK(read(p[0], buf, 3) == 3 && !memcmp(buf, "hel", 3));
    CHECK(read(p[0], buf, sizeof(buf)) == 8 && !memcmp(buf, "lo world", 8));
    CHECK_OK(close(p[1]));
    CHECK(read(p[0], buf, sizeof(buf)) == 0);
    CHECK_OK(close(p[0]));
    CHECK_OK(pipe(p));
    CHECK_OK(close(p[0]));
    CHECK_ERR(write(p[1], "x", 1), EPIPE);
    CHECK_OK(close(p[1]));
    section_end();

    section_begin("flags and stat");
    CHECK_OK(pipe2(p, O_NONBLOCK | O_CLOEXEC));
    CHECK_ERR(read(p[0], buf, 1), EAGAIN);
    CHECK((fcntl(p[0], F_GETFL) & O_NONBLOCK) != 0);
    CHECK((fcntl(p[1], F_GETFD) & FD_CLOEXEC) != 0);
    CHECK((fcntl(p[0], F_GETFL) & O_ACCMODE) == O_RDONLY);
    CHECK((fcntl(p[1], F_GETFL) & O_ACCMODE) == O_WRONLY);
    struct stat st;
    CHECK(fstat(p[0], &st) == 0 && S_ISFIFO(st.st_mode));
    long total = 0;
    ssize_t w;
    static char fill[4096];
    while ((w = write(p[1], fill, sizeof(fill))) > 0)
        total += w;
    CHECK(w == -1 && errno == EAGAIN);
    CHECK(total >= 4096);
    CHECK_ERR(write(p[0], "x", 1), EBADF);
    CHECK_ERR(read(p[1], buf, 1), EBADF);
    close(p[0]);
    close(p[1]);
    CHECK_ERR(pipe2(p, 0x4000000), EINVAL);
    CHECK_ERR(syscall(SYS_pipe, (int *)8), EFAULT);
    section_end();

    section_begin("blocking writer and reader threads");
    CHECK_OK(pipe(p));
    big_fd = p[1];
    pthread_t t;
    CHECK(pthread_create(&t, NULL, big_writer, NULL) == 0);
    long got = 0;
    ssize_t n;
    static char rbuf[10000];
    while ((n = read(p[0], rbuf, sizeof(rbuf))) > 0)
        got += n;
    CHECK(n == 0);
    CHECK(pthread_join(t, NULL) == 0);
    CHECK(got == BIG && big_written == BIG);
    close(p[0]);
    section_end();

    section_begin("PIPE_BUF writes are atomic");
    CHECK_OK(pipe(p));
    struct atomic_writer wa = {p[1], 'a'}, wb = {p[1], 'b'};
    pthread_t ta, tb;
    CHECK(pthread_create(&ta, NULL, atomic_writer, &wa) == 0);
    CHECK(pthread_create(&tb, NULL, atomic_writer, &wb) == 0);
    int records = 0, torn = 0;
    static char rec[4096];
    for (int i = 0; i < 128; i++) {
        size_t have = 0;
        while (have < sizeof(rec)) {
            n = read(p[0], rec + have, sizeof(rec) - have);
            if (n <= 0)
                break;
            have += (size_t)n;
        }
        if (have != sizeof(rec))
            break;
        for (size_t j = 1; j < sizeof(rec); j++)
            if (rec[j] != rec[0])
                torn++;
        records++;
    }
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    CHECK(records == 128);
    CHECK(torn == 0);
    close(p[0]);
    close(p[1]);
    section_end();

    section_begin("packet mode (O_DIRECT)");
    CHECK_OK(pipe2(p, O_DIRECT));
    CHECK(write(p[1], "one", 3) == 3 && write(p[1], "second", 6) == 6);
    CHECK(read(p[0], buf, sizeof(buf)) == 3 && !memcmp(buf, "one", 3));
    CHECK(read(p[0], buf, 3) == 3 && !memcmp(buf, "sec", 3)); /* the rest is dropped */
    CHECK(write(p[1], "third", 5) == 5);
    CHECK(read(p[0], buf, sizeof(buf)) == 5 && !memcmp(buf, "third", 5));
    close(p[0]);
    close(p[1]);
    section_end();

    section_begin("pipe size");
    CHECK_OK(pipe(p));
    CHECK(fcntl(p[0], F_GETPIPE_SZ) == 65536);
    CHECK(fcntl(p[1], F_SETPIPE_SZ, 100000) == 131072);
    CHECK(fcntl(p[0], F_GETPIPE_SZ) == 131072);
    CHECK(write(p[1], "sz", 2) == 2 && read(p[0], buf, 2) == 2 && !memcmp(buf, "sz", 2));
    int fdz = open("/dev/null", O_RDONLY);
    CHECK_ERR(fcntl(fdz, F_GETPIPE_SZ), EBADF);
    close(fdz);
    close(p[0]);
    close(p[1]);
    section_end();

    section_begin("FIFOs");
    snprintf(fifo_path, sizeof(fifo_path), "/tmp/conformance-fifo-%d", (int)getpid());
    unlink(fifo_path);
    CHECK_OK(mkfifo(fifo_path, 0600));
    CHECK(stat(fifo_path, &st) == 0 && S_ISFIFO(st.st_mode));
    CHECK_ERR(open(fifo_path, O_WRONLY | O_NONBLOCK), ENXIO); /* no reader yet */
    int rfd = open(fifo_path, O_RDONLY | O_NONBLOCK);           /* a reader never waits */
    CHECK(rfd >= 0);
    int wfd2 = open(fifo_path, O_WRONLY | O_NONBLOCK);
    CHECK(wfd2 >= 0);
    CHECK(write(wfd2, "named", 5) == 5);
    CHECK(read(rfd, buf, sizeof(buf)) == 5 && !memcmp(buf, "named", 5));
    close(wfd2);
    CHECK(read(rfd, buf, sizeof(buf)) == 0); /* the writer left: end of file */
    close(rfd);
    /* A blocking open for reading waits until a writer opens. */
    CHECK(pthread_create(&t, NULL, late_fifo_writer, NULL) == 0);
    rfd = open(fifo_path, O_RDONLY);
    CHECK(rfd >= 0);
    size_t fifo_got = 0;
    char fb[16] = {0};
    while ((n = read(rfd, fb + fifo_got, sizeof(fb) - 1 - fifo_got)) > 0)
        fifo_got += (size_t)n;
    CHECK(fifo_got == 4 && !strcmp(fb, "fifo"));
    pthread_join(t, NULL);
    close(rfd);
    int rw = open(fifo_path, O_RDWR); /* read-write never waits */
    CHECK(rw >= 0);
    close(rw);
    CHECK_OK(unlink(fifo_path));
    section_end();

    section_begin("pipeline between spawned children");
    int in[2], out[2];
    CHECK_OK(pipe(in));
    CHECK_OK(pipe(out));
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_addclose(&fa, in[1]);
    posix_spawn_file_actions_addclose(&fa, out[0]);
    char *args[] = {child_path, "child", "upper", NULL};
    pid_t pid;
    CHECK(posix_spawn(&pid, child_path, &fa, NULL, args, environ) == 0);
    posix_spawn_file_actions_destroy(&fa);
    close(in[0]);
    close(out[1]);
    CHECK(write(in[1], "through a pipe\n", 15) == 15);
    close(in[1]);
    char res[64] = {0};
    size_t have = 0;
    while ((n = read(out[0], res + have, sizeof(res) - 1 - have)) > 0)
        have += (size_t)n;
    close(out[0]);
    int status;
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(have == 15 && !strcmp(res, "THROUGH A PIPE\n"));
    section_end();

    return check_summary("pipe");
}
