/*
 * fs/current.h on the real LibOS: reads the current process (process/process.h). Unit tests
 * link their own version of this file.
 */
#include "fs/current.h"
#include "process/process.h"

struct fdtable *current_fdtable(void)
{
    return current_process()->files;
}

struct fs_context *current_fs_context(void)
{
    return current_process()->fs;
}

uint64_t current_nofile_limit(void)
{
    uint64_t lim = current_process()->rlimits[RLIMIT_NOFILE].rlim_cur;

    /* A process whose limits were never set up gets Linux's default. */
    return lim ? lim : 1024;
}
