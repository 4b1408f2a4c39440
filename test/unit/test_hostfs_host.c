/*
 * Host side of the hostfs unit test: the boundary (ocall() calls the real host handlers of
 * src/host/ocall.c directly, as the sim platform does after switching stacks), and the
 * helpers test_hostfs.c uses to prepare and inspect the host directory (and a file outside
 * it), to change it behind the enclave's back, and to make the SETATTR handler lie. Kept
 * apart from test_hostfs.c because glibc's headers and the LibOS's uapi headers clash.
 */
#include "enclave.h"
#include "occlum/ocall.h"
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void ocall(long id, void *buf);
#include "test_hostfs_host.h"

static char dir[64], outside[80], outside_dir[80];

/* The scheduling OCALLs' handlers live in src/host/sched.c, not linked here. */
/* The runtime allows only the config's hostfs sources; here every directory but one. */
int host_hostfs_source_allowed(const char *source)
{
    return strcmp(source, "/tmp") != 0;
}

void host_thread_spawn(void *buf) {}

void host_thread_kick(void *buf) {}

void host_event_wait(void *buf) {}

void host_event_set(void *buf) {}

void ocall(long id, void *buf)
{
    host_ocall_dispatch(id, buf);
}

static void put(const char *rel, const char *text)
{
    char p[256];
    snprintf(p, sizeof(p), "%s/%s", dir, rel);
    FILE *f = fopen(p, "w");
    if (!f || fputs(text, f) < 0 || fclose(f)) {
        perror(p);
        exit(2);
    }
}

/* A fresh directory: hello.txt ("hello\n"), sub/a ("a"), out -> /etc, rel -> hello.txt. */
const char *th_make_dir(void)
{
    char p[256];

    strcpy(dir, "/tmp/test_hostfs_XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        exit(2);
    }
    put("hello.txt", "hello\n");
    snprintf(p, sizeof(p), "%s/sub", dir);
    mkdir(p, 0755);
    put("sub/a", "a");
    snprintf(p, sizeof(p), "%s/out", dir);
    if (symlink("/etc", p))
        exit(2);
    snprintf(p, sizeof(p), "%s/rel", dir);
    if (symlink("hello.txt", p))
        exit(2);
    /* Beside the mount, never to be changed through it: a file and a directory. */
    snprintf(outside, sizeof(outside), "%s.outside", dir);
    snprintf(outside_dir, sizeof(outside_dir), "%s.outdir", dir);
    FILE *f = fopen(outside, "w");
    if (!f || fclose(f) || chmod(outside, 0644) || mkdir(outside_dir, 0755)) {
        perror(outside);
        exit(2);
    }
    struct timespec ts[2] = {{1000, 0}, {2000, 0}};
    if (utimensat(AT_FDCWD, outside, ts, 0)) {
        perror(outside);
        exit(2);
    }
    return dir;
}

long th_read_file(const char *rel, char *buf, size_t len)
{
    char p[256];
    snprintf(p, sizeof(p), "%s/%s", dir, rel);
    int fd = open(p, O_RDONLY);
    if (fd < 0)
        return -1;
    long n = read(fd, buf, len);
    close(fd);
    return n;
}

int th_mode(const char *rel)
{
    char p[256];
    struct stat st;
    snprintf(p, sizeof(p), "%s/%s", dir, rel);
    return lstat(p, &st) ? -1 : (int)st.st_mode;
}

long th_size(const char *rel)
{
    char p[256];
    struct stat st;
    snprintf(p, sizeof(p), "%s/%s", dir, rel);
    return lstat(p, &st) ? -1 : (long)st.st_size;
}

int th_exists(const char *rel)
{
    return th_mode(rel) != -1;
}

int th_count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    while (d && readdir(d))
        n++;
    if (d)
        closedir(d);
    return n;
}

static int times_of(const char *p, long long t[4])
{
    struct stat st;
    if (lstat(p, &st))
        return -1;
    t[0] = st.st_atim.tv_sec;
    t[1] = st.st_atim.tv_nsec;
    t[2] = st.st_mtim.tv_sec;
    t[3] = st.st_mtim.tv_nsec;
    return 0;
}

/* atime sec, nsec, mtime sec, nsec of rel itself (lstat). */
int th_times(const char *rel, long long t[4])
{
    char p[256];
    snprintf(p, sizeof(p), "%s/%s", dir, rel);
    return times_of(p, t);
}

int th_outside_times(long long t[4])
{
    return times_of(outside, t);
}

int th_outside_mode(void)
{
    struct stat st;
    return stat(outside, &st) ? -1 : (int)st.st_mode;
}

/* The host swaps rel (a file or an empty directory) for a symlink to the outside file or
 * directory, as a hostile host or another program could at any time. */
void th_replace_by_link(const char *rel, int to_dir)
{
    char p[256];
    snprintf(p, sizeof(p), "%s/%s", dir, rel);
    if (remove(p) || symlink(to_dir ? outside_dir : outside, p)) {
        perror(p);
        exit(2);
    }
}

long long th_now(void)
{
    return (long long)time(NULL);
}

extern void (*host_ocall_table[OCALL_COUNT])(void *buf);
static void (*real_setattr)(void *buf);
static long long setattr_lie;

static void lying_setattr(void *buf)
{
    *(int64_t *)buf = setattr_lie;
}

/* From now on SETATTR changes nothing and answers `ret`; th_setattr_lies(0) ends that. */
void th_setattr_lies(long long ret)
{
    if (!real_setattr)
        real_setattr = host_ocall_table[OCALL_HOSTFS_SETATTR];
    setattr_lie = ret;
    host_ocall_table[OCALL_HOSTFS_SETATTR] = ret ? lying_setattr : real_setattr;
}

void th_cleanup(void)
{
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s' '%s'", dir, outside, outside_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
}
