/*
 * Conformance: /proc and /sys as programs parse them -- /proc/self/maps (every line in
 * Linux's format, a [stack] line holding this function's frame), /proc/self/exe (names
 * this program: its base name equals argv[0]'s), /proc/self/stat and status (this pid),
 * /proc/cpuinfo ("processor" lines), /proc/meminfo (MemTotal first, in kB),
 * /sys/devices/system/cpu/online ("0" or "0-N"), /proc/self/fd.
 *
 * Only facts that hold both natively and inside are checked, and nothing that varies
 * (addresses, sizes, pids) is printed.
 */
#define _GNU_SOURCE
#include "check.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

static char text[1 << 16];

/* Reads a whole file into `text`; returns its length or -1. */
static ssize_t slurp(const char *path)
{
    int fd = open(path, O_RDONLY);
    ssize_t total = 0, n;

    if (fd < 0)
        return -1;
    while ((n = read(fd, text + total, sizeof(text) - 1 - (size_t)total)) > 0)
        total += n;
    close(fd);
    if (n < 0)
        return -1;
    text[total] = '\0';
    return total;
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static void test_maps(void)
{
    int local = 0;
    uintptr_t here = (uintptr_t)&local;
    int lines = 0, bad = 0, stack_lines = 0, in_stack = 0;
    char *line, *save;

    section_begin("/proc/self/maps");
    CHECK(slurp("/proc/self/maps") > 0);
    for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        unsigned long start, end, off, inode;
        unsigned maj, min;
        char perms[5];
        int name_at = 0;

        lines++;
        if (sscanf(line, "%lx-%lx %4s %lx %x:%x %lu %n", &start, &end, perms, &off, &maj, &min,
                   &inode, &name_at) != 7 ||
            start >= end || strlen(perms) != 4 || !strchr("r-", perms[0]) ||
            !strchr("w-", perms[1]) || !strchr("x-", perms[2]) || !strchr("ps", perms[3])) {
            bad++;
            printf("bad maps line %d\n", lines);
            continue;
        }
        if (name_at && strcmp(line + name_at, "[stack]") == 0) {
            stack_lines++;
            if (here >= start && here < end)
                in_stack = 1;
        }
    }
    CHECK(lines >= 3);
    CHECK(bad == 0);
    CHECK(stack_lines == 1);
    CHECK(in_stack);
    section_end();
}

static void test_exe(const char *argv0)
{
    char link[4096];
    ssize_t n;
    struct stat a, b;

    section_begin("/proc/self/exe");
    n = readlink("/proc/self/exe", link, sizeof(link) - 1);
    CHECK(n > 0);
    if (n > 0) {
        link[n] = '\0';
        CHECK(link[0] == '/');
        CHECK(strcmp(base_name(link), base_name(argv0)) == 0);
        /* The link names this very file. */
        CHECK(stat(link, &a) == 0 && stat("/proc/self/exe", &b) == 0 && a.st_size == b.st_size);
    }
    CHECK(readlink("/proc/self/exe", link, 1) == 1 && link[0] == '/');
    section_end();
}

static void test_stat_status(void)
{
    char want[64];
    int pid = getpid();

    section_begin("/proc/self/stat and status");
    CHECK(slurp("/proc/self/stat") > 0);
    snprintf(want, sizeof(want), "%d (", pid);
    CHECK(strncmp(text, want, strlen(want)) == 0);
    {
        /* 52 fields: count the spaces after the comm's closing parenthesis */
        char *p = strrchr(text, ')');
        int fields = 2;
        for (; p && *p; p++)
            fields += *p == ' ';
        CHECK(fields >= 52);
        CHECK(p && strrchr(text, ')')[1] == ' ' && strchr("RSD", strrchr(text, ')')[2]));
    }
    CHECK(slurp("/proc/self/status") > 0);
    CHECK(strncmp(text, "Name:\t", 6) == 0);
    snprintf(want, sizeof(want), "\nPid:\t%d\n", pid);
    CHECK(strstr(text, want) != NULL);
    snprintf(want, sizeof(want), "\nPPid:\t%d\n", getppid());
    CHECK(strstr(text, want) != NULL);
    CHECK(strstr(text, "\nVmSize:") != NULL);
    section_end();
}

