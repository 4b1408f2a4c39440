/*
 * procfs (fs/procfs/): /proc. procfs_register (fs/fs_types.h) makes it the "procfs" type of
 * mount lines; the tree is built from pseudo nodes (pseudo.h). This header also joins the
 * files of the directory: procfs.c (the root and system-wide files), procfs_pid.c
 * (/proc/[pid]/...), cpuinfo.c.
 */
#ifndef LIBOS_FS_PROCFS_PROCFS_H
#define LIBOS_FS_PROCFS_PROCFS_H

#include "fs/procfs/pseudo.h"
#include "fs/vfs.h"

/* A mount of procfs (source and options are ignored). 0 or -ENOMEM. */
int procfs_mount(const char *source, const char *options, struct super_block **out);

/* The /proc/[pid] directory node (procfs_pid.c). */
extern const struct pseudo_node procfs_pid_dir;

/* /proc/mounts and /proc/[pid]/mounts: one line per mount, as Linux prints them. */
int procfs_mounts_gen(const struct pseudo_args *a, struct seqbuf *out);

/* /proc/cpuinfo (cpuinfo.c). */
int procfs_cpuinfo_gen(const struct pseudo_args *a, struct seqbuf *out);

/* The total size of the mappings a /proc/[pid]/maps text lists (for stat, status and
 * meminfo). */
uint64_t procfs_maps_total(const char *maps, size_t len);

/* Bytes mapped by process `pid` (0 if it is gone). */
uint64_t procfs_process_vm_bytes(int pid);

#endif
