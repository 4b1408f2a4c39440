/*
 * /proc/[pid]/...: what a process looks like from outside, in Linux's formats (proc(5)).
 *
 *   maps      vm_format_maps of the process's vm_space
 *   stat      the 52 fields of proc_pid_stat(5); times the LibOS does not account are 0
 *   status    the usual "Key:\tvalue" lines
 *   cmdline   see below; comm; environ (see below)
 *   exe, cwd, root   symlinks (exe_path, the cwd's canonical path, "/")
 *   fd/N      symlinks to each open file's path ("anon_inode:[file]" for files opened by
 *             no path, such as the standard streams)
 *   mounts, limits
 *
 * fd/N and cwd are also "magic links" (pseudo_get_link): the path walk can jump to the
 * open file's or the cwd's inode itself, as Linux does, so /dev/stdin works for the
 * standard streams, which have no path.
 *
 * cmdline and environ: the initial stack's argument and environment strings, read from the
 * process's memory (struct process records where they are, as Linux's mm does); a zombie
 * shows none.
 *
 * Every generator looks the process up by pid when the file is read (-ESRCH once it is
 * gone) and reads fields its own threads write without a lock: exe_path and comm change
 * only at exec, and a torn comm is NUL-terminated here before use.
 */
#include "fs/fdtable.h"
#include "fs/procfs/procfs.h"
#include "mm/mm.h"
#include "process/process.h"
#include "uapi/errno.h"
#include "util/log.h"
#include "util/printf.h"
#include "util/string.h"

#define USER_HZ 100

extern int libos_num_cpus;

/* The process of `a`, referenced, with its vm/files/fs readable (process_res_get) until
 * put_proc. */
static struct process *get_proc(const struct pseudo_args *a)
{
    struct process *p = a->pid > 0 ? process_lookup(a->pid) : NULL;
    if (p)
        process_res_get(p);
    return p;
}

static void put_proc(struct process *p)
{
    process_res_put(p);
    process_put(p);
}

static bool pid_exists(const struct pseudo_args *a)
{
    struct process *p = get_proc(a);

    if (p)
        put_proc(p);
    return p != NULL;
}

static size_t pid_list(const struct pseudo_args *a, int from, int *out, size_t max)
{
    pid_t pids[256];
    size_t n = process_list_pids(pids, ARRAY_SIZE(pids)), k = 0;

    /* More than 256 live processes: the listing shows the first 256 (logged once). */
    if (n > ARRAY_SIZE(pids)) {
        log_info("/proc lists only %zu of %zu processes", ARRAY_SIZE(pids), n);
        n = ARRAY_SIZE(pids);
    }
    for (size_t i = 0; i < n && k < max; i++)
        if (pids[i] >= from)
            out[k++] = pids[i];
    return k;
}

/* The process's maps text, NUL terminated, in a seqbuf. */
static int maps_text(struct process *p, struct seqbuf *s)
{
    for (int tries = 0; tries < 8; tries++) {
        size_t room = s->cap > s->len ? s->cap - s->len : 0;
        size_t need;
        char *dst;

        if (!p->vm)
            return 0; /* a zombie has no mappings */
        dst = seq_reserve(s, room ? room - 1 : 4096);
        if (!dst)
            return -ENOMEM;
        room = s->cap - s->len;
        need = vm_format_maps(p->vm, dst, room);
        if (need < room) {
            s->len += need;
            return 0;
        }
        /* The mappings grew between sizing and formatting: try with the new size. */
        if (!seq_reserve(s, need + 256))
            return -ENOMEM;
    }
    return -EAGAIN;
}

uint64_t procfs_maps_total(const char *maps, size_t len)
{
    uint64_t total = 0;
    size_t i = 0;

    while (i < len) {
        uint64_t start = 0, end = 0, *v = &start;

        for (; i < len && maps[i] != '\n'; i++) {
            char c = maps[i];

            if (c == '-' && v == &start)
                v = &end;
            else if (c >= '0' && c <= '9')
                *v = *v * 16 + (uint64_t)(c - '0');
            else if (c >= 'a' && c <= 'f')
                *v = *v * 16 + (uint64_t)(c - 'a' + 10);
            else
                break;
        }
        if (end > start)
            total += end - start;
        while (i < len && maps[i] != '\n')
            i++;
        i++;
    }
    return total;
}

static int maps_gen(const struct pseudo_args *a, struct seqbuf *out)
{
    struct process *p = get_proc(a);
    int ret;

    if (!p)
        return -ESRCH;
    ret = maps_text(p, out);
    put_proc(p);
    return ret;
}