static void test_fd_dir(void)
{
    DIR *d;
    struct dirent *e;
    int saw0 = 0, saw_mine = 0, fd;
    char name[32], link[4096];
    ssize_t n;

    section_begin("/proc/self/fd");
    fd = open("/proc/self/maps", O_RDONLY);
    CHECK(fd >= 0);
    snprintf(name, sizeof(name), "%d", fd);
    d = opendir("/proc/self/fd");
    CHECK(d != NULL);
    while (d && (e = readdir(d))) {
        saw0 |= strcmp(e->d_name, "0") == 0;
        saw_mine |= strcmp(e->d_name, name) == 0;
    }
    if (d)
        closedir(d);
    CHECK(saw0 && saw_mine);
    snprintf(name, sizeof(name), "/proc/self/fd/%d", fd);
    n = readlink(name, link, sizeof(link) - 1);
    CHECK(n > 0);
    if (n > 0) {
        link[n] = '\0';
        /* natively "/proc/<pid>/maps" */
        CHECK(strncmp(link, "/proc/", 6) == 0 && strcmp(base_name(link), "maps") == 0);
    }
    close(fd);
    CHECK_ERR(readlink("/proc/self/fd/999", link, sizeof(link)), ENOENT);
    section_end();
}

static void test_system_files(void)
{
    unsigned long kb = 0;
    char unit[8] = "";
    char *p;
    int a = -1, b = -1, k = 0;

    section_begin("/proc/cpuinfo");
    CHECK(slurp("/proc/cpuinfo") > 0);
    CHECK(strncmp(text, "processor\t: 0\n", 14) == 0);
    CHECK(strstr(text, "\nflags\t\t: ") != NULL);
    CHECK(strstr(text, "\nmodel name\t: ") != NULL);
    section_end();

    section_begin("/proc/meminfo");
    CHECK(slurp("/proc/meminfo") > 0);
    CHECK(sscanf(text, "MemTotal: %lu %7s", &kb, unit) == 2);
    CHECK(kb > 0 && strcmp(unit, "kB") == 0);
    CHECK(strstr(text, "\nMemFree: ") != NULL);
    CHECK(strstr(text, "\nMemAvailable: ") != NULL);
    section_end();

    section_begin("/sys/devices/system/cpu/online");
    CHECK(slurp("/sys/devices/system/cpu/online") > 0);
    /* "0\n", or "0-N\n" with N > 0 */
    if (strcmp(text, "0\n") != 0) {
        CHECK(sscanf(text, "%d-%d%n", &a, &b, &k) == 2);
        CHECK(a == 0 && b > 0 && text[k] == '\n' && text[k + 1] == '\0');
    }
    section_end();

    section_begin("/proc/self is this process");
    {
        char link[32], want[32];
        ssize_t n = readlink("/proc/self", link, sizeof(link) - 1);
        snprintf(want, sizeof(want), "%d", getpid());
        CHECK(n > 0 && (size_t)n == strlen(want) && memcmp(link, want, (size_t)n) == 0);
    }
    p = NULL;
    (void)p;
    section_end();
}

/* cmdline is argv, NUL separated; environ holds the environment the program started with. */
static void test_cmdline_environ(int argc, char **argv)
{
    section_begin("/proc/self/cmdline and environ");
    char want[4096];
    size_t len = 0;
    for (int i = 0; i < argc && len < sizeof(want) - 256; i++) {
        size_t n = strlen(argv[i]) + 1;
        memcpy(want + len, argv[i], n);
        len += n;
    }
    ssize_t got = slurp("/proc/self/cmdline");
    CHECK(got == (ssize_t)len && memcmp(text, want, len) == 0);
    got = slurp("/proc/self/environ");
    int found = 0;
    for (ssize_t i = 0; i < got; i += (ssize_t)strlen(text + i) + 1)
        if (!strcmp(text + i, "CONFORMANCE_ENV=hello"))
            found = 1;
    CHECK(got > 0 && text[got - 1] == '\0' && found);
    section_end();
}

int main(int argc, char **argv)
{
    test_cmdline_environ(argc, argv);
    test_maps();
    test_exe(argv[0]);
    test_stat_status();
    test_fd_dir();
    test_system_files();
    return check_summary("proc_self");
}
