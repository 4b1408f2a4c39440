/*
 * fs/current.h on the real LibOS: reads the current process (process/process.h). Unit tests
 * link their own version of this file.
 */
#include "fs/current.h"
#include "ocall/ocall.h"
#include "process/process.h"
#include "time/time.h"
#include "util/string.h"

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

int current_pid(void)
{
    return current_process()->pid;
}

void current_fs_creds(uint32_t *uid, uint32_t *gid)
{
    struct thread *t = current_thread();

    /* Start-up (vfs_init mounting) runs before any process: as root. */
    *uid = t && t->proc ? t->proc->euid : 0;
    *gid = t && t->proc ? t->proc->egid : 0;
}

void current_time(struct timespec *ts)
{
    if (time_clock_get(CLOCK_REALTIME, ts) < 0)
        memset(ts, 0, sizeof(*ts));
}

void current_yield(void)
{
    host_sched_yield();
}
