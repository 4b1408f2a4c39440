/*
 * Process and thread identity and lifetime calls: getpid and friends, exit, exit_group,
 * set_tid_address, set_robust_list, arch_prctl, and resource limits.
 */
#include "arch/arch.h"
#include "occlum/abi.h"
#include "process/process.h"
#include "process/spawn.h"
#include "syscall/syscall.h"
#include "uapi/errno.h"
#include "util/log.h"
#include "util/uaccess.h"

DEFINE_SYSCALL0(getpid)
{
    return current_process()->pid;
}

DEFINE_SYSCALL0(getppid)
{
    return process_ppid(current_process());
}

DEFINE_SYSCALL0(gettid)
{
    return current_thread()->tid;
}

DEFINE_SYSCALL0(getuid)
{
    return current_process()->uid;
}

DEFINE_SYSCALL0(geteuid)
{
    return current_process()->euid;
}

DEFINE_SYSCALL0(getgid)
{
    return current_process()->gid;
}

DEFINE_SYSCALL0(getegid)
{
    return current_process()->egid;
}

DEFINE_SYSCALL3(getresuid, uid_t *, ur, uid_t *, ue, uid_t *, us)
{
    struct process *p = current_process();
    if (copy_to_user(ur, &p->uid, sizeof(uid_t)) || copy_to_user(ue, &p->euid, sizeof(uid_t)) ||
        copy_to_user(us, &p->suid, sizeof(uid_t)))
        return -EFAULT;
    return 0;
}

DEFINE_SYSCALL3(getresgid, gid_t *, ur, gid_t *, ue, gid_t *, us)
{
    struct process *p = current_process();
    if (copy_to_user(ur, &p->gid, sizeof(gid_t)) || copy_to_user(ue, &p->egid, sizeof(gid_t)) ||
        copy_to_user(us, &p->sgid, sizeof(gid_t)))
        return -EFAULT;
    return 0;
}

DEFINE_SYSCALL0(getpgrp)
{
    return current_process()->pgid;
}

static bool is_self(pid_t pid)
{
    return pid == 0 || pid == current_process()->pid;
}

DEFINE_SYSCALL1(getpgid, pid_t, pid)
{
    return is_self(pid) ? current_process()->pgid : pid < 0 ? -EINVAL : -ESRCH;
}

DEFINE_SYSCALL1(getsid, pid_t, pid)
{
    return is_self(pid) ? current_process()->sid : pid < 0 ? -EINVAL : -ESRCH;
}

DEFINE_SYSCALL1(set_tid_address, int *, utidptr)
{
    current_thread()->clear_child_tid = (uint64_t)utidptr;
    return current_thread()->tid;
}

DEFINE_SYSCALL2(set_robust_list, void *, uhead, size_t, len)
{
    if (len != 24) /* sizeof(struct robust_list_head) */
        return -EINVAL;
    current_thread()->robust_list = (uint64_t)uhead;
    current_thread()->robust_list_len = len;
    return 0;
}

DEFINE_SYSCALL3(get_robust_list, pid_t, pid, uint64_t *, uhead, size_t *, ulen)
{
    struct thread *th = current_thread();
    if (pid != 0 && pid != th->tid)
        return -ESRCH; /* other threads' lists: not served (Linux needs ptrace rights) */
    if (copy_to_user(uhead, &th->robust_list, sizeof(uint64_t)))
        return -EFAULT;
    size_t len = 24;
    return copy_to_user(ulen, &len, sizeof(len));
}

/* A base address the guest may put in %fs: canonical user addresses only. */
static bool fsbase_ok(uint64_t addr)
{
    return addr < (1ULL << 47);
}

DEFINE_SYSCALL2(arch_prctl, int, code, uint64_t, addr)
{
    struct cpu_regs *r = &current_tcs()->ssa.regs;
    switch (code) {
    case ARCH_SET_FS:
        if (!fsbase_ok(addr))
            return -EPERM;
        r->fsbase = addr;
        return 0;
    case ARCH_GET_FS:
        return copy_to_user((void *)addr, &r->fsbase, sizeof(r->fsbase));
    case ARCH_SET_GS:
    case ARCH_GET_GS:
        /* %gs belongs to the LibOS (DESIGN.md): the guest cannot have it. */
        log_warn("arch_prctl(ARCH_%s_GS) is not supported: %%gs is the LibOS's",
                 code == ARCH_SET_GS ? "SET" : "GET");
        return -EINVAL;
    default:
        return -EINVAL;
    }
}

static long rlimit_op(pid_t pid, unsigned int res, const struct rlimit *unew,
                      struct rlimit *uold)
{
    if (pid != 0 && pid != current_process()->pid)
        return pid < 0 ? -EINVAL : -ESRCH;
    if (res >= RLIM_NLIMITS)
        return -EINVAL;
    struct rlimit *rl = &current_process()->rlimits[res];
    struct rlimit nl;
    if (unew) {
        if (copy_from_user(&nl, unew, sizeof(nl)))
            return -EFAULT;
        if (nl.rlim_cur > nl.rlim_max)
            return -EINVAL;
        if (nl.rlim_max > rl->rlim_max && current_process()->euid != 0)
            return -EPERM;
    }
    if (uold && copy_to_user(uold, rl, sizeof(*rl)))
        return -EFAULT;
    if (unew)
        *rl = nl;
    return 0;
}

