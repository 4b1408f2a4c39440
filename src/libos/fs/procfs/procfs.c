/*
 * procfs: /proc's root and its system-wide files, in Linux's formats (proc(5)); the
 * per-process directories are procfs_pid.c's, cpuinfo is cpuinfo.c's.
 *
 *   self                  -> the reader's pid
 *   cpuinfo, meminfo, stat, uptime, loadavg, mounts, filesystems
 *   sys/kernel/{ostype,osrelease,hostname,pid_max,random/uuid,random/boot_id}
 *   sys/vm/overcommit_memory, sys/net/core/somaxconn
 *
 * What the files describe is the enclave: its memory is the user range (meminfo's MemTotal)
 * less what processes have mapped, its CPUs are libos_num_cpus, its uptime is the LibOS's
 * monotonic clock. The LibOS does not account CPU time per state, so /proc/stat's times
 * count the whole uptime as idle.
 */
#include "arch/arch.h"
#include "fs/fs_types.h"
#include "fs/procfs/procfs.h"
#include "mm/mm.h"
#include "process/process.h"
#include "time/time.h"
#include "uapi/errno.h"
#include "util/log.h"
#include "util/printf.h"
#include "util/spinlock.h"
#include "util/string.h"

/* st_dev of procfs inodes. */
#define PROCFS_DEV 0x17
#define USER_HZ    100

extern int libos_num_cpus;

static int ncpus(void)
{
    return libos_num_cpus > 0 ? libos_num_cpus : 1;
}

static int self_gen(const struct pseudo_args *a, struct seqbuf *out)
{
    seq_printf(out, "%d", current_process()->pid);
    return 0;
}

static size_t live_pids(pid_t *pids, size_t max)
{
    size_t n = process_list_pids(pids, max);

    return n > max ? max : n;
}

/* "Name:" padded to 16 columns, the value in 8, as Linux's show_val_kb. */
static void kb_line(struct seqbuf *out, const char *name, uint64_t kb)
{
    char label[32];

    snprintf(label, sizeof(label), "%s:", name);
    seq_printf(out, "%-16s%8llu kB\n", label, (unsigned long long)kb);
}

static int meminfo_gen(const struct pseudo_args *a, struct seqbuf *out)
{
    static const char *const zero_fields[] = {
        "Buffers",      "Cached",  "SwapCached",   "Active(file)",  "Inactive(file)",
        "Unevictable",  "Mlocked", "SwapTotal",    "SwapFree",      "Dirty",
        "Writeback",    "Shmem",   "KReclaimable", "SReclaimable",  "PageTables",
        "NFS_Unstable", "Bounce",  "WritebackTmp", "AnonHugePages", "ShmemHugePages",
    };
    pid_t pids[256];
    size_t n = live_pids(pids, ARRAY_SIZE(pids));
    uint64_t total = user_range_size() / 1024, used = 0, free, heap = heap_used() / 1024;

    for (size_t i = 0; i < n; i++)
        used += procfs_process_vm_bytes(pids[i]) / 1024;
    free = used < total ? total - used : 0;
#define KB(name, v) kb_line(out, name, v)
    KB("MemTotal", total);
    KB("MemFree", free);
    KB("MemAvailable", free);
    for (size_t i = 0; i < 3; i++)
        KB(zero_fields[i], 0);
    KB("Active", used);
    KB("Inactive", 0);
    KB("Active(anon)", used);
    KB("Inactive(anon)", 0);
    for (size_t i = 3; i < ARRAY_SIZE(zero_fields); i++)
        KB(zero_fields[i], 0);
    KB("AnonPages", used);
    KB("Mapped", 0);
    KB("Slab", heap);
    KB("SUnreclaim", heap);
    KB("CommitLimit", total);
    KB("Committed_AS", used);
    KB("VmallocTotal", 0);
    KB("VmallocUsed", 0);
    KB("VmallocChunk", 0);
#undef KB
    seq_printf(out, "%-16s%8d\n%-16s%8d\n%-16s%8d\n%-16s%8d\n%-16s%8d kB\n", "HugePages_Total:", 0,
               "HugePages_Free:", 0, "HugePages_Rsvd:", 0, "HugePages_Surp:", 0,
               "Hugepagesize:", 2048);
    return 0;
}

