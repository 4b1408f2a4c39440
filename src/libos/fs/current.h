/*
 * The fs layer's only view of the current process. Kept in one small file (fs/current.c) so
 * that host-built unit tests can link their own version instead of process/ and %gs.
 */
#ifndef LIBOS_FS_CURRENT_H
#define LIBOS_FS_CURRENT_H

#include <stdint.h>

struct timespec;

struct fdtable;
struct fs_context;

/* The current process's fd table / fs context (never NULL while a process runs). */
struct fdtable *current_fdtable(void);
struct fs_context *current_fs_context(void);
/* RLIMIT_NOFILE's soft limit of the current process, or 1024 if there is no process. */
uint64_t current_nofile_limit(void);
/* The current process's pid (for F_GETLK's l_pid). */
int current_pid(void);
/* The current process's file-system uid and gid (its effective ids). */
void current_fs_creds(uint32_t *uid, uint32_t *gid);
/* The wall-clock time for file timestamps (CLOCK_REALTIME). */
void current_time(struct timespec *ts);
/* Gives the CPU away for a moment (the lock waiting loop). */
void current_yield(void);

#endif