/* Size of the process's mappings in bytes. */
static uint64_t vm_total(struct process *p)
{
    struct seqbuf s = {0};
    uint64_t total = 0;

    if (maps_text(p, &s) == 0)
        total = procfs_maps_total(s.buf, s.len);
    seq_free(&s);
    return total;
}

uint64_t procfs_process_vm_bytes(int pid)
{
    struct process *p = process_lookup(pid);
    uint64_t total;

    if (!p)
        return 0;
    process_res_get(p);
    total = vm_total(p);
    put_proc(p);
    return total;
}

static void get_comm(struct process *p, char comm[16])
{
    memcpy(comm, p->comm, 16);
    comm[15] = '\0';
}

static char state_char(struct process *p)
{
    enum process_state st;

    spin_lock(&proc_lock);
    st = p->state;
    spin_unlock(&proc_lock);
    return st == PROCESS_ZOMBIE ? 'Z' : 'R';
}

static int stat_gen(const struct pseudo_args *a, struct seqbuf *out)
{
    struct process *p = get_proc(a);
    char comm[16];
    uint64_t vsize, start;
    int threads;

    if (!p)
        return -ESRCH;
    get_comm(p, comm);
    vsize = vm_total(p);
    start = p->start_ns / (1000000000ULL / USER_HZ);
    spin_lock(&proc_lock);
    threads = p->nr_threads > 0 ? p->nr_threads : 1;
    spin_unlock(&proc_lock);
    /* pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt
     * utime stime cutime cstime priority nice num_threads itrealvalue starttime vsize rss
     * rsslim, then code/stack addresses, signals, wchan..., exit_code: 52 fields. */
    seq_printf(out,
               "%d (%s) %c %d %d %d 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 %d 0 %llu %llu %llu "
               "18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
               p->pid, comm, state_char(p), process_ppid(p), p->pgid, p->sid, threads,
               (unsigned long long)start, (unsigned long long)vsize,
               (unsigned long long)(vsize / PAGE_SIZE));
    put_proc(p);
    return 0;
}

static int status_gen(const struct pseudo_args *a, struct seqbuf *out)
{
    struct process *p = get_proc(a);
    char comm[16], st;
    uint64_t vm_kb;
    uint32_t umask = 022;
    int threads;

    if (!p)
        return -ESRCH;
    get_comm(p, comm);
    vm_kb = vm_total(p) / 1024;
    if (p->fs)
        umask = __atomic_load_n(&p->fs->umask, __ATOMIC_RELAXED);
    st = state_char(p);
    spin_lock(&proc_lock);
    threads = p->nr_threads > 0 ? p->nr_threads : 1;
    spin_unlock(&proc_lock);
    seq_printf(out,
               "Name:\t%s\nUmask:\t%04o\nState:\t%c (%s)\nTgid:\t%d\nNgid:\t0\nPid:\t%d\n"
               "PPid:\t%d\nTracerPid:\t0\n",
               comm, umask, st, st == 'Z' ? "zombie" : "running", p->pid, p->pid, process_ppid(p));
    seq_printf(out, "Uid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\nFDSize:\t64\nGroups:\t\n", p->uid,
               p->euid, p->suid, p->euid, p->gid, p->egid, p->sgid, p->egid);
    seq_printf(out, "NStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\n", p->pid, p->pid, p->pgid,
               p->sid);
    seq_printf(out,
               "VmPeak:\t%8llu kB\nVmSize:\t%8llu kB\nVmLck:\t%8d kB\nVmPin:\t%8d kB\n"
               "VmHWM:\t%8llu kB\nVmRSS:\t%8llu kB\n",
               (unsigned long long)vm_kb, (unsigned long long)vm_kb, 0, 0,
               (unsigned long long)vm_kb, (unsigned long long)vm_kb);
    seq_printf(out,
               "Threads:\t%d\nSigQ:\t0/%llu\nSigPnd:\t0000000000000000\n"
               "ShdPnd:\t0000000000000000\n",
               threads, (unsigned long long)p->rlimits[RLIMIT_SIGPENDING].rlim_cur);
    seq_printf(out, "Cpus_allowed:\t%llx\nCpus_allowed_list:\t",
               libos_num_cpus >= 64 ? ~0ULL : (1ULL << libos_num_cpus) - 1);
    seq_cpu_range(out, libos_num_cpus);
    seq_puts(out, "voluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n");
    put_proc(p);
    return 0;
}

/* Copies [start, end) of the process's memory (its initial stack's strings) into `out`, if
 * it is still mapped readable; an exited process or an unmapped range gives nothing. */
