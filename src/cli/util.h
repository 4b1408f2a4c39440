/*
 * Small host file helpers for the CLI: where the occlum binary lives, writing a file so
 * that readers see the old or the new contents and never half of one, and copying a file.
 * Each prints its own error line and returns -1 on failure, 0 on success.
 */
#ifndef OCCLUM_CLI_UTIL_H
#define OCCLUM_CLI_UTIL_H

#include <stddef.h>

/* The directory holding the running occlum binary (from /proc/self/exe), malloc()ed. */
char *exe_dir(void);

/* "a/b", malloc()ed; aborts the CLI on out-of-memory (there is nothing sensible left to do). */
char *path_join(const char *a, const char *b);

/* Writes len bytes to path through path.tmp + rename, with the given mode. */
int write_file_atomic(const char *path, const void *buf, size_t len, unsigned mode);

/* Copies src to dst through dst.tmp + rename, with the given mode. */
int copy_file_atomic(const char *src, const char *dst, unsigned mode);

#endif /* OCCLUM_CLI_UTIL_H */
