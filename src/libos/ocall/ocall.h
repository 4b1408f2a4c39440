/*
 * Typed OCALLs: the only way the LibOS asks the host for anything. Each wrapper marshals its
 * arguments into the thread's host buffer, leaves the enclave, and checks the answer before
 * returning it (include/occlum/ocall.h describes the protocol). Results are >= 0 or -errno;
 * an answer outside the legal set for the call becomes -EIO and is logged.
 */
#ifndef LIBOS_OCALL_OCALL_H
#define LIBOS_OCALL_OCALL_H

#include "uapi/linux_types.h"
#include <stddef.h>
#include <stdint.h>

/* Raw boundary crossing (arch/boundary.S): calls the host's handler for `id`. */
void ocall(long id, void *host_buf);

/* Writes up to len bytes from enclave memory to a host fd; returns bytes written. */
ssize_t host_write(int host_fd, const void *buf, size_t len);
/* Reads up to len bytes from a host fd into enclave memory; never more than len. */
ssize_t host_read(int host_fd, void *buf, size_t len);
ssize_t host_pread(int host_fd, void *buf, size_t len, uint64_t offset);
/* Makes user-range pages accessible with PROT_* bits / drops their contents and makes them
 * inaccessible. addr and len must be page aligned and inside the user range. */
int host_mem_commit(uint64_t addr, uint64_t len, int prot);
int host_mem_discard(uint64_t addr, uint64_t len);
int host_clock_gettime(int clock, struct timespec *ts);
/* Sleeps for a relative duration on `clock`; -EINTR if the host was interrupted. */
int host_nanosleep(int clock, const struct timespec *ts);
/* TCGETS / TIOCGWINSZ on a host fd; `out` receives exactly `len` bytes on success. */
int host_ioctl(int host_fd, unsigned long request, void *out, size_t len);
/* The type bits (S_IFMT) and device number of a host fd; any other type the host claims is
 * -EIO. */
int host_fstat(int host_fd, uint32_t *type, uint64_t *rdev);
void host_sched_yield(void);

#endif