static int copy_process_memory(struct process *p, uint64_t start, uint64_t end,
                               struct seqbuf *out)
{
    if (!p->vm || end <= start || end - start > (1U << 21))
        return 0;
    size_t len = (size_t)(end - start);
    char *dst = seq_reserve(out, len);
    if (!dst)
        return -ENOMEM;
    vm_lock(p->vm);
    bool ok = vm_range_ok_locked(p->vm, start, len, PROT_READ);
    if (ok)
        memcpy(dst, (const void *)start, len); /* all processes share the address space */
    vm_unlock(p->vm);
    if (ok)
        out->len += len;
    return 0;
}

static int cmdline_gen(const struct pseudo_args *a, struct seqbuf *out)
{
    struct process *p = get_proc(a);

    if (!p)
        return -ESRCH;
    int rc = copy_process_memory(p, p->arg_start, p->arg_end, out);
    put_proc(p);
    return rc;
}

static int environ_gen(const struct pseudo_args *a, struct seqbuf *out)
{
    struct process *p = get_proc(a);

    if (!p)
        return -ESRCH;
    int rc = copy_process_memory(p, p->env_start, p->env_end, out);
    put_proc(p);
    return rc;
}

static int comm_gen(const struct pseudo_args *a, struct seqbuf *out)
{
    struct process *p = get_proc(a);
    char comm[16];

    if (!p)
        return -ESRCH;
    get_comm(p, comm);
    seq_printf(out, "%s\n", comm);
    put_proc(p);
    return 0;
}

static int exe_gen(const struct pseudo_args *a, struct seqbuf *out)
{
    struct process *p = get_proc(a);
    int ret = -ENOENT;

    if (!p)
        return -ESRCH;
    if (p->exe_path) {
        seq_puts(out, p->exe_path);
        ret = 0;
    }
    put_proc(p);
    return ret;
}

static int cwd_gen(const struct pseudo_args *a, struct seqbuf *out)
{
    struct process *p = get_proc(a);
    char *copy = NULL;
    size_t len;
    int ret = -ENOENT;

    if (!p)
        return -ESRCH;
    /* Copy out under the lock into a buffer allocated outside it (no allocation under a
     * spinlock); retry if the path changed length meanwhile. */
    while (p->fs) {
        spin_lock(&p->fs->lock);
        len = strlen(p->fs->cwd_path);
        spin_unlock(&p->fs->lock);
        copy = seq_reserve(out, len);
        if (!copy) {
            ret = -ENOMEM;
            break;
        }
        spin_lock(&p->fs->lock);
        if (strlen(p->fs->cwd_path) == len) {
            memcpy(copy, p->fs->cwd_path, len);
            spin_unlock(&p->fs->lock);
            out->len += len;
            out->buf[out->len] = '\0';
            ret = 0;
            break;
        }
        spin_unlock(&p->fs->lock);
    }
    put_proc(p);
    return ret;
}

static int cwd_get_inode(const struct pseudo_args *a, struct inode **out)
{
    struct process *p = get_proc(a);

    if (!p)
        return -ESRCH;
    if (!p->fs) {
        put_proc(p);
        return -ENOENT;
    }
    *out = fs_context_cwd(p->fs);
    put_proc(p);
    return 0;
}

static int root_gen(const struct pseudo_args *a, struct seqbuf *out)
{
    if (!pid_exists(a))
        return -ESRCH;
    seq_puts(out, "/");
    return 0;
}

static const struct {
    const char *name, *unit;
} limit_names[RLIM_NLIMITS] = {
    {"Max cpu time", "seconds"},     {"Max file size", "bytes"},
    {"Max data size", "bytes"},      {"Max stack size", "bytes"},
    {"Max core file size", "bytes"}, {"Max resident set", "bytes"},
    {"Max processes", "processes"},  {"Max open files", "files"},
    {"Max locked memory", "bytes"},  {"Max address space", "bytes"},
    {"Max file locks", "locks"},     {"Max pending signals", "signals"},
    {"Max msgqueue size", "bytes"},  {"Max nice priority", ""},
    {"Max realtime priority", ""},   {"Max realtime timeout", "us"},
};

static void limit_value(struct seqbuf *out, uint64_t v)
{
    char num[24];

    if (v == RLIM_INFINITY)
        seq_printf(out, "%-21s", "unlimited");
    else {
        snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
        seq_printf(out, "%-21s", num);
    }
}

static int limits_gen(const struct pseudo_args *a, struct seqbuf *out)
{
    struct process *p = get_proc(a);

    if (!p)
        return -ESRCH;
    seq_printf(out, "%-26s%-21s%-21s%-10s\n", "Limit", "Soft Limit", "Hard Limit", "Units");
    for (int i = 0; i < RLIM_NLIMITS; i++) {
        seq_printf(out, "%-26s", limit_names[i].name);
        limit_value(out, p->rlimits[i].rlim_cur);
        limit_value(out, p->rlimits[i].rlim_max);
        if (limit_names[i].unit[0])
            seq_printf(out, "%-10s\n", limit_names[i].unit);
        else
            seq_puts(out, "\n");
    }
    put_proc(p);
    return 0;
}

