/*
 * The OCALL table: every service the LibOS asks of the untrusted host, and how its arguments
 * and results are laid out in the thread's host buffer (tcs->host_buf).
 *
 * Protocol: the LibOS writes a struct ocall_<name> at the start of the host buffer, with any
 * input data right after it, and calls ocall(OCALL_<NAME>, host_buf). The host handler reads
 * the struct, does the work, writes `ret` (a result >= 0 or -errno) and any output data at
 * the same place. The LibOS then copies everything back into enclave memory and checks it
 * before use: a returned length is never more than was asked, an errno must be one the call
 * can return, an fd must be one the LibOS knows. The host never sees an enclave pointer.
 *
 * The list is an X-macro so that the host's dispatch table and the id enum come from one
 * place: OCALL(NAME, struct).
 */
#ifndef OCCLUM_OCALL_H
#define OCCLUM_OCALL_H

#include "occlum/ocall_sched.h"
#include <stdint.h>

#define OCALL_LIST(X)                                                                          \
    X(WRITE, ocall_rw)                                                                         \
    X(READ, ocall_rw)                                                                          \
    X(PREAD, ocall_rw)                                                                         \
    X(MEM_COMMIT, ocall_mem)                                                                   \
    X(MEM_DISCARD, ocall_mem)                                                                  \
    X(CLOCK_GETTIME, ocall_clock)                                                              \
    X(NANOSLEEP, ocall_clock)                                                                  \
    X(IOCTL, ocall_ioctl)                                                                      \
    X(FSTAT, ocall_fstat)                                                                      \
    OCALL_SCHED_LIST(X)                                                                        \
    X(SCHED_YIELD, ocall_none)

enum ocall_id {
#define OCALL_ENUM(name, st) OCALL_##name,
    OCALL_LIST(OCALL_ENUM)
#undef OCALL_ENUM
    OCALL_COUNT
};

/* Largest data payload that follows a struct in the host buffer. */
#define OCALL_DATA_MAX (256 * 1024)
/* Size of each thread's host buffer: a struct header page plus the payload. */
#define OCALL_BUF_SIZE (OCALL_DATA_MAX + 4096)
#define OCALL_HDR_SIZE 64

struct ocall_none {
    int64_t ret;
};

/* WRITE, READ, PREAD: data follows the header at OCALL_HDR_SIZE. */
struct ocall_rw {
    int64_t ret;    /* bytes done, or -errno */
    int32_t fd;     /* host fd */
    int32_t pad;
    uint64_t len;   /* <= OCALL_DATA_MAX */
    int64_t offset; /* PREAD only */
};

/* MEM_COMMIT: make [addr, addr+len) accessible with `prot` (PROT_* bits).
 * MEM_DISCARD: drop the contents of [addr, addr+len) and make it inaccessible.
 * Both only ever name pages of the enclave's user range; the host refuses anything else. */
struct ocall_mem {
    int64_t ret;
    uint64_t addr;
    uint64_t len;
    int32_t prot;
    int32_t pad;
};

/* CLOCK_GETTIME: clock id in, time out. NANOSLEEP: duration in (relative, on `clock`). */
struct ocall_clock {
    int64_t ret;
    int32_t clock;
    int32_t pad;
    int64_t sec;
    int64_t nsec;
};

/* IOCTL on a host fd, for the few terminal requests the LibOS passes on (TCGETS,
 * TIOCGWINSZ). `len` bytes of output follow the header. */
struct ocall_ioctl {
    int64_t ret;
    int32_t fd;
    int32_t pad;
    uint64_t request;
    uint64_t len;
};

/* FSTAT of a host fd: what kind of file it is (the LibOS keeps only the type bits). */
struct ocall_fstat {
    int64_t ret;
    int32_t fd;
    uint32_t mode;
    uint64_t rdev;
    int64_t size;
};

#endif /* OCCLUM_OCALL_H */
