/*
 * mmap_image: mapping a program file that has just run reads the file's bytes.
 *
 * Inside the enclave, the code and read-only pages of a program that exits are kept and
 * reused by a later mapping of the same file bytes at the same address, including pages in
 * which the syscall fast path rewrote syscall sites. A mapping that is not executable must
 * still read exactly the file: this test runs a child (the glibc-pie build of itself, which
 * makes system calls, so its sites are rewritten), waits for it, then maps that program's
 * file in several ways and compares every byte with read(): PROT_READ private, read-write
 * private, after mprotect(PROT_NONE) and back, after mremap moves it, and mapped again
 * after munmap. Natively the same checks hold trivially.
 *
 *   mmap_image            the test
 *   mmap_image child N    the child: N getppid() calls, then exit 0
 */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static char *file_bytes;
static size_t file_size;

static void read_file(const char *path)
{
    int fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    struct stat st;
    CHECK(fstat(fd, &st) == 0);
    file_size = (size_t)st.st_size;
    file_bytes = malloc(file_size);
    CHECK(file_bytes != NULL);
    size_t done = 0;
    while (done < file_size) {
        ssize_t n = read(fd, file_bytes + done, file_size - done);
        CHECK(n > 0);
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    close(fd);
}

static void run_child(const char *path)
{
    char *args[] = {(char *)path, "child", "1000", NULL};
    pid_t pid;
    int st;
    CHECK(posix_spawn(&pid, path, NULL, NULL, args, environ) == 0);
    CHECK(waitpid(pid, &st, 0) == pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* Maps the whole file with prot, or returns MAP_FAILED. */
static char *map_file(const char *path, int prot)
{
    int fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    char *p = mmap(NULL, file_size, prot, MAP_PRIVATE, fd, 0);
    close(fd);
    return p;
}

static void test_read_only(const char *path)
{
    section_begin("PROT_READ mapping of a program that just ran");
    run_child(path);
    char *p = map_file(path, PROT_READ);
    CHECK(p != MAP_FAILED);
    if (p != MAP_FAILED) {
        CHECK(memcmp(p, file_bytes, file_size) == 0);
        /* Taken away and given back: still the file. */
        CHECK(mprotect(p, file_size, PROT_NONE) == 0);
        CHECK(mprotect(p, file_size, PROT_READ) == 0);
        CHECK(memcmp(p, file_bytes, file_size) == 0);
        CHECK(munmap(p, file_size) == 0);
    }
    /* Mapped again over what the last mapping left. */
    p = map_file(path, PROT_READ);
    CHECK(p != MAP_FAILED);
    if (p != MAP_FAILED) {
        CHECK(memcmp(p, file_bytes, file_size) == 0);
        CHECK(munmap(p, file_size) == 0);
    }
    section_end();
}

static void test_through_syscall(const char *path)
{
    section_begin("a mapping read by the kernel (write to a pipe)");
    run_child(path);
    char *p = map_file(path, PROT_READ);
    CHECK(p != MAP_FAILED);
    if (p != MAP_FAILED) {
        /* The LibOS reads these pages itself, before the guest touches them. */
        size_t n = file_size < 65536 ? file_size : 65536;
        int fds[2];
        CHECK(pipe(fds) == 0);
        char *back = malloc(n);
        CHECK(back != NULL);
        size_t done = 0, got = 0;
        while (got < n) {
            if (done < n) {
                ssize_t w = write(fds[1], p + done, n - done < 4096 ? n - done : 4096);
                CHECK(w > 0);
                if (w <= 0)
                    break;
                done += (size_t)w;
            }
            ssize_t r = read(fds[0], back + got, n - got);
            CHECK(r > 0);
            if (r <= 0)
                break;
            got += (size_t)r;
        }
        CHECK(got == n && memcmp(back, file_bytes, n) == 0);
        free(back);
        close(fds[0]);
        close(fds[1]);
        CHECK(munmap(p, file_size) == 0);
    }
    section_end();
}

static void test_writable_and_moved(const char *path)
{
    section_begin("read-write private mapping, and mremap");
    run_child(path);
    char *p = map_file(path, PROT_READ | PROT_WRITE);
    CHECK(p != MAP_FAILED);
    if (p != MAP_FAILED) {
        CHECK(memcmp(p, file_bytes, file_size) == 0);
        p[0] ^= 0x55; /* private: the file and later mappings stay as they were */
        CHECK(munmap(p, file_size) == 0);
    }
    run_child(path);
    p = map_file(path, PROT_READ);
    CHECK(p != MAP_FAILED);
    if (p != MAP_FAILED) {
        size_t len = (file_size + 4095) & ~(size_t)4095;
        char *q = mremap(p, len, len + 4096, MREMAP_MAYMOVE);
        CHECK(q != MAP_FAILED);
        if (q != MAP_FAILED) {
            CHECK(memcmp(q, file_bytes, file_size) == 0);
            CHECK(munmap(q, len + 4096) == 0);
        }
    }
    section_end();
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "child")) {
        long n = strtol(argv[2], NULL, 10);
        for (long i = 0; i < n; i++)
            if (getppid() < 0)
                return 1;
        return 0;
    }
    char path[4096];
    spawnable_self(argv[0], path, sizeof(path));
    read_file(path);
    test_read_only(path);
    test_through_syscall(path);
    test_writable_and_moved(path);
    return check_summary("mmap_image");
}