DEFINE_SYSCALL4(prlimit64, pid_t, pid, unsigned int, res, const struct rlimit *, unew,
                struct rlimit *, uold)
{
    return rlimit_op(pid, res, unew, uold);
}

DEFINE_SYSCALL2(getrlimit, unsigned int, res, struct rlimit *, uold)
{
    if (res >= RLIM_NLIMITS)
        return -EINVAL;
    return copy_to_user(uold, &current_process()->rlimits[res], sizeof(struct rlimit));
}

DEFINE_SYSCALL2(setrlimit, unsigned int, res, const struct rlimit *, unew)
{
    return rlimit_op(0, res, unew, NULL);
}

/*
 * Credentials: the setuid family with Linux's rules (credentials(7)): a process whose
 * effective uid is 0 may set any id; another may only move among its real, effective and
 * saved ids. -1 leaves an id unchanged. File-system ids follow the effective ids.
 */
static bool id_allowed(uint32_t id, uint32_t r, uint32_t e, uint32_t s, bool privileged)
{
    return privileged || id == r || id == e || id == s;
}

static long set_res_ids(uint32_t *rp, uint32_t *ep, uint32_t *sp, uint32_t r, uint32_t e,
                        uint32_t s, bool privileged)
{
    const uint32_t keep = (uint32_t)-1;
    if ((r != keep && !id_allowed(r, *rp, *ep, *sp, privileged)) ||
        (e != keep && !id_allowed(e, *rp, *ep, *sp, privileged)) ||
        (s != keep && !id_allowed(s, *rp, *ep, *sp, privileged)))
        return -EPERM;
    if (r != keep)
        *rp = r;
    if (e != keep)
        *ep = e;
    if (s != keep)
        *sp = s;
    return 0;
}

DEFINE_SYSCALL3(setresuid, uid_t, r, uid_t, e, uid_t, s)
{
    struct process *p = current_process();
    return set_res_ids(&p->uid, &p->euid, &p->suid, r, e, s, p->euid == 0);
}

DEFINE_SYSCALL3(setresgid, gid_t, r, gid_t, e, gid_t, s)
{
    struct process *p = current_process();
    return set_res_ids(&p->gid, &p->egid, &p->sgid, r, e, s, p->euid == 0);
}

DEFINE_SYSCALL2(setreuid, uid_t, r, uid_t, e)
{
    struct process *p = current_process();
    uint32_t old_r = p->uid;
    /* The saved uid follows the new effective one when the real one is set or the effective
     * one changes to something other than the old real uid. */
    uint32_t s = (r != (uid_t)-1 || (e != (uid_t)-1 && e != old_r)) ? (e != (uid_t)-1 ? e : p->euid)
                                                                    : (uid_t)-1;
    return set_res_ids(&p->uid, &p->euid, &p->suid, r, e, s, p->euid == 0);
}

DEFINE_SYSCALL2(setregid, gid_t, r, gid_t, e)
{
    struct process *p = current_process();
    uint32_t old_r = p->gid;
    uint32_t s = (r != (gid_t)-1 || (e != (gid_t)-1 && e != old_r)) ? (e != (gid_t)-1 ? e : p->egid)
                                                                    : (gid_t)-1;
    return set_res_ids(&p->gid, &p->egid, &p->sgid, r, e, s, p->euid == 0);
}

DEFINE_SYSCALL1(setuid, uid_t, id)
{
    struct process *p = current_process();
    if (p->euid == 0) /* privileged: all three */
        return set_res_ids(&p->uid, &p->euid, &p->suid, id, id, id, true);
    return set_res_ids(&p->uid, &p->euid, &p->suid, (uid_t)-1, id, (uid_t)-1, false);
}

DEFINE_SYSCALL1(setgid, gid_t, id)
{
    struct process *p = current_process();
    if (p->euid == 0)
        return set_res_ids(&p->gid, &p->egid, &p->sgid, id, id, id, true);
    return set_res_ids(&p->gid, &p->egid, &p->sgid, (gid_t)-1, id, (gid_t)-1, false);
}

/* setfsuid/setfsgid: the file-system id is the effective one here; they report it. */
DEFINE_SYSCALL1(setfsuid, uid_t, id)
{
    return current_process()->euid;
}

DEFINE_SYSCALL1(setfsgid, gid_t, id)
{
    return current_process()->egid;
}

/* Supplementary groups: none. setgroups with an empty list (what daemons dropping
 * privileges do) succeeds for root; a non-empty one is not kept yet and says so. */
DEFINE_SYSCALL2(getgroups, int, size, gid_t *, ulist)
{
    return size < 0 ? -EINVAL : 0;
}

DEFINE_SYSCALL2(setgroups, size_t, size, const gid_t *, ulist)
{
    if (current_process()->euid != 0)
        return -EPERM;
    if (size > 65536)
        return -EINVAL;
    if (size == 0)
        return 0;
    log_warn("setgroups with %zu groups: supplementary groups are not kept yet", size);
    return -EINVAL;
}