static int stat_gen(const struct pseudo_args *a, struct seqbuf *out)
{
    uint64_t up_ticks = time_monotonic_ns() / (1000000000ULL / USER_HZ);
    struct timespec now = {0, 0};
    pid_t pids[256];
    size_t n = live_pids(pids, ARRAY_SIZE(pids));

    time_clock_get(CLOCK_REALTIME, &now);
    seq_printf(out, "cpu  0 0 0 %llu 0 0 0 0 0 0\n", (unsigned long long)up_ticks * ncpus());
    for (int i = 0; i < ncpus(); i++)
        seq_printf(out, "cpu%d 0 0 0 %llu 0 0 0 0 0 0\n", i, (unsigned long long)up_ticks);
    seq_printf(out,
               "intr 0\nctxt 0\nbtime %llu\nprocesses %zu\nprocs_running 1\n"
               "procs_blocked 0\nsoftirq 0 0 0 0 0 0 0 0 0 0 0\n",
               (unsigned long long)(now.tv_sec - (int64_t)(up_ticks / USER_HZ)), n);
    return 0;
}

static int uptime_gen(const struct pseudo_args *a, struct seqbuf *out)
{
    uint64_t cs = time_monotonic_ns() / 10000000ULL, idle = cs * (uint64_t)ncpus();

    seq_printf(out, "%llu.%02llu %llu.%02llu\n", (unsigned long long)(cs / 100),
               (unsigned long long)(cs % 100), (unsigned long long)(idle / 100),
               (unsigned long long)(idle % 100));
    return 0;
}

static int loadavg_gen(const struct pseudo_args *a, struct seqbuf *out)
{
    pid_t pids[256];
    size_t n = live_pids(pids, ARRAY_SIZE(pids));

    seq_printf(out, "0.00 0.00 0.00 1/%zu %d\n", n, n ? pids[n - 1] : 0);
    return 0;
}

struct mounts_ctx {
    struct seqbuf *out;
};

/* Linux escapes space, tab, newline and backslash in mount paths as octal. */
static void put_escaped(struct seqbuf *out, const char *s)
{
    for (; *s; s++) {
        if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\\')
            seq_printf(out, "\\%03o", (unsigned char)*s);
        else
            seq_write(out, s, 1);
    }
}

static void mount_line(void *ctx, const char *target, struct super_block *sb)
{
    struct mounts_ctx *m = ctx;
    const char *type = sb->type ? sb->type : "none";

    put_escaped(m->out, type);
    seq_puts(m->out, " ");
    put_escaped(m->out, target);
    seq_printf(m->out, " %s %s,relatime 0 0\n", type, sb->readonly ? "ro" : "rw");
}

int procfs_mounts_gen(const struct pseudo_args *a, struct seqbuf *out)
{
    struct mounts_ctx m = {out};

    vfs_for_each_mount(mount_line, &m);
    return 0;
}

static int filesystems_gen(const struct pseudo_args *a, struct seqbuf *out)
{
    /* The types mounts can show (sb->type), as Linux lists virtual ones. */
    seq_puts(out, "nodev\tsysfs\nnodev\ttmpfs\nnodev\tproc\nnodev\tdevtmpfs\nnodev\tramfs\n"
                  "nodev\tunionfs\nnodev\thostfs\n\timagefs\n");
    return 0;
}

/* ---- sys/ ---- */

static int ostype_gen(const struct pseudo_args *a, struct seqbuf *out)
{
    seq_puts(out, "Linux\n");
    return 0;
}

/* Kept equal to what uname reports (process/sys_info.c). */
static int osrelease_gen(const struct pseudo_args *a, struct seqbuf *out)
{
    seq_puts(out, "5.15.0-occlum\n");
    return 0;
}

static int hostname_gen(const struct pseudo_args *a, struct seqbuf *out)
{
    seq_puts(out, "occlum-node\n");
    return 0;
}

static int pid_max_gen(const struct pseudo_args *a, struct seqbuf *out)
{
    seq_puts(out, "4194304\n");
    return 0;
}

/* A version 4 (random) UUID in its text form, NUL terminated in out[37]. */
static int random_uuid(char out[37])
{
    uint64_t w[2];
    uint8_t b[16];

    if (!rdrand64(&w[0]) || !rdrand64(&w[1]))
        return -EIO;
    memcpy(b, w, 16);
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
             b[14], b[15]);
    return 0;
}

