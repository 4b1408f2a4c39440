/*
 * sysfs: the few /sys files programs read, as a pseudo tree (fs/procfs/pseudo.h):
 *
 *   devices/system/cpu/{online,possible,present}   "0-N" over the enclave's CPUs
 *   kernel/mm/transparent_hugepage/enabled         "always [madvise] never"
 *
 * Every file is generated from LibOS state that never changes after start-up.
 */
#include "fs/fs_types.h"
#include "fs/procfs/pseudo.h"
#include "fs/sysfs/sysfs.h"
#include "uapi/errno.h"
#include "util/log.h"

/* st_dev of sysfs inodes. */
#define SYSFS_DEV 0x15

/* process/sys_info.c */
extern int libos_num_cpus;

static int cpus_gen(const struct pseudo_args *a, struct seqbuf *out)
{
    seq_cpu_range(out, libos_num_cpus);
    return 0;
}

static int thp_gen(const struct pseudo_args *a, struct seqbuf *out)
{
    seq_puts(out, "always [madvise] never\n");
    return 0;
}

#define FILE_NODE(var, nm, fn)                                                                     \
    static const struct pseudo_node var = {.name = nm, .mode = S_IFREG | 0444, .gen = fn}
#define DIR_NODE(var, nm, ...)                                                                     \
    static const struct pseudo_node *const var##_children[] = {__VA_ARGS__, NULL};                 \
    static const struct pseudo_node var = {                                                        \
        .name = nm, .mode = S_IFDIR | 0755, .children = var##_children}

FILE_NODE(cpu_online, "online", cpus_gen);
FILE_NODE(cpu_possible, "possible", cpus_gen);
FILE_NODE(cpu_present, "present", cpus_gen);
DIR_NODE(cpu_dir, "cpu", &cpu_online, &cpu_possible, &cpu_present);
DIR_NODE(system_dir, "system", &cpu_dir);
DIR_NODE(devices_dir, "devices", &system_dir);

FILE_NODE(thp_enabled, "enabled", thp_gen);
DIR_NODE(thp_dir, "transparent_hugepage", &thp_enabled);
DIR_NODE(mm_dir, "mm", &thp_dir);
DIR_NODE(kernel_dir, "kernel", &mm_dir);

static const struct pseudo_node *const sysfs_children[] = {&devices_dir, &kernel_dir, NULL};
static const struct pseudo_node sysfs_root = {.mode = S_IFDIR | 0555, .children = sysfs_children};

int sysfs_mount(const char *source, const char *options, struct super_block **out)
{
    return pseudo_mount(&sysfs_root, SYSFS_DEV, "sysfs", out);
}

void sysfs_register(void)
{
    int ret = vfs_register_fs("sysfs", sysfs_mount);

    if (ret < 0)
        log_error("sysfs: cannot register (%d)", ret);
}
