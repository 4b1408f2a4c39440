/*
 * System information calls: uname, sysinfo, getrandom, sched_getaffinity, sched_yield.
 * What they report describes the enclave (its memory, its processes), not the host.
 */
#include "arch/arch.h"
#include "mm/mm.h"
#include "ocall/ocall.h"
#include "occlum/abi.h"
#include "process/process.h"
#include "syscall/syscall.h"
#include "time/time.h"
#include "uapi/errno.h"
#include "util/string.h"
#include "util/uaccess.h"

/* CPUs the enclave reports: the host's count, clamped at start-up (main.c). */
int libos_num_cpus = 1;

DEFINE_SYSCALL1(uname, struct utsname *, ubuf)
{
    struct utsname u;
    memset(&u, 0, sizeof(u));
    strlcpy(u.sysname, "Linux", sizeof(u.sysname));
    strlcpy(u.nodename, "occlum-node", sizeof(u.nodename));
    strlcpy(u.release, "5.15.0-occlum", sizeof(u.release));
    strlcpy(u.version, "#1 SMP Occlum in C", sizeof(u.version));
    strlcpy(u.machine, "x86_64", sizeof(u.machine));
    strlcpy(u.domainname, "(none)", sizeof(u.domainname));
    return copy_to_user(ubuf, &u, sizeof(u));
}

DEFINE_SYSCALL1(sysinfo, struct sysinfo *, uinfo)
{
    struct sysinfo si;
    memset(&si, 0, sizeof(si));
    si.uptime = (int64_t)(time_monotonic_ns() / 1000000000ULL);
    si.totalram = user_range_size();
    si.freeram = user_range_size() / 2;
    si.procs = 1;
    si.mem_unit = 1;
    return copy_to_user(uinfo, &si, sizeof(si));
}

DEFINE_SYSCALL3(getrandom, void *, ubuf, size_t, len, unsigned int, flags)
{
    if (flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE) ||
        (flags & GRND_RANDOM && flags & GRND_INSECURE))
        return -EINVAL;
    if (len > 0x1ffffff) /* Linux caps one call at 32 MiB - 1 */
        len = 0x1ffffff;
    size_t done = 0;
    uint64_t chunk[32];
    while (done < len) {
        size_t n = MIN(len - done, sizeof(chunk));
        for (size_t i = 0; i < (n + 7) / 8; i++)
            if (!rdrand64(&chunk[i]))
                return done ? (long)done : -EIO;
        if (copy_to_user((char *)ubuf + done, chunk, n))
            return done ? (long)done : -EFAULT;
        done += n;
    }
    memset(chunk, 0, sizeof(chunk));
    return (long)done;
}

DEFINE_SYSCALL3(sched_getaffinity, pid_t, pid, size_t, len, void *, umask)
{
    if (pid < 0)
        return -ESRCH;
    if (pid != 0 && pid != current_process()->pid)
        return -ESRCH;
    if (len < sizeof(uint64_t) || len % sizeof(uint64_t))
        return -EINVAL;
    uint64_t mask = libos_num_cpus >= 64 ? ~0ULL : (1ULL << libos_num_cpus) - 1;
    if (copy_to_user(umask, &mask, sizeof(mask)))
        return -EFAULT;
    return sizeof(mask);
}

DEFINE_SYSCALL0(sched_yield)
{
    host_sched_yield();
    return 0;
}