static int uuid_gen(const struct pseudo_args *a, struct seqbuf *out)
{
    char u[37];
    int ret = random_uuid(u);

    if (ret == 0)
        seq_printf(out, "%s\n", u);
    return ret;
}

/* One per enclave run: made on first read, the same afterwards. */
static spinlock_t boot_id_lock = SPINLOCK_INIT;
static char boot_id[37]; /* guarded by boot_id_lock; "" until made */

static int boot_id_gen(const struct pseudo_args *a, struct seqbuf *out)
{
    char u[37], copy[37];
    int ret = random_uuid(u);

    if (ret < 0)
        return ret;
    spin_lock(&boot_id_lock);
    if (!boot_id[0])
        memcpy(boot_id, u, sizeof(u));
    memcpy(copy, boot_id, sizeof(copy));
    spin_unlock(&boot_id_lock);
    seq_printf(out, "%s\n", copy);
    return 0;
}

static int zero_gen(const struct pseudo_args *a, struct seqbuf *out)
{
    seq_puts(out, "0\n");
    return 0;
}

static int somaxconn_gen(const struct pseudo_args *a, struct seqbuf *out)
{
    seq_puts(out, "4096\n");
    return 0;
}

/* ---- the tree ---- */

#define FILE_NODE(var, nm, perm, fn)                                                               \
    static const struct pseudo_node var = {.name = nm, .mode = S_IFREG | (perm), .gen = fn}
#define DIR_NODE(var, nm, ...)                                                                     \
    static const struct pseudo_node *const var##_children[] = {__VA_ARGS__, NULL};                 \
    static const struct pseudo_node var = {                                                        \
        .name = nm, .mode = S_IFDIR | 0555, .children = var##_children}

FILE_NODE(k_ostype, "ostype", 0444, ostype_gen);
FILE_NODE(k_osrelease, "osrelease", 0444, osrelease_gen);
FILE_NODE(k_hostname, "hostname", 0644, hostname_gen);
FILE_NODE(k_pid_max, "pid_max", 0644, pid_max_gen);
FILE_NODE(k_uuid, "uuid", 0444, uuid_gen);
FILE_NODE(k_boot_id, "boot_id", 0444, boot_id_gen);
DIR_NODE(k_random, "random", &k_boot_id, &k_uuid);
DIR_NODE(sys_kernel, "kernel", &k_hostname, &k_osrelease, &k_ostype, &k_pid_max, &k_random);
FILE_NODE(vm_overcommit, "overcommit_memory", 0644, zero_gen);
DIR_NODE(sys_vm, "vm", &vm_overcommit);
FILE_NODE(core_somaxconn, "somaxconn", 0644, somaxconn_gen);
DIR_NODE(net_core, "core", &core_somaxconn);
DIR_NODE(sys_net, "net", &net_core);
DIR_NODE(proc_sys, "sys", &sys_kernel, &sys_net, &sys_vm);

FILE_NODE(proc_cpuinfo, "cpuinfo", 0444, procfs_cpuinfo_gen);
FILE_NODE(proc_filesystems, "filesystems", 0444, filesystems_gen);
FILE_NODE(proc_loadavg, "loadavg", 0444, loadavg_gen);
FILE_NODE(proc_meminfo, "meminfo", 0444, meminfo_gen);
FILE_NODE(proc_mounts, "mounts", 0444, procfs_mounts_gen);
FILE_NODE(proc_stat, "stat", 0444, stat_gen);
FILE_NODE(proc_uptime, "uptime", 0444, uptime_gen);
static const struct pseudo_node proc_self = {
    .name = "self", .mode = S_IFLNK | 0777, .gen = self_gen};

static const struct pseudo_node *const procfs_children[] = {
    &proc_cpuinfo, &proc_filesystems, &proc_loadavg, &proc_meminfo, &proc_mounts,
    &proc_self,    &proc_stat,        &proc_sys,     &proc_uptime,  NULL,
};

static const struct pseudo_node procfs_root = {
    .mode = S_IFDIR | 0555, .children = procfs_children, .dynamic = &procfs_pid_dir};

int procfs_mount(const char *source, const char *options, struct super_block **out)
{
    return pseudo_mount(&procfs_root, PROCFS_DEV, "proc", out);
}

void procfs_register(void)
{
    int ret = vfs_register_fs("procfs", procfs_mount);

    if (ret < 0)
        log_error("procfs: cannot register (%d)", ret);
}
