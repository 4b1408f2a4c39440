/*
 * The host's OCALL handlers: one per entry of OCALL_LIST (include/occlum/ocall.h), reached
 * through one table so that tests can swap an entry for a host that lies. Each handler trusts
 * nothing about the enclave either: it checks that memory requests name pages of the user
 * range and that sizes fit the thread's buffer.
 */
#include "enclave.h"
#include "occlum/ocall.h"
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The user range, for checking MEM_* requests; set by main before the first ECALL. */
uint64_t host_user_base, host_user_size;

#define DATA(buf) ((char *)(buf) + OCALL_HDR_SIZE)

static int64_t neg_errno(void)
{
    return -(int64_t)errno;
}

static void do_write(void *buf)
{
    struct ocall_rw *a = buf;
    if (a->len > OCALL_DATA_MAX) {
        a->ret = -EINVAL;
        return;
    }
    ssize_t n = write(a->fd, DATA(buf), a->len);
    a->ret = n < 0 ? neg_errno() : n;
}

static void do_read(void *buf)
{
    struct ocall_rw *a = buf;
    if (a->len > OCALL_DATA_MAX) {
        a->ret = -EINVAL;
        return;
    }
    ssize_t n = read(a->fd, DATA(buf), a->len);
    a->ret = n < 0 ? neg_errno() : n;
}

static void do_pread(void *buf)
{
    struct ocall_rw *a = buf;
    if (a->len > OCALL_DATA_MAX) {
        a->ret = -EINVAL;
        return;
    }
    ssize_t n = pread(a->fd, DATA(buf), a->len, a->offset);
    a->ret = n < 0 ? neg_errno() : n;
}

static int user_pages_ok(uint64_t addr, uint64_t len)
{
    return addr % PAGE_SIZE == 0 && len % PAGE_SIZE == 0 && len && addr >= host_user_base &&
           addr + len > addr && addr + len <= host_user_base + host_user_size;
}

static void do_mem_commit(void *buf)
{
    struct ocall_mem *a = buf;
    if (!user_pages_ok(a->addr, a->len) || (a->prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC))) {
        a->ret = -EINVAL;
        return;
    }
    a->ret = mprotect((void *)a->addr, a->len, a->prot) < 0 ? neg_errno() : 0;
}

static void do_mem_discard(void *buf)
{
    struct ocall_mem *a = buf;
    if (!user_pages_ok(a->addr, a->len)) {
        a->ret = -EINVAL;
        return;
    }
    void *p = mmap((void *)a->addr, a->len, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
    a->ret = p == MAP_FAILED ? neg_errno() : 0;
}

static void do_clock_gettime(void *buf)
{
    struct ocall_clock *a = buf;
    struct timespec ts;
    a->ret = clock_gettime(a->clock, &ts) < 0 ? neg_errno() : 0;
    a->sec = ts.tv_sec;
    a->nsec = ts.tv_nsec;
}

static void do_nanosleep(void *buf)
{
    struct ocall_clock *a = buf;
    struct timespec ts = {a->sec, a->nsec}, rem = {0, 0};
    int rc = clock_nanosleep(a->clock, 0, &ts, &rem);
    a->ret = -rc;
    a->sec = rem.tv_sec;
    a->nsec = rem.tv_nsec;
}

static void do_ioctl(void *buf)
{
    struct ocall_ioctl *a = buf;
    size_t want = a->request == TCGETS ? 36 : a->request == TIOCGWINSZ ? 8 : 0;
    if (!want || a->len != want) {
        a->ret = -EINVAL;
        return;
    }
    char out[64] = {0};
    a->ret = ioctl(a->fd, a->request, out) < 0 ? neg_errno() : 0;
    memcpy(DATA(buf), out, want);
}

static void do_fstat(void *buf)
{
    struct ocall_fstat *a = buf;
    struct stat st;
    a->ret = fstat(a->fd, &st) < 0 ? neg_errno() : 0;
    if (a->ret == 0) {
        a->mode = st.st_mode;
        a->rdev = st.st_rdev;
        a->size = st.st_size;
    }
}

static void do_sched_yield(void *buf)
{
    struct ocall_none *a = buf;
    sched_yield();
    a->ret = 0;
}

void (*host_ocall_table[OCALL_COUNT])(void *buf) = {
    [OCALL_WRITE] = do_write,
    [OCALL_READ] = do_read,
    [OCALL_PREAD] = do_pread,
    [OCALL_MEM_COMMIT] = do_mem_commit,
    [OCALL_MEM_DISCARD] = do_mem_discard,
    [OCALL_CLOCK_GETTIME] = do_clock_gettime,
    [OCALL_NANOSLEEP] = do_nanosleep,
    [OCALL_IOCTL] = do_ioctl,
    [OCALL_FSTAT] = do_fstat,
    [OCALL_THREAD_SPAWN] = host_thread_spawn, /* OCALL_SCHED_LIST: sched.c */
    [OCALL_THREAD_KICK] = host_thread_kick,
    [OCALL_EVENT_WAIT] = host_event_wait,
    [OCALL_EVENT_SET] = host_event_set,
    [OCALL_SCHED_YIELD] = do_sched_yield,
};

void host_ocall_dispatch(long id, void *buf)
{
    if (id < 0 || id >= OCALL_COUNT || !host_ocall_table[id]) {
        *(int64_t *)buf = -ENOSYS;
        return;
    }
    host_ocall_table[id](buf);
}
