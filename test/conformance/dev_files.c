/*
 * Conformance: the devices of /dev -- null, zero, full, urandom, random, their types and
 * device numbers, and the /dev/stdin, /dev/fd symlinks (devfs inside, devtmpfs and udev's
 * links natively).
 */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

static unsigned dev_major(dev_t d)
{
    return (unsigned)(((d >> 32) & 0xfffff000) | ((d >> 8) & 0xfff));
}

static unsigned dev_minor(dev_t d)
{
    return (unsigned)(((d >> 12) & 0xffffff00) | (d & 0xff));
}

static void check_chr(const char *path, unsigned maj, unsigned min)
{
    struct stat st;

    CHECK_OK(stat(path, &st));
    CHECK(S_ISCHR(st.st_mode));
    CHECK((st.st_mode & 0777) == 0666);
    CHECK(dev_major(st.st_rdev) == maj && dev_minor(st.st_rdev) == min);
}

static bool all_zero(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

int main(void)
{
    unsigned char buf[4096], buf2[64];
    char link[256];
    ssize_t n;
    int fd;

    section_begin("types and device numbers");
    check_chr("/dev/null", 1, 3);
    check_chr("/dev/zero", 1, 5);
    check_chr("/dev/full", 1, 7);
    check_chr("/dev/random", 1, 8);
    check_chr("/dev/urandom", 1, 9);
    section_end();

    section_begin("/dev/null");
    fd = open("/dev/null", O_RDWR);
    CHECK(fd >= 0);
    CHECK(read(fd, buf, sizeof(buf)) == 0);
    CHECK(write(fd, "hello", 5) == 5);
    CHECK(write(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf));
    CHECK(lseek(fd, 100, SEEK_SET) == 0);
    CHECK(close(fd) == 0);
    section_end();

    section_begin("/dev/zero");
    fd = open("/dev/zero", O_RDONLY);
    CHECK(fd >= 0);
    memset(buf, 0xa5, sizeof(buf));
    CHECK(read(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf));
    CHECK(all_zero(buf, sizeof(buf)));
    memset(buf, 0xa5, sizeof(buf));
    CHECK(pread(fd, buf, 100, 1 << 20) == 100);
    CHECK(all_zero(buf, 100) && buf[100] == 0xa5);
    CHECK(close(fd) == 0);
    section_end();

    section_begin("/dev/full");
    fd = open("/dev/full", O_WRONLY);
    CHECK(fd >= 0);
    CHECK_ERR(write(fd, "x", 1), ENOSPC);
    CHECK(close(fd) == 0);
    fd = open("/dev/full", O_RDONLY);
    CHECK(read(fd, buf, 16) == 16 && all_zero(buf, 16));
    CHECK(close(fd) == 0);
    section_end();

    section_begin("/dev/urandom and /dev/random");
    fd = open("/dev/urandom", O_RDONLY);
    CHECK(fd >= 0);
    memset(buf, 0, sizeof(buf));
    n = read(fd, buf, 64);
    CHECK(n == 64);
    CHECK(read(fd, buf2, 64) == 64);
    /* Two 64-byte reads agree, or one is all zero, with probability 2^-512. */
    CHECK(memcmp(buf, buf2, 64) != 0);
    CHECK(!all_zero(buf, 64));
    CHECK(all_zero(buf + 64, 64)); /* nothing past the length asked */
    CHECK(close(fd) == 0);
    fd = open("/dev/random", O_RDONLY);
    CHECK(fd >= 0 && read(fd, buf, 16) == 16);
    CHECK(close(fd) == 0);
    section_end();

    section_begin("symlinks");
    n = readlink("/dev/stdin", link, sizeof(link) - 1);
    CHECK(n == 15 && memcmp(link, "/proc/self/fd/0", 15) == 0);
    n = readlink("/dev/stderr", link, sizeof(link) - 1);
    CHECK(n == 15 && memcmp(link, "/proc/self/fd/2", 15) == 0);
    n = readlink("/dev/fd", link, sizeof(link) - 1);
    CHECK(n == 13 && memcmp(link, "/proc/self/fd", 13) == 0);
    section_end();

    return check_summary("dev_files");
}
