/*
 * mmap_race: file mappings made and dropped by several threads while child processes of the
 * same program start and exit, all at once. Inside the enclave this races the kept-pages
 * cache (pages of exited processes being kept, found, taken over, adopted, given their
 * protection lazily, evicted) against itself; every mapping must still read exactly the
 * file's bytes, and nothing may crash or hang. Natively it checks the same bytes.
 *
 *   mmap_race            4 threads x 150 mappings, and 40 children, concurrently
 *   mmap_race child      a child: maps its own file once, checks it, exits 0
 */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static char path[4096];
static unsigned char *file_bytes;
static size_t file_size;
static int failures; /* atomic: counted by the threads, checked by main */

static int read_whole(const char *p)
{
    int fd = open(p, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0)
        return -1;
    file_size = (size_t)st.st_size;
    file_bytes = malloc(file_size);
    size_t done = 0;
    while (file_bytes && done < file_size) {
        ssize_t n = read(fd, file_bytes + done, file_size - done);
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    close(fd);
    return file_bytes && done == file_size ? 0 : -1;
}

/* Maps the file (prot, private), compares every byte (or, with `sample`, one byte a page),
 * unmaps. 0 if all matched. */
static int map_and_check(int prot, int sample)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    unsigned char *m = mmap(NULL, file_size, prot, MAP_PRIVATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED)
        return -1;
    int bad = 0;
    if (sample) {
        for (size_t at = 0; at < file_size; at += 4096)
            bad |= m[at] != file_bytes[at];
    } else {
        bad = memcmp(m, file_bytes, file_size) != 0;
    }
    munmap(m, file_size);
    return bad ? -1 : 0;
}

static void *mapper(void *arg)
{
    long id = (long)arg;
    for (int i = 0; i < 150; i++) {
        int prot = (i + id) % 3 == 0 ? PROT_READ | PROT_WRITE : PROT_READ;
        if (map_and_check(prot, i % 2) < 0)
            __atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    spawnable_self(argv[0], path, sizeof(path));
    if (argc == 2 && !strcmp(argv[1], "child")) {
        /* The child is the glibc-pie build; path names itself. */
        if (read_whole(path) < 0)
            return 2;
        return map_and_check(PROT_READ, 0) < 0 ? 1 : 0;
    }
    section_begin("mappings in 4 threads while 40 children start and exit");
    CHECK(read_whole(path) == 0);
    pthread_t th[4];
    for (long i = 0; i < 4; i++)
        CHECK(pthread_create(&th[i], NULL, mapper, (void *)i) == 0);
    int child_failures = 0;
    for (int i = 0; i < 40; i++) {
        char *args[] = {path, "child", NULL};
        pid_t pid;
        int st;
        if (posix_spawn(&pid, path, NULL, NULL, args, environ) != 0 ||
            waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
            child_failures++;
    }
    for (int i = 0; i < 4; i++)
        CHECK(pthread_join(th[i], NULL) == 0);
    CHECK(child_failures == 0);
    CHECK(__atomic_load_n(&failures, __ATOMIC_RELAXED) == 0);
    section_end();
    return check_summary("mmap_race");
}
