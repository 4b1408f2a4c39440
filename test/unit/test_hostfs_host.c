/*
 * Host side of the hostfs unit test: the boundary (ocall() calls the real host handlers of
 * src/host/ocall.c directly, as the sim platform does after switching stacks), and the
 * helpers test_hostfs.c uses to prepare and inspect the host directory. Kept apart from
 * test_hostfs.c because glibc's headers and the LibOS's uapi headers clash.
 */
#include "enclave.h"
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void ocall(long id, void *buf);
const char *th_make_dir(void);
long th_read_file(const char *rel, char *buf, size_t len);
int th_mode(const char *rel);
long th_size(const char *rel);
int th_exists(const char *rel);
int th_count_fds(void);
void th_cleanup(void);

static char dir[64];

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

void th_cleanup(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
}