/* ---- fd/ ---- */

/* The highest fd worth probing: the process's RLIMIT_NOFILE, within Linux's nr_open. */
static int fd_probe_limit(struct process *p)
{
    uint64_t lim = p->rlimits[RLIMIT_NOFILE].rlim_cur;

    if (lim == 0)
        lim = 1024;
    return lim > (1u << 20) ? (1 << 20) : (int)lim;
}

static struct file *proc_fd_file(const struct pseudo_args *a)
{
    struct process *p = get_proc(a);
    struct file *f = NULL;

    if (!p)
        return NULL;
    if (p->files && a->fd >= 0)
        f = fdtable_get(p->files, a->fd, NULL);
    put_proc(p);
    return f;
}

static bool fd_exists(const struct pseudo_args *a)
{
    struct file *f = proc_fd_file(a);

    if (f)
        file_put(f);
    return f != NULL;
}

/* There is no iteration API for fd tables yet (fs/fdtable.h): probe each fd number. */
static size_t fd_list(const struct pseudo_args *a, int from, int *out, size_t max)
{
    struct process *p = get_proc(a);
    size_t k = 0;
    int lim;

    if (!p)
        return 0;
    lim = fd_probe_limit(p);
    for (int fd = from < 0 ? 0 : from; fd < lim && k < max && p->files; fd++) {
        struct file *f = fdtable_get(p->files, fd, NULL);

        if (f) {
            out[k++] = fd;
            file_put(f);
        }
    }
    put_proc(p);
    return k;
}

static int fd_gen(const struct pseudo_args *a, struct seqbuf *out)
{
    struct file *f = proc_fd_file(a);

    if (!f)
        return -ENOENT;
    if (f->path)
        seq_puts(out, f->path);
    else
        seq_puts(out, "anon_inode:[file]");
    file_put(f);
    return 0;
}

static int fd_get_inode(const struct pseudo_args *a, struct inode **out)
{
    struct file *f = proc_fd_file(a);

    if (!f)
        return -ENOENT;
    inode_get(f->inode);
    *out = f->inode;
    file_put(f);
    return 0;
}

static const struct pseudo_node fd_entry = {
    .mode = S_IFLNK | 0700,
    .arg = PSEUDO_ARG_FD,
    .list = fd_list,
    .exists = fd_exists,
    .gen = fd_gen,
    .get_inode = fd_get_inode,
    .owned_by_process = true,
};

static const struct pseudo_node fd_dir = {
    .name = "fd", .mode = S_IFDIR | 0500, .dynamic = &fd_entry, .owned_by_process = true};

#define PID_FILE(var, nm, perm, fn)                                                                \
    static const struct pseudo_node var = {                                                        \
        .name = nm, .mode = S_IFREG | (perm), .gen = fn, .owned_by_process = true}
#define PID_LINK(var, nm, fn)                                                                      \
    static const struct pseudo_node var = {                                                        \
        .name = nm, .mode = S_IFLNK | 0777, .gen = fn, .owned_by_process = true}

PID_FILE(pid_cmdline, "cmdline", 0444, cmdline_gen);
PID_FILE(pid_comm, "comm", 0644, comm_gen);
PID_FILE(pid_environ, "environ", 0400, environ_gen);
PID_FILE(pid_limits, "limits", 0444, limits_gen);
PID_FILE(pid_maps, "maps", 0444, maps_gen);
PID_FILE(pid_mounts, "mounts", 0444, procfs_mounts_gen);
PID_FILE(pid_stat, "stat", 0444, stat_gen);
PID_FILE(pid_status, "status", 0444, status_gen);
static const struct pseudo_node pid_cwd = {.name = "cwd",
                                           .mode = S_IFLNK | 0777,
                                           .gen = cwd_gen,
                                           .get_inode = cwd_get_inode,
                                           .owned_by_process = true};
PID_LINK(pid_exe, "exe", exe_gen);
PID_LINK(pid_root, "root", root_gen);

static const struct pseudo_node *const pid_children[] = {
    &pid_cmdline, &pid_comm,   &pid_cwd,  &pid_environ, &pid_exe,    &fd_dir, &pid_limits,
    &pid_maps,    &pid_mounts, &pid_root, &pid_stat,    &pid_status, NULL,
};

const struct pseudo_node procfs_pid_dir = {
    .mode = S_IFDIR | 0555,
    .children = pid_children,
    .arg = PSEUDO_ARG_PID,
    .list = pid_list,
    .exists = pid_exists,
    .owned_by_process = true,
};
