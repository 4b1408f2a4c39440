/*
 * Small host helpers for the CLI: where the occlum binary lives, writing a file so that
 * readers see the old or the new contents and never half of one, copying a file, a string
 * set. The file helpers print their own error line and return -1 on failure, 0 on success.
 */
#ifndef OCCLUM_CLI_UTIL_H
#define OCCLUM_CLI_UTIL_H

#include <stdbool.h>
#include <stddef.h>

/* The directory holding the running occlum binary (from /proc/self/exe), malloc()ed. */
char *exe_dir(void);

/* "a/b", malloc()ed; aborts the CLI on out-of-memory (there is nothing sensible left to do). */
char *path_join(const char *a, const char *b);

/* Writes len bytes to path through path.tmp + rename, with the given mode. */
int write_file_atomic(const char *path, const void *buf, size_t len, unsigned mode);

/* Copies src to dst through dst.tmp + rename, with the given mode. */
int copy_file_atomic(const char *src, const char *dst, unsigned mode);

/*
 * A set of strings that remembers insertion order (for "done already?" questions and for
 * visiting what was collected). Strings are copied in. Out-of-memory aborts the CLI.
 */
struct strset;
struct strset *strset_new(void);
void strset_free(struct strset *s);
/* Adds str; returns true if it was not there before. */
bool strset_add(struct strset *s, const char *str);
bool strset_has(const struct strset *s, const char *str);
size_t strset_count(const struct strset *s);
/* The i-th string added (i < strset_count). */
const char *strset_at(const struct strset *s, size_t i);

/* malloc() family that aborts the CLI on out-of-memory. */
void *xmalloc(size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* OCCLUM_CLI_UTIL_H */
