/*
 * Conformance: MAP_SHARED file mappings. Writes through a shared mapping of a file open
 * read-write reach the file on msync and on munmap (also of a part), never past its end;
 * a writable shared mapping of a read-only fd is EACCES; msync's bad arguments.
 * (Coherence between a mapping and read() before msync is not checked: Linux has it, the
 * LibOS writes back at msync and munmap; see src/libos/mm/vma_shared.c.)
 */
#define _GNU_SOURCE
#include "check.h"
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#define PG 4096

int main(void)
{
    char path[64];
    snprintf(path, sizeof(path), "/tmp/conformance-mmap-%d", (int)getpid());
    int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0600);
    CHECK(fd >= 0);
    static char buf[3 * PG];
    memset(buf, 'x', sizeof(buf));
    CHECK(write(fd, buf, 2 * PG + 100) == 2 * PG + 100);

    section_begin("writes through a shared mapping");
    char *m = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(m != MAP_FAILED);
    CHECK(m[0] == 'x' && m[2 * PG + 99] == 'x' && m[2 * PG + 100] == 0);
    memset(m, 'a', PG);
    CHECK_OK(msync(m, PG, MS_SYNC));
    CHECK(pread(fd, buf, 4, 0) == 4 && !memcmp(buf, "aaaa", 4));
    memset(m + PG, 'b', 2 * PG); /* past the end of the file: never written */
    CHECK_OK(munmap(m + PG, 2 * PG));
    CHECK(pread(fd, buf, 4, PG) == 4 && !memcmp(buf, "bbbb", 4));
    CHECK(lseek(fd, 0, SEEK_END) == 2 * PG + 100);
    CHECK(pread(fd, buf, 100, 2 * PG) == 100 && buf[0] == 'b' && buf[99] == 'b');
    m[1] = 'z';
    CHECK_OK(munmap(m, PG));
    CHECK(pread(fd, buf, 2, 0) == 2 && !memcmp(buf, "az", 2));
    section_end();

    section_begin("permissions and bad arguments");
    int ro = open(path, O_RDONLY);
    CHECK(ro >= 0);
    CHECK(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0) == MAP_FAILED &&
          errno == EACCES);
    char *r = mmap(NULL, PG, PROT_READ, MAP_SHARED, ro, 0);
    CHECK(r != MAP_FAILED && r[0] == 'a');
    CHECK_ERR(msync(r + 1, PG, MS_SYNC), EINVAL);
    CHECK_ERR(msync(r, PG, MS_SYNC | MS_ASYNC), EINVAL);
    CHECK_OK(munmap(r, PG));
    CHECK_ERR(msync(r, PG, MS_SYNC), ENOMEM);
    close(ro);
    section_end();

    close(fd);
    unlink(path);
    return check_summary("mmap_shared");
}
