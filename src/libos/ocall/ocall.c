/*
 * Typed OCALL wrappers. Each one marshals into the thread's host buffer, crosses the
 * boundary, and validates the host's answer (occlum/ocall.h): results are copied into enclave
 * memory before use, byte counts are bounded by what was asked, and an errno outside
 * 1..EMAX becomes -EIO.
 */
#include "ocall/ocall.h"
#include "occlum/abi.h"
#include "occlum/ocall.h"
#include "process/process.h"
#include "uapi/errno.h"
#include "util/compiler.h"
#include "util/log.h"
#include "util/string.h"

static inline void *host_buf(void)
{
    return current_tcs()->host_buf;
}

static inline void *host_data(void)
{
    return (char *)current_tcs()->host_buf + OCALL_HDR_SIZE;
}

/* A host result: >= 0 up to `max`, or -errno with errno in 1..EMAX. Anything else is a lie. */
static long check_ret(int64_t ret, uint64_t max, const char *what)
{
    if (ret >= 0 && (uint64_t)ret <= max)
        return ret;
    if (ret < 0 && ret >= -EMAX)
        return ret;
    log_error("host returned %lld for %s: treating as an I/O error", (long long)ret, what);
    return -EIO;
}

static ssize_t rw_chunk(long id, int fd, void *buf, size_t len, int64_t off)
{
    struct ocall_rw *a = host_buf();
    struct ocall_rw req = {.fd = fd, .len = len, .offset = off};
    if (id == OCALL_WRITE)
        memcpy(host_data(), buf, len);
    memcpy(a, &req, sizeof(req));
    ocall(id, a);
    long n = check_ret(__atomic_load_n(&a->ret, __ATOMIC_RELAXED), len, "read/write");
    if (n > 0 && id != OCALL_WRITE)
        memcpy(buf, host_data(), (size_t)n);
    return n;
}

ssize_t host_write(int host_fd, const void *buf, size_t len)
{
    return rw_chunk(OCALL_WRITE, host_fd, (void *)buf, MIN(len, OCALL_DATA_MAX), 0);
}

ssize_t host_read(int host_fd, void *buf, size_t len)
{
    return rw_chunk(OCALL_READ, host_fd, buf, MIN(len, OCALL_DATA_MAX), 0);
}

ssize_t host_pread(int host_fd, void *buf, size_t len, uint64_t offset)
{
    if (offset > (uint64_t)INT64_MAX)
        return -EINVAL;
    return rw_chunk(OCALL_PREAD, host_fd, buf, MIN(len, OCALL_DATA_MAX), (int64_t)offset);
}

static int mem_call(long id, uint64_t addr, uint64_t len, int prot)
{
    struct ocall_mem *a = host_buf();
    struct ocall_mem req = {.addr = addr, .len = len, .prot = prot};
    memcpy(a, &req, sizeof(req));
    ocall(id, a);
    long rc = check_ret(a->ret, 0, "memory");
    if (rc)
        log_error("host refused to %s %#llx+%#llx: %ld",
                  id == OCALL_MEM_COMMIT ? "commit" : "discard", (unsigned long long)addr,
                  (unsigned long long)len, rc);
    return (int)rc;
}

int host_mem_commit(uint64_t addr, uint64_t len, int prot)
{
    return mem_call(OCALL_MEM_COMMIT, addr, len, prot);
}

int host_mem_discard(uint64_t addr, uint64_t len)
{
    return mem_call(OCALL_MEM_DISCARD, addr, len, 0);
}

int host_clock_gettime(int clock, struct timespec *ts)
{
    struct ocall_clock *a = host_buf();
    struct ocall_clock req = {.clock = clock};
    memcpy(a, &req, sizeof(req));
    ocall(OCALL_CLOCK_GETTIME, a);
    struct ocall_clock ans;
    memcpy(&ans, a, sizeof(ans));
    long rc = check_ret(ans.ret, 0, "clock_gettime");
    if (rc)
        return (int)rc;
    if (ans.sec < 0 || ans.nsec < 0 || ans.nsec >= 1000000000) {
        log_error("host returned an invalid time for clock %d", clock);
        return -EIO;
    }
    ts->tv_sec = ans.sec;
    ts->tv_nsec = ans.nsec;
    return 0;
}

int host_nanosleep(int clock, const struct timespec *ts)
{
    struct ocall_clock *a = host_buf();
    struct ocall_clock req = {.clock = clock, .sec = ts->tv_sec, .nsec = ts->tv_nsec};
    memcpy(a, &req, sizeof(req));
    ocall(OCALL_NANOSLEEP, a);
    return (int)check_ret(a->ret, 0, "nanosleep");
}

int host_ioctl(int host_fd, unsigned long request, void *out, size_t len)
{
    struct ocall_ioctl *a = host_buf();
    struct ocall_ioctl req = {.fd = host_fd, .request = request, .len = len};
    if (len > 64)
        return -EINVAL;
    memcpy(a, &req, sizeof(req));
    ocall(OCALL_IOCTL, a);
    long rc = check_ret(a->ret, 0, "ioctl");
    if (rc == 0)
        memcpy(out, host_data(), len);
    return (int)rc;
}

int host_fstat(int host_fd, uint32_t *type, uint64_t *rdev)
{
    struct ocall_fstat *a = host_buf();
    struct ocall_fstat req = {.fd = host_fd};
    memcpy(a, &req, sizeof(req));
    ocall(OCALL_FSTAT, a);
    struct ocall_fstat ans;
    memcpy(&ans, a, sizeof(ans));
    long rc = check_ret(ans.ret, 0, "fstat");
    if (rc)
        return (int)rc;
    uint32_t t = ans.mode & S_IFMT;
    if (t != S_IFCHR && t != S_IFIFO && t != S_IFREG && t != S_IFSOCK && t != S_IFBLK &&
        t != S_IFDIR) {
        log_error("host returned an invalid file type %#x", t);
        return -EIO;
    }
    *type = t;
    *rdev = ans.rdev;
    return 0;
}

void host_sched_yield(void)
{
    ocall(OCALL_SCHED_YIELD, host_buf());
}
