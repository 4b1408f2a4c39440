/*
 * Access to guest memory. Every guest pointer goes through these: the range is checked,
 * overflow-safe, against the calling process's mappings (readable for reads, writable for
 * writes) before a byte is touched. A bad pointer is -EFAULT, never a LibOS fault.
 * Copy in, then validate the copy: never read the same guest bytes twice.
 */
#ifndef LIBOS_UTIL_UACCESS_H
#define LIBOS_UTIL_UACCESS_H

#include <stdbool.h>
#include <stddef.h>

/* 0 or -EFAULT. On -EFAULT nothing has been copied to guest memory. */
int copy_from_user(void *dst, const void *usrc, size_t n);
int copy_to_user(void *udst, const void *src, size_t n);
/* Zero-fills guest memory: 0 or -EFAULT. */
int clear_user(void *udst, size_t n);
/*
 * Copies a NUL-terminated guest string of at most max-1 characters into dst (max bytes).
 * Returns its length, -EFAULT, or -ENAMETOOLONG when no NUL is found in max-1 characters
 * (callers copying something other than a path may map that to their own error).
 */
long strncpy_from_user(char *dst, const char *usrc, size_t max);
/* True if the whole range is mapped in the current process with at least `prot`. */
bool user_range_ok(const void *uaddr, size_t n, int prot);

#endif
