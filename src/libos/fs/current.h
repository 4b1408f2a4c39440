/*
 * The fs layer's only view of the current process. Kept in one small file (fs/current.c) so
 * that host-built unit tests can link their own version instead of process/ and %gs.
 */
#ifndef LIBOS_FS_CURRENT_H
#define LIBOS_FS_CURRENT_H

#include <stdint.h>

struct fdtable;
struct fs_context;

/* The current process's fd table / fs context (never NULL while a process runs). */
struct fdtable *current_fdtable(void);
struct fs_context *current_fs_context(void);
/* RLIMIT_NOFILE's soft limit of the current process, or 1024 if there is no process. */
uint64_t current_nofile_limit(void);

#endif
